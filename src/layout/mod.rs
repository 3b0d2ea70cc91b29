//! The document model into pages: check glyphs, break lines, fill pages, add page headers.
//!
//! Pagination keeps headings with what follows them, leaves no single line of a paragraph alone
//! at the foot or the head of a page, and never splits columns or keep-together blocks (the
//! signature block with its `Nơi nhận:` list is one such block). Tables split between rows and
//! repeat their header rows; a row taller than a page splits between the lines of its cells.
//! A section break (an appendix) starts a page whose number restarts at 1.

pub mod frame;
mod inline;
mod table;

use crate::error::{Error, MissingGlyph, Result};
use crate::fonts::{Face4, FontBook};
use crate::model::{
    one_line, Block, Columns, Document, Image, Inline, Paragraph, Rule, RuleLength,
};
pub use frame::{
    dump, Artifact, Frame, ImageItem, Item, Node, Page, PlacedGlyph, Role, RuleItem, TableShape,
    TextItem,
};
use inline::Line;
pub use table::column_widths;

/// The most pages one document may run to: a budget that stops a runaway record (a loop in a
/// template, a field pasted a thousand times) long before it exhausts memory or time.
pub const MAX_PAGES: usize = 1000;

/// Lays the document out into pages.
pub fn lay_out(document: &Document, fonts: &FontBook) -> Result<Vec<Page>> {
    check_glyphs(document, fonts)?;
    let setup = document.page;
    let mut flow = Flow {
        fonts,
        pages: Vec::new(),
        items: Vec::new(),
        y: setup.top,
        top: setup.top,
        bottom: setup.height - setup.bottom,
        left: setup.left,
        width: setup.text_width(),
        last_line_width: 0.0,
        label: 1,
        title: title_paragraph(document),
    };
    flow.blocks(&document.body);
    if flow.pages.len() >= MAX_PAGES {
        return Err(Error::TooLong { pages: MAX_PAGES });
    }
    flow.finish_page();
    let mut pages = flow.pages;
    for page in &mut pages {
        page.width = setup.width;
        page.height = setup.height;
        // NĐ 30: no number on page 1; the first page of an appendix is treated alike.
        let blocks = if page.label == 1 {
            &document.first_header
        } else {
            &document.header
        };
        if blocks.is_empty() {
            continue;
        }
        let header = stack(blocks, setup.text_width(), fonts, page.label);
        // Centred in the top margin (NĐ 30: the page number sits in the header, centred).
        let y = ((setup.top - header.height) / 2.0).max(0.0);
        for mut item in header.items {
            item.translate(setup.left, y);
            item.make_artifact(Artifact::PageHeader);
            page.items.push(item);
        }
    }
    Ok(pages)
}

/// The number of the body paragraph that states the document's title (the trích yếu under the
/// type name): it is the document's first heading for readers who navigate by headings.
fn title_paragraph(document: &Document) -> Option<usize> {
    let title = one_line(&document.meta.title);
    if title.is_empty() {
        return None;
    }
    document.body.iter().find_map(|block| match block {
        Block::Paragraph(p) if p.one_line_text() == title => Some(p.number),
        _ => None,
    })
}

/// Reports every character that the face it is set in cannot draw, all at once.
fn check_glyphs(document: &Document, fonts: &FontBook) -> Result<()> {
    let mut missing: Vec<MissingGlyph> = Vec::new();
    let mut visit = |paragraph: &Paragraph| {
        for inline in &paragraph.inlines {
            let Inline::Text(run) = inline else { continue };
            let face = Face4::of(&run.style);
            for (offset, c) in run.text.char_indices() {
                if fonts.has_char(face, c) || missing.iter().any(|m| m.ch == c) {
                    continue;
                }
                missing.push(MissingGlyph {
                    ch: c,
                    paragraph: paragraph.number,
                    excerpt: excerpt(&run.text, offset),
                });
            }
        }
    };
    for blocks in [&document.first_header, &document.header, &document.body] {
        visit_paragraphs(blocks, &mut visit);
    }
    if missing.is_empty() {
        Ok(())
    } else {
        Err(Error::MissingGlyphs(missing))
    }
}

