//! `--aggregate` and the built-in yearly summary (`tong-hop`): every meeting once, in order of
//! date, counts per month, and a table of contents whose page numbers are where the headings
//! really are, in the PDF (with its outline) and in the DOCX (a TOC field).

mod util;

use std::io::Read as _;
use std::path::{Path, PathBuf};

use vanban::data::{load, LoadOptions};

use util::*;

/// Renders the summary of a data file into `out`, with more arguments.
fn aggregate(data: &Path, out: &Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["render", data.to_str().unwrap(), "--aggregate"];
    args.extend(extra);
    args.extend(["-o", out.to_str().unwrap()]);
    vanban(&args)
}

/// Renders the summary of the sample into a fresh folder: (folder, PDF, DOCX).
fn summary() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let run = aggregate(&batch_sample(), &out, &[]);
    assert!(run.status.success(), "{}", stderr(&run));
    assert_eq!(files_in(&out), ["hop-tong-hop.docx", "hop-tong-hop.pdf"]);
    assert_conforms(&out.join("hop-tong-hop.pdf"));
    (
        dir,
        out.join("hop-tong-hop.pdf"),
        out.join("hop-tong-hop.docx"),
    )
}

/// The table of contents as printed on page 1: (heading, page) per entry.
fn printed_toc(pdf: &Path) -> Vec<(String, usize)> {
    let first = pdf_page_text_raw(pdf, 1);
    let after = first
        .split("MỤC LỤC")
        .nth(1)
        .expect("page 1 has the contents");
    after
        .lines()
        .filter_map(|line| {
            let (heading, page) = line.trim().rsplit_once(' ')?;
            Some((heading.to_string(), page.parse().ok()?))
        })
        .collect()
}

/// The sample writes its issuer's name on two lines: so is it printed, and the file's author
/// is the name on one line.
#[test]
fn the_issuer_keeps_its_two_lines_and_the_author_is_one() {
    let (_dir, pdf, _) = summary();
    let first_page = pdf_page_layout(&pdf, 1);
    let mut lines = first_page.lines().map(str::trim_start);
    assert!(
        lines.any(|l| l.starts_with("SỞ THÔNG TIN VÀ ")),
        "{first_page}"
    );
    assert!(
        lines.next().is_some_and(|l| l.starts_with("TRUYỀN THÔNG")),
        "{first_page}"
    );
    let info = tool("pdfinfo", &[pdf.to_str().unwrap()]);
    assert!(
        info.contains("Author:          SỞ THÔNG TIN VÀ TRUYỀN THÔNG\n"),
        "{info}"
    );
}

#[test]
fn every_meeting_is_listed_once_in_order_of_date_with_counts_per_month() {
    let (_dir, pdf, _) = summary();
    let mut records = load(&batch_sample(), &LoadOptions::default()).unwrap();
    // Stable: meetings of the same day keep the order of the file.
    records.sort_by_key(|r| field(r, "meeting.date"));
    let pages = page_count(&pdf);
    let body: String = (2..=pages)
        .map(|p| pdf_page_text_raw(&pdf, p))
        .collect::<Vec<_>>()
        .join("\n");
    let body = normalize(&body);
    let mut from = 0;
    for (stt, record) in records.iter().enumerate() {
        let date = field(record, "meeting.date");
        let (y, m, d) = (&date[..4], &date[5..7], &date[8..10]);
        let row = normalize(&format!(
            "{} {d}/{m}/{y} {} {} {}",
            stt + 1,
            field(record, "issuer.number"),
            field(record, "title"),
            field(record, "meeting.chair")
        ));
        match body[from..].find(&row) {
            Some(at) => from += at + row.len(),
            None => panic!("row {} not found in order: {row}", stt + 1),
        }
        assert_eq!(
            body.matches(&field(record, "issuer.number")).count(),
            1,
            "{} is listed once",
            field(record, "issuer.number")
        );
    }
    // Counts per month: the months of the sample, and 63 in all.
    let mut total = 0;
    for month in 1..=12 {
        let count = records
            .iter()
            .filter(|r| field(r, "meeting.date")[5..7] == format!("{month:02}"))
            .count();
        total += count;
        assert!(
            body.contains(&format!("Tháng {month} năm 2019 {count} ")),
            "month {month}: {count}"
        );
    }
    assert!(body.contains(&format!("Tổng cộng {total}")), "{total}");
    assert_eq!(total, 63);
}

#[test]
fn the_table_of_contents_and_the_outline_give_the_pages_of_the_headings() {
    let (_dir, pdf, _) = summary();
    let toc = printed_toc(&pdf);
    assert_eq!(toc.len(), 14, "two parts and twelve months: {toc:?}");
    assert_eq!(toc[0].0, "I. SỐ CUỘC HỌP THEO THÁNG");
    assert!(toc[2].0.starts_with("Tháng 1 năm 2019"), "{toc:?}");
    for (heading, page) in &toc {
        // The heading is on that page, and on no page before it but the contents.
        let on = |p: usize| {
            pdf_page_text_raw(&pdf, p)
                .lines()
                .any(|l| l.trim() == heading)
        };
        assert!(on(*page), "{heading} is not on page {page}");
        for earlier in 2..*page {
            assert!(!on(earlier), "{heading} is already on page {earlier}");
        }
    }
    assert!(toc.windows(2).all(|w| w[0].1 <= w[1].1), "{toc:?}");
    assert!(
        toc.last().unwrap().1 > 2,
        "the summary runs over several pages"
    );
    // The PDF outline: the same headings, the same pages, months under part II.
    let json = tool(
        "qpdf",
        &["--json", "--json-key=outlines", pdf.to_str().unwrap()],
    );
    let json: serde_json::Value = serde_json::from_str(&json).unwrap();
    let outline = json["outlines"].as_array().unwrap();
    assert_eq!(outline.len(), 2);
    let mut flat = Vec::new();
    for part in outline {
        flat.push(part);
        flat.extend(part["kids"].as_array().unwrap());
    }
    assert_eq!(outline[1]["kids"].as_array().unwrap().len(), 12);
    for (node, (heading, page)) in flat.iter().zip(&toc) {
        assert_eq!(node["title"], heading.as_str());
        assert_eq!(node["destpageposfrom1"], *page);
    }
    // An outline is allowed in PDF/A-2b, and the file stays valid with it.
    use page_validation::{validate_pdf_bytes, ValidationOptions, ValidationProfile};
    let report = validate_pdf_bytes(
        &std::fs::read(&pdf).unwrap(),
        &ValidationOptions::default().profile(ValidationProfile::PdfA2b),
    )
    .unwrap();
    let failures: Vec<String> = report.failures.iter().map(|f| f.to_string()).collect();
    assert!(report.is_compliant, "{failures:#?}");
}

