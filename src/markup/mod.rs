//! Markup into the document model: CommonMark plus the block directives of [`directives`].
//!
//! Every style is resolved here (the containers' attributes over the body defaults), so layout
//! and the DOCX writer read finished values. The markup reference is `docs/markup.md`.

pub mod directives;

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};

use crate::error::{Error, Result};
use crate::model::{
    mm, Align, Block, Columns, Document, Inline, Metadata, PageSetup, Paragraph, ParagraphStyle,
    Rule, RuleLength, TextRun, TextStyle, Toc,
};
use crate::template::Markup;
use directives::{parse_length, parse_percent, Container, Directive, Node};

/// The style in force at a point of the markup.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Context {
    paragraph: ParagraphStyle,
    text: TextStyle,
}

impl Context {
    /// Body text under NĐ 30: 14 pt, justified, first line indented 1.27 cm, 6 pt after.
    fn body() -> Self {
        Context {
            paragraph: ParagraphStyle {
                align: Align::Justify,
                first_indent: mm(12.7),
                left_indent: 0.0,
                space_before: 0.0,
                space_after: 6.0,
                line_spacing: 1.0,
                keep_with_next: false,
            },
            text: TextStyle {
                size: 14.0,
                bold: false,
                italic: false,
            },
        }
    }
}

/// Parses the markup a template wrote into a document.
pub fn parse(markup: &Markup) -> Result<Document> {
    let nodes = directives::split(&markup.text).map_err(|(line, message)| Error::Markup {
        template: markup.template.clone(),
        line,
        message,
    })?;
    let mut builder = Builder {
        template: &markup.template,
        paragraphs: 0,
        in_header: false,
        header: None,
        first_header: None,
    };
    let mut body = Vec::new();
    builder.nodes(&nodes, Context::body(), &mut body, true)?;
    Ok(Document {
        page: PageSetup::a4_nd30(),
        meta: Metadata::default(),
        first_header: builder.first_header.unwrap_or_default(),
        header: builder.header.unwrap_or_default(),
        body,
    })
}

struct Builder<'a> {
    template: &'a str,
    paragraphs: usize,
    in_header: bool,
    header: Option<Vec<Block>>,
    first_header: Option<Vec<Block>>,
}

