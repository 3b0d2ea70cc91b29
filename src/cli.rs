//! Command-line arguments, the render loop and error reporting.
//!
//! Exit status: 0 when every document was written, 1 when some record failed, 2 for a usage
//! or input error (nothing is written then), 130 when Ctrl-C or `kill` stopped the run (the
//! documents written are whole; run the same command again to finish).

mod aggregate;
mod batch;
mod report;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use clap::{Parser, Subcommand};

use vanban::data::LoadOptions;
use vanban::error::Error;
use vanban::output::Shard;
use vanban::template::{Templates, BUILTINS, DEFAULT_AGGREGATE_TEMPLATE};
use vanban::{Engine, Format};

use aggregate::Aggregate;
use batch::{Batch, Target};
use report::{Reporter, Summary};

/// Vietnamese official documents (Nghị định 30/2020/NĐ-CP) as PDF/A and DOCX, from data.
#[derive(Debug, Parser)]
#[command(name = "vanban", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Renders the records of a data file into documents.
    Render(RenderArgs),
    /// Lists the built-in templates, one per line.
    Templates,
}

#[derive(Debug, clap::Args)]
struct RenderArgs {
    /// The data: .toml or .json (one record, or a JSON array of records), .csv or .jsonl
    /// (one record per row or line).
    data: PathBuf,
    /// A built-in template name (see `vanban templates`) or the path of a template file.
    /// Default: the record's `template` field, else `bao-cao`.
    #[arg(short, long)]
    template: Option<String>,
    /// Where to write: a file (`bao-cao.pdf`, format from its extension) or a folder.
    /// Default: the current folder. A file holds one record only.
    #[arg(short, long)]
    output: Option<PathBuf>,
    /// The formats to write into a folder, comma-separated.
    #[arg(short, long, default_value = "pdf,docx")]
    formats: String,
    /// The folder that files named in the data (`{ file = "…" }`) must stay inside.
    /// Default: the data file's folder.
    #[arg(long)]
    root: Option<PathBuf>,
    /// How to name each record's files in the folder: a template expression over the record,
    /// such as `issuer.number ~ "_" ~ row`; `row` is the record's line in a CSV or JSON Lines
    /// file. Default: its number and date, else the data file's name and the row.
    #[arg(long, value_name = "PATTERN")]
    name: Option<String>,
    /// Fold Vietnamese letters in file names to ASCII (`Hưng Yên` → `Hung-Yen`).
    #[arg(long)]
    ascii_names: bool,
    /// How many documents to render at once. Default: one per core.
    #[arg(short, long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    jobs: Option<u16>,
    /// Stop at the first record that fails (the documents already written stay).
    #[arg(long)]
    fail_fast: bool,
    /// Render only the records whose position (from 0) is K modulo N, so that N machines or
    /// jobs can share a batch with no coordination: `--shard 0/4` … `--shard 3/4`.
    #[arg(long, value_name = "K/N")]
    shard: Option<Shard>,
    /// Print only errors: no progress, no summary.
    #[arg(short, long)]
    quiet: bool,
    /// Write a report to stdout: one JSON object per record (its index, line, files and
    /// error), then one for the summary.
    #[arg(long)]
    json: bool,
    /// Render ONE document from all the records (the template gets them as `records`).
    /// Default template: `tong-hop`, the yearly summary.
    #[arg(long, conflicts_with_all = ["shard", "name"])]
    aggregate: bool,
}

/// Runs the command line and returns the exit status.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    match cli.command {
        Command::Templates => {
            for builtin in BUILTINS {
                println!("{:<12} {}", builtin.name, builtin.description);
            }
            ExitCode::SUCCESS
        }
        Command::Render(args) => {
            let mut reporter = Reporter::new(args.quiet, args.json);
            let stop = Arc::new(AtomicBool::new(false));
            let summary = watch_signals(&stop).and_then(|()| render(&args, &stop, &mut reporter));
            match summary {
                Ok(summary) => {
                    reporter.summary(&summary);
                    if summary.interrupted {
                        ExitCode::from(130)
                    } else if summary.failed > 0 {
                        ExitCode::from(1)
                    } else {
                        ExitCode::SUCCESS
                    }
                }
                Err(error) => {
                    reporter.fatal(&error);
                    ExitCode::from(2)
                }
            }
        }
    }
}

