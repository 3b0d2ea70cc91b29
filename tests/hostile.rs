//! Hostile and broken input: each case gets a clear message, leaves nothing half-written, and
//! never panics.

mod util;

use std::path::Path;

use util::*;

/// Every file below `dir`, as paths relative to it.
fn files_below(dir: &Path) -> Vec<String> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(folder) = stack.pop() {
        for entry in std::fs::read_dir(&folder).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() && !path.is_symlink() {
                stack.push(path);
            } else {
                found.push(path.strip_prefix(dir).unwrap().display().to_string());
            }
        }
    }
    found.sort();
    found
}

/// Renders `data` (a file name in `dir`) into `dir/out` and checks the failure: exit status,
/// message, no panic, and no file in `out`.
fn assert_refused(dir: &Path, data: &str, code: i32, needle: &str) {
    let out = vanban(&[
        "render",
        dir.join(data).to_str().unwrap(),
        "-o",
        dir.join("out").to_str().unwrap(),
    ]);
    let message = stderr(&out);
    assert_eq!(out.status.code(), Some(code), "{data}: {message}");
    assert!(
        message.contains(needle),
        "{data}: expected «{needle}» in {message}"
    );
    assert!(!message.contains("panicked"), "{message}");
    let left: Vec<String> = files_below(dir)
        .into_iter()
        .filter(|f| f.starts_with("out"))
        .collect();
    assert!(left.is_empty(), "{data}: left behind {left:?}");
}

#[test]
fn empty_files_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    for name in ["e.toml", "e.json", "e.jsonl", "e.csv"] {
        std::fs::write(dir.path().join(name), " \n").unwrap();
        assert_refused(dir.path(), name, 2, &format!("{name}: the file is empty"));
    }
}

#[test]
fn bytes_that_are_not_text_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let bytes: Vec<u8> = (0..4096u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    std::fs::write(dir.path().join("random.toml"), bytes).unwrap();
    assert_refused(dir.path(), "random.toml", 2, "random.toml");
}

#[test]
fn a_ten_megabyte_cell_is_named_by_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let huge = "a".repeat(10 * 1024 * 1024);
    std::fs::write(
        dir.path().join("big.csv"),
        format!("title,article\nA,ngắn\nB,{huge}\n"),
    )
    .unwrap();
    assert_refused(
        dir.path(),
        "big.csv",
        2,
        "big.csv:3, column \"article\": the cell holds 10.0 MB of text",
    );
}

#[test]
fn a_ten_megabyte_text_file_is_named_by_field() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("huge.txt"), "a".repeat(10 * 1024 * 1024)).unwrap();
    let record = RECORD.replace(
        "article = \"Nội dung báo cáo.\"",
        "article = { file = \"huge.txt\" }",
    );
    std::fs::write(dir.path().join("r.toml"), record).unwrap();
    assert_refused(
        dir.path(),
        "r.toml",
        2,
        "field `article`: the file `huge.txt` holds 10.0 MB of text",
    );
}

#[test]
fn deeply_nested_json_and_toml_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let depth = 100_000;
    std::fs::write(
        dir.path().join("deep.json"),
        format!("{}{}", "[".repeat(depth), "]".repeat(depth)),
    )
    .unwrap();
    assert_refused(dir.path(), "deep.json", 2, "recursion limit exceeded");
    std::fs::write(
        dir.path().join("deep.toml"),
        format!("a = {}{}", "[".repeat(depth), "]".repeat(depth)),
    )
    .unwrap();
    assert_refused(dir.path(), "deep.toml", 2, "max recursion depth");
}

#[test]
fn a_picture_claiming_ten_billion_pixels_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    // A real 1 × 1 PNG whose header is changed to claim 100,000 × 100,000 pixels.
    let mut bytes = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut bytes, 1, 1);
        encoder.set_color(png::ColorType::Rgb);
        let mut writer = encoder.write_header().unwrap();
        writer.write_image_data(&[0, 0, 0]).unwrap();
    }
    bytes[16..20].copy_from_slice(&100_000u32.to_be_bytes());
    bytes[20..24].copy_from_slice(&100_000u32.to_be_bytes());
    let crc = crc32fast::hash(&bytes[12..29]);
    bytes[29..33].copy_from_slice(&crc.to_be_bytes());
    std::fs::write(dir.path().join("bomb.png"), bytes).unwrap();
    let record = format!("photos = [{{ path = \"bomb.png\", caption = \"x\" }}]\n{RECORD}");
    std::fs::write(dir.path().join("r.toml"), record).unwrap();
    assert_refused(
        dir.path(),
        "r.toml",
        1,
        "picture claims 100000 × 100000 pixels",
    );
}

