//! Any bytes, read as JSON, JSON Lines, TOML or CSV (the first byte picks which), must give
//! records or an error, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use vanban::data::{load, LoadOptions};

fuzz_target!(|input: &[u8]| {
    let Some((&selector, bytes)) = input.split_first() else {
        return;
    };
    let extension = ["json", "jsonl", "toml", "csv"][usize::from(selector) % 4];
    let Ok(dir) = tempfile::tempdir() else { return };
    let path = dir.path().join(format!("data.{extension}"));
    if std::fs::write(&path, bytes).is_ok() {
        let _ = load(&path, &LoadOptions::default());
    }
});
