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

use vanban::data::{self, Field, LoadOptions};
use vanban::encoding::Encoding;
use vanban::error::Error;
use vanban::model::Timestamp;
use vanban::output::{self, Shard};
use vanban::template::{self, Severity, Templates, DEFAULT_AGGREGATE_TEMPLATE};
use vanban::{Engine, Format, PdfStandard};

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
    /// Lists the built-in templates, one per line; `templates show NAME` prints one.
    Templates(TemplatesArgs),
    /// Prints a record (TOML) with every field a template reads, described in Vietnamese and
    /// English, with example values: `vanban new bien-ban > bien-ban.toml`.
    New(NewArgs),
    /// Checks the records of a data file against their template without rendering: every
    /// missing or mistyped field, and fields the template never reads.
    Check(CheckArgs),
    /// Writes a text file (TCVN3, VNI, Windows-1258, UTF-16 …) as UTF-8 NFC text, to fix old
    /// files once.
    Convert(ConvertArgs),
    /// Checks a PDF for an archive: the PDF/A claim and whether it holds (independent
    /// validator), fonts, pages and margins, metadata, NFC text. Exit status 1 when it does
    /// not conform.
    Inspect {
        /// The PDF files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
}

#[derive(Debug, clap::Args)]
struct RenderArgs {
    /// The data: .toml or .json (one record, or a JSON array of records), .csv or .jsonl
    /// (one record per row or line).
    data: PathBuf,
    #[command(flatten)]
    text: TextArgs,
    /// A built-in template name (see `vanban templates`) or the path of a template file.
    /// Default: the record's `template` field, else `bao-cao`.
    #[arg(short, long)]
    template: Option<String>,
    /// Where to write: a file (`bao-cao.pdf`, format from its extension) or a folder.
    /// Default: the current folder. A file holds one record only.
    #[arg(short, long)]
    output: Option<PathBuf>,
    /// The formats to write into a folder, comma-separated: pdf, docx, png (page previews).
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
    /// The PDF standard: a-2b (archival, the default), a-2u (archival, Unicode text), a-3b
    /// (archival, carrying the source record as JSON), a-2a+ua-1 (archival and accessible:
    /// tagged with headings, paragraphs, tables and figures, with an outline) or none (plain
    /// PDF).
    #[arg(long, default_value = "a-2b", value_parser = parse_standard)]
    pdf_standard: PdfStandard,
    /// The resolution of PNG previews (`-f png`), in dots per inch.
    #[arg(long, default_value_t = 96.0, value_parser = parse_dpi)]
    dpi: f32,
    /// A folder of your own templates: `-t NAME` finds NAME.j2 there, and they may extend or
    /// include each other and the built-ins. Templates load from nowhere else.
    #[arg(long = "templates", value_name = "DIR")]
    dirs: Vec<PathBuf>,
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
    let outcome: Result<usize, Error> = match cli.command {
        Command::Render(args) => return render_command(&args),
        Command::Inspect { files } => return inspect(&files),
        Command::Templates(args) => templates_command(&args).map(|()| 0),
        Command::New(args) => new_command(&args).map(|()| 0),
        Command::Check(args) => check(&args),
        Command::Convert(args) => convert(&args).map(|()| 0),
    };
    match outcome {
        Ok(0) => ExitCode::SUCCESS,
        Ok(_) => ExitCode::from(1),
        Err(error) => {
            report(&error);
            ExitCode::from(2)
        }
    }
}

/// `vanban render`: the batch, its progress and summary, and the exit status.
fn render_command(args: &RenderArgs) -> ExitCode {
    let mut reporter = Reporter::new(args.quiet, args.json);
    let stop = Arc::new(AtomicBool::new(false));
    let summary = watch_signals(&stop).and_then(|()| render(args, &stop, &mut reporter));
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
        encoding: args.text.encoding,
        tone_style: args.text.tone_style,
    };
    let (templates, explicit) = load_templates(&args.dirs, args.template.as_deref())?;
    if !args.aggregate && explicit.as_deref() == Some(DEFAULT_AGGREGATE_TEMPLATE) {
        return Err(Error::Usage(format!(
            "the template {DEFAULT_AGGREGATE_TEMPLATE} makes one summary of all the records: add --aggregate"
        )));
    }
    let target = target(args)?;
    let engine = Engine::new(templates)
        .with_root(args.root.clone())
        .with_dpi(args.dpi)
        .with_pdf_standard(args.pdf_standard)
        .with_fallback_date(source_date_epoch()?);
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

