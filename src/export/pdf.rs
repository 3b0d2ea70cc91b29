//! Laid-out pages into a PDF/A-2b file with krilla: fonts embedded and subset, a ToUnicode map
//! from every glyph's text range (so copy and search return the exact text), and bytes that
//! depend only on the input.
//!
//! Under `a-2a+ua-1` the file is also tagged: every item is drawn inside marked content that
//! is either part of a structure element (its role from layout) or an artifact, and the tag
//! tree and outline come from [`super::tags`].

use krilla::configure::{
    Accessibility, Archival, ConfigurationBuilder, ValidationError, Validator,
};
use krilla::destination::XyzDestination;
use krilla::embed::{AssociationKind, EmbeddedFile, MimeType};
use krilla::geom::{PathBuilder, Point, Rect, Size, Transform};
use krilla::image::Image as PdfImage;
use krilla::metadata::{DateTime, Metadata as PdfMetadata};
use krilla::outline::{Outline, OutlineNode};
use krilla::page::PageSettings;
use krilla::surface::{Location, Surface};
use krilla::tagging::{Artifact as PdfArtifact, ContentTag};
use krilla::text::{Font, GlyphId, KrillaGlyph};
use krilla::{Document, SerializeSettings};

use super::tags::{self, Tagger};
use crate::error::{Error, Result};
use crate::fonts::{Face4, FontBook};
use crate::layout::{Item, Page, Role};
use crate::model::{ImageData, ImageFormat, Metadata, Timestamp};

/// Pictures converted for krilla once per document: one used twice is embedded once.
#[derive(Default)]
struct Pictures {
    converted: Vec<(std::sync::Arc<Vec<u8>>, PdfImage)>,
}

impl Pictures {
    fn get(&mut self, data: &ImageData) -> Result<PdfImage> {
        if let Some((_, image)) = self
            .converted
            .iter()
            .find(|(bytes, _)| std::sync::Arc::ptr_eq(bytes, &data.bytes))
        {
            return Ok(image.clone());
        }
        let bytes: krilla::Data = data.bytes.clone().into();
        // JPEG stays JPEG (DCT-encoded in the PDF); PNG keeps its transparency as a soft mask,
        // which PDF/A-2 allows. PDF/A forbids asking viewers to interpolate.
        let image = match data.format {
            ImageFormat::Jpeg => PdfImage::from_jpeg(bytes, false),
            ImageFormat::Png => PdfImage::from_png(bytes, false),
        }
        .map_err(|e| Error::Image {
            path: data.path.clone(),
            message: format!("cannot be embedded ({e})"),
        })?;
        self.converted.push((data.bytes.clone(), image.clone()));
        Ok(image)
    }
}

/// The embedded faces as krilla fonts: made once per process, shared by every document.
#[derive(Clone)]
pub struct PdfFonts {
    fonts: Vec<Font>,
}

impl std::fmt::Debug for PdfFonts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PdfFonts").finish_non_exhaustive()
    }
}

impl Default for PdfFonts {
    fn default() -> Self {
        Self::new()
    }
}

impl PdfFonts {
    /// Loads the four embedded faces.
    pub fn new() -> Self {
        let fonts = Face4::ALL
            .iter()
            .map(|&face| {
                // Compiled-in font data that rustybuzz already parsed: failure is a build defect.
                Font::new(FontBook::data(face).into(), 0).expect("embedded font loads in krilla")
            })
            .collect();
        PdfFonts { fonts }
    }

    fn get(&self, face: Face4) -> Font {
        self.fonts[face as usize].clone()
    }
}

/// The standard a PDF is written to and checked against while it is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PdfStandard {
    /// PDF/A-2b: archival, looks the same forever (the default; what archives received).
    A2b,
    /// PDF/A-2u: PDF/A-2b whose text also maps to Unicode.
    A2u,
    /// PDF/A-3b: PDF/A-2b carrying the source record (JSON) as an associated file.
    A3b,
    /// PDF/A-2a and PDF/UA-1 at once: archival and accessible, tagged with the document's
    /// structure (headings, paragraphs, tables, figures), its language and an outline.
    A2aUa1,
    /// Plain PDF 1.7, not checked against an archival standard.
    None,
}

