//! `--pdf-standard a-2a+ua-1`: tagged, accessible PDF. The samples are rendered by the real
//! binary and read back with independent tools: the `page_validation` validator under both
//! profiles, lopdf for the structure tree, the outline and the marked content, poppler for
//! the text.

mod util;

use std::path::{Path, PathBuf};
use std::process::Output;

use lopdf::{Dictionary, Document, Object};
use page_validation::{validate_pdf_bytes, ValidationOptions, ValidationProfile};
use util::*;

/// Runs `vanban render DATA -f pdf --pdf-standard a-2a+ua-1 -o DIR`.
fn run_tagged(data: &Path, dir: &Path) -> Output {
    vanban(&[
        "render",
        data.to_str().unwrap(),
        "-f",
        "pdf",
        "--pdf-standard",
        "a-2a+ua-1",
        "-o",
        dir.to_str().unwrap(),
    ])
}

/// Renders data as a tagged PDF into `dir`, checks it against its claims and returns it.
fn render_tagged_data(data: &Path, dir: &Path) -> PathBuf {
    let out = run_tagged(data, dir);
    assert!(
        out.status.success(),
        "{}: {}",
        data.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    let pdf = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "pdf"))
        .expect("a PDF was written");
    assert_conforms(&pdf);
    pdf
}

/// Renders a sample as a tagged PDF into `dir` and returns the file.
fn render_tagged(name: &str, dir: &Path) -> PathBuf {
    render_tagged_data(&sample(name), dir)
}

/// A PDF text string: UTF-16BE after a byte-order mark, else PDFDocEncoding (ASCII here).
fn text_string(object: &Object) -> String {
    let Ok(bytes) = object.as_str() else {
        return String::new();
    };
    match bytes.strip_prefix(&[0xFE, 0xFF]) {
        Some(utf16) => {
            let units: Vec<u16> = utf16
                .chunks_exact(2)
                .map(|p| u16::from_be_bytes([p[0], p[1]]))
                .collect();
            String::from_utf16(&units).unwrap()
        }
        None => bytes.iter().map(|&b| char::from(b)).collect(),
    }
}

fn resolve<'a>(document: &'a Document, object: &'a Object) -> &'a Object {
    document.dereference(object).map(|(_, o)| o).unwrap()
}

/// A structure element as the file holds it.
#[derive(Debug)]
struct Element {
    depth: usize,
    kind: String,
    title: Option<String>,
    alt: Option<String>,
    /// Its direct children's kinds.
    children: Vec<String>,
    /// Whether it holds marked content directly.
    content: bool,
}

/// The structure tree, depth first, below the StructTreeRoot (whose child is the Document
/// element, at depth 0).
fn structure(document: &Document) -> Vec<Element> {
    fn walk(document: &Document, dict: &Dictionary, depth: usize, out: &mut Vec<Element>) {
        let kids: Vec<&Object> = match dict.get(b"K").map(|k| resolve(document, k)) {
            Ok(Object::Array(items)) => items.iter().map(|i| resolve(document, i)).collect(),
            Ok(other) => vec![other],
            Err(_) => Vec::new(),
        };
        let index = out.len();
        out.push(Element {
            depth,
            kind: dict
                .get(b"S")
                .and_then(Object::as_name)
                .map(|n| String::from_utf8_lossy(n).into_owned())
                .unwrap_or_default(),
            title: dict.get(b"T").ok().map(text_string),
            alt: dict.get(b"Alt").ok().map(text_string),
            children: Vec::new(),
            content: false,
        });
        for kid in kids {
            match kid {
                Object::Integer(_) => out[index].content = true,
                Object::Dictionary(d) if d.has(b"S") => {
                    let kind = d.get(b"S").and_then(Object::as_name).unwrap();
                    out[index]
                        .children
                        .push(String::from_utf8_lossy(kind).into_owned());
                    walk(document, d, depth + 1, out);
                }
                // A marked-content reference to another page.
                Object::Dictionary(_) => out[index].content = true,
                _ => {}
            }
        }
    }
    let catalog = document.catalog().unwrap();
    let root = resolve(document, catalog.get(b"StructTreeRoot").unwrap())
        .as_dict()
        .unwrap();
    let mut out = Vec::new();
    let top: Vec<&Object> = match resolve(document, root.get(b"K").unwrap()) {
        Object::Array(items) => items.iter().map(|i| resolve(document, i)).collect(),
        other => vec![other],
    };
    for element in top {
        walk(document, element.as_dict().unwrap(), 0, &mut out);
    }
    out
}

