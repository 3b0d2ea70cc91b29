//! Tables, pictures, appendices and previews, read back from real output.

mod util;

use std::path::{Path, PathBuf};

use util::*;

const HEAD: &str = r#"title = "Kết quả hội nghị triển khai nhiệm vụ công tác thông tin đối ngoại năm 2018"
recipients = ["Thường trực Tỉnh ủy (b/c)", "Lưu: VT"]
"#;

const TAIL: &str = r#"
[issuer]
parent = "TỈNH ỦY HƯNG YÊN"
name = "BAN CHỈ ĐẠO CÔNG TÁC THÔNG TIN ĐỐI NGOẠI"
number = "15/BC-BCĐ"
place = "Hưng Yên"
date = "2018-03-13"

[signer]
authority = "TM. BAN CHỈ ĐẠO"
position = "TRƯỞNG BAN"
name = "Trần Thị Thanh Thủy"
"#;

/// Writes a record (the seed article as its body, plus `extra` top-level fields and `meeting`
/// lines) beside a copy of the sample photo, and renders it.
fn render_record(dir: &Path, extra: &str, meeting: &str, args: &[&str]) -> std::process::Output {
    std::fs::copy(sample("bai-viet.txt"), dir.join("bai-viet.txt")).unwrap();
    std::fs::copy(sample("toan-canh.jpg"), dir.join("toan-canh.jpg")).unwrap();
    let record = format!(
        "{HEAD}article = {{ file = \"bai-viet.txt\" }}\n{extra}\n[meeting]\ndate = \"2018-03-13\"\n{meeting}\n{TAIL}"
    );
    let data = dir.join("r.toml");
    std::fs::write(&data, record).unwrap();
    let out = dir.join("out");
    let mut all = vec![
        "render",
        data.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ];
    all.extend_from_slice(args);
    vanban(&all)
}

/// The files of one kind written into `dir/out`; PDFs are checked against their PDF/A claim.
fn written(dir: &Path, extension: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir.join("out"))
        .map(|entries| entries.map(|e| e.unwrap().path()).collect())
        .unwrap_or_default();
    files.retain(|p| p.extension().and_then(|e| e.to_str()) == Some(extension));
    files.sort();
    if extension == "pdf" {
        files.iter().for_each(|pdf| assert_conforms(pdf));
    }
    files
}

fn attendees(count: usize) -> String {
    let units = [
        "Sở Ngoại vụ",
        "Sở Thông tin và Truyền thông",
        "Báo Hưng Yên",
        "Công an tỉnh",
        "Huyện ủy Văn Lâm",
    ];
    let mut text = String::from("attendees = [\n");
    for i in 1..=count {
        text.push_str(&format!(
            "  {{ name = \"Nguyễn Văn Đại Biểu Số {i}\", title = \"Chuyên viên\", unit = \"{}\" }},\n",
            units[i % units.len()]
        ));
    }
    text.push(']');
    text
}

