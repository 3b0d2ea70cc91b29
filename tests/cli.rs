//! The command line as scripts meet it: exit statuses, messages that name the place, and no
//! file left behind by a failure.

mod util;

use std::path::Path;

use util::*;

fn render_with(data: &str, template: &str, output: &str) -> std::process::Output {
    vanban(&["render", data, "-t", template, "-o", output])
}

/// Renders a record written to `r.toml` (inside `sub` of a fresh folder) into `out/`.
fn render_record(sub: &str, text: &str) -> (tempfile::TempDir, std::process::Output) {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join(sub);
    std::fs::create_dir_all(&folder).unwrap();
    let data = write(&folder, "r.toml", text);
    let out = vanban(&[
        "render",
        &data,
        "-o",
        dir.path().join("out").to_str().unwrap(),
    ]);
    (dir, out)
}

/// Asserts the exit status, that the message says `needle`, and that no document was written.
fn assert_fails(dir: &Path, out: &std::process::Output, code: i32, needle: &str) {
    let message = stderr(out);
    assert_eq!(out.status.code(), Some(code), "{message}");
    assert!(
        message.contains(needle),
        "expected «{needle}» in: {message}"
    );
    assert!(
        files_in(&dir.join("out")).is_empty(),
        "{:?}",
        files_in(&dir.join("out"))
    );
}

#[test]
fn a_missing_signer_is_named_and_nothing_is_written() {
    let (dir, out) = render_record(".", RECORD.split("[signer]").next().unwrap());
    assert_fails(
        dir.path(),
        &out,
        1,
        "r.toml: missing fields `signer.position`, `signer.name` (the template bao-cao needs them)",
    );
}

#[test]
fn a_template_error_names_the_template_line_and_variable() {
    let dir = tempfile::tempdir().unwrap();
    let data = write(dir.path(), "r.toml", RECORD);
    let template = write(
        dir.path(),
        "mine.j2",
        "::: align=center\n{{ title }}\n{{ meeting.chair }}\n:::\n",
    );
    let out = render_with(&data, &template, dir.path().join("x.pdf").to_str().unwrap());
    assert_eq!(out.status.code(), Some(1));
    let message = stderr(&out);
    assert!(message.contains("mine.j2 line 3"), "{message}");
    assert!(message.contains("meeting.chair"), "{message}");
    assert!(!dir.path().join("x.pdf").exists());
}

#[test]
fn a_template_syntax_error_is_an_input_error() {
    let dir = tempfile::tempdir().unwrap();
    let data = write(dir.path(), "r.toml", RECORD);
    let template = write(dir.path(), "bad.j2", "a\nb {% if %}\n");
    let out = render_with(&data, &template, dir.path().to_str().unwrap());
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("bad.j2 line 2"), "{}", stderr(&out));
}