impl Builder<'_> {
    fn error(&self, line: usize, message: impl Into<String>) -> Error {
        Error::Markup {
            template: self.template.to_string(),
            line,
            message: message.into(),
        }
    }

    fn nodes(
        &mut self,
        nodes: &[Node],
        ctx: Context,
        out: &mut Vec<Block>,
        top: bool,
    ) -> Result<()> {
        for node in nodes {
            match node {
                Node::Markdown(text, line) => self.markdown(text, *line, ctx, out)?,
                Node::Leaf(directive) => out.push(self.leaf(directive, ctx)?),
                Node::Container(container) => self.container(container, ctx, out, top)?,
            }
        }
        Ok(())
    }

    fn container(
        &mut self,
        container: &Container,
        ctx: Context,
        out: &mut Vec<Block>,
        top: bool,
    ) -> Result<()> {
        let directive = &container.directive;
        let (ctx, positional) = self.apply(directive, ctx)?;
        match directive.name.as_str() {
            "style" => self.nodes(&container.parts[0], ctx, out, top),
            "keep" => {
                let mut blocks = Vec::new();
                self.nodes(&container.parts[0], ctx, &mut blocks, false)?;
                out.push(Block::Keep(blocks));
                Ok(())
            }
            "header" | "first-header" => {
                if !top {
                    return Err(self.error(
                        directive.line,
                        "a page header belongs at the top level, not inside another directive",
                    ));
                }
                let mut blocks = Vec::new();
                // Paragraphs of a header are not the document's paragraphs: they get number 0.
                self.in_header = true;
                self.nodes(&container.parts[0], ctx, &mut blocks, false)?;
                self.in_header = false;
                let slot = if directive.name == "header" {
                    &mut self.header
                } else {
                    &mut self.first_header
                };
                *slot = Some(blocks);
                Ok(())
            }
            "columns" => {
                let mut widths = Vec::new();
                let keep_with_previous = positional.iter().any(|w| w == "keep-prev");
                for word in positional.iter().filter(|w| *w != "keep-prev") {
                    widths.push(parse_percent(word).ok_or_else(|| {
                        self.error(
                            directive.line,
                            format!("column width `{word}` is not a percentage like 40%"),
                        )
                    })?);
                }
                if widths.is_empty() {
                    widths = vec![1.0 / container.parts.len() as f32; container.parts.len()];
                }
                if widths.len() != container.parts.len() {
                    return Err(self.error(
                        directive.line,
                        format!(
                            "{} column widths but {} columns (separate columns with `::: next`)",
                            widths.len(),
                            container.parts.len()
                        ),
                    ));
                }
                let total: f32 = widths.iter().sum();
                if total > 1.001 {
                    return Err(
                        self.error(directive.line, "the column widths add up to more than 100%")
                    );
                }
                let widths = widths.iter().map(|w| w / total).collect();
                let mut cells = Vec::new();
                for part in &container.parts {
                    let mut blocks = Vec::new();
                    self.nodes(part, ctx, &mut blocks, false)?;
                    cells.push(blocks);
                }
                out.push(Block::Columns(Columns {
                    widths,
                    cells,
                    keep_with_previous,
                }));
                Ok(())
            }
            other => Err(self.error(directive.line, format!("`{other}` is not a container"))),
        }
    }

    /// Applies `key=value` attributes and flags; returns the other bare words.
    fn apply(&self, directive: &Directive, mut ctx: Context) -> Result<(Context, Vec<String>)> {
        let mut positional = Vec::new();
        let line = directive.line;
        for word in &directive.args {
            let length = |value: &str| {
                parse_length(value).ok_or_else(|| {
                    self.error(
                        line,
                        format!("`{value}` is not a length like 6pt, 1.27cm or 20mm"),
                    )
                })
            };
            let p = &mut ctx.paragraph;
            match word.split_once('=') {
                Some(("align", value)) => {
                    p.align = match value {
                        "left" => Align::Left,
                        "center" | "centre" => Align::Center,
                        "right" => Align::Right,
                        "justify" => Align::Justify,
                        _ => {
                            return Err(self.error(
                                line,
                                format!("align=`{value}`: use left, center, right or justify"),
                            ))
                        }
                    }
                }
                Some(("size", value)) => {
                    ctx.text.size = value
                        .trim_end_matches("pt")
                        .parse::<f32>()
                        .ok()
                        .filter(|s| (4.0..=96.0).contains(s))
                        .ok_or_else(|| {
                            self.error(
                                line,
                                format!("size=`{value}`: give a size in points from 4 to 96"),
                            )
                        })?
                }
                Some(("indent", value)) => p.first_indent = length(value)?,
                Some(("left", value)) => p.left_indent = length(value)?,
                Some(("before", value)) => p.space_before = length(value)?,
                Some(("after", value)) => p.space_after = length(value)?,
                Some(("spacing", value)) => {
                    p.line_spacing = value
                        .parse::<f32>()
                        .ok()
                        .filter(|s| (0.5..=3.0).contains(s))
                        .ok_or_else(|| {
                            self.error(
                                line,
                                format!(
                                "spacing=`{value}`: give a multiple of single spacing, 1 to 1.5"
                            ),
                            )
                        })?
                }
                Some((key, _))
                    if (directive.name == "rule" && matches!(key, "length" | "thickness"))
                        || (directive.name == "toc" && key == "levels") =>
                {
                    positional.push(word.clone())
                }
                Some((key, _)) => {
                    return Err(self.error(line, format!("unknown attribute `{key}`")))
                }
                None => match word.as_str() {
                    "bold" => ctx.text.bold = true,
                    "regular" => ctx.text.bold = false,
                    "italic" => ctx.text.italic = true,
                    "upright" => ctx.text.italic = false,
                    "keep-next" => p.keep_with_next = true,
                    _ => positional.push(word.clone()),
                },
            }
        }
        Ok((ctx, positional))
    }

    fn leaf(&self, directive: &Directive, ctx: Context) -> Result<Block> {
        let line = directive.line;
        match directive.name.as_str() {
            "page-break" => Ok(Block::PageBreak),
            "toc" => {
                let (own, words) = self.apply(directive, ctx)?;
                let mut depth = 2;
                for word in words {
                    depth = word
                        .strip_prefix("levels=")
                        .and_then(|n| n.parse::<u8>().ok())
                        .filter(|n| (1..=6).contains(n))
                        .ok_or_else(|| {
                            self.error(line, format!("`{word}`: a table of contents takes levels=1 … 6 (the deepest heading listed)"))
                        })?;
                }
                Ok(Block::Toc(Toc {
                    depth,
                    style: own.paragraph,
                    text: own.text,
                    entries: Vec::new(),
                    blocks: Vec::new(),
                }))
            }
            "space" => {
                let [height] = directive.args.as_slice() else {
                    return Err(
                        self.error(line, "`::: space` takes one length, like `::: space 12pt`")
                    );
                };
                parse_length(height).map(Block::Space).ok_or_else(|| {
                    self.error(line, format!("`{height}` is not a length like 12pt"))
                })
            }
            "rule" => {
                let mut rule = Rule {
                    length: RuleLength::OfText(1.0),
                    thickness: 0.5,
                    space_before: 1.0,
                    space_after: 3.0,
                };
                // A rule's own before= and after= replace its small default gaps.
                let mut defaults = ctx;
                defaults.paragraph.space_before = rule.space_before;
                defaults.paragraph.space_after = rule.space_after;
                let (own, words) = self.apply(directive, defaults)?;
                rule.space_before = own.paragraph.space_before;
                rule.space_after = own.paragraph.space_after;
                for word in words {
                    match word.split_once('=') {
                        Some(("length", value)) => rule.length = parse_rule_length(value).ok_or_else(|| {
                            self.error(line, format!("length=`{value}`: use text, 40%text, 50% (of the column) or 30mm"))
                        })?,
                        Some(("thickness", value)) => {
                            rule.thickness = parse_length(value).filter(|t| *t > 0.0 && *t <= 5.0).ok_or_else(|| {
                                self.error(line, format!("thickness=`{value}`: give a length like 0.5pt"))
                            })?
                        }
                        _ => return Err(self.error(line, format!("`{word}`: a rule takes length= and thickness="))),
                    }
                }
                Ok(Block::Rule(rule))
            }
            other => Err(self.error(line, format!("`{other}` needs content and a closing `:::`"))),
        }
    }

    fn markdown(
        &mut self,
        text: &str,
        first_line: usize,
        ctx: Context,
        out: &mut Vec<Block>,
    ) -> Result<()> {
        let mut state = Inlines::default();
        let mut current: Option<(ParagraphStyle, Option<u8>)> = None;
        let mut lists: Vec<Option<u64>> = Vec::new();
        let mut quotes = 0usize;
        let mut code = false;
        let style_for = |quotes: usize, lists: usize| {
            let mut p = ctx.paragraph;
            p.left_indent += mm(10.0) * quotes as f32 + mm(7.5) * lists.saturating_sub(1) as f32;
            p
        };
        for (event, range) in Parser::new_ext(text, Options::empty()).into_offset_iter() {
            let line = first_line + text[..range.start].matches('\n').count();
            match event {
                // Inside a list item the paragraph already started with the item's marker.
                Event::Start(Tag::Paragraph) if current.is_none() => {
                    current = Some((style_for(quotes, lists.len()), None));
                }
                Event::Start(Tag::Heading { level, .. }) => {
                    self.flush(&mut current, &mut state, out);
                    let level = level as u8;
                    let mut p = style_for(quotes, lists.len());
                    p.keep_with_next = true;
                    if level == 1 {
                        p.align = Align::Center;
                        p.first_indent = 0.0;
                        p.space_before = p.space_before.max(6.0);
                    }
                    state.heading_bold = true;
                    state.heading_italic = level >= 3;
                    current = Some((p, Some(level)));
                }
                Event::End(TagEnd::Paragraph) if lists.is_empty() => {
                    self.flush(&mut current, &mut state, out);
                }
                Event::End(TagEnd::Heading(_)) => {
                    self.flush(&mut current, &mut state, out);
                    state.heading_bold = false;
                    state.heading_italic = false;
                }
                Event::Start(Tag::List(start)) => {
                    self.flush(&mut current, &mut state, out);
                    lists.push(start);
                }
                Event::End(TagEnd::List(_)) => {
                    self.flush(&mut current, &mut state, out);
                    lists.pop();
                }
                Event::Start(Tag::Item) => {
                    self.flush(&mut current, &mut state, out);
                    let marker = match lists.last_mut() {
                        Some(Some(n)) => {
                            let marker = format!("{n}. ");
                            *n += 1;
                            marker
                        }
                        _ => "- ".to_string(),
                    };
                    current = Some((style_for(quotes, lists.len()), None));
                    state.push_text(&marker, ctx.text);
                }
                Event::End(TagEnd::Item) => self.flush(&mut current, &mut state, out),
                Event::Start(Tag::BlockQuote(_)) => {
                    self.flush(&mut current, &mut state, out);
                    quotes += 1;
                }
                Event::End(TagEnd::BlockQuote(_)) => {
                    self.flush(&mut current, &mut state, out);
                    quotes -= 1;
                }
                Event::Start(Tag::CodeBlock(_)) => {
                    self.flush(&mut current, &mut state, out);
                    let mut p = style_for(quotes, lists.len());
                    p.align = Align::Left;
                    p.first_indent = 0.0;
                    current = Some((p, None));
                    code = true;
                }
                Event::End(TagEnd::CodeBlock) => {
                    self.flush(&mut current, &mut state, out);
                    code = false;
                }
                Event::Text(t) if code => {
                    for (i, piece) in t.trim_end_matches('\n').split('\n').enumerate() {
                        if i > 0 {
                            state.inlines.push(Inline::LineBreak);
                        }
                        state.push_literal(piece, state.style(ctx.text));
                    }
                }
                Event::Text(t) | Event::Code(t) => {
                    ensure(&mut current, style_for(quotes, lists.len()));
                    state.push_text(&t, state.style(ctx.text));
                }
                Event::SoftBreak => state.push_text(" ", state.style(ctx.text)),
                Event::HardBreak => state.line_break(),
                Event::Start(Tag::Emphasis) => state.italic += 1,
                Event::End(TagEnd::Emphasis) => state.italic -= 1,
                Event::Start(Tag::Strong) => state.bold += 1,
                Event::End(TagEnd::Strong) => state.bold -= 1,
                Event::InlineHtml(html) | Event::Html(html) => {
                    ensure(&mut current, style_for(quotes, lists.len()));
                    match html.trim() {
                        "<page/>" | "<page />" | "<page>" => state
                            .inlines
                            .push(Inline::PageNumber(state.style(ctx.text))),
                        "<br>" | "<br/>" | "<br />" => state.line_break(),
                        other => state.push_text(other, state.style(ctx.text)),
                    }
                }
                Event::Start(Tag::Image { .. }) => {
                    return Err(self.error(
                        line,
                        "images are not supported yet; remove the image from the article",
                    ))
                }
                Event::Rule => {
                    self.flush(&mut current, &mut state, out);
                    out.push(Block::Rule(Rule {
                        length: RuleLength::OfColumn(1.0),
                        thickness: 0.5,
                        space_before: 3.0,
                        space_after: 6.0,
                    }));
                }
                _ => {}
            }
        }
        self.flush(&mut current, &mut state, out);
        Ok(())
    }

    fn flush(
        &mut self,
        current: &mut Option<(ParagraphStyle, Option<u8>)>,
        state: &mut Inlines,
        out: &mut Vec<Block>,
    ) {
        let inlines = state.take();
        let Some((style, heading)) = current.take() else {
            return;
        };
        if inlines.is_empty() {
            return;
        }
        let number = if self.in_header {
            0
        } else {
            self.paragraphs += 1;
            self.paragraphs
        };
        out.push(Block::Paragraph(Paragraph {
            style,
            inlines,
            number,
            heading,
        }));
    }
}

