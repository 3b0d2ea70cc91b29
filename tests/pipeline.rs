//! Properties of real output: the samples rendered by the real binary, read back with
//! independent tools.

mod util;

use util::*;

fn article() -> Vec<String> {
    paragraphs(&std::fs::read_to_string(sample("bai-viet.txt")).unwrap())
}

#[test]
fn report_pdf_text_equals_the_article_paragraph_by_paragraph() {
    let dir = tempfile::tempdir().unwrap();
    let (pdf, _) = render_to(&sample("report.toml"), dir.path());
    let text = pdf_text(&pdf, None);
    let mut expected = report_opening();
    expected.extend(article());
    expected.extend([
        "Nơi nhận:".into(),
        "- Thường trực Tỉnh ủy (b/c);".into(),
        "- Lưu: VT.".into(),
    ]);
    assert_paragraphs_in_order(&text, &expected);
    assert!(normalize(&text).contains("Độc lập - Tự do - Hạnh phúc"));
    assert!(normalize(&text).contains("TM. BAN CHỈ ĐẠO TRƯỞNG BAN"));
}

#[test]
fn markup_characters_in_data_stay_literal() {
    let dir = tempfile::tempdir().unwrap();
    let literal = [
        "Chi phí *ước tính* là 50% (theo _kế hoạch_) \\ không phải $100 hay <b>đậm</b> & [liên kết](x) `mã`.",
        "# Không phải tiêu đề",
        "1. Không phải danh sách",
        "- Cũng không phải danh sách ~ | ^ {} ! = + @",
        "> Không phải trích dẫn; ::: không phải chỉ thị",
        "::: rule",
    ];
    let article = literal.join("\n\n");
    let record = format!(
        "title = \"Kiểm tra ký tự\"\nrecipients = [\"Lưu: VT\"]\narticle = '''\n{article}\n'''\n\
         [issuer]\nname = \"SỞ NỘI VỤ\"\nnumber = \"01/BC-SNV\"\nplace = \"Hưng Yên\"\ndate = \"2019-02-05\"\n\
         [signer]\nposition = \"GIÁM ĐỐC\"\nname = \"Nguyễn Văn A\"\n"
    );
    let data = dir.path().join("r.toml");
    std::fs::write(&data, record).unwrap();
    let out = dir.path().join("out");
    let (pdf, docx) = render_to(&data, &out);
    let mut expected: Vec<String> = literal.iter().map(|s| s.to_string()).collect();
    expected.insert(0, "Hưng Yên, ngày 05 tháng 02 năm 2019".into());
    assert_paragraphs_in_order(&pdf_text(&pdf, None), &expected);
    assert_paragraphs_in_order(&docx_text(&docx), &expected[1..]);
}

#[test]
fn every_font_is_embedded_and_subset() {
    let dir = tempfile::tempdir().unwrap();
    let (pdf, _) = render_to(&sample("report.toml"), dir.path());
    let listing = tool("pdffonts", &[pdf.to_str().unwrap()]);
    let rows: Vec<&str> = listing.lines().skip(2).collect();
    assert!(rows.len() >= 3, "{listing}");
    for row in rows {
        let columns: Vec<&str> = row.split_whitespace().collect();
        let name = columns[0];
        let n = columns.len();
        // emb, sub, uni are the 5th-, 4th- and 3rd-last columns.
        assert_eq!(&columns[n - 5..n - 2], ["yes", "yes", "yes"], "{row}");
        assert!(
            name.len() > 7 && name.as_bytes()[6] == b'+',
            "subset names start ABCDEF+: {name}"
        );
        assert!(name.contains("LiberationSerif"), "{name}");
    }
}

#[test]
fn qpdf_finds_the_structure_sound() {
    let dir = tempfile::tempdir().unwrap();
    let (pdf, _) = render_to(&sample("bao-cao-nam.toml"), dir.path());
    let report = tool("qpdf", &["--check", pdf.to_str().unwrap()]);
    assert!(
        report.contains("No syntax or stream encoding errors found"),
        "{report}"
    );
}