fn visit_paragraphs(blocks: &[Block], visit: &mut impl FnMut(&Paragraph)) {
    for block in blocks {
        match block {
            Block::Paragraph(p) => visit(p),
            Block::Columns(columns) => columns
                .cells
                .iter()
                .for_each(|c| visit_paragraphs(c, visit)),
            Block::Keep(inner) => visit_paragraphs(inner, visit),
            Block::Table(table) => table
                .rows
                .iter()
                .flat_map(|row| &row.cells)
                .for_each(|cell| visit_paragraphs(&cell.blocks, visit)),
            Block::Image(image) => {
                if let Some(caption) = &image.caption {
                    visit(caption);
                }
            }
            Block::Rule(_) | Block::Space(_) | Block::PageBreak | Block::SectionBreak => {}
        }
    }
}

/// A few words either side of a byte offset.
fn excerpt(text: &str, offset: usize) -> String {
    let before: String = text[..offset]
        .chars()
        .rev()
        .take(20)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    let after: String = text[offset..].chars().take(20).collect();
    format!("{}{}", before.trim_start(), after.trim_end())
}

/// Lays blocks out one under the other without page breaks (columns, keep blocks, headers,
/// table cells).
fn stack(blocks: &[Block], width: f32, fonts: &FontBook, page: usize) -> Frame {
    let mut frame = Frame::default();
    let mut last_line_width = 0.0;
    for block in blocks {
        match block {
            Block::Paragraph(paragraph) => {
                frame.height += paragraph.style.space_before;
                let lines = inline::lay_out(paragraph, width, fonts, page);
                stack_lines(&mut frame, &lines);
                last_line_width = widest(&lines);
                frame.height += paragraph.style.space_after;
            }
            Block::Rule(rule) => {
                frame.height += rule.space_before;
                frame
                    .items
                    .push(rule_item(rule, 0.0, frame.height, width, last_line_width));
                frame.height += rule.thickness + rule.space_after;
            }
            Block::Space(height) => frame.height += height,
            Block::PageBreak | Block::SectionBreak => {}
            Block::Columns(columns) => {
                let inner = columns_frame(columns, width, fonts, page);
                append(&mut frame, inner, false);
            }
            Block::Keep(inner) => {
                let inner = stack(inner, width, fonts, page);
                append(&mut frame, inner, false);
            }
            Block::Table(table) => {
                let inner = table::whole(table, width, fonts, page);
                append(&mut frame, inner, true);
            }
            Block::Image(image) => {
                let inner = image_frame(image, width, f32::INFINITY, fonts, page);
                append(&mut frame, inner, true);
            }
        }
    }
    frame
}

fn stack_lines(frame: &mut Frame, lines: &[Line]) {
    for line in lines {
        place_line(line, 0.0, frame.height, &mut frame.items);
        if frame.first_baseline.is_none() {
            frame.first_baseline = Some(frame.height + line.ascent);
        }
        frame.height += line.height;
        frame.breaks.push(frame.height);
    }
}

/// Puts `inner` under what the frame holds; `breakable` keeps its cut points.
fn append(frame: &mut Frame, inner: Frame, breakable: bool) {
    if frame.first_baseline.is_none() {
        frame.first_baseline = inner.first_baseline.map(|b| b + frame.height);
    }
    for mut item in inner.items {
        item.translate(0.0, frame.height);
        frame.items.push(item);
    }
    if breakable {
        frame
            .breaks
            .extend(inner.breaks.iter().map(|b| b + frame.height));
    }
    frame.height += inner.height;
    frame.breaks.push(frame.height);
}

/// Columns side by side, their first baselines aligned (so `Số:` and the date share a line,
/// and `Nơi nhận:` stands level with the signer's title, as NĐ 30 wants).
fn columns_frame(columns: &Columns, width: f32, fonts: &FontBook, page: usize) -> Frame {
    let cells: Vec<Frame> = columns
        .cells
        .iter()
        .zip(&columns.widths)
        .map(|(cell, share)| stack(cell, width * share, fonts, page))
        .collect();
    let baseline = cells
        .iter()
        .filter_map(|c| c.first_baseline)
        .fold(0.0, f32::max);
    let mut frame = Frame::default();
    let mut x = 0.0;
    for (cell, share) in cells.into_iter().zip(&columns.widths) {
        let shift = cell.first_baseline.map_or(0.0, |b| baseline - b);
        frame.height = frame.height.max(cell.height + shift);
        for mut item in cell.items {
            item.translate(x, shift);
            frame.items.push(item);
        }
        x += width * share;
    }
    frame.first_baseline = (baseline > 0.0).then_some(baseline);
    frame
}

