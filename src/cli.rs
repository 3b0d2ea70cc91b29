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
use vanban::template::{Templates, BUILTINS};
use vanban::{output, Engine, Format};

/// Vietnamese official documents (Nghị định 30/2020/NĐ-CP) as PDF/A and DOCX, from data.
#[derive(Debug, Parser)]
#[command(name = "vanban", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Writes a text file (TCVN3, VNI, Windows-1258, UTF-16 …) as UTF-8 NFC text, to fix old
    /// files once.
    Convert(ConvertArgs),
    /// Renders the records of a data file into documents.
    Render(RenderArgs),
    /// Lists the built-in templates, one per line.
    Templates,
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
    /// The formats to write into a folder, comma-separated.
    #[arg(short, long, default_value = "pdf,docx")]
    formats: String,
    /// The folder that files named in the data (`{ file = "…" }`) must stay inside.
    /// Default: the data file's folder.
    #[arg(long)]
    root: Option<PathBuf>,
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
        Command::Render(args) => match render(&args) {
            Ok(summary) if summary.failed == 0 => ExitCode::SUCCESS,
            Ok(_) => ExitCode::from(1),
            Err(error) => {
                report(&error);
                ExitCode::from(2)
            }
        },
        Command::Convert(args) => match convert(&args) {
            Ok(()) => ExitCode::SUCCESS,
            Err(error) => {
                report(&error);
                ExitCode::from(2)
            }
        },
    }
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
    let target = target(args, records.len())?;
    let engine = Engine::new(templates);

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
                let mut written: Vec<&Path> = Vec::new();
                for ((_, bytes), (_, path)) in outputs.iter().zip(files) {
                    if let Err(error) = output::write_atomic(path, bytes) {
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
