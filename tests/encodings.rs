//! Legacy encodings and Unicode forms end to end: the seed article written in Windows-1258,
//! TCVN3, VNI and NFD, read back by the real binary into PDFs and through `vanban convert`.
//! Test files are made here with vanban's own encoder and cross-checked against glibc's iconv
//! where it knows the encoding (Windows-1258 and TCVN3; it has no VNI).

mod util;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use unicode_normalization::UnicodeNormalization;
use util::*;
use vanban::encoding::{self, Encoding};

/// The seed article, as the sample holds it (UTF-8, NFC).
fn article() -> String {
    std::fs::read_to_string(sample("bai-viet.txt")).unwrap()
}

/// The report record of the sample with the article read from `bai-viet.txt`.
fn record_toml() -> String {
    std::fs::read_to_string(sample("report.toml")).unwrap()
}

fn encode(text: &str, encoding: Encoding) -> Vec<u8> {
    encoding::encode(text, encoding).unwrap_or_else(|c| panic!("{encoding:?} cannot write {c:?}"))
}

/// Runs iconv on bytes.
fn iconv(bytes: &[u8], from: &str, to: &str) -> Vec<u8> {
    use std::io::Write as _;
    let mut child = Command::new("iconv")
        .args(["-f", from, "-t", to])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("iconv runs (glibc's, from libc-bin)");
    child.stdin.take().unwrap().write_all(bytes).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "iconv -f {from} -t {to}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// Renders a data file to `x.pdf` beside it, with extra arguments, and returns the PDF's text.
fn render_pdf(data: &Path, extra: &[&str]) -> String {
    let pdf = data.with_file_name("x.pdf");
    let mut args = vec![
        "render",
        data.to_str().unwrap(),
        "-o",
        pdf.to_str().unwrap(),
    ];
    args.extend(extra);
    let out = vanban(&args);
    assert!(
        out.status.success(),
        "render failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_conforms(&pdf);
    pdf_text(&pdf, None)
}

/// Asserts that the PDF shows the article and the header exactly, paragraph by paragraph.
/// The page numbers in the page headers (lines of digits alone) are left out, since a
/// paragraph may run on from one page to the next.
fn assert_shows_the_seed(text: &str) {
    let text: String = text
        .lines()
        .filter(|line| {
            let line = line.trim();
            line.is_empty() || !line.bytes().all(|b| b.is_ascii_digit())
        })
        .collect::<Vec<_>>()
        .join("\n");
    let text = text.as_str();
    let mut expected = report_opening();
    expected.extend(paragraphs(&article()));
    expected.push("Nơi nhận:".into());
    assert_paragraphs_in_order(text, &expected);
    assert!(normalize(text).contains("Trần Thị Thanh Thủy"));
}

#[test]
fn windows_1258_semicolon_csv_renders_the_seed_exactly() {
    // Excel on Vietnamese Windows: Windows-1258 with combining tones, `;` between cells.
    let quote = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
    let header = "template;title;issuer.parent;issuer.name;issuer.number;issuer.place;issuer.date;\
                  signer.authority;signer.position;signer.name;recipients[];article";
    let row = [
        "bao-cao",
        "Kết quả hội nghị triển khai nhiệm vụ công tác thông tin đối ngoại năm 2018",
        "TỈNH ỦY HƯNG YÊN",
        "BAN CHỈ ĐẠO CÔNG TÁC THÔNG TIN ĐỐI NGOẠI",
        "15/BC-BCĐ",
        "Hưng Yên",
        "13/03/2018",
        "TM. BAN CHỈ ĐẠO",
        "TRƯỞNG BAN",
        "Trần Thị Thanh Thủy",
        "Thường trực Tỉnh ủy (b/c)\r\nLưu: VT",
        article().trim_end(),
    ]
    .map(quote)
    .join(";");
    let csv = format!("{header}\r\n{row}\r\n");
    let bytes = encode(&csv, Encoding::Windows1258);
    // The tones really are separate bytes (0xEC acute, 0xCC grave, 0xD2 hook, 0xDE tilde,
    // 0xF2 dot below), as Windows writes them.
    assert!(bytes.contains(&0xF2) && bytes.contains(&0xD2));
    // Cross-check with iconv both ways: our bytes read by iconv, iconv's bytes read by us.
    let theirs: String = String::from_utf8(iconv(&bytes, "CP1258", "UTF-8"))
        .unwrap()
        .nfc()
        .collect();
    assert_eq!(theirs, csv);
    let iconv_bytes = iconv(csv.as_bytes(), "UTF-8", "CP1258");
    assert_eq!(
        encoding::decode_as(&iconv_bytes, Encoding::Windows1258).unwrap(),
        csv
    );

    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("bao-cao.csv");
    std::fs::write(&data, &bytes).unwrap();
    assert_shows_the_seed(&render_pdf(&data, &[]));
}

#[test]
fn tcvn3_files_render_the_seed_exactly() {
    // The letters' table against glibc: byte for byte on the article. iconv has no "…" in
    // TCVN5712-1 (glibc puts VN1 capitals at 0x80–0x9F), so that one comparison spells it "...".
    let plain = article().replace('…', "...");
    assert_eq!(
        encode(&plain, Encoding::Tcvn3),
        iconv(plain.as_bytes(), "UTF-8", "TCVN5712-1")
    );
    assert_eq!(
        String::from_utf8(iconv(
            &encode(&plain, Encoding::Tcvn3),
            "TCVN5712-1",
            "UTF-8"
        ))
        .unwrap()
        .nfc()
        .collect::<String>(),
        plain
    );

    // The data file and the article it names, both TCVN3; "…" as Word wrote it (0x85).
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("report.toml");
    std::fs::write(&data, encode(&record_toml(), Encoding::Tcvn3)).unwrap();
    let text = encode(&article(), Encoding::Tcvn3);
    assert!(text.contains(&0x85) && text.contains(&0x9E), "… and Ủ");
    std::fs::write(dir.path().join("bai-viet.txt"), text).unwrap();
    assert_shows_the_seed(&render_pdf(&data, &[]));
}

#[test]
fn nfd_files_render_the_seed_exactly() {
    // Text pasted from a Mac: every letter decomposed.
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("report.toml");
    let nfd = |s: &str| s.nfd().collect::<String>();
    assert_ne!(nfd(&article()), article());
    std::fs::write(&data, nfd(&record_toml())).unwrap();
    std::fs::write(dir.path().join("bai-viet.txt"), nfd(&article())).unwrap();
    assert_shows_the_seed(&render_pdf(&data, &[]));
}

/// Runs `vanban convert` and returns its standard output and error.
fn convert(args: &[&str]) -> (std::process::Output, String) {
    let mut all = vec!["convert"];
    all.extend(args);
    let out = vanban(&all);
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    (out, stderr)
}

#[test]
fn convert_round_trips_every_encoding_and_form() {
    let dir = tempfile::tempdir().unwrap();
    let original = article();
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "1258",
            encode(&original, Encoding::Windows1258),
            "Windows-1258",
        ),
        ("tcvn3", encode(&original, Encoding::Tcvn3), "TCVN3"),
        ("vni", encode(&original, Encoding::Vni), "VNI-Windows"),
        ("utf16", encode(&original, Encoding::Utf16Le), "UTF-16LE"),
        ("utf16be", encode(&original, Encoding::Utf16Be), "UTF-16BE"),
        (
            "bom",
            [b"\xEF\xBB\xBF".as_slice(), original.as_bytes()].concat(),
            "UTF-8",
        ),
        (
            "nfd",
            original.nfd().collect::<String>().into_bytes(),
            "UTF-8",
        ),
        ("crlf", original.replace('\n', "\r\n").into_bytes(), "UTF-8"),
    ];
    for (name, bytes, detected) in cases {
        let input = dir.path().join(format!("{name}.txt"));
        std::fs::write(&input, &bytes).unwrap();
        // To standard output.
        let (out, stderr) = convert(&[input.to_str().unwrap()]);
        assert!(out.status.success(), "{name}: {stderr}");
        assert_eq!(String::from_utf8(out.stdout).unwrap(), original, "{name}");
        assert!(
            stderr.contains(&format!("as {detected}")),
            "{name}: {stderr}"
        );
        // To a file, and the file converts to itself.
        let output: PathBuf = dir.path().join(format!("{name}.utf8.txt"));
        let (out, stderr) = convert(&[input.to_str().unwrap(), "-o", output.to_str().unwrap()]);
        assert!(out.status.success(), "{name}: {stderr}");
        assert_eq!(std::fs::read_to_string(&output).unwrap(), original);
        let (again, _) = convert(&[output.to_str().unwrap()]);
        assert_eq!(String::from_utf8(again.stdout).unwrap(), original);
    }
}