fn ensure(current: &mut Option<(ParagraphStyle, Option<u8>)>, style: ParagraphStyle) {
    if current.is_none() {
        *current = Some((style, None));
    }
}

fn parse_rule_length(value: &str) -> Option<RuleLength> {
    if value == "text" {
        return Some(RuleLength::OfText(1.0));
    }
    if let Some(percent) = value.strip_suffix("text") {
        return parse_percent(percent).map(RuleLength::OfText);
    }
    if value.ends_with('%') {
        return parse_percent(value).map(RuleLength::OfColumn);
    }
    parse_length(value).map(RuleLength::Fixed)
}

/// The inlines of the paragraph being built, with whitespace collapsed as it goes.
#[derive(Default)]
struct Inlines {
    inlines: Vec<Inline>,
    bold: usize,
    italic: usize,
    heading_bold: bool,
    heading_italic: bool,
}

impl Inlines {
    fn style(&self, base: TextStyle) -> TextStyle {
        TextStyle {
            size: base.size,
            bold: base.bold || self.bold > 0 || self.heading_bold,
            italic: base.italic ^ (self.italic % 2 == 1) ^ self.heading_italic,
        }
    }

    /// Whether the next text starts a line (no space is kept there).
    fn at_line_start(&self) -> bool {
        match self.inlines.last() {
            None | Some(Inline::LineBreak) => true,
            Some(Inline::Text(run)) => run.text.ends_with(' '),
            Some(Inline::PageNumber(_)) => false,
        }
    }

