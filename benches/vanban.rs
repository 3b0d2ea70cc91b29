//! Benchmarks: documents per second and peak memory, in one warm process.
//!
//! ```sh
//! cargo bench --bench vanban                      # every scenario
//! cargo bench --bench vanban -- batch             # one scenario: one, batch, summary, pathological
//! cargo bench --bench vanban -- write-csv 1000 hop-1000.csv   # data for benches/cli.sh
//! ```
//!
//! Peak memory is the process's high-water mark (`VmHWM`, Linux), so a scenario run alone
//! reports its own peak. Fresh-process timings and the 100,000-record memory bound are
//! measured on the real binary by `benches/cli.sh`.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rayon::prelude::*;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use vanban::data::{load, Field, LoadOptions, Record};
use vanban::template::Templates;
use vanban::{Engine, Format};

const BOTH: [Format; 2] = [Format::Pdf, Format::Docx];

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    if args.first().map(String::as_str) == Some("write-csv") {
        let count = args.get(1).and_then(|n| n.parse().ok()).unwrap_or(1000);
        let path = PathBuf::from(args.get(2).map_or("hop.csv", String::as_str));
        write_csv(count, &path);
        return;
    }
    let wanted = |name: &str| args.is_empty() || args.iter().any(|a| a == name);
    let engine = Engine::new(Templates::new());
    let sample = sample_records();
    if wanted("one") {
        one(&engine, &sample[0]);
    }
    if wanted("batch") {
        batch(&engine, &records(&sample, 1000));
    }
    if wanted("summary") {
        summary(&engine, &records(&sample, 1000));
    }
    if wanted("pathological") {
        pathological(&engine, &sample[0]);
    }
}

/// The 63-province sample: one meeting report of about two pages per record.
fn sample_records() -> Vec<Record> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/chuyen-doi-so-2019/hop.csv");
    load(&path, &LoadOptions::default()).expect("the sample batch loads")
}

/// `count` records: the sample's, repeated, each with its own number.
fn records(sample: &[Record], count: usize) -> Vec<Record> {
    (0..count)
        .map(|i| {
            let mut record = sample[i % sample.len()].clone();
            record.index = i;
            set(
                &mut record.fields,
                &["issuer", "number"],
                format!("{}/BC-STTTT", i + 1),
            );
            record
        })
        .collect()
}

fn set(field: &mut Field, path: &[&str], value: String) {
    let Field::Map(entries) = field else { return };
    for (key, inner) in entries.iter_mut() {
        if key == path[0] {
            if path.len() == 1 {
                *inner = Field::Text(value);
            } else {
                set(inner, &path[1..], value);
            }
            return;
        }
    }
}

/// One report, PDF and DOCX, rendered again and again in a warm engine.
fn one(engine: &Engine, record: &Record) {
    let runs = 200;
    let start = Instant::now();
    for _ in 0..runs {
        let outputs = engine.render(record, "bao-cao", &BOTH).expect("renders");
        std::hint::black_box(outputs);
    }
    report(
        "one report (PDF+DOCX), warm, 1 thread",
        runs,
        start.elapsed(),
    );
}

/// 1,000 reports, PDF and DOCX, on every core (in memory: the disk is not measured here).
fn batch(engine: &Engine, records: &[Record]) {
    let start = Instant::now();
    let bytes: usize = records
        .par_iter()
        .map(|r| {
            engine
                .render(r, "bao-cao", &BOTH)
                .expect("renders")
                .iter()
                .map(|(_, b)| b.len())
                .sum::<usize>()
        })
        .sum();
    report(
        &format!(
            "1,000 reports (PDF+DOCX), {} threads, {} MB out",
            rayon::current_num_threads(),
            bytes / 1_000_000
        ),
        records.len(),
        start.elapsed(),
    );
}

/// The yearly summary of 1,000 meetings: one document with a table of contents.
fn summary(engine: &Engine, records: &[Record]) {
    let start = Instant::now();
    let outputs = engine
        .render_aggregate(records, "tong-hop", &BOTH)
        .expect("the summary renders");
    let elapsed = start.elapsed();
    let pages = outputs
        .iter()
        .find(|(f, _)| *f == Format::Pdf)
        .map_or(0, |(_, pdf)| count_pages(pdf));
    report(
        &format!("yearly summary of 1,000 records (PDF+DOCX, {pages} pages)"),
        1,
        elapsed,
    );
}

/// A paragraph of 5,000 words in which every stretch of 300 characters has no break
/// opportunity at all: the worst case for line breaking.
fn pathological(engine: &Engine, record: &Record) {
    let mut words = Vec::new();
    for i in 0..5000 {
        if i % 50 == 49 {
            // 300 characters with no space, hyphen or other break opportunity.
            words.push("đ".repeat(300));
        } else {
            words.push(format!("chữ{}", i % 97));
        }
    }
    let mut record = record.clone();
    set(&mut record.fields, &["article"], words.join(" "));
    let runs = 5;
    let start = Instant::now();
    for _ in 0..runs {
        let outputs = engine.render(&record, "bao-cao", &BOTH).expect("renders");
        std::hint::black_box(outputs);
    }
    report(
        "pathological paragraph (5,000 words, 300-character unbreakable runs)",
        runs,
        start.elapsed(),
    );
}

fn report(what: &str, documents: usize, elapsed: Duration) {
    let seconds = elapsed.as_secs_f64();
    println!(
        "{what}: {documents} in {:.3} s = {:.1} documents/s ({:.2} ms each); peak memory {}",
        seconds,
        documents as f64 / seconds,
        seconds * 1000.0 / documents as f64,
        peak_memory()
    );
}

/// The process's peak resident memory, from `/proc/self/status` (Linux).
fn peak_memory() -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .map(|v| v.trim().to_string())
        })
        .unwrap_or_else(|| "unknown".into())
}

/// The number of page objects in a PDF (`/Type/Page`, not `/Type/Pages`), as krilla writes them.
fn count_pages(pdf: &[u8]) -> usize {
    let key = b"/Type/Page";
    pdf.windows(key.len() + 1)
        .filter(|w| w.starts_with(key) && w[key.len()] != b's')
        .count()
}

/// Writes `count` records as CSV: the sample's rows, repeated, each with its own number.
fn write_csv(count: usize, path: &Path) {
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/chuyen-doi-so-2019/hop.csv");
    let mut reader = csv::Reader::from_path(&source).expect("the sample batch reads");
    let headers = reader.headers().expect("the sample has a header").clone();
    let number = headers
        .iter()
        .position(|h| h == "issuer.number")
        .expect("the sample has numbers");
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("a row")).collect();
    let mut writer = csv::Writer::from_path(path).expect("the file can be written");
    writer.write_record(&headers).expect("writes");
    for i in 0..count {
        let row: Vec<String> = rows[i % rows.len()]
            .iter()
            .enumerate()
            .map(|(column, cell)| {
                if column == number {
                    format!("{}/BC-STTTT", i + 1)
                } else {
                    cell.to_string()
                }
            })
            .collect();
        writer.write_record(&row).expect("writes");
    }
    writer.flush().expect("writes");
    eprintln!("wrote {count} records to {}", path.display());
}
