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
//! 4. **layout** — [`layout::lay_out`] shapes and breaks lines (Knuth–Plass) and fills pages.
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
        if !self.templates.has(template) {
            return Err(Error::Template {
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
            });
        }
        // The date of issue is checked first, so that a bad one is named by its field rather
        // than by the template line that formats it.
        let meta = metadata(record)?;
        let markup = self.templates.render(template, record)?;
        let mut document = markup::parse(&markup)?;
        document.meta = meta;
        Ok(document)
    }

    /// Renders one record into each requested format, in memory.
    pub fn render(
        &self,
        record: &Record,
        template: &str,
        formats: &[Format],
    ) -> Result<Vec<(Format, Vec<u8>)>> {
        let document = self.document(record, template)?;
        let mut pages = None;
        let mut outputs = Vec::new();
        for &format in formats {
            let bytes = match format {
                Format::Pdf => {
                    if pages.is_none() {
                        pages = Some(layout::lay_out(&document, &self.fonts)?);
                    }
                    let pages = pages.as_deref().unwrap_or_default();
                    export::pdf::write(pages, &document.meta, &self.pdf_fonts)?
                }
                Format::Docx => export::docx::write(&document, &self.fonts)?,
            };
            outputs.push((format, bytes));
        }
        Ok(outputs)
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
