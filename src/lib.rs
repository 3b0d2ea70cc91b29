//! vanban turns meeting records and article text into Vietnamese official documents, laid out
//! by the rules of Nghị định 30/2020/NĐ-CP, as PDF/A and DOCX.
//!
//! # The pipeline
//!
//! Data flows one way; each step is a module with its own types:
//!
//! 1. **data** — [`data::load`] reads JSON, JSON Lines, TOML or CSV into [`data::Record`]s,
//!    every string NFC, `{ file = "…" }` fields replaced by the file's text. Bytes in legacy
//!    Vietnamese encodings are detected and decoded by [`encoding`]; the language rules
//!    (syllables, tone placement, collation, numbers in words) are in [`vietnamese`].
//! 2. **template** — [`template::Templates::render`] runs a minijinja template over a record and
//!    writes [`template::Markup`]; values are escaped so that data stays literal text.
//! 3. **markup** — [`markup::parse`] reads CommonMark plus block directives into a
//!    [`model::Document`] with every style resolved.
//! 4. **layout** — [`layout::lay_out`] shapes and breaks lines (Knuth–Plass) and fills pages;
//!    a table of contents is filled in from a first layout by [`toc::resolve`].
//! 5. **export** — [`export::pdf::write`] draws the pages into a PDF/A-2b file;
//!    [`export::docx::write`] writes the model as a DOCX that Word lays out itself.
//!
//! [`Engine`] holds what is loaded once per process (fonts, templates) and runs the steps.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod data;
pub mod encoding;
pub mod error;
pub mod export;
pub mod fonts;
pub mod images;
pub mod inspect;
pub mod layout;
pub mod markup;
pub mod model;
pub mod output;
pub mod template;
pub mod toc;
pub mod vietnamese;

use data::{Field, Record};
use error::{Error, Result};
pub use export::pdf::PdfStandard;
use fonts::FontBook;
use model::Document;
use template::{Templates, DEFAULT_TEMPLATE};

/// An output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Format {
    /// PDF/A-2b, laid out by vanban.
    Pdf,
    /// Word document, laid out by the word processor.
    Docx,
    /// One PNG preview per page, rasterised from the PDF's layout.
    Png,
}

impl Format {
    /// The file extension.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Pdf => "pdf",
            Format::Docx => "docx",
            Format::Png => "png",
        }
    }

    /// The format of an extension or name (`pdf`, `docx`), if it is one.
    pub fn from_name(name: &str) -> Option<Self> {
        match name.trim().to_ascii_lowercase().as_str() {
            "pdf" => Some(Format::Pdf),
            "docx" => Some(Format::Docx),
            "png" => Some(Format::Png),
            _ => None,
        }
    }
}

/// What is loaded once per process and shared by every record.
#[derive(Debug)]
pub struct Engine {
    fonts: FontBook,
    pdf_fonts: export::pdf::PdfFonts,
    templates: Templates,
    root: Option<std::path::PathBuf>,
    raster: std::sync::OnceLock<export::png::RasterFonts>,
    dpi: f32,
    standard: PdfStandard,
    fallback_date: Option<model::Timestamp>,
}

impl Engine {
    /// An engine with the embedded fonts and the given templates.
    pub fn new(templates: Templates) -> Self {
        Engine {
            fonts: FontBook::embedded(),
            pdf_fonts: export::pdf::PdfFonts::new(),
            templates,
            root: None,
            raster: std::sync::OnceLock::new(),
            dpi: 96.0,
            standard: PdfStandard::A2b,
            fallback_date: None,
        }
    }

    /// Sets the PDF standard the files are written to (default PDF/A-2b).
    pub fn with_pdf_standard(mut self, standard: PdfStandard) -> Self {
        self.standard = standard;
        self
    }

    /// Sets the date used for files whose record gives none (from `SOURCE_DATE_EPOCH`), so
    /// that builds are reproducible: the clock is never read.
    pub fn with_fallback_date(mut self, date: Option<model::Timestamp>) -> Self {
        self.fallback_date = date;
        self
    }

    /// Sets the resolution of PNG previews (default 96 dots per inch).
    pub fn with_dpi(mut self, dpi: f32) -> Self {
        self.dpi = dpi;
        self
    }

    /// Lets pictures named in the data come from anywhere inside `root` (default: the data
    /// file's folder).
    pub fn with_root(mut self, root: Option<std::path::PathBuf>) -> Self {
        self.root = root;
        self
    }