impl PdfStandard {
    /// Reads the command line's name (`a-2b`, `a-2u`, `a-3b`, `a-2a+ua-1`, `none`).
    pub fn from_name(name: &str) -> Option<Self> {
        Some(match name {
            "a-2b" => PdfStandard::A2b,
            "a-2u" => PdfStandard::A2u,
            "a-3b" => PdfStandard::A3b,
            "a-2a+ua-1" => PdfStandard::A2aUa1,
            "none" => PdfStandard::None,
            _ => return None,
        })
    }

    /// Whether files of this standard carry their logical structure (tagged PDF).
    pub fn tagged(self) -> bool {
        self == PdfStandard::A2aUa1
    }

    fn validators(self) -> &'static [Validator] {
        match self {
            PdfStandard::A2b => &[Validator::A(Archival::A2_B)],
            PdfStandard::A2u => &[Validator::A(Archival::A2_U)],
            PdfStandard::A3b => &[Validator::A(Archival::A3_B)],
            PdfStandard::A2aUa1 => &[
                Validator::A(Archival::A2_A),
                Validator::Ua(Accessibility::UA1),
            ],
            PdfStandard::None => &[],
        }
    }
}

/// How a PDF is written.
#[derive(Debug, Clone, PartialEq)]
pub struct PdfOptions {
    /// The standard.
    pub standard: PdfStandard,
    /// The source record as JSON, embedded as an associated file (PDF/A-3b).
    pub source: Option<Vec<u8>>,
    /// An outline of headings found by a table of contents (a tagged file makes its own).
    pub bookmarks: Vec<Bookmark>,
}

/// A heading in the PDF's outline (its bookmarks), and where it is.
#[derive(Debug, Clone, PartialEq)]
pub struct Bookmark {
    /// The heading's level (1 = top); deeper headings nest under the one before.
    pub level: u8,
    /// The text shown in the outline.
    pub title: String,
    /// The page, from 1.
    pub page: usize,
    /// The top of the heading's first line, from the top of the page.
    pub top: f32,
}

/// Writes the pages as a PDF document of the given standard; krilla refuses to finish a file
/// that would break it, and the error lists what broke it.
pub fn write(
    pages: &[Page],
    meta: &Metadata,
    fonts: &PdfFonts,
    options: &PdfOptions,
) -> Result<Vec<u8>> {
    let tagged = options.standard.tagged();
    if tagged && meta.title.trim().is_empty() {
        // PDF/UA: a viewer shows the document's title, not its file name.
        return Err(Error::BadField {
            field: "title".into(),
            message: "a tagged PDF (a-2a+ua-1) shows the document's title: give the record one"
                .into(),
        });
    }
    let mut builder = ConfigurationBuilder::new();
    for &validator in options.standard.validators() {
        builder = builder.set_validator(validator);
    }
    let configuration = builder.finish().map_err(|e| Error::Pdf(format!("{e:?}")))?;
    let settings = SerializeSettings {
        configuration,
        ..SerializeSettings::default()
    };
    let mut document = Document::new_with(settings);
    let mut pictures = Pictures::default();
    let mut tagger = tagged.then(Tagger::default);
    for (page_index, page) in pages.iter().enumerate() {
        let settings = PageSettings::from_wh(page.width, page.height)
            .ok_or_else(|| Error::Pdf("the page has no size".into()))?;
        let mut pdf_page = document.start_page_with(settings);
        let mut surface = pdf_page.surface();
        let mut marking = Marking::None;
        let drawn = draw_items(
            &mut surface,
            &page.items,
            page_index,
            fonts,
            &mut pictures,
            tagger.as_mut(),
            &mut marking,
        );
        // krilla wants every marked-content sequence closed before its surface, even when
        // drawing stopped at an error.
        if marking != Marking::None {
            surface.end_tagged();
        }
        drawn?;
        surface.finish();
        pdf_page.finish();
    }
    if let Some(tagger) = tagger {
        let (tree, outline) = tagger.finish();
        document.set_tag_tree(tree);
        document.set_outline(outline);
    } else if !options.bookmarks.is_empty() {
        let mut outline = Outline::new();
        for node in outline_nodes(&options.bookmarks, pages.len()) {
            outline.push_child(node);
        }
        document.set_outline(outline);
    }
    document.set_metadata(metadata(meta));
    if let Some(source) = &options.source {
        // PDF/A-3 wants the attachment's date; the document's is the only honest one.
        let date = meta.date.ok_or_else(|| {
            Error::Pdf("PDF/A-3b needs a date for the attached record: give issuer.date or set SOURCE_DATE_EPOCH".into())
        })?;
        let file = EmbeddedFile {
            path: "record.json".into(),
            mime_type: MimeType::new("application/json"),
            description: Some("The data record this document was made from".into()),
            association_kind: AssociationKind::Source,
            data: source.clone().into(),
            modification_date: Some(pdf_date(&date)),
            compress: Some(true),
            location: None,
        };
        document
            .embed_file(file)
            .ok_or_else(|| Error::Pdf("the source record could not be attached".into()))?;
    }
    let bytes = document
        .finish()
        .map_err(|error| convert_error(error, pages))?;
    unambiguous_stream_ends(bytes)
}

