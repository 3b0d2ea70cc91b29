//! Batches: a year of meetings (one per province, `samples/chuyen-doi-so-2019/hop.csv`) in one
//! command. Every document is read back with poppler; a bad row, a name collision, shards,
//! thread counts and an interrupted run are checked on the real binary.

mod util;

use std::collections::BTreeMap;
use std::path::Path;

use vanban::data::{load, Field, LoadOptions, Record};

use util::*;

fn records() -> Vec<Record> {
    load(&batch_sample(), &LoadOptions::default()).unwrap()
}

/// `ngày 05 tháng 01 năm 2019`, written here from the rule (days below 10 and the months 1 and
/// 2 padded), independently of the template filter.
fn official(iso: &str) -> String {
    let parts: Vec<u32> = iso.split('-').map(|p| p.parse().unwrap()).collect();
    let month = if parts[1] <= 2 {
        format!("{:02}", parts[1])
    } else {
        parts[1].to_string()
    };
    format!("ngày {:02} tháng {month} năm {}", parts[2], parts[0])
}

/// Every piece of text a record's report shows, in reading order.
fn expected_text(record: &Record) -> Vec<String> {
    let mut pieces = vec![
        field(record, "issuer.parent"),
        field(record, "issuer.name"),
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM".into(),
        "Độc lập - Tự do - Hạnh phúc".into(),
        format!("Số: {}", field(record, "issuer.number")),
        format!(
            "{}, {}",
            field(record, "issuer.place"),
            official(&field(record, "issuer.date"))
        ),
        "BÁO CÁO".into(),
        field(record, "title"),
        format!(
            "N{}, tại {}, {} đã được tổ chức dưới sự chủ trì của đồng chí {}, {}. Kết quả như sau:",
            &official(&field(record, "meeting.date"))[1..],
            field(record, "meeting.location"),
            field(record, "meeting.name"),
            field(record, "meeting.chair"),
            field(record, "meeting.chair_title")
        ),
    ];
    pieces.extend(paragraphs(&field(record, "article")));
    pieces.push("Nơi nhận:".into());
    let Some(Field::List(recipients)) = record.fields.get_path("recipients") else {
        panic!("the sample has recipients")
    };
    for (i, recipient) in recipients.iter().enumerate() {
        let end = if i + 1 == recipients.len() { "." } else { ";" };
        pieces.push(format!("- {}{end}", recipient.as_str().unwrap()));
    }
    pieces.extend([
        field(record, "signer.authority"),
        field(record, "signer.position"),
        field(record, "signer.name"),
    ]);
    pieces
}

/// The characters of a text without its white space: a PDF stores no space at a line end, so
/// two texts with the same characters in the same order are the same text.
fn characters(text: &str) -> String {
    normalize(text).replace(' ', "")
}

/// The file name a record gets by default: its number and date, made safe.
fn default_name(record: &Record) -> String {
    format!(
        "{}_{}",
        field(record, "issuer.number").replace('/', "-"),
        field(record, "issuer.date")
    )
}

fn render(data: &Path, out: &Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec![
        "render",
        data.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ];
    args.extend(extra);
    vanban(&args)
}

/// Every file of a folder with its bytes.
fn contents(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    files_in(dir)
        .into_iter()
        .map(|name| {
            let bytes = std::fs::read(dir.join(&name)).unwrap();
            (name, bytes)
        })
        .collect()
}

#[test]
fn a_63_record_batch_writes_126_files_whose_text_is_exact() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let run = render(&batch_sample(), &out, &["-j", "2"]);
    assert_eq!(run.status.code(), Some(0), "{}", stderr(&run));
    assert!(
        stderr(&run).ends_with("63 documents, 126 files, 0 failed\n"),
        "{}",
        stderr(&run)
    );
    let records = records();
    assert_eq!(records.len(), 63);
    let mut expected_files: Vec<String> = records
        .iter()
        .flat_map(|r| ["pdf", "docx"].map(|ext| format!("{}.{ext}", default_name(r))))
        .collect();
    expected_files.sort();
    assert_eq!(files_in(&out), expected_files);
    for record in &records {
        let pdf = out.join(format!("{}.pdf", default_name(record)));
        // PDF/A-2b by page_validation: among the 63, Ninh Bình's report has a compressed stream
        // whose last byte is a carriage return (see `unambiguous_stream_ends`).
        assert_conforms(&pdf);
        let mut drawn = String::new();
        for page in 1..=page_count(&pdf) {
            let text = pdf_page_text_raw(&pdf, page);
            // The page number is drawn last on every page but the first.
            let body = if page == 1 {
                text.as_str()
            } else {
                let number = page.to_string();
                let trimmed = text.trim_end();
                assert!(
                    trimmed.ends_with(&number),
                    "page {page} of {}",
                    pdf.display()
                );
                &trimmed[..trimmed.len() - number.len()]
            };
            drawn.push_str(body);
            drawn.push('\n');
        }
        let expected = expected_text(record).join("\n");
        assert_eq!(
            characters(&drawn),
            characters(&expected),
            "{}:\n{}\n--- expected ---\n{}",
            pdf.display(),
            normalize(&drawn),
            normalize(&expected)
        );
    }
}

