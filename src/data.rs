//! Data files in, records out: JSON, JSON Lines, TOML and CSV, every string NFC and without
//! stray byte-order marks.
//!
//! Bytes are decoded by [`crate::encoding`] (UTF-8, UTF-16, Windows-1258, TCVN3, VNI, detected
//! or given), then every string is NFC and, if asked, rewritten to one tone placement style.
//!
//! A record is a tree of [`Field`]s. A field written `{ file = "bai-viet.txt" }` is replaced by
//! that file's text (relative to the data file, and inside its folder unless a wider root is
//! given): a `.md` file becomes [`Field::Markup`], any other file literal [`Field::Text`].

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::mpsc;

use unicode_normalization::UnicodeNormalization;

use crate::encoding::{self, DecodeError, Encoding};
use crate::error::{Error, Result};
use crate::vietnamese::tone::ToneStyle;

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
    /// The encoding of the data file and the files it names; default: detected per file.
    pub encoding: Option<Encoding>,
    /// Where tone marks go in oa/oe/uy syllables of every string; default: as written.
    pub tone_style: ToneStyle,
}

/// The most text one field may hold: far more than any official document needs (a long
/// article is tens of kilobytes), little enough that a runaway cell cannot exhaust memory in
/// layout.
pub const MAX_FIELD_BYTES: usize = 4 * 1024 * 1024;

fn too_large(bytes: usize) -> String {
    format!(
        "holds {:.1} MB of text, more than the {} MB one field may hold: split it or shorten it",
        bytes as f64 / 1_048_576.0,
        MAX_FIELD_BYTES / 1_048_576
    )
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
/// A UTF-8 file (the usual case) is checked in one pass that keeps nothing, then read again
/// as a stream: CSV rows and JSON Lines are parsed as they are asked for, so a batch over a
/// file of hundreds of megabytes holds one record at a time. A file in another encoding is
/// detected from all of its bytes and decoded whole first (legacy exports are small). JSON and
/// TOML are parsed whole. The iterator stops after its first error: a file that cannot be read
/// whole is an input error, not the failure of one record.
pub fn open(path: &Path, options: &LoadOptions) -> Result<Records> {
    open_in(path, options, options.encoding)
}

/// Opens again a data file whose encoding an earlier [`open`] found ([`Records::encoding`]),
/// without detecting it again (detection reads a legacy file whole, for each candidate).
/// Files the records name are still read as `options` says.
pub fn reopen(path: &Path, options: &LoadOptions, encoding: Encoding) -> Result<Records> {
    open_in(path, options, Some(encoding))
}

fn open_in(path: &Path, options: &LoadOptions, encoding: Option<Encoding>) -> Result<Records> {
    let extension = path
        .extension()
        .and_then(|e| e.to_str())
        .map(|e| e.to_ascii_lowercase())
        .unwrap_or_default();
    if !matches!(
        extension.as_str(),
        "json" | "jsonl" | "ndjson" | "toml" | "csv"
    ) {
        return Err(Error::data(
            path,
            None,
            format!("unknown data format `.{extension}`: use .json, .jsonl, .toml or .csv"),
        ));
    }
    let (mut input, encoding) = read_text(path, encoding)?;
    let whole = |input: &mut Input| -> Result<String> {
        let mut text = String::new();
        input
            .read_to_string(&mut text)
            .map_err(|e| Error::io(path, e))?;
        Ok(text)
    };
    let source = match extension.as_str() {
        "json" => match first_byte(&mut input).map_err(|e| Error::io(path, e))? {
            Some(b'[') => Source::JsonArray(stream_json_array(path, input)?),
            _ => Source::Whole(vec![(parse_json(path, &whole(&mut input)?)?, None)].into_iter()),
        },
        "toml" => Source::Whole(vec![(parse_toml(path, &whole(&mut input)?)?, None)].into_iter()),
        "csv" => {
            let (separator, input) = csv_input(input).map_err(|e| Error::io(path, e))?;
            let mut reader = csv::ReaderBuilder::new()
                .has_headers(true)
                .flexible(false)
                .delimiter(separator)
                .from_reader(input);
            let headers = csv_headers(path, &mut reader)?;
            Source::Csv {
                reader: Box::new(reader),
                headers,
            }
        }
        _ => Source::JsonLines {
            input,
            buffer: String::new(),
            line: 0,
        },
    };
    let base = path.parent().unwrap_or(Path::new(".")).to_path_buf();
    let root = options.root.clone().unwrap_or_else(|| base.clone());
    Ok(Records {
        source,
        encoding,
        path: path.to_path_buf(),
        base,
        root,
        options: options.clone(),
        read_references: true,
        index: 0,
        done: false,
    })
}

/// The text of a data file, read as it is parsed.
type Input = Box<dyn BufRead + Send>;

/// How much of a file is looked at in one piece while checking that it is UTF-8.
const SCAN_CHUNK: usize = 1 << 20;

/// Opens a data file's text: UTF-8 straight from the file (without its byte-order mark), any
/// other encoding decoded whole; and the encoding. An empty or blank file is refused here.
fn read_text(path: &Path, encoding: Option<Encoding>) -> Result<(Input, Encoding)> {
    let empty = || Error::data(path, None, "the file is empty: it holds no record");
    if matches!(encoding, None | Some(Encoding::Utf8)) {
        if let Some(blank) = scan_utf8(path).map_err(|e| Error::io(path, e))? {
            if blank {
                return Err(empty());
            }
            let mut reader = BufReader::with_capacity(
                1 << 16,
                std::fs::File::open(path).map_err(|e| Error::io(path, e))?,
            );
            let bom = reader
                .fill_buf()
                .map_err(|e| Error::io(path, e))?
                .starts_with(b"\xEF\xBB\xBF");
            if bom {
                reader.consume(3);
            }
            let input: Input = Box::new(BufReader::new(LineEnds { inner: reader }));
            return Ok((input, Encoding::Utf8));
        }
    }
    // Not UTF-8 (or another encoding was named): the whole file decides and is decoded.
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(empty());
    }
    let decoded = decode_file(path, &bytes, encoding)?;
    let input: Input = Box::new(std::io::Cursor::new(decoded.text.into_bytes()));
    Ok((input, decoded.encoding))
}

