//! Laid-out pages into a PDF/A-2b file with krilla: fonts embedded and subset, a ToUnicode map
//! from every glyph's text range (so copy and search return the exact text), and bytes that
//! depend only on the input.

use krilla::configure::{Archival, ConfigurationBuilder, ValidationError, Validator};
use krilla::destination::XyzDestination;
use krilla::geom::{PathBuilder, Point, Rect};
use krilla::metadata::{DateTime, Metadata as PdfMetadata};
use krilla::outline::{Outline, OutlineNode};
use krilla::page::PageSettings;
use krilla::text::{Font, GlyphId, KrillaGlyph};
use krilla::{Document, SerializeSettings};

use crate::error::{Error, Result};
use crate::fonts::{Face4, FontBook};
use crate::layout::{Item, Page};
use crate::model::Metadata;

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

/// Writes the pages as a PDF/A-2b document.
pub fn write(pages: &[Page], meta: &Metadata, fonts: &PdfFonts) -> Result<Vec<u8>> {
    write_with_outline(pages, meta, &[], fonts)
}

/// Writes the pages as a PDF/A-2b document with an outline (bookmarks) of its headings.
pub fn write_with_outline(
    pages: &[Page],
    meta: &Metadata,
    bookmarks: &[Bookmark],
    fonts: &PdfFonts,
) -> Result<Vec<u8>> {
    let configuration = ConfigurationBuilder::new()
        .set_validator(Validator::A(Archival::A2_B))
        .finish()
        .map_err(|e| Error::Pdf(format!("{e:?}")))?;
    let settings = SerializeSettings {
        configuration,
        ..SerializeSettings::default()
    };
    let mut document = Document::new_with(settings);
    for page in pages {
        let settings = PageSettings::from_wh(page.width, page.height)
            .ok_or_else(|| Error::Pdf("the page has no size".into()))?;
        let mut pdf_page = document.start_page_with(settings);
        let mut surface = pdf_page.surface();
        for item in &page.items {
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
                            // Fonts measure up, the page measures down.
                            y_offset: -g.y_offset,
                            y_advance: 0.0,
                            location: None,
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
                    let rect = Rect::from_xywh(
                        rule.x,
                        rule.y - rule.thickness / 2.0,
                        rule.width,
                        rule.thickness,
                    );
                    let mut builder = PathBuilder::new();
                    if let Some(rect) = rect {
                        builder.push_rect(rect);
                    }
                    if let Some(path) = builder.finish() {
                        surface.draw_path(&path);
                    }
                }
            }
        }
        surface.finish();
        pdf_page.finish();
    }
    if !bookmarks.is_empty() {
        let mut outline = Outline::new();
        for node in outline_nodes(bookmarks, pages.len()) {
            outline.push_child(node);
        }
        document.set_outline(outline);
    }
    document.set_metadata(metadata(meta));
    document.finish().map_err(convert_error)
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
    if let Some((year, month, day)) = meta.date {
        // The date of issue, at midnight in Việt Nam (UTC+7): a fact of the record, not the clock.
        let date = DateTime::new(year.clamp(0, 9999) as u16)
            .month(month)
            .day(day)
            .hour(0)
            .minute(0)
            .second(0)
            .utc_offset_hour(7);
        pdf = pdf.creation_date(date);
    }
    pdf
}

fn convert_error(error: krilla::error::KrillaError) -> Error {
    use krilla::error::KrillaError;
    match error {
        KrillaError::Font(_, message) => Error::Pdf(format!("failed to embed a font: {message}")),
        KrillaError::Validation(errors) => {
            let list: Vec<String> = errors.iter().map(|(e, _)| describe(e)).collect();
            Error::Pdf(format!(
                "the file would not be valid PDF/A-2b: {}",
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
    }
}

fn describe(error: &ValidationError) -> String {
    format!("{error:?}")
}
