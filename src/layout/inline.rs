//! A paragraph into lines: collect the text, shape it, break it, build the lines.
//!
//! Break opportunities follow UAX #14 (no line starts with `:`, `;`, `)` …); Vietnamese is not
//! hyphenated, it breaks between syllables at the spaces. Justified text is broken with
//! Knuth–Plass (the least total badness over the whole paragraph) and justified by widening
//! the spaces only, as Word does; other alignments break first-fit, as Word does. A word wider
//! than the line is cut between characters rather than run into the margin.

use std::ops::Range;

use unicode_linebreak::{linebreaks, BreakOpportunity};

use super::frame::{Node, PlacedGlyph, Role, TextItem};
use crate::fonts::{Face4, FontBook, ShapedGlyph};
use crate::model::{Align, Inline, Paragraph, TextStyle};

/// One line of a paragraph, positioned relative to its column's left edge and its own baseline.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    /// The runs of the line, `y` = 0 on the baseline.
    pub items: Vec<TextItem>,
    /// Height above the baseline.
    pub ascent: f32,
    /// The line's full height (the distance to the next line's top).
    pub height: f32,
    /// The natural width of its content, without indents and justification.
    pub width: f32,
    /// Underlines under the line's underlined runs.
    pub underlines: Vec<Underline>,
}

/// An underline, positioned relative to its line's left edge and baseline.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Underline {
    /// Left end.
    pub x: f32,
    /// Length.
    pub width: f32,
    /// Distance of its centre below the baseline.
    pub below: f32,
    /// Thickness.
    pub thickness: f32,
}

/// How far a justified line's spaces may widen (as a multiple of their width) before the
/// break is refused; past this no break sequence is feasible and first-fit takes over.
const TOLERANCE: f32 = 3.0;
/// The cost of a break that has no space (after a hyphen or slash), to prefer spaces.
const NO_SPACE_PENALTY: f32 = 50.0;
/// The cost of every line, which makes Knuth–Plass prefer fewer lines.
const LINE_PENALTY: f32 = 10.0;

#[derive(Debug, Clone)]
struct Piece {
    range: Range<usize>,
    style: TextStyle,
    glyphs: Vec<ShapedGlyph>,
    width: f32,
}

#[derive(Debug, Clone, Default)]
struct Segment {
    pieces: Vec<Piece>,
    word: f32,
    space: Option<Piece>,
    forced: bool,
}

impl Segment {
    fn space_width(&self) -> f32 {
        self.space.as_ref().map_or(0.0, |s| s.width)
    }
}

/// Lays a paragraph into lines of the given width. `page` fills page-number fields.
pub fn lay_out(paragraph: &Paragraph, width: f32, fonts: &FontBook, page: usize) -> Vec<Line> {
    let style = &paragraph.style;
    let (text, spans, base) = collect(&paragraph.inlines, page);
    let first = (width - style.left_indent - style.first_indent).max(1.0);
    let rest = (width - style.left_indent).max(1.0);
    let segments = segment(&text, &spans, fonts, rest.min(first));
    let breaks = if style.align == Align::Justify {
        knuth_plass(&segments, first, rest).unwrap_or_else(|| first_fit(&segments, first, rest))
    } else {
        first_fit(&segments, first, rest)
    };
    // Every run of the paragraph is read as part of its one element; callers put that inside
    // a table cell or a figure, or make it page furniture.
    let role = Role::content(Node::of_paragraph(paragraph));
    let mut lines = Vec::with_capacity(breaks.len());
    let mut start = 0;
    for (index, &end) in breaks.iter().enumerate() {
        let available = if index == 0 { first } else { rest };
        let indent = style.left_indent + if index == 0 { style.first_indent } else { 0.0 };
        let last = end == segments.len() || segments[end - 1].forced;
        lines.push(build_line(
            &text,
            &segments[start..end],
            available,
            indent,
            style.align,
            last,
            paragraph,
            fonts,
            base,
            &role,
        ));
        start = end;
    }
    lines
}

/// Puts the paragraph's text in one string (a `\n` for each line break) with its style spans.
fn collect(inlines: &[Inline], page: usize) -> (String, Vec<(Range<usize>, TextStyle)>, TextStyle) {
    let mut text = String::new();
    let mut spans: Vec<(Range<usize>, TextStyle)> = Vec::new();
    let mut last = None;
    for inline in inlines {
        let (piece, style) = match inline {
            Inline::Text(run) => (run.text.clone(), run.style),
            Inline::PageNumber(style) => (page.to_string(), *style),
            Inline::LineBreak => {
                let style = last.unwrap_or(TextStyle {
                    size: 14.0,
                    bold: false,
                    italic: false,
                    underline: false,
                });
                ("\n".to_string(), style)
            }
        };
        let start = text.len();
        text.push_str(&piece);
        spans.push((start..text.len(), style));
        last = Some(style);
    }
    let base = spans.first().map(|s| s.1).unwrap_or(TextStyle {
        size: 14.0,
        bold: false,
        italic: false,
        underline: false,
    });
    (text, spans, base)
}