/// The outline's entries, depth first: (depth, title).
fn outline(document: &Document) -> Vec<(usize, String)> {
    fn walk(
        document: &Document,
        first: Option<&Object>,
        depth: usize,
        out: &mut Vec<(usize, String)>,
    ) {
        let mut next = first;
        while let Some(reference) = next {
            let item = resolve(document, reference).as_dict().unwrap();
            out.push((depth, text_string(item.get(b"Title").unwrap())));
            walk(document, item.get(b"First").ok(), depth + 1, out);
            next = item.get(b"Next").ok();
        }
    }
    let catalog = document.catalog().unwrap();
    let outlines = resolve(document, catalog.get(b"Outlines").unwrap())
        .as_dict()
        .unwrap();
    let mut out = Vec::new();
    walk(document, outlines.get(b"First").ok(), 0, &mut out);
    out
}

/// Asserts that the file conforms to `profile` by the independent validator; returns the
/// number of rules checked.
fn assert_valid(bytes: &[u8], profile: ValidationProfile, name: &str) -> usize {
    let report = validate_pdf_bytes(bytes, &ValidationOptions::default().profile(profile)).unwrap();
    let failures: Vec<String> = report.failures.iter().map(|f| f.to_string()).collect();
    assert!(report.is_compliant, "{name} {profile}: {failures:#?}");
    assert!(failures.is_empty());
    assert!(report.rules.total > 0);
    report.rules.total
}

#[test]
fn samples_conform_to_pdf_a_2a_and_pdf_ua_1() {
    for name in ["report-day-du.toml", "bao-cao-nam.toml"] {
        let dir = tempfile::tempdir().unwrap();
        let pdf = render_tagged(name, dir.path());
        let bytes = std::fs::read(&pdf).unwrap();
        let a = assert_valid(&bytes, ValidationProfile::PdfA2a, name);
        let ua = assert_valid(&bytes, ValidationProfile::PdfUa1, name);
        eprintln!("{name}: PDF/A-2a {a} rules, PDF/UA-1 {ua} rules, none failed");
        let report = vanban::inspect::inspect(&bytes).unwrap();
        assert_eq!(report.claim.as_deref(), Some("PDF/A-2A"));
        assert_eq!(report.ua_claim.as_deref(), Some("PDF/UA-1"));
        assert!(report.conforms(), "{}", report.render());
        assert!(report
            .render()
            .contains("PDF/UA claim    PDF/UA-1: conforms"));
        // The language and the title a viewer shows instead of the file name.
        let document = Document::load_mem(&bytes).unwrap();
        let catalog = document.catalog().unwrap();
        assert_eq!(text_string(catalog.get(b"Lang").unwrap()), "vi");
        let preferences = resolve(&document, catalog.get(b"ViewerPreferences").unwrap())
            .as_dict()
            .unwrap();
        assert_eq!(
            preferences.get(b"DisplayDocTitle").unwrap(),
            &Object::Boolean(true)
        );
    }
}

#[test]
fn headings_make_the_outline_and_nest_without_skipping() {
    let dir = tempfile::tempdir().unwrap();
    let pdf = render_tagged("bao-cao-nam.toml", dir.path());
    let document = Document::load(&pdf).unwrap();
    let markdown = std::fs::read_to_string(sample("bao-cao-nam.md")).unwrap();
    // The title (trích yếu) is the first heading, the markdown's ## and ### under it.
    let mut expected = vec![(
        0,
        "Tổng kết công tác thông tin đối ngoại năm 2018 và phương hướng, nhiệm vụ năm 2019"
            .to_string(),
    )];
    for line in markdown.lines() {
        if let Some(text) = line.strip_prefix("### ") {
            expected.push((2, text.trim().to_string()));
        } else if let Some(text) = line.strip_prefix("## ") {
            expected.push((1, text.trim().to_string()));
        }
    }
    assert!(expected.len() > 15);
    assert_eq!(outline(&document), expected);

    let elements = structure(&document);
    let headings: Vec<(usize, String)> = elements
        .iter()
        .filter_map(|e| {
            let level: usize = e.kind.strip_prefix('H')?.parse().ok()?;
            Some((level - 1, e.title.clone().unwrap_or_default()))
        })
        .collect();
    assert_eq!(headings, expected, "H1–H3 with their titles, in order");
    // Body text is in paragraphs; every heading and paragraph holds its text directly.
    let paragraphs = elements.iter().filter(|e| e.kind == "P").count();
    assert!(paragraphs > 40, "{paragraphs} paragraphs");
    assert!(elements
        .iter()
        .filter(|e| e.kind == "P" || e.kind.starts_with('H'))
        .all(|e| e.content));
    assert_eq!(elements[0].kind, "Document");
    assert!(elements[1..].iter().all(|e| e.depth == 1), "a flat body");
}

