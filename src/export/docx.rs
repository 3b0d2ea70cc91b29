//! The document model into a DOCX that Word (or LibreOffice) lays out itself.
//!
//! The same model as the PDF, in Word's terms: the body style is `Normal` (Times New Roman 14 pt,
//! justified, first line 1.27 cm, 6 pt after), headings use `Heading1`–`Heading3`, columns are
//! borderless fixed tables whose rows never split, rules are paragraph borders as long as the
//! PDF's, and the page number is a `PAGE` field in a header that page 1 does not show.
//! Sizes sit on every run, because LibreOffice lays the document default over paragraph styles
//! inside table cells.

use std::io::{Cursor, Read as _, Write as _};

use std::collections::BTreeSet;

use docx_rs::{
    AlignmentType, BorderType, BreakType, Docx, FieldCharType, Header, Hyperlink, HyperlinkType,
    InstrPAGEREF, InstrText, InstrToC, LineSpacing, LineSpacingType, PageMargin, PageNum,
    Paragraph as DocxParagraph, ParagraphBorder, ParagraphBorderPosition, ParagraphBorders,
    ParagraphChild, Run, RunFonts, SpecialIndentType, Style, StyleType, Tab, TabValueType, Table,
    TableCell, TableCellMargins, TableLayoutType, TableRow, WidthType,
};

use crate::error::{Error, Result};
use crate::fonts::{FontBook, DOCX_FAMILY};
use crate::layout::widest_line;
use crate::model::{
    days_in_month, Align, Block, Document, Inline, Metadata, Paragraph, ParagraphStyle, Rule,
    RuleLength, Toc,
};

/// Twips (1/20 point) from points.
fn twips(points: f32) -> i32 {
    (points * 20.0).round() as i32
}

/// Writes the document as DOCX bytes.
pub fn write(document: &Document, fonts: &FontBook) -> Result<Vec<u8>> {
    let page = document.page;
    let text_width = page.text_width();
    let family = RunFonts::new()
        .ascii(DOCX_FAMILY)
        .hi_ansi(DOCX_FAMILY)
        .cs(DOCX_FAMILY)
        .east_asia(DOCX_FAMILY);
    let mut docx = Docx::new()
        .page_size(twips(page.width) as u32, twips(page.height) as u32)
        .page_margin(
            PageMargin::new()
                .top(twips(page.top))
                .bottom(twips(page.bottom))
                .left(twips(page.left))
                .right(twips(page.right))
                // The header's top edge: the PDF centres the page number in the top margin.
                .header(twips(page.top * 0.35))
                .footer(twips(page.bottom * 0.5)),
        )
        .default_fonts(family)
        .default_size(28);
    for level in 1..=3u8 {
        let mut style = Style::new(format!("Heading{level}"), StyleType::Paragraph)
            .name(format!("heading {level}"))
            .based_on("Normal")
            .next("Normal")
            .bold()
            .outline_lvl(usize::from(level - 1));
        if level == 3 {
            style = style.italic();
        }
        docx = docx.add_style(style);
    }
    let writer = Writer {
        fonts,
        toc_targets: toc_targets(&document.body),
    };
    docx = add_children(
        docx,
        writer.blocks(&document.body, text_width),
        Docx::add_paragraph,
        Docx::add_table,
    );
    if !document.header.is_empty() {
        let header = writer.blocks(&document.header, text_width);
        let header = add_children(
            Header::new(),
            header,
            Header::add_paragraph,
            Header::add_table,
        );
        // A different first page: NĐ 30 puts no number on page 1.
        let first = writer.blocks(&document.first_header, text_width);
        let first = add_children(
            Header::new(),
            first,
            Header::add_paragraph,
            Header::add_table,
        );
        docx = docx.header(header).first_header(first).title_pg();
    }
    let mut packed = Cursor::new(Vec::new());
    docx.build()
        .pack(&mut packed)
        .map_err(|e| Error::Docx(e.to_string()))?;
    finish_package(packed.into_inner(), &document.meta)
}

