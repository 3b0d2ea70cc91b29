//! The document model: what a document is, with every style resolved, before any layout.
//!
//! [`crate::markup`] builds it; [`crate::layout`] (and from it the PDF) and
//! [`crate::export::docx`] both read it. Lengths are in PostScript points (1/72 inch).

use std::fmt::Write as _;

/// Points per millimetre.
pub const PT_PER_MM: f32 = 72.0 / 25.4;

/// Converts millimetres to points.
pub fn mm(value: f32) -> f32 {
    value * PT_PER_MM
}

/// The number of days in a month of the Gregorian calendar.
pub fn days_in_month(year: i32, month: u8) -> u8 {
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// A whole document: page setup, page headers and the body.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    /// Paper size and margins.
    pub page: PageSetup,
    /// Title, author and date for the file's metadata.
    pub meta: Metadata,
    /// Blocks drawn in the top margin of the first page (empty under NĐ 30: page 1 has no number).
    pub first_header: Vec<Block>,
    /// Blocks drawn in the top margin of every later page (the page number).
    pub header: Vec<Block>,
    /// The flowing content.
    pub body: Vec<Block>,
}

/// Paper size and margins, in points.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PageSetup {
    /// Paper width.
    pub width: f32,
    /// Paper height.
    pub height: f32,
    /// Top margin; the header is centred in it.
    pub top: f32,
    /// Bottom margin.
    pub bottom: f32,
    /// Left margin (the binding side under NĐ 30).
    pub left: f32,
    /// Right margin.
    pub right: f32,
}

impl PageSetup {
    /// A4 with the margins NĐ 30/2020 Phụ lục I recommends: top 20, bottom 20, left 30, right 15 mm.
    pub fn a4_nd30() -> Self {
        PageSetup {
            width: mm(210.0),
            height: mm(297.0),
            top: mm(20.0),
            bottom: mm(20.0),
            left: mm(30.0),
            right: mm(15.0),
        }
    }

    /// The width available to the text between the side margins.
    pub fn text_width(&self) -> f32 {
        self.width - self.left - self.right
    }
}

/// What the file says about itself (PDF info/XMP, DOCX core properties).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Metadata {
    /// The document's title (the trích yếu).
    pub title: String,
    /// Who issued it (the issuing body).
    pub author: String,
    /// The date of issue as `(year, month, day)`, when the record gives one.
    pub date: Option<(i32, u8, u8)>,
}

/// A block of the flow.
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    /// A paragraph (also headings and list items, with their own style).
    Paragraph(Paragraph),
    /// A horizontal rule, centred in its column.
    Rule(Rule),
    /// Vertical space.
    Space(f32),
    /// Forces the next block onto a new page.
    PageBreak,
    /// Side-by-side columns, laid out as one unbreakable unit (header blocks, signatures).
    Columns(Columns),
    /// Blocks that must stay on one page together.
    Keep(Vec<Block>),
    /// A table of contents: the document's headings with the pages they start on.
    Toc(Toc),
}

/// A table of contents (`::: toc`). The markup gives only its place, depth and style;
/// [`crate::toc::resolve`] lists the headings, lays the document out, and fills in the pages.
#[derive(Debug, Clone, PartialEq)]
pub struct Toc {
    /// The deepest heading level listed (1 = only the top level).
    pub depth: u8,
    /// The look of the entries (the style in force where `::: toc` stands).
    pub style: ParagraphStyle,
    /// The size and weight of the entries' text.
    pub text: TextStyle,
    /// One entry per heading, in the order of the document.
    pub entries: Vec<TocEntry>,
    /// The entries as blocks for layout (the heading's text, its page number at the right);
    /// made from `entries`, empty until they are.
    pub blocks: Vec<Block>,
}

/// One heading in a table of contents.
#[derive(Debug, Clone, PartialEq)]
pub struct TocEntry {
    /// The heading's level (1 = top).
    pub level: u8,
    /// Its text.
    pub text: String,
    /// Its paragraph number ([`Paragraph::number`]), which ties the entry to the heading.
    pub paragraph: usize,
    /// The page it starts on, once the document is laid out.
    pub page: Option<usize>,
}

/// Horizontal alignment of a paragraph's lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    /// Flush left, ragged right.
    Left,
    /// Centred.
    Center,
    /// Flush right.
    Right,
    /// Both edges flush (spaces widened); the last line is flush left.
    Justify,
}

/// The resolved look of a paragraph.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ParagraphStyle {
    /// Alignment of the lines.
    pub align: Align,
    /// Indent of the first line (1.27 cm for body text).
    pub first_indent: f32,
    /// Indent of every line from the left edge of the column.
    pub left_indent: f32,
    /// Space above the paragraph (dropped at the top of a page).
    pub space_before: f32,
    /// Space below the paragraph.
    pub space_after: f32,
    /// Line height as a multiple of the font's single line spacing (1.0 = single).
    pub line_spacing: f32,
    /// Keep this paragraph on the page of the next block (headings).
    pub keep_with_next: bool,
}