/// Makes the end of every stream's data unambiguous, as PDF/A asks (ISO 19005-2, 6.1.7.1).
///
/// krilla ends a stream with `\nendstream`. Compressed data is arbitrary bytes, and when its
/// last byte is a carriage return (one stream in 256), a validator (page_validation) reads
/// that byte and the line feed as the end-of-line marker, finds the data one byte shorter than
/// its `/Length`, and fails the file: 18 of 1,000 reports before this. Such a stream is ended
/// with `\r\nendstream` instead, and the cross-reference table's offsets after it move.
fn unambiguous_stream_ends(bytes: Vec<u8>) -> Result<Vec<u8>> {
    const END: &[u8] = b"\r\nendstream\n";
    // Where a carriage return goes in: before the line feed of each ambiguous end.
    let inserts: Vec<usize> = bytes
        .windows(END.len())
        .enumerate()
        .filter(|(_, window)| *window == END)
        .map(|(at, _)| at + 1)
        .collect();
    if inserts.is_empty() {
        return Ok(bytes);
    }
    let broken = || Error::Pdf("its cross-reference table could not be updated".into());
    let text = |range: std::ops::Range<usize>| {
        bytes
            .get(range)
            .and_then(|b| std::str::from_utf8(b).ok())
            .ok_or_else(broken)
    };
    let startxref = bytes
        .windows(b"startxref\n".len())
        .rposition(|w| w == b"startxref\n")
        .ok_or_else(broken)?;
    let after = startxref + b"startxref\n".len();
    let line_end = bytes[after..]
        .iter()
        .position(|&b| b == b'\n')
        .map(|n| after + n)
        .ok_or_else(broken)?;
    let xref: usize = text(after..line_end)?
        .trim()
        .parse()
        .map_err(|_| broken())?;
    if !bytes.get(xref..).is_some_and(|b| b.starts_with(b"xref\n"))
        || inserts.iter().any(|&at| at > xref)
    {
        return Err(broken());
    }
    // An offset moves by the number of insertions before it.
    let moved = |offset: usize| offset + inserts.partition_point(|&at| at <= offset);
    let mut out = Vec::with_capacity(bytes.len() + inserts.len());
    let mut copied = 0;
    for &at in &inserts {
        out.extend_from_slice(&bytes[copied..at]);
        out.push(b'\r');
        copied = at;
    }
    out.extend_from_slice(&bytes[copied..xref]);
    // The table: subsection headers `first count`, then entries `oooooooooo ggggg n\r\n`.
    let mut cursor = xref + b"xref\n".len();
    out.extend_from_slice(b"xref\n");
    while !bytes[cursor..].starts_with(b"trailer") {
        let header_end = bytes[cursor..]
            .iter()
            .position(|&b| b == b'\n')
            .map(|n| cursor + n + 1)
            .ok_or_else(broken)?;
        let header = text(cursor..header_end)?;
        let count: usize = header
            .split_whitespace()
            .nth(1)
            .and_then(|n| n.parse().ok())
            .ok_or_else(broken)?;
        out.extend_from_slice(header.as_bytes());
        cursor = header_end;
        for _ in 0..count {
            let entry = text(cursor..cursor + 20)?;
            let offset: usize = entry[..10].parse().map_err(|_| broken())?;
            if entry.as_bytes()[17] == b'n' {
                out.extend_from_slice(format!("{:010}", moved(offset)).as_bytes());
                out.extend_from_slice(&entry.as_bytes()[10..]);
            } else {
                out.extend_from_slice(entry.as_bytes());
            }
            cursor += 20;
        }
    }
    out.extend_from_slice(&bytes[cursor..after]);
    out.extend_from_slice(moved(xref).to_string().as_bytes());
    out.extend_from_slice(&bytes[line_end..]);
    Ok(out)
}