    fn push_text(&mut self, text: &str, style: TextStyle) {
        let mut collapsed = String::with_capacity(text.len());
        let mut space = self.at_line_start();
        for c in text.chars() {
            // Ordinary white space folds to one space; a no-break space is content and stays.
            if c.is_whitespace() && c != '\u{a0}' && c != '\u{202f}' {
                if !space {
                    collapsed.push(' ');
                    space = true;
                }
            } else {
                collapsed.push(c);
                space = false;
            }
        }
        self.push_literal(&collapsed, style);
    }

    fn push_literal(&mut self, text: &str, style: TextStyle) {
        if text.is_empty() {
            return;
        }
        if let Some(Inline::Text(run)) = self.inlines.last_mut() {
            if run.style == style {
                run.text.push_str(text);
                return;
            }
        }
        self.inlines.push(Inline::Text(TextRun {
            text: text.to_string(),
            style,
        }));
    }

    fn line_break(&mut self) {
        self.trim_end();
        self.inlines.push(Inline::LineBreak);
    }

    fn trim_end(&mut self) {
        while let Some(Inline::Text(run)) = self.inlines.last_mut() {
            let trimmed = run.text.trim_end_matches(' ').len();
            run.text.truncate(trimmed);
            if run.text.is_empty() {
                self.inlines.pop();
            } else {
                break;
            }
        }
    }

