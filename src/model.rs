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
    /// Its type and number (`Báo cáo số 15/BC-BCĐ`).
    pub subject: String,
    /// Words to find it by.
    pub keywords: Vec<String>,
    /// When it was made: the date of issue when the record gives one.
    pub date: Option<Timestamp>,
}

/// A moment with its offset from UTC, as document metadata records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timestamp {
    /// Year.
    pub year: i32,
    /// Month, 1–12.
    pub month: u8,
    /// Day, 1–31.
    pub day: u8,
    /// Hour, 0–23.
    pub hour: u8,
    /// Minute.
    pub minute: u8,
    /// Second.
    pub second: u8,
    /// Offset from UTC in hours (+7 in Việt Nam).
    pub utc_offset_hours: i8,
}

impl Timestamp {
    /// Midnight of a date of issue in Việt Nam (UTC+7).
    pub fn issue_date(year: i32, month: u8, day: u8) -> Self {
        Timestamp {
            year,
            month,
            day,
            hour: 0,
            minute: 0,
            second: 0,
            utc_offset_hours: 7,
        }
    }

    /// A Unix time (seconds since 1970, UTC), as `SOURCE_DATE_EPOCH` gives it.
    pub fn from_unix(seconds: i64) -> Self {
        let days = seconds.div_euclid(86_400);
        let rest = seconds.rem_euclid(86_400);
        let (year, month, day) = civil_from_days(days);
        Timestamp {
            year,
            month,
            day,
            hour: (rest / 3600) as u8,
            minute: (rest % 3600 / 60) as u8,
            second: (rest % 60) as u8,
            utc_offset_hours: 0,
        }
    }

    /// The same moment in UTC, written `YYYY-MM-DDTHH:MM:SSZ` (W3C date-time).
    pub fn to_utc_string(&self) -> String {
        let local = days_from_civil(self.year, self.month, self.day) * 86_400
            + i64::from(self.hour) * 3600
            + i64::from(self.minute) * 60
            + i64::from(self.second);
        let utc = Timestamp::from_unix(local - i64::from(self.utc_offset_hours) * 3600);
        format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
            utc.year, utc.month, utc.day, utc.hour, utc.minute, utc.second
        )
    }
}

/// Days since 1970-01-01 of a date (proleptic Gregorian calendar).
fn days_from_civil(year: i32, month: u8, day: u8) -> i64 {
    let year = i64::from(year) - i64::from(month <= 2);
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month = i64::from(month);
    let day_of_year = (153 * (month + if month > 2 { -3 } else { 9 }) + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The date of a day count since 1970-01-01.
fn civil_from_days(days: i64) -> (i32, u8, u8) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let mp = (5 * day_of_year + 2) / 153;
    let day = (day_of_year - (153 * mp + 2) / 5 + 1) as u8;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year as i32, month, day)
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
    /// Blocks that flow through several text columns, page after page (a bulletin's articles).
    Flow(Flow),
    /// An article inside a flow: when it turns to the next page, notes say where it goes on
    /// and where it came from.
    Story(Story),
    /// Side-by-side columns, laid out as one unbreakable unit (header blocks, signatures).
    Columns(Columns),
    /// Blocks that must stay on one page together.
    Keep(Vec<Block>),
    /// A table that may run over several pages, repeating its header rows.
    Table(Table),
    /// A picture, scaled to fit, with an optional caption under it.
    Image(Image),
    /// Starts a new page and a new section whose page numbers restart at 1 (an appendix).
    SectionBreak,
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
    /// An exact line height in points, which overrides `line_spacing` (the Party's rule:
    /// "exactly 18–22 pt", HD 05-HD/VPTW).
    pub line_height: Option<f32>,
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

    /// The paragraph's text on one line, white space collapsed: how a heading is named in an
    /// outline and a caption describes its picture.
    pub fn one_line_text(&self) -> String {
        one_line(&self.plain_text())
    }
}

/// Text on one line: every run of white space (line breaks too) as one space, none at the ends.
pub fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
impl Paragraph {
    /// A 14 pt paragraph of plain text, for tests.
    pub(crate) fn plain(text: &str, align: Align, first_indent: f32, space_after: f32) -> Self {
        Paragraph {
            style: ParagraphStyle {
                align,
                first_indent,
                left_indent: 0.0,
                space_before: 0.0,
                space_after,
                line_spacing: 1.0,
                line_height: None,
                keep_with_next: false,
            },
            inlines: vec![Inline::Text(TextRun {
                text: text.to_string(),
                style: TextStyle {
                    size: 14.0,
                    bold: false,
                    italic: false,
                    underline: false,
                },
            })],
            number: 1,
            heading: None,
        }
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
    /// Underlined (the Party's `Nơi nhận`).
    pub underline: bool,
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

/// Text columns that the blocks flow through: the first column to the foot of the page, then
/// the next, then the first column of the next page.
#[derive(Debug, Clone, PartialEq)]
pub struct Flow {
    /// How many columns, 2 or more.
    pub columns: usize,
    /// The space between two columns, in points.
    pub gap: f32,
    /// What flows.
    pub blocks: Vec<Block>,
}

/// An article in a flow, with the notes printed where it turns to the next page.
#[derive(Debug, Clone, PartialEq)]
pub struct Story {
    /// Its content.
    pub blocks: Vec<Block>,
    /// Printed at the foot of the column where the article leaves a page ("Xem tiếp trang 2"):
    /// its page-number fields show the page where the article goes on.
    pub continued: Option<Paragraph>,
    /// Printed at the head of the column where the article goes on ("Tiếp theo trang 1"): its
    /// page-number fields show the page it came from.
    pub continued_from: Option<Paragraph>,
}

/// How wide a table column is.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ColumnWidth {
    /// A fixed width in points.
    Fixed(f32),
    /// A share of the table's width (0–1).
    Share(f32),
    /// What the content needs, from what is left.
    Auto,
}

/// A table: columns, rows of cells, header rows that repeat on every page.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// One width per column.
    pub columns: Vec<ColumnWidth>,
    /// The rows, header rows first.
    pub rows: Vec<TableRow>,
    /// How many of the first rows are header rows.
    pub header_rows: usize,
    /// Whether cells are ruled (official header and signature tables are not).
    pub borders: bool,
}