/// Where an item is drawn, packed into the number krilla carries into its errors: its page
/// and its place on the page.
fn location(page: usize, item: usize) -> Location {
    Location::MIN.saturating_add(((page as u64) << 32) | item as u64)
}

/// The item a [`location`] stands for, described for a message: the paragraph and a few of
/// its words, or the picture's file, and the page.
fn origin(pages: &[Page], location: Location) -> Option<String> {
    let packed = location.get() - 1;
    let page = usize::try_from(packed >> 32).ok()?;
    let item = pages
        .get(page)?
        .items
        .get((packed & 0xFFFF_FFFF) as usize)?;
    let page = page + 1;
    Some(match item {
        Item::Text(text) if text.paragraph > 0 => format!(
            "paragraph {} of the document (page {page}): «{}»",
            text.paragraph,
            text.text.trim()
        ),
        Item::Text(text) => format!("the page header (page {page}): «{}»", text.text.trim()),
        Item::Image(image) => format!("the picture {} (page {page})", image.data.path.display()),
        Item::Rule(_) => format!("a rule on page {page}"),
    })
}

/// Draws a page's items; under a tagged standard each inside its marked content, of which the
/// last stays open (in `marking`) for the caller to close.
fn draw_items<'a>(
    surface: &mut Surface,
    items: &'a [Item],
    page_index: usize,
    fonts: &PdfFonts,
    pictures: &mut Pictures,
    mut tagger: Option<&mut Tagger>,
    marking: &mut Marking<'a>,
) -> Result<()> {
    for (index, item) in items.iter().enumerate() {
        if let Some(tagger) = tagger.as_deref_mut() {
            *marking = mark(surface, tagger, *marking, item, page_index)?;
        }
        // A violation krilla finds can then be traced back to the item (see `origin`).
        let location = location(page_index, index);
        surface.set_location(location);
        match item {
            Item::Text(text) => {
                let glyphs: Vec<KrillaGlyph> = text
                    .glyphs
                    .iter()
                    .map(|g| KrillaGlyph {
                        glyph_id: GlyphId::new(u32::from(g.id)),
                        text_range: g.text_range.clone(),
                        x_advance: g.advance,
                        x_offset: g.x_offset,
                        // krilla takes the shaper's offset as it is (up is positive) and
                        // turns it into page coordinates itself.
                        y_offset: g.y_offset,
                        y_advance: 0.0,
                        location: Some(location),
                    })
                    .collect();
                surface.draw_glyphs(
                    Point::from_xy(text.x, text.y),
                    &glyphs,
                    fonts.get(text.face),
                    &text.text,
                    text.size,
                    false,
                );
            }
            Item::Rule(rule) => {
                let rect = Rect::from_xywh(rule.x, rule.y, rule.width, rule.height);
                let mut builder = PathBuilder::new();
                if let Some(rect) = rect {
                    builder.push_rect(rect);
                }
                if let Some(path) = builder.finish() {
                    surface.draw_path(&path);
                }
            }
            Item::Image(image) => {
                let picture = pictures.get(&image.data)?;
                let size = Size::from_wh(image.width, image.height)
                    .ok_or_else(|| Error::Pdf("a picture has no size".into()))?;
                surface.push_transform(&Transform::from_translate(image.x, image.y));
                surface.draw_image(picture, size);
                surface.pop();
            }
        }
    }
    Ok(())
}