    fn take(&mut self) -> Vec<Inline> {
        self.trim_end();
        while matches!(self.inlines.last(), Some(Inline::LineBreak)) {
            self.inlines.pop();
        }
        std::mem::take(&mut self.inlines)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::template::escape_markup;

    fn doc(text: &str) -> Document {
        parse(&Markup {
            text: text.to_string(),
            template: "test".into(),
        })
        .unwrap()
    }

    fn texts(blocks: &[Block]) -> Vec<String> {
        blocks
            .iter()
            .filter_map(|b| match b {
                Block::Paragraph(p) => Some(p.plain_text()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn escaped_text_reads_back_literally() {
        let literal = "a *b* _c_ # d <e> & f \\ g ` h [i](j) $k$ %l ::: m\n\n1. n\n- o\n> p";
        let document = doc(&escape_markup(literal));
        let expected: Vec<String> = literal
            .split("\n\n")
            .map(|p| p.replace('\n', " "))
            .collect();
        assert_eq!(texts(&document.body), expected);
    }

    #[test]
    fn containers_set_styles_and_headers_go_to_the_header() {
        let document = doc("::: header\n::: align=center\n<page/>\n:::\n:::\n::: align=center size=13 bold indent=0\nX\n:::\nbody *it*\n");
        assert_eq!(document.header.len(), 1);
        let Block::Paragraph(title) = &document.body[0] else {
            panic!()
        };
        assert_eq!(title.style.align, Align::Center);
        assert_eq!(title.style.first_indent, 0.0);
        assert!(
            matches!(&title.inlines[0], Inline::Text(r) if r.style.bold && r.style.size == 13.0)
        );
        let Block::Paragraph(body) = &document.body[1] else {
            panic!()
        };
        assert_eq!(body.number, 2);
        assert!(matches!(&body.inlines[1], Inline::Text(r) if r.style.italic && r.text == "it"));
    }

    #[test]
    fn hard_breaks_and_lists() {
        let document = doc("a\\\nb\n\n- x\n- y\n");
        assert_eq!(texts(&document.body), vec!["a\nb", "- x", "- y"]);
    }
}
