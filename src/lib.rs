//! vanban turns meeting records and article text into Vietnamese official documents, laid out
//! by the rules of Nghị định 30/2020/NĐ-CP, as PDF/A and DOCX.
//!
//! # The pipeline
//!
//! Data flows one way; each step is a module with its own types:
//!
//! 1. **data** — [`data::load`] reads JSON, JSON Lines, TOML or CSV into [`data::Record`]s,
//!    every string NFC, `{ file = "…" }` fields replaced by the file's text.
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
pub mod error;
pub mod export;
pub mod fonts;
pub mod layout;
pub mod markup;
pub mod model;
pub mod output;
pub mod template;
pub mod toc;

use data::{Field, Record};
use error::{Error, Result};
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
}

impl Format {
    /// The file extension.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Pdf => "pdf",
            Format::Docx => "docx",
        }
    }

    /// The format of an extension or name (`pdf`, `docx`), if it is one.
    pub fn from_name(name: &str) -> Option<Self> {
        match name.trim().to_ascii_lowercase().as_str() {
            "pdf" => Some(Format::Pdf),
            "docx" => Some(Format::Docx),
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
}

impl Engine {
    /// An engine with the embedded fonts and the given templates.
    pub fn new(templates: Templates) -> Self {
        Engine {
            fonts: FontBook::embedded(),
            pdf_fonts: export::pdf::PdfFonts::new(),
            templates,
        }
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
        let meta = metadata(record)?;
        let markup = self.templates.render(template, record)?;
        let mut document = markup::parse(&markup)?;
        document.meta = meta;
        Ok(document)
    }

    /// Runs the template over many records at once (`records` in the template) and the
    /// markup parser: one document, such as the yearly summary. The file's title, author and
    /// date are what the template sets at its top level (`{% set title = … %}`).
    pub fn aggregate_document(&self, records: &[Record], template: &str) -> Result<Document> {
        self.check_template(template)?;
        let rendered = self.templates.render_records(template, records)?;
        let mut document = markup::parse(&rendered.markup)?;
        let date = match &rendered.date {
            Some(text) => {
                let date = template::parse_date(text).ok_or_else(|| Error::Template {
                    name: template.to_string(),
                    line: None,
                    message: format!(
                        "it sets `date` to `{text}`, which is not a date: write YYYY-MM-DD"
                    ),
                })?;
                date.day.map(|day| (date.year, date.month, day))
            }
            None => None,
        };
        document.meta = model::Metadata {
            title: rendered.title.unwrap_or_default(),
            author: rendered.author.unwrap_or_default(),
            date,
        };
        Ok(document)
    }

    /// Renders one record into each requested format, in memory.
    pub fn render(
        &self,
        record: &Record,
        template: &str,
        formats: &[Format],
    ) -> Result<Vec<(Format, Vec<u8>)>> {
        self.export(self.document(record, template)?, formats)
    }

    /// Renders many records into one document (see [`Engine::aggregate_document`]) in each
    /// requested format, in memory.
    pub fn render_aggregate(
        &self,
        records: &[Record],
        template: &str,
        formats: &[Format],
    ) -> Result<Vec<(Format, Vec<u8>)>> {
        self.export(self.aggregate_document(records, template)?, formats)
    }

    /// Lays a document out (once, whatever the formats) and writes each format.
    fn export(&self, mut document: Document, formats: &[Format]) -> Result<Vec<(Format, Vec<u8>)>> {
        // A table of contents needs the pages even for a DOCX alone: its entries carry the
        // page numbers the layout found.
        let mut laid_out = None;
        if toc::has_toc(&document) {
            laid_out = Some(toc::resolve(&mut document, &self.fonts)?);
        }
        let mut outputs = Vec::new();
        for &format in formats {
            let bytes = match format {
                Format::Pdf => {
                    let (pages, bookmarks) = match laid_out.take() {
                        Some(done) => done,
                        None => (layout::lay_out(&document, &self.fonts)?, Vec::new()),
                    };
                    let bytes = export::pdf::write_with_outline(
                        &pages,
                        &document.meta,
                        &bookmarks,
                        &self.pdf_fonts,
                    )?;
                    laid_out = Some((pages, bookmarks));
                    bytes
                }
                Format::Docx => export::docx::write(&document, &self.fonts)?,
            };
            outputs.push((format, bytes));
        }
        Ok(outputs)
    }

    fn check_template(&self, template: &str) -> Result<()> {
        if self.templates.has(template) {
            return Ok(());
        }
        Err(Error::Template {
            name: template.to_string(),
            line: None,
            message: format!(
                "no such template: give a built-in name ({}) or the path of a template file",
                template::BUILTINS
                    .iter()
                    .map(|b| b.name)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        })
    }

    /// The templates, loaded once: for checks made before rendering (the fields a template
    /// requires of each record).
    pub fn templates(&self) -> &Templates {
        &self.templates
    }
}

/// The file metadata a record gives: title (trích yếu), author (issuer), date of issue.
fn metadata(record: &Record) -> Result<model::Metadata> {
    let text = |path: &str| {
        record
            .fields
            .get_path(path)
            .and_then(Field::as_str)
            .unwrap_or_default()
            .to_string()
    };
    let date = match record
        .fields
        .get_path("issuer.date")
        .and_then(Field::as_str)
    {
        Some(value) => {
            let date = template::parse_date(value).ok_or_else(|| Error::BadField {
                field: "issuer.date".into(),
                message: format!(
                    "`{value}` is not a date: write YYYY-MM-DD (2018-03-13) or DD/MM/YYYY"
                ),
            })?;
            date.day.map(|day| (date.year, date.month, day))
        }
        None => None,
    };
    Ok(model::Metadata {
        title: text("title"),
        author: text("issuer.name"),
        date,
    })
}