#[test]
fn outputs_are_byte_identical_for_one_and_two_threads() {
    let dir = tempfile::tempdir().unwrap();
    let one = dir.path().join("one");
    let two = dir.path().join("two");
    assert!(render(&batch_sample(), &one, &["-j", "1"]).status.success());
    assert!(render(&batch_sample(), &two, &["-j", "2"]).status.success());
    let (one, two) = (contents(&one), contents(&two));
    assert_eq!(one.len(), 126);
    assert!(one == two, "-j 1 and -j 2 wrote different bytes");
}

#[test]
fn shards_zero_and_one_of_two_give_exactly_the_full_set() {
    let dir = tempfile::tempdir().unwrap();
    let (all, zero, one) = (
        dir.path().join("all"),
        dir.path().join("zero"),
        dir.path().join("one"),
    );
    assert!(render(&batch_sample(), &all, &[]).status.success());
    let run = render(&batch_sample(), &zero, &["--shard", "0/2"]);
    assert!(
        stderr(&run).ends_with("32 documents, 64 files, 0 failed\n"),
        "{}",
        stderr(&run)
    );
    assert!(render(&batch_sample(), &one, &["--shard", "1/2"])
        .status
        .success());
    let (zero, one) = (contents(&zero), contents(&one));
    assert_eq!((zero.len(), one.len()), (64, 62));
    assert!(
        zero.keys().all(|name| !one.contains_key(name)),
        "no record is in both shards"
    );
    let mut union = zero;
    union.extend(one);
    assert!(union == contents(&all), "the shards together are the batch");
    // Shard 0/2 holds the records at positions 0, 2, 4 …: the first province is in it.
    assert!(union.contains_key("01-BC-STTTT_2019-01-05.pdf"));
}

#[test]
fn a_bad_row_in_the_middle_is_named_by_line_and_the_other_62_are_written() {
    let dir = tempfile::tempdir().unwrap();
    // The 32nd record (Kiên Giang) gets an impossible date.
    let data = edited_batch(
        dir.path(),
        &[(
            "32/BC-STTTT,Kiên Giang,2019-06-16",
            "32/BC-STTTT,Kiên Giang,2019-02-30",
        )],
    );
    // A record is named by the line it starts on: its first cells, before the issuer's name
    // (written on two lines) and its number.
    let line = line_of(&data, "UBND TỈNH KIÊN GIANG,");
    assert_eq!(line + 1, line_of(&data, "32/BC-STTTT"));
    let out = dir.path().join("out");
    let run = render(&data, &out, &["--json"]);
    let message = stderr(&run);
    assert_eq!(run.status.code(), Some(1), "{message}");
    assert!(
        message.contains(&format!(
            "hop.csv:{line}: field `issuer.date`: `2019-02-30` is not a date"
        )),
        "{message}"
    );
    assert!(
        message.ends_with("63 documents, 126 files, 1 failed\n"),
        "{message}"
    );
    let files = files_in(&out);
    assert_eq!(files.len(), 124);
    assert!(!files.iter().any(|f| f.starts_with("32-")), "{files:?}");
    // The JSON report: one line per record in the file's order, then the summary.
    let report = String::from_utf8(run.stdout).unwrap();
    let lines: Vec<serde_json::Value> = report
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 64);
    for (index, entry) in lines[..63].iter().enumerate() {
        assert_eq!(entry["type"], "record");
        assert_eq!(entry["index"], index);
    }
    let bad = &lines[31];
    assert_eq!(bad["line"], line);
    assert_eq!(bad["outputs"], serde_json::json!([]));
    assert!(bad["error"]["message"]
        .as_str()
        .unwrap()
        .contains("`2019-02-30` is not a date"));
    assert_eq!(lines[30]["outputs"].as_array().unwrap().len(), 2);
    assert_eq!(lines[30]["error"], serde_json::Value::Null);
    assert_eq!(lines[63]["type"], "summary");
    assert_eq!(lines[63]["written"], 124);
    assert_eq!(lines[63]["failed"], 1);
}

#[test]
fn fail_fast_stops_at_the_first_failure() {
    let dir = tempfile::tempdir().unwrap();
    let data = edited_batch(dir.path(), &[("03/BC-STTTT,Bắc Giang,", "03/BC-STTTT,,")]);
    let out = dir.path().join("out");
    let run = render(&data, &out, &["--fail-fast", "-j", "1"]);
    let message = stderr(&run);
    assert_eq!(run.status.code(), Some(1), "{message}");
    assert!(message.contains("hop.csv:"), "{message}");
    assert!(
        message.contains("missing field `issuer.place`"),
        "{message}"
    );
    // The records already in flight are finished; no new one is started.
    let files = files_in(&out);
    // With -j 1, about ten records are in flight (rendering or being written) at a time.
    assert!(files.len() <= 2 * 14 && files.len() % 2 == 0, "{files:?}");
    assert!(files.contains(&"02-BC-STTTT_2019-01-10.pdf".to_string()));
    let summary = message.lines().last().unwrap();
    let not_rendered = 63 - 1 - files.len() / 2;
    assert_eq!(
        summary,
        format!("63 documents, 126 files, 1 failed, {not_rendered} not rendered")
    );
}

