//! What a template reads from a record: the fields it declares, the fields a static analysis
//! finds in it, and what is built from both: the checks of `vanban check` and the example
//! record of `vanban new`.
//!
//! A template declares its fields in a comment that starts with `fields:`, one per line:
//!
//! ```text
//! {#- fields:
//! title            text   trích yếu (title line) = "Kết quả hội nghị …"
//! issuer.parent    text?  cơ quan chủ quản (parent body) = "TỈNH ỦY HƯNG YÊN"
//! issuer.date      date   ngày ban hành (date of issue) = 2018-03-13
//! meeting.attendees list? thành phần tham dự (attendees) = [{ name = "…" }]
//! meeting.attendees[].name text họ và tên (full name)
//! issuer.place     -
//! -#}
//! ```
//!
//! Each line is the dotted path, a type (`text`, `date`, `time`, `lines`, `list`, `bool`,
//! `number`; a `?` makes the field optional), a description in Vietnamese with the English in
//! brackets (without ` = `), and after ` = ` an example value written in TOML. `path[].key` describes a key of
//! each item of a list. A template that extends another inherits its declarations, may
//! redeclare a field and drops one with the type `-`. The older `{# requires: a b.c #}` comment
//! still declares required text fields.

use std::collections::{BTreeMap, BTreeSet};

use crate::data::{Field, Record};
use crate::error::{Error, Result};

use super::{filters::parse_date, meeting::parse_time, Templates};

/// The kind of value a field holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    /// Text (numbers are accepted and printed as written).
    Text,
    /// A date: `2018-03-13` or `13/03/2018`.
    Date,
    /// A time of day: `08:00`.
    Time,
    /// A list of texts, or a text with one item per line (a CSV cell).
    Lines,
    /// A list of tables.
    List,
    /// `true` or `false`.
    Bool,
    /// A number.
    Number,
}

impl FieldType {
    fn parse(word: &str) -> Option<Self> {
        Some(match word {
            "text" => FieldType::Text,
            "date" => FieldType::Date,
            "time" => FieldType::Time,
            "lines" => FieldType::Lines,
            "list" => FieldType::List,
            "bool" => FieldType::Bool,
            "number" => FieldType::Number,
            _ => return None,
        })
    }

    /// What a value of this type looks like, for messages.
    fn expected(self) -> &'static str {
        match self {
            FieldType::Text => "text",
            FieldType::Date => "a date like 2018-03-13 (YYYY-MM-DD) or 13/03/2018",
            FieldType::Time => "a time like 08:00 (HH:MM)",
            FieldType::Lines => "a list of texts [\"…\", \"…\"] (in CSV: one item per line)",
            FieldType::List => "a list of tables [{ … }, { … }]",
            FieldType::Bool => "true or false",
            FieldType::Number => "a number",
        }
    }
}

/// One field a template declares.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldSpec {
    /// Dotted path; `list[].key` for a key of every item of a list.
    pub path: String,
    /// What it holds.
    pub kind: FieldType,
    /// Whether a record must give it.
    pub required: bool,
    /// What it is, in Vietnamese with the English in brackets.
    pub description: String,
    /// An example value in TOML, for `vanban new`.
    pub example: Option<String>,
    /// The template that declares it.
    pub template: String,
    /// The line of the declaration in that template.
    pub line: usize,
}

/// How serious a finding of `vanban check` is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// The record cannot be rendered as it is.
    Error,
    /// Probably a mistake (a field no template reads), but the record renders.
    Warning,
}

/// One problem `vanban check` found in a record.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    /// Error or warning.
    pub severity: Severity,
    /// The field's dotted path (`meeting.attendees[2].name` inside a list).
    pub field: String,
    /// What is wrong and what to do.
    pub message: String,
    /// The template and line where the field is used (or declared), when known.
    pub used_at: Option<(String, usize)>,
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let label = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(f, "{label}: field `{}`: {}", self.field, self.message)?;
        if let Some((template, line)) = &self.used_at {
            write!(f, " (template {template}, line {line})")?;
        }
        Ok(())
    }
}

/// A template and a line in it.
type Place = (String, usize);

/// Names the template language itself defines: not fields of a record.
const LANGUAGE_NAMES: &[&str] = &["loop", "self", "super", "caller", "varargs", "kwargs"];

/// Record fields the engine reads itself, whatever the template.
const ENGINE_FIELDS: &[&str] = &["template"];

impl Templates {
    /// A template's source text.
    pub fn source(&self, name: &str) -> Result<String> {
        self.env
            .get_template(name)
            .map(|t| t.source().to_string())
            .map_err(|e| super::convert_error(name, &e))
    }

    /// The template and every template it extends, includes or imports, the template first.
    pub fn chain(&self, name: &str) -> Result<Vec<String>> {
        let mut chain: Vec<String> = Vec::new();
        let mut todo = vec![name.to_string()];
        while let Some(next) = todo.pop() {
            if chain.contains(&next) {
                continue;
            }
            let source = self.source(&next)?;
            todo.extend(referenced_templates(&source).into_iter().rev());
            chain.push(next);
        }
        Ok(chain)
    }

