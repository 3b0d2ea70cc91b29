//! The template library: each built-in renders its sample to PDF and DOCX, and the key strings,
//! sizes and positions of its format are read back from the output.

mod util;

use std::path::PathBuf;

use util::*;
use vanban::data::{load, LoadOptions};
use vanban::fonts::Face4;
use vanban::layout::{self, Item, Page};
use vanban::template::{self, Templates};
use vanban::Engine;

/// Renders a sample to PDF and DOCX; returns the folder (kept alive), the PDF's text and the
/// DOCX's text.
fn rendered(name: &str) -> (tempfile::TempDir, PathBuf, String, String) {
    let dir = tempfile::tempdir().unwrap();
    let (pdf, docx) = render_to(&sample(name), dir.path());
    let text = normalize(&pdf_text(&pdf, None));
    let docx_text = normalize(&docx_text(&docx));
    (dir, pdf, text, docx_text)
}

/// Asserts that both the PDF and the DOCX say each string.
fn says(pdf: &str, docx: &str, needles: &[&str]) {
    for needle in needles {
        assert!(pdf.contains(needle), "PDF lacks «{needle}»:\n{pdf}");
        assert!(docx.contains(needle), "DOCX lacks «{needle}»:\n{docx}");
    }
}

/// The sample laid out by the library, with its template's name.
fn pages(name: &str) -> Vec<Page> {
    let engine = Engine::new(Templates::new());
    let record = load(&sample(name), &LoadOptions::default())
        .unwrap()
        .remove(0);
    let template = engine.template_for(&record, None).to_string();
    let document = engine.document(&record, &template).unwrap();
    layout::lay_out(&document, engine.fonts()).unwrap()
}

/// The text runs of a page: text, face, size, x, baseline.
fn runs(page: &Page) -> Vec<(String, Face4, f32, f32, f32)> {
    page.items
        .iter()
        .filter_map(|item| match item {
            Item::Text(t) => Some((t.text.clone(), t.face, t.size, t.x, t.y)),
            _ => None,
        })
        .collect()
}

fn run<'a>(page: &'a Page, text: &str) -> &'a vanban::layout::TextItem {
    page.items
        .iter()
        .find_map(|item| match item {
            Item::Text(t) if t.text.trim() == text => Some(t),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no run «{text}» in {:?}", runs(page)))
}

/// The first run of a page that starts with `prefix` (a line of a wrapped paragraph).
fn run_starting<'a>(page: &'a Page, prefix: &str) -> &'a vanban::layout::TextItem {
    page.items
        .iter()
        .find_map(|item| match item {
            Item::Text(t) if t.text.starts_with(prefix) => Some(t),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no run starting «{prefix}» in {:?}", runs(page)))
}

fn word<'a>(words: &'a [Word], text: &str) -> &'a Word {
    words
        .iter()
        .find(|w| w.text == text)
        .unwrap_or_else(|| panic!("no word «{text}»"))
}