/// Adds paragraphs and tables to a document, header or table cell, which Word wants to end
/// with a paragraph.
fn add_children<T>(
    mut target: T,
    children: Vec<Child>,
    paragraph: fn(T, DocxParagraph) -> T,
    table: fn(T, Table) -> T,
) -> T {
    let ends_with_paragraph = matches!(children.last(), Some(Child::Paragraph(_)));
    for child in children {
        target = match child {
            Child::Paragraph(p) => paragraph(target, *p),
            Child::Table(t) => table(target, *t),
        };
    }
    if !ends_with_paragraph {
        target = paragraph(target, DocxParagraph::new());
    }
    target
}

enum Child {
    Paragraph(Box<DocxParagraph>),
    Table(Box<Table>),
}

struct Writer<'a> {
    fonts: &'a FontBook,
    /// The headings a table of contents lists: each gets a bookmark its entry links to.
    toc_targets: BTreeSet<usize>,
}

/// The paragraph numbers of the headings listed in the document's tables of contents.
fn toc_targets(blocks: &[Block]) -> BTreeSet<usize> {
    blocks
        .iter()
        .filter_map(|b| match b {
            Block::Toc(toc) => Some(toc.entries.iter().map(|e| e.paragraph)),
            _ => None,
        })
        .flatten()
        .collect()
}

/// The name of the bookmark at a heading, as Word names those its tables of contents use.
fn toc_bookmark(paragraph: usize) -> String {
    format!("_Toc{paragraph:08}")
}