#[test]
fn vni_agrees_with_the_spec_examples_and_encoding_overrides_detection() {
    let dir = tempfile::tempdir().unwrap();
    // The spec's VNI example as the bytes a VNI-Times user saved (Windows-1252 view).
    let bytes = encoding_rs::WINDOWS_1252
        .encode("Tieáng Vieät coù 29 chöõ caùi")
        .0
        .into_owned();
    assert_eq!(encode("Tiếng Việt có 29 chữ cái", Encoding::Vni), bytes);
    let input = dir.path().join("vni.txt");
    std::fs::write(&input, &bytes).unwrap();
    let (out, _) = convert(&[input.to_str().unwrap()]);
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "Tiếng Việt có 29 chữ cái"
    );
    // --encoding is obeyed even when it reads worse: here, the same bytes as Windows-1258.
    let (out, stderr) = convert(&[input.to_str().unwrap(), "--encoding", "cp1258"]);
    assert!(out.status.success(), "{stderr}");
    let forced = String::from_utf8(out.stdout).unwrap();
    assert_ne!(forced, "Tiếng Việt có 29 chữ cái");
    assert!(forced.starts_with("Tie"), "{forced}");
}

#[test]
fn convert_applies_the_tone_style() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("a.txt");
    std::fs::write(
        &input,
        encode(
            "Ủy ban hòa giải, sức khỏe, thủy lợi, hoàng, quý",
            Encoding::Tcvn3,
        ),
    )
    .unwrap();
    let (out, _) = convert(&[input.to_str().unwrap(), "--tone-style", "new"]);
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "Uỷ ban hoà giải, sức khoẻ, thuỷ lợi, hoàng, quý"
    );
    let (out, stderr) = convert(&[input.to_str().unwrap(), "--tone-style", "newest"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr.contains("use old, new or keep"), "{stderr}");
}

