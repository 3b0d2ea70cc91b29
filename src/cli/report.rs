//! What a run tells whoever started it: a progress bar on a terminal, plain lines when stderr
//! is a file or a pipe, only errors with `--quiet`; with `--json`, one JSON object per record
//! on stdout (JSON Lines), then one for the summary, for the scripts that call vanban.

use std::io::{IsTerminal as _, Write as _};
use std::path::PathBuf;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde_json::json;

use vanban::error::Error;

/// What became of one record.
#[derive(Debug)]
pub struct Outcome {
    /// The record's position in the data file, from 0.
    pub index: usize,
    /// The line where it starts (CSV, JSON Lines).
    pub line: Option<u64>,
    /// `data.csv:14`, for messages.
    pub origin: String,
    /// The files written for it (none when it failed).
    pub outputs: Vec<PathBuf>,
    /// Why it failed.
    pub error: Option<Error>,
}

/// How a run went, counted as it goes.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Summary {
    /// Records this run was to render (this shard's).
    pub documents: usize,
    /// Files those records were to give.
    pub files: usize,
    /// Files written.
    pub written: usize,
    /// Records that failed.
    pub failed: usize,
    /// Records not rendered because the run stopped early (`--fail-fast`, Ctrl-C).
    pub not_rendered: usize,
    /// Whether a signal (Ctrl-C, `kill`) stopped the run.
    pub interrupted: bool,
    /// Records reported so far.
    pub reported: usize,
}

enum Progress {
    Bar(ProgressBar),
    Lines,
    Quiet,
}

/// Prints progress, errors and the summary.
pub struct Reporter {
    progress: Progress,
    json: bool,
    total: usize,
    done: usize,
}

impl Reporter {
    /// A reporter for the flags given; progress is a bar only when stderr is a terminal.
    pub fn new(quiet: bool, json: bool) -> Self {
        let progress = if quiet {
            Progress::Quiet
        } else if std::io::stderr().is_terminal() {
            // Drawn once the number of records is known (`start`).
            Progress::Bar(ProgressBar::hidden())
        } else {
            Progress::Lines
        };
        Reporter {
            progress,
            json,
            total: 0,
            done: 0,
        }
    }

    /// Starts counting `total` records.
    pub fn start(&mut self, total: usize) {
        self.total = total;
        if let Progress::Bar(bar) = &mut self.progress {
            if total > 1 {
                let style = ProgressStyle::with_template(
                    "{bar:40} {pos}/{len} documents, {elapsed} elapsed, {eta} left",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar());
                *bar =
                    ProgressBar::with_draw_target(Some(total as u64), ProgressDrawTarget::stderr())
                        .with_style(style);
            }
        }
    }

    /// Reports a record that was rendered or failed.
    pub fn record(&mut self, outcome: &Outcome) {
        self.done += 1;
        match &outcome.error {
            Some(error) => self.error(error),
            None => self.wrote(&outcome.outputs),
        }
        if let Progress::Bar(bar) = &self.progress {
            bar.inc(1);
        }
        self.json_record(outcome);
    }

    /// Says which files were written (unless a progress bar shows it).
    pub fn wrote(&self, outputs: &[PathBuf]) {
        let files: Vec<String> = outputs.iter().map(|p| p.display().to_string()).collect();
        let counter = if self.total > 1 {
            format!("[{}/{}] ", self.done, self.total)
        } else {
            String::new()
        };
        match &self.progress {
            Progress::Lines => eprintln!("{counter}wrote {}", files.join(", ")),
            Progress::Bar(bar) if bar.is_hidden() => eprintln!("wrote {}", files.join(", ")),
            Progress::Bar(_) | Progress::Quiet => {}
        }
    }

    /// Adds a record to the JSON report (nothing without `--json`).
    pub fn json_record(&mut self, outcome: &Outcome) {
        if self.json {
            let error = outcome.error.as_ref().map(error_json);
            // Paths as text: a name that is not UTF-8 is shown as well as it can be.
            let outputs: Vec<String> = outcome
                .outputs
                .iter()
                .map(|p| p.display().to_string())
                .collect();
            self.json_line(&json!({
                "type": "record",
                "index": outcome.index,
                "line": outcome.line,
                "origin": outcome.origin,
                "outputs": outputs,
                "error": error,
            }));
        }
    }

    /// Prints an error and its hint on stderr (above the progress bar).
    pub fn error(&self, error: &Error) {
        let mut text = format!("error: {error}");
        if let Some(hint) = error.hint() {
            text.push_str(&format!("\nhint: {hint}"));
        }
        match &self.progress {
            Progress::Bar(bar) => bar.suspend(|| eprintln!("{text}")),
            Progress::Lines | Progress::Quiet => eprintln!("{text}"),
        }
    }

    /// Prints a note (why the run stopped) unless quiet.
    pub fn note(&self, text: &str) {
        match &self.progress {
            Progress::Bar(bar) => bar.suspend(|| eprintln!("{text}")),
            Progress::Lines => eprintln!("{text}"),
            Progress::Quiet => {}
        }
    }

    /// Reports an error that stops the whole run (exit status 2).
    pub fn fatal(&mut self, error: &Error) {
        self.clear();
        self.error(error);
        if self.json {
            self.json_line(&json!({
                "type": "error",
                "message": error.to_string(),
                "hint": error.hint(),
            }));
        }
    }

    /// Ends the run with its summary line.
    pub fn summary(&mut self, summary: &Summary) {
        self.clear();
        let stopped = summary.not_rendered > 0 || summary.interrupted;
        if !matches!(self.progress, Progress::Quiet) && (summary.documents > 1 || stopped) {
            let mut line = format!(
                "{} documents, {} files, {} failed",
                summary.documents, summary.files, summary.failed
            );
            if stopped {
                line.push_str(&format!(", {} not rendered", summary.not_rendered));
            }
            if summary.interrupted {
                line.push_str(" (interrupted: run the same command again to finish)");
            }
            eprintln!("{line}");
        }
        if self.json {
            self.json_line(&json!({
                "type": "summary",
                "documents": summary.documents,
                "files": summary.files,
                "written": summary.written,
                "failed": summary.failed,
                "not_rendered": summary.not_rendered,
                "interrupted": summary.interrupted,
            }));
        }
    }

    fn clear(&mut self) {
        if let Progress::Bar(bar) = &self.progress {
            bar.finish_and_clear();
        }
    }

    /// Writes one line of the JSON report. A closed stdout (`| head`) ends the report quietly;
    /// the documents are still written.
    fn json_line(&mut self, value: &serde_json::Value) {
        let mut out = std::io::stdout().lock();
        if writeln!(out, "{value}").and_then(|_| out.flush()).is_err() {
            self.json = false;
        }
    }
}

fn error_json(error: &Error) -> serde_json::Value {
    json!({ "message": error.to_string(), "hint": error.hint() })
}
