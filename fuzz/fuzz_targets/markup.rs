//! Any text, read as markup and laid out into pages, must give pages or an error naming the
//! line, never a panic or an endless loop.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use vanban::fonts::FontBook;
use vanban::markup::{parse, Resources};
use vanban::template::Markup;

static FONTS: OnceLock<FontBook> = OnceLock::new();

fuzz_target!(|input: &[u8]| {
    let text = String::from_utf8_lossy(input).into_owned();
    let here = std::path::PathBuf::from("/nonexistent-vanban-fuzz");
    let resources = Resources { base: here.clone(), root: here };
    let markup = Markup { text, template: "fuzz".into() };
    if let Ok(document) = parse(&markup, &resources) {
        let fonts = FONTS.get_or_init(FontBook::embedded);
        let _ = vanban::layout::lay_out(&document, fonts);
    }
});
