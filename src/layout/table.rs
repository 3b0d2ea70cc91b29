//! Tables: column widths, rows laid out cell by cell, rows cut across pages, borders.

use std::sync::Arc;

use super::{stack, Frame, Item, Node, RuleItem, TableShape};
use crate::fonts::FontBook;
use crate::model::{Block, ColumnWidth, Table, TableRow, CELL_PADDING_X, CELL_PADDING_Y};

/// Border thickness in points (Word's default single border, ½ pt).
const BORDER: f32 = 0.5;

/// The width of each column in points: fixed and percentage widths as given, automatic ones
/// from their content (each gets what its widest line needs when everything fits, else its
/// widest word plus a share of the rest), scaled down when the fixed ones overflow.
pub fn column_widths(table: &Table, width: f32, fonts: &FontBook) -> Vec<f32> {
    let count = table.columns.len();
    let mut widths: Vec<f32> = table
        .columns
        .iter()
        .map(|c| match c {
            ColumnWidth::Fixed(w) => *w,
            ColumnWidth::Share(share) => share * width,
            ColumnWidth::Auto => 0.0,
        })
        .collect();
    let given: f32 = widths.iter().sum();
    if given > width {
        let scale = width / given;
        widths.iter_mut().for_each(|w| *w *= scale);
    }
    let autos: Vec<usize> = (0..count)
        .filter(|&i| table.columns[i] == ColumnWidth::Auto)
        .collect();
    if autos.is_empty() {
        return widths;
    }
    let left = (width - widths.iter().sum::<f32>()).max(0.0);
    // Content widths of the single-column cells of each automatic column.
    let mut min = vec![2.0 * CELL_PADDING_X + 12.0; count];
    let mut max = min.clone();
    for row in &table.rows {
        let mut column = 0;
        for cell in &row.cells {
            if cell.span == 1 && column < count && table.columns[column] == ColumnWidth::Auto {
                let (low, high) = content_widths(&cell.blocks, fonts);
                min[column] = min[column].max(low + 2.0 * CELL_PADDING_X);
                max[column] = max[column].max(high + 2.0 * CELL_PADDING_X);
            }
            column += cell.span;
        }
    }
    let max_total: f32 = autos.iter().map(|&i| max[i]).sum();
    let min_total: f32 = autos.iter().map(|&i| min[i]).sum();
    for &i in &autos {
        widths[i] = if max_total <= left {
            // Everything fits on one line: share out the spare room in proportion.
            max[i] + (left - max_total) * max[i] / max_total
        } else if min_total <= left {
            let flexible = max_total - min_total;
            min[i] + (left - min_total) * (max[i] - min[i]) / flexible.max(0.001)
        } else {
            left * min[i] / min_total
        };
    }
    widths
}

/// The narrowest and widest a cell's content can be set: its widest word, its widest line.
fn content_widths(blocks: &[Block], fonts: &FontBook) -> (f32, f32) {
    let mut low: f32 = 0.0;
    let mut high: f32 = 0.0;
    for block in blocks {
        if let Block::Paragraph(paragraph) = block {
            let style = &paragraph.style;
            let indent = style.left_indent + style.first_indent.max(0.0);
            high = high.max(super::widest_line(paragraph, f32::MAX / 4.0, fonts) + indent);
            for inline in &paragraph.inlines {
                if let crate::model::Inline::Text(run) = inline {
                    for word in run.text.split_whitespace() {
                        low = low.max(fonts.measure(word, &run.style) + indent);
                    }
                }
            }
        }
    }
    (low, high.max(low))
}

/// A row laid out: each cell's content frame at its column position.
#[derive(Debug, Clone)]
pub struct RowFrame {
    /// `(x, width, content)` of each cell; content starts at the cell's padding.
    cells: Vec<(f32, f32, Frame)>,
    /// The row's height with padding.
    pub height: f32,
}

/// The table's element in the document's structure: its identity and its whole shape.
pub fn node(table: &Table) -> Node {
    let mut key = 0;
    for cell in table.rows.iter().flat_map(|row| &row.cells) {
        super::visit_paragraphs(&cell.blocks, &mut |p| {
            if key == 0 {
                key = p.number;
            }
        });
    }
    Node::Table {
        key,
        shape: Arc::new(TableShape {
            header_rows: table.header_rows,
            rows: table
                .rows
                .iter()
                .map(|row| row.cells.iter().map(|cell| cell.span).collect())
                .collect(),
        }),
    }
}

