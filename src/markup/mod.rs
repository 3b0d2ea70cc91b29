//! Markup into the document model: CommonMark plus the block directives of [`directives`].
//!
//! Every style is resolved here (the containers' attributes over the body defaults), so layout
//! and the DOCX writer read finished values. The markup reference is `docs/markup.md`.

pub mod directives;

use std::collections::BTreeMap;
use std::path::PathBuf;

use pulldown_cmark::{Alignment, Event, Options, Parser, Tag, TagEnd};

use crate::error::{Error, Result};
use crate::model::{
    mm, Align, Block, ColumnWidth, Columns, Document, Flow, Image, ImageData, Inline, Metadata,
    PageSetup, Paragraph, ParagraphStyle, Rule, RuleLength, Story, Table, TableCell, TableRow,
    TextRun, TextStyle, Toc,
};
use crate::template::Markup;
use directives::{parse_length, parse_percent, Container, Directive, Node};

/// The style in force at a point of the markup.
#[derive(Debug, Clone, PartialEq)]
struct Context {
    paragraph: ParagraphStyle,
    text: TextStyle,
    table: TableSettings,
}

/// How the tables inside a `::: table` container are set.
#[derive(Debug, Clone, PartialEq)]
struct TableSettings {
    widths: Option<Vec<ColumnWidth>>,
    header_rows: usize,
    borders: bool,
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
                line_height: None,
                keep_with_next: false,
            },
            text: TextStyle {
                size: 14.0,
                bold: false,
                italic: false,
                underline: false,
            },
            table: TableSettings {
                widths: None,
                header_rows: 1,
                borders: true,
            },
        }
    }
}

/// Where the files a markup names (pictures) are looked for.
#[derive(Debug, Clone)]
pub struct Resources {
    /// Relative paths start here (the data file's folder).
    pub base: PathBuf,
    /// Files must lie inside this folder.
    pub root: PathBuf,
}