/// Makes Ctrl-C and `kill` set `stop`, so the run takes no new record and finishes the ones
/// in flight: no file is left half-written. A second Ctrl-C ends the process at once (the
/// temporary files it leaves are hidden, and removed by a later run).
#[cfg(unix)]
fn watch_signals(stop: &Arc<AtomicBool>) -> Result<(), Error> {
    use signal_hook::consts::{SIGINT, SIGTERM};
    use signal_hook::flag;
    for signal in [SIGINT, SIGTERM] {
        // The order matters: the shutdown is armed by the first signal, run by the second.
        flag::register_conditional_shutdown(signal, 130, Arc::clone(stop))
            .and_then(|_| flag::register(signal, Arc::clone(stop)))
            .map_err(|e| Error::Usage(format!("cannot watch for Ctrl-C ({e})")))?;
    }
    Ok(())
}

#[cfg(not(unix))]
fn watch_signals(_stop: &Arc<AtomicBool>) -> Result<(), Error> {
    Ok(())
}

fn render(args: &RenderArgs, stop: &AtomicBool, reporter: &mut Reporter) -> Result<Summary, Error> {
    let options = LoadOptions {
        root: args.root.clone(),
    };
    let mut templates = Templates::new();
    let explicit = match &args.template {
        Some(name) if looks_like_path(name) => Some(templates.add_file(Path::new(name))?),
        Some(name) => {
            if !templates.has(name) {
                return Err(Error::Usage(format!(
                    "no built-in template `{name}`: use one of {} or give the path of a template file",
                    BUILTINS.iter().map(|b| b.name).collect::<Vec<_>>().join(", ")
                )));
            }
            Some(name.clone())
        }
        None => None,
    };
    if !args.aggregate && explicit.as_deref() == Some(DEFAULT_AGGREGATE_TEMPLATE) {
        return Err(Error::Usage(format!(
            "the template {DEFAULT_AGGREGATE_TEMPLATE} makes one summary of all the records: add --aggregate"
        )));
    }
    let target = target(args)?;
    let engine = Engine::new(templates);
    if args.aggregate {
        return Aggregate {
            data: &args.data,
            options,
            engine: &engine,
            template: explicit.as_deref().unwrap_or(DEFAULT_AGGREGATE_TEMPLATE),
            target,
            ascii_names: args.ascii_names,
            stop,
        }
        .run(reporter);
    }
    let names = engine.name_pattern(args.name.as_deref(), args.ascii_names)?;
    let jobs = match args.jobs {
        Some(jobs) => usize::from(jobs),
        None => std::thread::available_parallelism().map_or(1, |n| n.get()),
    };
    Batch {
        data: &args.data,
        options,
        engine: &engine,
        template: explicit.as_deref(),
        target,
        names,
        shard: args.shard.unwrap_or(Shard::ALL),
        jobs,
        fail_fast: args.fail_fast,
        stop,
    }
    .run(reporter)
}

fn looks_like_path(name: &str) -> bool {
    name.contains('/') || name.contains('\\') || name.ends_with(".j2") || Path::new(name).is_file()
}

fn target(args: &RenderArgs) -> Result<Target, Error> {
    let output = args.output.clone().unwrap_or_else(|| PathBuf::from("."));
    let extension = output
        .extension()
        .and_then(|e| e.to_str())
        .and_then(Format::from_name);
    if let Some(format) = extension {
        return Ok(Target::File(output, format));
    }
    let mut formats = Vec::new();
    for name in args.formats.split(',').filter(|n| !n.trim().is_empty()) {
        let format = Format::from_name(name).ok_or_else(|| {
            Error::Usage(format!(
                "unknown format `{name}`: use pdf, docx or both (-f pdf,docx)"
            ))
        })?;
        if !formats.contains(&format) {
            formats.push(format);
        }
    }
    if formats.is_empty() {
        return Err(Error::Usage(
            "no format given: use -f pdf, -f docx or -f pdf,docx".into(),
        ));
    }
    std::fs::create_dir_all(&output).map_err(|e| Error::io(&output, e))?;
    Ok(Target::Folder(output, formats))
}
