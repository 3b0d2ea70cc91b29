//! Tables of contents with real page numbers: list the headings, lay the document out, read
//! the page each heading landed on, fill the numbers in, and lay out again.
//!
//! An entry's page number sits in a column of its own at the right, so filling it in never
//! changes how many lines the table takes, and the second layout puts every heading on the
//! page the first one found (checked, not assumed). The same headings become the PDF outline.

use crate::error::Result;
use crate::export::pdf::Bookmark;
use crate::fonts::FontBook;
use crate::layout::{self, Anchor, Page};
use crate::model::{Align, Block, Columns, Document, Inline, Paragraph, TextRun, Toc, TocEntry};

/// How far each level of the table is indented (7.5 mm, as nested lists are).
const INDENT_PER_LEVEL: f32 = 7.5 * crate::model::PT_PER_MM;
/// The share of the width given to the page numbers.
const PAGE_COLUMN: f32 = 0.1;
/// Layouts tried before the page numbers are taken as they are.
const ATTEMPTS: usize = 4;

/// Whether the document has a table of contents (at the top level of its body).
pub fn has_toc(document: &Document) -> bool {
    document.body.iter().any(|b| matches!(b, Block::Toc(_)))
}

/// Fills in the document's tables of contents and lays it out; returns the pages and the
/// outline of its headings. A document without a table of contents is laid out as it is,
/// with no outline.
pub fn resolve(document: &mut Document, fonts: &FontBook) -> Result<(Vec<Page>, Vec<Bookmark>)> {
    if !has_toc(document) {
        return Ok((layout::lay_out(document, fonts)?, Vec::new()));
    }
    let depth = tocs(document).map(|t| t.depth).max().unwrap_or(1);
    let headings = headings(&document.body, depth);
    for toc in tocs(document) {
        toc.entries = headings
            .iter()
            .filter(|h| h.level <= toc.depth)
            .cloned()
            .collect();
        toc.blocks = entry_blocks(toc);
    }
    let mut attempt = 0;
    loop {
        attempt += 1;
        let pages = layout::lay_out(document, fonts)?;
        let anchors = layout::anchors(&pages);
        let mut changed = false;
        for toc in tocs(document) {
            for entry in &mut toc.entries {
                let page = anchors.get(&entry.paragraph).map(|a| a.page);
                changed |= entry.page != page;
                entry.page = page;
            }
            toc.blocks = entry_blocks(toc);
        }
        if !changed || attempt == ATTEMPTS {
            return Ok((pages, bookmarks(&headings, &anchors)));
        }
    }
}

/// The tables of contents of a document.
fn tocs(document: &mut Document) -> impl Iterator<Item = &mut Toc> {
    document.body.iter_mut().filter_map(|b| match b {
        Block::Toc(toc) => Some(toc),
        _ => None,
    })
}

/// The headings of the body down to `depth`, in order (headings inside columns and
/// keep-together blocks included).
fn headings(blocks: &[Block], depth: u8) -> Vec<TocEntry> {
    let mut found = Vec::new();
    for block in blocks {
        match block {
            Block::Paragraph(p) => {
                if let Some(level) = p.heading.filter(|l| *l <= depth) {
                    found.push(TocEntry {
                        level,
                        text: p.plain_text().replace('\n', " "),
                        paragraph: p.number,
                        page: None,
                    });
                }
            }
            Block::Keep(inner) => found.extend(headings(inner, depth)),
            Block::Flow(flow) => found.extend(headings(&flow.blocks, depth)),
            Block::Story(story) => found.extend(headings(&story.blocks, depth)),
            Block::Columns(columns) => {
                for cell in &columns.cells {
                    found.extend(headings(cell, depth));
                }
            }
            Block::Table(_)
            | Block::Image(_)
            | Block::SectionBreak
            | Block::Rule(_)
            | Block::Space(_)
            | Block::PageBreak
            | Block::Toc(_) => {}
        }
    }
    found
}

