//! Picture files: read once, checked whole, measured, and decoded for previews.
//!
//! A picture is decoded completely when it is read, so a truncated or corrupt file is an error
//! naming it, not a blank box in the output; its pixel count is checked from the header first,
//! so a "decompression bomb" (a small file claiming enormous dimensions) is refused before any
//! memory is spent on it. JPEG files are embedded in the PDF as they are, never re-encoded.

use std::io::Cursor;
use std::path::Path;
use std::sync::Arc;

use crate::model::{ImageData, ImageFormat};

/// The most pixels a picture may have: a 40-megapixel photo, far past anything a printed A4
/// page shows (165 mm at 300 dpi is under 2,000 pixels across).
pub const MAX_PIXELS: u64 = 40_000_000;

/// The most pixels all the pictures of one document may have together: ten 40-megapixel
/// photos, or some thirty from a phone. It bounds the time a record may spend decoding and
/// embedding pictures, as [`crate::layout::MAX_PAGES`] bounds its pages.
pub const MAX_DOCUMENT_PIXELS: u64 = 400_000_000;

/// Reads and checks a PNG or JPEG file for a document whose pictures so far hold `spent`
/// pixels. The error says what is wrong with the file.
pub fn load(path: &Path, spent: u64) -> Result<ImageData, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read it ({e})"))?;
    let format = if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        ImageFormat::Png
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        ImageFormat::Jpeg
    } else {
        return Err("it is not a PNG or JPEG picture (save it as .png or .jpg)".into());
    };
    let mut data = ImageData {
        bytes: Arc::new(bytes),
        format,
        width_px: 0,
        height_px: 0,
        path: path.to_path_buf(),
    };
    // Decoded once to prove the file whole; the pixels are decoded again only for previews.
    let (width, height) = match format {
        ImageFormat::Png => decode_png(&data.bytes, spent).map(|(w, h, _)| (w, h))?,
        ImageFormat::Jpeg => decode_jpeg(&data.bytes, spent).map(|(w, h, _)| (w, h))?,
    };
    data.width_px = width;
    data.height_px = height;
    Ok(data)
}

/// Refuses a picture, from the dimensions its header claims and before any of it is decoded,
/// when it is past the budget of one picture or of the document it joins.
fn check_size(width: u64, height: u64, spent: u64) -> Result<(), String> {
    if width == 0 || height == 0 {
        return Err("the picture has no pixels".into());
    }
    let pixels = width.saturating_mul(height);
    if pixels > MAX_PIXELS {
        return Err(format!(
            "the picture claims {width} × {height} pixels, more than the {} million vanban accepts; scale it down",
            MAX_PIXELS / 1_000_000
        ));
    }
    let total = spent.saturating_add(pixels);
    if total > MAX_DOCUMENT_PIXELS {
        return Err(format!(
            "with this picture ({width} × {height}) the document's pictures hold {} million pixels, more than the {} million one document may hold; scale the pictures down (a photo across an A4 page needs about 2,000 pixels across) or use fewer",
            total / 1_000_000,
            MAX_DOCUMENT_PIXELS / 1_000_000
        ));
    }
    Ok(())
}

/// Decodes a picture that [`load`] accepted to 8-bit RGBA: `(width, height, pixels)`.
pub fn decode_rgba(data: &ImageData) -> Result<(u32, u32, Vec<u8>), String> {
    match data.format {
        ImageFormat::Png => {
            let (width, height, frame) = decode_png(&data.bytes, 0)?;
            Ok((width, height, png_rgba(width, height, frame)?))
        }
        ImageFormat::Jpeg => decode_jpeg(&data.bytes, 0),
    }
}

/// Decodes a PNG file to 8-bit samples of its own colour type (palettes expanded).
fn decode_png(bytes: &[u8], spent: u64) -> Result<(u32, u32, PngFrame), String> {
    let broken = |e: png::DecodingError| format!("the PNG file is damaged or truncated ({e})");
    let mut decoder = png::Decoder::new(Cursor::new(bytes));
    decoder.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
    let mut reader = decoder.read_info().map_err(broken)?;
    let (width, height) = (reader.info().width, reader.info().height);
    check_size(u64::from(width), u64::from(height), spent)?;
    let size = reader
        .output_buffer_size()
        .ok_or("the PNG file is too large to decode")?;
    let mut buffer = vec![0; size];
    let frame = reader.next_frame(&mut buffer).map_err(broken)?;
    buffer.truncate(frame.buffer_size());
    let frame = PngFrame {
        color_type: frame.color_type,
        samples: buffer,
    };
    Ok((width, height, frame))
}

