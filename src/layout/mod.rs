//! The document model into pages: check glyphs, break lines, fill pages, add page headers.
//!
//! Pagination keeps headings with what follows them, leaves no single line of a paragraph alone
//! at the foot or the head of a page, and never splits columns or keep-together blocks (the
//! signature block with its `Nơi nhận:` list is one such block).

pub mod frame;
mod inline;

use crate::error::{Error, MissingGlyph, Result};
use crate::fonts::{Face4, FontBook};
use crate::model::{Block, Columns, Document, Inline, Paragraph, Rule, RuleLength};
pub use frame::{anchors, dump, Anchor, Frame, Item, Page, PlacedGlyph, RuleItem, TextItem};
use inline::Line;

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
    };
    flow.blocks(&document.body);
    flow.finish_page();
    let mut pages = flow.pages;
    for page in &mut pages {
        let blocks = if page.number == 1 {
            &document.first_header
        } else {
            &document.header
        };
        if blocks.is_empty() {
            continue;
        }
        let header = stack(blocks, setup.text_width(), fonts, page.number);
        // Centred in the top margin (NĐ 30: the page number sits in the header, centred).
        let y = ((setup.top - header.height) / 2.0).max(0.0);
        for mut item in header.items {
            item.translate(setup.left, y);
            page.items.push(item);
        }
    }
    for page in &mut pages {
        page.width = setup.width;
        page.height = setup.height;
    }
    Ok(pages)
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
            Block::Toc(toc) => visit_paragraphs(&toc.blocks, visit),
            Block::Rule(_) | Block::Space(_) | Block::PageBreak => {}
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

/// Lays blocks out one under the other without page breaks (columns, keep blocks, headers).
fn stack(blocks: &[Block], width: f32, fonts: &FontBook, page: usize) -> Frame {
    let mut frame = Frame::default();
    let mut last_line_width = 0.0;
    for block in blocks {
        match block {
            Block::Paragraph(paragraph) => {
                frame.height += paragraph.style.space_before;
                let lines = inline::lay_out(paragraph, width, fonts, page);
                for line in &lines {
                    place_line(line, 0.0, frame.height, &mut frame.items);
                    if frame.first_baseline.is_none() {
                        frame.first_baseline = Some(frame.height + line.ascent);
                    }
                    frame.height += line.height;
                }
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
            Block::PageBreak => {}
            Block::Columns(columns) => {
                let inner = columns_frame(columns, width, fonts, page);
                append(&mut frame, inner);
            }
            Block::Keep(inner) => {
                let inner = stack(inner, width, fonts, page);
                append(&mut frame, inner);
            }
            Block::Toc(toc) => {
                let inner = stack(&toc.blocks, width, fonts, page);
                append(&mut frame, inner);
            }
        }
    }
    frame
}

fn append(frame: &mut Frame, inner: Frame) {
    if frame.first_baseline.is_none() {
        frame.first_baseline = inner.first_baseline.map(|b| b + frame.height);
    }
    for mut item in inner.items {
        item.translate(0.0, frame.height);
        frame.items.push(item);
    }
    frame.height += inner.height;
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

/// The natural width of a paragraph's widest line when set in `width` (for rule lengths in
/// writers that do not lay out themselves).
pub fn widest_line(paragraph: &Paragraph, width: f32, fonts: &FontBook) -> f32 {
    widest(&inline::lay_out(paragraph, width, fonts, 1))
}

fn widest(lines: &[Line]) -> f32 {
    lines.iter().map(|l| l.width).fold(0.0, f32::max)
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
        y: top + rule.thickness / 2.0,
        width: length,
        thickness: rule.thickness,
    })
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
}

impl Flow<'_> {
    fn page_number(&self) -> usize {
        self.pages.len() + 1
    }

    fn at_top(&self) -> bool {
        self.items.is_empty()
    }

    fn room(&self) -> f32 {
        self.bottom - self.y
    }

    fn finish_page(&mut self) {
        let number = self.page_number();
        self.pages.push(Page {
            number,
            width: 0.0,
            height: 0.0,
            items: std::mem::take(&mut self.items),
        });
        self.y = self.top;
    }

    fn blocks(&mut self, blocks: &[Block]) {
        for (index, block) in blocks.iter().enumerate() {
            match block {
                Block::Paragraph(paragraph) => {
                    let lines =
                        inline::lay_out(paragraph, self.width, self.fonts, self.page_number());
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
                // The entries flow like the blocks they are (see `crate::toc`).
                Block::Toc(toc) => self.blocks(&toc.blocks),
                Block::Columns(_) | Block::Keep(_) => {
                    let frame = stack(
                        std::slice::from_ref(block),
                        self.width,
                        self.fonts,
                        self.page_number(),
                    );
                    if frame.height > self.room() && !self.at_top() {
                        self.finish_page();
                    }
                    for mut item in frame.items {
                        item.translate(self.left, self.y);
                        self.items.push(item);
                    }
                    self.y += frame.height;
                }
            }
        }
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
                        self.page_number(),
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
                let lines = inline::lay_out(p, self.width, self.fonts, self.page_number());
                p.style.space_before + lines.iter().take(2).map(|l| l.height).sum::<f32>()
            }
            Some(block @ (Block::Columns(_) | Block::Keep(_))) => {
                stack(
                    std::slice::from_ref(block),
                    self.width,
                    self.fonts,
                    self.page_number(),
                )
                .height
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
        while placed < count {
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