/// 8 KiB of deterministic noise (xorshift), the same every run.
fn random_bytes() -> Vec<u8> {
    let mut state: u64 = 0x2545_F491_4F6C_DD1D;
    (0..8192)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 56) as u8
        })
        .collect()
}

#[test]
fn random_bytes_are_refused_with_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let noise = dir.path().join("noise.txt");
    std::fs::write(&noise, random_bytes()).unwrap();
    let output = dir.path().join("out.txt");
    let (out, stderr) = convert(&[noise.to_str().unwrap(), "-o", output.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("noise.txt"), "{stderr}");
    assert!(
        stderr.contains("not text in any encoding vanban recognises"),
        "{stderr}"
    );
    assert!(stderr.contains("--encoding NAME"), "{stderr}");
    assert!(!output.exists());

    // The same noise as the article of a record: refused, naming the file, nothing written.
    let data = dir.path().join("r.toml");
    std::fs::write(&data, record_toml().replace("bai-viet.txt", "noise.txt")).unwrap();
    let out = vanban(&[
        "render",
        data.to_str().unwrap(),
        "-o",
        dir.path().join("out").to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("noise.txt: the file is not text"),
        "{stderr}"
    );
    assert!(
        !dir.path().join("out").exists()
            || std::fs::read_dir(dir.path().join("out"))
                .unwrap()
                .next()
                .is_none()
    );
}

#[test]
fn tone_style_rewrites_data_but_not_the_national_name() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("report.toml");
    std::fs::write(&data, record_toml()).unwrap();
    std::fs::copy(sample("bai-viet.txt"), dir.path().join("bai-viet.txt")).unwrap();
    let text = normalize(&render_pdf(&data, &["--tone-style", "new"]));
    assert!(
        text.contains("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"),
        "template text keeps HÒA"
    );
    assert!(text.contains("TỈNH UỶ HƯNG YÊN"), "{text}");
    assert!(text.contains("Bà Trần Thị Thanh Thuỷ, Uỷ viên"), "{text}");
    assert!(!text.contains("Thủy"));
    let old = normalize(&render_pdf(&data, &["--tone-style", "old"]));
    assert!(old.contains("TỈNH ỦY HƯNG YÊN") && old.contains("Thủy"));
}