    /// Compiles the pattern that names a batch's files (`--name`); see
    /// [`Templates::name_pattern`].
    pub fn name_pattern(
        &self,
        pattern: Option<&str>,
        ascii: bool,
    ) -> Result<template::NamePattern<'_>> {
        self.templates.name_pattern(pattern, ascii)
    }

    /// The fonts used for layout.
    pub fn fonts(&self) -> &FontBook {
        &self.fonts
    }

    /// The templates records are rendered with.
    pub fn templates(&self) -> &Templates {
        &self.templates
    }

    /// The template a record is rendered with: the explicit one, else the record's
    /// `template` field, else the report.
    pub fn template_for<'a>(&self, record: &'a Record, explicit: Option<&'a str>) -> &'a str {
        explicit
            .or_else(|| record.fields.get_path("template").and_then(Field::as_str))
            .unwrap_or(DEFAULT_TEMPLATE)
    }

    /// Runs the template and the markup parser: the record as a document model.
    pub fn document(&self, record: &Record, template: &str) -> Result<Document> {
        self.check_template(template)?;
        // The date of issue is checked first, so that a bad one is named by its field rather
        // than by the template line that formats it.
        let meta = metadata(record, self.fallback_date)?;
        let markup = self.templates.render(template, record)?;
        let mut document = markup::parse(&markup, &self.resources(&record.file))?;
        document.meta = meta;
        Ok(document)
    }

    /// Where pictures named by a data file are looked for: beside it, inside `--root`.
    fn resources(&self, data: &std::path::Path) -> markup::Resources {
        let base = data
            .parent()
            .map(std::path::Path::to_path_buf)
            .filter(|b| !b.as_os_str().is_empty())
            .unwrap_or_else(|| std::path::PathBuf::from("."));
        markup::Resources {
            root: self.root.clone().unwrap_or_else(|| base.clone()),
            base,
        }
    }

    /// Runs the template over many records at once (`records` in the template) and the
    /// markup parser: one document, such as the yearly summary. The file's title, author and
    /// date are what the template sets at its top level (`{% set title = … %}`).
    pub fn aggregate_document(&self, records: &[Record], template: &str) -> Result<Document> {
        self.check_template(template)?;
        let rendered = self.templates.render_records(template, records)?;
        let data = records.first().map(|r| r.file.clone()).unwrap_or_default();
        let mut document = markup::parse(&rendered.markup, &self.resources(&data))?;
        let date = match &rendered.date {
            Some(text) => {
                let date = template::parse_date(text).ok_or_else(|| Error::Template {
                    name: template.to_string(),
                    line: None,
                    message: format!(
                        "it sets `date` to `{text}`, which is not a date: write YYYY-MM-DD"
                    ),
                })?;
                date.day
                    .map(|day| model::Timestamp::issue_date(date.year, date.month, day))
            }
            None => None,
        };
        document.meta = model::Metadata {
            title: one_line(&rendered.title.unwrap_or_default()),
            author: one_line(&rendered.author.unwrap_or_default()),
            subject: "Báo cáo tổng hợp".into(),
            keywords: Vec::new(),
            date: date.or(self.fallback_date),
        };
        Ok(document)
    }

    /// Renders one record into each requested format, in memory. A PNG preview gives one
    /// entry per page, in page order.
    pub fn render(
        &self,
        record: &Record,
        template: &str,
        formats: &[Format],
    ) -> Result<Vec<(Format, Vec<u8>)>> {
        let source = (self.standard == PdfStandard::A3b).then(|| record_json(record));
        self.export(self.document(record, template)?, formats, source)
    }

    /// Renders many records into one document (see [`Engine::aggregate_document`]) in each
    /// requested format, in memory.
    pub fn render_aggregate(
        &self,
        records: &[Record],
        template: &str,
        formats: &[Format],
    ) -> Result<Vec<(Format, Vec<u8>)>> {
        let source = (self.standard == PdfStandard::A3b).then(|| records_json(records));
        self.export(self.aggregate_document(records, template)?, formats, source)
    }

    /// Lays a document out (once, whatever the formats) and writes each format. `source` is
    /// the data attached to a PDF/A-3b file. A PNG preview gives one entry per page.
    fn export(
        &self,
        mut document: Document,
        formats: &[Format],
        source: Option<Vec<u8>>,
    ) -> Result<Vec<(Format, Vec<u8>)>> {
        // A table of contents needs the pages even for a DOCX alone: its entries carry the
        // page numbers the layout found.
        let mut laid_out = None;
        if toc::has_toc(&document) {
            laid_out = Some(toc::resolve(&mut document, &self.fonts)?);
        }
        let mut outputs = Vec::new();
        for &format in formats {
            if format == Format::Docx {
                outputs.push((format, export::docx::write(&document, &self.fonts)?));
                continue;
            }
            if laid_out.is_none() {
                laid_out = Some((layout::lay_out(&document, &self.fonts)?, Vec::new()));
            }
            let Some((pages, bookmarks)) = laid_out.as_ref() else {
                continue;
            };
            if format == Format::Pdf {
                let options = export::pdf::PdfOptions {
                    standard: self.standard,
                    source: source.clone(),
                    bookmarks: bookmarks.clone(),
                };
                let pdf = export::pdf::write(pages, &document.meta, &self.pdf_fonts, &options)?;
                outputs.push((format, pdf));
            } else {
                let fonts = self.raster.get_or_init(export::png::RasterFonts::new);
                for png in export::png::write(pages, fonts, self.dpi)? {
                    outputs.push((format, png));
                }
            }
        }
        Ok(outputs)
    }

    fn check_template(&self, template: &str) -> Result<()> {
        if self.templates.find(template)? {
            return Ok(());
        }
        Err(Error::Template {
            name: template.to_string(),
            line: None,
            message: template::not_found_message(),
        })
    }
}