/// Parses the markup a template wrote into a document; pictures are read from `resources`.
pub fn parse(markup: &Markup, resources: &Resources) -> Result<Document> {
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
        resources,
        images: BTreeMap::new(),
        image_pixels: 0,
        figures: 0,
        page: PageSetup::a4_nd30(),
        in_flow: false,
        in_story: false,
    };
    let mut body = Vec::new();
    builder.nodes(&nodes, &Context::body(), &mut body, true)?;
    Ok(Document {
        page: builder.page,
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
    resources: &'a Resources,
    /// Pictures already read, so one used twice is read (and embedded) once.
    images: BTreeMap<PathBuf, ImageData>,
    /// The pixels of the distinct pictures read so far (see [`crate::images::MAX_DOCUMENT_PIXELS`]).
    image_pixels: u64,
    /// Numbered captions so far.
    figures: usize,
    /// The page size and margins (`::: page-margins` changes them).
    page: PageSetup,
    /// Inside a `::: flow` (stories may stand there).
    in_flow: bool,
    /// Inside a `::: story` (its notes may stand there, another story may not).
    in_story: bool,
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
        ctx: &Context,
        out: &mut Vec<Block>,
        top: bool,
    ) -> Result<()> {
        for node in nodes {
            match node {
                Node::Markdown(text, line) => self.markdown(text, *line, ctx, out)?,
                Node::Leaf(directive) if directive.name == "page-margins" => {
                    self.page_margins(directive, top)?
                }
                Node::Leaf(directive) => out.push(self.leaf(directive, ctx)?),
                Node::Container(container) => self.container(container, ctx, out, top)?,
            }
        }
        Ok(())
    }

    fn container(
        &mut self,
        container: &Container,
        ctx: &Context,
        out: &mut Vec<Block>,
        top: bool,
    ) -> Result<()> {
        let directive = &container.directive;
        let (mut ctx, positional) = self.apply(directive, ctx.clone())?;
        match directive.name.as_str() {
            "style" => self.nodes(&container.parts[0], &ctx, out, top),
            "table" => {
                ctx.table = self.table_settings(directive.line, &positional, &ctx.table)?;
                self.nodes(&container.parts[0], &ctx, out, top)
            }
            "keep" => {
                let mut blocks = Vec::new();
                self.nodes(&container.parts[0], &ctx, &mut blocks, false)?;
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
                self.nodes(&container.parts[0], &ctx, &mut blocks, false)?;
                self.in_header = false;
                let slot = if directive.name == "header" {
                    &mut self.header
                } else {
                    &mut self.first_header
                };
                *slot = Some(blocks);
                Ok(())
            }
            "flow" => self.flow(container, &ctx, &positional, out, top),
            "story" => self.story(container, &ctx, out, top),
            "continued" | "continued-from" => Err(self.error(
                directive.line,
                format!(
                    "`::: {}` belongs inside `::: story`, where it says where the story goes on",
                    directive.name
                ),
            )),
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
                    self.nodes(part, &ctx, &mut blocks, false)?;
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

    /// `::: flow 2 gap=6mm`: blocks that run through text columns, page after page.
    fn flow(
        &mut self,
        container: &Container,
        ctx: &Context,
        words: &[String],
        out: &mut Vec<Block>,
        top: bool,
    ) -> Result<()> {
        let line = container.directive.line;
        if !top || self.in_flow {
            return Err(self.error(
                line,
                "a flow belongs at the top level, not inside another directive",
            ));
        }
        let mut columns = 2;
        let mut gap = mm(6.0);
        for word in words {
            match word.split_once('=') {
                Some(("gap", value)) => {
                    gap = parse_length(value)
                        .filter(|g| *g <= mm(30.0))
                        .ok_or_else(|| {
                            self.error(
                                line,
                                format!("gap=`{value}`: give a length up to 30mm, like 6mm"),
                            )
                        })?
                }
                None => {
                    columns = self.number(
                        line,
                        word,
                        2..=4,
                        format!("`{word}`: give the number of columns, 2 to 4"),
                    )?
                }
                Some(_) => {
                    return Err(self.error(
                        line,
                        format!("`{word}`: a flow takes a number of columns and gap="),
                    ))
                }
            }
        }
        let mut blocks = Vec::new();
        self.in_flow = true;
        let result = self.nodes(&container.parts[0], ctx, &mut blocks, false);
        self.in_flow = false;
        result?;
        out.push(Block::Flow(Flow {
            columns,
            gap,
            blocks,
        }));
        Ok(())
    }

    /// `::: story`: an article whose `::: continued` and `::: continued-from` notes are
    /// printed where it turns to the next page.
    fn story(
        &mut self,
        container: &Container,
        ctx: &Context,
        out: &mut Vec<Block>,
        top: bool,
    ) -> Result<()> {
        let line = container.directive.line;
        if !(top || self.in_flow) || self.in_story {
            return Err(self.error(
                line,
                "a story belongs at the top level or in a flow, not inside another directive",
            ));
        }
        self.in_story = true;
        let result = self.story_parts(container, ctx);
        self.in_story = false;
        out.push(Block::Story(result?));
        Ok(())
    }

    fn story_parts(&mut self, container: &Container, ctx: &Context) -> Result<Story> {
        let mut story = Story {
            blocks: Vec::new(),
            continued: None,
            continued_from: None,
        };
        for node in &container.parts[0] {
            let Node::Container(note) = node else {
                self.nodes(std::slice::from_ref(node), ctx, &mut story.blocks, false)?;
                continue;
            };
            let name = note.directive.name.as_str();
            if name != "continued" && name != "continued-from" {
                self.nodes(std::slice::from_ref(node), ctx, &mut story.blocks, false)?;
                continue;
            }
            let (note_ctx, words) = self.apply(&note.directive, ctx.clone())?;
            if let Some(word) = words.first() {
                return Err(self.error(
                    note.directive.line,
                    format!("`{word}`: a note takes style attributes only"),
                ));
            }
            // A note is not one of the document's paragraphs: like a page header's, it gets 0.
            let mut blocks = Vec::new();
            let in_header = std::mem::replace(&mut self.in_header, true);
            let result = self.nodes(&note.parts[0], &note_ctx, &mut blocks, false);
            self.in_header = in_header;
            result?;
            let paragraph = match blocks.as_slice() {
                [Block::Paragraph(p)] => p.clone(),
                _ => {
                    return Err(self.error(
                        note.directive.line,
                        format!("`::: {name}` holds one paragraph, like (Xem tiếp trang <page/>)"),
                    ))
                }
            };
            let slot = if name == "continued" {
                &mut story.continued
            } else {
                &mut story.continued_from
            };
            *slot = Some(paragraph);
        }
        Ok(story)
    }

    /// `::: page-margins top=20mm bottom=20mm left=30mm right=15mm` (A4).
    fn page_margins(&mut self, directive: &Directive, top: bool) -> Result<()> {
        let line = directive.line;
        if !top {
            return Err(self.error(
                line,
                "page margins belong at the top level, not inside another directive",
            ));
        }
        for word in &directive.args {
            let value = word.split_once('=').and_then(|(key, value)| {
                let length = parse_length(value).filter(|l| (0.0..=mm(80.0)).contains(l))?;
                Some((key, length))
            });
            match value {
                Some(("top", length)) => self.page.top = length,
                Some(("bottom", length)) => self.page.bottom = length,
                Some(("left", length)) => self.page.left = length,
                Some(("right", length)) => self.page.right = length,
                _ => {
                    return Err(self.error(
                        line,
                        format!(
                            "`{word}`: give top=, bottom=, left= or right= as a length up to 80mm"
                        ),
                    ))
                }
            }
        }
        Ok(())
    }

    /// Reads a number within a range, or fails with `message` at the markup line.
    fn number<T: std::str::FromStr + PartialOrd>(
        &self,
        line: usize,
        text: &str,
        range: std::ops::RangeInclusive<T>,
        message: String,
    ) -> Result<T> {
        text.parse::<T>()
            .ok()
            .filter(|n| range.contains(n))
            .ok_or_else(|| self.error(line, message))
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
                    ctx.text.size = self.number(
                        line,
                        value.trim_end_matches("pt"),
                        4.0..=96.0,
                        format!("size=`{value}`: give a size in points from 4 to 96"),
                    )?
                }
                Some(("indent", value)) => p.first_indent = length(value)?,
                Some(("left", value)) => p.left_indent = length(value)?,
                Some(("before", value)) => p.space_before = length(value)?,
                Some(("after", value)) => p.space_after = length(value)?,
                Some(("line-height", value)) => {
                    p.line_height = Some(
                        parse_length(value)
                            .filter(|h| (4.0..=100.0).contains(h))
                            .ok_or_else(|| {
                                self.error(
                                    line,
                                    format!(
                                        "line-height=`{value}`: give an exact line height like 18pt"
                                    ),
                                )
                            })?,
                    )
                }
                Some(("spacing", value)) => {
                    // The latest of spacing= and line-height= wins.
                    p.line_height = None;
                    p.line_spacing = self.number(
                        line,
                        value,
                        0.5..=3.0,
                        format!("spacing=`{value}`: give a multiple of single spacing, 1 to 1.5"),
                    )?
                }
                Some((key, _))
                    if (directive.name == "rule" && matches!(key, "length" | "thickness"))
                        || (directive.name == "table"
                            && matches!(key, "widths" | "header" | "borders"))
                        || (directive.name == "flow" && key == "gap")
                        || (directive.name == "page-margins"
                            && matches!(key, "top" | "bottom" | "left" | "right"))
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
                    "underline" => ctx.text.underline = true,
                    "keep-next" => p.keep_with_next = true,
                    _ => positional.push(word.clone()),
                },
            }
        }
        Ok((ctx, positional))
    }

    /// Reads `widths=12mm,auto,30% header=1 borders=none` of a `::: table` container.
    fn table_settings(
        &self,
        line: usize,
        words: &[String],
        inherited: &TableSettings,
    ) -> Result<TableSettings> {
        let mut settings = inherited.clone();
        for word in words {
            match word.split_once('=') {
                Some(("widths", list)) => {
                    let mut widths = Vec::new();
                    for item in list.split(',') {
                        let width = if item == "auto" {
                            Some(ColumnWidth::Auto)
                        } else if item.ends_with('%') {
                            parse_percent(item).map(ColumnWidth::Share)
                        } else {
                            parse_length(item).map(ColumnWidth::Fixed)
                        };
                        widths.push(width.ok_or_else(|| {
                            self.error(line, format!("column width `{item}`: use auto, a percentage (30%) or a length (12mm)"))
                        })?);
                    }
                    settings.widths = Some(widths);
                }
                Some(("header", count)) => {
                    settings.header_rows =
                        count.parse().ok().filter(|n| *n <= 10).ok_or_else(|| {
                            self.error(
                                line,
                                format!(
                                    "header=`{count}`: give the number of header rows, 0 to 10"
                                ),
                            )
                        })?
                }
                Some(("borders", value)) => {
                    settings.borders = match value {
                        "all" | "on" => true,
                        "none" | "off" => false,
                        _ => {
                            return Err(
                                self.error(line, format!("borders=`{value}`: use all or none"))
                            )
                        }
                    }
                }
                _ => {
                    return Err(self.error(
                        line,
                        format!("`{word}`: a table takes widths=, header= and borders="),
                    ))
                }
            }
        }
        Ok(settings)
    }

    fn leaf(&self, directive: &Directive, ctx: &Context) -> Result<Block> {
        let line = directive.line;
        match directive.name.as_str() {
            "page-break" => Ok(Block::PageBreak),
            "section-break" => Ok(Block::SectionBreak),
            "toc" => {
                let (own, words) = self.apply(directive, ctx.clone())?;
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
                let mut defaults = ctx.clone();
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
        ctx: &Context,
        out: &mut Vec<Block>,
    ) -> Result<()> {
        let mut state = Inlines::default();
        let mut current: Option<(ParagraphStyle, Option<u8>)> = None;
        let mut lists: Vec<Option<u64>> = Vec::new();
        let mut quotes = 0usize;
        let mut code = false;
        let mut table: Option<TableBuilder> = None;
        let mut image: Option<PendingImage> = None;
        let style_for = |quotes: usize, lists: usize| {
            let mut p = ctx.paragraph;
            p.left_indent += mm(10.0) * quotes as f32 + mm(7.5) * lists.saturating_sub(1) as f32;
            p
        };
        let options = Options::ENABLE_TABLES;
        // Lines are counted as the events advance: counting from the start each time would
        // make a long article quadratic.
        let (mut line, mut counted) = (first_line, 0);
        for (event, range) in Parser::new_ext(text, options).into_offset_iter() {
            if range.start > counted {
                line += text[counted..range.start].matches('\n').count();
                counted = range.start;
            }
            // Inside a table cell, blocks go to the cell; elsewhere to the flow.
            let sink = match table.as_mut() {
                Some(t) if t.in_cell => &mut t.cell_blocks,
                _ => &mut *out,
            };
            match event {
                // Inside a list item the paragraph already started with the item's marker.
                Event::Start(Tag::Paragraph) if current.is_none() => {
                    current = Some((style_for(quotes, lists.len()), None));
                }
                Event::Start(Tag::Heading { level, .. }) => {
                    self.flush(&mut current, &mut state, sink);
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
                    self.flush(&mut current, &mut state, sink);
                }
                Event::End(TagEnd::Heading(_)) => {
                    self.flush(&mut current, &mut state, sink);
                    state.heading_bold = false;
                    state.heading_italic = false;
                }
                Event::Start(Tag::List(start)) => {
                    self.flush(&mut current, &mut state, sink);
                    lists.push(start);
                }
                Event::End(TagEnd::List(_)) => {
                    self.flush(&mut current, &mut state, sink);
                    lists.pop();
                }
                Event::Start(Tag::Item) => {
                    self.flush(&mut current, &mut state, sink);
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
                Event::End(TagEnd::Item) => self.flush(&mut current, &mut state, sink),
                Event::Start(Tag::BlockQuote(_)) => {
                    self.flush(&mut current, &mut state, sink);
                    quotes += 1;
                }
                Event::End(TagEnd::BlockQuote(_)) => {
                    self.flush(&mut current, &mut state, sink);
                    quotes -= 1;
                }
                Event::Start(Tag::CodeBlock(_)) => {
                    self.flush(&mut current, &mut state, sink);
                    let mut p = style_for(quotes, lists.len());
                    p.align = Align::Left;
                    p.first_indent = 0.0;
                    current = Some((p, None));
                    code = true;
                }
                Event::End(TagEnd::CodeBlock) => {
                    self.flush(&mut current, &mut state, sink);
                    code = false;
                }
                Event::Text(t) if image.is_some() => {
                    if let Some(pending) = image.as_mut() {
                        pending.alt.push_str(&t);
                    }
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
                        "<u>" => state.underline += 1,
                        "</u>" => state.underline = state.underline.saturating_sub(1),
                        other => state.push_text(other, state.style(ctx.text)),
                    }
                }
                Event::Start(Tag::Image {
                    dest_url, title, ..
                }) => {
                    image = Some(PendingImage {
                        path: dest_url.to_string(),
                        options: title.to_string(),
                        alt: String::new(),
                        line,
                    });
                }
                Event::End(TagEnd::Image) => {
                    // A picture ends the paragraph it stands in; text after it starts a new one.
                    let paragraph_style = current.as_ref().map(|(style, _)| *style);
                    self.flush(&mut current, &mut state, sink);
                    if let Some(pending) = image.take() {
                        let block = self.image(pending, ctx)?;
                        sink.push(block);
                    }
                    current = paragraph_style.map(|style| (style, None));
                }
                Event::Start(Tag::Table(alignments)) => {
                    self.flush(&mut current, &mut state, sink);
                    table = Some(TableBuilder::new(alignments, line));
                }
                Event::Start(Tag::TableHead) => {
                    if let Some(t) = table.as_mut() {
                        t.in_head = true;
                    }
                }
                Event::Start(Tag::TableCell) => {
                    if let Some(t) = table.as_mut() {
                        let mut p = ctx.paragraph;
                        p.first_indent = 0.0;
                        p.left_indent = 0.0;
                        p.space_before = 0.0;
                        p.space_after = 0.0;
                        p.keep_with_next = false;
                        p.align = if t.in_head {
                            Align::Center
                        } else {
                            match t.alignments.get(t.row.len()) {
                                Some(Alignment::Left) => Align::Left,
                                Some(Alignment::Center) => Align::Center,
                                Some(Alignment::Right) => Align::Right,
                                _ => Align::Justify,
                            }
                        };
                        state.heading_bold = t.in_head;
                        t.in_cell = true;
                        current = Some((p, None));
                    }
                }
                Event::End(TagEnd::TableCell) => {
                    self.flush(&mut current, &mut state, sink);
                    state.heading_bold = false;
                    if let Some(t) = table.as_mut() {
                        t.end_cell();
                    }
                }
                Event::End(TagEnd::TableHead) | Event::End(TagEnd::TableRow) => {
                    if let Some(t) = table.as_mut() {
                        t.end_row();
                    }
                }
                Event::End(TagEnd::Table) => {
                    if let Some(t) = table.take() {
                        let block = self.table(t, ctx)?;
                        out.push(block);
                    }
                }
                Event::Rule => {
                    self.flush(&mut current, &mut state, sink);
                    sink.push(Block::Rule(Rule {
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

    /// Builds the table block from a parsed GFM table and the `::: table` settings.
    fn table(&self, built: TableBuilder, ctx: &Context) -> Result<Block> {
        let columns = built
            .rows
            .iter()
            .map(|row| row.cells.iter().map(|c| c.span).sum::<usize>())
            .max()
            .unwrap_or(0);
        let widths = match &ctx.table.widths {
            Some(widths) if widths.len() == columns => widths.clone(),
            Some(widths) => {
                return Err(self.error(
                    built.line,
                    format!(
                        "the table has {columns} columns but widths= gives {}",
                        widths.len()
                    ),
                ))
            }
            None => vec![ColumnWidth::Auto; columns],
        };
        let mut rows = built.rows;
        // A row with fewer cells than columns is filled with empty ones, as GFM does.
        for row in &mut rows {
            let used: usize = row.cells.iter().map(|c| c.span).sum();
            for _ in used..columns {
                row.cells.push(TableCell {
                    span: 1,
                    blocks: Vec::new(),
                });
            }
        }
        Ok(Block::Table(Table {
            columns: widths,
            header_rows: ctx.table.header_rows.min(rows.len()),
            rows,
            borders: ctx.table.borders,
        }))
    }

    /// Reads the picture a `![caption](path "options")` names and builds its block.
    fn image(&mut self, pending: PendingImage, ctx: &Context) -> Result<Block> {
        let mut width = None;
        let mut numbered = false;
        for option in pending.options.split_whitespace() {
            match option.split_once('=') {
                Some(("width", value)) => {
                    width = Some(parse_length(value).ok_or_else(|| {
                        self.error(
                            pending.line,
                            format!("picture width `{value}`: give a length like 80mm"),
                        )
                    })?)
                }
                None if option == "numbered" => numbered = true,
                _ => {
                    return Err(self.error(
                        pending.line,
                        format!("picture option `{option}`: use width=80mm or numbered"),
                    ))
                }
            }
        }
        let data = self.load_image(&pending.path)?;
        let alt = pending.alt.split_whitespace().collect::<Vec<_>>().join(" ");
        let caption = if alt.is_empty() && !numbered {
            None
        } else {
            let mut text = alt;
            if numbered {
                self.figures += 1;
                text = if text.is_empty() {
                    format!("Hình {}", self.figures)
                } else {
                    format!("Hình {}. {text}", self.figures)
                };
            }
            let mut style = ctx.paragraph;
            style.align = Align::Center;
            style.first_indent = 0.0;
            style.space_before = 3.0;
            style.space_after = 6.0;
            style.keep_with_next = false;
            self.paragraphs += 1;
            Some(Paragraph {
                style,
                inlines: vec![Inline::Text(TextRun {
                    text,
                    style: TextStyle {
                        size: (ctx.text.size - 1.0).max(10.0),
                        bold: false,
                        italic: true,
                        underline: false,
                    },
                })],
                number: self.paragraphs,
                heading: None,
            })
        };
        Ok(Block::Image(Image {
            data,
            width,
            caption,
            number: numbered.then_some(self.figures),
        }))
    }

    fn load_image(&mut self, name: &str) -> Result<ImageData> {
        let path = self.resources.base.join(name);
        let fail = |message: String| Error::Image {
            path: path.clone(),
            message,
        };
        let canonical = path
            .canonicalize()
            .map_err(|e| fail(format!("cannot read it ({e})")))?;
        if let Some(data) = self.images.get(&canonical) {
            return Ok(data.clone());
        }
        let root = self
            .resources
            .root
            .canonicalize()
            .map_err(|e| Error::io(&self.resources.root, e))?;
        if !canonical.starts_with(&root) {
            return Err(fail(
                "it is outside the data file's folder; move it beside the data or widen the folder with --root".into(),
            ));
        }
        let mut data = crate::images::load(&canonical, self.image_pixels).map_err(fail)?;
        self.image_pixels += u64::from(data.width_px) * u64::from(data.height_px);
        data.path = path.clone();
        self.images.insert(canonical, data.clone());
        Ok(data)
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

/// A picture whose caption is being read.
struct PendingImage {
    path: String,
    options: String,
    alt: String,
    line: usize,
}

/// A GFM table being read, row by row.
struct TableBuilder {
    alignments: Vec<Alignment>,
    rows: Vec<TableRow>,
    row: Vec<TableCell>,
    cell_blocks: Vec<Block>,
    in_cell: bool,
    in_head: bool,
    line: usize,
}

impl TableBuilder {
    fn new(alignments: Vec<Alignment>, line: usize) -> Self {
        TableBuilder {
            alignments,
            rows: Vec::new(),
            row: Vec::new(),
            cell_blocks: Vec::new(),
            in_cell: false,
            in_head: false,
            line,
        }
    }

    /// Closes a cell; a cell holding only `<` merges into the cell on its left.
    fn end_cell(&mut self) {
        self.in_cell = false;
        let blocks = std::mem::take(&mut self.cell_blocks);
        let merge = matches!(blocks.as_slice(), [Block::Paragraph(p)] if p.plain_text() == "<");
        match self.row.last_mut() {
            Some(previous) if merge => previous.span += 1,
            _ => self.row.push(TableCell { span: 1, blocks }),
        }
    }

    fn end_row(&mut self) {
        self.in_head = false;
        let cells = std::mem::take(&mut self.row);
        self.rows.push(TableRow { cells });
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
    underline: usize,
    heading_bold: bool,
    heading_italic: bool,
}

impl Inlines {
    fn style(&self, base: TextStyle) -> TextStyle {
        TextStyle {
            size: base.size,
            bold: base.bold || self.bold > 0 || self.heading_bold,
            italic: base.italic ^ (self.italic % 2 == 1) ^ self.heading_italic,
            underline: base.underline || self.underline > 0,
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

    fn try_doc(text: &str) -> Result<Document> {
        let here = PathBuf::from(".");
        parse(
            &Markup {
                text: text.to_string(),
                template: "test".into(),
            },
            &Resources {
                base: here.clone(),
                root: here,
            },
        )
    }

    fn doc(text: &str) -> Document {
        try_doc(text).unwrap()
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

    fn parse_error(text: &str) -> String {
        try_doc(text).unwrap_err().to_string()
    }

    #[test]
    fn underline_as_a_flag_and_inline() {
        let document = doc("::: underline\nA\n:::\n<u>Nơi nhận</u>: x\n");
        let Block::Paragraph(flag) = &document.body[0] else {
            panic!()
        };
        assert!(matches!(&flag.inlines[0], Inline::Text(r) if r.style.underline));
        let Block::Paragraph(inline) = &document.body[1] else {
            panic!()
        };
        let runs: Vec<(String, bool)> = inline
            .inlines
            .iter()
            .filter_map(|i| match i {
                Inline::Text(r) => Some((r.text.clone(), r.style.underline)),
                _ => None,
            })
            .collect();
        assert_eq!(
            runs,
            vec![("Nơi nhận".to_string(), true), (": x".to_string(), false)]
        );
    }

    #[test]
    fn exact_line_height_and_page_margins() {
        let document =
            doc("::: page-margins top=18mm left=18mm\n::: line-height=18pt\nA\n:::\n::: line-height=18pt spacing=1.2\nB\n:::\n");
        assert!((document.page.top - mm(18.0)).abs() < 0.01);
        assert!((document.page.left - mm(18.0)).abs() < 0.01);
        assert!((document.page.right - mm(15.0)).abs() < 0.01);
        let styles: Vec<(Option<f32>, f32)> = document
            .body
            .iter()
            .filter_map(|b| match b {
                Block::Paragraph(p) => Some((p.style.line_height, p.style.line_spacing)),
                _ => None,
            })
            .collect();
        assert_eq!(styles, vec![(Some(18.0), 1.0), (None, 1.2)]);
        assert!(parse_error("::: line-height=2pt\nA\n:::\n").contains("line-height="));
        assert!(parse_error("::: keep\n::: page-margins top=5mm\n:::\n").contains("top level"));
        assert!(parse_error("::: page-margins top=200mm\n").contains("top=200mm"));
    }

    #[test]
    fn flows_hold_stories_with_their_notes() {
        let document = doc("::: flow 2 gap=5mm\n::: story\n::: continued align=right italic\n(Xem tiếp trang <page/>)\n:::\n::: continued-from\n(Tiếp theo trang <page/>)\n:::\nBài một.\n:::\n:::\n");
        let Block::Flow(flow) = &document.body[0] else {
            panic!("{:?}", document.body)
        };
        assert_eq!(flow.columns, 2);
        assert!((flow.gap - mm(5.0)).abs() < 0.01);
        let Block::Story(story) = &flow.blocks[0] else {
            panic!()
        };
        assert_eq!(texts(&story.blocks), vec!["Bài một."]);
        let continued = story.continued.as_ref().unwrap();
        assert_eq!(continued.plain_text(), "(Xem tiếp trang #)");
        assert_eq!(continued.style.align, Align::Right);
        assert_eq!(continued.number, 0, "a note is not a body paragraph");
        assert!(story.continued_from.is_some());
        // Where they may not stand.
        for (markup, needle) in [
            ("::: columns\n::: flow\nx\n:::\n:::\n", "top level"),
            ("::: flow\n::: flow\nx\n:::\n:::\n", "top level"),
            ("::: flow 7\nx\n:::\n", "2 to 4"),
            ("::: keep\n::: story\nx\n:::\n:::\n", "a story belongs"),
            ("::: continued\nx\n:::\n", "belongs inside `::: story`"),
            (
                "::: story\n::: continued\na\n\nb\n:::\n:::\n",
                "holds one paragraph",
            ),
        ] {
            let error = parse_error(markup);
            assert!(error.contains(needle), "{markup:?}: {error}");
        }
    }

    #[test]
    fn hard_breaks_and_lists() {
        let document = doc("a\\\nb\n\n- x\n- y\n");
        assert_eq!(texts(&document.body), vec!["a\nb", "- x", "- y"]);
    }
}
