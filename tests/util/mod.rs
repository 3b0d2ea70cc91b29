//! Helpers shared by the integration tests: running the binary, reading PDFs and DOCX files
//! with independent tools (poppler, qpdf, python-docx, LibreOffice).

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use unicode_normalization::UnicodeNormalization;

/// The repository's root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A sample file.
pub fn sample(name: &str) -> PathBuf {
    root().join("samples/hung-yen-2018").join(name)
}

/// A minimal report record: every field `bao-cao` needs, nothing else.
pub const RECORD: &str = r#"title = "Kết quả hội nghị"
article = "Nội dung báo cáo."
recipients = ["Lưu: VT"]

[issuer]
name = "SỞ NỘI VỤ"
number = "05/BC-SNV"
place = "Hưng Yên"
date = "2018-03-13"

[signer]
position = "GIÁM ĐỐC"
name = "Nguyễn Văn A"
"#;

/// Writes a file (and the folders it needs) under `dir`; returns its path as text.
pub fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).unwrap();
    }
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_string()
}

/// What a run printed on standard output.
pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).to_string()
}

/// What a run printed on standard error.
pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).to_string()
}

/// Owned strings, for `assert_paragraphs_in_order`.
pub fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

/// Runs `vanban` with arguments.
pub fn vanban(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_vanban"))
        .args(args)
        .output()
        .expect("the vanban binary runs")
}

/// The names of the files in a folder, sorted; none when it does not exist.
pub fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = match std::fs::read_dir(dir) {
        Ok(entries) => entries
            .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
            .collect(),
        Err(_) => Vec::new(),
    };
    names.sort();
    names
}