#[test]
fn pictures_past_the_document_pixel_budget_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    // 6,000 × 6,500 black pixels (39 million, under the limit of one picture), one bit each:
    // a few kilobytes on disk. Eleven of them pass the 400 million one document may hold.
    let (width, height) = (6_000, 6_500);
    let mut bytes = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut bytes, width, height);
        encoder.set_color(png::ColorType::Grayscale);
        encoder.set_depth(png::BitDepth::One);
        let mut writer = encoder.write_header().unwrap();
        let row = (width as usize).div_ceil(8);
        writer
            .write_image_data(&vec![0; row * height as usize])
            .unwrap();
    }
    let mut photos = Vec::new();
    for i in 1..=11 {
        std::fs::write(dir.path().join(format!("anh-{i:02}.png")), &bytes).unwrap();
        photos.push(format!(
            "{{ path = \"anh-{i:02}.png\", caption = \"Ảnh {i}\" }}"
        ));
    }
    let record = format!("photos = [{}]\n{RECORD}", photos.join(", "));
    std::fs::write(dir.path().join("r.toml"), record).unwrap();
    assert_refused(
        dir.path(),
        "r.toml",
        1,
        "anh-11.png: with this picture (6000 × 6500) the document's pictures hold 429 million pixels, more than the 400 million one document may hold",
    );
}

#[test]
fn a_runaway_document_stops_at_the_page_budget() {
    let dir = tempfile::tempdir().unwrap();
    let article = "Một dòng.\\n\\n".repeat(60_000);
    let record = RECORD.replace("\"Nội dung báo cáo.\"", &format!("\"{article}\""));
    std::fs::write(dir.path().join("r.toml"), record).unwrap();
    assert_refused(dir.path(), "r.toml", 1, "the document runs past 1000 pages");
}

#[test]
fn an_output_folder_that_cannot_be_made_is_named() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("r.toml"), RECORD).unwrap();
    // Even root cannot make folders in /proc.
    let out = vanban(&[
        "render",
        dir.path().join("r.toml").to_str().unwrap(),
        "-o",
        "/proc/vanban-out",
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("/proc/vanban-out"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_full_disk_leaves_no_partial_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("r.toml"), RECORD).unwrap();
    let out_dir = dir.path().join("out");
    std::fs::create_dir(&out_dir).unwrap();
    // A 16 KiB file-size limit makes the writes fail as a full disk does; the shell ignores
    // SIGXFSZ so that vanban sees the error (EFBIG) instead of being killed by it.
    let script = format!(
        "trap '' XFSZ; ulimit -f 32; exec {} render {} -o {}",
        env!("CARGO_BIN_EXE_vanban"),
        dir.path().join("r.toml").display(),
        out_dir.display()
    );
    let out = std::process::Command::new("sh")
        .args(["-c", &script])
        .output()
        .unwrap();
    assert_ne!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stderr(&out).contains("File too large"), "{}", stderr(&out));
    assert!(
        files_below(&out_dir).is_empty(),
        "{:?}",
        files_below(&out_dir)
    );
}

#[test]
fn a_number_like_a_path_cannot_leave_the_output_folder() {
    let dir = tempfile::tempdir().unwrap();
    let record = RECORD.replace("05/BC-SNV", "../../etc/passwd");
    std::fs::write(dir.path().join("r.toml"), record).unwrap();
    let out = vanban(&[
        "render",
        dir.path().join("r.toml").to_str().unwrap(),
        "-o",
        dir.path().join("out").to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        files_below(&dir.path().join("out")),
        ["etc-passwd_2018-03-13.docx", "etc-passwd_2018-03-13.pdf"]
    );
}

#[test]
fn a_symlink_in_the_output_folder_is_replaced_not_followed() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("r.toml"), RECORD).unwrap();
    let elsewhere = dir.path().join("elsewhere.pdf");
    std::fs::write(&elsewhere, "precious").unwrap();
    let out_dir = dir.path().join("out");
    std::fs::create_dir(&out_dir).unwrap();
    let link = out_dir.join("05-BC-SNV_2018-03-13.pdf");
    std::os::unix::fs::symlink(&elsewhere, &link).unwrap();
    let out = vanban(&[
        "render",
        dir.path().join("r.toml").to_str().unwrap(),
        "-o",
        out_dir.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(std::fs::read_to_string(&elsewhere).unwrap(), "precious");
    assert!(!link.is_symlink() && std::fs::read(&link).unwrap().starts_with(b"%PDF"));
}
