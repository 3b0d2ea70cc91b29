//! The engine as a library: shared across threads, and a record's bytes depend on the record
//! alone, not on what the process rendered before or on which thread.

mod util;

use vanban::data::{load, LoadOptions};
use vanban::template::Templates;
use vanban::{Engine, Format};

#[test]
fn the_engine_is_shared_across_threads() {
    fn assert_shareable<T: Send + Sync>() {}
    assert_shareable::<Engine>();
}

#[test]
fn a_records_bytes_do_not_depend_on_what_was_rendered_before() {
    let engine = Engine::new(Templates::new());
    let short = load(&util::sample("report.toml"), &LoadOptions::default())
        .unwrap()
        .remove(0);
    let long = load(&util::sample("bao-cao-nam.toml"), &LoadOptions::default())
        .unwrap()
        .remove(0);
    let formats = [Format::Pdf, Format::Docx];
    let first = engine.render(&short, "bao-cao", &formats).unwrap();
    engine.render(&long, "bao-cao", &formats).unwrap();
    let again = engine.render(&short, "bao-cao", &formats).unwrap();
    let elsewhere = std::thread::scope(|s| {
        s.spawn(|| engine.render(&short, "bao-cao", &formats).unwrap())
            .join()
            .unwrap()
    });
    for ((format, a), ((_, b), (_, c))) in first.iter().zip(again.iter().zip(&elsewhere)) {
        assert!(a == b, "{format:?} differs after another document");
        assert!(a == c, "{format:?} differs on another thread");
    }
}
