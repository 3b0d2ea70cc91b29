//! Command-line arguments, the render loop and error reporting.
//!
//! Exit status: 0 when every document was written, 1 when some record failed, 2 for a usage
//! or input error (nothing is written then).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use vanban::data::{self, Field, LoadOptions, Record};
use vanban::encoding::Encoding;
use vanban::error::Error;
use vanban::model::Timestamp;
use vanban::template::{self, Severity, Templates};
use vanban::{output, Engine, Format, PdfStandard};

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

#[derive(Debug, clap::Args)]
struct RenderArgs {
    /// The data: .toml or .json (one record), .csv or .jsonl (one record per row).
    data: PathBuf,
    #[command(flatten)]
    text: TextArgs,
    /// A built-in template name (see `vanban templates`) or the path of a template file.
    /// Default: the record's `template` field, else `bao-cao`.
    #[arg(short, long)]
    template: Option<String>,
    /// Where to write: a file (`bao-cao.pdf`, format from its extension) or a folder.
    /// Default: the current folder.
    #[arg(short, long)]
    output: Option<PathBuf>,
    /// The formats to write into a folder, comma-separated: pdf, docx, png (page previews).
    #[arg(short, long, default_value = "pdf,docx")]
    formats: String,
    /// The folder that files named in the data (`{ file = "…" }`) must stay inside.
    /// Default: the data file's folder.
    #[arg(long)]
    root: Option<PathBuf>,
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
    let outcome = match cli.command {
        Command::Templates(args) => templates_command(&args).map(|()| Summary { failed: 0 }),
        Command::New(args) => new_command(&args).map(|()| Summary { failed: 0 }),
        Command::Check(args) => check(&args),
        Command::Render(args) => render(&args),
        Command::Convert(args) => convert(&args).map(|()| Summary { failed: 0 }),
        Command::Inspect { files } => return inspect(&files),
    };
    match outcome {
        Ok(summary) if summary.failed == 0 => ExitCode::SUCCESS,
        Ok(_) => ExitCode::from(1),
        Err(error) => {
            report(&error);
            ExitCode::from(2)
        }
    }
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
    if Templates::builtin(name).is_some() || (!looks_like_path(name) && templates.has(name)) {
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
fn check(args: &CheckArgs) -> Result<Summary, Error> {
    let options = LoadOptions {
        root: args.root.clone(),
        encoding: args.text.encoding,
        tone_style: args.text.tone_style,
    };
    let records = data::load(&args.data, &options)?;
    let (mut templates, explicit) = load_templates(&args.dirs, args.template.as_deref())?;
    // A record's own `template` field may name a user template too: resolve each once.
    let mut names: Vec<String> = Vec::new();
    for record in &records {
        if explicit.is_none() {
            if let Some(name) = record.fields.get_path("template").and_then(Field::as_str) {
                if !names.iter().any(|n| n == name) {
                    resolve_template(&mut templates, name)?;
                    names.push(name.to_string());
                }
            }
        }
    }
    let engine = Engine::new(templates).with_root(args.root.clone());
    let mut failed = 0;
    for record in &records {
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
    Ok(Summary { failed })
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

/// How a run went.
struct Summary {
    failed: usize,
}

/// Where the files of one record go.
enum Target {
    File(PathBuf, Format),
    Folder(PathBuf, Vec<Format>),
}

fn render(args: &RenderArgs) -> Result<Summary, Error> {
    let options = LoadOptions {
        root: args.root.clone(),
        encoding: args.text.encoding,
        tone_style: args.text.tone_style,
    };
    let records = data::load(&args.data, &options)?;
    let (templates, explicit) = load_templates(&args.dirs, args.template.as_deref())?;
    let target = target(args, records.len())?;
    let engine = Engine::new(templates)
        .with_root(args.root.clone())
        .with_dpi(args.dpi)
        .with_pdf_standard(args.pdf_standard)
        .with_fallback_date(source_date_epoch()?);

    // Decide every file name first: two records that would share a name is an error before
    // anything is written.
    let mut planned: Vec<(Record, Vec<(Format, PathBuf)>)> = Vec::new();
    let mut seen = BTreeSet::new();
    for record in records {
        let files = match &target {
            Target::File(path, format) => vec![(*format, path.clone())],
            Target::Folder(folder, formats) => {
                let stem = file_stem(&record, &args.data);
                formats
                    .iter()
                    .map(|f| (*f, folder.join(format!("{stem}.{}", f.extension()))))
                    .collect()
            }
        };
        for (_, path) in &files {
            if !seen.insert(path.clone()) {
                return Err(Error::Usage(format!(
                    "two records would both be written to {}: give them different numbers or dates",
                    path.display()
                )));
            }
        }
        planned.push((record, files));
    }

    let mut failed = 0;
    for (record, files) in &planned {
        let template = engine.template_for(record, explicit.as_deref());
        let formats: Vec<Format> = files.iter().map(|(f, _)| *f).collect();
        let result = engine
            .render(record, template, &formats)
            .and_then(|outputs| {
                // Every format is rendered in memory before the first file is written; if a
                // later file cannot be written, the earlier ones of the record are taken back,
                // so a record is either wholly written or not at all.
                let mut written: Vec<PathBuf> = Vec::new();
                for (path, bytes) in output_paths(files, &outputs) {
                    if let Err(error) = output::write_atomic(&path, bytes) {
                        for done in written {
                            let _ = std::fs::remove_file(done);
                        }
                        return Err(error);
                    }
                    written.push(path);
                }
                for path in written {
                    eprintln!("wrote {}", path.display());
                }
                Ok(())
            });
        if let Err(error) = result {
            failed += 1;
            let error = error.in_record(record.origin());
            if error.is_fatal() {
                return Err(error);
            }
            report(&error);
        }
    }
    if planned.len() > 1 {
        eprintln!(
            "{} documents, {} files, {failed} failed",
            planned.len(),
            planned.iter().map(|(_, f)| f.len()).sum::<usize>()
        );
    }
    Ok(Summary { failed })
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
fn output_paths<'a>(
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

fn looks_like_path(name: &str) -> bool {
    name.contains('/') || name.contains('\\') || name.ends_with(".j2") || Path::new(name).is_file()
}

fn target(args: &RenderArgs, records: usize) -> Result<Target, Error> {
    let output = args.output.clone().unwrap_or_else(|| PathBuf::from("."));
    let extension = output
        .extension()
        .and_then(|e| e.to_str())
        .and_then(Format::from_name);
    if let Some(format) = extension {
        if records > 1 {
            return Err(Error::Usage(format!(
                "{} holds {records} records: give -o a folder to write one document per record",
                args.data.display()
            )));
        }
        return Ok(Target::File(output, format));
    }
    let mut formats = Vec::new();
    for name in args.formats.split(',').filter(|n| !n.trim().is_empty()) {
        let format = Format::from_name(name).ok_or_else(|| {
            Error::Usage(format!(
                "unknown format `{name}`: use pdf, docx, png or a list (-f pdf,docx)"
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

/// A file name from the record: its number and date (`15-BC-BCĐ_2018-03-13`), else the data
/// file's name and the record's position.
fn file_stem(record: &Record, data: &Path) -> String {
    let text = |path: &str| {
        record
            .fields
            .get_path(path)
            .and_then(Field::as_str)
            .map(str::to_string)
    };
    match (text("issuer.number"), text("issuer.date")) {
        (Some(number), Some(date)) => output::safe_name(&format!("{number}_{date}")),
        (Some(number), None) => output::safe_name(&number),
        _ => {
            let stem = data
                .file_stem()
                .and_then(|s| s.to_str())
                .unwrap_or("van-ban");
            match record.line {
                Some(line) => output::safe_name(&format!("{stem}-{line}")),
                None => output::safe_name(stem),
            }
        }
    }
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