#[test]
fn samples_conform_to_pdf_a_2b() {
    use page_validation::{validate_pdf_bytes, ValidationOptions, ValidationProfile};
    // The report, and the templates that add underlines, exact lines and flowing columns.
    for name in [
        "report.toml",
        "bao-cao-nam.toml",
        "report-day-du.toml",
        "dang-bao-cao.toml",
        "ban-tin.toml",
        "bien-ban.toml",
    ] {
        let dir = tempfile::tempdir().unwrap();
        let (pdf, _) = render_to(&sample(name), dir.path());
        let bytes = std::fs::read(&pdf).unwrap();
        // The profile is read from the file's own claim, and checked against it.
        let declared = validate_pdf_bytes(&bytes, &ValidationOptions::default()).unwrap();
        assert_eq!(declared.profile, ValidationProfile::PdfA2b);
        let report = validate_pdf_bytes(
            &bytes,
            &ValidationOptions::default().profile(ValidationProfile::PdfA2b),
        )
        .unwrap();
        let failures: Vec<String> = report.failures.iter().map(|f| f.to_string()).collect();
        assert!(report.is_compliant, "{name}: {failures:#?}");
        assert!(report.rules.total > 0);
    }
}

#[test]
fn page_numbers_are_centred_in_the_top_margin_from_page_two() {
    let dir = tempfile::tempdir().unwrap();
    let (pdf, _) = render_to(&sample("bao-cao-nam.toml"), dir.path());
    let pages = page_count(&pdf);
    assert!(
        pages >= 4,
        "the long sample runs to several pages, got {pages}"
    );
    let top_margin = 20.0 * 72.0 / 25.4;
    let text_centre = (30.0 + 165.0 / 2.0) * 72.0 / 25.4;
    let words = words(&pdf);
    for page in 1..=pages {
        let in_margin: Vec<&Word> = words
            .iter()
            .filter(|w| w.page == page && w.y_max < top_margin)
            .collect();
        if page == 1 {
            assert!(
                in_margin.is_empty(),
                "page 1 shows no number: {in_margin:?}"
            );
            continue;
        }
        assert_eq!(in_margin.len(), 1, "page {page}: {in_margin:?}");
        let number = in_margin[0];
        assert_eq!(number.text, page.to_string());
        let centre = (number.x_min + number.x_max) / 2.0;
        assert!(
            (centre - text_centre).abs() < 1.0,
            "page {page}: centre {centre} vs {text_centre}"
        );
        // 14 pt high, upright: NĐ 30 asks for 13–14 pt.
        let height = number.y_max - number.y_min;
        assert!((12.0..17.0).contains(&height), "page {page}: {height}");
    }
}

#[test]
fn the_signature_block_never_stands_alone_on_its_page() {
    let dir = tempfile::tempdir().unwrap();
    let (pdf, _) = render_to(&sample("bao-cao-nam.toml"), dir.path());
    let last = page_count(&pdf);
    let text = normalize(&pdf_text(&pdf, Some((last, last))));
    let before = text.split("Nơi nhận:").next().unwrap();
    // Besides the page number, at least two lines of the body come before the signature.
    assert!(before.split_whitespace().count() > 12, "{text}");
}