/// The entries as blocks: the heading's text at the left, indented by level, and its page
/// number at the right (blank until it is known).
fn entry_blocks(toc: &Toc) -> Vec<Block> {
    let top = toc.entries.iter().map(|e| e.level).min().unwrap_or(1);
    toc.entries
        .iter()
        .map(|entry| {
            let mut text_style = toc.style;
            text_style.align = Align::Left;
            text_style.first_indent = 0.0;
            text_style.left_indent += INDENT_PER_LEVEL * f32::from(entry.level - top);
            let mut page_style = text_style;
            page_style.align = Align::Right;
            page_style.left_indent = 0.0;
            let paragraph = |style, text: String| {
                Block::Paragraph(Paragraph {
                    style,
                    inlines: vec![Inline::Text(TextRun {
                        text,
                        style: toc.text,
                    })],
                    // Not a paragraph of the body: the table must not list or anchor itself.
                    number: 0,
                    heading: None,
                })
            };
            let page = entry.page.map(|p| p.to_string()).unwrap_or_default();
            Block::Columns(Columns {
                widths: vec![1.0 - PAGE_COLUMN, PAGE_COLUMN],
                cells: vec![
                    vec![paragraph(text_style, entry.text.clone())],
                    vec![paragraph(page_style, page)],
                ],
                keep_with_previous: false,
            })
        })
        .collect()
}

/// The outline: every listed heading and where its first line is.
fn bookmarks(
    headings: &[TocEntry],
    anchors: &std::collections::BTreeMap<usize, Anchor>,
) -> Vec<Bookmark> {
    headings
        .iter()
        .filter_map(|heading| {
            let anchor = anchors.get(&heading.paragraph)?;
            Some(Bookmark {
                level: heading.level,
                title: heading.text.clone(),
                page: anchor.page,
                top: (anchor.baseline - anchor.size).max(0.0),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::markup;
    use crate::template::Markup;

    fn resources() -> markup::Resources {
        let here = std::path::PathBuf::from(".");
        markup::Resources {
            base: here.clone(),
            root: here,
        }
    }

    fn document(text: &str) -> Document {
        markup::parse(
            &Markup {
                text: text.into(),
                template: "test".into(),
            },
            &resources(),
        )
        .unwrap()
    }

    #[test]
    fn entries_get_the_pages_their_headings_land_on() {
        let filler = "Đoạn văn bản dùng để lấp đầy trang. ".repeat(40);
        let mut markup = String::from("**MỤC LỤC**\n\n::: toc levels=3\n\n");
        for part in ["I", "II", "III"] {
            markup.push_str(&format!("## {part}. PHẦN\n\n### Mục con\n\n"));
            for _ in 0..6 {
                markup.push_str(&format!("{filler}\n\n"));
            }
        }
        let mut document = document(&markup);
        let fonts = FontBook::embedded();
        let (pages, bookmarks) = resolve(&mut document, &fonts).unwrap();
        let Block::Toc(toc) = &document.body[1] else {
            panic!("{:?}", document.body[1])
        };
        let anchors = layout::anchors(&pages);
        assert_eq!(toc.entries.len(), 6);
        for entry in &toc.entries {
            assert_eq!(
                entry.page,
                Some(anchors[&entry.paragraph].page),
                "{entry:?}"
            );
        }
        let pages_of_parts: Vec<usize> = toc
            .entries
            .iter()
            .filter(|e| e.level == 2)
            .filter_map(|e| e.page)
            .collect();
        assert!(
            pages_of_parts.windows(2).all(|w| w[0] < w[1]),
            "{pages_of_parts:?}"
        );
        // The numbers are printed: the entry's text and its page share a line.
        let text = layout::dump(&pages);
        let part_three = toc.entries.iter().find(|e| e.text == "III. PHẦN").unwrap();
        assert!(
            text.contains(&format!("\"{}\"", part_three.page.unwrap())),
            "{text}"
        );
        assert_eq!(bookmarks.len(), 6);
        assert_eq!(bookmarks[0].title, "I. PHẦN");
        assert_eq!(bookmarks[1].level, 3);
    }

    #[test]
    fn a_bad_depth_names_its_line() {
        let error = markup::parse(
            &Markup {
                text: "a\n\n::: toc levels=9\n".into(),
                template: "test".into(),
            },
            &resources(),
        )
        .unwrap_err()
        .to_string();
        assert!(error.contains("line 3: `levels=9`"), "{error}");
    }

    #[test]
    fn a_document_without_a_table_of_contents_has_no_outline() {
        let mut document = document("## I. PHẦN\n\nNội dung.\n");
        let (pages, bookmarks) = resolve(&mut document, &FontBook::embedded()).unwrap();
        assert_eq!(pages.len(), 1);
        assert!(bookmarks.is_empty());
    }
}