    /// The fields a template declares, with those of the templates it extends: a parent's
    /// first, a child's declaration replacing its parent's.
    pub fn fields(&self, name: &str) -> Result<Vec<FieldSpec>> {
        let mut lineage = vec![name.to_string()];
        // Follow `extends` only: an include or import shares macros, not the record contract.
        while let Some(parent) = extended(&self.source(lineage.last().map_or(name, |n| n))?) {
            if lineage.contains(&parent) {
                break;
            }
            lineage.push(parent);
        }
        let mut fields: Vec<FieldSpec> = Vec::new();
        for template in lineage.iter().rev() {
            let source = self.source(template)?;
            for declared in declarations(template, &source)? {
                let existing = fields.iter().position(|f| f.path == declared.path());
                match (existing, declared) {
                    (Some(at), Declared::Dropped(_)) => {
                        fields.remove(at);
                    }
                    (None, Declared::Dropped(_)) => {}
                    (Some(at), Declared::Field(spec)) => fields[at] = spec,
                    (None, Declared::Field(spec)) => fields.push(spec),
                }
            }
        }
        Ok(fields)
    }

    /// A template's source with its inheritance resolved: the root layout with the blocks its
    /// descendants override replaced by theirs (what renders), after the descendants' own
    /// tags outside blocks (their `set` and `import`).
    pub fn flatten(&self, name: &str) -> Result<String> {
        let mut lineage = vec![name.to_string()];
        while let Some(parent) = extended(&self.source(lineage.last().map_or(name, |n| n))?) {
            if lineage.contains(&parent) {
                return Err(Error::Template {
                    name: name.to_string(),
                    line: None,
                    message: format!(
                        "`{parent}` is extended twice: the templates extend each other in a circle"
                    ),
                });
            }
            lineage.push(parent);
        }
        let mut flat = String::new();
        let mut overrides: BTreeMap<String, String> = BTreeMap::new();
        let root = lineage.pop().unwrap_or_else(|| name.to_string());
        // Nearest template first: a child's block wins over its parent's.
        for template in &lineage {
            let source = self.source(template)?;
            for (block, body) in block_bodies(&source) {
                overrides.entry(block).or_insert(body);
            }
            // The child's own `set` and `import` tags outside its blocks (what a child renders
            // besides its blocks).
            let mut depth = 0usize;
            for (start, end, inner) in tag_spans(&source) {
                match inner.split_whitespace().next() {
                    Some("block") => depth += 1,
                    Some("endblock") => depth = depth.saturating_sub(1),
                    Some("set" | "import" | "from") if depth == 0 => {
                        flat.push_str(&source[start..end]);
                    }
                    _ => {}
                }
            }
        }
        flat.push_str(&replace_blocks(&self.source(&root)?, &overrides));
        Ok(flat)
    }

    /// The record fields a template may read, found by a static analysis of what it renders
    /// (its inheritance resolved) and of the templates it includes or imports: dotted paths
    /// (`issuer.name`); a list read in a loop appears once, whole (`meeting.attendees`).
    pub fn reads(&self, name: &str) -> Result<BTreeSet<String>> {
        let flat = self.flatten(name)?;
        let mut sources = vec![(name.to_string(), flat.clone())];
        let mut seen = vec![name.to_string()];
        let mut todo: Vec<String> = referenced_templates(&flat);
        while let Some(next) = todo.pop() {
            if seen.contains(&next) {
                continue;
            }
            seen.push(next.clone());
            let source = self.flatten(&next)?;
            todo.extend(referenced_templates(&source));
            sources.push((next, source));
        }
        let globals: BTreeSet<String> = self.env.globals().map(|(k, _)| k.to_string()).collect();
        let mut found: BTreeSet<String> = BTreeSet::new();
        for (template, source) in &sources {
            let parsed = self
                .env
                .template_from_named_str(template, source)
                .map_err(|e| super::convert_error(template, &e))?;
            // A name the template assigns itself (set, for, macro, import … as) is not a field;
            // a macro's name in an imported template is reached through its module, not bare.
            let assigned: BTreeSet<String> = assigned_names(source).into_iter().collect();
            found.extend(
                parsed
                    .undeclared_variables(true)
                    .into_iter()
                    .filter(|path| {
                        let root = path.split('.').next().unwrap_or(path);
                        !globals.contains(root)
                            && !assigned.contains(root)
                            && !LANGUAGE_NAMES.contains(&root)
                    }),
            );
        }
        Ok(found)
    }

    /// The fields a record must give to render with the template, in declaration order.
    pub fn requires(&self, name: &str) -> Result<Vec<String>> {
        Ok(self
            .fields(name)?
            .into_iter()
            .filter(|f| f.required && !f.path.contains("[]"))
            .map(|f| f.path)
            .collect())
    }

