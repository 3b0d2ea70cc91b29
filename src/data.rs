//! Data files in, records out: JSON, JSON Lines, TOML and CSV, every string NFC.
//!
//! A record is a tree of [`Field`]s. A field written `{ file = "bai-viet.txt" }` is replaced by
//! that file's text (relative to the data file, and inside its folder unless a wider root is
//! given): a `.md` file becomes [`Field::Markup`], any other file literal [`Field::Text`].

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

use unicode_normalization::UnicodeNormalization;

use crate::error::{Error, Result};

/// One value of a record.
#[derive(Debug, Clone, PartialEq)]
pub enum Field {
    /// No value (JSON `null`).
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A whole number.
    Int(i64),
    /// A number with a fraction.
    Float(f64),
    /// Literal text: every character is kept as written.
    Text(String),
    /// Markup (from a `.md` file): headings, emphasis and lists are read as such.
    Markup(String),
    /// A list of values.
    List(Vec<Field>),
    /// Named values, in the order the file gives them.
    Map(Vec<(String, Field)>),
}

impl Field {
    /// The value at a dotted path (`issuer.name`), if there is one and it is not null.
    pub fn get_path(&self, path: &str) -> Option<&Field> {
        let mut current = self;
        for key in path.split('.') {
            current = match current {
                Field::Map(entries) => entries.iter().find(|(k, _)| k == key).map(|(_, v)| v)?,
                _ => return None,
            };
        }
        match current {
            Field::Null => None,
            Field::Text(s) if s.trim().is_empty() => None,
            other => Some(other),
        }
    }

    /// The text of a text or markup field.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Field::Text(s) | Field::Markup(s) => Some(s),
            _ => None,
        }
    }
}

/// One record and where it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    /// The record's fields (a [`Field::Map`]).
    pub fields: Field,
    /// The data file.
    pub file: PathBuf,
    /// The line where the record starts (CSV and JSON Lines), for messages.
    pub line: Option<u64>,
    /// The record's position in the file, from 0.
    pub index: usize,
}

impl Record {
    /// Where the record is, for messages: `data.csv:14` or `data.toml`.
    pub fn origin(&self) -> String {
        match self.line {
            Some(line) => format!("{}:{line}", self.file.display()),
            None => self.file.display().to_string(),
        }
    }
}

/// How to read data files.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// The folder that referenced files must stay inside; default: the data file's folder.
    pub root: Option<PathBuf>,
}

/// Reads every record of a data file, resolving file references.
pub fn load(path: &Path, options: &LoadOptions) -> Result<Vec<Record>> {
    let records = open(path, options)?.collect::<Result<Vec<_>>>()?;
    if records.is_empty() {
        return Err(Error::data(path, None, "the file holds no record"));
    }
    Ok(records)
}

/// Opens a data file for reading its records one at a time.
///
/// CSV and JSON Lines are streamed: a record is parsed when it is asked for, so reading
/// 100,000 rows takes no more memory than reading 1,000. JSON and TOML are parsed whole (a
/// JSON array cannot be cut into records before it is read to its end).
///
/// The iterator stops after its first error: a file that cannot be read whole is an input
/// error, not the failure of one record. An empty file gives no record and no error.
pub fn open(path: &Path, options: &LoadOptions) -> Result<Records> {
    let extension = path
        .extension()
        .and_then(|e| e.to_str())
        .map(|e| e.to_ascii_lowercase())
        .unwrap_or_default();
    let file = || {
        let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
        let mut reader = BufReader::with_capacity(64 * 1024, file);
        skip_bom(&mut reader).map_err(|e| Error::io(path, e))?;
        Ok::<_, Error>(reader)
    };
    let whole = || -> Result<String> {
        let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
        decode(path, &bytes)
    };
    let source = match extension.as_str() {
        "csv" => {
            let mut reader = csv::ReaderBuilder::new()
                .has_headers(true)
                .flexible(false)
                .from_reader(UnixLineEnds::new(file()?));
            let headers = csv_headers(path, &mut reader)?;
            Source::Csv {
                reader: Box::new(reader),
                headers,
            }
        }
        "jsonl" | "ndjson" => Source::JsonLines {
            reader: file()?,
            line: 0,
        },
        "json" => Source::Whole(parse_json(path, &whole()?)?.into_iter()),
        "toml" => Source::Whole(vec![(parse_toml(path, &whole()?)?, None)].into_iter()),
        other => {
            return Err(Error::data(
                path,
                None,
                format!("unknown data format `.{other}`: use .json, .jsonl, .toml or .csv"),
            ))
        }
    };
    let base = path.parent().unwrap_or(Path::new(".")).to_path_buf();
    let root = options.root.clone().unwrap_or_else(|| base.clone());
    Ok(Records {
        source,
        path: path.to_path_buf(),
        base,
        root,
        read_references: true,
        index: 0,
        done: false,
    })
}

