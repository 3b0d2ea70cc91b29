//! What layout produces: pages of positioned glyph runs and rules, in points, origin at the
//! top-left corner, y growing downward (as krilla draws).

use std::fmt::Write as _;
use std::ops::Range;

use crate::fonts::Face4;

/// One laid-out page.
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    /// The page's position in the file, from 1.
    pub number: usize,
    /// The number printed on it: counted from 1 in each section (an appendix restarts it).
    pub label: usize,
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
    /// A filled rectangle: a rule or a table border.
    Rule(RuleItem),
    /// A picture.
    Image(ImageItem),
}

/// A picture scaled into a box.
#[derive(Debug, Clone, PartialEq)]
pub struct ImageItem {
    /// Left edge.
    pub x: f32,
    /// Top edge.
    pub y: f32,
    /// Drawn width.
    pub width: f32,
    /// Drawn height.
    pub height: f32,
    /// The picture.
    pub data: crate::model::ImageData,
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

/// A filled rectangle (a rule is a thin one).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RuleItem {
    /// Left edge.
    pub x: f32,
    /// Top edge.
    pub y: f32,
    /// Width.
    pub width: f32,
    /// Height (a horizontal rule's thickness).
    pub height: f32,
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
    /// Heights (from the top) where the content may be cut across pages: under each line.
    pub breaks: Vec<f32>,
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
            Item::Image(image) => {
                image.x += dx;
                image.y += dy;
            }
        }
    }

    /// The top of the item.
    pub fn top(&self) -> f32 {
        match self {
            // A text run's top is far enough above its baseline for any line it sits on.
            Item::Text(text) => text.y - text.size * 0.8,
            Item::Rule(rule) => rule.y,
            Item::Image(image) => image.y,
        }
    }
}

/// A readable dump of laid-out pages: one line per text run or rule, positions in mm.
pub fn dump(pages: &[Page]) -> String {
    let mut out = String::new();
    let mm = |pt: f32| pt * 25.4 / 72.0;
    for page in pages {
        let _ = writeln!(
            out,
            "page {} label {} ({:.0}x{:.0} mm)",
            page.number,
            page.label,
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
                        "  rule x={:.1} y={:.1} w={:.1} h={:.2}",
                        mm(r.x),
                        mm(r.y),
                        mm(r.width),
                        mm(r.height)
                    );
                }
                Item::Image(i) => {
                    let _ = writeln!(
                        out,
                        "  image x={:.1} y={:.1} w={:.1} h={:.1} {}",
                        mm(i.x),
                        mm(i.y),
                        mm(i.width),
                        mm(i.height),
                        i.data.path.display()
                    );
                }
            }
        }
    }
    out
}