impl Writer<'_> {
    fn blocks(&self, blocks: &[Block], width: f32) -> Vec<Child> {
        let mut out = Vec::new();
        let mut previous: Option<&Paragraph> = None;
        let mut trailing_spaces = 0;
        for block in blocks {
            let spaces_before = trailing_spaces;
            trailing_spaces = match block {
                Block::Space(_) => trailing_spaces + 1,
                _ => 0,
            };
            match block {
                Block::Paragraph(paragraph) => {
                    out.push(Child::Paragraph(Box::new(self.paragraph(paragraph))));
                    previous = Some(paragraph);
                }
                Block::Rule(rule) => {
                    let text = previous.map_or(0.0, |p| widest_line(p, width, self.fonts));
                    out.push(Child::Paragraph(Box::new(rule_paragraph(
                        rule, width, text,
                    ))));
                }
                Block::Space(height) => {
                    out.push(Child::Paragraph(Box::new(
                        DocxParagraph::new().size(2).line_spacing(
                            LineSpacing::new()
                                .line_rule(LineSpacingType::Exact)
                                .line(twips(*height).max(1))
                                .before(0)
                                .after(0),
                        ),
                    )));
                }
                Block::PageBreak => {
                    out.push(Child::Paragraph(Box::new(
                        DocxParagraph::new().add_run(Run::new().add_break(BreakType::Page)),
                    )));
                }
                Block::Columns(columns) => {
                    if columns.keep_with_previous {
                        // Keep the paragraph before (and the spaces between) on the table's
                        // page; Word's widow control then brings at least two lines along.
                        for child in out.iter_mut().rev().take(spaces_before + 1) {
                            if let Child::Paragraph(p) = child {
                                **p = std::mem::take(&mut **p).keep_next(true);
                            }
                        }
                    }
                    let grid: Vec<usize> = columns
                        .widths
                        .iter()
                        .map(|w| twips(w * width).max(0) as usize)
                        .collect();
                    let mut cells = Vec::new();
                    for (blocks, &column) in columns.cells.iter().zip(&grid) {
                        let cell = TableCell::new().width(column, WidthType::Dxa);
                        let children = self.blocks(blocks, column as f32 / 20.0);
                        let cell = add_children(
                            cell,
                            children,
                            TableCell::add_paragraph,
                            TableCell::add_table,
                        );
                        cells.push(cell);
                    }
                    let total: usize = grid.iter().sum();
                    let table = Table::without_borders(vec![TableRow::new(cells).cant_split()])
                        .set_grid(grid)
                        .width(total, WidthType::Dxa)
                        .layout(TableLayoutType::Fixed)
                        .margins(TableCellMargins::new().margin(0, 0, 0, 0));
                    out.push(Child::Table(Box::new(table)));
                    previous = None;
                }
                Block::Toc(toc) => {
                    out.extend(
                        self.toc(toc, width)
                            .into_iter()
                            .map(|p| Child::Paragraph(Box::new(p))),
                    );
                    previous = None;
                }
                Block::Keep(inner) => {
                    let mut children = self.blocks(inner, width);
                    let count = children.len();
                    for (i, child) in children.iter_mut().enumerate() {
                        if let Child::Paragraph(p) = child {
                            let mut keep = std::mem::take(&mut **p).keep_lines(true);
                            if i + 1 < count {
                                keep = keep.keep_next(true);
                            }
                            **p = keep;
                        }
                    }
                    out.extend(children);
                }
            }
        }
        out
    }

    /// A table of contents as Word writes one: a `TOC` field over the headings (Word's
    /// "Update field" rebuilds it) whose current result is the entries, each a link to its
    /// heading's bookmark with the page in a `PAGEREF` field, at a right tab stop.
    fn toc(&self, toc: &Toc, width: f32) -> Vec<DocxParagraph> {
        let field = |run: Run, kind| run.add_field_char(kind, false);
        let begin = field(Run::new(), FieldCharType::Begin)
            .add_instr_text(InstrText::TOC(
                InstrToC::new()
                    .heading_styles_range(1, usize::from(toc.depth))
                    .hyperlink()
                    .hide_tab_and_page_numbers_in_webview()
                    .use_applied_paragraph_line_level(),
            ))
            .add_field_char(FieldCharType::Separate, false);
        let end = field(Run::new(), FieldCharType::End);
        let top = toc.entries.iter().map(|e| e.level).min().unwrap_or(1);
        let size = half_points(toc.text.size);
        let run = |text: &str| {
            let run = Run::new().add_text(text).size(size);
            if toc.text.bold {
                run.bold()
            } else {
                run.disable_bold()
            }
        };
        let mut paragraphs: Vec<DocxParagraph> = toc
            .entries
            .iter()
            .map(|entry| {
                let mut style = toc.style;
                style.align = Align::Left;
                style.first_indent = 0.0;
                style.left_indent += 7.5 * crate::model::PT_PER_MM * f32::from(entry.level - top);
                let bookmark = toc_bookmark(entry.paragraph);
                let page = entry.page.map(|p| p.to_string()).unwrap_or_default();
                let page_ref = field(Run::new(), FieldCharType::Begin)
                    .add_instr_text(InstrText::PAGEREF(InstrPAGEREF::new(&bookmark).hyperlink()))
                    .add_field_char(FieldCharType::Separate, false)
                    .add_text(page)
                    .size(size)
                    .add_field_char(FieldCharType::End, false);
                paragraph_properties(DocxParagraph::new(), &style)
                    .size(size)
                    .add_tab(
                        Tab::new()
                            .val(TabValueType::Right)
                            // Word measures tab stops from the margin, not from the indent.
                            .pos(twips(width).max(0) as usize),
                    )
                    .add_hyperlink(
                        Hyperlink::new(bookmark, HyperlinkType::Anchor)
                            .add_run(run(&entry.text))
                            .add_run(Run::new().add_tab())
                            .add_run(page_ref),
                    )
            })
            .collect();
        match paragraphs.first_mut() {
            Some(first) => {
                first
                    .children
                    .insert(0, ParagraphChild::Run(Box::new(begin)));
                if let Some(last) = paragraphs.last_mut() {
                    *last = std::mem::take(last).add_run(end);
                }
            }
            None => paragraphs.push(DocxParagraph::new().add_run(begin).add_run(end)),
        }
        paragraphs
    }

    fn paragraph(&self, paragraph: &Paragraph) -> DocxParagraph {
        let mut out = paragraph_properties(DocxParagraph::new(), &paragraph.style);
        if let Some(level) = paragraph.heading {
            out = out.style(&format!("Heading{}", level.min(3)));
        }
        let bookmarked = self.toc_targets.contains(&paragraph.number);
        if bookmarked {
            out = out.add_bookmark_start(paragraph.number, toc_bookmark(paragraph.number));
        }
        for inline in &paragraph.inlines {
            match inline {
                Inline::Text(run) => {
                    let mut r = Run::new()
                        .add_text(run.text.as_str())
                        .size(half_points(run.style.size));
                    r = if run.style.bold {
                        r.bold()
                    } else {
                        r.disable_bold()
                    };
                    r = if run.style.italic {
                        r.italic()
                    } else {
                        r.disable_italic()
                    };
                    out = out.add_run(r);
                }
                Inline::LineBreak => {
                    out = out.add_run(Run::new().add_break(BreakType::TextWrapping))
                }
                Inline::PageNumber(style) => {
                    out = out
                        .size(half_points(style.size))
                        .add_page_num(PageNum::new());
                }
            }
        }
        if bookmarked {
            out = out.add_bookmark_end(paragraph.number);
        }
        // The paragraph mark takes the size of the text, so an empty line is as tall as in the PDF.
        if let Some(Inline::Text(first)) = paragraph.inlines.first() {
            out = out.size(half_points(first.style.size));
        }
        out
    }
}