/// The records of a data file, read one at a time (see [`open`]).
pub struct Records {
    source: Source,
    path: PathBuf,
    base: PathBuf,
    root: PathBuf,
    read_references: bool,
    index: usize,
    done: bool,
}

impl std::fmt::Debug for Records {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Records")
            .field("path", &self.path)
            .field("index", &self.index)
            .finish_non_exhaustive()
    }
}

enum Source {
    Csv {
        reader: Box<csv::Reader<UnixLineEnds<BufReader<std::fs::File>>>>,
        headers: Vec<String>,
    },
    JsonLines {
        reader: BufReader<std::fs::File>,
        line: u64,
    },
    Whole(std::vec::IntoIter<(Field, Option<u64>)>),
}

impl Records {
    /// Checks `{ file = "…" }` fields (the file exists, inside the allowed folder) without
    /// reading them: the fields stay as they are. For a quick first pass over a batch.
    pub fn check_references_only(mut self) -> Self {
        self.read_references = false;
        self
    }

    /// The next record's fields and line, before file references are resolved.
    fn next_raw(&mut self) -> Option<Result<(Field, Option<u64>)>> {
        match &mut self.source {
            Source::Whole(items) => items.next().map(Ok),
            Source::Csv { reader, headers } => {
                let mut row = csv::StringRecord::new();
                match reader.read_record(&mut row) {
                    Ok(false) => None,
                    Ok(true) => Some(csv_record(&self.path, headers, &row)),
                    Err(e) => Some(Err(csv_error(&self.path, &e))),
                }
            }
            Source::JsonLines { reader, line } => loop {
                let mut bytes = Vec::new();
                match reader.read_until(b'\n', &mut bytes) {
                    Ok(0) => return None,
                    Ok(_) => {}
                    Err(e) => return Some(Err(Error::io(&self.path, e))),
                }
                *line += 1;
                let Ok(text) = std::str::from_utf8(&bytes) else {
                    return Some(Err(not_utf8(&self.path, *line)));
                };
                let text = text.trim_end_matches(['\n', '\r']);
                if text.trim().is_empty() {
                    continue;
                }
                return Some(parse_json_line(&self.path, text, *line).map(|f| (f, Some(*line))));
            },
        }
    }
}

impl Iterator for Records {
    type Item = Result<Record>;

    fn next(&mut self) -> Option<Result<Record>> {
        if self.done {
            return None;
        }
        let result = self.next_raw()?.and_then(|(fields, line)| {
            let path = &self.path;
            if !matches!(fields, Field::Map(_)) {
                let location = line.map(|l| l.to_string());
                return Err(Error::data(
                    path,
                    location,
                    "a record must be an object of named fields",
                ));
            }
            let fields = resolve_files(
                fields,
                &References {
                    base: &self.base,
                    root: &self.root,
                    read: self.read_references,
                },
                "",
            )
            .map_err(|e| {
                e.in_record(line.map_or_else(
                    || path.display().to_string(),
                    |l| format!("{}:{l}", path.display()),
                ))
            })?;
            Ok(Record {
                fields,
                file: path.clone(),
                line,
                index: self.index,
            })
        });
        self.index += 1;
        if result.is_err() {
            self.done = true;
        }
        Some(result)
    }
}

