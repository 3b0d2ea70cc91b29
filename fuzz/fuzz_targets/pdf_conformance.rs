//! Any text, read as markup, laid out and written as PDF/A-2b, must give a file that
//! conforms (checked by the same validator `vanban inspect` uses) — or an error before any
//! file is written. A property of everything from layout to the bytes of the PDF.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use vanban::export::pdf::{write, PdfFonts, PdfOptions, PdfStandard};
use vanban::fonts::FontBook;
use vanban::markup::{parse, Resources};
use vanban::model::{Metadata, Timestamp};
use vanban::template::Markup;

static FONTS: OnceLock<(FontBook, PdfFonts)> = OnceLock::new();

fuzz_target!(|input: &[u8]| {
    let (fonts, pdf_fonts) = FONTS.get_or_init(|| (FontBook::embedded(), PdfFonts::new()));
    let text = String::from_utf8_lossy(input).into_owned();
    let here = std::path::PathBuf::from("/nonexistent-vanban-fuzz");
    let resources = Resources { base: here.clone(), root: here };
    let markup = Markup { text, template: "fuzz".into() };
    let Ok(document) = parse(&markup, &resources) else { return };
    let Ok(pages) = vanban::layout::lay_out(&document, fonts) else { return };
    let meta = Metadata {
        title: "Báo cáo".into(),
        date: Some(Timestamp::issue_date(2018, 3, 13)),
        ..Metadata::default()
    };
    let options = PdfOptions { standard: PdfStandard::A2b, source: None, bookmarks: Vec::new() };
    let Ok(pdf) = write(&pages, &meta, pdf_fonts, &options) else { return };
    let report = vanban::inspect::inspect(&pdf).expect("a PDF vanban wrote reads back");
    assert!(report.conforms(), "{}", report.render());
});
