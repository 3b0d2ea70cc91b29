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
    AlignmentType, BorderType, BreakType, Docx, FieldCharType, Header, HeightRule, Hyperlink,
    HyperlinkType, InstrPAGEREF, InstrText, InstrToC, LineSpacing, LineSpacingType, PageMargin,
    PageNumType, PageSize, Paragraph as DocxParagraph, ParagraphBorder, ParagraphBorderPosition,
    ParagraphBorders, ParagraphChild, Pic, Run, RunFonts, Section, SpecialIndentType, Style,
    StyleType, Tab, TabValueType, Table, TableBorder, TableBorderPosition, TableBorders, TableCell,
    TableCellMargins, TableLayoutType, TableRow, WidthType,
};

use crate::error::{Error, Result};
use crate::fonts::{FontBook, DOCX_FAMILY};
use crate::layout::{column_widths, widest_line};
use crate::model::{
    Align, Block, Document, Image, Inline, Metadata, Paragraph, ParagraphStyle, Rule, RuleLength,
    Table as ModelTable, TextStyle, Toc, CELL_PADDING_X, CELL_PADDING_Y,
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
    let margin = PageMargin::new()
        .top(twips(page.top))
        .bottom(twips(page.bottom))
        .left(twips(page.left))
        .right(twips(page.right))
        // The header's top edge: the PDF centres the page number in the top margin.
        .header(twips(page.top * 0.35))
        .footer(twips(page.bottom * 0.5));
    let (width, height) = (twips(page.width) as u32, twips(page.height) as u32);
    let mut docx = Docx::new()
        .page_size(width, height)
        .page_margin(margin.clone())
        .default_fonts(family)
        .default_size(28)
        .add_style(
            Style::new("Caption", StyleType::Paragraph)
                .name("caption")
                .based_on("Normal")
                .next("Normal")
                .italic()
                .size(26)
                .align(AlignmentType::Center),
        );
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
        text_height: document.page.height - document.page.top - document.page.bottom,
        toc_targets: toc_targets(&document.body),
    };
    // A different first page in every section: NĐ 30 puts no number on page 1, and an
    // appendix (a new section) starts its numbering again.
    let headers = || {
        (!document.header.is_empty()).then(|| {
            let header = writer.blocks(&document.header, text_width);
            let first = writer.blocks(&document.first_header, text_width);
            (
                add_children(
                    Header::new(),
                    header,
                    Header::add_paragraph,
                    Header::add_table,
                ),
                add_children(
                    Header::new(),
                    first,
                    Header::add_paragraph,
                    Header::add_table,
                ),
            )
        })
    };
    let sections = plan_sections(&document.body);
    let count = sections.len();
    for (index, plan) in sections.iter().enumerate() {
        let column_width = match plan.columns {
            Some((columns, gap)) => {
                (text_width - gap * (columns - 1) as f32) / columns.max(1) as f32
            }
            None => text_width,
        };
        let children = writer.blocks(&plan.blocks, column_width);
        let restart = plan.restart.then(|| PageNumType::new().start(1));
        if index + 1 < count {
            let mut section = Section::new()
                .page_size(PageSize::new().size(width, height))
                .page_margin(margin.clone());
            section = add_children(
                section,
                children,
                Section::add_paragraph,
                Section::add_table,
            );
            if let Some((header, first)) = headers() {
                section = section.header(header).first_header(first).title_pg();
            }
            if let Some(restart) = restart {
                section = section.page_num_type(restart);
            }
            docx = docx.add_section(section);
        } else {
            docx = add_children(docx, children, Docx::add_paragraph, Docx::add_table);
            if let Some((header, first)) = headers() {
                docx = docx.header(header).first_header(first).title_pg();
            }
            if let Some(restart) = restart {
                docx = docx.page_num_type(restart);
            }
        }
    }
    let mut packed = Cursor::new(Vec::new());
    docx.build()
        .pack(&mut packed)
        .map_err(|e| Error::Docx(e.to_string()))?;
    finish_package(packed.into_inner(), &document.meta, &sections)
}

/// A section of the DOCX: the blocks between section breaks, or a flow's blocks in columns.
struct SectionPlan {
    blocks: Vec<Block>,
    /// Whether its page numbers start again at 1 (an appendix).
    restart: bool,
    /// Whether it goes on on the same page (a flow and what follows it) instead of a new one.
    continuous: bool,
    /// Its text columns and the gap between them, for a flow.
    columns: Option<(usize, f32)>,
}