#[test]
fn a_name_collision_is_refused_before_anything_is_written() {
    let dir = tempfile::tempdir().unwrap();
    // The 40th record takes the 10th's number and date.
    let data = edited_batch(
        dir.path(),
        &[(
            "40/BC-STTTT,Nghệ An,2019-08-08",
            "10/BC-STTTT,Nghệ An,2019-02-26",
        )],
    );
    let records = load(&data, &LoadOptions::default()).unwrap();
    assert_eq!(default_name(&records[9]), default_name(&records[39]));
    let out = dir.path().join("out");
    let run = render(&data, &out, &[]);
    let message = stderr(&run);
    assert_eq!(run.status.code(), Some(2), "{message}");
    assert!(
        message.contains(&format!(
            "the records at {} and {} would both be written to",
            records[9].origin(),
            records[39].origin()
        )),
        "{message}"
    );
    assert!(message.contains(&default_name(&records[9])), "{message}");
    assert!(files_in(&out).is_empty(), "{:?}", files_in(&out));
}

#[test]
fn names_follow_a_pattern_and_fold_to_ascii() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let run = render(
        &batch_sample(),
        &out,
        &[
            "-f",
            "pdf",
            "--shard",
            "0/21",
            "--ascii-names",
            "--name",
            "issuer.place ~ ' ' ~ meeting.date",
        ],
    );
    assert!(run.status.success(), "{}", stderr(&run));
    assert_eq!(
        files_in(&out),
        [
            "An-Giang-2019-01-03.pdf",
            "Ha-Giang-2019-05-12.pdf",
            "Phu-Tho-2019-09-21.pdf"
        ]
    );
}

#[test]
fn an_error_that_stops_the_run_is_reported_in_json_too() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("khong-co.csv");
    let run = render(&missing, &dir.path().join("out"), &["--json"]);
    assert_eq!(run.status.code(), Some(2));
    let report = String::from_utf8(run.stdout).unwrap();
    let line: serde_json::Value = serde_json::from_str(report.trim()).unwrap();
    assert_eq!(line["type"], "error");
    assert!(line["message"].as_str().unwrap().contains("khong-co.csv"));
    assert!(line["hint"].is_string());
}

#[test]
fn several_records_cannot_go_to_one_file() {
    let dir = tempfile::tempdir().unwrap();
    let run = render(&batch_sample(), &dir.path().join("x.pdf"), &[]);
    assert_eq!(run.status.code(), Some(2));
    assert!(
        stderr(&run).contains("holds 63 records"),
        "{}",
        stderr(&run)
    );
    // One record of a shard may.
    let run = render(
        &batch_sample(),
        &dir.path().join("x.pdf"),
        &["--shard", "62/63"],
    );
    assert!(run.status.success(), "{}", stderr(&run));
    assert!(pdf_text(&dir.path().join("x.pdf"), None).contains("Yên Bái"));
}

#[cfg(unix)]
#[test]
fn an_interrupted_run_leaves_whole_files_only_and_can_be_run_again() {
    use std::io::{BufRead as _, BufReader};
    use std::process::{Command, Stdio};

    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let mut child = Command::new(env!("CARGO_BIN_EXE_vanban"))
        .args(["render", batch_sample().to_str().unwrap(), "-j", "1", "-o"])
        .arg(&out)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    // Interrupt once the first document is written, as Ctrl-C would.
    let first = lines.next().unwrap().unwrap();
    assert!(first.starts_with("[1/63] wrote"), "{first}");
    tool("kill", &["-INT", &child.id().to_string()]);
    let rest: Vec<String> = lines.map(Result::unwrap).collect();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130), "{rest:?}");
    let summary = rest.last().unwrap();
    assert!(summary.contains("interrupted"), "{summary}");
    let files = files_in(&out);
    assert!(files.len() < 126, "the run stopped early: {}", files.len());
    assert!(files.len() % 2 == 0, "every record is whole: {files:?}");
    assert!(!files.iter().any(|f| f.ends_with(".part")), "{files:?}");
    for pdf in files.iter().filter(|f| f.ends_with(".pdf")) {
        assert!(page_count(&out.join(pdf)) >= 1);
    }
    let again = render(&batch_sample(), &out, &["-q"]);
    assert!(again.status.success(), "{}", stderr(&again));
    assert_eq!(files_in(&out).len(), 126);
}