/// A text for a file property, on one line: a name or title the data breaks over lines (for
/// the page) is one property.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The file metadata a record gives: title (trích yếu), author (issuer), subject (type and
/// number), keywords, date of issue (else `fallback`, from `SOURCE_DATE_EPOCH`).
fn metadata(record: &Record, fallback: Option<model::Timestamp>) -> Result<model::Metadata> {
    let text = |path: &str| {
        let value = record.fields.get_path(path).and_then(Field::as_str);
        one_line(value.unwrap_or_default())
    };
    // The date of issue; documents without one (minutes, articles, bulletins) give the date
    // of their meeting or publication.
    let dated = ["issuer.date", "meeting.date", "date", "bulletin.date"]
        .into_iter()
        .find_map(|path| {
            let value = record.fields.get_path(path).and_then(Field::as_str)?;
            Some((path, value))
        });
    let date = match dated {
        Some((path, value)) => {
            let date = template::parse_date(value).ok_or_else(|| Error::BadField {
                field: path.into(),
                message: format!(
                    "`{value}` is not a date: write YYYY-MM-DD (2018-03-13) or DD/MM/YYYY"
                ),
            })?;
            date.day
                .map(|day| model::Timestamp::issue_date(date.year, date.month, day))
        }
        None => None,
    };
    let author = ["issuer.name", "bulletin.publisher", "author"]
        .into_iter()
        .map(text)
        .find(|a| !a.is_empty())
        .unwrap_or_default();
    let title = ["title", "bulletin.name"]
        .into_iter()
        .map(text)
        .find(|t| !t.is_empty())
        .unwrap_or_default();
    let number = text("issuer.number");
    let kind = document_kind(&number);
    let subject = if number.is_empty() {
        String::new()
    } else {
        format!("{kind} số {number}")
    };
    let keywords = match record.fields.get_path("keywords") {
        Some(Field::List(items)) => items
            .iter()
            .filter_map(Field::as_str)
            .map(str::to_string)
            .collect(),
        Some(Field::Text(list)) => list
            .split(',')
            .map(|k| k.trim().to_string())
            .filter(|k| !k.is_empty())
            .collect(),
        _ => [kind.to_string(), author.clone(), text("issuer.place")]
            .into_iter()
            .filter(|k| !k.is_empty())
            .collect(),
    };
    Ok(model::Metadata {
        title,
        author,
        subject,
        keywords,
        date: date.or(fallback),
    })
}

/// The type of a document from the abbreviation in its number (NĐ 30 Phụ lục III):
/// `15/BC-BCĐ` (state) and `15-BC/BCĐ` (Party) are reports; a công văn has none.
fn document_kind(number: &str) -> &'static str {
    let code = match (number.find('/'), number.find('-')) {
        (Some(slash), Some(dash)) if slash < dash => &number[slash + 1..dash],
        (Some(slash), Some(dash)) => &number[dash + 1..slash],
        _ => "",
    };
    match code.trim() {
        "BC" => "Báo cáo",
        "BB" => "Biên bản",
        "TB" => "Thông báo",
        "KH" => "Kế hoạch",
        "GM" => "Giấy mời",
        "TTr" => "Tờ trình",
        "QĐ" => "Quyết định",
        "NQ" => "Nghị quyết",
        "CT" => "Chỉ thị",
        "CTr" => "Chương trình",
        "HD" => "Hướng dẫn",
        "QC" => "Quy chế",
        "QyĐ" => "Quy định",
        "TC" => "Thông cáo",
        "PA" => "Phương án",
        "ĐA" => "Đề án",
        _ => "Công văn",
    }
}

/// Several records as a JSON array, to travel inside a PDF/A-3 summary as its source.
fn records_json(records: &[Record]) -> Vec<u8> {
    let values: Vec<serde_json::Value> = records
        .iter()
        .filter_map(|r| serde_json::from_slice(&record_json(r)).ok())
        .collect();
    serde_json::to_vec_pretty(&values).unwrap_or_default()
}

/// The record as JSON, to travel inside a PDF/A-3 file as its source.
fn record_json(record: &Record) -> Vec<u8> {
    fn value(field: &Field) -> serde_json::Value {
        use serde_json::Value;
        match field {
            Field::Null => Value::Null,
            Field::Bool(b) => Value::Bool(*b),
            Field::Int(i) => Value::from(*i),
            Field::Float(f) => Value::from(*f),
            Field::Text(s) | Field::Markup(s) => Value::from(s.as_str()),
            Field::List(items) => Value::Array(items.iter().map(value).collect()),
            Field::Map(entries) => {
                Value::Object(entries.iter().map(|(k, v)| (k.clone(), value(v))).collect())
            }
        }
    }
    serde_json::to_vec_pretty(&value(&record.fields)).unwrap_or_default()
}