/// Skips a UTF-8 byte-order mark at the start of a file.
fn skip_bom(reader: &mut BufReader<std::fs::File>) -> std::io::Result<()> {
    if reader.fill_buf()?.starts_with(b"\xEF\xBB\xBF") {
        reader.consume(3);
    }
    Ok(())
}

/// A reader that turns Windows line ends (`\r\n`) into `\n`, as [`decode`] does for whole
/// files: quoted CSV cells then hold `\n` only, and every line is counted once (the CSV reader
/// would otherwise count the `\n` of a `\r\n` row end in the next row).
struct UnixLineEnds<R> {
    inner: R,
    line: Vec<u8>,
    at: usize,
}

impl<R> UnixLineEnds<R> {
    fn new(inner: R) -> Self {
        UnixLineEnds {
            inner,
            line: Vec::new(),
            at: 0,
        }
    }
}

impl<R: BufRead> std::io::Read for UnixLineEnds<R> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        if self.at == self.line.len() {
            self.line.clear();
            self.at = 0;
            if self.inner.read_until(b'\n', &mut self.line)? == 0 {
                return Ok(0);
            }
            if self.line.ends_with(b"\r\n") {
                self.line.truncate(self.line.len() - 2);
                self.line.push(b'\n');
            }
        }
        let count = out.len().min(self.line.len() - self.at);
        out[..count].copy_from_slice(&self.line[self.at..self.at + count]);
        self.at += count;
        Ok(count)
    }
}

fn not_utf8(path: &Path, line: u64) -> Error {
    Error::data(
        path,
        Some(line.to_string()),
        "the file is not UTF-8 text: save it as UTF-8 (Unicode) and try again",
    )
}

/// Decodes a text file: UTF-8 with or without a byte-order mark, line ends made `\n`, NFC.
pub fn decode(path: &Path, bytes: &[u8]) -> Result<String> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let line = bytes[..e.valid_up_to()]
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
            + 1;
        not_utf8(path, line as u64)
    })?;
    Ok(nfc(&text.replace("\r\n", "\n")))
}

/// Normalises text to NFC, the form every later stage expects.
pub fn nfc(text: &str) -> String {
    text.nfc().collect()
}

fn parse_json(path: &Path, text: &str) -> Result<Vec<(Field, Option<u64>)>> {
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| {
        Error::data(
            path,
            Some(format!("{}:{}", e.line(), e.column())),
            format!("invalid JSON ({e})"),
        )
    })?;
    Ok(match value {
        serde_json::Value::Array(items) => {
            items.into_iter().map(|v| (from_json(v), None)).collect()
        }
        other => vec![(from_json(other), None)],
    })
}

fn parse_json_line(path: &Path, text: &str, line: u64) -> Result<Field> {
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| {
        Error::data(
            path,
            Some(format!("{line}:{}", e.column())),
            format!("invalid JSON ({e})"),
        )
    })?;
    Ok(from_json(value))
}

fn from_json(value: serde_json::Value) -> Field {
    use serde_json::Value;
    match value {
        Value::Null => Field::Null,
        Value::Bool(b) => Field::Bool(b),
        Value::Number(n) => match n.as_i64() {
            Some(i) => Field::Int(i),
            None => Field::Float(n.as_f64().unwrap_or(f64::NAN)),
        },
        Value::String(s) => Field::Text(s),
        Value::Array(items) => Field::List(items.into_iter().map(from_json).collect()),
        Value::Object(map) => Field::Map(map.into_iter().map(|(k, v)| (k, from_json(v))).collect()),
    }
}

