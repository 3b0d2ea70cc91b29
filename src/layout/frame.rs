//! What layout produces: pages of positioned glyph runs and rules, in points, origin at the
//! top-left corner, y growing downward (as krilla draws).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::ops::Range;

use crate::fonts::Face4;

/// One laid-out page.
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    /// The page's number, from 1.
    pub number: usize,
    /// Paper width.
    pub width: f32,
    /// Paper height.
    pub height: f32,
    /// What is drawn on it, in drawing order.
    pub items: Vec<Item>,
}

/// Something drawn at a position.
#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    /// A run of glyphs in one face and size.
    Text(TextItem),
    /// A horizontal line.
    Rule(RuleItem),
}

/// A run of glyphs in one face and size, on one baseline.
#[derive(Debug, Clone, PartialEq)]
pub struct TextItem {
    /// Pen position of the first glyph.
    pub x: f32,
    /// Baseline.
    pub y: f32,
    /// Which face.
    pub face: Face4,
    /// Font size in points.
    pub size: f32,
    /// The glyphs, with justification already in their advances.
    pub glyphs: Vec<PlacedGlyph>,
    /// The characters the glyphs stand for (what copy and search return).
    pub text: String,
    /// The paragraph it belongs to (1-based; 0 for headers), for messages.
    pub paragraph: usize,
}

impl TextItem {
    /// The run's advance width in points.
    pub fn width(&self) -> f32 {
        self.glyphs.iter().map(|g| g.advance).sum::<f32>() * self.size
    }
}

/// A glyph with its advance and offsets in em, and the characters it draws.
#[derive(Debug, Clone, PartialEq)]
pub struct PlacedGlyph {
    /// The glyph's id in its face.
    pub id: u16,
    /// Horizontal advance, in em.
    pub advance: f32,
    /// Horizontal offset, in em.
    pub x_offset: f32,
    /// Vertical offset, in em (up is positive).
    pub y_offset: f32,
    /// Byte range in [`TextItem::text`] of the glyph's cluster.
    pub text_range: Range<usize>,
}

/// A horizontal line; `y` is the line's centre.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RuleItem {
    /// Left end.
    pub x: f32,
    /// Vertical centre of the stroke.
    pub y: f32,
    /// Length.
    pub width: f32,
    /// Stroke thickness.
    pub thickness: f32,
}

/// Laid-out content not yet on a page: items relative to the frame's top-left corner.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Frame {
    /// Total height.
    pub height: f32,
    /// The items.
    pub items: Vec<Item>,
    /// Distance from the top to the first baseline, if there is text.
    pub first_baseline: Option<f32>,
}

impl Item {
    /// Moves the item by an offset.
    pub fn translate(&mut self, dx: f32, dy: f32) {
        match self {
            Item::Text(text) => {
                text.x += dx;
                text.y += dy;
            }
            Item::Rule(rule) => {
                rule.x += dx;
                rule.y += dy;
            }
        }
    }
}

/// Where a body paragraph begins on the laid-out pages.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Anchor {
    /// The page, from 1.
    pub page: usize,
    /// The baseline of its first line, from the top of the page.
    pub baseline: f32,
    /// The font size of its first run (the line's top is about one size above the baseline).
    pub size: f32,
}

/// Where each body paragraph begins, by paragraph number ([`crate::model::Paragraph::number`]):
/// how a table of contents and a PDF outline learn the page of a heading after layout.
/// Paragraphs of page headers (number 0) are not listed.
pub fn anchors(pages: &[Page]) -> BTreeMap<usize, Anchor> {
    let mut anchors = BTreeMap::new();
    for page in pages {
        for item in &page.items {
            if let Item::Text(text) = item {
                if text.paragraph != 0 {
                    anchors.entry(text.paragraph).or_insert(Anchor {
                        page: page.number,
                        baseline: text.y,
                        size: text.size,
                    });
                }
            }
        }
    }
    anchors
}

/// A readable dump of laid-out pages: one line per text run or rule, positions in mm.
pub fn dump(pages: &[Page]) -> String {
    let mut out = String::new();
    let mm = |pt: f32| pt * 25.4 / 72.0;
    for page in pages {
        let _ = writeln!(
            out,
            "page {} ({:.0}x{:.0} mm)",
            page.number,
            mm(page.width),
            mm(page.height)
        );
        for item in &page.items {
            match item {
                Item::Text(t) => {
                    let _ = writeln!(
                        out,
                        "  text x={:.1} y={:.1} w={:.1} {:?} {}pt {:?}",
                        mm(t.x),
                        mm(t.y),
                        mm(t.width()),
                        t.face,
                        t.size,
                        t.text
                    );
                }
                Item::Rule(r) => {
                    let _ = writeln!(
                        out,
                        "  rule x={:.1} y={:.1} w={:.1}",
                        mm(r.x),
                        mm(r.y),
                        mm(r.width)
                    );
                }
            }
        }
    }
    out
}