/// Runs `vanban render DATA -o DIR` and returns the written PDF and DOCX paths.
pub fn render_to(data: &Path, dir: &Path) -> (PathBuf, PathBuf) {
    let out = vanban(&[
        "render",
        data.to_str().unwrap(),
        "-o",
        dir.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "render failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut pdf = None;
    let mut docx = None;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        match path.extension().and_then(|e| e.to_str()) {
            Some("pdf") => pdf = Some(path),
            Some("docx") => docx = Some(path),
            _ => {}
        }
    }
    let pdf = pdf.expect("a PDF was written");
    assert_conforms(&pdf);
    (pdf, docx.expect("a DOCX was written"))
}

/// Asserts that a PDF conforms to the PDF/A level it claims (every PDF a test makes is
/// checked this way, by the same independent validator `vanban inspect` uses).
pub fn assert_conforms(pdf: &Path) {
    let report = vanban::inspect::inspect(&std::fs::read(pdf).unwrap()).unwrap();
    assert!(
        report.claim.is_some(),
        "{} makes no PDF/A claim",
        pdf.display()
    );
    assert!(report.conforms(), "{}:\n{}", pdf.display(), report.render());
    assert!(report.text.nfc, "{}: text is not NFC", pdf.display());
    assert!(
        report.fonts.iter().all(|f| f.embedded && f.subset),
        "{}",
        report.render()
    );
}

/// The 63-province sample batch (one meeting report per province, 2019).
pub fn batch_sample() -> PathBuf {
    root().join("samples/chuyen-doi-so-2019/hop.csv")
}

/// A copy of the sample batch with some text replaced (each must occur), in `dir`.
pub fn edited_batch(dir: &Path, edits: &[(&str, &str)]) -> PathBuf {
    let mut csv = std::fs::read_to_string(batch_sample()).unwrap();
    for (from, to) in edits {
        assert!(csv.contains(from), "the sample holds {from}");
        csv = csv.replacen(from, to, 1);
    }
    let path = dir.join("hop.csv");
    std::fs::write(&path, csv).unwrap();
    path
}

/// The line of a file where the text first occurs, counted from 1 as editors count.
pub fn line_of(path: &Path, needle: &str) -> usize {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .position(|l| l.contains(needle))
        .expect("the text is in the file")
        + 1
}

/// A text field of a record.
pub fn field(record: &vanban::data::Record, path: &str) -> String {
    record
        .fields
        .get_path(path)
        .and_then(vanban::data::Field::as_str)
        .unwrap_or_else(|| panic!("the record has {path}"))
        .to_string()
}

/// Converts a DOCX to PDF with LibreOffice (its own profile under `work`); returns the PDF.
pub fn libreoffice_pdf(docx: &Path, work: &Path) -> PathBuf {
    let converted = work.join("lo");
    let profile = format!(
        "-env:UserInstallation=file://{}",
        work.join("profile").display()
    );
    tool(
        "soffice",
        &[
            &profile,
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            converted.to_str().unwrap(),
            docx.to_str().unwrap(),
        ],
    );
    converted.join(docx.with_extension("pdf").file_name().unwrap())
}

/// Runs an external tool; panics with its output when it fails.
pub fn tool(program: &str, args: &[&str]) -> String {
    let out = Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {program} ({e}); .ci/run installs it"));
    assert!(
        out.status.success(),
        "{program} {args:?} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("tool output is UTF-8")
}

/// The text poppler extracts from a PDF (pages `first..=last` when given).
pub fn pdf_text(pdf: &Path, pages: Option<(usize, usize)>) -> String {
    let mut args = vec!["-enc".to_string(), "UTF-8".to_string()];
    if let Some((first, last)) = pages {
        args.extend([
            "-f".into(),
            first.to_string(),
            "-l".into(),
            last.to_string(),
        ]);
    }
    args.extend([pdf.to_str().unwrap().to_string(), "-".to_string()]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    tool("pdftotext", &args)
}

/// One page's text with poppler's physical layout kept (table rows stay rows).
pub fn pdf_page_layout(pdf: &Path, page: usize) -> String {
    let page = page.to_string();
    tool(
        "pdftotext",
        &[
            "-layout",
            "-enc",
            "UTF-8",
            "-f",
            &page,
            "-l",
            &page,
            pdf.to_str().unwrap(),
            "-",
        ],
    )
}

/// The text of one page in the order the PDF draws it (`pdftotext -raw`): the reading order
/// vanban lays out, one column after the other, with no words joined across a line-end hyphen.
pub fn pdf_page_text_raw(pdf: &Path, page: usize) -> String {
    let page = page.to_string();
    let args = ["-raw", "-enc", "UTF-8", "-f", &page, "-l", &page];
    let mut args: Vec<&str> = args.to_vec();
    args.extend([pdf.to_str().unwrap(), "-"]);
    tool("pdftotext", &args)
}

/// The number of pages poppler counts.
pub fn page_count(pdf: &Path) -> usize {
    let info = tool("pdfinfo", &[pdf.to_str().unwrap()]);
    info.lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .and_then(|n| n.trim().parse().ok())
        .expect("pdfinfo reports pages")
}

/// NFC with every run of white space folded to one space: how text is compared across line
/// breaks, which a PDF does not store.
pub fn normalize(text: &str) -> String {
    text.nfc()
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Asserts that each paragraph occurs in `haystack`, whole and in order.
pub fn assert_paragraphs_in_order(haystack: &str, paragraphs: &[String]) {
    let haystack = normalize(haystack);
    let mut from = 0;
    for paragraph in paragraphs {
        let needle = normalize(paragraph);
        match haystack[from..].find(&needle) {
            Some(at) => from += at + needle.len(),
            None => panic!(
                "paragraph not found in order:\n{needle}\n--- in ---\n{}",
                &haystack[from..]
            ),
        }
    }
}

/// The paragraphs of a text: blocks separated by blank lines.
pub fn paragraphs(text: &str) -> Vec<String> {
    text.split("\n\n")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(str::to_string)
        .collect()
}

/// The first lines of the sample report as the PDF shows them: parent body, national name,
/// number, place and date, type name and title, in reading order.
pub fn report_opening() -> Vec<String> {
    [
        "TỈNH ỦY HƯNG YÊN",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Số: 15/BC-BCĐ",
        "Hưng Yên, ngày 13 tháng 3 năm 2018",
        "BÁO CÁO",
        "Kết quả hội nghị triển khai nhiệm vụ công tác thông tin đối ngoại năm 2018",
    ]
    .map(str::to_string)
    .to_vec()
}

/// A word poppler found, with its box in points (origin top-left).
#[derive(Debug, Clone)]
pub struct Word {
    pub page: usize,
    pub text: String,
    pub x_min: f32,
    pub y_min: f32,
    pub x_max: f32,
    pub y_max: f32,
}

/// Every word of a PDF with its bounding box, from `pdftotext -bbox`.
pub fn words(pdf: &Path) -> Vec<Word> {
    let html = tool(
        "pdftotext",
        &["-bbox", "-enc", "UTF-8", pdf.to_str().unwrap(), "-"],
    );
    let mut page = 0;
    let mut words = Vec::new();
    for line in html.lines() {
        let line = line.trim();
        if line.starts_with("<page ") {
            page += 1;
        }
        let Some(rest) = line.strip_prefix("<word ") else {
            continue;
        };
        let attr = |name: &str| -> f32 {
            let key = format!("{name}=\"");
            let start = rest.find(&key).unwrap() + key.len();
            rest[start..].split('"').next().unwrap().parse().unwrap()
        };
        let text = rest
            .split('>')
            .nth(1)
            .unwrap()
            .split('<')
            .next()
            .unwrap()
            .to_string();
        words.push(Word {
            page,
            text,
            x_min: attr("xMin"),
            y_min: attr("yMin"),
            x_max: attr("xMax"),
            y_max: attr("yMax"),
        });
    }
    words
}

/// `word/document.xml` of a DOCX.
pub fn document_xml(docx: &Path) -> String {
    use std::io::Read as _;
    let file = std::fs::File::open(docx).unwrap();
    let mut archive = zip::ZipArchive::new(file).expect("the DOCX is a zip package");
    let mut xml = String::new();
    archive
        .by_name("word/document.xml")
        .unwrap()
        .read_to_string(&mut xml)
        .unwrap();
    xml
}

/// The text of a DOCX's body, read from `word/document.xml`: one paragraph per line, a line
/// break inside a paragraph as a line break.
pub fn docx_text(docx: &Path) -> String {
    let xml = document_xml(docx);
    let mut text = String::new();
    let mut rest = xml.as_str();
    while let Some(start) = rest.find('<') {
        let Some(end) = rest[start..].find('>') else {
            break;
        };
        let tag = &rest[start..start + end + 1];
        rest = &rest[start + end + 1..];
        let name = tag[1..tag.len() - 1]
            .split_whitespace()
            .next()
            .unwrap_or_default()
            .trim_end_matches('/');
        match name {
            "w:t" if !tag.ends_with("/>") => {
                let content = rest.split("</w:t>").next().unwrap_or_default();
                text.push_str(
                    &content
                        .replace("&lt;", "<")
                        .replace("&gt;", ">")
                        .replace("&quot;", "\"")
                        .replace("&apos;", "'")
                        .replace("&amp;", "&"),
                );
            }
            "w:br" => text.push('\n'),
            "/w:p" => text.push('\n'),
            _ => {}
        }
    }
    text
}
