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
    anchors, dump, Anchor, Artifact, Frame, ImageItem, Item, Node, Page, PlacedGlyph, Role,
    RuleItem, TableShape, TextItem,
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
        page_left: setup.left,
        page_width: setup.text_width(),
        column_start: 0,
        columns: None,
        stories: Vec::new(),
        balance: None,
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
            Block::Flow(flow) => visit_paragraphs(&flow.blocks, visit),
            Block::Story(story) => {
                story
                    .continued
                    .iter()
                    .chain(&story.continued_from)
                    .for_each(&mut *visit);
                visit_paragraphs(&story.blocks, visit);
            }
            Block::Toc(toc) => visit_paragraphs(&toc.blocks, visit),
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
            // The markup keeps flows and stories out of stacked blocks (columns, headers,
            // cells); set in one column should one arrive here.
            Block::Flow(flow) => {
                let inner = stack(&flow.blocks, width, fonts, page);
                append(&mut frame, inner, true);
            }
            Block::Story(story) => {
                let inner = stack(&story.blocks, width, fonts, page);
                append(&mut frame, inner, true);
            }
            Block::Toc(toc) => {
                let inner = stack(&toc.blocks, width, fonts, page);
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

/// The size a picture is drawn at in a column `width` wide: [`Image::size`], scaled down (its
/// proportions kept) so that it and its caption fit in `max_height`, a page's text height.
/// The DOCX asks Word for the same size.
pub fn picture_size(image: &Image, width: f32, max_height: f32, fonts: &FontBook) -> (f32, f32) {
    let caption_lines = caption_lines(image, width, fonts, 1);
    fit_picture(image, width, max_height, &caption_lines)
}

fn caption_lines(image: &Image, width: f32, fonts: &FontBook, page: usize) -> Vec<Line> {
    image
        .caption
        .as_ref()
        .map(|c| inline::lay_out(c, width, fonts, page))
        .unwrap_or_default()
}

fn fit_picture(image: &Image, width: f32, max_height: f32, caption_lines: &[Line]) -> (f32, f32) {
    let caption_height: f32 = image.caption.as_ref().map_or(0.0, |c| {
        c.style.space_before
            + c.style.space_after
            + caption_lines.iter().map(|l| l.height).sum::<f32>()
    });
    let (w, h) = image.size(width);
    let room = (max_height - caption_height - 6.0).max(36.0);
    if h > room {
        (w * room / h, room)
    } else {
        (w, h)
    }
}

/// A picture centred in the column with its caption under it, scaled down to `max_height`.
fn image_frame(image: &Image, width: f32, max_height: f32, fonts: &FontBook, page: usize) -> Frame {
    let mut frame = Frame::default();
    let caption_lines = caption_lines(image, width, fonts, page);
    let (w, h) = fit_picture(image, width, max_height, &caption_lines);
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
    let baseline = top + line.ascent;
    for text in &line.items {
        let mut text = text.clone();
        text.x += x;
        text.y = baseline;
        items.push(Item::Text(text));
    }
    for underline in &line.underlines {
        items.push(Item::Rule(RuleItem {
            x: x + underline.x,
            y: baseline + underline.below - underline.thickness / 2.0,
            width: underline.width,
            height: underline.thickness,
        }));
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

/// The text columns of a `::: flow` being filled.
#[derive(Debug, Clone, Copy)]
struct ColumnState {
    /// How many columns.
    count: usize,
    /// The space between them.
    gap: f32,
    /// The column being filled, from 0.
    index: usize,
    /// Where the columns start on this page (under what stands above the flow).
    top: f32,
    /// The lowest point any column of this page reached.
    deepest: f32,
}

/// A `::: story` being placed, with the notes it prints where it turns to the next page.
#[derive(Debug, Clone)]
struct OpenStory {
    continued: Option<Paragraph>,
    continued_from: Option<Paragraph>,
    /// The height its `continued` note needs at the foot of a page's last column.
    reserve: f32,
    /// `items.len()` when its content on this page began: more items means it has content here.
    mark: usize,
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
#[derive(Clone)]
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
    /// The left edge of the text area (a column's `left` differs).
    page_left: f32,
    /// The width of the text area (a column's `width` is narrower).
    page_width: f32,
    /// Where the current column's items start in `items`: the column is empty while no item
    /// follows.
    column_start: usize,
    /// The columns of the flow being filled, if any.
    columns: Option<ColumnState>,
    /// The stories being placed, innermost last.
    stories: Vec<OpenStory>,
    /// A higher foot for the columns of one page (its number, the foot): balancing the
    /// columns of a flow's last page.
    balance: Option<(usize, f32)>,
    /// The paragraph that states the document's title, if one does.
    title: Option<usize>,
}

impl Flow<'_> {
    /// Whether nothing stands in the current column yet.
    fn at_top(&self) -> bool {
        self.items.len() == self.column_start
    }

    /// The foot of the current column.
    fn foot(&self) -> f32 {
        match self.balance {
            Some((page, foot)) if page == self.pages.len() + 1 && self.columns.is_some() => {
                foot.min(self.bottom)
            }
            _ => self.bottom,
        }
    }

    fn room(&self) -> f32 {
        // In the column where a page turns, a story keeps room for its "continued" note.
        let last_column = self.columns.is_none_or(|c| c.index + 1 == c.count);
        let reserve = match self.stories.last() {
            Some(story) if last_column => story.reserve,
            _ => 0.0,
        };
        self.foot() - self.y - reserve
    }

    /// Moves on when the current column is full: to the next column of a flow, else to the
    /// next page.
    fn next_column(&mut self) {
        if let Some(columns) = self.columns.as_mut() {
            if columns.index + 1 < columns.count {
                columns.deepest = columns.deepest.max(self.y);
                columns.index += 1;
                let width = self.width;
                self.left = self.page_left + columns.index as f32 * (width + columns.gap);
                self.y = columns.top;
                self.column_start = self.items.len();
                return;
            }
        }
        self.turn_page();
    }

    /// Starts a new page, with the notes of a story that runs over: "continued on page N" at
    /// the foot of this page, "continued from page M" at the head of the next.
    fn turn_page(&mut self) {
        let from = self.label;
        let mut carried = None;
        if let Some(story) = self.stories.last() {
            if self.items.len() > story.mark {
                if let Some(note) = &story.continued {
                    let lines = inline::lay_out(note, self.width, self.fonts, from + 1);
                    let height = note.style.space_before
                        + lines.iter().map(|l| l.height).sum::<f32>()
                        + note.style.space_after;
                    let mut y = (self.foot() - height).max(self.y) + note.style.space_before;
                    for line in &lines {
                        place_line(line, self.left, y, &mut self.items);
                        y += line.height;
                    }
                }
                carried = story.continued_from.clone();
            }
        }
        self.finish_page();
        if let Some(columns) = self.columns.as_mut() {
            columns.index = 0;
            columns.top = self.top;
            columns.deepest = self.top;
            self.left = self.page_left;
        }
        if let Some(note) = carried {
            let lines = inline::lay_out(&note, self.width, self.fonts, from);
            for line in &lines {
                place_line(line, self.left, self.y, &mut self.items);
                self.y += line.height;
            }
            self.y += note.style.space_after;
            self.column_start = self.items.len();
        }
        if let Some(story) = self.stories.last_mut() {
            story.mark = self.items.len();
        }
    }

    /// Places a flow: its blocks run through the columns, and the columns of its last page are
    /// balanced (each as short as it can be while the flow still ends on that page).
    fn flow(&mut self, flow: &crate::model::Flow) {
        let start = self.clone();
        self.run_flow(flow);
        let last_page = self.pages.len() + 1;
        let top = if self.pages.len() == start.pages.len() {
            start.y
        } else {
            self.top
        };
        let (mut low, mut high) = (top, self.bottom);
        // About 0.2 pt of precision over a whole page; each trial lays the flow out again.
        for _ in 0..12 {
            let middle = (low + high) / 2.0;
            let mut trial = start.clone();
            trial.balance = Some((last_page, middle));
            trial.run_flow(flow);
            if trial.pages.len() + 1 == last_page {
                high = middle;
                *self = trial;
            } else {
                low = middle;
            }
        }
        self.balance = None;
    }

    fn run_flow(&mut self, flow: &crate::model::Flow) {
        let gap = flow.gap;
        let count = flow.columns.max(1);
        self.width = ((self.page_width - gap * (count - 1) as f32) / count as f32).max(1.0);
        self.left = self.page_left;
        self.columns = Some(ColumnState {
            count,
            gap,
            index: 0,
            top: self.y,
            deepest: self.y,
        });
        self.blocks(&flow.blocks);
        let deepest = self.columns.map_or(self.y, |c| c.deepest.max(self.y));
        self.columns = None;
        self.left = self.page_left;
        self.width = self.page_width;
        self.y = deepest;
        self.column_start = self.column_start.min(self.items.len());
    }

    /// Places a story, noting where it turns to the next page.
    fn story(&mut self, story: &crate::model::Story) {
        let reserve = story.continued.as_ref().map_or(0.0, |note| {
            let lines = inline::lay_out(note, self.width, self.fonts, self.label + 1);
            note.style.space_before
                + lines.iter().map(|l| l.height).sum::<f32>()
                + note.style.space_after
        });
        self.stories.push(OpenStory {
            continued: story.continued.clone(),
            continued_from: story.continued_from.clone(),
            reserve,
            mark: self.items.len(),
        });
        self.blocks(&story.blocks);
        self.stories.pop();
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
        self.column_start = 0;
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
                            self.next_column();
                        }
                    }
                    let tail = self.kept_tail(&blocks[index + 1..]);
                    self.paragraph(paragraph, &lines, tail);
                }
                Block::Rule(rule) => {
                    let height = rule.space_before + rule.thickness + rule.space_after;
                    if height > self.room() && !self.at_top() {
                        self.next_column();
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
                Block::PageBreak => self.turn_page(),
                Block::SectionBreak => {
                    // An empty page (after a page break) simply becomes the section's first.
                    if !self.at_top() {
                        self.turn_page();
                    }
                    self.label = 1;
                }
                // The entries flow like the blocks they are (see `crate::toc`).
                Block::Toc(toc) => self.blocks(&toc.blocks),
                Block::Columns(_) | Block::Keep(_) => {
                    let frame = stack(
                        std::slice::from_ref(block),
                        self.width,
                        self.fonts,
                        self.label,
                    );
                    if frame.height > self.room() && !self.at_top() {
                        self.next_column();
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
                        self.next_column();
                    }
                    self.place(frame, 0.0);
                }
                Block::Table(table) => self.table(table),
                Block::Flow(flow) => self.flow(flow),
                Block::Story(story) => self.story(story),
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
                    self.next_column();
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
                self.next_column();
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
            Some(Block::Story(story)) => self.opening_height(story.blocks.first()),
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
                self.next_column();
            }
        }
        self.last_line_width = widest(lines);
        self.y += paragraph.style.space_after;
    }
}