/// Splits the text at its break opportunities and shapes each piece.
fn segment(
    text: &str,
    spans: &[(Range<usize>, TextStyle)],
    fonts: &FontBook,
    narrowest: f32,
) -> Vec<Segment> {
    let mut segments = Vec::new();
    let mut start = 0;
    for (end, opportunity) in linebreaks(text) {
        let chunk = &text[start..end];
        let forced = opportunity == BreakOpportunity::Mandatory && chunk.ends_with('\n');
        let content = chunk.trim_end_matches(['\n', ' ']);
        let word_end = start + content.len();
        let space_end = start + chunk.trim_end_matches('\n').len();
        let mut segment = Segment {
            pieces: shape_range(text, spans, start..word_end, fonts),
            forced,
            ..Segment::default()
        };
        segment.word = segment.pieces.iter().map(|p| p.width).sum();
        if space_end > word_end {
            segment.space = shape_range(text, spans, word_end..space_end, fonts)
                .into_iter()
                .next();
        }
        if segment.word > narrowest {
            segments.extend(split_wide(segment, narrowest));
        } else {
            segments.push(segment);
        }
        start = end;
    }
    segments
}

fn shape_range(
    text: &str,
    spans: &[(Range<usize>, TextStyle)],
    range: Range<usize>,
    fonts: &FontBook,
) -> Vec<Piece> {
    let mut pieces = Vec::new();
    for (span, style) in spans {
        let start = span.start.max(range.start);
        let end = span.end.min(range.end);
        if start >= end {
            continue;
        }
        let glyphs: Vec<ShapedGlyph> = fonts
            .shape(Face4::of(style), &text[start..end])
            .into_iter()
            .map(|g| ShapedGlyph {
                cluster: g.cluster + start,
                ..g
            })
            .collect();
        let width = glyphs.iter().map(|g| g.advance).sum::<f32>() * style.size;
        pieces.push(Piece {
            range: start..end,
            style: *style,
            glyphs,
            width,
        });
    }
    pieces
}

/// Cuts a word wider than the line between clusters into parts that fit.
fn split_wide(segment: Segment, width: f32) -> Vec<Segment> {
    let word_end = segment.pieces.last().map_or(0, |p| p.range.end);
    let mut parts: Vec<Segment> = Vec::new();
    let mut current = Segment::default();
    for piece in segment.pieces {
        let mut i = 0;
        while i < piece.glyphs.len() {
            let cluster = piece.glyphs[i].cluster;
            let mut j = i + 1;
            while j < piece.glyphs.len() && piece.glyphs[j].cluster == cluster {
                j += 1;
            }
            let advance =
                piece.glyphs[i..j].iter().map(|g| g.advance).sum::<f32>() * piece.style.size;
            if current.word > 0.0 && current.word + advance > width {
                parts.push(std::mem::take(&mut current));
            }
            match current.pieces.last_mut() {
                Some(last) if last.style == piece.style => {
                    last.glyphs.extend_from_slice(&piece.glyphs[i..j]);
                    last.width += advance;
                }
                _ => current.pieces.push(Piece {
                    range: cluster..cluster,
                    style: piece.style,
                    glyphs: piece.glyphs[i..j].to_vec(),
                    width: advance,
                }),
            }
            current.word += advance;
            i = j;
        }
    }
    current.space = segment.space;
    current.forced = segment.forced;
    parts.push(current);
    // Each piece's text runs from its first cluster to the next piece's first cluster.
    let starts: Vec<usize> = parts
        .iter()
        .flat_map(|p| p.pieces.iter().map(|x| x.range.start))
        .collect();
    let mut index = 0;
    for part in &mut parts {
        for piece in &mut part.pieces {
            let end = starts.get(index + 1).copied().unwrap_or(word_end);
            piece.range = piece.range.start..end;
            index += 1;
        }
    }
    parts
}