#[test]
fn a_table_of_120_attendees_repeats_its_header_on_every_page() {
    let dir = tempfile::tempdir().unwrap();
    let out = render_record(dir.path(), "", &attendees(120), &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let pdf = &written(dir.path(), "pdf")[0];
    let docx = &written(dir.path(), "docx")[0];
    let pages = page_count(pdf);
    assert!(pages >= 4, "120 rows span pages: {pages}");
    let header = "STT Họ và tên Chức vụ Đơn vị";
    for page in 2..=3 {
        let text = normalize(&pdf_page_layout(pdf, page));
        // After the page number, the page opens with the repeated header row.
        assert!(
            text.starts_with(&format!("{page} {header} ")),
            "page {page}: {text}"
        );
    }
    // Every attendee is there once, in order.
    let all: String = (1..=pages).map(|p| pdf_page_layout(pdf, p)).collect();
    let names: Vec<String> = (1..=120)
        .map(|i| format!("{i} Nguyễn Văn Đại Biểu Số {i} Chuyên viên"))
        .collect();
    assert_paragraphs_in_order(&all, &names);

    // The DOCX marks the header row to repeat, and LibreOffice repeats it.
    let xml = document_xml(docx);
    assert_eq!(xml.matches("<w:tblHeader />").count(), 1, "one header row");
    let lo = libreoffice_pdf(docx, dir.path());
    let text = normalize(&pdf_page_layout(&lo, 2));
    assert!(
        text.starts_with(&format!("2 {header} ")),
        "LibreOffice page 2: {text}"
    );
}

#[test]
fn a_photo_is_embedded_once_as_jpeg_with_its_caption() {
    let dir = tempfile::tempdir().unwrap();
    let photos = "photos = [\n  { path = \"toan-canh.jpg\", caption = \"Toàn cảnh hội nghị\" },\n  { path = \"toan-canh.jpg\", caption = \"Toàn cảnh hội nghị (nhìn lại)\", width = \"60mm\" },\n]\nphotos_numbered = true";
    let out = render_record(dir.path(), photos, "", &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let pdf = &written(dir.path(), "pdf")[0];
    let listing = tool("pdfimages", &["-list", pdf.to_str().unwrap()]);
    let rows: Vec<Vec<&str>> = listing
        .lines()
        .skip(2)
        .map(|l| l.split_whitespace().collect())
        .collect();
    assert_eq!(rows.len(), 2, "drawn twice: {listing}");
    // Columns: page num type width height color comp bpc enc interp object …
    assert!(
        rows.iter().all(|r| r[8] == "jpeg"),
        "kept as JPEG: {listing}"
    );
    assert_eq!(rows[0][10], rows[1][10], "one embedded object: {listing}");
    assert_eq!((rows[0][3], rows[0][4]), ("1200", "800"));
    let text = pdf_text(pdf, None);
    assert_paragraphs_in_order(
        &text,
        &[
            "Hình 1. Toàn cảnh hội nghị".into(),
            "Hình 2. Toàn cảnh hội nghị (nhìn lại)".into(),
        ],
    );

    let docx = &written(dir.path(), "docx")[0];
    let xml = document_xml(docx);
    assert_eq!(xml.matches("<pic:pic").count(), 2, "two inline pictures");
    assert!(xml.contains("SEQ Hình"), "numbered by a SEQ field");
    assert!(xml.contains(r#"<w:pStyle w:val="Caption" />"#));
}

#[test]
fn a_transparent_png_stays_pdf_a() {
    use page_validation::{validate_pdf_bytes, ValidationOptions, ValidationProfile};
    let dir = tempfile::tempdir().unwrap();
    // A 40 × 20 picture, half of it transparent.
    let mut pixels = Vec::new();
    for _ in 0..20 {
        for x in 0..40u8 {
            pixels.extend_from_slice(&[200, 30, 30, if x < 20 { 255 } else { 0 }]);
        }
    }
    let mut bytes = Vec::new();
    let mut encoder = png::Encoder::new(&mut bytes, 40, 20);
    encoder.set_color(png::ColorType::Rgba);
    let mut writer = encoder.write_header().unwrap();
    writer.write_image_data(&pixels).unwrap();
    writer.finish().unwrap();
    std::fs::create_dir_all(dir.path()).unwrap();
    std::fs::write(dir.path().join("dau.png"), bytes).unwrap();
    let out = render_record(
        dir.path(),
        "photos = [{ path = \"dau.png\", caption = \"Con dấu\" }]",
        "",
        &["-f", "pdf"],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let pdf = std::fs::read(&written(dir.path(), "pdf")[0]).unwrap();
    let report = validate_pdf_bytes(
        &pdf,
        &ValidationOptions::default().profile(ValidationProfile::PdfA2b),
    )
    .unwrap();
    let failures: Vec<String> = report.failures.iter().map(|f| f.to_string()).collect();
    assert!(report.is_compliant, "{failures:#?}");
}

#[test]
fn a_missing_damaged_or_false_picture_is_named_and_nothing_is_written() {
    let cases: [(&str, &[u8], &str); 3] = [
        (
            "cat.jpg",
            &[0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, b'J', b'F', b'I', b'F'],
            "the JPEG file is damaged or truncated",
        ),
        (
            "text.png",
            b"this is not a picture",
            "it is not a PNG or JPEG picture",
        ),
        ("absent.png", b"", "cannot read it"),
    ];
    for (name, bytes, message) in cases {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path()).unwrap();
        if name != "absent.png" {
            std::fs::write(dir.path().join(name), bytes).unwrap();
        }
        let photos = format!("photos = [{{ path = \"{name}\", caption = \"Ảnh\" }}]");
        let out = render_record(dir.path(), &photos, "", &[]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{stderr}");
        assert!(stderr.contains("r.toml: picture "), "{stderr}");
        assert!(
            stderr.contains(name) && stderr.contains(message),
            "{name}: {stderr}"
        );
        assert!(written(dir.path(), "pdf").is_empty() && written(dir.path(), "docx").is_empty());
    }
}

#[test]
fn appendices_start_a_page_and_number_their_pages_again() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path()).unwrap();
    let long = std::fs::read_to_string(sample("bai-viet.txt"))
        .unwrap()
        .repeat(3);
    std::fs::write(dir.path().join("pl1.txt"), &long).unwrap();
    let appendices = "appendices = [\n  { title = \"Tổng hợp ý kiến\", content = { file = \"pl1.txt\" } },\n  { title = \"Danh sách\", content = \"Hai.\" },\n]";
    let out = render_record(dir.path(), appendices, "", &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let pdf = &written(dir.path(), "pdf")[0];
    let pages = page_count(pdf);
    let words = words(pdf);
    let top_margin = 20.0 * 72.0 / 25.4;
    let label = |page: usize| -> Option<String> {
        words
            .iter()
            .find(|w| w.page == page && w.y_max < top_margin)
            .map(|w| w.text.clone())
    };
    let starts: Vec<usize> = (1..=pages)
        .filter(|&p| normalize(&pdf_text(pdf, Some((p, p)))).contains("Phụ lục"))
        .collect();
    assert_eq!(
        starts.len(),
        2,
        "each appendix starts its own page: {starts:?}"
    );
    assert!(
        normalize(&pdf_text(pdf, Some((starts[0], starts[0])))).starts_with(
            "Phụ lục I TỔNG HỢP Ý KIẾN (Kèm theo Báo cáo số 15/BC-BCĐ ngày 13/3/2018 của"
        )
    );
    assert!(
        normalize(&pdf_text(pdf, Some((starts[1], starts[1])))).starts_with("Phụ lục II DANH SÁCH")
    );
    // The first page of each appendix shows no number, its second page shows 2.
    assert_eq!(label(starts[0]), None);
    assert_eq!(label(starts[0] + 1).as_deref(), Some("2"));
    assert_eq!(label(starts[1]), None);

    let xml = document_xml(&written(dir.path(), "docx")[0]);
    assert_eq!(
        xml.matches("<w:sectPr").count(),
        3,
        "a section per appendix"
    );
    assert_eq!(
        xml.matches(r#"<w:pgNumType w:start="1" />"#).count(),
        2,
        "numbering restarts twice"
    );
}

#[test]
fn previews_line_up_with_the_pdf() {
    let dir = tempfile::tempdir().unwrap();
    let out = render_record(dir.path(), "", &attendees(8), &["-f", "pdf,png"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let pdf = &written(dir.path(), "pdf")[0];
    let previews = written(dir.path(), "png");
    assert_eq!(previews.len(), page_count(pdf), "one preview per page");
    assert!(previews[0].to_str().unwrap().ends_with("_2018-03-13-1.png"));
    let reference = dir.path().join("ref");
    tool(
        "pdftoppm",
        &[
            "-r",
            "96",
            "-png",
            "-f",
            "1",
            "-l",
            "1",
            pdf.to_str().unwrap(),
            reference.to_str().unwrap(),
        ],
    );
    let (width, height, ours) = gray(&previews[0]);
    let (ref_width, ref_height, theirs) = gray(&dir.path().join("ref-1.png"));
    assert_eq!(
        (width, height),
        (ref_width, ref_height),
        "same page size in pixels"
    );
    assert_eq!((width, height), (794, 1123), "A4 at 96 dpi");
    // Rows with ink: every inked row of one image has ink within a pixel in the other.
    let inked = |pixels: &[u8]| -> Vec<bool> {
        (0..height)
            .map(|y| pixels[y * width..(y + 1) * width].iter().any(|&p| p < 128))
            .collect()
    };
    let (a, b) = (inked(&ours), inked(&theirs));
    let near =
        |rows: &[bool], y: usize| (y.saturating_sub(1)..=(y + 1).min(height - 1)).any(|r| rows[r]);
    let disagree = (0..height)
        .filter(|&y| (a[y] && !near(&b, y)) || (b[y] && !near(&a, y)))
        .count();
    let inked_rows = a.iter().filter(|&&r| r).count();
    assert!(inked_rows > 300, "the page has text: {inked_rows}");
    assert!(
        disagree * 100 <= inked_rows * 2,
        "{disagree} of {inked_rows} rows disagree"
    );
}

/// A PNG as 8-bit grey levels.
fn gray(path: &Path) -> (usize, usize, Vec<u8>) {
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(path).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut buffer = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buffer).unwrap();
    let channels = info.color_type.samples();
    let pixels = buffer[..info.buffer_size()]
        .chunks(channels)
        .map(|p| p[0].min(p[channels.min(2) - 1]))
        .collect();
    (info.width as usize, info.height as usize, pixels)
}

/// A picture taller than a page: the PDF scaled it down to fit the page with its caption, but
/// the DOCX asked Word for its full height, so it ran off the page there.
#[test]
fn docx_picture_taller_than_a_page_is_scaled_like_the_pdf() {
    let dir = tempfile::tempdir().unwrap();
    // 300 × 3,000 pixels: 144 × 1,440 pt at 150 dpi, twice an A4 page's height.
    let mut bytes = Vec::new();
    let mut encoder = png::Encoder::new(&mut bytes, 300, 3_000);
    encoder.set_color(png::ColorType::Grayscale);
    let mut writer = encoder.write_header().unwrap();
    writer.write_image_data(&vec![90; 300 * 3_000]).unwrap();
    writer.finish().unwrap();
    std::fs::write(dir.path().join("cot.png"), bytes).unwrap();
    let out = render_record(
        dir.path(),
        "photos = [{ path = \"cot.png\", caption = \"Cột cờ\" }]",
        "",
        &[],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    // The PDF's drawn size, from the resolution poppler reports: pixels / ppi inches.
    let list = tool(
        "pdfimages",
        &["-list", written(dir.path(), "pdf")[0].to_str().unwrap()],
    );
    let row: Vec<&str> = list
        .lines()
        .find(|l| l.split_whitespace().nth(3) == Some("300"))
        .expect("the picture is listed")
        .split_whitespace()
        .collect();
    let (x_ppi, y_ppi): (f32, f32) = (row[12].parse().unwrap(), row[13].parse().unwrap());
    let pdf_size = (300.0 / x_ppi * 72.0, 3_000.0 / y_ppi * 72.0);
    // A4 less the 20 mm top and bottom margins.
    let text_height = 841.89 - 2.0 * 20.0 * 72.0 / 25.4;
    assert!(pdf_size.1 < text_height, "{pdf_size:?}");
    let xml = document_xml(&written(dir.path(), "docx")[0]);
    let extent = xml
        .split("<wp:extent ")
        .nth(1)
        .expect("a picture in the DOCX");
    let emu = |name: &str| -> f32 {
        let value = extent.split(&format!("{name}=\"")).nth(1).unwrap();
        value[..value.find('"').unwrap()].parse::<f32>().unwrap() / 12_700.0
    };
    let docx_size = (emu("cx"), emu("cy"));
    assert!(
        (docx_size.0 - pdf_size.0).abs() < 1.0 && (docx_size.1 - pdf_size.1).abs() < 1.0,
        "DOCX {docx_size:?} pt, PDF {pdf_size:?} pt"
    );
}