fn parse_toml(path: &Path, text: &str) -> Result<Field> {
    let table: toml::Table = toml::from_str(text).map_err(|e| {
        let location = e.span().map(|span| {
            let line = text[..span.start].matches('\n').count() + 1;
            line.to_string()
        });
        Error::data(path, location, format!("invalid TOML ({})", e.message()))
    })?;
    Ok(from_toml(toml::Value::Table(table)))
}

fn from_toml(value: toml::Value) -> Field {
    use toml::Value;
    match value {
        Value::String(s) => Field::Text(s),
        Value::Integer(i) => Field::Int(i),
        Value::Float(f) => Field::Float(f),
        Value::Boolean(b) => Field::Bool(b),
        // A TOML date is kept in its ISO form, which the date filters read.
        Value::Datetime(d) => Field::Text(d.to_string()),
        Value::Array(items) => Field::List(items.into_iter().map(from_toml).collect()),
        Value::Table(table) => {
            Field::Map(table.into_iter().map(|(k, v)| (k, from_toml(v))).collect())
        }
    }
}

/// Reads the header row of a CSV file: dotted names (`issuer.name` fills `name` inside
/// `issuer`); a name ending in `[]` (`recipients[]`) makes a list of the cell's lines.
fn csv_headers<R: std::io::Read>(path: &Path, reader: &mut csv::Reader<R>) -> Result<Vec<String>> {
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| csv_error(path, &e))?
        .iter()
        .map(|h| nfc(h.trim()))
        .collect();
    if let Some(position) = headers.iter().position(|h| h.is_empty()) {
        return Err(Error::data(
            path,
            Some(format!("1, column {}", position + 1)),
            "a column has no name in the header row",
        ));
    }
    Ok(headers)
}

/// One CSV row as a record, with the line it starts on.
fn csv_record(
    path: &Path,
    headers: &[String],
    row: &csv::StringRecord,
) -> Result<(Field, Option<u64>)> {
    let line = row.position().map(|p| p.line());
    let mut fields = Field::Map(Vec::new());
    for (header, cell) in headers.iter().zip(row.iter()) {
        let cell = cell.to_string();
        let (name, value) = match header.strip_suffix("[]") {
            Some(name) => (
                name,
                Field::List(
                    cell.lines()
                        .map(str::trim)
                        .filter(|l| !l.is_empty())
                        .map(|l| Field::Text(l.to_string()))
                        .collect(),
                ),
            ),
            None => (header.as_str(), Field::Text(cell)),
        };
        insert_dotted(&mut fields, name, value).map_err(|message| {
            Error::data(path, Some(format!("1, column \"{header}\"")), message)
        })?;
    }
    Ok((fields, line))
}

fn csv_error(path: &Path, error: &csv::Error) -> Error {
    let location = error.position().map(|p| p.line().to_string());
    let message = match error.kind() {
        csv::ErrorKind::UnequalLengths { expected_len, len, .. } => format!(
            "this row has {len} cells but the header has {expected_len}: check for a stray or missing separator or quote"
        ),
        csv::ErrorKind::Utf8 { .. } => {
            "the file is not UTF-8 text: save it as UTF-8 (Unicode) and try again".to_string()
        }
        _ => format!("invalid CSV ({error})"),
    };
    Error::data(path, location, message)
}

fn insert_dotted(
    target: &mut Field,
    dotted: &str,
    value: Field,
) -> std::result::Result<(), String> {
    let mut current = target;
    let parts: Vec<&str> = dotted.split('.').collect();
    for (i, part) in parts.iter().enumerate() {
        let Field::Map(entries) = current else {
            return Err(format!(
                "`{}` is both a value and a group of fields",
                parts[..i].join(".")
            ));
        };
        let last = i + 1 == parts.len();
        let position = match entries.iter().position(|(k, _)| k == part) {
            Some(_) if last => return Err(format!("the column `{dotted}` appears twice")),
            Some(p) => p,
            None => {
                entries.push((
                    part.to_string(),
                    if last {
                        value.clone()
                    } else {
                        Field::Map(Vec::new())
                    },
                ));
                entries.len() - 1
            }
        };
        current = &mut entries[position].1;
    }
    Ok(())
}