#[test]
fn malformed_markup_names_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let data = write(dir.path(), "r.toml", RECORD);
    let template = write(
        dir.path(),
        "m.j2",
        "{{ title }}\n\n::: columns 40% 60%\nleft\n",
    );
    let out = render_with(&data, &template, dir.path().join("x.pdf").to_str().unwrap());
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("line 3: `::: columns` is never closed"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_ragged_csv_row_is_named_by_line() {
    let dir = tempfile::tempdir().unwrap();
    let data = write(dir.path(), "d.csv", "title,issuer.name\nA,B\nC,D,E\n");
    let out = vanban(&[
        "render",
        &data,
        "-o",
        dir.path().join("out").to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("d.csv:3"), "{}", stderr(&out));
    assert!(files_in(&dir.path().join("out")).is_empty());
}

#[test]
fn a_character_no_font_can_draw_is_named_with_its_code_point() {
    let (dir, out) = render_record(
        ".",
        &RECORD.replace("Nội dung báo cáo.", "Nội dung ☃ báo cáo."),
    );
    assert_fails(
        dir.path(),
        &out,
        1,
        "'☃' (U+2603) in paragraph 8 of the document: «Nội dung ☃ báo cáo.»",
    );
}

#[test]
fn an_unwritable_output_fails_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let data = write(dir.path(), "r.toml", RECORD);
    let blocker = write(dir.path(), "file", "not a folder");
    let target = format!("{blocker}/x.pdf");
    let out = vanban(&["render", &data, "-o", &target]);
    assert_ne!(out.status.code(), Some(0));
    assert!(stderr(&out).contains("file"), "{}", stderr(&out));
    assert_eq!(files_in(dir.path()).len(), 2, "{:?}", files_in(dir.path()));
}

#[test]
fn an_unknown_template_or_format_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let data = write(dir.path(), "r.toml", RECORD);
    let out = vanban(&[
        "render",
        &data,
        "-t",
        "khong-co",
        "-o",
        dir.path().to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("no template `khong-co`"),
        "{}",
        stderr(&out)
    );
    let out = vanban(&[
        "render",
        &data,
        "-f",
        "odt",
        "-o",
        dir.path().to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("unknown format `odt`"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_file_output_writes_only_its_format() {
    let dir = tempfile::tempdir().unwrap();
    let data = write(dir.path(), "r.toml", RECORD);
    let target = dir.path().join("bao-cao.docx");
    let out = vanban(&["render", &data, "-o", target.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let mut files = files_in(dir.path());
    files.sort();
    assert_eq!(files, ["bao-cao.docx", "r.toml"]);
}

#[test]
fn a_folder_output_names_files_after_number_and_date() {
    let dir = tempfile::tempdir().unwrap();
    let data = write(dir.path(), "r.toml", RECORD);
    let out = vanban(&[
        "render",
        &data,
        "-f",
        "pdf",
        "-o",
        dir.path().join("out").to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        files_in(&dir.path().join("out")),
        ["05-BC-SNV_2018-03-13.pdf"]
    );
}

#[test]
fn an_impossible_date_is_named() {
    let (dir, out) = render_record(".", &RECORD.replace("2018-03-13", "2018-02-30"));
    assert_fails(dir.path(), &out, 1, "`2018-02-30` is not a date");
}

#[test]
fn a_referenced_file_outside_the_data_folder_is_refused() {
    let record = RECORD.replace(
        "article = \"Nội dung báo cáo.\"",
        "article = { file = \"../secret.txt\" }",
    );
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "secret.txt", "bí mật");
    let inner = dir.path().join("inner");
    std::fs::create_dir(&inner).unwrap();
    let data = write(&inner, "r.toml", &record);
    let out = vanban(&[
        "render",
        &data,
        "-o",
        dir.path().join("out").to_str().unwrap(),
    ]);
    // A data file that cannot be read whole is an input error: exit status 2.
    assert_fails(
        dir.path(),
        &out,
        2,
        "field `article`: the file `../secret.txt` is outside the data file's folder",
    );
}

#[test]
fn templates_lists_the_built_ins() {
    let out = vanban(&["templates"]);
    assert!(out.status.success());
    let listing = String::from_utf8(out.stdout).unwrap();
    assert!(
        listing.lines().any(|l| l.starts_with("bao-cao ")),
        "{listing}"
    );
}

#[test]
fn several_records_need_a_folder() {
    let dir = tempfile::tempdir().unwrap();
    let data = write(
        dir.path(),
        "d.jsonl",
        "{\"title\": \"A\"}\n{\"title\": \"B\"}\n",
    );
    let out = vanban(&[
        "render",
        &data,
        "-o",
        dir.path().join("x.pdf").to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("holds 2 records"), "{}", stderr(&out));
}

#[test]
fn a_record_is_written_wholly_or_not_at_all() {
    let dir = tempfile::tempdir().unwrap();
    let data = write(dir.path(), "r.toml", RECORD);
    let out_dir = dir.path().join("out");
    // A folder where the DOCX should go makes its rename fail after the PDF is in place.
    std::fs::create_dir_all(out_dir.join("05-BC-SNV_2018-03-13.docx")).unwrap();
    let out = vanban(&["render", &data, "-o", out_dir.to_str().unwrap()]);
    assert_ne!(out.status.code(), Some(0));
    assert!(
        stderr(&out).contains("05-BC-SNV_2018-03-13.docx"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        files_in(&out_dir),
        ["05-BC-SNV_2018-03-13.docx"],
        "the PDF was taken back, no temporary file is left"
    );
}