fn parse_standard(text: &str) -> Result<PdfStandard, String> {
    PdfStandard::from_name(text).ok_or_else(|| {
        format!("`{text}` is not a PDF standard: use a-2b, a-2u, a-3b, a-2a+ua-1 or none")
    })
}

fn parse_dpi(text: &str) -> Result<f32, String> {
    match text.parse::<f32>() {
        Ok(dpi) if (10.0..=600.0).contains(&dpi) => Ok(dpi),
        _ => Err(format!("`{text}` is not a resolution from 10 to 600 dpi")),
    }
}

#[derive(Debug, clap::Args)]
struct TemplatesArgs {
    #[command(subcommand)]
    action: Option<TemplatesAction>,
    /// A folder of your own templates (`-t NAME` finds NAME.j2 there).
    #[arg(long = "templates", value_name = "DIR")]
    dirs: Vec<PathBuf>,
}

#[derive(Debug, Subcommand)]
enum TemplatesAction {
    /// Prints a template's source, to copy and edit.
    Show {
        /// A built-in name, a template in --templates DIR, or a template file.
        name: String,
    },
}

#[derive(Debug, clap::Args)]
struct NewArgs {
    /// A built-in name, a template in --templates DIR, or a template file.
    template: String,
    /// A folder of your own templates.
    #[arg(long = "templates", value_name = "DIR")]
    dirs: Vec<PathBuf>,
}

#[derive(Debug, clap::Args)]
struct CheckArgs {
    /// The data: .toml, .json, .csv or .jsonl.
    data: PathBuf,
    #[command(flatten)]
    text: TextArgs,
    /// The template to check against. Default: each record's `template` field, else `bao-cao`.
    #[arg(short, long)]
    template: Option<String>,
    /// A folder of your own templates.
    #[arg(long = "templates", value_name = "DIR")]
    dirs: Vec<PathBuf>,
    /// The folder that files named in the data must stay inside (default: the data's folder).
    #[arg(long)]
    root: Option<PathBuf>,
}

/// The template environment with the user's folders, and the template `-t` names, if any.
fn load_templates(
    dirs: &[PathBuf],
    name: Option<&str>,
) -> Result<(Templates, Option<String>), Error> {
    let mut templates = Templates::new();
    for dir in dirs {
        templates.add_dir(dir)?;
    }
    let name = match name {
        Some(name) => Some(resolve_template(&mut templates, name)?),
        None => None,
    };
    Ok((templates, name))
}

/// A built-in name first (`dang/bao-cao` is a name, not a path), then a template in the
/// user's folders, then a template file.
fn resolve_template(templates: &mut Templates, name: &str) -> Result<String, Error> {
    if Templates::builtin(name).is_some() || (!looks_like_path(name) && templates.find(name)?) {
        return Ok(name.to_string());
    }
    if looks_like_path(name) {
        return templates.add_file(Path::new(name));
    }
    Err(Error::Usage(format!(
        "no template `{name}`: use a built-in one ({}), one in a --templates folder, or the path of a template file",
        template::listed().map(|b| b.name).collect::<Vec<_>>().join(", ")
    )))
}

fn templates_command(args: &TemplatesArgs) -> Result<(), Error> {
    match &args.action {
        None => {
            for builtin in template::listed() {
                emit(&format!("{:<16} {}\n", builtin.name, builtin.description));
            }
        }
        Some(TemplatesAction::Show { name }) => {
            let (templates, name) = load_templates(&args.dirs, Some(name))?;
            let name = name.unwrap_or_default();
            emit(&templates.source(&name)?);
        }
    }
    Ok(())
}