    /// Checks a record against a template without rendering: every missing required field,
    /// every value of the wrong kind (also inside lists), and, as warnings, every field the
    /// template never reads, each with the template line that uses it.
    pub fn check(&self, name: &str, record: &Record) -> Result<Vec<Finding>> {
        let fields = self.fields(name)?;
        let reads = self.reads(name)?;
        let sources = self.searchable(name)?;
        let used_at = |spec: Option<&FieldSpec>, path: &str| {
            usage(&sources, path).or_else(|| spec.map(|s| (s.template.clone(), s.line)))
        };
        let mut findings = Vec::new();
        for spec in fields.iter().filter(|f| !f.path.contains("[]")) {
            let value = record.fields.get_path(&spec.path);
            let place = || used_at(Some(spec), &spec.path);
            findings.extend(check_value(spec, value, &spec.path, place));
            if let Some(Field::List(items)) = value {
                findings.extend(check_items(&fields, spec, items, &used_at));
            }
        }
        // Fields nobody reads: a read or declared path covers what lies under it only when no
        // read or declared path goes deeper (`meeting is defined` does not cover `meeting.nmae`
        // while `meeting.date` is read; `meeting.attendees`, read whole, covers its items).
        let known: BTreeSet<String> = reads
            .iter()
            .cloned()
            .chain(fields.iter().map(|f| f.path.clone()))
            .chain(ENGINE_FIELDS.iter().map(|f| f.to_string()))
            .collect();
        let mut leaves = Vec::new();
        leaf_paths(&record.fields, "", &mut leaves);
        for path in leaves {
            if covered(&known, &path) {
                continue;
            }
            let suggestion = closest(&known, &path)
                .map(|s| format!(" (did you mean `{s}`?)"))
                .unwrap_or_default();
            findings.push(Finding {
                severity: Severity::Warning,
                field: path,
                message: format!("the template {name} never reads it{suggestion}"),
                used_at: None,
            });
        }
        Ok(findings)
    }

    /// A record for the template in TOML: every field it reads, with its description in
    /// Vietnamese and English and an example value (`vanban new`).
    pub fn example(&self, name: &str, builtin: bool) -> Result<String> {
        let fields = self.fields(name)?;
        let reads = self.reads(name)?;
        let mut specs: Vec<FieldSpec> = fields;
        // Fields the template reads without declaring them get a placeholder.
        for path in &reads {
            let declared = specs
                .iter()
                .any(|f| f.path == *path || f.path.starts_with(&format!("{path}.")));
            let under_declared = specs
                .iter()
                .any(|f| path.starts_with(&format!("{}.", f.path)));
            if !declared && !under_declared {
                specs.push(FieldSpec {
                    path: path.clone(),
                    kind: FieldType::Text,
                    required: false,
                    description: "chưa có mô tả (not described by the template)".into(),
                    example: None,
                    template: name.to_string(),
                    line: 0,
                });
            }
        }
        Ok(write_example(name, builtin, &specs))
    }
}

/// A line of a `fields:` comment.
enum Declared {
    Field(FieldSpec),
    Dropped(String),
}

impl Declared {
    fn path(&self) -> &str {
        match self {
            Declared::Field(spec) => &spec.path,
            Declared::Dropped(path) => path,
        }
    }
}

/// Reads the `fields:` and `requires:` comments of a template.
fn declarations(template: &str, source: &str) -> Result<Vec<Declared>> {
    let mut out = Vec::new();
    for (start, body) in comments(source) {
        let first_line = source[..start].matches('\n').count() + 1;
        // `{#-` and `-#}` trim white space around the comment; the marks are not content.
        let body = body.strip_suffix('-').unwrap_or(body);
        let trimmed = body.trim_start_matches('-').trim_start();
        if let Some(rest) = trimmed.strip_prefix("requires:") {
            for path in rest.split_whitespace().filter(|w| *w != "-") {
                out.push(Declared::Field(FieldSpec {
                    path: path.to_string(),
                    kind: FieldType::Text,
                    required: true,
                    description: path.to_string(),
                    example: None,
                    template: template.to_string(),
                    line: first_line,
                }));
            }
            continue;
        }
        let Some(rest) = trimmed.strip_prefix("fields:") else {
            continue;
        };
        let offset = body.len() - rest.len();
        let before = &body[..offset];
        let base_line = first_line + before.matches('\n').count();
        for (index, raw) in rest.split('\n').enumerate() {
            let line = base_line + index;
            let text = raw.trim();
            if text.is_empty() {
                continue;
            }
            out.push(declaration(template, line, text)?);
        }
    }
    Ok(out)
}

