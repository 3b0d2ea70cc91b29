//! What layout produces: pages of positioned glyph runs and rules, in points, origin at the
//! top-left corner, y growing downward (as krilla draws).
//!
//! Text runs and pictures also say where they stand in the document's logical structure
//! ([`Role`]): which paragraph, heading, table cell or figure they belong to, or that they are
//! page furniture. A tagged PDF is built from that alone, so the exporters stay simple walks
//! over the items; rules and table borders are always decoration.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::ops::Range;
use std::sync::Arc;

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
    /// Where it stands in the document's structure.
    pub role: Role,
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
    /// Where it stands in the document's structure.
    pub role: Role,
}

/// What an item is to a reader who does not see the page (a screen reader, text reflow): part
/// of the document's content, or page furniture drawn only for the eye.
#[derive(Debug, Clone, PartialEq)]
pub enum Role {
    /// Content of the innermost structure element of the path, which runs from the outermost
    /// (a table, a figure, a paragraph of the body) inwards.
    Content(Vec<Node>),
    /// Drawn but not read.
    Artifact(Artifact),
}

/// Why an item is not read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Artifact {
    /// The page header (the page number): it belongs to the page, not to the text.
    PageHeader,
    /// A table's header rows repeated on a later page: they are read once, where they first
    /// stand.
    RepeatedHeader,
}

/// A structure element an item lies in. Elements are identified among their siblings by a
/// number from the model, so that the pieces of one paragraph or cell on several pages (and
/// several runs on one line) come together as one element.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    /// A paragraph of text, by its number in the document.
    Paragraph(usize),
    /// A heading: its paragraph's number, its level as the document gives it (1 = top; the
    /// document's title is 1) and its text, for the outline.
    Heading {
        /// The paragraph's number.
        number: usize,
        /// Its level in the document (1 = top).
        level: u8,
        /// Its text, white space collapsed.
        text: Arc<str>,
    },
    /// A picture, described to those who cannot see it by its caption.
    Figure {
        /// The number of its caption paragraph (0 without one).
        key: usize,
        /// The caption's text, if it has one.
        alt: Option<Arc<str>>,
    },
    /// A picture's caption, by its paragraph's number.
    Caption(usize),
    /// A table, with its whole shape so that every cell is an element, even an empty one.
    Table {
        /// The number of its first paragraph (0 when it has none).
        key: usize,
        /// Its rows and cells.
        shape: Arc<TableShape>,
    },
    /// A table row, by its index in the table.
    Row(usize),
    /// A cell, by its index in its row.
    Cell(usize),
}

/// The rows and cells of a table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableShape {
    /// How many of the first rows are header rows (their cells head their columns).
    pub header_rows: usize,
    /// Each row's cells, as the number of columns each spans.
    pub rows: Vec<Vec<usize>>,
}

impl Node {
    /// The paragraph's element: a heading when it is one.
    pub fn of_paragraph(paragraph: &crate::model::Paragraph) -> Node {
        match paragraph.heading {
            Some(level) => Node::heading(paragraph, level),
            None => Node::Paragraph(paragraph.number),
        }
    }

    /// The paragraph as a heading of the given level.
    pub fn heading(paragraph: &crate::model::Paragraph, level: u8) -> Node {
        Node::Heading {
            number: paragraph.number,
            level,
            text: paragraph.one_line_text().into(),
        }
    }

    /// Whether two elements are the same one (they are siblings in the tree).
    pub fn same(&self, other: &Node) -> bool {
        match (self, other) {
            (Node::Paragraph(a), Node::Paragraph(b))
            | (Node::Caption(a), Node::Caption(b))
            | (Node::Row(a), Node::Row(b))
            | (Node::Cell(a), Node::Cell(b))
            | (Node::Heading { number: a, .. }, Node::Heading { number: b, .. })
            | (Node::Figure { key: a, .. }, Node::Figure { key: b, .. })
            | (Node::Table { key: a, .. }, Node::Table { key: b, .. }) => a == b,
            _ => false,
        }
    }
}

impl Role {
    /// The content role of a single element.
    pub fn content(node: Node) -> Role {
        Role::Content(vec![node])
    }

    /// Puts the element path inside `outer` (outermost first); artifacts stay artifacts.
    pub fn nest(&mut self, outer: &[Node]) {
        if let Role::Content(path) = self {
            path.splice(0..0, outer.iter().cloned());
        }
    }
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

    /// Where the item stands in the document's structure; `None` for rules and borders, which
    /// are always decoration.
    pub fn role(&self) -> Option<&Role> {
        match self {
            Item::Text(text) => Some(&text.role),
            Item::Image(image) => Some(&image.role),
            Item::Rule(_) => None,
        }
    }

    /// Puts the item's element path inside `outer` (outermost first).
    pub fn nest(&mut self, outer: &[Node]) {
        match self {
            Item::Text(text) => text.role.nest(outer),
            Item::Image(image) => image.role.nest(outer),
            Item::Rule(_) => {}
        }
    }

    /// Makes the item an artifact: drawn, not read.
    pub fn make_artifact(&mut self, kind: Artifact) {
        match self {
            Item::Text(text) => text.role = Role::Artifact(kind),
            Item::Image(image) => image.role = Role::Artifact(kind),
            Item::Rule(_) => {}
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
