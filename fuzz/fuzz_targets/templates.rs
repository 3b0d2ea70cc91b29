//! Any text, used as a user template over the sample report, must render to markup and a
//! document or give an error, never a panic or an endless loop: the template language, the
//! filters (dates, numbers in words, sorting) and the sandbox around template folders.
#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use vanban::data::{load, LoadOptions, Record};
use vanban::markup::{parse, Resources};
use vanban::template::Templates;

static RECORD: OnceLock<Record> = OnceLock::new();

fuzz_target!(|input: &[u8]| {
    let record = RECORD.get_or_init(|| {
        let sample = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../samples/hung-yen-2018/report-day-du.toml");
        let mut records = load(&sample, &LoadOptions::default()).expect("the sample loads");
        records.remove(0)
    });
    let Ok(dir) = tempfile::tempdir() else { return };
    let path = dir.path().join("mau.j2");
    if std::fs::write(&path, input).is_err() {
        return;
    }
    let mut templates = Templates::new();
    let Ok(name) = templates.add_file(&path) else { return };
    if let Ok(markup) = templates.render(&name, record) {
        let resources = Resources {
            base: dir.path().to_path_buf(),
            root: dir.path().to_path_buf(),
        };
        let _ = parse(&markup, &resources);
    }
});