/// The marked content open on a page while it is drawn.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Marking<'a> {
    /// None is open.
    None,
    /// Marked content of this role (or a rule's, `None`: decoration) is open.
    Open(Option<&'a Role>),
}

/// Opens the marked content `item` is drawn in, unless the open one is already its own (the
/// runs of a line, the lines of a paragraph on one page share one), and files it in the tag
/// tree. Returns what is open now.
fn mark<'a>(
    surface: &mut Surface,
    tagger: &mut Tagger,
    marking: Marking<'a>,
    item: &'a Item,
    page: usize,
) -> Result<Marking<'a>> {
    let role = item.role();
    if let Item::Image(image) = item {
        if tags::undescribed(&image.role) {
            return Err(Error::Image {
                path: image.data.path.clone(),
                message: "has no caption, and a tagged PDF (a-2a+ua-1) describes every picture \
                          by its caption: give it one"
                    .into(),
            });
        }
    }
    if marking == Marking::Open(role) {
        return Ok(marking);
    }
    if marking != Marking::None {
        surface.end_tagged();
    }
    match role {
        Some(Role::Content(path)) => {
            let at = match item {
                Item::Text(text) => Point::from_xy(text.x, text.y - text.size),
                Item::Image(image) => Point::from_xy(image.x, image.y),
                Item::Rule(rule) => Point::from_xy(rule.x, rule.y),
            };
            let id = surface.start_tagged(ContentTag::Other);
            tagger.add(path, id, page, at);
        }
        Some(Role::Artifact(kind)) => {
            let artifact = PdfArtifact::with_kind(tags::artifact_type(Some(*kind)));
            surface.start_tagged(ContentTag::Artifact(artifact));
        }
        None => {
            let artifact = PdfArtifact::with_kind(tags::artifact_type(None));
            surface.start_tagged(ContentTag::Artifact(artifact));
        }
    }
    Ok(Marking::Open(role))
}

/// The outline's nodes: each bookmark with the deeper ones after it as its children.
fn outline_nodes(bookmarks: &[Bookmark], pages: usize) -> Vec<OutlineNode> {
    let mut nodes = Vec::new();
    let mut rest = bookmarks;
    while let Some((first, after)) = rest.split_first() {
        let children = after
            .iter()
            .position(|b| b.level <= first.level)
            .unwrap_or(after.len());
        // krilla refuses a destination past the last page; layout never makes one.
        let page = first.page.clamp(1, pages.max(1)) - 1;
        let destination = XyzDestination::new(page, Point::from_xy(0.0, first.top));
        let mut node = OutlineNode::new(first.title.clone(), destination);
        for child in outline_nodes(&after[..children], pages) {
            node.push_child(child);
        }
        nodes.push(node);
        rest = &after[children..];
    }
    nodes
}

fn metadata(meta: &Metadata) -> PdfMetadata {
    let mut pdf = PdfMetadata::new()
        .language("vi".into())
        .creator(format!("vanban {}", env!("CARGO_PKG_VERSION")))
        .producer(format!("vanban {} (krilla)", env!("CARGO_PKG_VERSION")));
    if !meta.title.is_empty() {
        pdf = pdf.title(meta.title.clone());
    }
    if !meta.author.is_empty() {
        pdf = pdf.authors(vec![meta.author.clone()]);
    }
    if !meta.subject.is_empty() {
        pdf = pdf.description(meta.subject.clone());
    }
    if !meta.keywords.is_empty() {
        pdf = pdf.keywords(meta.keywords.clone());
    }
    if let Some(date) = &meta.date {
        // A fact of the record (the date of issue), or SOURCE_DATE_EPOCH: never the clock.
        pdf = pdf.creation_date(pdf_date(date));
    }
    pdf
}

fn pdf_date(date: &Timestamp) -> DateTime {
    DateTime::new(date.year.clamp(0, 9999) as u16)
        .month(date.month)
        .day(date.day)
        .hour(date.hour)
        .minute(date.minute)
        .second(date.second)
        .utc_offset_hour(date.utc_offset_hours)
}