fn new_command(args: &NewArgs) -> Result<(), Error> {
    let (templates, name) = load_templates(&args.dirs, Some(&args.template))?;
    let name = name.unwrap_or_default();
    let builtin = Templates::builtin(&name).is_some();
    emit(&templates.example(&name, builtin)?);
    Ok(())
}

/// `vanban check`: each record against its template; problems on standard output, one line
/// each, under the record they belong to.
fn check(args: &CheckArgs) -> Result<usize, Error> {
    let options = LoadOptions {
        root: args.root.clone(),
        encoding: args.text.encoding,
        tone_style: args.text.tone_style,
    };
    let (mut templates, explicit) = load_templates(&args.dirs, args.template.as_deref())?;
    // A first pass reads every record (a file that cannot be read is refused before anything
    // is printed) and resolves, once each, the user templates that records name in their own
    // `template` field; the second checks them. Records are read as they come, in both.
    let mut names: Vec<String> = Vec::new();
    let mut total = 0;
    let records = data::open(&args.data, &options)?.check_references_only();
    let encoding = records.encoding();
    for record in records {
        let record = record?;
        total += 1;
        if explicit.is_none() {
            if let Some(name) = record.fields.get_path("template").and_then(Field::as_str) {
                if !names.iter().any(|n| n == name) {
                    resolve_template(&mut templates, name)?;
                    names.push(name.to_string());
                }
            }
        }
    }
    if total == 0 {
        return Err(Error::data(&args.data, None, "the file holds no record"));
    }
    let engine = Engine::new(templates).with_root(args.root.clone());
    let mut failed = 0;
    for record in data::reopen(&args.data, &options, encoding)? {
        let record = &record?;
        let template = engine.template_for(record, explicit.as_deref());
        let mut findings = engine.templates().check(template, record)?;
        let errors = findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
            .count();
        // With every field in order, a trial run of the template and the markup (no layout,
        // nothing written) catches the rest: a picture that is missing, a bad value in a list.
        let mut late = None;
        if errors == 0 {
            if let Err(error) = engine.document(record, template) {
                late = Some(error);
            }
        }
        findings.sort_by_key(|f| f.severity);
        let warnings = findings.len() - errors;
        let problems = errors + usize::from(late.is_some());
        if problems > 0 {
            failed += 1;
        }
        let mut counts = Vec::new();
        if problems > 0 {
            counts.push(plural(problems, "error"));
        }
        if warnings > 0 {
            counts.push(plural(warnings, "warning"));
        }
        let status = if counts.is_empty() {
            "ok".to_string()
        } else {
            counts.join(", ")
        };
        let mut text = format!("{} ({template}): {status}\n", record.origin());
        for finding in &findings {
            text.push_str(&format!("  {finding}\n"));
        }
        if let Some(error) = late {
            text.push_str(&format!("  error: {error}\n"));
        }
        emit(&text);
    }
    Ok(failed)
}

/// Writes to standard output; a reader that stops early (`vanban new x | head`) is not an
/// error worth a panic.
fn emit(text: &str) {
    use std::io::Write as _;
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
}

fn plural(count: usize, word: &str) -> String {
    if count == 1 {
        format!("1 {word}")
    } else {
        format!("{count} {word}s")
    }
}

/// Inspects each PDF; the worst outcome decides the exit status (2 unreadable, 1 not
/// conforming, 0 all conform).
fn inspect(files: &[PathBuf]) -> ExitCode {
    let mut status = 0;
    for file in files {
        let inspection = std::fs::read(file)
            .map_err(|e| Error::io(file, e))
            .and_then(|bytes| {
                vanban::inspect::inspect(&bytes).map_err(|m| Error::data(file, None, m))
            });
        match inspection {
            Ok(report) => {
                if files.len() > 1 {
                    println!("== {}", file.display());
                }
                print!("{}", report.render());
                if !report.conforms() {
                    status = status.max(1);
                }
            }
            Err(error) => {
                report(&error);
                status = 2;
            }
        }
    }
    ExitCode::from(status)
}

