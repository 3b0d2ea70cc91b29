//! One error type for every stage, with messages that say where and what to do.
//!
//! Messages are lowercase and carry their position (file, row, column, template line); the
//! [`Error::hint`] says what the user can do about it. The CLI prints both.

use std::path::{Path, PathBuf};

/// A result with vanban's error.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong between a data file and the written documents.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The command line asks for something impossible (exit status 2).
    #[error("{0}")]
    Usage(String),
    /// A data file cannot be read or parsed; `location` is a row, line or field when known.
    #[error("{}{}: {message}", path.display(), location.as_deref().map(|l| format!(":{l}")).unwrap_or_default())]
    Data {
        /// The data file (or the text file it names).
        path: PathBuf,
        /// Where in it: `12` (a line), `row 12, column "issuer.name"`.
        location: Option<String>,
        /// What is wrong.
        message: String,
    },
    /// A record lacks fields that its template needs.
    #[error("missing {} {} (the template {template} needs {})", if fields.len() == 1 { "field" } else { "fields" }, fields.iter().map(|f| format!("`{f}`")).collect::<Vec<_>>().join(", "), if fields.len() == 1 { "it" } else { "them" })]
    MissingFields {
        /// The template's name.
        template: String,
        /// Dotted field paths, in the template's order.
        fields: Vec<String>,
    },
    /// A field holds a value the template cannot use.
    #[error("field `{field}`: {message}")]
    BadField {
        /// Dotted field path.
        field: String,
        /// What is wrong with its value.
        message: String,
    },
    /// A template cannot be found, parsed or rendered.
    #[error("template {name}{}: {message}", line.map(|l| format!(" line {l}")).unwrap_or_default())]
    Template {
        /// The template's name or path.
        name: String,
        /// The line in the template, when known.
        line: Option<usize>,
        /// What went wrong, with the undefined variable's name when that is the cause.
        message: String,
    },
    /// The markup a template wrote is malformed.
    #[error("markup from template {template}, line {line}: {message}")]
    Markup {
        /// The template that wrote it.
        template: String,
        /// The line in the markup text.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// A picture cannot be used.
    #[error("picture {}: {message}", path.display())]
    Image {
        /// The picture file as the markup named it.
        path: PathBuf,
        /// What is wrong with it.
        message: String,
    },
    /// Characters that no embedded font can draw.
    #[error("{}", missing_glyphs_message(.0))]
    MissingGlyphs(Vec<MissingGlyph>),
    /// A record's document runs past the page budget.
    #[error("the document runs past {pages} pages, the most one record may make")]
    TooLong {
        /// The budget.
        pages: usize,
    },
    /// A file cannot be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The operating system's reason.
        source: std::io::Error,
    },
    /// The PDF writer refused the document (for example a PDF/A violation).
    #[error("failed to write the PDF ({0})")]
    Pdf(String),
    /// A PNG preview cannot be written.
    #[error("failed to write a preview ({0})")]
    Preview(String),
    /// The DOCX writer failed.
    #[error("failed to write the DOCX ({0})")]
    Docx(String),
    /// An error that belongs to one record of a data file.
    #[error("{origin}: {source}")]
    InRecord {
        /// The record's file and row.
        origin: String,
        /// What went wrong with it.
        source: Box<Error>,
    },
}

/// One character that cannot be drawn, and where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissingGlyph {
    /// The character.
    pub ch: char,
    /// The paragraph (1-based, in reading order) where it first occurs.
    pub paragraph: usize,
    /// A few words around it.
    pub excerpt: String,
}

fn missing_glyphs_message(missing: &[MissingGlyph]) -> String {
    let list: Vec<String> = missing
        .iter()
        .map(|m| {
            format!(
                "'{}' (U+{:04X}) in paragraph {} of the document: «{}»",
                m.ch.escape_debug(),
                u32::from(m.ch),
                m.paragraph,
                m.excerpt
            )
        })
        .collect();
    format!(
        "no embedded font can draw {}: {}",
        if missing.len() == 1 {
            "this character"
        } else {
            "these characters"
        },
        list.join("; ")
    )
}

impl Error {
    /// An I/O error on a file.
    pub fn io(path: &Path, source: std::io::Error) -> Self {
        Error::Io {
            path: path.to_path_buf(),
            source,
        }
    }

    /// A data error at a place in a file.
    pub fn data(path: &Path, location: Option<String>, message: impl Into<String>) -> Self {
        Error::Data {
            path: path.to_path_buf(),
            location,
            message: message.into(),
        }
    }

    /// Ties the error to a record of a data file.
    pub fn in_record(self, origin: impl Into<String>) -> Self {
        Error::InRecord {
            origin: origin.into(),
            source: Box::new(self),
        }
    }

    /// Whether the error is about the whole run (usage, unreadable input: exit status 2) rather
    /// than about one record (exit status 1).
    pub fn is_fatal(&self) -> bool {
        match self {
            Error::Usage(_) | Error::Data { .. } | Error::Io { .. } => true,
            Error::Template { line, .. } => line.is_none(),
            Error::InRecord { source, .. } => {
                matches!(**source, Error::Usage(_) | Error::Io { .. })
            }
            _ => false,
        }
    }

    /// What the user can do about it.
    pub fn hint(&self) -> Option<String> {
        match self {
            Error::InRecord { source, .. } => source.hint(),
            Error::MissingFields { template, .. } => Some(format!(
                "add the fields to the record; `vanban new {template}` prints every field the template reads"
            )),
            Error::MissingGlyphs(_) => Some(
                "replace the characters in the data, or check that the text is Unicode (not a legacy encoding)"
                    .into(),
            ),
            Error::Template { message, .. } if message.contains("undefined") => Some(
                "the record has no such field: add it to the data, or guard it in the template with `{% if … is defined %}`"
                    .into(),
            ),
            Error::Io { .. } => Some("check that the path exists and that you may read or write it".into()),
            Error::TooLong { .. } => Some("check the record for a field repeated by mistake, or split the document".into()),
            _ => None,
        }
    }
}