/// Where `{ file = "…" }` fields are looked for, and whether they are read.
struct References<'a> {
    /// The data file's folder: names are relative to it.
    base: &'a Path,
    /// The folder they must stay inside.
    root: &'a Path,
    /// Read the file (else only check that it may be read, and keep the field).
    read: bool,
}

/// Replaces `{ file = "…" }` fields by the file's text and normalises every string to NFC.
fn resolve_files(field: Field, references: &References, at: &str) -> Result<Field> {
    Ok(match field {
        Field::Text(s) => Field::Text(nfc(&s)),
        Field::Markup(s) => Field::Markup(nfc(&s)),
        Field::List(items) => Field::List(
            items
                .into_iter()
                .enumerate()
                .map(|(i, f)| resolve_files(f, references, &format!("{at}[{i}]")))
                .collect::<Result<_>>()?,
        ),
        Field::Map(entries) => {
            if let [(key, Field::Text(name))] = entries.as_slice() {
                if key == "file" {
                    let text = read_referenced(name, references, at)?;
                    return Ok(text.unwrap_or(Field::Map(entries)));
                }
            }
            Field::Map(
                entries
                    .into_iter()
                    .map(|(k, v)| {
                        let path = if at.is_empty() {
                            k.clone()
                        } else {
                            format!("{at}.{k}")
                        };
                        Ok((nfc(&k), resolve_files(v, references, &path)?))
                    })
                    .collect::<Result<_>>()?,
            )
        }
        other => other,
    })
}