/// One `path type description = example` line.
fn declaration(template: &str, line: usize, text: &str) -> Result<Declared> {
    let bad = |message: String| Error::Template {
        name: template.to_string(),
        line: Some(line),
        message,
    };
    let (path, rest) = text.split_once(char::is_whitespace).unwrap_or((text, ""));
    let path = path.to_string();
    let rest = rest.trim_start();
    let (kind, rest) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
    let rest = rest.trim();
    if kind == "-" {
        return Ok(Declared::Dropped(path));
    }
    let (kind, required) = match kind.strip_suffix('?') {
        Some(kind) => (kind, false),
        None => (kind, true),
    };
    let kind = FieldType::parse(kind).ok_or_else(|| {
        bad(format!(
            "field `{path}`: `{kind}` is not a type: use text, date, time, lines, list, bool or number"
        ))
    })?;
    let valid_path = path.split('.').all(|part| {
        let part = part.strip_suffix("[]").unwrap_or(part);
        !part.is_empty()
            && part
                .chars()
                .all(|c| c.is_alphanumeric() || c == '_' || c == '-')
    });
    if !valid_path {
        return Err(bad(format!(
            "`{path}` is not a field path like issuer.name"
        )));
    }
    let (description, example) = match rest.split_once(" = ") {
        Some((description, example)) => (description.trim(), Some(example.trim())),
        None => (rest, None),
    };
    if let Some(example) = example {
        if toml::from_str::<toml::Table>(&format!("x = {example}")).is_err() {
            return Err(bad(format!(
                "field `{path}`: the example `{example}` is not a TOML value"
            )));
        }
    }
    Ok(Declared::Field(FieldSpec {
        path,
        kind,
        required,
        description: description.to_string(),
        example: example.map(str::to_string),
        template: template.to_string(),
        line,
    }))
}

/// The comments of a template: where each starts (byte offset) and its text.
fn comments(source: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(start) = source[from..].find("{#") {
        let start = from + start;
        let Some(length) = source[start + 2..].find("#}") else {
            break;
        };
        out.push((start, &source[start + 2..start + 2 + length]));
        from = start + 2 + length + 2;
    }
    out
}

/// The quoted names after `extends`, `include`, `import` and `from` tags.
fn referenced_templates(source: &str) -> Vec<String> {
    let mut names = Vec::new();
    for tag in tags(source) {
        let mut words = tag.split_whitespace();
        let keyword = words.next().unwrap_or_default();
        if !matches!(keyword, "extends" | "include" | "import" | "from") {
            continue;
        }
        if let Some(name) = quoted(tag) {
            names.push(name);
        }
    }
    names
}

/// The template a template extends, if any.
fn extended(source: &str) -> Option<String> {
    tags(source)
        .into_iter()
        .find(|tag| tag.split_whitespace().next() == Some("extends"))
        .and_then(quoted)
}

/// The names a template assigns with `set`, `for`, `import … as` and `from … import`: not
/// record fields, even when another template of the chain reads them.
fn assigned_names(source: &str) -> Vec<String> {
    let mut names = Vec::new();
    for tag in tags(source) {
        let words: Vec<&str> = tag
            .split(|c: char| c.is_whitespace() || c == ',' || c == '=')
            .filter(|w| !w.is_empty())
            .collect();
        match words.first().copied() {
            Some("set") | Some("for") | Some("macro") => {
                if let Some(name) = words.get(1) {
                    names.push(name.split('(').next().unwrap_or(name).to_string());
                }
            }
            Some("import") => {
                if let Some(at) = words.iter().position(|w| *w == "as") {
                    names.extend(words.get(at + 1).map(|w| w.to_string()));
                }
            }
            Some("from") => {
                if let Some(at) = words.iter().position(|w| *w == "import") {
                    names.extend(words[at + 1..].iter().map(|w| w.to_string()));
                }
            }
            _ => {}
        }
    }
    names
}

/// The insides of the `{% … %}` tags of a template, with `-` trimming marks removed.
fn tags(source: &str) -> Vec<&str> {
    tag_spans(source)
        .into_iter()
        .map(|(_, _, inner)| inner)
        .collect()
}

/// The `{% … %}` tags of a template outside its comments: where each starts and ends (byte
/// offsets of `{%` and after `%}`) and its inside without trimming marks.
fn tag_spans(source: &str) -> Vec<(usize, usize, &str)> {
    let mut out = Vec::new();
    let mut from = 0;
    loop {
        let tag = source[from..].find("{%").map(|i| from + i);
        let comment = source[from..].find("{#").map(|i| from + i);
        let start = match (tag, comment) {
            (Some(tag), Some(comment)) if comment < tag => {
                // Skip the comment: `{% … %}` written inside it is prose, not a tag.
                match source[comment + 2..].find("#}") {
                    Some(length) => {
                        from = comment + 2 + length + 2;
                        continue;
                    }
                    None => break,
                }
            }
            (Some(tag), _) => tag,
            (None, _) => break,
        };
        let Some(length) = source[start + 2..].find("%}") else {
            break;
        };
        let end = start + 2 + length + 2;
        let inner = source[start + 2..end - 2]
            .trim_start_matches(['-', '+'])
            .trim_end_matches(['-', '+'])
            .trim();
        out.push((start, end, inner));
        from = end;
    }
    out
}

/// The body of every `{% block NAME %}` of a source, by name (nested blocks too).
fn block_bodies(source: &str) -> BTreeMap<String, String> {
    paired(source, "block", "endblock")
        .into_iter()
        .map(|(name, _, inner)| (name, source[inner].to_string()))
        .collect()
}