fn convert_error(error: krilla::error::KrillaError, pages: &[Page]) -> Error {
    use krilla::error::KrillaError;
    match error {
        KrillaError::Font(_, message) => Error::Pdf(format!("failed to embed a font: {message}")),
        KrillaError::Validation(errors) => {
            let list: Vec<String> = errors.iter().map(|(e, _)| describe(e, pages)).collect();
            Error::Pdf(format!(
                "the file would break its PDF standard: {}",
                list.join("; ")
            ))
        }
        KrillaError::Limit(limit) => Error::Pdf(format!("a PDF limit was exceeded: {limit:?}")),
        KrillaError::DuplicateNamedDestination(name) => {
            Error::Pdf(format!("duplicate destination {name}"))
        }
        KrillaError::DuplicateTagId(id, _) | KrillaError::UnknownTagId(id, _) => {
            Error::Pdf(format!("bad tag {id:?}"))
        }
        KrillaError::Image(_, location, message) => {
            let at = location
                .and_then(|l| origin(pages, l))
                .unwrap_or_else(|| "a picture".into());
            Error::Pdf(format!("{at} cannot be embedded ({message})"))
        }
        KrillaError::SixteenBitImage(_, _) => Error::Pdf(
            "a 16-bit picture needs a newer PDF version; save it with 8 bits per channel".into(),
        ),
    }
}