/// The text of a referenced file, or `None` when references are only checked.
fn read_referenced(name: &str, references: &References, field: &str) -> Result<Option<Field>> {
    let path = references.base.join(name);
    let unreadable = |e: std::io::Error| Error::BadField {
        field: field.to_string(),
        message: format!("cannot read `{}` ({e})", path.display()),
    };
    // Canonical paths see through `..` and symbolic links alike.
    let canonical = path.canonicalize().map_err(unreadable)?;
    let root = references
        .root
        .canonicalize()
        .map_err(|e| Error::io(references.root, e))?;
    if !canonical.starts_with(&root) {
        return Err(Error::BadField {
            field: field.to_string(),
            message: format!(
                "the file `{name}` is outside the data file's folder; move it beside the data or widen the folder with --root"
            ),
        });
    }
    if !references.read {
        return Ok(None);
    }
    let bytes = std::fs::read(&canonical).map_err(unreadable)?;
    let text = decode(&path, &bytes)?;
    let is_markup = path
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("md"));
    Ok(Some(if is_markup {
        Field::Markup(text)
    } else {
        Field::Text(text)
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dotted_csv_headers_nest_and_lists_split_lines() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.csv");
        std::fs::write(
            &path,
            "issuer.name,issuer.number,recipients[]\nSỞ NỘI VỤ,15/BC-SNV,\"A\nB\"\n",
        )
        .unwrap();
        let records = load(&path, &LoadOptions::default()).unwrap();
        assert_eq!(records.len(), 1);
        let r = &records[0].fields;
        assert_eq!(
            r.get_path("issuer.name").and_then(Field::as_str),
            Some("SỞ NỘI VỤ")
        );
        assert_eq!(
            r.get_path("recipients"),
            Some(&Field::List(vec![
                Field::Text("A".into()),
                Field::Text("B".into())
            ]))
        );
        assert_eq!(records[0].line, Some(2));
    }

    #[test]
    fn ragged_csv_row_names_its_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.csv");
        std::fs::write(&path, "a,b\n1,2\n3,4,5\n").unwrap();
        let err = load(&path, &LoadOptions::default())
            .unwrap_err()
            .to_string();
        assert!(err.contains("a.csv:3"), "{err}");
        assert!(err.contains("3 cells but the header has 2"), "{err}");
    }

    #[test]
    fn json_lines_stream_with_their_lines_and_skip_blank_ones() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.jsonl");
        std::fs::write(
            &path,
            "\u{feff}{\"a\": 1}\r\n\n{\"a\": 2}\n[3]\n{\"a\": 4}\n",
        )
        .unwrap();
        let mut records = open(&path, &LoadOptions::default()).unwrap();
        let first = records.next().unwrap().unwrap();
        assert_eq!((first.line, first.index), (Some(1), 0));
        let second = records.next().unwrap().unwrap();
        assert_eq!((second.line, second.index), (Some(3), 1));
        let err = records.next().unwrap().unwrap_err().to_string();
        assert!(err.contains("a.jsonl:4"), "{err}");
        assert!(err.contains("an object of named fields"), "{err}");
        assert!(records.next().is_none(), "reading stops at the first error");
    }

    #[test]
    fn csv_streams_rows_with_the_line_they_start_on() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.csv");
        std::fs::write(&path, "\u{feff}t,n\r\n\"x\r\ny\",1\r\nz,2\r\n").unwrap();
        let records: Vec<Record> = open(&path, &LoadOptions::default())
            .unwrap()
            .collect::<Result<_>>()
            .unwrap();
        assert_eq!(records.len(), 2);
        assert_eq!(
            records[0].fields.get_path("t").and_then(Field::as_str),
            Some("x\ny")
        );
        assert_eq!((records[1].line, records[1].index), (Some(4), 1));
    }

    #[test]
    fn invalid_utf8_in_a_streamed_file_names_its_line() {
        let dir = tempfile::tempdir().unwrap();
        for (name, bytes) in [
            ("a.csv", &b"t\nok\n\xff\n"[..]),
            ("a.jsonl", &b"{}\n{\"t\": \"\xff\"}\n"[..]),
        ] {
            let path = dir.path().join(name);
            std::fs::write(&path, bytes).unwrap();
            let err = load(&path, &LoadOptions::default())
                .unwrap_err()
                .to_string();
            assert!(err.contains("not UTF-8"), "{err}");
            assert!(err.contains(&format!("{name}:")), "{err}");
        }
    }

    #[test]
    fn a_first_pass_checks_references_without_reading_them() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("bai.txt"), "Nội dung").unwrap();
        let path = dir.path().join("a.jsonl");
        std::fs::write(&path, "{\"article\": {\"file\": \"bai.txt\"}}\n").unwrap();
        let checked = open(&path, &LoadOptions::default())
            .unwrap()
            .check_references_only()
            .next()
            .unwrap()
            .unwrap();
        assert!(matches!(
            checked.fields.get_path("article"),
            Some(Field::Map(_))
        ));
        std::fs::write(&path, "{\"article\": {\"file\": \"khong-co.txt\"}}\n").unwrap();
        let err = open(&path, &LoadOptions::default())
            .unwrap()
            .check_references_only()
            .next()
            .unwrap()
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("a.jsonl:1: field `article`: cannot read"),
            "{err}"
        );
    }

    #[test]
    fn strings_become_nfc() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.json");
        // "Việt" written decomposed: e + circumflex + dot below.
        std::fs::write(&path, "{\"name\": \"Vie\u{0302}\u{0323}t\"}").unwrap();
        let records = load(&path, &LoadOptions::default()).unwrap();
        assert_eq!(
            records[0].fields.get_path("name").and_then(Field::as_str),
            Some("Việt")
        );
    }

    #[test]
    fn referenced_file_outside_the_folder_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let inner = dir.path().join("inner");
        std::fs::create_dir(&inner).unwrap();
        std::fs::write(dir.path().join("secret.txt"), "x").unwrap();
        let path = inner.join("a.toml");
        std::fs::write(&path, "article = { file = \"../secret.txt\" }\n").unwrap();
        let err = load(&path, &LoadOptions::default())
            .unwrap_err()
            .to_string();
        assert!(err.contains("outside the data file's folder"), "{err}");
    }
}