fn half_points(size: f32) -> usize {
    (size * 2.0).round() as usize
}

fn paragraph_properties(p: DocxParagraph, style: &ParagraphStyle) -> DocxParagraph {
    let align = match style.align {
        Align::Left => AlignmentType::Left,
        Align::Center => AlignmentType::Center,
        Align::Right => AlignmentType::Right,
        Align::Justify => AlignmentType::Both,
    };
    // Always explicit: a paragraph without one would take the Normal style's 1.27 cm.
    let first = SpecialIndentType::FirstLine(twips(style.first_indent));
    p.align(align)
        .indent(Some(twips(style.left_indent)), Some(first), None, None)
        .line_spacing(
            LineSpacing::new()
                .before(twips(style.space_before) as u32)
                .after(twips(style.space_after) as u32)
                .line_rule(LineSpacingType::Auto)
                .line((240.0 * style.line_spacing).round() as i32),
        )
        .keep_next(style.keep_with_next)
        .widow_control(true)
}

/// A rule as an empty paragraph with a bottom border, indented on both sides to its length.
fn rule_paragraph(rule: &Rule, width: f32, text_width: f32) -> DocxParagraph {
    let length = match rule.length {
        RuleLength::OfColumn(share) => width * share,
        RuleLength::OfText(share) => text_width * share,
        RuleLength::Fixed(length) => length,
    }
    .min(width);
    let side = twips((width - length) / 2.0).max(0);
    let mut p = DocxParagraph::new()
        .size(2)
        .indent(
            Some(side),
            Some(SpecialIndentType::FirstLine(0)),
            Some(side),
            None,
        )
        .line_spacing(
            LineSpacing::new()
                .before(twips(rule.space_before) as u32)
                .after(twips(rule.space_after) as u32)
                .line_rule(LineSpacingType::Exact)
                .line(20),
        );
    // Border widths are in eighths of a point.
    let eighths = (rule.thickness * 8.0).round().max(2.0) as usize;
    p.property = p.property.set_borders(
        ParagraphBorders::with_empty().set(
            ParagraphBorder::new(ParagraphBorderPosition::Bottom)
                .val(BorderType::Single)
                .size(eighths)
                .space(0)
                .color("000000"),
        ),
    );
    p
}

/// Re-packs the DOCX: our own core properties (title, author, date), the `Normal` style of
/// NĐ 30 body text, deflate compression and fixed timestamps (same input, same bytes).
fn finish_package(bytes: Vec<u8>, meta: &Metadata) -> Result<Vec<u8>> {
    let error = |e: &dyn std::fmt::Display| Error::Docx(e.to_string());
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| error(&e))?;
    let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(zip::DateTime::default());
    for index in 0..archive.len() {
        let mut file = archive.by_index(index).map_err(|e| error(&e))?;
        let name = file.name().to_string();
        if file.is_dir() {
            continue;
        }
        let mut content = Vec::new();
        file.read_to_end(&mut content).map_err(|e| error(&e))?;
        let content = match name.as_str() {
            "docProps/core.xml" => core_xml(meta).into_bytes(),
            "word/styles.xml" => normal_style(&String::from_utf8_lossy(&content)).into_bytes(),
            _ => content,
        };
        writer.start_file(name, options).map_err(|e| error(&e))?;
        writer.write_all(&content).map_err(|e| error(&e))?;
    }
    Ok(writer.finish().map_err(|e| error(&e))?.into_inner())
}