/// Every `{% OPEN NAME … %}` … `{% CLOSE %}` pair of a source (blocks, macros): its name, its
/// whole extent and its inside, nested pairs too.
type Pair = (String, std::ops::Range<usize>, std::ops::Range<usize>);

fn paired(source: &str, open: &str, close: &str) -> Vec<Pair> {
    let mut pairs = Vec::new();
    let mut stack: Vec<(String, usize, usize)> = Vec::new();
    for (start, end, inner) in tag_spans(source) {
        let mut words = inner.split_whitespace();
        let keyword = words.next();
        if keyword == Some(open) {
            let name = words.next().unwrap_or_default();
            let name = name.split('(').next().unwrap_or(name).to_string();
            stack.push((name, start, end));
        } else if keyword == Some(close) {
            if let Some((name, outer_start, inner_start)) = stack.pop() {
                pairs.push((name, outer_start..end, inner_start..start));
            }
        }
    }
    pairs
}

/// A layout's source with the blocks that `overrides` names replaced by their bodies there,
/// at any depth: what renders when a child template overrides them.
fn replace_blocks(source: &str, overrides: &BTreeMap<String, String>) -> String {
    let mut out = String::with_capacity(source.len());
    let mut copied = 0;
    let mut depth = 0;
    let mut replacing: Option<usize> = None;
    for (start, end, inner) in tag_spans(source) {
        let mut words = inner.split_whitespace();
        match words.next() {
            Some("block") => {
                depth += 1;
                if replacing.is_none() {
                    let name = words.next().unwrap_or_default();
                    if let Some(body) = overrides.get(name) {
                        out.push_str(&source[copied..end]);
                        out.push_str(body);
                        replacing = Some(depth);
                    }
                }
            }
            Some("endblock") => {
                if replacing == Some(depth) {
                    replacing = None;
                    copied = start;
                }
                depth -= 1;
            }
            _ => {}
        }
    }
    if replacing.is_none() {
        out.push_str(&source[copied..]);
    }
    out
}

/// The first quoted string in a tag.
fn quoted(tag: &str) -> Option<String> {
    let start = tag.find(['"', '\''])?;
    let quote = tag[start..].chars().next()?;
    let rest = &tag[start + 1..];
    let end = rest.find(quote)?;
    Some(rest[..end].to_string())
}

/// A template's text where a field's use is looked for: the parts of it that render for the
/// template being checked (not a parent's blocks that a child overrides, only the macros of an
/// imported template that are called), comments blanked out.
struct Searchable {
    template: String,
    code: String,
    ranges: Vec<std::ops::Range<usize>>,
}

impl Templates {
    fn searchable(&self, name: &str) -> Result<Vec<Searchable>> {
        let mut lineage = vec![name.to_string()];
        while let Some(parent) = extended(&self.source(lineage.last().map_or(name, |n| n))?) {
            if lineage.contains(&parent) {
                break;
            }
            lineage.push(parent);
        }
        let mut out = Vec::new();
        let mut overridden: BTreeSet<String> = BTreeSet::new();
        for template in &lineage {
            let source = self.source(template)?;
            let skipped: Vec<std::ops::Range<usize>> = paired(&source, "block", "endblock")
                .into_iter()
                .filter(|(block, _, _)| overridden.contains(block))
                .map(|(_, outer, _)| outer)
                .collect();
            let mut ranges = Vec::new();
            let mut from = 0;
            for skip in &skipped {
                if skip.start >= from {
                    ranges.push(from..skip.start);
                    from = skip.end;
                }
            }
            ranges.push(from..source.len());
            overridden.extend(block_bodies(&source).into_keys());
            out.push(Searchable {
                template: template.clone(),
                code: blank_comments(&source),
                ranges,
            });
        }
        let flat = self.flatten(name)?;
        let called: BTreeSet<&str> = flat
            .split(|c: char| !(c.is_alphanumeric() || c == '_' || c == '('))
            .filter_map(|w| {
                w.strip_suffix('(')
                    .or_else(|| w.split_once('(').map(|(n, _)| n))
            })
            .collect();
        for imported in referenced_templates(&flat) {
            if lineage.contains(&imported) || out.iter().any(|s| s.template == imported) {
                continue;
            }
            let source = self.source(&imported)?;
            let ranges = paired(&source, "macro", "endmacro")
                .into_iter()
                .filter(|(macro_name, _, _)| called.contains(macro_name.as_str()))
                .map(|(_, outer, _)| outer)
                .collect();
            out.push(Searchable {
                template: imported,
                code: blank_comments(&source),
                ranges,
            });
        }
        Ok(out)
    }
}

/// The first line of the searchable templates that names the field.
fn usage(sources: &[Searchable], path: &str) -> Option<(String, usize)> {
    let is_name = |c: char| c.is_alphanumeric() || c == '_';
    for source in sources {
        let code = &source.code;
        let found = code.match_indices(path).find(|(at, _)| {
            let before = code[..*at].chars().next_back();
            let after = code[at + path.len()..].chars().next();
            // A whole name: `issuer.name`, not `issuer.name_in_text` nor `x.issuer.name`.
            !before.is_some_and(|c| is_name(c) || c == '.')
                && !after.is_some_and(is_name)
                && source.ranges.iter().any(|r| r.contains(at))
        });
        if let Some((at, _)) = found {
            return Some((
                source.template.clone(),
                code[..at].matches('\n').count() + 1,
            ));
        }
    }
    None
}