#[test]
fn docx_holds_the_same_text_and_python_docx_reads_it() {
    let dir = tempfile::tempdir().unwrap();
    let (_, docx) = render_to(&sample("report.toml"), dir.path());
    assert_paragraphs_in_order(&docx_text(&docx), &article());
    let script = "import sys, docx\nd = docx.Document(sys.argv[1])\nprint(d.core_properties.title)\nprint(d.core_properties.author)\nfor p in d.paragraphs: print(p.text)\nprint(d.sections[0].different_first_page_header_footer)\n";
    let out = tool("python3", &["-c", script, docx.to_str().unwrap()]);
    let mut lines = out.lines();
    assert_eq!(
        lines.next(),
        Some("Kết quả hội nghị triển khai nhiệm vụ công tác thông tin đối ngoại năm 2018")
    );
    assert_eq!(
        lines.next(),
        Some("BAN CHỈ ĐẠO CÔNG TÁC THÔNG TIN ĐỐI NGOẠI")
    );
    assert_eq!(
        out.lines().last(),
        Some("True"),
        "page 1 has its own (empty) header"
    );
    assert_paragraphs_in_order(&out, &article());
}

#[test]
fn libreoffice_paginates_the_docx_like_the_pdf() {
    for name in ["report.toml", "bao-cao-nam.toml", "report-day-du.toml"] {
        let dir = tempfile::tempdir().unwrap();
        let (pdf, docx) = render_to(&sample(name), dir.path());
        let lo_pdf = libreoffice_pdf(&docx, dir.path());
        assert_eq!(page_count(&lo_pdf), page_count(&pdf), "{name}");
        assert_paragraphs_in_order(
            &pdf_text(&lo_pdf, None),
            &["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM".to_string()],
        );
        // The national name must not wrap in LibreOffice either.
        let first_page = pdf_text(&lo_pdf, Some((1, 1)));
        assert!(
            first_page
                .lines()
                .any(|l| l.trim() == "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"),
            "{first_page}"
        );
    }
}

/// Nothing of the machine gets into the files: not the folder the data sits in, not the
/// working folder, not the clock (`SOURCE_DATE_EPOCH` only dates records that have no date).
#[test]
fn the_same_record_gives_the_same_bytes_from_any_folder_at_any_time() {
    let copy = tempfile::tempdir().unwrap();
    let samples = copy.path().join("elsewhere/hung-yen-2018");
    std::fs::create_dir_all(&samples).unwrap();
    for name in [
        "report-day-du.toml",
        "bai-viet.txt",
        "toan-canh.jpg",
        "chuong-trinh.md",
    ] {
        std::fs::copy(sample(name), samples.join(name)).unwrap();
    }
    let run = |dir: &std::path::Path, data: &str, epoch: Option<&str>, out: &std::path::Path| {
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_vanban"));
        command
            .current_dir(dir)
            .args(["render", data, "-o"])
            .arg(out);
        command.args(["-f", "pdf,docx", "--pdf-standard", "a-3b", "-q"]);
        match epoch {
            Some(epoch) => command.env("SOURCE_DATE_EPOCH", epoch),
            None => command.env_remove("SOURCE_DATE_EPOCH"),
        };
        let output = command.output().unwrap();
        assert!(output.status.success(), "{}", stderr(&output));
        let mut files: Vec<(String, Vec<u8>)> = files_in(out)
            .into_iter()
            .map(|name| (name.clone(), std::fs::read(out.join(name)).unwrap()))
            .collect();
        files.sort();
        files
    };
    let out = tempfile::tempdir().unwrap();
    let here = run(
        &root(),
        sample("report-day-du.toml").to_str().unwrap(),
        None,
        &out.path().join("a"),
    );
    let there = run(
        &copy.path().join("elsewhere"),
        "hung-yen-2018/report-day-du.toml",
        Some("0"),
        &out.path().join("b"),
    );
    assert_eq!(here.len(), 2);
    for ((name, a), (other, b)) in here.iter().zip(&there) {
        assert_eq!(name, other);
        assert!(a == b, "{name} differs");
    }
}

#[test]
fn the_same_input_gives_the_same_bytes() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    let (pdf_a, docx_a) = render_to(&sample("bao-cao-nam.toml"), a.path());
    let (pdf_b, docx_b) = render_to(&sample("bao-cao-nam.toml"), b.path());
    assert!(std::fs::read(pdf_a).unwrap() == std::fs::read(pdf_b).unwrap());
    assert!(std::fs::read(docx_a).unwrap() == std::fs::read(docx_b).unwrap());
}

