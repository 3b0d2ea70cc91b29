//! `vanban templates`, `templates show`, `new` and `check`, user template folders and the
//! template sandbox, run through the real binary.

mod util;

use std::path::Path;
use std::process::Output;

use util::*;
use vanban::template;

#[test]
fn templates_lists_every_built_in_with_its_description_and_shows_one() {
    let out = vanban(&["templates"]);
    assert!(out.status.success());
    let listing = stdout(&out);
    for name in template::listed().map(|b| b.name) {
        assert!(
            listing.lines().any(|l| l.starts_with(&format!("{name} "))),
            "{name} missing:\n{listing}"
        );
    }
    assert!(!listing.contains("_chung"), "{listing}");
    assert!(listing.contains("Biên bản (meeting minutes)"), "{listing}");
    // `show` prints the source to copy: a built-in name with a slash is a name, not a path.
    let out = vanban(&["templates", "show", "dang/bao-cao"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let source = stdout(&out);
    assert!(source.contains("ĐẢNG CỘNG SẢN VIỆT NAM"), "{source}");
    assert!(source.contains("{% block signature"), "{source}");
    let out = vanban(&["templates", "show", "khong-co"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("no template `khong-co`"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn new_prints_a_record_that_checks_and_renders_for_every_built_in() {
    // The yearly summary takes many records at once (`--aggregate`): tests/aggregate.rs.
    let single = template::listed().filter(|b| b.name != template::DEFAULT_AGGREGATE_TEMPLATE);
    for name in single.map(|b| b.name) {
        let out = vanban(&["new", name]);
        assert!(out.status.success(), "{name}: {}", stderr(&out));
        let record = stdout(&out);
        // Commented in Vietnamese with the English in brackets, and valid TOML.
        assert!(
            record.contains("(an example record for the template"),
            "{record}"
        );
        assert!(
            record.contains(&format!("template = \"{name}\"")),
            "{record}"
        );
        let table: toml::Table = toml::from_str(&record).unwrap();
        assert!(table.len() > 2, "{name}: {record}");
        let dir = tempfile::tempdir().unwrap();
        let data = write(dir.path(), "record.toml", &record);
        let out = vanban(&["check", &data]);
        assert!(out.status.success(), "{name}: {}", stdout(&out));
        assert!(stdout(&out).contains(": ok"), "{name}: {}", stdout(&out));
        let out = vanban(&[
            "render",
            &data,
            "-o",
            dir.path().join("out").to_str().unwrap(),
        ]);
        assert!(out.status.success(), "{name}: {}", stderr(&out));
    }
}

#[test]
fn new_describes_every_field_bien_ban_reads() {
    let record = stdout(&vanban(&["new", "bien-ban"]));
    for needle in [
        "# thư ký, người ghi biên bản (secretary, who keeps the minutes)",
        "secretary = \"Lương Thị Mai\"",
        "start = \"08:00\"",
        "end = \"11:30\"",
        "[meeting]",
        "#   name: họ và tên (full name)",
    ] {
        assert!(record.contains(needle), "«{needle}» not in:\n{record}");
    }
    // Minutes have no place and date of issue: the example does not ask for them.
    assert!(!record.contains("\nplace = "), "{record}");
}

const BROKEN: &str = r#"template = "bien-ban"
title = "Hội nghị triển khai nhiệm vụ công tác thông tin đối ngoại năm 2018"
article = "Diễn biến hội nghị."
recipients = "Các thành viên Ban Chỉ đạo"

[issuer]
name = "BAN CHỈ ĐẠO CÔNG TÁC THÔNG TIN ĐỐI NGOẠI"
number = "01/BB-BCĐ"

[meeting]
date = "13.3.2018"
start = "8h00"
end = "11:00"
location = "Hội trường Tỉnh ủy"
participants = ["các thành viên"]
chair = "Trần Thị Thanh Thủy"
secretry = "Lương Thị Mai"
attendees = [{ name = "Lê Thị Minh Hà", titel = "Giám đốc Sở Ngoại vụ" }, { title = "Tổng Biên tập" }]

[signer]
nmae = "Trần Thị Thanh Thủy"
"#;

#[test]
fn check_reports_every_problem_of_a_record_at_once_with_template_lines() {
    let dir = tempfile::tempdir().unwrap();
    let data = write(dir.path(), "r.toml", BROKEN);
    let out = vanban(&["check", &data]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let report = stdout(&out);
    let expected = [
        // missing, with the template and line that use it
        "error: field `meeting.secretary`: missing: add thư ký, người ghi biên bản",
        // mistyped
        "error: field `meeting.date`: `13.3.2018` is not a date",
        "error: field `meeting.start`: `8h00` is not a time of day: write a time like 08:00",
        "error: field `meeting.participants`: is a list; write text",
        // inside a list
        "error: field `meeting.attendees[2].name`: missing",
        "warning: field `meeting.attendees[1].titel`: no template line reads this key of the list (did you mean `title`?)",
        // fields the template never reads, with the likely intended name
        "warning: field `meeting.secretry`: the template bien-ban never reads it (did you mean `meeting.secretary`?)",
        "warning: field `signer.nmae`: the template bien-ban never reads it",
    ];
    for line in expected {
        assert!(report.contains(line), "«{line}» not in:\n{report}");
    }
    assert!(
        report.contains("r.toml (bien-ban): 5 errors, 3 warnings"),
        "{report}"
    );
    // Each error names where the template uses the field.
    for line in report
        .lines()
        .filter(|l| l.trim_start().starts_with("error:"))
    {
        assert!(line.contains("(template "), "{line}");
        assert!(line.contains(", line "), "{line}");
    }
    // A field read by a shared macro is found in the macro the template calls.
    let minutes = std::fs::read_to_string(root().join("templates/_chung.j2")).unwrap();
    let line = minutes
        .lines()
        .position(|l| l.contains("meeting.date | weekday"))
        .unwrap()
        + 1;
    assert!(
        report.contains(&format!(
            "`13.3.2018` is not a date: write a date like 2018-03-13 (YYYY-MM-DD) or 13/03/2018 (an impossible date such as 2018-02-30 is refused) (template _chung, line {line})"
        )),
        "{report}"
    );
}

#[test]
fn check_goes_record_by_record_and_passes_the_samples() {
    let dir = tempfile::tempdir().unwrap();
    let data = write(
        dir.path(),
        "r.csv",
        "title,article,recipients[],issuer.name,issuer.number,issuer.place,issuer.date,signer.position,signer.name\n\
         Kết quả,Nội dung.,Lưu: VT,SỞ NỘI VỤ,05/BC-SNV,Hưng Yên,2018-03-13,GIÁM ĐỐC,Nguyễn Văn A\n\
         Kết quả,Nội dung.,Lưu: VT,SỞ NỘI VỤ,06/BC-SNV,Hưng Yên,2018-02-30,GIÁM ĐỐC,\n",
    );
    let out = vanban(&["check", &data, "-t", "bao-cao"]);
    assert_eq!(out.status.code(), Some(1));
    let report = stdout(&out);
    assert!(report.contains("r.csv:2 (bao-cao): ok"), "{report}");
    assert!(report.contains("r.csv:3 (bao-cao): 2 errors"), "{report}");
    assert!(report.contains("`2018-02-30` is not a date"), "{report}");
    assert!(report.contains("field `signer.name`: missing"), "{report}");
    for sample in [
        "report-day-du.toml",
        "bien-ban.toml",
        "ban-tin.toml",
        "dang-bao-cao.toml",
    ] {
        let out = vanban(&["check", util::sample(sample).to_str().unwrap()]);
        assert!(out.status.success(), "{sample}: {}", stdout(&out));
        assert!(!stdout(&out).contains("warning"), "{}", stdout(&out));
    }
}

#[test]
fn check_finds_a_missing_picture_without_rendering() {
    let dir = tempfile::tempdir().unwrap();
    let record = std::fs::read_to_string(util::sample("tin-bai.toml"))
        .unwrap()
        .replace("{ file = \"tin-bai.txt\" }", "\"Thân bài.\"");
    let data = write(dir.path(), "r.toml", &record);
    let out = vanban(&["check", &data]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).contains("toan-canh.jpg"), "{}", stdout(&out));
    assert!(
        std::fs::read_dir(dir.path()).unwrap().count() == 1,
        "nothing written"
    );
}

/// Renders `r.toml` (RECORD) in `dir` with the template `template` from the folder `dir/mau`.
fn render_in(dir: &Path, template: &str) -> Output {
    let data = write(dir, "r.toml", RECORD);
    vanban(&[
        "render",
        &data,
        "-t",
        template,
        "--templates",
        dir.join("mau").to_str().unwrap(),
        "-o",
        dir.join("out").to_str().unwrap(),
    ])
}

/// The text of the PDF a render wrote into `dir/out`, checked against its PDF/A claim.
fn pdf_written_in(dir: &Path) -> String {
    let pdf = std::fs::read_dir(dir.join("out"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().and_then(|e| e.to_str()) == Some("pdf"))
        .expect("a PDF was written");
    assert_conforms(&pdf);
    normalize(&pdf_text(&pdf, None))
}

/// Renders RECORD with a template from a folder of user templates; returns the folder and the
/// output.
fn render_user(files: &[(&str, &str)], template: &str) -> (tempfile::TempDir, Output) {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        write(dir.path(), &format!("mau/{name}"), text);
    }
    let out = render_in(dir.path(), template);
    (dir, out)
}

#[test]
fn user_templates_come_from_their_folder_and_extend_built_ins() {
    let (dir, out) = render_user(
        &[
            (
                "cua-toi.j2",
                "{% extends \"bao-cao\" %}{% block kind %}BÁO CÁO RIÊNG{% endblock %}{% block opening %}{% include \"phan/mo-dau.j2\" %}{% endblock %}",
            ),
            ("phan/mo-dau.j2", "Mở đầu của {{ issuer.name | lower }}.\n\n"),
        ],
        "cua-toi",
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let text = pdf_written_in(dir.path());
    assert!(text.contains("BÁO CÁO RIÊNG"), "{text}");
    assert!(text.contains("Mở đầu của sở nội vụ."), "{text}");
    assert!(text.contains("Số: 05/BC-SNV"), "{text}");
}

/// Asserts that rendering with the user template fails for this record, names the template
/// and says `needle`, and writes nothing.
fn refused(files: &[(&str, &str)], needle: &str) {
    let (dir, out) = render_user(files, "mau-xau");
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let message = stderr(&out);
    assert!(message.contains(needle), "«{needle}» not in {message}");
    assert!(message.contains("template "), "{message}");
    assert!(
        !dir.path().join("out").exists()
            || std::fs::read_dir(dir.path().join("out")).unwrap().count() == 0
    );
}

#[test]
fn templates_cannot_read_outside_their_folders() {
    refused(
        &[("mau-xau.j2", "{% include \"../r.toml\" %}")],
        "templates load only from the template folders",
    );
    refused(
        &[("mau-xau.j2", "{% include \"/etc/passwd\" %}")],
        "templates load only from the template folders",
    );
    refused(
        &[("mau-xau.j2", "{% include \"khong-co.j2\" %}")],
        "no such template",
    );
    // A link inside the folder that leads out of it.
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "bi-mat.j2", "bí mật");
    write(
        dir.path(),
        "mau/mau-xau.j2",
        "{% include \"lien-ket.j2\" %}",
    );
    #[cfg(unix)]
    std::os::unix::fs::symlink(
        dir.path().join("bi-mat.j2"),
        dir.path().join("mau/lien-ket.j2"),
    )
    .unwrap();
    let out = render_in(dir.path(), "mau-xau");
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("leads outside the template folder"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn templates_cannot_run_commands_loop_forever_or_recurse() {
    // The language has no way to run a program: an unknown function is an error.
    refused(
        &[("mau-xau.j2", "a\n{{ system(\"rm -rf /\") }}\n")],
        "template mau-xau line 2: system is unknown",
    );
    // An endless loop runs out of fuel.
    refused(
        &[(
            "mau-xau.j2",
            "{% for a in range(100000) %}{% for b in range(100000) %}{% endfor %}{% endfor %}",
        )],
        "the template runs too long",
    );
    // A macro that calls itself, and a template that includes itself, stop at the limit.
    refused(
        &[(
            "mau-xau.j2",
            "{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}\n{{ f(0) }}",
        )],
        "nests too deep",
    );
    refused(
        &[("mau-xau.j2", "x\n{% include \"mau-xau.j2\" %}")],
        "nests too deep",
    );
    // Templates that extend each other in a circle.
    refused(
        &[
            ("mau-xau.j2", "{% extends \"vong.j2\" %}"),
            ("vong.j2", "{% extends \"mau-xau.j2\" %}"),
        ],
        "cycle in template inheritance",
    );
}

/// Found by the `templates` fuzz target: minijinja 3.1 panicked compiling
/// `{% import "…" as False %}`. The fuzzer's input is kept as it was found.
#[test]
fn fuzz_templates_import_as_false_is_an_error_not_a_panic() {
    // Through a template folder (-t NAME): the template itself cannot be loaded, which stops
    // the run before any record; a template it includes fails each record that includes it.
    let (dir, out) = render_user(
        &[("mau-xau.j2", "x\n{% import \"_chung\" as False %}")],
        "mau-xau",
    );
    let message = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{message}");
    assert!(
        message.contains("cannot load template `mau-xau`: line 2: `import … as False` needs a variable name after `as`"),
        "{message}"
    );
    assert!(!dir.path().join("out").exists());
    refused(
        &[
            ("mau-xau.j2", "{% include \"phan.j2\" %}"),
            ("phan.j2", "{% import \"_chung\" as 1 -%}"),
        ],
        "cannot load template `phan.j2`: line 1: `import … as 1` needs a variable name",
    );
    // The fuzzer's own input, as a template file (-t PATH).
    let dir = tempfile::tempdir().unwrap();
    let found = root().join("tests/regressions/fuzz-templates-import-as-false.j2");
    let out = vanban(&[
        "render",
        sample("report.toml").to_str().unwrap(),
        "-t",
        found.to_str().unwrap(),
        "-o",
        dir.path().join("out").to_str().unwrap(),
    ]);
    let message = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{message}");
    assert!(
        message.contains("fuzz-templates-import-as-false.j2 line 7: `import … as False`"),
        "{message}"
    );
    assert!(!message.contains("panicked"), "{message}");
    assert!(!dir.path().join("out").exists());
}

/// A template in a --templates folder that does not parse used to be reported as missing
/// ("no template `mau-xau`"); the syntax error is what the user needs to see.
#[test]
fn a_folder_template_with_a_syntax_error_is_not_reported_missing() {
    let (_dir, out) = render_user(&[("mau-xau.j2", "Dòng một\n{% if %}\n")], "mau-xau");
    let message = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{message}");
    assert!(!message.contains("no template"), "{message}");
    assert!(message.contains("template mau-xau line 2: "), "{message}");
}

/// A template saved by Notepad on Vietnamese Windows (Windows-1258, "ANSI") used to be refused
/// as a file that "cannot be read"; it is read like a data file in that encoding.
#[test]
fn a_template_saved_in_windows_1258_is_read() {
    use vanban::encoding::{encode, Encoding};
    let dir = tempfile::tempdir().unwrap();
    let source = "{% extends \"bao-cao\" %}{% block kind %}BÁO CÁO RIÊNG của Sở{% endblock %}";
    let folder = dir.path().join("mau");
    std::fs::create_dir_all(&folder).unwrap();
    let bytes = encode(source, Encoding::Windows1258).unwrap();
    assert!(std::str::from_utf8(&bytes).is_err(), "not UTF-8");
    std::fs::write(folder.join("ansi.j2"), bytes).unwrap();
    let out = render_in(dir.path(), "ansi");
    assert!(out.status.success(), "{}", stderr(&out));
    let text = pdf_written_in(dir.path());
    assert!(text.contains("BÁO CÁO RIÊNG của Sở"), "{text}");
}