#[test]
fn every_built_in_has_a_sample_that_names_it() {
    let samples = std::fs::read_dir(root().join("samples/hung-yen-2018"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().and_then(|e| e.to_str()) == Some("toml"))
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect::<Vec<_>>();
    // The yearly summary's sample is a whole batch: samples/chuyen-doi-so-2019/hop.csv.
    let single = template::listed().filter(|b| b.name != template::DEFAULT_AGGREGATE_TEMPLATE);
    for builtin in single {
        let line = format!("template = \"{}\"", builtin.name);
        assert!(
            samples.iter().any(|s| s.contains(&line)),
            "no sample for {}",
            builtin.name
        );
    }
}

#[test]
fn bien_ban_has_no_place_and_date_in_its_header_and_two_signatures() {
    let (_dir, pdf, text, docx) = rendered("bien-ban.toml");
    says(
        &text,
        &docx,
        &[
            "BIÊN BẢN",
            "Số: 01/BB-BCĐ",
            "Thời gian bắt đầu: 08 giờ 00, thứ Ba, ngày 13 tháng 3 năm 2018.",
            "Địa điểm: Hội trường Tỉnh ủy Hưng Yên.",
            "Hội nghị kết thúc vào 11 giờ 00 cùng ngày./.",
            "THƯ KÝ",
            "CHỦ TỌA",
            "- Lưu: VT, Hồ sơ.",
        ],
    );
    // Mẫu 1.9: no place and date line above the title.
    let header = text.split("BIÊN BẢN").next().unwrap();
    assert!(!header.contains(", ngày"), "{header}");
    assert!(!header.contains("Hưng Yên,"), "{header}");
    // The form's order of the fields.
    let order = strings(&[
        "Thời gian bắt đầu:",
        "Địa điểm:",
        "Thành phần tham dự:",
        "Chủ trì: đồng chí Trần Thị Thanh Thủy",
        "Thư ký: đồng chí Lương Thị Mai",
        "Nội dung hội nghị:",
        "Kết luận:",
        "kết thúc vào",
        "THƯ KÝ",
        "Nơi nhận:",
    ]);
    assert_paragraphs_in_order(&text, &order);
    // The secretary's and the chair's titles stand on one row, secretary left.
    let words = words(&pdf);
    let secretary = word(&words, "KÝ");
    let chair = word(&words, "TỌA");
    assert!((secretary.y_min - chair.y_min).abs() < 1.0);
    assert!(secretary.x_max < chair.x_min);
}

#[test]
fn thong_bao_states_the_conclusions_and_ends_with_the_closing_mark() {
    let (_dir, _pdf, text, docx) = rendered("thong-bao.toml");
    says(
        &text,
        &docx,
        &[
            "THÔNG BÁO",
            "Số: 16/TB-BCĐ",
            "Hưng Yên, ngày 15 tháng 3 năm 2018",
            "đồng chí Trưởng Ban Chỉ đạo kết luận như sau:",
            "vị thế của tỉnh trong nước và quốc tế./.",
            "KT. TRƯỞNG BAN",
            "PHÓ TRƯỞNG BAN",
        ],
    );
    assert!(text.find("kết luận như sau:") < text.find("1. Năm 2017"));
}

#[test]
fn ke_hoach_holds_its_sections_and_the_table_of_tasks() {
    let (_dir, pdf, text, docx) = rendered("ke-hoach.toml");
    says(
        &text,
        &docx,
        &[
            "KẾ HOẠCH",
            "Số: 17/KH-BCĐ",
            "I. MỤC ĐÍCH, YÊU CẦU",
            "II. NỘI DUNG",
            "III. TỔ CHỨC THỰC HIỆN",
            "Đơn vị chủ trì",
            "Báo Hưng Yên",
            "./.",
        ],
    );
    // The table's rows are rows: the task and its unit share a line.
    let page = (1..=page_count(&pdf))
        .map(|p| pdf_page_layout(&pdf, p))
        .find(|t| t.contains("Đơn vị chủ trì"))
        .unwrap();
    assert!(
        page.lines()
            .any(|l| l.contains("Biên soạn tài liệu") && l.contains("Sở Ngoại vụ")),
        "{page}"
    );
}

#[test]
fn giay_moi_invites_with_time_place_and_chair() {
    let (_dir, _pdf, text, docx) = rendered("giay-moi.toml");
    says(
        &text,
        &docx,
        &[
            "GIẤY MỜI",
            "Số: 03/GM-BCĐ",
            "Ban Chỉ đạo công tác thông tin đối ngoại tỉnh trân trọng kính mời:",
            "- Lãnh đạo các sở, ban, ngành thành viên;",
            "Tới dự hội nghị triển khai nhiệm vụ công tác thông tin đối ngoại năm 2018.",
            "Chủ trì: đồng chí Trần Thị Thanh Thủy",
            "Thời gian: 08 giờ 00, thứ Ba, ngày 13 tháng 3 năm 2018.",
            "Địa điểm: Hội trường Tỉnh ủy Hưng Yên.",
            "- Như trên;",
            "TM. BAN CHỈ ĐẠO",
            "KT. TRƯỞNG BAN",
        ],
    );
}

#[test]
fn cong_van_has_no_type_name_and_its_subject_under_the_number() {
    let (_dir, pdf, text, docx) = rendered("cong-van.toml");
    says(
        &text,
        &docx,
        &[
            "Số: 25/BCĐ-TTĐN",
            "V/v xây dựng kế hoạch thông tin đối ngoại năm 2018",
            "Kính gửi:",
            "- Các sở, ban, ngành thành viên Ban Chỉ đạo;",
            "- Ủy ban nhân dân các huyện, thành phố.",
            "Nơi nhận: - Như trên; - Thường trực Tỉnh ủy (b/c); - Lưu: VT, TTĐN.",
        ],
    );
    assert!(!text.contains("CÔNG VĂN"), "{text}");
    assert!(!text.contains("/CV-"), "{text}");
    // V/v sits under Số, in the left column, about 6 pt below.
    let words = words(&pdf);
    let number = word(&words, "Số:");
    let subject = word(&words, "V/v");
    assert!(subject.y_min > number.y_max, "{subject:?} {number:?}");
    assert!(
        subject.y_min - number.y_max < 12.0,
        "{subject:?} {number:?}"
    );
    assert!(subject.x_max < 595.0 * 0.45);
}

#[test]
fn to_trinh_is_addressed_upward() {
    let (_dir, _pdf, text, docx) = rendered("to-trinh.toml");
    says(
        &text,
        &docx,
        &[
            "TỜ TRÌNH",
            "Số: 05/TTr-BCĐ",
            "Kính gửi: Ủy ban nhân dân tỉnh Hưng Yên",
            "kính trình Ủy ban nhân dân tỉnh xem xét, phê duyệt Kế hoạch./.",
            "- Như trên;",
        ],
    );
}

#[test]
fn party_report_follows_hd_05() {
    let (_dir, pdf, text, docx) = rendered("dang-bao-cao.toml");
    says(
        &text,
        &docx,
        &[
            "ĐẢNG CỘNG SẢN VIỆT NAM",
            "TỈNH UỶ HƯNG YÊN",
            "Số 15-BC/BCĐ",
            "Hưng Yên, ngày 13 tháng 3 năm 2018",
            "BÁO CÁO",
            "kết quả hội nghị triển khai nhiệm vụ công tác thông tin đối ngoại năm 2018",
            "TRƯỞNG BAN TUYÊN GIÁO kiêm TRƯỞNG BAN CHỈ ĐẠO",
            "- Lưu Ban Tuyên giáo Tỉnh uỷ.",
        ],
    );
    // No state elements: no national name or motto, no "Số:", no "./.".
    for absent in ["CỘNG HÒA", "Độc lập - Tự do", "Số:", "./.", "Lưu: VT"] {
        assert!(!text.contains(absent), "«{absent}» in {text}");
    }
    // The "*" stands alone under the issuer, above the number.
    let words = words(&pdf);
    let star = word(&words, "*");
    let issuer = word(&words, "ĐẠO");
    let number = word(&words, "15-BC/BCĐ");
    assert!(issuer.y_max <= star.y_min + 1.0 && star.y_max <= number.y_min + 1.0);
    // Five hyphens under the title (poppler reads a line-final hyphen as hyphenation, so the
    // DOCX's text is the witness here).
    assert!(docx.contains("năm 2018 -----"), "{docx}");
    // The text ends with a full stop of its own.
    assert!(text.contains("đạt kết quả cao hơn. Nơi nhận:"), "{text}");
}

#[test]
fn party_report_sizes_lines_and_underlined_noi_nhan() {
    let pages = pages("dang-bao-cao.toml");
    let first = &pages[0];
    let title = run(first, "ĐẢNG CỘNG SẢN VIỆT NAM");
    assert_eq!((title.face, title.size), (Face4::Bold, 15.0));
    let kind = run(first, "BÁO CÁO");
    assert_eq!((kind.face, kind.size), (Face4::Bold, 16.0));
    let number = run(first, "Số 15-BC/BCĐ");
    assert_eq!((number.face, number.size), (Face4::Regular, 14.0));
    let date = run(first, "Hưng Yên, ngày 13 tháng 3 năm 2018");
    assert_eq!((date.face, date.size), (Face4::Italic, 14.0));
    // The number and the date share a baseline; the rule under the title is as long as it.
    assert!((number.y - date.y).abs() < 0.01);
    let rule = first
        .items
        .iter()
        .find_map(|i| match i {
            Item::Rule(r) if r.y > title.y && r.y < title.y + 8.0 => Some(*r),
            _ => None,
        })
        .expect("a rule under the title");
    assert!((rule.width - title.width()).abs() < 0.5, "{rule:?}");
    // Body lines: exactly 18 pt apart (HD 05: 18–22 pt, exact).
    let body: Vec<f32> = first
        .items
        .iter()
        .filter_map(|i| match i {
            Item::Text(t) if t.size == 14.0 && t.face == Face4::Regular && t.paragraph > 0 => {
                Some(t.y)
            }
            _ => None,
        })
        .collect();
    let steps: Vec<f32> = body
        .windows(2)
        .map(|w| w[1] - w[0])
        .filter(|d| *d > 0.1 && *d < 20.0)
        .collect();
    assert!(steps.len() > 5, "{steps:?}");
    assert!(steps.iter().all(|d| (d - 18.0).abs() < 0.01), "{steps:?}");
    // "Nơi nhận" is 14 pt and underlined, its colon not.
    let last = pages.last().unwrap();
    let label = run(last, "Nơi nhận:");
    assert_eq!((label.face, label.size), (Face4::Regular, 14.0));
    let underline = last
        .items
        .iter()
        .find_map(|i| match i {
            Item::Rule(r)
                if r.y > label.y && r.y < label.y + 4.0 && (r.x - label.x).abs() < 0.1 =>
            {
                Some(*r)
            }
            _ => None,
        })
        .expect("an underline under Nơi nhận");
    let words = vanban::fonts::FontBook::embedded().measure("Nơi nhận", &style(14.0));
    assert!(
        (underline.width - words).abs() < 0.1,
        "{underline:?} {words}"
    );
    assert!(underline.width < label.width() - 2.0);
}

fn style(size: f32) -> vanban::model::TextStyle {
    vanban::model::TextStyle {
        size,
        bold: false,
        italic: false,
        underline: false,
    }
}

#[test]
fn party_report_docx_has_exact_lines_and_an_underline() {
    let dir = tempfile::tempdir().unwrap();
    let (_, docx) = render_to(&sample("dang-bao-cao.toml"), dir.path());
    let xml = document_xml(&docx);
    assert!(
        xml.contains(r#"w:line="360" w:lineRule="exact""#),
        "no exact 18 pt lines"
    );
    assert!(xml.contains(r#"<w:u w:val="single" />"#), "no underline");
}

#[test]
fn party_minutes_keep_place_and_date_and_sign_as_hd_05_says() {
    let (_dir, _pdf, text, docx) = rendered("dang-bien-ban.toml");
    says(
        &text,
        &docx,
        &[
            "ĐẢNG CỘNG SẢN VIỆT NAM",
            "Số 01-BB/BCĐ",
            "Hưng Yên, ngày 13 tháng 3 năm 2018",
            "BIÊN BẢN",
            "NGƯỜI GHI BIÊN BẢN",
            "CHỦ TRÌ HỘI NGHỊ",
            "Hội nghị kết thúc vào 11 giờ 00 cùng ngày.",
        ],
    );
    assert!(!text.contains("./."), "{text}");
}

#[test]
fn party_notice_is_signed_for_the_standing_committee() {
    let (_dir, _pdf, text, docx) = rendered("dang-thong-bao.toml");
    says(
        &text,
        &docx,
        &[
            "THÔNG BÁO",
            "Số 125-TB/TU",
            "T/M BAN THƯỜNG VỤ",
            "PHÓ BÍ THƯ",
            "Ban Thường vụ Tỉnh uỷ tổ chức hội nghị",
            "trước ngày 15/12/2018.",
        ],
    );
    // The Tỉnh uỷ's own documents have no parent line: the issuer stands alone, in bold.
    let pages = pages("dang-thong-bao.toml");
    let issuer = run(&pages[0], "TỈNH UỶ HƯNG YÊN");
    assert_eq!(issuer.face, Face4::Bold);
}

#[test]
fn party_plan_and_letter() {
    let (_dir, _pdf, text, docx) = rendered("dang-ke-hoach.toml");
    says(
        &text,
        &docx,
        &[
            "KẾ HOẠCH",
            "Số 04-KH/BCĐ",
            "I- MỤC ĐÍCH, YÊU CẦU",
            "Đơn vị chủ trì",
        ],
    );
    let (_dir, pdf, text, docx) = rendered("dang-cong-van.toml");
    says(
        &text,
        &docx,
        &[
            "Số 20-CV/BCĐ",
            "về việc cung cấp thông tin cho bản tin Thông tin đối ngoại",
            "Kính gửi:",
            "- Các sở, ban, ngành thành viên Ban Chỉ đạo;",
            "- Các huyện uỷ, thành uỷ;",
            "K/T TRƯỞNG BAN",
            "- Như trên;",
        ],
    );
    assert!(!text.contains("V/v"), "{text}");
    // The subject is 12 pt italic, under the number.
    let pages = pages("dang-cong-van.toml");
    let subject = pages[0]
        .items
        .iter()
        .find_map(|i| match i {
            Item::Text(t) if t.text.starts_with("về việc") => Some(t),
            _ => None,
        })
        .unwrap();
    assert_eq!((subject.face, subject.size), (Face4::Italic, 12.0));
    let words = words(&pdf);
    assert!(word(&words, "về").y_min > word(&words, "20-CV/BCĐ").y_max);
}

#[test]
fn tin_bai_has_headline_lead_photo_body_and_byline() {
    let (_dir, _pdf, text, docx) = rendered("tin-bai.toml");
    says(
        &text,
        &docx,
        &[
            "THÔNG TIN ĐỐI NGOẠI · Thứ Ba, ngày 13 tháng 3 năm 2018",
            "Ban Chỉ đạo công tác thông tin đối ngoại tỉnh triển khai nhiệm vụ năm 2018",
            "Sáng 13/3, Ban Chỉ đạo",
            "Quang cảnh hội nghị",
            "Thu Hà",
        ],
    );
    let order = strings(&["Sáng 13/3", "Quang cảnh hội nghị", "Theo báo cáo", "Thu Hà"]);
    assert_paragraphs_in_order(&text, &order);
    let pages = pages("tin-bai.toml");
    let headline = run_starting(&pages[0], "Ban Chỉ đạo công tác thông tin đối ngoại tỉnh");
    assert_eq!((headline.face, headline.size), (Face4::Bold, 20.0));
    assert!(pages[0].items.iter().any(|i| matches!(i, Item::Image(_))));
    // The byline is the last line, flush right.
    let last = pages.last().unwrap();
    let byline = run(last, "Thu Hà");
    let setup_right = 210.0 / 25.4 * 72.0 - 20.0 / 25.4 * 72.0;
    assert!((byline.x + byline.width() - setup_right).abs() < 0.5);
}

/// The x ranges of the body text on a page, split at the page's middle.
fn column_extents(page: &Page) -> (f32, f32, f32, f32) {
    let middle = page.width / 2.0;
    let mut left = (f32::MAX, f32::MIN);
    let mut right = (f32::MAX, f32::MIN);
    for item in &page.items {
        if let Item::Text(t) = item {
            // Body text only: not the running head, the masthead or the colophon.
            if t.paragraph == 0 || t.size > 16.0 || t.size < 10.0 || t.width() > page.width / 2.0 {
                continue;
            }
            let side = if t.x < middle { &mut left } else { &mut right };
            side.0 = side.0.min(t.x);
            side.1 = side.1.max(t.x + t.width());
        }
    }
    (left.0, left.1, right.0, right.1)
}

#[test]
fn ban_tin_flows_in_two_columns_with_continued_notes() {
    let (_dir, pdf, text, docx) = rendered("ban-tin.toml");
    says(
        &text,
        &docx,
        &[
            "BAN CHỈ ĐẠO CÔNG TÁC THÔNG TIN ĐỐI NGOẠI TỈNH HƯNG YÊN",
            "THÔNG TIN ĐỐI NGOẠI",
            "Số 03",
            "Thứ Sáu, ngày 30 tháng 3 năm 2018",
            "Quang cảnh hội nghị",
            "Chịu trách nhiệm xuất bản: Trần Thị Thanh Thủy.",
        ],
    );
    let titles = strings(&[
        "Triển khai nhiệm vụ công tác thông tin đối ngoại năm 2018",
        "Quảng bá hình ảnh Hưng Yên tới bạn bè quốc tế",
        "Thông tin kịp thời về xúc tiến đầu tư, thương mại",
        "Hướng về quê hương",
        "Chủ động đấu tranh với thông tin sai trái",
    ]);
    assert_paragraphs_in_order(&text, &titles);
    // An article runs over: its note at the foot of page 1, the other at the head of page 2.
    assert!(page_count(&pdf) >= 2);
    let first = normalize(&pdf_text(&pdf, Some((1, 1))));
    let second = normalize(&pdf_text(&pdf, Some((2, 2))));
    assert!(first.ends_with("(Xem tiếp trang 2)"), "{first}");
    assert!(second.contains("(Tiếp theo trang 1)"), "{second}");
    // Two columns that do not overlap, the gap between them.
    let pages = pages("ban-tin.toml");
    for page in &pages {
        let (l0, l1, r0, r1) = column_extents(page);
        assert!(
            l1 < r0,
            "columns overlap on page {}: {l0} {l1} {r0} {r1}",
            page.number
        );
        assert!(r0 - l1 > 15.0, "no gap on page {}", page.number);
    }
    // The last page's columns are balanced: their feet within a few lines of each other.
    let last = pages.last().unwrap();
    let middle = last.width / 2.0;
    let foot = |right: bool| {
        last.items
            .iter()
            .filter_map(|i| match i {
                Item::Text(t)
                    if t.paragraph > 0
                        && (t.x >= middle) == right
                        && (10.0..=11.0).contains(&t.size) =>
                {
                    Some(t.y)
                }
                _ => None,
            })
            .fold(0.0, f32::max)
    };
    assert!(
        (foot(false) - foot(true)).abs() < 40.0,
        "{} {}",
        foot(false),
        foot(true)
    );
    // The DOCX sets the flow in a continuous section with two Word columns.
    let dir = tempfile::tempdir().unwrap();
    let (_, docx) = render_to(&sample("ban-tin.toml"), dir.path());
    let xml = document_xml(&docx);
    assert!(xml.contains(r#"w:num="2""#), "no two-column section");
    assert!(xml.contains(r#"<w:type w:val="continuous" />"#));
}

#[test]
fn a_user_template_extends_the_report_and_overrides_its_blocks() {
    let dir = tempfile::tempdir().unwrap();
    let out = vanban(&[
        "render",
        sample("bao-cao-nhanh.toml").to_str().unwrap(),
        "--templates",
        sample("mau").to_str().unwrap(),
        "-o",
        dir.path().to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let pdf = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().and_then(|e| e.to_str()) == Some("pdf"))
        .unwrap();
    let text = normalize(&pdf_text(&pdf, None));
    for needle in [
        // the built-in header, kept through super()
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Số: 14/BC-BCĐ",
        // the header's addition, the type name, the opening and the body's last line
        "KHẨN",
        "BÁO CÁO NHANH",
        "Thực hiện chỉ đạo của Thường trực Tỉnh ủy, Ban Chỉ đạo công tác thông tin đối ngoại tỉnh báo cáo nhanh",
        "trước ngày 20 tháng 3 năm 2018./.",
        // the recipients block with its addition, and the built-in signature
        "- Lưu: VT. TTH.(05)",
        "TM. BAN CHỈ ĐẠO",
    ] {
        assert!(text.contains(needle), "«{needle}» not in {text}");
    }
    assert!(
        !text.contains("BÁO CÁO Kết quả"),
        "the type name was replaced"
    );
}