/// Lays out row `index` of the table whose element is `table` in the given column widths.
pub fn row_frame(
    row: &TableRow,
    index: usize,
    table: &Node,
    widths: &[f32],
    fonts: &FontBook,
    page: usize,
) -> RowFrame {
    let mut cells = Vec::new();
    let mut x = 0.0;
    let mut column = 0;
    for (cell_index, cell) in row.cells.iter().enumerate() {
        let end = (column + cell.span).min(widths.len());
        let width: f32 = widths[column.min(widths.len())..end].iter().sum();
        let mut content = stack(
            &cell.blocks,
            (width - 2.0 * CELL_PADDING_X).max(1.0),
            fonts,
            page,
        );
        let path = [table.clone(), Node::Row(index), Node::Cell(cell_index)];
        for item in &mut content.items {
            item.nest(&path);
        }
        cells.push((x, width, content));
        x += width;
        column = end;
    }
    let height = cells.iter().map(|c| c.2.height).fold(0.0, f32::max) + 2.0 * CELL_PADDING_Y;
    RowFrame { cells, height }
}

impl RowFrame {
    /// Cuts the row so that its first part is at most `room` high, between lines of its cells.
    /// Returns `None` for the first part when not even one line fits.
    pub fn split(self, room: f32) -> (Option<RowFrame>, RowFrame) {
        let limit = room - 2.0 * CELL_PADDING_Y;
        let mut firsts = Vec::new();
        let mut rests = Vec::new();
        let mut any = false;
        for (x, width, content) in self.cells {
            let cut = content
                .breaks
                .iter()
                .copied()
                .filter(|b| *b <= limit + 0.01)
                .fold(0.0, f32::max);
            any |= cut > 0.0;
            let (first, rest) = cut_frame(content, cut);
            firsts.push((x, width, first));
            rests.push((x, width, rest));
        }
        let measure = |cells: Vec<(f32, f32, Frame)>| {
            let height =
                cells.iter().map(|c| c.2.height).fold(0.0, f32::max) + 2.0 * CELL_PADDING_Y;
            RowFrame { cells, height }
        };
        let rest = measure(rests);
        if any {
            (Some(measure(firsts)), rest)
        } else {
            (None, rest)
        }
    }

    /// The row as a frame with its borders.
    pub fn into_frame(self, borders: bool, widths: &[f32]) -> Frame {
        let mut frame = Frame {
            height: self.height,
            ..Frame::default()
        };
        let edges = self.cells_edges();
        for (x, _, content) in self.cells {
            for mut item in content.items {
                item.translate(x + CELL_PADDING_X, CELL_PADDING_Y);
                frame.items.push(item);
            }
        }
        if borders {
            let total: f32 = widths.iter().sum();
            for y in [0.0, self.height - BORDER] {
                frame.items.push(Item::Rule(RuleItem {
                    x: 0.0,
                    y,
                    width: total,
                    height: BORDER,
                }));
            }
            for x in std::iter::once(0.0).chain(edges) {
                frame.items.push(Item::Rule(RuleItem {
                    x: (x - BORDER / 2.0).clamp(0.0, total - BORDER),
                    y: 0.0,
                    width: BORDER,
                    height: self.height,
                }));
            }
        }
        frame
    }

    fn cells_edges(&self) -> Vec<f32> {
        self.cells.iter().map(|(x, width, _)| x + width).collect()
    }
}

/// Splits a frame at height `cut`: what lies above goes first, the rest moves up.
fn cut_frame(frame: Frame, cut: f32) -> (Frame, Frame) {
    let mut first = Frame {
        height: cut,
        ..Frame::default()
    };
    let mut rest = Frame {
        height: (frame.height - cut).max(0.0),
        ..Frame::default()
    };
    for mut item in frame.items {
        if item.top() < cut - 0.01 {
            first.items.push(item);
        } else {
            item.translate(0.0, -cut);
            rest.items.push(item);
        }
    }
    first.breaks = frame.breaks.iter().copied().filter(|b| *b <= cut).collect();
    rest.breaks = frame
        .breaks
        .iter()
        .filter(|b| **b > cut)
        .map(|b| b - cut)
        .collect();
    (first, rest)
}

/// A whole table as one frame, for places that do not paginate (inside columns).
pub fn whole(table: &Table, width: f32, fonts: &FontBook, page: usize) -> Frame {
    let widths = column_widths(table, width, fonts);
    let node = node(table);
    let mut frame = Frame::default();
    for (index, row) in table.rows.iter().enumerate() {
        let inner =
            row_frame(row, index, &node, &widths, fonts, page).into_frame(table.borders, &widths);
        for mut item in inner.items {
            item.translate(0.0, frame.height);
            frame.items.push(item);
        }
        frame.height += inner.height;
        frame.breaks.push(frame.height);
    }
    frame
}

/// What a table needs on the page of a heading before it: its header rows and first row.
pub fn opening_height(table: &Table, width: f32, fonts: &FontBook, page: usize) -> f32 {
    let widths = column_widths(table, width, fonts);
    let node = node(table);
    table
        .rows
        .iter()
        .take(table.header_rows + 1)
        .enumerate()
        .map(|(index, row)| row_frame(row, index, &node, &widths, fonts, page).height)
        .sum()
}