fn xml_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn core_xml(meta: &Metadata) -> String {
    // The date of issue at midnight in Việt Nam (UTC+7) is 17:00 UTC the day before.
    let created = match meta.date {
        Some((year, month, day)) => {
            let (y, m, d) = previous_day(year, month, day);
            format!("{y:04}-{m:02}-{d:02}T17:00:00Z")
        }
        None => "1980-01-01T00:00:00Z".to_string(),
    };
    format!(
        concat!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n",
            "<cp:coreProperties xmlns:cp=\"http://schemas.openxmlformats.org/package/2006/metadata/core-properties\" ",
            "xmlns:dc=\"http://purl.org/dc/elements/1.1/\" xmlns:dcterms=\"http://purl.org/dc/terms/\" ",
            "xmlns:dcmitype=\"http://purl.org/dc/dcmitype/\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">",
            "<dc:title>{title}</dc:title><dc:creator>{author}</dc:creator><cp:lastModifiedBy>{author}</cp:lastModifiedBy>",
            "<dc:language>vi-VN</dc:language><cp:revision>1</cp:revision>",
            "<dcterms:created xsi:type=\"dcterms:W3CDTF\">{created}</dcterms:created>",
            "<dcterms:modified xsi:type=\"dcterms:W3CDTF\">{created}</dcterms:modified>",
            "</cp:coreProperties>"
        ),
        title = xml_escape(&meta.title),
        author = xml_escape(&meta.author),
        created = created
    )
}

fn previous_day(year: i32, month: u8, day: u8) -> (i32, u8, u8) {
    if day > 1 {
        return (year, month, day - 1);
    }
    let (year, month) = if month == 1 {
        (year - 1, 12)
    } else {
        (year, month - 1)
    };
    (year, month, days_in_month(year, month))
}

/// Replaces the bare `Normal` style docx-rs writes with NĐ 30 body text.
fn normal_style(styles: &str) -> String {
    let normal = concat!(
        "<w:style w:type=\"paragraph\" w:styleId=\"Normal\" w:default=\"1\"><w:name w:val=\"Normal\" /><w:qFormat />",
        "<w:pPr><w:widowControl /><w:spacing w:before=\"0\" w:after=\"120\" w:line=\"240\" w:lineRule=\"auto\" />",
        "<w:ind w:firstLine=\"720\" /><w:jc w:val=\"both\" /></w:pPr>",
        "<w:rPr><w:rFonts w:ascii=\"Times New Roman\" w:hAnsi=\"Times New Roman\" w:cs=\"Times New Roman\" w:eastAsia=\"Times New Roman\" />",
        "<w:sz w:val=\"28\" /><w:szCs w:val=\"28\" /><w:lang w:val=\"vi-VN\" /></w:rPr></w:style>"
    );
    let Some(start) = styles.find("<w:style w:type=\"paragraph\" w:styleId=\"Normal\"") else {
        return styles.to_string();
    };
    let Some(length) = styles[start..].find("</w:style>") else {
        return styles.to_string();
    };
    let end = start + length + "</w:style>".len();
    format!("{}{}{}", &styles[..start], normal, &styles[end..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn creation_date_is_midnight_in_viet_nam() {
        let meta = Metadata {
            title: "A & B".into(),
            author: "X".into(),
            date: Some((2018, 3, 1)),
        };
        let xml = core_xml(&meta);
        assert!(xml.contains("2018-02-28T17:00:00Z"), "{xml}");
        assert!(xml.contains("<dc:title>A &amp; B</dc:title>"), "{xml}");
    }
}