/// A decoded PNG: 8-bit samples in its colour type.
struct PngFrame {
    color_type: png::ColorType,
    samples: Vec<u8>,
}

fn png_rgba(width: u32, height: u32, frame: PngFrame) -> Result<Vec<u8>, String> {
    let buffer = frame.samples;
    let pixels = width as usize * height as usize;
    let rgba = match frame.color_type {
        png::ColorType::Rgba => buffer,
        png::ColorType::Rgb => buffer
            .chunks_exact(3)
            .flat_map(|p| [p[0], p[1], p[2], 255])
            .collect(),
        png::ColorType::GrayscaleAlpha => buffer
            .chunks_exact(2)
            .flat_map(|p| [p[0], p[0], p[0], p[1]])
            .collect(),
        png::ColorType::Grayscale => buffer.iter().flat_map(|&g| [g, g, g, 255]).collect(),
        png::ColorType::Indexed => return Err("the PNG palette could not be expanded".into()),
    };
    if rgba.len() != pixels * 4 {
        return Err("the PNG file is damaged (its pixel data has the wrong size)".into());
    }
    Ok(rgba)
}

fn decode_jpeg(bytes: &[u8], spent: u64) -> Result<(u32, u32, Vec<u8>), String> {
    use zune_jpeg::zune_core::colorspace::ColorSpace;
    use zune_jpeg::zune_core::options::DecoderOptions;
    let broken =
        |e: zune_jpeg::errors::DecodeErrors| format!("the JPEG file is damaged or truncated ({e})");
    let options = DecoderOptions::default()
        .jpeg_set_out_colorspace(ColorSpace::RGBA)
        .set_strict_mode(true);
    let mut decoder = zune_jpeg::JpegDecoder::new_with_options(Cursor::new(bytes), options);
    decoder.decode_headers().map_err(broken)?;
    let info = decoder
        .info()
        .ok_or("the JPEG file has no picture header")?;
    check_size(u64::from(info.width), u64::from(info.height), spent)?;
    let pixels = decoder.decode().map_err(broken)?;
    if pixels.len() != info.width as usize * info.height as usize * 4 {
        return Err("the JPEG file is damaged (its pixel data has the wrong size)".into());
    }
    Ok((u32::from(info.width), u32::from(info.height), pixels))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(width: u32, height: u32) -> Vec<u8> {
        let mut out = Vec::new();
        let mut encoder = png::Encoder::new(&mut out, width, height);
        encoder.set_color(png::ColorType::Rgba);
        let mut writer = encoder.write_header().unwrap();
        writer
            .write_image_data(&vec![128; (width * height * 4) as usize])
            .unwrap();
        writer.finish().unwrap();
        out
    }

    #[test]
    fn the_document_budget_counts_the_pixels_already_spent() {
        let spent = MAX_DOCUMENT_PIXELS - 40_000_000;
        assert!(check_size(8_000, 5_000, spent).is_ok());
        let err = check_size(8_000, 5_000, spent + 1).unwrap_err();
        assert!(err.contains("hold 400 million pixels"), "{err}");
        assert!(check_size(8_000, 5_001, 0)
            .unwrap_err()
            .contains("8000 × 5001"));
    }

    #[test]
    fn a_good_png_is_measured() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.png");
        std::fs::write(&path, png(30, 20)).unwrap();
        let data = load(&path, 0).unwrap();
        assert_eq!(
            (data.width_px, data.height_px, data.format),
            (30, 20, ImageFormat::Png)
        );
    }

    #[test]
    fn truncated_text_and_bomb_files_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let truncated = dir.path().join("t.png");
        let bytes = png(64, 64);
        std::fs::write(&truncated, &bytes[..bytes.len() / 2]).unwrap();
        assert!(load(&truncated, 0)
            .unwrap_err()
            .contains("damaged or truncated"));

        let text = dir.path().join("x.png");
        std::fs::write(&text, "not a picture").unwrap();
        assert!(load(&text, 0).unwrap_err().contains("not a PNG or JPEG"));

        // A valid header that claims 100,000 × 100,000 pixels.
        let mut bomb = png(1, 1);
        bomb[16..20].copy_from_slice(&100_000u32.to_be_bytes());
        bomb[20..24].copy_from_slice(&100_000u32.to_be_bytes());
        let header_crc = crc32fast::hash(&bomb[12..29]);
        bomb[29..33].copy_from_slice(&header_crc.to_be_bytes());
        let path = dir.path().join("bomb.png");
        std::fs::write(&path, bomb).unwrap();
        let err = load(&path, 0).unwrap_err();
        assert!(err.contains("100000 × 100000"), "{err}");
    }
}