#[test]
fn combining_marks_that_survive_nfc_are_drawn_and_extracted() {
    // x + acute has no precomposed form: the mark stays a separate character, and the font's
    // GPOS anchors put it lower over x than over X.
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("report.toml");
    let record = record_toml().replace(
        "article = { file = \"bai-viet.txt\" }",
        "article = \"Ký hiệu x\u{0323} và X\u{0301} hay x\u{0301} trong bảng.\"",
    );
    std::fs::write(&data, record).unwrap();
    let text = render_pdf(&data, &[]);
    assert!(
        normalize(&text).contains("Ký hiệu x\u{0323} và X\u{0301} hay x\u{0301} trong bảng."),
        "{text}"
    );

    // Where the ink of each word starts, from a greyscale rendering of the word's box.
    let pdf = data.with_file_name("x.pdf");
    let found = words(&pdf);
    let ink_top = |word: &str| -> f32 {
        let w = found
            .iter()
            .find(|w| w.text == word)
            .expect("the word is in the PDF");
        let dpi = 288.0;
        let px = |pt: f32| ((pt * dpi / 72.0) as i64).to_string();
        let stem = dir.path().join("crop");
        tool(
            "pdftoppm",
            &[
                "-gray",
                "-r",
                "288",
                "-f",
                &w.page.to_string(),
                "-l",
                &w.page.to_string(),
                "-x",
                &px(w.x_min),
                "-y",
                &px(w.y_min - 6.0),
                "-W",
                &px(w.x_max - w.x_min),
                "-H",
                &px(w.y_max - w.y_min + 6.0),
                "-singlefile",
                pdf.to_str().unwrap(),
                stem.to_str().unwrap(),
            ],
        );
        let image = std::fs::read(stem.with_extension("pgm")).unwrap();
        let (width, pixels) = read_pgm(&image);
        let row = pixels
            .chunks(width)
            .position(|row| row.iter().any(|&v| v < 128))
            .expect("the word has ink");
        (w.y_min - 6.0) + row as f32 * 72.0 / dpi
    };
    let (lower, upper) = (ink_top("x\u{0301}"), ink_top("X\u{0301}"));
    // 0.195 em lower at 14 pt is 2.7 pt; a mark moved the wrong way would sit above X's.
    assert!(
        lower - upper > 1.5,
        "acute over x at {lower} pt, over X at {upper} pt"
    );
}

/// A binary greyscale PNM (P5) image: its width and its pixels, row by row.
fn read_pgm(bytes: &[u8]) -> (usize, &[u8]) {
    // Four header fields (magic, width, height, maximum value), each followed by one blank.
    let mut fields = Vec::new();
    let mut at = 0;
    while fields.len() < 4 {
        while bytes[at].is_ascii_whitespace() {
            at += 1;
        }
        let start = at;
        while !bytes[at].is_ascii_whitespace() {
            at += 1;
        }
        fields.push(std::str::from_utf8(&bytes[start..at]).unwrap().to_string());
    }
    assert_eq!(fields[0], "P5");
    let width: usize = fields[1].parse().unwrap();
    let height: usize = fields[2].parse().unwrap();
    let pixels = &bytes[at + 1..];
    assert_eq!(pixels.len(), width * height);
    (width, pixels)
}