/// The source with the insides of its comments replaced by spaces (lines and offsets kept).
fn blank_comments(source: &str) -> String {
    let mut out = String::with_capacity(source.len());
    let mut rest = source;
    while let Some(start) = rest.find("{#") {
        out.push_str(&rest[..start]);
        let end = rest[start..]
            .find("#}")
            .map_or(rest.len(), |e| start + e + 2);
        out.extend(
            rest[start..end]
                .chars()
                .map(|c| if c == '\n' { '\n' } else { ' ' }),
        );
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

/// What is wrong with a value for a type, if anything.
fn mistyped(kind: FieldType, value: &Field) -> Option<String> {
    let got = describe(value);
    let wrong = || Some(format!("is {got}; write {}", kind.expected()));
    match (kind, value) {
        (FieldType::Text, Field::Text(_) | Field::Markup(_) | Field::Int(_) | Field::Float(_)) => {
            None
        }
        (FieldType::Date, Field::Text(text)) => parse_date(text).is_none().then(|| {
            format!(
                "`{text}` is not a date: write {} (an impossible date such as 2018-02-30 is refused)",
                kind.expected()
            )
        }),
        (FieldType::Time, Field::Text(text)) => parse_time(text).is_none().then(|| {
            format!("`{text}` is not a time of day: write {}", kind.expected())
        }),
        (FieldType::Lines, Field::Text(_)) => None,
        (FieldType::Lines, Field::List(items)) => items
            .iter()
            .any(|item| !matches!(item, Field::Text(_) | Field::Int(_) | Field::Float(_)))
            .then(|| {
                format!(
                    "holds something other than text; write {}",
                    kind.expected()
                )
            }),
        (FieldType::List, Field::List(items)) => items
            .iter()
            .any(|item| !matches!(item, Field::Map(_)))
            .then(|| format!("holds something other than tables; write {}", kind.expected())),
        (FieldType::Bool, Field::Bool(_)) => None,
        (FieldType::Bool, Field::Text(text)) => Some(format!(
            "is the text `{text}`, which a template takes as true; write true or false (in a CSV, leave the cell empty for false)"
        )),
        (FieldType::Number, Field::Int(_) | Field::Float(_)) => None,
        (FieldType::Number, Field::Text(text)) if text.trim().parse::<f64>().is_ok() => None,
        _ => wrong(),
    }
}

fn describe(value: &Field) -> String {
    match value {
        Field::Null => "empty".into(),
        Field::Bool(b) => format!("the value {b}"),
        Field::Int(i) => format!("the number {i}"),
        Field::Float(f) => format!("the number {f}"),
        Field::Text(t) | Field::Markup(t) => format!("the text `{t}`"),
        Field::List(_) => "a list".into(),
        Field::Map(_) => "a table".into(),
    }
}

/// The finding for one declared field, if any: missing although required, or of the wrong
/// kind; `field` is how to name it (`meeting.attendees[2].name` inside a list).
fn check_value(
    spec: &FieldSpec,
    value: Option<&Field>,
    field: &str,
    place: impl Fn() -> Option<Place>,
) -> Option<Finding> {
    let message = match value {
        None if spec.required => format!(
            "missing: add {} ({})",
            spec.description,
            spec.kind.expected()
        ),
        None => return None,
        Some(value) => mistyped(spec.kind, value)?,
    };
    Some(Finding {
        severity: Severity::Error,
        field: field.to_string(),
        message,
        used_at: place(),
    })
}

/// Checks the items of a list against the `list[].key` declarations.
fn check_items(
    fields: &[FieldSpec],
    list: &FieldSpec,
    items: &[Field],
    used_at: &dyn Fn(Option<&FieldSpec>, &str) -> Option<Place>,
) -> Vec<Finding> {
    let prefix = format!("{}[].", list.path);
    let keys: Vec<&FieldSpec> = fields
        .iter()
        .filter(|f| f.path.starts_with(&prefix))
        .collect();
    let mut findings = Vec::new();
    if keys.is_empty() {
        return findings;
    }
    for (index, item) in items.iter().enumerate() {
        let Field::Map(entries) = item else { continue };
        let at = |key: &str| format!("{}[{}].{key}", list.path, index + 1);
        for spec in &keys {
            let key = &spec.path[prefix.len()..];
            let place = || used_at(Some(list), &list.path);
            findings.extend(check_value(spec, item.get_path(key), &at(key), place));
        }
        let known: BTreeSet<String> = keys
            .iter()
            .map(|s| s.path[prefix.len()..].to_string())
            .collect();
        for (key, _) in entries {
            if !known.contains(key) {
                let suggestion = closest(&known, key)
                    .map(|s| format!(" (did you mean `{s}`?)"))
                    .unwrap_or_default();
                findings.push(Finding {
                    severity: Severity::Warning,
                    field: at(key),
                    message: format!("no template line reads this key of the list{suggestion}"),
                    used_at: None,
                });
            }
        }
    }
    findings
}

/// The paths of a record down to its values; lists are not entered (their items are checked
/// against `list[].key` declarations).
fn leaf_paths(field: &Field, prefix: &str, out: &mut Vec<String>) {
    match field {
        Field::Map(entries) => {
            for (key, value) in entries {
                let path = if prefix.is_empty() {
                    key.clone()
                } else {
                    format!("{prefix}.{key}")
                };
                match value {
                    Field::Map(inner) if !inner.is_empty() => leaf_paths(value, &path, out),
                    _ => out.push(path),
                }
            }
        }
        _ => out.push(prefix.to_string()),
    }
}

/// Whether a record path is read: named exactly, or under a known path that nothing known
/// goes deeper into.
fn covered(known: &BTreeSet<String>, path: &str) -> bool {
    if known.contains(path) {
        return true;
    }
    let mut prefix = path;
    while let Some((parent, _)) = prefix.rsplit_once('.') {
        if known.contains(parent) {
            let deeper = format!("{parent}.");
            return !known.iter().any(|k| k.starts_with(&deeper));
        }
        prefix = parent;
    }
    // A table the template reads only by its keys: `issuer` itself is never a leaf.
    false
}

/// The known path nearest to a mistyped one, if it is near enough to be a typo.
fn closest(known: &BTreeSet<String>, path: &str) -> Option<String> {
    known
        .iter()
        .map(|k| (distance(k, path), k))
        .filter(|(d, k)| *d > 0 && *d <= 2.max(k.chars().count() / 5))
        .min()
        .map(|(_, k)| k.clone())
}

/// Levenshtein distance over characters.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut previous = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let current = row[j + 1];
            row[j + 1] = (previous + usize::from(ca != *cb))
                .min(row[j] + 1)
                .min(row[j + 1] + 1);
            previous = current;
        }
    }
    row[b.len()]
}