/// A table row.
#[derive(Debug, Clone, PartialEq)]
pub struct TableRow {
    /// The cells, left to right; their spans add up to the number of columns.
    pub cells: Vec<TableCell>,
}

/// A table cell.
#[derive(Debug, Clone, PartialEq)]
pub struct TableCell {
    /// How many columns it covers (merged cells span more than one).
    pub span: usize,
    /// Its content.
    pub blocks: Vec<Block>,
}

/// Cell padding in points, the same in the PDF and the DOCX: left and right as Word's default
/// (0.19 cm), a little above and below.
pub const CELL_PADDING_X: f32 = 5.4;
/// See [`CELL_PADDING_X`].
pub const CELL_PADDING_Y: f32 = 1.5;

/// The encoded picture format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageFormat {
    /// PNG (may have transparency).
    Png,
    /// JPEG (kept as it is, never re-encoded).
    Jpeg,
}

/// A picture file, checked and measured when the markup was read.
#[derive(Debug, Clone, PartialEq)]
pub struct ImageData {
    /// The file's bytes.
    pub bytes: std::sync::Arc<Vec<u8>>,
    /// PNG or JPEG.
    pub format: ImageFormat,
    /// Width in pixels.
    pub width_px: u32,
    /// Height in pixels.
    pub height_px: u32,
    /// The file, for messages.
    pub path: std::path::PathBuf,
}

/// A picture in the flow.
#[derive(Debug, Clone, PartialEq)]
pub struct Image {
    /// The picture.
    pub data: ImageData,
    /// The width asked for, in points; `None`: natural size at 150 dpi, at most the text width.
    pub width: Option<f32>,
    /// The caption under it, if any (already numbered when asked: `Hình 1. …`).
    pub caption: Option<Paragraph>,
    /// The figure number the caption starts with (`Hình 1`), when numbered.
    pub number: Option<usize>,
}

impl Image {
    /// The size the picture is drawn at, within `available` width: the asked width or its
    /// pixels at 150 dpi, never wider than the column, aspect kept.
    pub fn size(&self, available: f32) -> (f32, f32) {
        let natural = self.data.width_px as f32 * 72.0 / 150.0;
        let width = self.width.unwrap_or(natural).min(available).max(1.0);
        let height = width * self.data.height_px as f32 / self.data.width_px.max(1) as f32;
        (width, height)
    }
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
            Block::Table(table) => {
                let _ = writeln!(
                    out,
                    "{pad}table {:?} header {} borders {}",
                    table.columns, table.header_rows, table.borders
                );
                for row in &table.rows {
                    let _ = writeln!(out, "{pad}  row:");
                    for cell in &row.cells {
                        let _ = writeln!(out, "{pad}    cell span {}:", cell.span);
                        dump_blocks(out, &cell.blocks, depth + 3);
                    }
                }
            }
            Block::Image(image) => {
                let _ = writeln!(
                    out,
                    "{pad}image {} {}x{} px width {:?} caption {:?}",
                    image.data.path.display(),
                    image.data.width_px,
                    image.data.height_px,
                    image.width,
                    image.caption.as_ref().map(Paragraph::plain_text)
                );
            }
            Block::SectionBreak => {
                let _ = writeln!(out, "{pad}section-break");
            }
            Block::Flow(flow) => {
                let _ = writeln!(
                    out,
                    "{pad}flow {} columns gap {:.1}",
                    flow.columns, flow.gap
                );
                dump_blocks(out, &flow.blocks, depth + 1);
            }
            Block::Story(story) => {
                let note = |p: &Option<Paragraph>| p.as_ref().map(Paragraph::plain_text);
                let _ = writeln!(
                    out,
                    "{pad}story continued {:?} continued-from {:?}",
                    note(&story.continued),
                    note(&story.continued_from)
                );
                dump_blocks(out, &story.blocks, depth + 1);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_convert_to_utc() {
        // Midnight in Việt Nam is 17:00 UTC the day before, across a month and a leap day.
        assert_eq!(
            Timestamp::issue_date(2018, 3, 1).to_utc_string(),
            "2018-02-28T17:00:00Z"
        );
        assert_eq!(
            Timestamp::issue_date(2020, 3, 1).to_utc_string(),
            "2020-02-29T17:00:00Z"
        );
        assert_eq!(
            Timestamp::from_unix(0).to_utc_string(),
            "1970-01-01T00:00:00Z"
        );
        assert_eq!(
            Timestamp::from_unix(1_520_899_200).to_utc_string(),
            "2018-03-13T00:00:00Z"
        );
    }
}