/// Optimal breaks for justified text: the line ends (segment indices, exclusive) with the least
/// total demerits, or `None` when no sequence keeps every line's spaces within [`TOLERANCE`].
fn knuth_plass(segments: &[Segment], first: f32, rest: f32) -> Option<Vec<usize>> {
    let n = segments.len();
    if n == 0 {
        return Some(Vec::new());
    }
    let mut best = vec![f32::INFINITY; n + 1];
    let mut from = vec![0usize; n + 1];
    best[0] = 0.0;
    for end in 1..=n {
        let last = end == n || segments[end - 1].forced;
        let mut natural = 0.0;
        let mut stretch = 0.0;
        for start in (0..end).rev() {
            let segment = &segments[start];
            if start < end - 1 {
                if segment.forced {
                    break;
                }
                natural += segment.space_width();
                stretch += segment.space_width();
            }
            natural += segment.word;
            let available = if start == 0 { first } else { rest };
            if natural > available + 0.01 {
                break;
            }
            if !best[start].is_finite() {
                continue;
            }
            let badness = if last {
                0.0
            } else if stretch <= 0.0 {
                // One word alone on a justified line: legal, but only as a last resort.
                10_000.0
            } else {
                let ratio = (available - natural) / stretch;
                if ratio > TOLERANCE {
                    continue;
                }
                100.0 * ratio.powi(3)
            };
            let penalty = if !last && segments[end - 1].space.is_none() {
                NO_SPACE_PENALTY
            } else {
                0.0
            };
            let demerits = (LINE_PENALTY + badness).powi(2) + penalty * penalty;
            if best[start] + demerits < best[end] {
                best[end] = best[start] + demerits;
                from[end] = start;
            }
        }
    }
    if !best[n].is_finite() {
        return None;
    }
    let mut breaks = Vec::new();
    let mut end = n;
    while end > 0 {
        breaks.push(end);
        end = from[end];
    }
    breaks.reverse();
    Some(breaks)
}

/// First-fit breaks: as many segments on each line as fit.
fn first_fit(segments: &[Segment], first: f32, rest: f32) -> Vec<usize> {
    let mut breaks = Vec::new();
    let mut used = 0.0;
    let mut count = 0;
    for (index, segment) in segments.iter().enumerate() {
        let available = if breaks.is_empty() { first } else { rest };
        let previous_space = if count > 0 {
            segments[index - 1].space_width()
        } else {
            0.0
        };
        if count > 0 && used + previous_space + segment.word > available + 0.01 {
            breaks.push(index);
            used = 0.0;
            count = 0;
        }
        used += if count > 0 {
            segments[index - 1].space_width()
        } else {
            0.0
        } + segment.word;
        count += 1;
        if segment.forced {
            breaks.push(index + 1);
            used = 0.0;
            count = 0;
        }
    }
    if breaks.last() != Some(&segments.len()) {
        breaks.push(segments.len());
    }
    breaks
}

