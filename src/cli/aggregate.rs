//! `--aggregate`: every record of the file in one document (the yearly summary), which the
//! template receives as `records`.
//!
//! All records are read into memory (a summary needs them all at once), each is checked for
//! the fields the template requires, and only when every one passes is the document
//! rendered: a summary that silently left out a meeting would be worse than none.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};

use vanban::data::{self, LoadOptions};
use vanban::error::Error;
use vanban::output::{self, fold_ascii, safe_name};
use vanban::{Engine, Format};

use super::batch::Target;
use super::report::{Outcome, Reporter, Summary};

/// One summary of all the records of a data file.
pub struct Aggregate<'a> {
    /// The data file.
    pub data: &'a std::path::Path,
    /// How to read it.
    pub options: LoadOptions,
    /// The engine.
    pub engine: &'a Engine,
    /// The template's name.
    pub template: &'a str,
    /// Where the files go.
    pub target: Target,
    /// Fold the file name to ASCII.
    pub ascii_names: bool,
    /// Set by Ctrl-C or `kill`.
    pub stop: &'a AtomicBool,
}

impl Aggregate<'_> {
    /// Renders the summary; `Err` stops the whole run (exit status 2).
    pub fn run(&self, reporter: &mut Reporter) -> Result<Summary, Error> {
        let files = self.files();
        let mut summary = Summary {
            documents: 1,
            files: files.len(),
            ..Summary::default()
        };
        let mut records = Vec::new();
        let mut outcomes = Vec::new();
        for record in data::open(self.data, &self.options)? {
            if self.stop.load(Ordering::SeqCst) {
                summary.interrupted = true;
                summary.not_rendered = 1;
                return Ok(summary);
            }
            let record = record?;
            let error = self
                .engine
                .templates()
                .check_required(self.template, &record)
                .err()
                .map(|e| e.in_record(record.origin()));
            if let Some(error) = &error {
                reporter.error(error);
                summary.failed += 1;
            }
            outcomes.push(Outcome {
                index: record.index,
                line: record.line,
                origin: record.origin(),
                outputs: Vec::new(),
                error,
            });
            records.push(record);
        }
        if records.is_empty() {
            return Err(Error::data(self.data, None, "the file holds no record"));
        }
        let result = if summary.failed > 0 {
            reporter.note(&format!(
                "{} of {} records failed: the summary was not written",
                summary.failed,
                records.len()
            ));
            Ok(())
        } else {
            self.render(&records, &files)
        };
        match result {
            Ok(()) if summary.failed == 0 => {
                summary.written = files.len();
                for outcome in &mut outcomes {
                    outcome.outputs = files.iter().map(|(_, p)| p.clone()).collect();
                }
                reporter.wrote(&outcomes[0].outputs);
            }
            Ok(()) => {}
            Err(error) if error.is_fatal() => return Err(error),
            Err(error) => {
                reporter.error(&error);
                summary.failed = 1;
            }
        }
        for outcome in &outcomes {
            reporter.json_record(outcome);
        }
        Ok(summary)
    }

    fn render(&self, records: &[data::Record], files: &[(Format, PathBuf)]) -> Result<(), Error> {
        let formats: Vec<Format> = files.iter().map(|(f, _)| *f).collect();
        let outputs = self
            .engine
            .render_aggregate(records, self.template, &formats)?;
        let files: Vec<(PathBuf, Vec<u8>)> = files
            .iter()
            .zip(outputs)
            .map(|((_, path), (_, bytes))| (path.clone(), bytes))
            .collect();
        output::write_all_or_none(&files)
    }

    /// The summary's files: the given file, or `<data>-<template>.pdf` … in the folder.
    fn files(&self) -> Vec<(Format, PathBuf)> {
        match &self.target {
            Target::File(path, format) => vec![(*format, path.clone())],
            Target::Folder(folder, formats) => {
                let stem = |path: &std::path::Path| {
                    path.file_stem()
                        .and_then(|s| s.to_str())
                        .unwrap_or("van-ban")
                        .to_string()
                };
                let name = format!(
                    "{}-{}",
                    stem(self.data),
                    stem(std::path::Path::new(self.template))
                );
                let name = if self.ascii_names {
                    safe_name(&fold_ascii(&name))
                } else {
                    safe_name(&name)
                };
                formats
                    .iter()
                    .map(|f| (*f, folder.join(format!("{name}.{}", f.extension()))))
                    .collect()
            }
        }
    }
}