/// Writes the example record of `vanban new`.
fn write_example(name: &str, builtin: bool, specs: &[FieldSpec]) -> String {
    let mut out = String::new();
    out.push_str(&format!(
        "# Bản ghi mẫu cho mẫu văn bản {name} (an example record for the template {name}).\n"
    ));
    out.push_str(
        "# Sửa các giá trị rồi chạy (edit the values, then run): vanban render record.toml",
    );
    if !builtin {
        out.push_str(&format!(" -t {name}"));
    }
    out.push_str(
        "\n# Trường có ghi \"không bắt buộc\" có thể xóa (fields marked optional may go).\n",
    );
    if builtin {
        out.push_str(&format!(
            "\ntemplate = \"{name}\"   # mẫu văn bản (the template)\n"
        ));
    }
    // Top-level values first, then one table per first path segment (TOML's order).
    let mut tables: BTreeMap<&str, Vec<&FieldSpec>> = BTreeMap::new();
    let mut order: Vec<&str> = Vec::new();
    for spec in specs.iter().filter(|s| !s.path.contains("[]")) {
        match spec.path.split_once('.') {
            None => {
                out.push('\n');
                write_field(&mut out, spec, &spec.path, specs);
            }
            Some((table, _)) => {
                if !order.contains(&table) {
                    order.push(table);
                }
                tables.entry(table).or_default().push(spec);
            }
        }
    }
    for table in order {
        out.push_str(&format!("\n[{table}]\n"));
        for spec in &tables[table] {
            let key = &spec.path[table.len() + 1..];
            write_field(&mut out, spec, key, specs);
        }
    }
    out
}