/// Reads a file in pieces, keeping none: `Some(blank)` when all of it is UTF-8 (`blank` when
/// it holds nothing but white space and a byte-order mark), `None` when it is not UTF-8.
fn scan_utf8(path: &Path) -> std::io::Result<Option<bool>> {
    let mut file = std::fs::File::open(path)?;
    let mut buffer = vec![0; SCAN_CHUNK];
    // Bytes of a character cut at the end of the last piece, moved to the front.
    let mut carried = 0;
    let mut blank = true;
    let mut first = true;
    loop {
        let read = match file.read(&mut buffer[carried..]) {
            Ok(read) => read,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if read == 0 {
            return Ok((carried == 0).then_some(blank));
        }
        let filled = carried + read;
        let valid = match std::str::from_utf8(&buffer[..filled]) {
            Ok(_) => filled,
            Err(e) if e.error_len().is_none() => e.valid_up_to(),
            Err(_) => return Ok(None),
        };
        if blank {
            let mut text = &buffer[..valid];
            if first {
                text = text.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(text);
            }
            blank = text.iter().all(u8::is_ascii_whitespace);
        }
        first = first && valid == 0;
        buffer.copy_within(valid..filled, 0);
        carried = filled - valid;
    }
}

/// Reads text with each `\r\n` made `\n`, as [`decode_file`] makes it in text read whole, so
/// that cells, lines and line numbers do not depend on how the file was read.
struct LineEnds<R> {
    inner: R,
}

impl<R: BufRead> Read for LineEnds<R> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        loop {
            let available = self.inner.fill_buf()?;
            let (Some(&first), false) = (available.first(), out.is_empty()) else {
                return Ok(0);
            };
            if first != b'\r' {
                let run = available
                    .iter()
                    .position(|&b| b == b'\r')
                    .unwrap_or(available.len())
                    .min(out.len());
                out[..run].copy_from_slice(&available[..run]);
                self.inner.consume(run);
                return Ok(run);
            }
            // A carriage return: dropped when a line feed follows, even in the next piece.
            let next = available.get(1).copied();
            self.inner.consume(1);
            let next = match next {
                Some(byte) => Some(byte),
                None => self.inner.fill_buf()?.first().copied(),
            };
            if next != Some(b'\n') {
                out[0] = b'\r';
                return Ok(1);
            }
        }
    }
}