#[test]
fn the_docx_has_a_toc_field_with_the_same_pages_and_libreoffice_agrees() {
    let (dir, pdf, docx) = summary();
    let mut xml = String::new();
    zip::ZipArchive::new(std::fs::File::open(&docx).unwrap())
        .unwrap()
        .by_name("word/document.xml")
        .unwrap()
        .read_to_string(&mut xml)
        .unwrap();
    // A real TOC field over heading levels 1 to 3, its entries links (\h).
    let field = xml
        .split("<w:instrText>")
        .nth(1)
        .and_then(|rest| rest.split('<').next())
        .unwrap();
    assert!(field.starts_with("TOC \\o &quot;1-3&quot; \\h"), "{field}");
    let toc = printed_toc(&pdf);
    for (heading, page) in &toc {
        // Each entry links to a bookmark at its heading and caches the PDF's page number.
        let entry = xml
            .split("w:anchor=\"")
            .skip(1)
            .find(|e| e.contains(&format!(">{heading}<")))
            .unwrap_or_else(|| panic!("no entry for {heading}"));
        let bookmark = entry.split('"').next().unwrap();
        assert!(
            entry.contains(&format!("PAGEREF {bookmark} \\h")),
            "{entry}"
        );
        let cached = entry
            .split("fldCharType=\"separate\"")
            .nth(1)
            .and_then(|rest| rest.split("<w:t xml:space=\"preserve\">").nth(1))
            .and_then(|rest| rest.split('<').next())
            .unwrap();
        assert_eq!(cached, page.to_string(), "{heading}");
        assert!(
            xml.contains(&format!("w:name=\"{bookmark}\"")),
            "the heading carries {bookmark}"
        );
    }
    // Word styles the headings so that updating the field finds them again.
    assert!(xml.contains("w:val=\"Heading2\""));
    assert!(xml.contains("w:val=\"Heading3\""));
    let lo_pdf = libreoffice_pdf(&docx, dir.path());
    assert_eq!(page_count(&lo_pdf), page_count(&pdf));
    assert_eq!(printed_toc(&lo_pdf), toc);
}

#[test]
fn a_record_missing_a_field_is_named_by_line_and_no_summary_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let data = edited_batch(dir.path(), &[(",17/BC-STTTT,", ",,")]);
    let line = line_of(&data, "tỉnh Đắk Nông,UBND");
    let out = dir.path().join("out");
    let run = aggregate(&data, &out, &["--json"]);
    let message = stderr(&run);
    assert_eq!(run.status.code(), Some(1), "{message}");
    assert!(
        message.contains(&format!(
            "hop.csv:{line}: missing field `issuer.number` (the template tong-hop needs it)"
        )),
        "{message}"
    );
    assert!(
        message.contains("1 of 63 records failed: the summary was not written"),
        "{message}"
    );
    assert!(files_in(&out).is_empty());
    let report: Vec<serde_json::Value> = String::from_utf8(run.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(report.len(), 64);
    assert_eq!(report[16]["line"], line);
    assert!(report[16]["error"]["message"]
        .as_str()
        .unwrap()
        .contains("issuer.number"));
    assert_eq!(report[63]["written"], 0);
}

#[test]
fn a_meeting_date_that_is_not_a_date_names_the_row_and_the_field() {
    let dir = tempfile::tempdir().unwrap();
    // The 45th meeting (Phú Yên) on a day February does not have.
    let data = edited_batch(
        dir.path(),
        &[("tỉnh Phú Yên,2019-09-26", "tỉnh Phú Yên,2019-02-30")],
    );
    let records = load(&data, &LoadOptions::default()).unwrap();
    let bad = records
        .iter()
        .find(|r| field(r, "meeting.date").starts_with("2019-02-30"))
        .expect("the edit made a bad date");
    let out = dir.path().join("out");
    let run = aggregate(&data, &out, &[]);
    let message = stderr(&run);
    assert_eq!(run.status.code(), Some(1), "{message}");
    assert!(
        message.contains(&format!(
            "{}: field `meeting.date`: `{}` is not a date",
            bad.origin(),
            field(bad, "meeting.date")
        )),
        "{message}"
    );
    assert!(files_in(&out).is_empty());
}

#[test]
fn the_summary_template_without_aggregate_says_what_to_add() {
    let dir = tempfile::tempdir().unwrap();
    let run = vanban(&[
        "render",
        batch_sample().to_str().unwrap(),
        "-t",
        "tong-hop",
        "-o",
        dir.path().join("out").to_str().unwrap(),
    ]);
    assert_eq!(run.status.code(), Some(2));
    assert!(stderr(&run).contains("add --aggregate"), "{}", stderr(&run));
    assert!(files_in(&dir.path().join("out")).is_empty());
}
