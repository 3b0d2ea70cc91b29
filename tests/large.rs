//! A data file far larger than memory should need: read as a stream, in flat memory.
//!
//! In a test binary of their own, so that the peak memory of the processes they wait for
//! (`getrusage(RUSAGE_CHILDREN)`) is that of these runs only. Linux counts in a child started
//! by `vfork` (as `Command` does) the peak of the parent's memory too, so the test itself never
//! holds the big file.

mod util;

use std::io::Write;
use std::path::Path;

use util::*;

/// The largest resident size of this process (`RUSAGE_SELF`) or of any child waited for so far
/// (`RUSAGE_CHILDREN`), in bytes.
fn peak_memory(who: libc::c_int) -> u64 {
    // SAFETY: `getrusage` only writes the struct it is given.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let status = unsafe { libc::getrusage(who, &mut usage) };
    assert_eq!(status, 0, "getrusage");
    // Linux gives kilobytes.
    u64::try_from(usage.ru_maxrss).unwrap() * 1024
}

/// Asserts that no run waited for so far (in any test of this file) peaked at `limit` bytes.
fn assert_runs_peaked_below(limit: u64) {
    let peak = peak_memory(libc::RUSAGE_CHILDREN);
    assert!(
        peak < limit,
        "a run peaked at {} MB (this test itself at {} MB)",
        peak / 1024 / 1024,
        peak_memory(libc::RUSAGE_SELF) / 1024 / 1024
    );
}

/// Renders one shard of `data` into `out`, quietly, and asserts that it succeeded.
fn render_shard(data: &Path, out: &Path, shard: &str, extra: &[&str]) {
    let mut args = vec![
        "render",
        data.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--shard",
        shard,
        "-q",
    ];
    args.extend_from_slice(extra);
    let run = vanban(&args);
    assert!(run.status.success(), "{}", stderr(&run));
}

/// Writes the sample report CSV's record again and again, each with its own number, until
/// the file holds `bytes`; returns how many records and lines it holds.
fn write_big_csv(path: &Path, bytes: u64) -> (usize, usize) {
    let sample = std::fs::read_to_string(sample("report.csv")).unwrap();
    let (header, row) = sample.split_once('\n').unwrap();
    assert!(row.contains("15/BC-BCĐ"), "the sample row has its number");
    let mut file = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    writeln!(file, "{header}").unwrap();
    let mut written = header.len() as u64 + 1;
    let mut records = 0;
    let mut lines = 1;
    while written < bytes {
        records += 1;
        let row = row.replace("15/BC-BCĐ", &format!("{records}/BC-BCĐ"));
        file.write_all(row.as_bytes()).unwrap();
        written += row.len() as u64;
        lines += row.matches('\n').count();
    }
    file.flush().unwrap();
    (records, lines)
}

#[test]
fn a_200_megabyte_csv_is_streamed_in_flat_memory() {
    const SIZE: u64 = 200 * 1024 * 1024;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("ca-nam.csv");
    let (records, lines) = write_big_csv(&data, SIZE);
    assert!(records > 90_000, "{records} records");

    // Both passes (names, then rendering) read all of it; two records are rendered: the
    // first and one past the middle.
    let every = records / 2 + 1;
    let out = dir.path().join("out");
    render_shard(&data, &out, &format!("0/{every}"), &[]);
    let later = every + 1;
    let mut expected = strings(&[
        "1-BC-BCĐ_2018-03-13.docx",
        "1-BC-BCĐ_2018-03-13.pdf",
        &format!("{later}-BC-BCĐ_2018-03-13.docx"),
        &format!("{later}-BC-BCĐ_2018-03-13.pdf"),
    ]);
    expected.sort();
    assert_eq!(files_in(&out), expected);
    let pdf = out.join(format!("{later}-BC-BCĐ_2018-03-13.pdf"));
    assert!(pdf_text(&pdf, Some((1, 1))).contains(&format!("Số: {later}/BC-BCĐ")));
    assert_conforms(&pdf);

    // A ragged last row is found by the first pass: named by its line, nothing written.
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .open(&data)
        .unwrap();
    file.write_all(b"bao-cao,too,few\n").unwrap();
    drop(file);
    let last_line = lines + 1;
    let refused = dir.path().join("refused");
    let run = vanban(&[
        "render",
        data.to_str().unwrap(),
        "-o",
        refused.to_str().unwrap(),
    ]);
    let message = stderr(&run);
    assert_eq!(run.status.code(), Some(2), "{message}");
    assert!(
        message.contains(&format!("ca-nam.csv:{last_line}: this row has 3 cells")),
        "{message}"
    );
    assert!(files_in(&refused).is_empty());

    // Holding the file (let alone its decoded copy) would take more than 200 MB.
    assert_runs_peaked_below(SIZE / 2);
}

/// Writes a JSON array of minimal reports, each with the sample article and its own number,
/// until the file holds `bytes`; returns how many records it holds.
fn write_big_json(path: &Path, bytes: u64) -> usize {
    let article = std::fs::read_to_string(sample("bai-viet.txt")).unwrap();
    let mut file = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    let mut written = 0;
    let mut records = 0;
    file.write_all(b"[").unwrap();
    while written < bytes {
        records += 1;
        let record = serde_json::json!({
            "title": "Kết quả hội nghị",
            "article": article,
            "recipients": ["Lưu: VT"],
            "issuer": {
                "name": "SỞ NỘI VỤ",
                "number": format!("{records}/BC-SNV"),
                "place": "Hưng Yên",
                "date": "2018-03-13",
            },
            "signer": { "position": "GIÁM ĐỐC", "name": "Nguyễn Văn A" },
        });
        let text = format!("{}{record}", if records > 1 { ",\n" } else { "" });
        file.write_all(text.as_bytes()).unwrap();
        written += text.len() as u64;
    }
    file.write_all(b"]").unwrap();
    file.flush().unwrap();
    records
}

#[test]
fn a_100_megabyte_json_array_is_streamed_in_flat_memory() {
    const SIZE: u64 = 100 * 1024 * 1024;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("ca-nam.json");
    let records = write_big_json(&data, SIZE);
    let last = records.to_string();
    let out = dir.path().join("out");
    // Only the last record is rendered: every record before it is parsed and passed by.
    let shard = format!("{}/{records}", records - 1);
    let name = ["--name", "issuer.number | replace('/', '-')"];
    render_shard(&data, &out, &shard, &name);
    assert_eq!(
        files_in(&out),
        [format!("{last}-BC-SNV.docx"), format!("{last}-BC-SNV.pdf")]
    );
    let pdf = out.join(format!("{last}-BC-SNV.pdf"));
    assert!(pdf_text(&pdf, Some((1, 1))).contains(&format!("Số: {last}/BC-SNV")));
    assert_conforms(&pdf);
    // Parsed whole, the array's values alone would take several times the file's size.
    assert_runs_peaked_below(SIZE);
}