/// The records of a data file, read one at a time (see [`open`]).
pub struct Records {
    source: Source,
    encoding: Encoding,
    path: PathBuf,
    base: PathBuf,
    root: PathBuf,
    options: LoadOptions,
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
        reader: Box<csv::Reader<CsvInput>>,
        headers: Vec<String>,
    },
    JsonLines {
        input: Input,
        /// The current line, kept to reuse its allocation.
        buffer: String,
        line: u64,
    },
    /// The records of a JSON array, parsed on a thread of their own as they are asked for.
    JsonArray(mpsc::Receiver<JsonElement>),
    Whole(std::vec::IntoIter<(Field, Option<u64>)>),
}

impl Records {
    /// The encoding the data file was read in.
    pub fn encoding(&self) -> Encoding {
        self.encoding
    }

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
            Source::JsonArray(records) => next_json_element(&self.path, records),
            Source::Csv { reader, headers } => {
                let mut row = csv::StringRecord::new();
                match reader.read_record(&mut row) {
                    Ok(false) => None,
                    Ok(true) => Some(csv_record(&self.path, headers, &row)),
                    Err(e) => Some(Err(csv_error(&self.path, &e))),
                }
            }
            Source::JsonLines {
                input,
                buffer,
                line,
            } => loop {
                buffer.clear();
                match input.read_line(buffer) {
                    Ok(0) => return None,
                    Ok(_) => {}
                    Err(e) => return Some(Err(Error::io(&self.path, e))),
                }
                *line += 1;
                let current = buffer.trim_end_matches(['\n', '\r']);
                if current.trim().is_empty() {
                    continue;
                }
                return Some(parse_json_line(&self.path, current, *line).map(|f| (f, Some(*line))));
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
            let references = References {
                base: &self.base,
                root: &self.root,
                options: &self.options,
                read: self.read_references,
            };
            let fields = resolve_files(fields, &references, "").map_err(|e| {
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

/// Decodes a text file: in `encoding`, or the one [`encoding::detect`] finds; line ends made
/// `\n`, NFC.
pub fn decode(path: &Path, bytes: &[u8], encoding: Option<Encoding>) -> Result<String> {
    Ok(decode_file(path, bytes, encoding)?.text)
}

/// Like [`decode`], with the encoding that was used and how sure the detection was.
pub fn decode_file(
    path: &Path,
    bytes: &[u8],
    encoding: Option<Encoding>,
) -> Result<encoding::Decoded> {
    let names = Encoding::known_names();
    let mut decoded = encoding::decode(bytes, encoding).map_err(|error| match error {
        DecodeError::Invalid { encoding: used, line } => {
            let message = match encoding {
                Some(_) => format!(
                    "the file is not valid {} text: check the name given to --encoding ({names})",
                    used.name()
                ),
                None => format!(
                    "the file is not valid {} text here: save it as UTF-8 (Unicode), or give its encoding with --encoding NAME ({names})",
                    used.name()
                ),
            };
            Error::data(path, Some(line.to_string()), message)
        }
        DecodeError::Nonsense { best } => {
            let best = best.map_or_else(String::new, |(encoding, score)| {
                format!(
                    " (at best {:.0}% of its words are Vietnamese, read as {})",
                    score * 100.0,
                    encoding.name()
                )
            });
            Error::data(
                path,
                None,
                format!(
                    "the file is not text in any encoding vanban recognises{best}: if it is text, give its encoding with --encoding NAME ({names}), or save it as UTF-8 (Unicode)"
                ),
            )
        }
    })?;
    if decoded.text.contains('\r') {
        decoded.text = decoded.text.replace("\r\n", "\n");
    }
    Ok(decoded)
}

/// Normalises text to NFC, the form every later stage expects.
pub fn nfc(text: &str) -> String {
    text.nfc().collect()
}

fn parse_json(path: &Path, text: &str) -> Result<Field> {
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| json_error(path, &e))?;
    Ok(from_json(value))
}

fn json_error(path: &Path, error: &serde_json::Error) -> Error {
    Error::data(
        path,
        Some(format!("{}:{}", error.line(), error.column())),
        format!("invalid JSON ({error})"),
    )
}

/// The first byte of the text that is not white space, left unread.
fn first_byte(input: &mut Input) -> std::io::Result<Option<u8>> {
    loop {
        let buffer = input.fill_buf()?;
        let Some(&first) = buffer.first() else {
            return Ok(None);
        };
        if !first.is_ascii_whitespace() {
            return Ok(Some(first));
        }
        let blanks = buffer
            .iter()
            .take_while(|b| b.is_ascii_whitespace())
            .count();
        input.consume(blanks);
    }
}

/// How many parsed records wait for the reader: enough to keep it busy, few enough that a
/// year's export in one JSON array is held a handful of records at a time.
const JSON_AHEAD: usize = 8;

/// What the thread that parses a JSON array hands over: a record, the end of the array
/// (`None`), or the error that stopped it.
type JsonElement = Result<Option<Field>>;

/// Parses a JSON array's elements on a thread of its own and hands them over one by one; a
/// syntax error comes last, after the records before it. The thread stops when the receiver
/// is dropped.
fn stream_json_array(path: &Path, input: Input) -> Result<mpsc::Receiver<JsonElement>> {
    let (sender, receiver) = mpsc::sync_channel(JSON_AHEAD);
    let file = path.to_path_buf();
    std::thread::Builder::new()
        .name("vanban-json".into())
        .spawn(move || {
            let mut deserializer = serde_json::Deserializer::from_reader(input);
            let elements = Elements { sender: &sender };
            let parsed = serde::Deserializer::deserialize_seq(&mut deserializer, elements)
                .and_then(|()| deserializer.end());
            // Nobody may be listening any more (the reader stopped early): nothing to do then.
            let _ = sender.send(match parsed {
                Ok(()) => Ok(None),
                Err(error) => Err(json_error(&file, &error)),
            });
        })
        .map_err(|e| Error::io(path, e))?;
    Ok(receiver)
}

/// The next record of a JSON array from its parsing thread. A thread that ended without
/// saying so is an error, so that a failure can never pass for the end of the data.
fn next_json_element(
    path: &Path,
    records: &mpsc::Receiver<JsonElement>,
) -> Option<Result<(Field, Option<u64>)>> {
    match records.recv() {
        Ok(Ok(Some(field))) => Some(Ok((field, None))),
        Ok(Ok(None)) => None,
        Ok(Err(error)) => Some(Err(error)),
        Err(_) => Some(Err(Error::data(
            path,
            None,
            "reading the JSON array stopped before its end",
        ))),
    }
}

/// Sends each element of a JSON array as it is parsed.
struct Elements<'a> {
    sender: &'a mpsc::SyncSender<JsonElement>,
}

impl<'de> serde::de::Visitor<'de> for Elements<'_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("an array of records")
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(value) = seq.next_element::<serde_json::Value>()? {
            if self.sender.send(Ok(Some(from_json(value)))).is_err() {
                return Err(serde::de::Error::custom("the records are no longer read"));
            }
        }
        Ok(())
    }
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
/// `issuer`); a name ending in `[]` (`recipients[]`) makes a list of the cell's lines. The
/// separator is `,`, `;` or a tab, whichever the header row uses most.
fn csv_headers<R: std::io::Read>(path: &Path, reader: &mut csv::Reader<R>) -> Result<Vec<String>> {
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| csv_error(path, &e))?
        .iter()
        .map(|h| h.trim().to_string())
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
        if cell.len() > MAX_FIELD_BYTES {
            let location = line.map_or_else(String::new, |l| format!("{l}, "));
            return Err(Error::data(
                path,
                Some(format!("{location}column \"{header}\"")),
                format!("the cell {}", too_large(cell.len())),
            ));
        }
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
            None => (header.as_str(), Field::Text(cell.to_string())),
        };
        insert_dotted(&mut fields, name, value).map_err(|message| {
            Error::data(path, Some(format!("1, column \"{header}\"")), message)
        })?;
    }
    Ok((fields, line))
}