/// A validation error in words, with the item that caused it when krilla knows it, and what
/// to do.
fn describe(error: &ValidationError, pages: &[Page]) -> String {
    use ValidationError as V;
    let remove = "remove or replace it in the data";
    let (what, location, advice) = match error {
        V::MissingDocumentDate => {
            return "it needs a date: give the record a date of issue (issuer.date, or date)".into()
        }
        V::ContainsNotDefGlyph(_, location, text) => (
            format!("the font has no glyph for a character of «{text}»"),
            *location,
            remove,
        ),
        V::NoCodepointMapping(_, _, location) => {
            ("a glyph stands for no text".to_string(), *location, remove)
        }
        V::InvalidCodepointMapping(_, _, c, location) => (
            format!(
                "the character U+{:04X} may not stand for text in this standard",
                u32::from(*c)
            ),
            *location,
            remove,
        ),
        V::UnicodePrivateArea(_, _, c, location) => (
            format!(
                "the character U+{:04X} is from Unicode's private use area, which means nothing to a reader",
                u32::from(*c)
            ),
            *location,
            "replace it in the data (a bullet pasted from a Symbol font is often one)",
        ),
        V::ImageInterpolation(location) => (
            "a picture asks viewers to interpolate".to_string(),
            *location,
            "",
        ),
        V::Transparency(location) => ("transparency".to_string(), *location, ""),
        V::MissingAltText(location) => (
            "a picture has no description".to_string(),
            *location,
            "give it a caption",
        ),
        other => return format!("{other:?}"),
    };
    let mut text = what;
    if let Some(origin) = location.and_then(|l| origin(pages, l)) {
        text = format!("{text}, in {origin}");
    }
    if !advice.is_empty() {
        text = format!("{text}; {advice}");
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layout::{PlacedGlyph, TextItem};

    /// A page with one line of text whose glyphs stand for `text` (as layout would place it,
    /// but without layout's check that every character may be drawn).
    fn page_with(glyph: u16, text: &str, paragraph: usize) -> Page {
        let glyph = PlacedGlyph {
            // A glyph of the font; what matters here is the text it stands for (the first
            // text a glyph is drawn for is the one its ToUnicode entry gets).
            id: glyph,
            advance: 0.5,
            x_offset: 0.0,
            y_offset: 0.0,
            text_range: 0..text.len(),
        };
        Page {
            number: 1,
            label: 1,
            width: 595.0,
            height: 842.0,
            items: vec![Item::Text(TextItem {
                x: 85.0,
                y: 100.0,
                face: Face4::Regular,
                size: 14.0,
                glyphs: vec![glyph],
                text: text.into(),
                paragraph,
                role: Role::Artifact(crate::layout::Artifact::PageHeader),
            })],
        }
    }

    /// A file of three objects whose middle one is a stream of `data`, with its table.
    fn pdf_with_stream(data: &[u8]) -> Vec<u8> {
        let mut pdf = b"%PDF-1.7\n".to_vec();
        let mut offsets = Vec::new();
        offsets.push(pdf.len());
        pdf.extend_from_slice(b"1 0 obj\n<</Type/Catalog/Pages 3 0 R>>\nendobj\n");
        offsets.push(pdf.len());
        pdf.extend_from_slice(format!("2 0 obj\n<</Length {}>>\nstream\n", data.len()).as_bytes());
        pdf.extend_from_slice(data);
        pdf.extend_from_slice(b"\nendstream\nendobj\n");
        offsets.push(pdf.len());
        pdf.extend_from_slice(b"3 0 obj\n<</Type/Pages/Kids[]/Count 0>>\nendobj\n");
        let xref = pdf.len();
        pdf.extend_from_slice(b"xref\n0 4\n0000000000 65535 f\r\n");
        for offset in offsets {
            pdf.extend_from_slice(format!("{offset:010} 00000 n\r\n").as_bytes());
        }
        pdf.extend_from_slice(
            format!("trailer\n<</Size 4/Root 1 0 R>>\nstartxref\n{xref}\n%%EOF").as_bytes(),
        );
        pdf
    }

    #[test]
    fn a_stream_whose_data_ends_in_a_carriage_return_keeps_its_length_unambiguous() {
        let untouched = pdf_with_stream(b"abc");
        assert_eq!(
            unambiguous_stream_ends(untouched.clone()).unwrap(),
            untouched
        );
        // Compressed data is any bytes; these are ASCII so that the file reads as text below.
        let data = b"x=1\r";
        let fixed = unambiguous_stream_ends(pdf_with_stream(data)).unwrap();
        assert_eq!(fixed.len(), pdf_with_stream(data).len() + 1);
        // The data, then CR LF, then `endstream`: the EOL before `endstream` is CR LF.
        let end = fixed.windows(9).position(|w| w == b"endstream").unwrap();
        assert_eq!(&fixed[end - 4..end], b"1\r\r\n");
        // Every offset in the table points at its object, and the stream reads back whole.
        let document = lopdf::Document::load_mem(&fixed).unwrap();
        let stream = document.get_object((2, 0)).unwrap().as_stream().unwrap();
        assert_eq!(stream.content, data);
        let text = std::str::from_utf8(&fixed).unwrap();
        let table = &text[text.rfind("xref\n").unwrap()..];
        for (number, line) in table.lines().skip(3).take(3).enumerate() {
            let offset: usize = line[..10].parse().unwrap();
            assert!(
                text[offset..].starts_with(&format!("{} 0 obj", number + 2)),
                "{line}"
            );
        }
        let startxref: usize = text
            .rsplit("startxref\n")
            .next()
            .unwrap()
            .lines()
            .next()
            .unwrap()
            .parse()
            .unwrap();
        assert!(text[startxref..].starts_with("xref\n"));
    }

    #[test]
    fn a_validation_error_names_the_paragraph_and_page_it_comes_from() {
        let meta = Metadata {
            title: "Báo cáo".into(),
            date: Some(Timestamp::issue_date(2018, 3, 13)),
            ..Metadata::default()
        };
        let options = PdfOptions {
            standard: PdfStandard::A2u,
            source: None,
            bookmarks: Vec::new(),
        };
        let pages = [page_with(36, "Nội dung", 3), page_with(37, "\u{FEFF}", 7)];
        let Err(err) = write(&pages, &meta, &PdfFonts::new(), &options) else {
            panic!("a PDF/A-2u file was written with U+FEFF as text");
        };
        let err = err.to_string();
        assert!(
            err.contains("the character U+FEFF may not stand for text in this standard, in paragraph 7 of the document (page 2): «\u{FEFF}»; remove or replace it in the data"),
            "{err}"
        );
        // The same page under PDF/A-2b, which asks nothing of the text, is written.
        let options = PdfOptions {
            standard: PdfStandard::A2b,
            ..options
        };
        assert!(write(&pages, &meta, &PdfFonts::new(), &options).is_ok());
    }
}