/// A picture centred in the column with its caption under it, scaled down to `max_height`.
fn image_frame(image: &Image, width: f32, max_height: f32, fonts: &FontBook, page: usize) -> Frame {
    let mut frame = Frame::default();
    let caption_lines = image
        .caption
        .as_ref()
        .map(|c| inline::lay_out(c, width, fonts, page))
        .unwrap_or_default();
    let caption_height: f32 = image.caption.as_ref().map_or(0.0, |c| {
        c.style.space_before
            + c.style.space_after
            + caption_lines.iter().map(|l| l.height).sum::<f32>()
    });
    let (mut w, mut h) = image.size(width);
    let room = (max_height - caption_height - 6.0).max(36.0);
    if h > room {
        w *= room / h;
        h = room;
    }
    // The picture is read as a figure described by its caption; the caption's own text stays
    // inside the figure, so that it is not read twice.
    let figure = Node::Figure {
        key: image.caption.as_ref().map_or(0, |c| c.number),
        alt: image.caption.as_ref().map(|c| c.one_line_text().into()),
    };
    frame.height += 3.0;
    frame.items.push(Item::Image(ImageItem {
        x: (width - w) / 2.0,
        y: frame.height,
        width: w,
        height: h,
        data: image.data.clone(),
        role: Role::content(figure.clone()),
    }));
    frame.height += h;
    if let Some(caption) = &image.caption {
        frame.height += caption.style.space_before;
        let role = Role::Content(vec![figure, Node::Caption(caption.number)]);
        let caption_lines = with_role(caption_lines, &role);
        stack_lines(&mut frame, &caption_lines);
        frame.height += caption.style.space_after;
    } else {
        frame.height += 6.0;
    }
    frame
}

/// The natural width of a paragraph's widest line when set in `width` (for rule lengths in
/// writers that do not lay out themselves).
pub fn widest_line(paragraph: &Paragraph, width: f32, fonts: &FontBook) -> f32 {
    widest(&inline::lay_out(paragraph, width, fonts, 1))
}

fn widest(lines: &[Line]) -> f32 {
    lines.iter().map(|l| l.width).fold(0.0, f32::max)
}

/// The lines with every run given `role`.
fn with_role(mut lines: Vec<Line>, role: &Role) -> Vec<Line> {
    for item in lines.iter_mut().flat_map(|line| &mut line.items) {
        item.role = role.clone();
    }
    lines
}

fn place_line(line: &Line, x: f32, top: f32, items: &mut Vec<Item>) {
    for text in &line.items {
        let mut text = text.clone();
        text.x += x;
        text.y = top + line.ascent;
        items.push(Item::Text(text));
    }
}

fn rule_item(rule: &Rule, x: f32, top: f32, width: f32, text_width: f32) -> Item {
    let length = match rule.length {
        RuleLength::OfColumn(share) => width * share,
        RuleLength::OfText(share) => text_width * share,
        RuleLength::Fixed(length) => length,
    }
    .min(width);
    Item::Rule(RuleItem {
        x: x + (width - length) / 2.0,
        y: top,
        width: length,
        height: rule.thickness,
    })
}

/// A table's header rows, laid out once and placed on every page the table reaches.
struct HeaderRows<'w> {
    rows: Vec<table::RowFrame>,
    borders: bool,
    widths: &'w [f32],
    /// Whether they stand on an earlier page (the copies on later pages are artifacts).
    placed: bool,
}

/// The body's flow through pages.
struct Flow<'a> {
    fonts: &'a FontBook,
    pages: Vec<Page>,
    items: Vec<Item>,
    y: f32,
    top: f32,
    bottom: f32,
    left: f32,
    width: f32,
    last_line_width: f32,
    /// The number the current page prints.
    label: usize,
    /// The paragraph that states the document's title, if one does.
    title: Option<usize>,
}