/// A CSV file's text: its header row, read ahead to choose the separator, then the rest.
type CsvInput = std::io::Chain<std::io::Cursor<Vec<u8>>, Input>;

/// Reads the header row (to the first line end outside quotes), chooses the separator from
/// it, and gives it back in front of the rest of the text.
fn csv_input(mut input: Input) -> std::io::Result<(u8, CsvInput)> {
    let mut head = Vec::new();
    let mut quotes = 0;
    loop {
        let start = head.len();
        if input.read_until(b'\n', &mut head)? == 0 {
            break;
        }
        quotes += head[start..].iter().filter(|&&b| b == b'"').count();
        if quotes % 2 == 0 {
            break;
        }
    }
    Ok((
        csv_separator(&head),
        std::io::Cursor::new(head).chain(input),
    ))
}

/// The separator the header row uses most: `,` (the default), `;` (Excel where the decimal
/// mark is a comma, as on Vietnamese Windows) or a tab (Excel's "Unicode text"). Separators
/// inside quotes do not count.
fn csv_separator(text: &[u8]) -> u8 {
    let mut counts = [(b',', 0usize), (b';', 0), (b'\t', 0)];
    let mut quoted = false;
    for &byte in text {
        match byte {
            b'"' => quoted = !quoted,
            b'\n' if !quoted => break,
            _ if !quoted => {
                if let Some(entry) = counts.iter_mut().find(|(b, _)| *b == byte) {
                    entry.1 += 1;
                }
            }
            _ => {}
        }
    }
    // The first of the most used wins, so a tie (or no separator at all) gives `,`.
    counts
        .iter()
        .fold(
            (b',', 0),
            |best, &(b, n)| if n > best.1 { (b, n) } else { best },
        )
        .0
}