/// `SOURCE_DATE_EPOCH` (reproducible builds): the date of files whose record has none.
fn source_date_epoch() -> Result<Option<Timestamp>, Error> {
    match std::env::var("SOURCE_DATE_EPOCH") {
        Ok(value) => value
            .trim()
            .parse::<i64>()
            .ok()
            .filter(|s| (0..=253_402_300_799).contains(s))
            .map(|s| Some(Timestamp::from_unix(s)))
            .ok_or_else(|| {
                Error::Usage(format!(
                    "SOURCE_DATE_EPOCH=`{value}` is not a Unix time in seconds"
                ))
            }),
        Err(_) => Ok(None),
    }
}

/// Pairs each rendered output with its file: PNG previews, one per page, are named
/// `NAME-1.png`, `NAME-2.png` … after the planned `NAME.png`.
pub(crate) fn output_paths<'a>(
    files: &[(Format, PathBuf)],
    outputs: &'a [(Format, Vec<u8>)],
) -> Vec<(PathBuf, &'a [u8])> {
    let mut paths = Vec::new();
    for (format, planned) in files {
        let mine = outputs.iter().filter(|(f, _)| f == format);
        if *format == Format::Png {
            let stem = planned.with_extension("");
            for (page, (_, bytes)) in mine.enumerate() {
                let name = format!("{}-{}.png", stem.display(), page + 1);
                paths.push((PathBuf::from(name), bytes.as_slice()));
            }
        } else {
            paths.extend(mine.map(|(_, bytes)| (planned.clone(), bytes.as_slice())));
        }
    }
    paths
}

fn report(error: &Error) {
    eprintln!("error: {error}");
    if let Some(hint) = error.hint() {
        eprintln!("hint: {hint}");
    }
}

/// `vanban convert`: the file decoded, NFC, in the tone style asked for, as UTF-8.
fn convert(args: &ConvertArgs) -> Result<(), Error> {
    let bytes = std::fs::read(&args.file).map_err(|e| Error::io(&args.file, e))?;
    let decoded = data::decode_file(&args.file, &bytes, args.text.encoding)?;
    let text = args.text.tone_style.apply(&decoded.text);
    match &args.output {
        Some(path) => {
            output::write_atomic(path, text.as_bytes())?;
            eprintln!(
                "wrote {} (read as {})",
                path.display(),
                decoded.encoding.name()
            );
        }
        None => {
            use std::io::Write as _;
            let mut stdout = std::io::stdout().lock();
            stdout
                .write_all(text.as_bytes())
                .and_then(|()| stdout.flush())
                .map_err(|e| Error::io(Path::new("<standard output>"), e))?;
            eprintln!(
                "read {} as {}",
                args.file.display(),
                decoded.encoding.name()
            );
        }
    }
    Ok(())
}

/// How text is read: shared by `render` and `convert`.
#[derive(Debug, clap::Args)]
struct TextArgs {
    /// The encoding of the input (utf-8, utf-16, utf-16be, windows-1258, tcvn3, vni).
    /// Default: detected from the bytes.
    #[arg(long, value_name = "NAME", value_parser = parse_encoding, help_heading = "Reading text")]
    encoding: Option<Encoding>,
    /// Tone placement in oa/oe/uy syllables: `old` (hòa, thủy), `new` (hoà, thuỷ) or `keep`.
    #[arg(
        long,
        value_name = "STYLE",
        default_value = "keep",
        value_parser = parse_tone_style,
        help_heading = "Reading text"
    )]
    tone_style: vanban::vietnamese::tone::ToneStyle,
}

#[derive(Debug, clap::Args)]
struct ConvertArgs {
    /// The text file to convert.
    file: PathBuf,
    /// Where to write the UTF-8 text. Default: standard output.
    #[arg(short, long)]
    output: Option<PathBuf>,
    #[command(flatten)]
    text: TextArgs,
}

fn parse_encoding(name: &str) -> Result<Encoding, String> {
    Encoding::from_name(name).ok_or_else(|| {
        format!(
            "unknown encoding `{name}`: use one of {}",
            Encoding::known_names()
        )
    })
}

fn parse_tone_style(name: &str) -> Result<vanban::vietnamese::tone::ToneStyle, String> {
    vanban::vietnamese::tone::ToneStyle::from_name(name)
        .ok_or_else(|| format!("unknown tone style `{name}`: use old, new or keep"))
}