#[allow(clippy::too_many_arguments)]
fn build_line(
    text: &str,
    segments: &[Segment],
    available: f32,
    indent: f32,
    align: Align,
    last: bool,
    paragraph: &Paragraph,
    fonts: &FontBook,
    base: TextStyle,
    role: &Role,
) -> Line {
    let count = segments.len();
    let inner_spaces: Vec<&Piece> = segments[..count.saturating_sub(1)]
        .iter()
        .filter_map(|s| s.space.as_ref())
        .collect();
    let natural: f32 = segments.iter().map(|s| s.word).sum::<f32>()
        + inner_spaces.iter().map(|s| s.width).sum::<f32>();
    let slack = available - natural;
    let (offset, extra) = match align {
        Align::Justify if !last && !inner_spaces.is_empty() && slack > 0.0 => {
            (0.0, slack / inner_spaces.len() as f32)
        }
        Align::Center => (slack.max(0.0) / 2.0, 0.0),
        Align::Right => (slack.max(0.0), 0.0),
        _ => (0.0, 0.0),
    };
    let mut items: Vec<TextItem> = Vec::new();
    let mut underlines: Vec<Underline> = Vec::new();
    let mut x = indent + offset;
    let mut place = |piece: &Piece, extra: f32, items: &mut Vec<TextItem>| {
        let face = Face4::of(&piece.style);
        if piece.style.underline {
            let metrics = fonts.underline(face);
            let line = Underline {
                x,
                width: piece.width + extra,
                below: metrics.offset * piece.style.size,
                thickness: metrics.thickness * piece.style.size,
            };
            // Consecutive underlined pieces (words and the spaces between) make one line.
            match underlines.last_mut() {
                Some(last)
                    if (last.x + last.width - x).abs() < 0.01
                        && (last.below - line.below).abs() < 0.01 =>
                {
                    last.width += line.width;
                    last.thickness = last.thickness.max(line.thickness);
                }
                _ => underlines.push(line),
            }
        }
        let joins = items
            .last()
            .is_some_and(|item| item.face == face && item.size == piece.style.size);
        if !joins {
            items.push(TextItem {
                x,
                y: 0.0,
                face,
                size: piece.style.size,
                glyphs: Vec::new(),
                text: String::new(),
                paragraph: paragraph.number,
                role: role.clone(),
            });
        }
        let item = items.last_mut().expect("an item was just ensured");
        let base_offset = item.text.len();
        item.text.push_str(&text[piece.range.clone()]);
        let glyph_count = piece.glyphs.len();
        for (i, glyph) in piece.glyphs.iter().enumerate() {
            // A cluster ends where the next different cluster starts (or at the piece's end).
            let end = piece.glyphs[i + 1..]
                .iter()
                .map(|g| g.cluster)
                .find(|&c| c > glyph.cluster)
                .unwrap_or(piece.range.end);
            let start = glyph.cluster.max(piece.range.start);
            let mut advance = glyph.advance;
            if i + 1 == glyph_count && extra > 0.0 {
                advance += extra / piece.style.size;
            }
            item.glyphs.push(PlacedGlyph {
                id: glyph.id,
                advance,
                x_offset: glyph.x_offset,
                y_offset: glyph.y_offset,
                text_range: base_offset + start - piece.range.start
                    ..base_offset + end.max(start) - piece.range.start,
            });
        }
        x += piece.width + extra;
    };
    for (index, segment) in segments.iter().enumerate() {
        for piece in &segment.pieces {
            place(piece, 0.0, &mut items);
        }
        if index + 1 < count {
            if let Some(space) = &segment.space {
                place(space, extra, &mut items);
            }
        }
    }
    let spacing = paragraph.style.line_spacing;
    let mut ascent: f32 = 0.0;
    let mut height: f32 = 0.0;
    let styles = segments
        .iter()
        .flat_map(|s| s.pieces.iter().map(|p| p.style));
    let mut any = false;
    for style in styles.chain((!segments.iter().any(|s| !s.pieces.is_empty())).then_some(base)) {
        any = true;
        let metrics = fonts.vertical(Face4::of(&style));
        ascent = ascent.max(metrics.ascender * style.size);
        height = height.max(metrics.line_height() * style.size);
    }
    if !any {
        let metrics = fonts.vertical(Face4::of(&base));
        ascent = metrics.ascender * base.size;
        height = metrics.line_height() * base.size;
    }
    // Extra line spacing goes above the text, as in Word's "multiple" spacing; an exact line
    // height does the same with a fixed total.
    let spaced = paragraph.style.line_height.unwrap_or(height * spacing);
    Line {
        items,
        ascent: ascent + (spaced - height),
        height: spaced,
        width: natural,
        underlines,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paragraph(text: &str, align: Align) -> Paragraph {
        Paragraph::plain(text, align, 36.0, 6.0)
    }

    fn line_text(line: &Line) -> String {
        line.items.iter().map(|i| i.text.as_str()).collect()
    }

    fn right_edge(line: &Line) -> f32 {
        let last = line.items.last().unwrap();
        last.x + last.width()
    }

    #[test]
    fn justified_lines_reach_the_margin_exactly() {
        let fonts = FontBook::embedded();
        let text = "Năm 2017 và quý I năm 2018, hoạt động thông tin đối ngoại trên địa bàn tỉnh tiếp tục được triển khai thực hiện với các nội dung, hình thức phong phú, như: Tuyên truyền chủ trương, đường lối đối ngoại và hoạt động đối ngoại của lãnh đạo Đảng, Nhà nước, lãnh đạo tỉnh.";
        let lines = lay_out(&paragraph(text, Align::Justify), 467.7, &fonts, 1);
        assert!(lines.len() >= 3);
        for line in &lines[..lines.len() - 1] {
            assert!(
                (right_edge(line) - 467.7).abs() < 0.01,
                "{}",
                right_edge(line)
            );
        }
        let joined: Vec<String> = lines.iter().map(line_text).collect();
        assert_eq!(joined.join(" "), text);
    }

    #[test]
    fn no_line_starts_with_closing_punctuation() {
        let fonts = FontBook::embedded();
        let text = "tỉnh ; tỉnh : tỉnh ) ".repeat(40);
        for line in lay_out(&paragraph(text.trim(), Align::Justify), 300.0, &fonts, 1) {
            let t = line_text(&line);
            assert!(!t.starts_with([';', ':', ')']), "{t:?}");
        }
    }

    #[test]
    fn a_word_wider_than_the_line_is_cut_not_overflowed() {
        let fonts = FontBook::embedded();
        let text = "x".repeat(300);
        let lines = lay_out(&paragraph(&text, Align::Justify), 200.0, &fonts, 1);
        assert!(lines.len() > 1);
        for line in &lines {
            assert!(right_edge(line) <= 200.01, "{}", right_edge(line));
        }
        assert_eq!(lines.iter().map(line_text).collect::<String>(), text);
    }
}