#[test]
fn tables_figures_and_artifacts_are_tagged_for_what_they_are() {
    let dir = tempfile::tempdir().unwrap();
    let pdf = render_tagged("report-day-du.toml", dir.path());
    let document = Document::load(&pdf).unwrap();
    let elements = structure(&document);

    // The attendees table (a header row and 12 people) and the appendix's programme (a header
    // row and 5 items): one TR per row even where the table runs onto another page and its
    // header row is drawn again, TH for header cells, TD for the rest, every cell present.
    let tables: Vec<usize> = (0..elements.len())
        .filter(|&i| elements[i].kind == "Table")
        .collect();
    assert_eq!(tables.len(), 2, "{elements:#?}");
    for (&table, (rows, columns)) in tables.iter().zip([(13, 4), (6, 3)]) {
        assert_eq!(elements[table].children, vec!["TR"; rows]);
        let depth = elements[table].depth;
        let trs: Vec<&Element> = elements[table + 1..]
            .iter()
            .take_while(|e| e.depth > depth)
            .filter(|e| e.kind == "TR")
            .collect();
        assert_eq!(trs.len(), rows);
        assert_eq!(trs[0].children, vec!["TH"; columns]);
        for tr in &trs[1..] {
            assert_eq!(tr.children, vec!["TD"; columns]);
        }
    }
    // The photo, described by its caption, which stays inside it.
    let figures: Vec<&Element> = elements.iter().filter(|e| e.kind == "Figure").collect();
    assert_eq!(figures.len(), 1);
    assert_eq!(
        figures[0].alt.as_deref(),
        Some("Hình 1. Toàn cảnh hội nghị")
    );
    assert!(figures[0].content);
    assert_eq!(figures[0].children, vec!["Caption"]);
    // The title is the one heading.
    let headings: Vec<&Element> = elements
        .iter()
        .filter(|e| e.kind.starts_with('H') && e.kind.len() == 2)
        .collect();
    assert_eq!(headings.len(), 1);
    assert_eq!(headings[0].kind, "H1");

    // Page numbers are page-header artifacts, from page 2 on (page 1 and the appendix's first
    // page show none); rules and borders are layout artifacts.
    for (index, page_id) in document.get_pages().values().enumerate() {
        let content = document.get_and_decode_page_content(*page_id).unwrap();
        let mut header = 0;
        let mut layout = 0;
        for op in &content.operations {
            if op.operator != "BDC"
                || op.operands.first().and_then(|o| o.as_name().ok()) != Some(b"Artifact")
            {
                continue;
            }
            let properties = op.operands.get(1).and_then(|o| o.as_dict().ok());
            let get = |key: &[u8]| {
                properties
                    .and_then(|p| p.get(key).ok())
                    .and_then(|o| o.as_name().ok())
                    .map(|n| String::from_utf8_lossy(n).into_owned())
            };
            match (get(b"Type").as_deref(), get(b"Subtype").as_deref()) {
                (Some("Pagination"), Some("Header")) => header += 1,
                (Some("Layout"), _) => layout += 1,
                _ => {}
            }
        }
        let page = index + 1;
        let label_one = page == 1 || pdf_text(&pdf, Some((page, page))).contains("Phụ lục I");
        assert_eq!(header, usize::from(!label_one), "page {page}");
        if page == 1 {
            assert!(layout > 0, "the rules under the heading block");
        }
    }
}

#[test]
fn tagged_text_reads_like_the_archival_file() {
    let dir = tempfile::tempdir().unwrap();
    let tagged = render_tagged("report-day-du.toml", &dir.path().join("tagged"));
    let (archival, _) = render_to(&sample("report-day-du.toml"), &dir.path().join("plain"));
    let text = pdf_text(&tagged, None);
    // Marked content changes nothing a text extractor reads.
    assert_eq!(text, pdf_text(&archival, None));
    // Page numbers stand between the lines of a paragraph cut across pages.
    let text: String = text
        .lines()
        .filter(|line| line.trim().parse::<u32>().is_err())
        .collect::<Vec<_>>()
        .join("\n");
    let mut expected = report_opening();
    expected.extend(paragraphs(
        &std::fs::read_to_string(sample("bai-viet.txt")).unwrap(),
    ));
    expected.push("Hình 1. Toàn cảnh hội nghị".into());
    assert_paragraphs_in_order(&text, &expected);
}

