//! Layout rules checked on the laid-out pages of the samples, and a readable layout snapshot.
//!
//! `UPDATE=1 cargo test --test layout` rewrites the snapshot; a missing snapshot is written and
//! the test fails, so that a person looks at it first.

mod util;

use std::collections::BTreeMap;

use vanban::data::{load, LoadOptions};
use vanban::layout::{self, Item, Page};
use vanban::model::{Block, Document};
use vanban::template::Templates;
use vanban::Engine;

fn laid_out(sample: &str) -> (Document, Vec<Page>) {
    let engine = Engine::new(Templates::new());
    let record = load(&util::sample(sample), &LoadOptions::default())
        .unwrap()
        .remove(0);
    let document = engine.document(&record, "bao-cao").unwrap();
    let pages = layout::lay_out(&document, engine.fonts()).unwrap();
    (document, pages)
}

/// For each body paragraph, the baselines of its lines on each page.
fn lines_per_page(pages: &[Page]) -> BTreeMap<usize, BTreeMap<usize, Vec<f32>>> {
    let mut map: BTreeMap<usize, BTreeMap<usize, Vec<f32>>> = BTreeMap::new();
    for page in pages {
        for item in &page.items {
            if let Item::Text(text) = item {
                if text.paragraph == 0 {
                    continue;
                }
                let baselines = map
                    .entry(text.paragraph)
                    .or_default()
                    .entry(page.number)
                    .or_default();
                if !baselines.iter().any(|b| (b - text.y).abs() < 0.01) {
                    baselines.push(text.y);
                }
            }
        }
    }
    map
}

#[test]
fn no_paragraph_leaves_a_single_line_at_a_page_foot_or_head() {
    let (_, pages) = laid_out("bao-cao-nam.toml");
    assert!(pages.len() >= 4);
    let mut split = 0;
    for (paragraph, by_page) in lines_per_page(&pages) {
        if by_page.len() > 1 {
            split += 1;
            for (page, lines) in &by_page {
                assert!(
                    lines.len() >= 2,
                    "paragraph {paragraph} has a lone line on page {page}: {by_page:?}"
                );
            }
        }
    }
    assert!(
        split > 0,
        "the long sample splits some paragraph across pages"
    );
}

#[test]
fn headings_stay_with_the_paragraph_after_them() {
    let (document, pages) = laid_out("bao-cao-nam.toml");
    let per_page = lines_per_page(&pages);
    let paragraphs: Vec<_> = document
        .body
        .iter()
        .filter_map(|b| match b {
            Block::Paragraph(p) => Some(p),
            _ => None,
        })
        .collect();
    let mut checked = 0;
    for pair in paragraphs.windows(2) {
        if pair[0].heading.is_none() {
            continue;
        }
        let heading_page = *per_page[&pair[0].number].keys().last().unwrap();
        let next_first_page = *per_page[&pair[1].number].keys().next().unwrap();
        assert_eq!(
            heading_page,
            next_first_page,
            "heading {} is cut from its text",
            pair[0].plain_text()
        );
        checked += 1;
    }
    assert!(checked >= 5, "the long sample has headings");
}

#[test]
fn justified_lines_end_on_the_right_margin() {
    let (_, pages) = laid_out("report.toml");
    let right = (210.0 - 15.0) * 72.0 / 25.4;
    let mut rows: BTreeMap<(usize, i64), f32> = BTreeMap::new();
    for page in &pages {
        for item in &page.items {
            if let Item::Text(text) = item {
                let key = (page.number, (text.y * 10.0) as i64);
                let end = rows.entry(key).or_insert(0.0);
                *end = end.max(text.x + text.width());
            }
        }
    }
    let flush = rows
        .values()
        .filter(|&&end| (end - right).abs() < 0.05)
        .count();
    assert!(flush >= 15, "{flush} lines end on the margin");
    assert!(
        rows.values().all(|&end| end <= right + 0.05),
        "no line runs into the margin"
    );
}

#[test]
fn layout_of_the_report_matches_its_snapshot() {
    let (_, pages) = laid_out("report.toml");
    let dump = layout::dump(&pages);
    let path = util::root().join("tests/ref/layout/report.txt");
    if std::env::var_os("UPDATE").is_some() || !path.exists() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        let existed = path.exists();
        std::fs::write(&path, &dump).unwrap();
        assert!(
            existed,
            "new snapshot written to {}: look at it, then run again",
            path.display()
        );
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap();
    if expected != dump {
        let actual = path.with_extension("actual.txt");
        std::fs::write(&actual, &dump).unwrap();
        panic!(
            "layout changed: diff {} {} (UPDATE=1 accepts it)",
            path.display(),
            actual.display()
        );
    }
}

