//! Any bytes, inspected as a PDF (`vanban inspect`, which records officers run on files from
//! anywhere), must give a report or an error, never a crash or an endless loop.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: &[u8]| {
    let _ = vanban::inspect::inspect(input);
});