fn csv_error(path: &Path, error: &csv::Error) -> Error {
    let location = error.position().map(|p| p.line().to_string());
    let message = match error.kind() {
        csv::ErrorKind::UnequalLengths { expected_len, len, .. } => format!(
            "this row has {len} cells but the header has {expected_len}: check for a stray or missing separator or quote"
        ),
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

/// Where `{ file = "…" }` fields are looked for, how their text is read, and whether they
/// are read at all.
struct References<'a> {
    /// The data file's folder: names are relative to it.
    base: &'a Path,
    /// The folder they must stay inside.
    root: &'a Path,
    /// Encoding and tone style for the files' text.
    options: &'a LoadOptions,
    /// Read the file (else only check that it may be read, and keep the field).
    read: bool,
}

/// Replaces `{ file = "…" }` fields by the file's text and normalises every string to NFC
/// and to the tone style asked for.
fn resolve_files(field: Field, references: &References, at: &str) -> Result<Field> {
    if let Field::Text(s) | Field::Markup(s) = &field {
        if s.len() > MAX_FIELD_BYTES {
            return Err(Error::BadField {
                field: at.to_string(),
                message: format!("the field {}", too_large(s.len())),
            });
        }
    }
    let clean = |s: String| {
        let style = references.options.tone_style;
        // Most text is NFC already (and much is ASCII): kept as it is, without a copy.
        let s = if unicode_normalization::is_nfc(&s) {
            s
        } else {
            nfc(&s)
        };
        // A byte-order mark inside text is left where files were joined: invisible, with no
        // meaning there, and no glyph in any font.
        let s = if s.contains('\u{FEFF}') {
            s.replace('\u{FEFF}', "")
        } else {
            s
        };
        if style == ToneStyle::Keep {
            s
        } else {
            style.apply(&s)
        }
    };
    Ok(match field {
        Field::Text(s) => Field::Text(clean(s)),
        Field::Markup(s) => Field::Markup(clean(s)),
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
                    return match read_referenced(name, references, at)? {
                        Some(field) => resolve_files(field, references, at),
                        None => Ok(Field::Map(entries)),
                    };
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
        let metadata = std::fs::metadata(&canonical).map_err(unreadable)?;
        if metadata.len() > MAX_FIELD_BYTES as u64 {
            return Err(Error::BadField {
                field: field.to_string(),
                message: format!("the file `{name}` {}", too_large(metadata.len() as usize)),
            });
        }
        return Ok(None);
    }
    let bytes = std::fs::read(&canonical).map_err(unreadable)?;
    if bytes.len() > MAX_FIELD_BYTES {
        return Err(Error::BadField {
            field: field.to_string(),
            message: format!("the file `{name}` {}", too_large(bytes.len())),
        });
    }
    let text = decode(&path, &bytes, references.options.encoding)?;
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
    fn csv_separators_are_detected() {
        assert_eq!(csv_separator(b"a,b;c\n"), b',');
        assert_eq!(csv_separator(b"a;b;\"c,d,e\"\n1,2,3,4,5"), b';');
        assert_eq!(csv_separator(b"a\tb\n"), b'\t');
        assert_eq!(csv_separator(b"title\n"), b',');
    }

    #[test]
    fn semicolon_csv_with_quoted_newlines_and_a_ragged_row() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.csv");
        std::fs::write(
            &path,
            "title;issuer.name;recipients[]\r\n\"Kết quả; năm 2018\";SỞ NỘI VỤ;\"UBND tỉnh\r\nLưu: VT\"\r\nx;y\r\n",
        )
        .unwrap();
        let err = load(&path, &LoadOptions::default())
            .unwrap_err()
            .to_string();
        assert!(err.contains("a.csv:4"), "{err}");
        assert!(err.contains("2 cells but the header has 3"), "{err}");
        std::fs::write(
            &path,
            "title;issuer.name;recipients[]\r\n\"Kết quả; năm 2018\";SỞ NỘI VỤ;\"UBND tỉnh\r\nLưu: VT\"\r\n",
        )
        .unwrap();
        let records = load(&path, &LoadOptions::default()).unwrap();
        let fields = &records[0].fields;
        assert_eq!(
            fields.get_path("title").and_then(Field::as_str),
            Some("Kết quả; năm 2018")
        );
        assert_eq!(
            fields.get_path("recipients"),
            Some(&Field::List(vec![
                Field::Text("UBND tỉnh".into()),
                Field::Text("Lưu: VT".into())
            ]))
        );
    }

    #[test]
    fn tone_style_applies_to_every_string_and_file() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("b.txt"), "Ủy ban hòa giải").unwrap();
        let path = dir.path().join("a.toml");
        std::fs::write(
            &path,
            "title = \"Thuỷ lợi\"\nlist = [\"khoẻ\"]\nbody = { file = \"b.txt\" }\n",
        )
        .unwrap();
        let options = LoadOptions {
            tone_style: ToneStyle::Old,
            ..LoadOptions::default()
        };
        let records = load(&path, &options).unwrap();
        let fields = &records[0].fields;
        assert_eq!(
            fields.get_path("title").and_then(Field::as_str),
            Some("Thủy lợi")
        );
        assert_eq!(
            fields.get_path("list"),
            Some(&Field::List(vec![Field::Text("khỏe".into())]))
        );
        let new = LoadOptions {
            tone_style: ToneStyle::New,
            ..LoadOptions::default()
        };
        let records = load(&path, &new).unwrap();
        assert_eq!(
            records[0].fields.get_path("body").and_then(Field::as_str),
            Some("Uỷ ban hoà giải")
        );
    }

    #[test]
    fn legacy_files_are_decoded_and_nonsense_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.csv");
        let text = "title;name\nKết quả hội nghị;Trần Thị Thanh Thủy\n";
        std::fs::write(
            &path,
            encoding::encode(text, Encoding::Windows1258).unwrap(),
        )
        .unwrap();
        let records = load(&path, &LoadOptions::default()).unwrap();
        assert_eq!(
            records[0].fields.get_path("name").and_then(Field::as_str),
            Some("Trần Thị Thanh Thủy")
        );
        std::fs::write(
            &path,
            b"a;b\n\x01\x9f\xff\xfe\x80\x81;\xb8\xb5\xd5\xd5\xd5\n",
        )
        .unwrap();
        let err = load(&path, &LoadOptions::default())
            .unwrap_err()
            .to_string();
        assert!(err.contains("not text in any encoding"), "{err}");
        assert!(err.contains("--encoding"), "{err}");
    }

    #[test]
    fn crlf_becomes_lf_across_buffer_boundaries() {
        // A one-byte buffer puts every `\r` at the end of a piece.
        for capacity in [1, 2, 3, 64] {
            let inner = BufReader::with_capacity(capacity, &b"a\r\nb\rc\r\n\r\r\nd\r"[..]);
            let mut text = String::new();
            LineEnds { inner }.read_to_string(&mut text).unwrap();
            assert_eq!(text, "a\nb\rc\n\r\nd\r", "capacity {capacity}");
        }
    }

    #[test]
    fn a_character_cut_between_scanned_pieces_is_still_utf8() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.csv");
        let mut bytes = vec![b' '; SCAN_CHUNK - 1];
        bytes.extend_from_slice("ế\n".as_bytes());
        std::fs::write(&path, &bytes).unwrap();
        assert_eq!(scan_utf8(&path).unwrap(), Some(false));
        bytes.truncate(SCAN_CHUNK + 1);
        std::fs::write(&path, &bytes).unwrap();
        assert_eq!(
            scan_utf8(&path).unwrap(),
            None,
            "a cut character at the end"
        );
        std::fs::write(&path, b"\xEF\xBB\xBF \n\t").unwrap();
        assert_eq!(scan_utf8(&path).unwrap(), Some(true));
    }

    #[test]
    fn legacy_bytes_after_the_first_scanned_piece_are_decoded() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.csv");
        let mut bytes = b"title,name\n".to_vec();
        while bytes.len() <= SCAN_CHUNK {
            bytes.extend_from_slice(b"Bao cao,Tran Van A\n");
        }
        let last = "Báo cáo,Trần Thị Thanh Thủy\n";
        bytes.extend(encoding::encode(last, Encoding::Windows1258).unwrap());
        std::fs::write(&path, &bytes).unwrap();
        let records = load(&path, &LoadOptions::default()).unwrap();
        assert_eq!(
            records
                .last()
                .unwrap()
                .fields
                .get_path("name")
                .and_then(Field::as_str),
            Some("Trần Thị Thanh Thủy")
        );
    }

    #[test]
    fn reopening_keeps_the_encoding_found_but_referenced_files_are_detected_anew() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("bai.txt"), "Hội nghị tổng kết").unwrap();
        let path = dir.path().join("a.csv");
        let text = "name,article.file\nTrần Thị Thanh Thủy,bai.txt\n";
        std::fs::write(
            &path,
            encoding::encode(text, Encoding::Windows1258).unwrap(),
        )
        .unwrap();
        let options = LoadOptions::default();
        let first = open(&path, &options).unwrap();
        assert_eq!(first.encoding(), Encoding::Windows1258);
        let first: Vec<Record> = first.collect::<Result<_>>().unwrap();
        let again: Vec<Record> = reopen(&path, &options, Encoding::Windows1258)
            .unwrap()
            .collect::<Result<_>>()
            .unwrap();
        assert_eq!(first, again);
        assert_eq!(
            again[0].fields.get_path("article").and_then(Field::as_str),
            Some("Hội nghị tổng kết")
        );
    }

    #[test]
    fn a_json_array_is_read_record_by_record_up_to_its_first_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.json");
        std::fs::write(&path, " \n[{\"n\": 1},\n {\"n\": 2},\n {\"n\": 3 x}]").unwrap();
        let mut records = open(&path, &LoadOptions::default()).unwrap();
        for n in [1, 2] {
            let record = records.next().unwrap().unwrap();
            assert_eq!(record.fields.get_path("n"), Some(&Field::Int(n)));
            assert_eq!(record.index, n as usize - 1);
        }
        let err = records.next().unwrap().unwrap_err().to_string();
        assert!(err.contains("a.json:3:"), "{err}");
        assert!(records.next().is_none());
        // A reader that stops early leaves the parsing thread nothing to wait for.
        let many = format!("[{}]", vec!["{\"n\": 0}"; 1000].join(","));
        std::fs::write(&path, many).unwrap();
        let first = open(&path, &LoadOptions::default()).unwrap().next();
        assert!(matches!(first, Some(Ok(_))));
        assert_eq!(load(&path, &LoadOptions::default()).unwrap().len(), 1000);
        // A parsing thread that ended without a word (it panicked) is an error, never the end.
        let (sender, receiver) = mpsc::sync_channel::<JsonElement>(1);
        drop(sender);
        let err = next_json_element(&path, &receiver).unwrap().unwrap_err();
        assert!(err.to_string().contains("stopped before its end"), "{err}");
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
    fn byte_order_marks_inside_text_are_dropped() {
        let dir = tempfile::tempdir().unwrap();
        // Two files joined: the second one's mark is left inside a cell.
        let path = dir.path().join("a.csv");
        std::fs::write(&path, "\u{FEFF}title,name\nBáo cáo,\u{FEFF}Trần Văn A\n").unwrap();
        let records = load(&path, &LoadOptions::default()).unwrap();
        assert_eq!(
            records[0].fields.get_path("name").and_then(Field::as_str),
            Some("Trần Văn A")
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