/// Splits the body into sections: at section breaks (new page, numbers restart), and around
/// each flow, which Word sets in a continuous section with text columns of its own.
fn plan_sections(body: &[Block]) -> Vec<SectionPlan> {
    let empty = |restart, continuous, columns| SectionPlan {
        blocks: Vec::new(),
        restart,
        continuous,
        columns,
    };
    let mut plans = vec![empty(false, false, None)];
    for block in body {
        match block {
            Block::SectionBreak => plans.push(empty(true, false, None)),
            Block::Flow(flow) => {
                let mut section = empty(false, true, Some((flow.columns, flow.gap)));
                section.blocks = flow.blocks.clone();
                plans.push(section);
                plans.push(empty(false, true, None));
            }
            other => {
                if let Some(plan) = plans.last_mut() {
                    plan.blocks.push(other.clone());
                }
            }
        }
    }
    // Nothing after the last flow: its section is the document's last.
    if plans.len() > 1
        && plans
            .last()
            .is_some_and(|p| p.continuous && p.blocks.is_empty())
    {
        plans.pop();
    }
    plans
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
    /// The height of a page's text, which no picture may pass.
    text_height: f32,
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
                Block::Table(table) => {
                    out.push(Child::Table(Box::new(self.table(table, width))));
                    previous = None;
                }
                Block::Image(image) => {
                    out.extend(self.image(image, width));
                    previous = None;
                }
                // Sections are split off before the blocks are written.
                Block::SectionBreak => {}
                // Only at the top level, where sections are planned; written in one column
                // should one arrive here.
                Block::Flow(flow) => out.extend(self.blocks(&flow.blocks, width)),
                // Word paginates the DOCX itself, so where a story turns to the next page is
                // not known here: its notes are left out.
                Block::Story(story) => out.extend(self.blocks(&story.blocks, width)),
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

    /// A real Word table: widths in twips as the PDF's, header rows marked to repeat.
    fn table(&self, table: &ModelTable, width: f32) -> Table {
        let widths = column_widths(table, width, self.fonts);
        let grid: Vec<usize> = widths.iter().map(|w| twips(*w).max(0) as usize).collect();
        let mut rows = Vec::new();
        for (index, row) in table.rows.iter().enumerate() {
            let mut cells = Vec::new();
            let mut column = 0;
            for cell in &row.cells {
                let end = (column + cell.span).min(grid.len());
                let cell_width: usize = grid[column.min(grid.len())..end].iter().sum();
                let mut docx_cell = TableCell::new().width(cell_width, WidthType::Dxa);
                if cell.span > 1 {
                    docx_cell = docx_cell.grid_span(cell.span);
                }
                let inner = (cell_width as f32 / 20.0 - 2.0 * CELL_PADDING_X).max(1.0);
                let children = self.blocks(&cell.blocks, inner);
                cells.push(add_children(
                    docx_cell,
                    children,
                    TableCell::add_paragraph,
                    TableCell::add_table,
                ));
                column = end;
            }
            let mut docx_row = TableRow::new(cells);
            if index < table.header_rows {
                docx_row = docx_row
                    .row_height(0.0)
                    .height_rule(HeightRule::Auto)
                    .cant_split();
            }
            rows.push(docx_row);
        }
        let mut docx_table = if table.borders {
            let border = |position| TableBorder::new(position).size(4);
            Table::new(rows).set_borders(
                TableBorders::new()
                    .set(border(TableBorderPosition::Top))
                    .set(border(TableBorderPosition::Bottom))
                    .set(border(TableBorderPosition::Left))
                    .set(border(TableBorderPosition::Right))
                    .set(border(TableBorderPosition::InsideH))
                    .set(border(TableBorderPosition::InsideV)),
            )
        } else {
            Table::without_borders(rows)
        };
        let padding_x = twips(CELL_PADDING_X).max(0) as usize;
        let padding_y = twips(CELL_PADDING_Y).max(0) as usize;
        docx_table = docx_table
            .set_grid(grid.clone())
            .width(grid.iter().sum(), WidthType::Dxa)
            .layout(TableLayoutType::Fixed)
            .margins(TableCellMargins::new().margin(padding_y, padding_x, padding_y, padding_x));
        docx_table
    }

    /// An inline picture in a centred paragraph, and its caption (`SEQ` field for the number).
    fn image(&self, image: &Image, width: f32) -> Vec<Child> {
        let (w, h) = crate::layout::picture_size(image, width, self.text_height, self.fonts);
        let emu = |points: f32| (points * 12_700.0).round().max(1.0) as u32;
        let picture = Pic::new_with_dimensions(
            image.data.bytes.as_ref().clone(),
            image.data.width_px,
            image.data.height_px,
        )
        .size(emu(w), emu(h));
        let mut out = vec![Child::Paragraph(Box::new(
            DocxParagraph::new()
                .align(AlignmentType::Center)
                .indent(Some(0), Some(SpecialIndentType::FirstLine(0)), None, None)
                .line_spacing(LineSpacing::new().before(60).after(0))
                .keep_next(image.caption.is_some())
                .add_run(Run::new().add_image(picture)),
        ))];
        if let Some(caption) = &image.caption {
            let mut p = paragraph_properties(DocxParagraph::new(), &caption.style).style("Caption");
            let text = caption.plain_text();
            let style = match caption.inlines.first() {
                Some(Inline::Text(run)) => run.style,
                _ => return out,
            };
            let label = image.number.map(|n| (format!("Hình {n}"), n));
            let rest = match &label {
                Some((prefix, n)) if text.starts_with(prefix.as_str()) => {
                    p =
                        p.add_run(styled(Run::new(), &style).add_text("Hình "))
                            .add_run(Run::new().add_field_char(FieldCharType::Begin, false))
                            .add_run(Run::new().add_instr_text(InstrText::Unsupported(
                                " SEQ Hình \\* ARABIC ".into(),
                            )))
                            .add_run(Run::new().add_field_char(FieldCharType::Separate, false))
                            .add_run(styled(Run::new(), &style).add_text(n.to_string()))
                            .add_run(Run::new().add_field_char(FieldCharType::End, false));
                    text[prefix.len()..].to_string()
                }
                _ => text,
            };
            p = p.add_run(styled(Run::new(), &style).add_text(rest));
            out.push(Child::Paragraph(Box::new(p)));
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
                    out = out.add_run(styled(Run::new(), &run.style).add_text(run.text.as_str()));
                }
                Inline::LineBreak => {
                    out = out.add_run(Run::new().add_break(BreakType::TextWrapping))
                }
                Inline::PageNumber(style) => {
                    // A PAGE field in a run of the text's own style (a running head in 10 pt
                    // italic shows its number so).
                    let field = styled(Run::new(), style)
                        .add_field_char(FieldCharType::Begin, false)
                        .add_instr_text(InstrText::Unsupported(" PAGE ".into()))
                        .add_field_char(FieldCharType::Separate, false)
                        .add_text("1")
                        .add_field_char(FieldCharType::End, false);
                    out = out.size(half_points(style.size)).add_run(field);
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

/// A run in a text style: size, bold and italic always explicit (LibreOffice lays the document
/// default over styles inside table cells), underline when set.
fn styled(run: Run, style: &TextStyle) -> Run {
    let run = run.size(half_points(style.size));
    let run = if style.bold {
        run.bold()
    } else {
        run.disable_bold()
    };
    let run = if style.italic {
        run.italic()
    } else {
        run.disable_italic()
    };
    if style.underline {
        run.underline("single")
    } else {
        run
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
    let spacing = LineSpacing::new()
        .before(twips(style.space_before) as u32)
        .after(twips(style.space_after) as u32);
    let spacing = match style.line_height {
        Some(height) => spacing
            .line_rule(LineSpacingType::Exact)
            .line(twips(height)),
        None => spacing
            .line_rule(LineSpacingType::Auto)
            .line((240.0 * style.line_spacing).round() as i32),
    };
    p.align(align)
        .indent(Some(twips(style.left_indent)), Some(first), None, None)
        .line_spacing(spacing)
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
fn finish_package(bytes: Vec<u8>, meta: &Metadata, sections: &[SectionPlan]) -> Result<Vec<u8>> {
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
            "word/document.xml" => {
                let xml = mark_header_rows(&String::from_utf8_lossy(&content));
                set_section_columns(&xml, sections).into_bytes()
            }
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
    // No date known: the earliest a ZIP package can record, rather than the clock.
    let created = meta.date.map_or_else(
        || "1980-01-01T00:00:00Z".to_string(),
        |date| date.to_utc_string(),
    );
    format!(
        concat!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n",
            "<cp:coreProperties xmlns:cp=\"http://schemas.openxmlformats.org/package/2006/metadata/core-properties\" ",
            "xmlns:dc=\"http://purl.org/dc/elements/1.1/\" xmlns:dcterms=\"http://purl.org/dc/terms/\" ",
            "xmlns:dcmitype=\"http://purl.org/dc/dcmitype/\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">",
            "<dc:title>{title}</dc:title><dc:subject>{subject}</dc:subject><dc:creator>{author}</dc:creator>",
            "<cp:keywords>{keywords}</cp:keywords><cp:lastModifiedBy>{author}</cp:lastModifiedBy>",
            "<dc:language>vi-VN</dc:language><cp:revision>1</cp:revision>",
            "<dcterms:created xsi:type=\"dcterms:W3CDTF\">{created}</dcterms:created>",
            "<dcterms:modified xsi:type=\"dcterms:W3CDTF\">{created}</dcterms:modified>",
            "</cp:coreProperties>"
        ),
        title = xml_escape(&meta.title),
        author = xml_escape(&meta.author),
        subject = xml_escape(&meta.subject),
        keywords = xml_escape(&meta.keywords.join(", ")),
        created = created
    )
}

/// docx-rs cannot mark a row as a header row (`w:tblHeader`, repeated on every page): header
/// rows are written with a zero automatic height, which no other row has, and that mark is
/// replaced here.
fn mark_header_rows(document: &str) -> String {
    document.replace(
        r#"<w:trHeight w:val="0" w:hRule="auto" />"#,
        "<w:tblHeader />",
    )
}

/// docx-rs cannot give a section text columns or make it continuous: the n-th `w:sectPr` of
/// the document (sections are written in order, the document's own last) is rewritten here.
fn set_section_columns(document: &str, sections: &[SectionPlan]) -> String {
    let mut out = String::with_capacity(document.len() + 64 * sections.len());
    let mut rest = document;
    for plan in sections {
        let Some(start) = rest.find("<w:sectPr") else {
            break;
        };
        let Some(length) = rest[start..].find("</w:sectPr>") else {
            break;
        };
        let end = start + length;
        out.push_str(&rest[..start]);
        let mut properties = rest[start..end].to_string();
        if let Some((columns, gap)) = plan.columns {
            properties = properties.replace(
                r#"<w:cols w:space="425" w:num="1" />"#,
                &format!(r#"<w:cols w:space="{}" w:num="{columns}" />"#, twips(gap)),
            );
        }
        if plan.continuous {
            properties =
                properties.replacen("<w:pgSz", r#"<w:type w:val="continuous" /><w:pgSz"#, 1);
        }
        out.push_str(&properties);
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
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
    fn a_flow_is_a_continuous_section_with_columns() {
        use crate::model::{Flow, Paragraph as ModelParagraph};
        let paragraph =
            |text: &str| Block::Paragraph(ModelParagraph::plain(text, Align::Left, 0.0, 0.0));
        let body = vec![
            paragraph("masthead"),
            Block::Flow(Flow {
                columns: 2,
                gap: 17.0,
                blocks: vec![paragraph("article")],
            }),
            paragraph("colophon"),
            Block::SectionBreak,
            paragraph("appendix"),
        ];
        let plans = plan_sections(&body);
        let shape: Vec<(usize, bool, bool, Option<usize>)> = plans
            .iter()
            .map(|p| {
                (
                    p.blocks.len(),
                    p.restart,
                    p.continuous,
                    p.columns.map(|c| c.0),
                )
            })
            .collect();
        assert_eq!(
            shape,
            vec![
                (1, false, false, None),
                (1, false, true, Some(2)),
                (1, false, true, None),
                (1, true, false, None),
            ]
        );
        let xml = "<w:body><w:sectPr><w:pgSz /><w:cols w:space=\"425\" w:num=\"1\" /></w:sectPr>\
                   <w:sectPr><w:pgSz /><w:cols w:space=\"425\" w:num=\"1\" /></w:sectPr>\
                   <w:sectPr><w:pgSz /><w:cols w:space=\"425\" w:num=\"1\" /></w:sectPr>\
                   <w:sectPr><w:pgSz /><w:cols w:space=\"425\" w:num=\"1\" /></w:sectPr></w:body>";
        let rewritten = set_section_columns(xml, &plans);
        let sections: Vec<&str> = rewritten.split("</w:sectPr>").collect();
        assert!(!sections[0].contains("continuous"));
        assert!(sections[1].contains(r#"<w:type w:val="continuous" /><w:pgSz"#));
        assert!(sections[1].contains(r#"<w:cols w:space="340" w:num="2" />"#));
        assert!(sections[2].contains("continuous") && sections[2].contains(r#"w:num="1""#));
        assert!(!sections[3].contains("continuous"));
    }

    #[test]
    fn creation_date_is_midnight_in_viet_nam() {
        let meta = Metadata {
            title: "A & B".into(),
            author: "X".into(),
            date: Some(crate::model::Timestamp::issue_date(2018, 3, 1)),
            ..Metadata::default()
        };
        let xml = core_xml(&meta);
        assert!(xml.contains("2018-02-28T17:00:00Z"), "{xml}");
        assert!(xml.contains("<dc:title>A &amp; B</dc:title>"), "{xml}");
    }
}