/// A paragraph: styled runs of text.
#[derive(Debug, Clone, PartialEq)]
pub struct Paragraph {
    /// How it is set.
    pub style: ParagraphStyle,
    /// What it says.
    pub inlines: Vec<Inline>,
    /// The paragraph's number in the body (1-based, in reading order; 0 in page headers), for
    /// messages.
    pub number: usize,
    /// Whether this paragraph is a heading and of which level (1 = top), for DOCX styles.
    pub heading: Option<u8>,
}

impl Paragraph {
    /// The paragraph's text as a reader would copy it (line breaks as `\n`, page numbers as `#`).
    pub fn plain_text(&self) -> String {
        let mut text = String::new();
        for inline in &self.inlines {
            match inline {
                Inline::Text(run) => text.push_str(&run.text),
                Inline::LineBreak => text.push('\n'),
                Inline::PageNumber(_) => text.push('#'),
            }
        }
        text
    }
}

/// The look of a run of text.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TextStyle {
    /// Font size in points.
    pub size: f32,
    /// Bold face.
    pub bold: bool,
    /// Italic face.
    pub italic: bool,
}

/// A piece of a paragraph.
#[derive(Debug, Clone, PartialEq)]
pub enum Inline {
    /// Text in one style.
    Text(TextRun),
    /// A forced line break inside the paragraph.
    LineBreak,
    /// The current page's number, in the given style.
    PageNumber(TextStyle),
}

/// Text in one style.
#[derive(Debug, Clone, PartialEq)]
pub struct TextRun {
    /// The characters, NFC, spaces collapsed.
    pub text: String,
    /// Their look.
    pub style: TextStyle,
}

/// How long a rule is.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum RuleLength {
    /// A fraction of the column's width.
    OfColumn(f32),
    /// A fraction of the widest line of the paragraph just above the rule (1.0 = as long as it).
    OfText(f32),
    /// A fixed length in points.
    Fixed(f32),
}

/// A horizontal rule, centred in its column.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rule {
    /// Its length.
    pub length: RuleLength,
    /// Line thickness in points.
    pub thickness: f32,
    /// Space above the rule's line.
    pub space_before: f32,
    /// Space below the rule's line.
    pub space_after: f32,
}

/// Side-by-side columns.
#[derive(Debug, Clone, PartialEq)]
pub struct Columns {
    /// Each column's share of the width; they add up to 1.
    pub widths: Vec<f32>,
    /// The blocks of each column, as many as `widths`.
    pub cells: Vec<Vec<Block>>,
    /// Whether the columns must share a page with the end of the paragraph before them
    /// (a signature block is never alone on its page).
    pub keep_with_previous: bool,
}

impl Document {
    /// A readable dump of the model, one block per line, for snapshot tests and debugging.
    pub fn dump(&self) -> String {
        let mut out = String::new();
        let p = &self.page;
        let _ = writeln!(
            out,
            "page {:.1}x{:.1} margins t{:.1} b{:.1} l{:.1} r{:.1}",
            p.width, p.height, p.top, p.bottom, p.left, p.right
        );
        for (name, blocks) in [
            ("first-header", &self.first_header),
            ("header", &self.header),
            ("body", &self.body),
        ] {
            let _ = writeln!(out, "{name}:");
            dump_blocks(&mut out, blocks, 1);
        }
        out
    }
}

fn dump_blocks(out: &mut String, blocks: &[Block], depth: usize) {
    let pad = "  ".repeat(depth);
    for block in blocks {
        match block {
            Block::Paragraph(paragraph) => {
                let s = &paragraph.style;
                let _ = writeln!(
                    out,
                    "{pad}para {:?} indent {:.1} before {:.1} after {:.1}{}: {:?}",
                    s.align,
                    s.first_indent,
                    s.space_before,
                    s.space_after,
                    if s.keep_with_next { " keep-next" } else { "" },
                    paragraph.plain_text()
                );
            }
            Block::Rule(rule) => {
                let _ = writeln!(out, "{pad}rule {:?}", rule.length);
            }
            Block::Space(height) => {
                let _ = writeln!(out, "{pad}space {height:.1}");
            }
            Block::PageBreak => {
                let _ = writeln!(out, "{pad}page-break");
            }
            Block::Columns(columns) => {
                let _ = writeln!(out, "{pad}columns {:?}", columns.widths);
                for cell in &columns.cells {
                    let _ = writeln!(out, "{pad}  column:");
                    dump_blocks(out, cell, depth + 2);
                }
            }
            Block::Keep(blocks) => {
                let _ = writeln!(out, "{pad}keep:");
                dump_blocks(out, blocks, depth + 1);
            }
            Block::Toc(toc) => {
                let _ = writeln!(out, "{pad}toc depth {}:", toc.depth);
                for entry in &toc.entries {
                    let _ = writeln!(
                        out,
                        "{pad}  level {} paragraph {} page {:?}: {:?}",
                        entry.level, entry.paragraph, entry.page, entry.text
                    );
                }
            }
        }
    }
}
