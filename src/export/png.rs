//! Laid-out pages into PNG previews, rasterised with fontdue from the very pages the PDF draws:
//! same line breaks, same positions, so a preview shows where every line of the PDF falls.

use std::collections::HashMap;
use std::sync::Arc;

use crate::error::{Error, Result};
use crate::fonts::{Face4, FontBook};
use crate::layout::{Item, Page};
use crate::model::ImageData;

/// The four faces prepared for rasterising; preparing them takes some milliseconds each, so
/// it is done once, and only when previews are asked for.
pub struct RasterFonts {
    fonts: Vec<fontdue::Font>,
}

impl std::fmt::Debug for RasterFonts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RasterFonts").finish_non_exhaustive()
    }
}

impl Default for RasterFonts {
    fn default() -> Self {
        Self::new()
    }
}

impl RasterFonts {
    /// Prepares the embedded faces.
    pub fn new() -> Self {
        let fonts = Face4::ALL
            .iter()
            .map(|&face| {
                // Compiled-in font data that rustybuzz already parsed: failure is a build defect.
                fontdue::Font::from_bytes(FontBook::data(face), fontdue::FontSettings::default())
                    .expect("embedded font loads in fontdue")
            })
            .collect();
        RasterFonts { fonts }
    }
}

/// A decoded picture: width, height, RGBA pixels.
type Pixels = (u32, u32, Vec<u8>);

/// A white RGB canvas.
struct Canvas {
    width: usize,
    height: usize,
    pixels: Vec<u8>,
}

impl Canvas {
    /// Darkens a pixel towards a colour by a coverage from 0 to 1.
    fn blend(&mut self, x: i64, y: i64, coverage: f32, colour: [u8; 3]) {
        if x < 0
            || y < 0
            || x as usize >= self.width
            || y as usize >= self.height
            || coverage <= 0.0
        {
            return;
        }
        let at = (y as usize * self.width + x as usize) * 3;
        let coverage = coverage.min(1.0);
        for (channel, target) in colour.iter().enumerate() {
            let old = f32::from(self.pixels[at + channel]);
            self.pixels[at + channel] = (old + (f32::from(*target) - old) * coverage).round() as u8;
        }
    }

    /// Fills a rectangle given in pixels, with partial coverage at its fractional edges.
    fn fill(&mut self, x0: f32, y0: f32, x1: f32, y1: f32) {
        let overlap = |a: f32, b: f32, p: f32| (b.min(p + 1.0) - a.max(p)).clamp(0.0, 1.0);
        for y in y0.floor() as i64..y1.ceil() as i64 {
            let cy = overlap(y0, y1, y as f32);
            for x in x0.floor() as i64..x1.ceil() as i64 {
                self.blend(x, y, cy * overlap(x0, x1, x as f32), [0, 0, 0]);
            }
        }
    }
}

/// Rasterises each page at `dpi` into a PNG file's bytes.
pub fn write(pages: &[Page], fonts: &RasterFonts, dpi: f32) -> Result<Vec<Vec<u8>>> {
    let scale = dpi / 72.0;
    let mut glyphs: HashMap<(usize, u16, u32), (fontdue::Metrics, Vec<u8>)> = HashMap::new();
    let mut pictures: Vec<(Arc<Vec<u8>>, Pixels)> = Vec::new();
    let mut files = Vec::with_capacity(pages.len());
    for page in pages {
        let width = (page.width * scale).round().max(1.0) as usize;
        let height = (page.height * scale).round().max(1.0) as usize;
        let mut canvas = Canvas {
            width,
            height,
            pixels: vec![255; width * height * 3],
        };
        for item in &page.items {
            match item {
                Item::Text(text) => {
                    let px = text.size * scale;
                    let face = text.face as usize;
                    let mut pen = text.x;
                    for glyph in &text.glyphs {
                        // Sizes are cached to the hundredth of a pixel: exact enough, and keyed.
                        let key = (face, glyph.id, (px * 100.0).round() as u32);
                        let (metrics, bitmap) = glyphs
                            .entry(key)
                            .or_insert_with(|| fonts.fonts[face].rasterize_indexed(glyph.id, px));
                        let gx = ((pen + glyph.x_offset * text.size) * scale).round() as i64
                            + i64::from(metrics.xmin);
                        let baseline =
                            ((text.y - glyph.y_offset * text.size) * scale).round() as i64;
                        let gy = baseline - i64::from(metrics.ymin) - metrics.height as i64;
                        for row in 0..metrics.height {
                            for column in 0..metrics.width {
                                let coverage =
                                    f32::from(bitmap[row * metrics.width + column]) / 255.0;
                                canvas.blend(
                                    gx + column as i64,
                                    gy + row as i64,
                                    coverage,
                                    [0, 0, 0],
                                );
                            }
                        }
                        pen += glyph.advance * text.size;
                    }
                }
                Item::Rule(rule) => canvas.fill(
                    rule.x * scale,
                    rule.y * scale,
                    (rule.x + rule.width) * scale,
                    (rule.y + rule.height) * scale,
                ),
                Item::Image(image) => {
                    let decoded = match pictures
                        .iter()
                        .position(|(bytes, _)| Arc::ptr_eq(bytes, &image.data.bytes))
                    {
                        Some(index) => &pictures[index].1,
                        None => {
                            let decoded = decode(&image.data)?;
                            pictures.push((image.data.bytes.clone(), decoded));
                            &pictures[pictures.len() - 1].1
                        }
                    };
                    draw_picture(
                        &mut canvas,
                        decoded,
                        image.x * scale,
                        image.y * scale,
                        image.width * scale,
                        image.height * scale,
                    );
                }
            }
        }
        files.push(encode(&canvas)?);
    }
    Ok(files)
}

fn decode(data: &ImageData) -> Result<Pixels> {
    crate::images::decode_rgba(data).map_err(|message| Error::Image {
        path: data.path.clone(),
        message,
    })
}

/// Scales a picture into a box by sampling the nearest source pixel, over white.
fn draw_picture(
    canvas: &mut Canvas,
    (width, height, rgba): &(u32, u32, Vec<u8>),
    x: f32,
    y: f32,
    w: f32,
    h: f32,
) {
    let (x0, y0) = (x.round() as i64, y.round() as i64);
    let (columns, rows) = (w.round().max(1.0) as i64, h.round().max(1.0) as i64);
    for row in 0..rows {
        let source_y = ((row as f32 + 0.5) / rows as f32 * *height as f32) as usize;
        for column in 0..columns {
            let source_x = ((column as f32 + 0.5) / columns as f32 * *width as f32) as usize;
            let at = (source_y.min(*height as usize - 1) * *width as usize
                + source_x.min(*width as usize - 1))
                * 4;
            let alpha = f32::from(rgba[at + 3]) / 255.0;
            canvas.blend(
                x0 + column,
                y0 + row,
                alpha,
                [rgba[at], rgba[at + 1], rgba[at + 2]],
            );
        }
    }
}

fn encode(canvas: &Canvas) -> Result<Vec<u8>> {
    let failed = |e: png::EncodingError| Error::Preview(e.to_string());
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, canvas.width as u32, canvas.height as u32);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().map_err(failed)?;
    writer.write_image_data(&canvas.pixels).map_err(failed)?;
    writer.finish().map_err(failed)?;
    Ok(out)
}