impl Flow<'_> {
    fn at_top(&self) -> bool {
        self.items.is_empty()
    }

    fn room(&self) -> f32 {
        self.bottom - self.y
    }

    fn page_height(&self) -> f32 {
        self.bottom - self.top
    }

    fn finish_page(&mut self) {
        self.pages.push(Page {
            number: self.pages.len() + 1,
            label: self.label,
            width: 0.0,
            height: 0.0,
            items: std::mem::take(&mut self.items),
        });
        self.label += 1;
        self.y = self.top;
    }

    /// Places a laid-out frame at the current position.
    fn place(&mut self, frame: Frame, x: f32) {
        for mut item in frame.items {
            item.translate(self.left + x, self.y);
            self.items.push(item);
        }
        self.y += frame.height;
    }

    fn over_budget(&self) -> bool {
        self.pages.len() >= MAX_PAGES
    }

    fn blocks(&mut self, blocks: &[Block]) {
        for (index, block) in blocks.iter().enumerate() {
            if self.over_budget() {
                return;
            }
            match block {
                Block::Paragraph(paragraph) => {
                    let mut lines = inline::lay_out(paragraph, self.width, self.fonts, self.label);
                    if self.title == Some(paragraph.number) {
                        lines = with_role(lines, &Role::content(Node::heading(paragraph, 1)));
                    }
                    if paragraph.style.keep_with_next && !self.at_top() {
                        let need = paragraph.style.space_before
                            + lines.iter().map(|l| l.height).sum::<f32>()
                            + paragraph.style.space_after
                            + self.opening_height(blocks.get(index + 1));
                        if need > self.room() {
                            self.finish_page();
                        }
                    }
                    let tail = self.kept_tail(&blocks[index + 1..]);
                    self.paragraph(paragraph, &lines, tail);
                }
                Block::Rule(rule) => {
                    let height = rule.space_before + rule.thickness + rule.space_after;
                    if height > self.room() && !self.at_top() {
                        self.finish_page();
                    }
                    let item = rule_item(
                        rule,
                        self.left,
                        self.y + rule.space_before,
                        self.width,
                        self.last_line_width,
                    );
                    self.items.push(item);
                    self.y += height;
                }
                Block::Space(height) => {
                    if !self.at_top() {
                        self.y = (self.y + height).min(self.bottom);
                    }
                }
                Block::PageBreak => self.finish_page(),
                Block::SectionBreak => {
                    // An empty page (after a page break) simply becomes the section's first.
                    if !self.at_top() {
                        self.finish_page();
                    }
                    self.label = 1;
                }
                Block::Columns(_) | Block::Keep(_) => {
                    let frame = stack(
                        std::slice::from_ref(block),
                        self.width,
                        self.fonts,
                        self.label,
                    );
                    if frame.height > self.room() && !self.at_top() {
                        self.finish_page();
                    }
                    self.place(frame, 0.0);
                }
                Block::Image(image) => {
                    let frame = image_frame(
                        image,
                        self.width,
                        self.page_height(),
                        self.fonts,
                        self.label,
                    );
                    if frame.height > self.room() && !self.at_top() {
                        self.finish_page();
                    }
                    self.place(frame, 0.0);
                }
                Block::Table(table) => self.table(table),
            }
        }
    }

    /// Places a table row by row, repeating its header rows on every page it reaches.
    fn table(&mut self, table: &crate::model::Table) {
        let widths = table::column_widths(table, self.width, self.fonts);
        let node = table::node(table);
        let mut header = HeaderRows {
            rows: table.rows[..table.header_rows]
                .iter()
                .enumerate()
                .map(|(index, row)| {
                    table::row_frame(row, index, &node, &widths, self.fonts, self.label)
                })
                .collect(),
            borders: table.borders,
            widths: &widths,
            placed: false,
        };
        let header_height: f32 = header.rows.iter().map(|r| r.height).sum();
        let mut on_page = false;
        for (index, row) in table.rows.iter().enumerate().skip(table.header_rows) {
            let mut rest = table::row_frame(row, index, &node, &widths, self.fonts, self.label);
            while !self.over_budget() {
                let head = if on_page { 0.0 } else { header_height };
                if head + rest.height <= self.room() + 0.01 {
                    self.table_header(&mut header, &mut on_page);
                    self.table_row(rest, table.borders, &widths);
                    break;
                }
                let fits_a_page = header_height + rest.height <= self.page_height();
                let fresh_page = self.at_top() && !on_page;
                if fits_a_page && !fresh_page {
                    // It fits on the next page, under the repeated header rows.
                    self.finish_page();
                    on_page = false;
                    continue;
                }
                // Taller than a page: cut it between the lines of its cells.
                self.table_header(&mut header, &mut on_page);
                let (first, remainder) = rest.split(self.room());
                match first {
                    Some(first) => self.table_row(first, table.borders, &widths),
                    None if self.at_top() => {
                        // Not one line fits an empty page: place it whole, clipped by the paper.
                        self.table_row(remainder, table.borders, &widths);
                        break;
                    }
                    None => {}
                }
                self.finish_page();
                on_page = false;
                rest = remainder;
                if rest.height <= 0.01 {
                    break;
                }
            }
        }
        if !on_page && table.rows.len() == table.header_rows {
            // A table of header rows only.
            self.table_header(&mut header, &mut on_page);
        }
        self.y += 6.0;
    }

    /// Places the header rows unless this page has them; after the first time they are
    /// artifacts, so that a reader meets them once.
    fn table_header(&mut self, header: &mut HeaderRows, on_page: &mut bool) {
        if *on_page {
            return;
        }
        for row in &header.rows {
            let mut frame = row.clone().into_frame(header.borders, header.widths);
            if header.placed {
                for item in &mut frame.items {
                    item.make_artifact(Artifact::RepeatedHeader);
                }
            }
            self.place(frame, 0.0);
        }
        *on_page = true;
        header.placed = true;
    }

    fn table_row(&mut self, row: table::RowFrame, borders: bool, widths: &[f32]) {
        let frame = row.into_frame(borders, widths);
        self.place(frame, 0.0);
    }

    /// The height of columns that keep with the paragraph before them, with the spaces
    /// between; zero when the next block is anything else.
    fn kept_tail(&self, next: &[Block]) -> f32 {
        let mut spaces = 0.0;
        for block in next {
            match block {
                Block::Space(height) => spaces += height,
                Block::Columns(columns) if columns.keep_with_previous => {
                    let frame = stack(
                        std::slice::from_ref(block),
                        self.width,
                        self.fonts,
                        self.label,
                    );
                    return spaces + frame.height;
                }
                _ => return 0.0,
            }
        }
        0.0
    }

    /// The height the next block needs on the same page as a heading before it: its first two
    /// lines for a paragraph, all of it for anything unbreakable.
    fn opening_height(&self, next: Option<&Block>) -> f32 {
        match next {
            Some(Block::Paragraph(p)) => {
                let lines = inline::lay_out(p, self.width, self.fonts, self.label);
                p.style.space_before + lines.iter().take(2).map(|l| l.height).sum::<f32>()
            }
            Some(block @ (Block::Columns(_) | Block::Keep(_))) => {
                stack(
                    std::slice::from_ref(block),
                    self.width,
                    self.fonts,
                    self.label,
                )
                .height
            }
            Some(Block::Image(image)) => {
                image_frame(
                    image,
                    self.width,
                    self.page_height(),
                    self.fonts,
                    self.label,
                )
                .height
            }
            Some(Block::Table(table)) => {
                table::opening_height(table, self.width, self.fonts, self.label)
            }
            _ => 0.0,
        }
    }

    /// Places a paragraph's lines, breaking pages between them. `tail` is the height of a
    /// block that must follow on the same page as the paragraph's last two lines (the
    /// signature block: it never stands alone on a page).
    fn paragraph(&mut self, paragraph: &Paragraph, lines: &[Line], tail: f32) {
        if !self.at_top() {
            self.y += paragraph.style.space_before;
        }
        let count = lines.len();
        let mut placed = 0;
        while placed < count && !self.over_budget() {
            let mut fit = 0;
            let mut height = 0.0;
            for line in &lines[placed..] {
                if height + line.height > self.room() + 0.01 {
                    break;
                }
                height += line.height;
                fit += 1;
            }
            let mut take = fit;
            if placed + take < count {
                // No orphan: a paragraph's first line never stands alone at a page's foot.
                if placed == 0 && take == 1 && count > 1 {
                    take = 0;
                }
                // No widow: its last line never stands alone at the next page's head.
                if count - placed - take == 1 && take > 0 {
                    take -= 1;
                    if placed == 0 && take == 1 {
                        take = 0;
                    }
                }
                if take == 0 && self.at_top() {
                    // A page cannot hold even this: place what fits rather than loop forever.
                    take = fit.max(1);
                }
            } else if tail > 0.0 && height + paragraph.style.space_after + tail > self.room() {
                // Everything fits but the block after it does not: carry the last two lines
                // over with it (the whole paragraph when it is short).
                let remaining = count - placed;
                take = remaining.saturating_sub(2);
                if placed == 0 && take == 1 {
                    take = 0;
                }
                if take == 0 && self.at_top() {
                    take = remaining;
                }
            }
            for line in &lines[placed..placed + take] {
                place_line(line, self.left, self.y, &mut self.items);
                self.y += line.height;
            }
            placed += take;
            if placed < count {
                self.finish_page();
            }
        }
        self.last_line_width = widest(lines);
        self.y += paragraph.style.space_after;
    }
}