#[test]
fn a_picture_without_a_caption_is_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(sample("toan-canh.jpg"), dir.path().join("anh.jpg")).unwrap();
    let record = "title = \"Ảnh không chú thích\"\narticle = \"Nội dung.\"\nrecipients = [\"Lưu: VT\"]\n\
        photos = [{ path = \"anh.jpg\" }]\n\
        [issuer]\nname = \"SỞ NỘI VỤ\"\nnumber = \"05/BC-SNV\"\nplace = \"Hưng Yên\"\ndate = \"2018-03-13\"\n\
        [signer]\nposition = \"GIÁM ĐỐC\"\nname = \"Nguyễn Văn A\"\n";
    let data = dir.path().join("r.toml");
    std::fs::write(&data, record).unwrap();
    let out_dir = dir.path().join("out");
    let out = run_tagged(&data, &out_dir);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("picture") && stderr.contains("anh.jpg") && stderr.contains("caption"),
        "{stderr}"
    );
    // Nothing half-made is left behind.
    let left = std::fs::read_dir(&out_dir).map_or(0, |d| d.count());
    assert_eq!(left, 0);
}

#[test]
fn a_table_across_pages_is_one_table_and_its_repeated_header_is_not_read_again() {
    let dir = tempfile::tempdir().unwrap();
    // 60 attendees, some without a title or unit (empty cells), one whose unit runs longer
    // than a page (its row is cut between pages); headings that start below the top level.
    let mut attendees = String::new();
    for i in 1..=60 {
        let unit = match i {
            7 => "Ban Tuyên giáo Tỉnh ủy ".repeat(250),
            9 | 10 => String::new(),
            _ => format!("Đơn vị {i}"),
        };
        let title = if i % 5 == 0 { "" } else { "Chuyên viên" };
        attendees.push_str(&format!(
            "{{ name = \"Người thứ {i}\", title = \"{title}\", unit = \"{}\" }},\n",
            unit.trim()
        ));
    }
    let record = format!(
        "title = \"Danh sách dài\"\narticle = {{ file = \"bai.md\" }}\n\
         recipients = [\"Lưu: VT\"]\n\
         [issuer]\nname = \"SỞ NỘI VỤ\"\nnumber = \"05/BC-SNV\"\nplace = \"Hưng Yên\"\ndate = \"2018-03-13\"\n\
         [meeting]\ndate = \"2018-03-13\"\nattendees = [\n{attendees}]\n\
         [signer]\nposition = \"GIÁM ĐỐC\"\nname = \"Nguyễn Văn A\"\n"
    );
    // Markup comes from a .md file (a plain string stays literal text).
    std::fs::write(
        dir.path().join("bai.md"),
        "### Mở đầu\n\nNội dung mở đầu.\n\n# Phần một\n\n## Mục một\n\nNội dung.\n",
    )
    .unwrap();
    let data = dir.path().join("r.toml");
    std::fs::write(&data, record).unwrap();
    let pdf = render_tagged_data(&data, &dir.path().join("out"));
    let bytes = std::fs::read(&pdf).unwrap();
    assert_valid(&bytes, ValidationProfile::PdfA2a, "long table");
    assert_valid(&bytes, ValidationProfile::PdfUa1, "long table");
    let document = Document::load_mem(&bytes).unwrap();

    let elements = structure(&document);
    let tables: Vec<&Element> = elements.iter().filter(|e| e.kind == "Table").collect();
    assert_eq!(tables.len(), 1);
    assert_eq!(tables[0].children, vec!["TR"; 61]);
    let trs: Vec<&Element> = elements.iter().filter(|e| e.kind == "TR").collect();
    assert_eq!(trs[0].children, vec!["TH"; 4]);
    assert!(trs[1..].iter().all(|tr| tr.children == vec!["TD"; 4]));

    // The header row is drawn again on later pages, as pagination artifacts.
    let pages = page_count(&pdf);
    assert!(pages >= 4, "{pages} pages");
    let mut repeated = 0;
    for page_id in document.get_pages().values().skip(1) {
        let content = document.get_and_decode_page_content(*page_id).unwrap();
        repeated += content
            .operations
            .iter()
            .filter(|op| {
                op.operator == "BDC"
                    && op
                        .operands
                        .get(1)
                        .and_then(|o| o.as_dict().ok())
                        .is_some_and(|p| {
                            p.get(b"Type").and_then(Object::as_name).ok()
                                == Some(b"Pagination".as_slice())
                                && !p.has(b"Subtype")
                        })
            })
            .count();
    }
    assert!(repeated >= 2, "{repeated} repeated header rows");
    let second = pdf_page_layout(&pdf, 2);
    assert!(
        second.contains("STT") && second.contains("Đơn vị"),
        "{second}"
    );

    // Levels made consecutive: ### under the title, then # and ## below it.
    assert_eq!(
        outline(&document),
        vec![
            (0, "Danh sách dài".to_string()),
            (1, "Mở đầu".to_string()),
            (0, "Phần một".to_string()),
            (1, "Mục một".to_string()),
        ]
    );
}