#[test]
fn a_csv_row_renders_like_the_toml_record() {
    let dir = tempfile::tempdir().unwrap();
    let (pdf, _) = render_to(&sample("report.csv"), dir.path());
    let mut expected = vec!["Số: 15/BC-BCĐ".to_string()];
    expected.extend(article().into_iter().take(2));
    expected.push("- Ban Tuyên giáo Trung ương (b/c);".into());
    assert_paragraphs_in_order(&pdf_text(&pdf, None), &expected);
}

#[test]
fn metadata_comes_from_the_record() {
    let dir = tempfile::tempdir().unwrap();
    let (pdf, _) = render_to(&sample("report.toml"), dir.path());
    let info = tool("pdfinfo", &["-isodates", pdf.to_str().unwrap()]);
    assert!(
        info.contains("Kết quả hội nghị triển khai nhiệm vụ công tác thông tin đối ngoại năm 2018"),
        "{info}"
    );
    assert!(
        info.contains("BAN CHỈ ĐẠO CÔNG TÁC THÔNG TIN ĐỐI NGOẠI"),
        "{info}"
    );
    assert!(info.contains("2018-03-13T00:00:00+07"), "{info}");
    assert!(info.contains("595.276 x 841.89 pts (A4)"), "{info}");
}
#[test]
fn inspect_confirms_the_samples_and_refuses_a_plain_pdf() {
    let dir = tempfile::tempdir().unwrap();
    let (pdf, _) = render_to(&sample("report.toml"), dir.path());
    let out = vanban(&["inspect", pdf.to_str().unwrap()]);
    let report = String::from_utf8(out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(0), "{report}");
    assert!(
        report.contains("PDF/A claim     PDF/A-2B: conforms"),
        "{report}"
    );
    assert!(
        report.contains("page 1   210.0 x 297.0 mm (A4), content margins"),
        "{report}"
    );
    assert!(
        report.contains("right 15.0 ") && report.contains("left 30.0 mm"),
        "the margins of NĐ 30: {report}"
    );
    assert!(
        report.contains("LiberationSerif (Type0) embedded, subset"),
        "{report}"
    );
    assert!(
        report.contains("text            ") && report.contains("characters, NFC"),
        "{report}"
    );

    // The same document as plain PDF makes no claim: exit status 1.
    let plain = dir.path().join("plain");
    let out = vanban(&[
        "render",
        sample("report.toml").to_str().unwrap(),
        "-f",
        "pdf",
        "--pdf-standard",
        "none",
        "-o",
        plain.to_str().unwrap(),
    ]);
    assert!(out.status.success());
    let file = only_file(&plain);
    let out = vanban(&["inspect", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8(out.stdout)
        .unwrap()
        .contains("none (not an archival PDF)"));

    // Not a PDF at all: exit status 2, the file named.
    let bogus = dir.path().join("bogus.pdf");
    std::fs::write(&bogus, "%PDF-1.7 nothing").unwrap();
    let out = vanban(&["inspect", bogus.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("bogus.pdf: not a readable PDF"));
}

#[test]
fn every_archival_standard_is_written_and_holds() {
    for (standard, claim) in [
        ("a-2b", "PDF/A-2B"),
        ("a-2u", "PDF/A-2U"),
        ("a-3b", "PDF/A-3B"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let out = vanban(&[
            "render",
            sample("report.toml").to_str().unwrap(),
            "-f",
            "pdf",
            "--pdf-standard",
            standard,
            "-o",
            dir.path().to_str().unwrap(),
        ]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let pdf = only_file(dir.path());
        assert_conforms(&pdf);
        let report = vanban::inspect::inspect(&std::fs::read(&pdf).unwrap()).unwrap();
        assert_eq!(report.claim.as_deref(), Some(claim));
        if standard == "a-3b" {
            // The record travels inside the file.
            let listing = tool("pdfdetach", &["-list", pdf.to_str().unwrap()]);
            assert!(listing.contains("record.json"), "{listing}");
            let json = dir.path().join("record.json");
            tool(
                "pdfdetach",
                &[
                    "-save",
                    "1",
                    "-o",
                    json.to_str().unwrap(),
                    pdf.to_str().unwrap(),
                ],
            );
            let record: serde_json::Value =
                serde_json::from_slice(&std::fs::read(json).unwrap()).unwrap();
            assert_eq!(record["issuer"]["number"], "15/BC-BCĐ");
        }
    }
}

#[test]
fn source_date_epoch_dates_a_record_without_a_date() {
    let dir = tempfile::tempdir().unwrap();
    // A draft: the month is known, the day is not, so the record gives no date of issue.
    let record = "title = \"Dự thảo\"\narticle = \"Nội dung.\"\nrecipients = [\"Lưu: VT\"]\n\
        [issuer]\nname = \"SỞ NỘI VỤ\"\nnumber = \"05/BC-SNV\"\nplace = \"Hưng Yên\"\ndate = \"2018-03\"\n\
        [signer]\nposition = \"GIÁM ĐỐC\"\nname = \"Nguyễn Văn A\"\n";
    let data = dir.path().join("r.toml");
    std::fs::write(&data, record).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_vanban"))
        .args([
            "render",
            data.to_str().unwrap(),
            "-f",
            "pdf",
            "-o",
            dir.path().join("a").to_str().unwrap(),
        ])
        .env("SOURCE_DATE_EPOCH", "1520899200")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let pdf = only_file(&dir.path().join("a"));
    let info = tool("pdfinfo", &["-isodates", pdf.to_str().unwrap()]);
    assert!(
        info.contains("CreationDate:    2018-03-13T00:00:00Z"),
        "{info}"
    );
}

/// The one file a render wrote into an otherwise empty folder.
fn only_file(dir: &std::path::Path) -> std::path::PathBuf {
    let mut files = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path());
    let file = files.next().expect("a file was written");
    assert!(files.next().is_none(), "one file in {}", dir.display());
    file
}

/// The issuer's name came out on whatever lines the column allowed (`SỞ THÔNG TIN VÀ TRUYỀN`
/// over a lone `THÔNG`), and a line break written in the data was lost. Now the data's lines
/// are kept, in the PDF and the DOCX, and the file's author is the name on one line.
#[test]
fn an_issuer_name_written_on_two_lines_keeps_its_break() {
    let dir = tempfile::tempdir().unwrap();
    let record = RECORD.replace(
        "name = \"SỞ NỘI VỤ\"",
        "name = \"SỞ THÔNG TIN VÀ\\nTRUYỀN THÔNG\"\nparent = \"UBND TỈNH\\nHƯNG YÊN\"",
    );
    let data = write(dir.path(), "r.toml", &record);
    let (pdf, docx) = render_to(std::path::Path::new(&data), &dir.path().join("out"));
    let layout = pdf_page_layout(&pdf, 1);
    let left: Vec<&str> = layout
        .lines()
        .take(4)
        .map(|l| {
            l.split("   ")
                .find(|c| !c.trim().is_empty())
                .unwrap_or("")
                .trim()
        })
        .collect();
    assert_eq!(
        left,
        ["UBND TỈNH", "HƯNG YÊN", "SỞ THÔNG TIN VÀ", "TRUYỀN THÔNG"],
        "{layout}"
    );
    let xml = document_xml(&docx);
    let cell = &xml[..xml.find("CỘNG HÒA").unwrap()];
    assert_eq!(cell.matches("<w:br").count(), 2, "{cell}");
    let info = tool("pdfinfo", &[pdf.to_str().unwrap()]);
    assert!(
        info.contains("Author:          SỞ THÔNG TIN VÀ TRUYỀN THÔNG\n"),
        "{info}"
    );
}