fn write_field(out: &mut String, spec: &FieldSpec, key: &str, specs: &[FieldSpec]) {
    let optional = if spec.required {
        ""
    } else {
        " — không bắt buộc (optional)"
    };
    out.push_str(&format!("# {}{optional}\n", spec.description));
    let prefix = format!("{}[].", spec.path);
    for item in specs.iter().filter(|s| s.path.starts_with(&prefix)) {
        let optional = if item.required {
            ""
        } else {
            ", không bắt buộc (optional)"
        };
        out.push_str(&format!(
            "#   {}: {}{optional}\n",
            &item.path[prefix.len()..],
            item.description
        ));
    }
    let value = spec.example.clone().unwrap_or_else(|| match spec.kind {
        FieldType::Date => "2018-03-13".into(),
        FieldType::Time => "\"08:00\"".into(),
        FieldType::Lines | FieldType::List => "[]".into(),
        FieldType::Bool => "false".into(),
        FieldType::Number => "0".into(),
        FieldType::Text => "\"…\"".into(),
    });
    // A picture or text file that does not exist beside the new record would stop it from
    // rendering: such an optional example is written as a comment to fill in.
    let names_file = value.contains("path =") || value.contains("file =");
    if names_file && !spec.required {
        out.push_str(
            "#   (bỏ dấu # ở đầu dòng khi đã có tệp: remove the # once the file exists)\n",
        );
        out.push_str(&format!("# {key} = {value}\n"));
    } else {
        out.push_str(&format!("{key} = {value}\n"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declarations_read_types_examples_and_drops() {
        let source = "{#- fields:\ntitle text trích yếu (title) = \"A\"\nissuer.date date? ngày (date) = 2018-03-13\nx.y[].z text? z\nissuer.place -\n-#}\nbody";
        let declared = declarations("t", source).unwrap();
        assert_eq!(declared.len(), 4);
        let Declared::Field(title) = &declared[0] else {
            panic!()
        };
        assert_eq!(title.path, "title");
        assert!(title.required);
        assert_eq!(title.example.as_deref(), Some("\"A\""));
        assert_eq!(title.line, 2);
        let Declared::Field(date) = &declared[1] else {
            panic!()
        };
        assert_eq!(date.kind, FieldType::Date);
        assert!(!date.required);
        assert!(matches!(&declared[3], Declared::Dropped(p) if p == "issuer.place"));
    }

    #[test]
    fn a_bad_declaration_names_its_line() {
        let error = declarations("t", "{# fields:\na text x\nb strnig y\n#}")
            .err()
            .unwrap()
            .to_string();
        assert!(error.contains("line 3"), "{error}");
        assert!(error.contains("strnig"), "{error}");
    }

    #[test]
    fn every_built_in_declares_exactly_what_it_reads() {
        let templates = Templates::new();
        // The yearly summary reads `records`, many at once: its per-record fields are checked
        // by its `requires:` comment, record by record.
        let per_record =
            super::super::listed().filter(|b| b.name != super::super::DEFAULT_AGGREGATE_TEMPLATE);
        for builtin in per_record {
            let name = builtin.name;
            let declared: BTreeSet<String> = templates
                .fields(name)
                .unwrap()
                .into_iter()
                .filter(|f| !f.path.contains("[]"))
                .map(|f| f.path)
                .collect();
            let reads = templates.reads(name).unwrap();
            for path in &reads {
                let deeper = format!("{path}.");
                assert!(
                    declared.contains(path) || declared.iter().any(|d| d.starts_with(&deeper)),
                    "{name} reads `{path}` without declaring it"
                );
            }
            // A table passed whole to a shared macro (`chung.minutes_body(meeting, …)`) is read
            // whole as far as the analysis can see.
            for path in &declared {
                let read = reads
                    .iter()
                    .any(|r| r == path || path.starts_with(&format!("{r}.")));
                assert!(read, "{name} declares `{path}` but never reads it");
            }
            // `vanban new` writes every declared field, as valid TOML.
            let example = templates.example(name, true).unwrap();
            let record: toml::Table = toml::from_str(&example)
                .unwrap_or_else(|e| panic!("{name}: the example is not TOML ({e})\n{example}"));
            for path in &declared {
                let (table, key) = path.split_once('.').unwrap_or(("", path));
                let present = if table.is_empty() {
                    record.contains_key(key)
                } else {
                    record
                        .get(table)
                        .and_then(|t| t.as_table())
                        .is_some_and(|t| t.contains_key(key))
                };
                let commented = example.contains(&format!("# {key} = "));
                assert!(
                    present || commented,
                    "{name}: `vanban new` leaves out `{path}`"
                );
            }
        }
    }

    #[test]
    fn a_use_is_a_whole_name_outside_comments_and_overridden_blocks() {
        let searchable = |code: &str| Searchable {
            template: "t".into(),
            code: blank_comments(code),
            ranges: std::iter::once(0..code.len()).collect(),
        };
        let find = |code: &str, path: &str| usage(&[searchable(code)], path).map(|u| u.1);
        assert_eq!(find("a\n{{ issuer.name }}", "issuer.name"), Some(2));
        assert_eq!(find("{{ issuer.name_in_text }}", "issuer.name"), None);
        assert_eq!(find("{{ x.issuer.name }}", "issuer.name"), None);
        assert_eq!(
            find("{# issuer.name #}\n{{ issuer.name }}", "issuer.name"),
            Some(2)
        );
        // A parent's block that the child overrides is not where the child uses a field.
        let templates = Templates::new();
        let sources = templates.searchable("cong-van").unwrap();
        let parent = sources.iter().find(|s| s.template == "bao-cao").unwrap();
        let opening = parent.code.find("chung.meeting_opening").unwrap();
        assert!(!parent.ranges.iter().any(|r| r.contains(&opening)));
    }

    #[test]
    fn coverage_stops_where_a_deeper_path_is_known() {
        let known: BTreeSet<String> = ["meeting", "meeting.date", "photos", "signer.name"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert!(covered(&known, "meeting.date"));
        assert!(!covered(&known, "meeting.nmae"));
        assert!(covered(&known, "photos.anything"));
        assert!(!covered(&known, "signer.nmae"));
        assert_eq!(
            closest(&known, "signer.nmae").as_deref(),
            Some("signer.name")
        );
    }
}