#[test]
fn a_row_taller_than_a_page_is_split_between_its_lines() {
    use vanban::markup::{parse, Resources};
    use vanban::template::Markup;
    let long = "Nội dung rất dài của một ô trong bảng. ".repeat(400);
    let text = format!("| Mục | Nội dung |\n|---|---|\n| 1 | {long} |\n| 2 | Ngắn. |\n");
    let here = std::path::PathBuf::from(".");
    let markup = Markup {
        text,
        template: "test".into(),
    };
    let document = parse(
        &markup,
        &Resources {
            base: here.clone(),
            root: here,
        },
    )
    .unwrap();
    let engine = Engine::new(Templates::new());
    let pages = layout::lay_out(&document, engine.fonts()).unwrap();
    assert!(pages.len() >= 3, "{} pages", pages.len());
    let bottom = (297.0 - 20.0) * 72.0 / 25.4;
    let mut cell_text = String::new();
    for page in &pages {
        let texts: Vec<&layout::TextItem> = page
            .items
            .iter()
            .filter_map(|i| match i {
                Item::Text(t) => Some(t),
                _ => None,
            })
            .collect();
        assert!(
            texts.iter().all(|t| t.y <= bottom),
            "page {} runs into the margin",
            page.number
        );
        // Every page opens with the header row.
        assert_eq!(texts[0].text, "Mục", "page {}", page.number);
        // The second column's lines, less its header cell and the next row's.
        let second_column = 30.0 * 72.0 / 25.4 + 40.0;
        for t in texts
            .iter()
            .filter(|t| t.x > second_column && t.text != "Nội dung" && t.text != "Ngắn.")
        {
            cell_text.push_str(&t.text);
            cell_text.push(' ');
        }
    }
    let words = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    assert_eq!(
        words(&cell_text),
        words(&long),
        "the cell's text is whole and in order"
    );
}

/// Lays out markup written directly (no template), with the embedded fonts.
fn laid_out_markup(text: &str) -> Vec<Page> {
    let here = std::path::PathBuf::from(".");
    let document = vanban::markup::parse(
        &vanban::template::Markup {
            text: text.to_string(),
            template: "test".into(),
        },
        &vanban::markup::Resources {
            base: here.clone(),
            root: here,
        },
    )
    .unwrap();
    layout::lay_out(&document, &vanban::fonts::FontBook::embedded()).unwrap()
}

fn page_texts(page: &Page) -> Vec<(f32, f32, String)> {
    page.items
        .iter()
        .filter_map(|i| match i {
            Item::Text(t) => Some((t.x, t.y, t.text.clone())),
            _ => None,
        })
        .collect()
}

#[test]
fn a_story_that_turns_the_page_says_where_it_goes_on_and_where_it_came_from() {
    let paragraph = "Công tác thông tin đối ngoại được triển khai với nội dung, hình thức phong phú; hoạt động đối ngoại của lãnh đạo tỉnh được thông tin kịp thời trên báo chí của tỉnh.";
    let long: Vec<String> = (1..=60).map(|i| format!("Đoạn {i}. {paragraph}")).collect();
    let markup = format!(
        "::: flow 2 gap=6mm\n::: story\n::: continued align=right italic\n(Xem tiếp trang <page/>)\n:::\n::: continued-from italic indent=0\n(Tiếp theo trang <page/>)\n:::\nBài ngắn.\n:::\n::: story\n::: continued align=right italic\n(Xem tiếp trang <page/>)\n:::\n::: continued-from italic indent=0\n(Tiếp theo trang <page/>)\n:::\n{}\n:::\n:::\n",
        long.join("\n\n")
    );
    let pages = laid_out_markup(&markup);
    assert!(pages.len() >= 3, "{} pages", pages.len());
    let left_margin = 30.0 * 72.0 / 25.4;
    for (index, page) in pages.iter().enumerate() {
        let texts = page_texts(page);
        let notes_out: Vec<&(f32, f32, String)> = texts
            .iter()
            .filter(|t| t.2.starts_with("(Xem tiếp"))
            .collect();
        let notes_in: Vec<&(f32, f32, String)> = texts
            .iter()
            .filter(|t| t.2.starts_with("(Tiếp theo"))
            .collect();
        let last = index + 1 == pages.len();
        // Every page but the last ends with one note, in the right column, below every line.
        if last {
            assert!(notes_out.is_empty());
        } else {
            assert_eq!(notes_out.len(), 1, "page {}", index + 1);
            let note = notes_out[0];
            assert_eq!(note.2, format!("(Xem tiếp trang {})", index + 2));
            assert!(note.0 > page.width / 2.0);
            assert!(texts.iter().all(|t| t.1 <= note.1 + 0.01));
        }
        // Every page but the first opens with the other, at the head of the left column.
        if index == 0 {
            assert!(notes_in.is_empty());
        } else {
            assert_eq!(notes_in.len(), 1, "page {}", index + 1);
            let note = notes_in[0];
            assert_eq!(note.2, format!("(Tiếp theo trang {})", index));
            assert!((note.0 - left_margin).abs() < 0.5);
            assert!(texts.iter().all(|t| t.1 >= note.1 - 0.01));
        }
        // Two columns: every line starts at one of two left edges (or its first-line indent).
        let starts: std::collections::BTreeSet<i32> = texts
            .iter()
            .filter(|t| !t.2.starts_with('('))
            .map(|t| (t.0 / 10.0) as i32)
            .collect();
        assert!(starts.len() <= 4, "{starts:?}");
    }
}
