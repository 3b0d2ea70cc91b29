//! Writing files safely: names derived from data are made harmless, and every file is written
//! to a temporary name in its folder and renamed into place, so a failure never leaves a
//! half-written file or clobbers a good one.

use std::io::Write as _;
use std::path::Path;

use crate::error::{Error, Result};

/// Writes bytes to `path` atomically.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let folder = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut builder = tempfile::Builder::new();
    builder.prefix(".vanban-").suffix(".part");
    // Documents are for sharing: readable by everyone, as a file a user saves would be.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        builder.permissions(std::fs::Permissions::from_mode(0o644));
    }
    let mut temporary = builder
        .tempfile_in(folder)
        .map_err(|e| Error::io(folder, e))?;
    temporary.write_all(bytes).map_err(|e| Error::io(path, e))?;
    temporary
        .as_file()
        .sync_all()
        .map_err(|e| Error::io(path, e))?;
    // On failure the temporary file is removed when `persist`'s error is dropped.
    temporary
        .persist(path)
        .map_err(|e| Error::io(path, e.error))?;
    Ok(())
}

/// Makes a file name from text taken from data: no path separators, no `..`, no control
/// characters, no names Windows reserves; Vietnamese letters stay.
pub fn safe_name(text: &str) -> String {
    let mut name = String::new();
    for c in text.chars() {
        let replacement = match c {
            '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|' => '-',
            c if c.is_control() => '-',
            c if c.is_whitespace() => '-',
            c => c,
        };
        if replacement == '-' && name.ends_with('-') {
            continue;
        }
        name.push(replacement);
    }
    let name = name
        .trim_matches(|c: char| c == '-' || c == '.')
        .to_string();
    let reserved = [
        "CON", "PRN", "AUX", "NUL", "COM1", "COM2", "COM3", "COM4", "LPT1", "LPT2", "LPT3",
    ];
    let stem = name.split('.').next().unwrap_or("").to_ascii_uppercase();
    if name.is_empty() || reserved.contains(&stem.as_str()) {
        format!("van-ban-{name}").trim_end_matches('-').to_string()
    } else {
        name.chars().take(120).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_cannot_escape_the_folder() {
        assert_eq!(safe_name("15/BC-BCĐ_2018-03-13"), "15-BC-BCĐ_2018-03-13");
        assert_eq!(safe_name("../../etc/passwd"), "etc-passwd");
        assert_eq!(safe_name("CON"), "van-ban-CON");
        assert_eq!(safe_name(""), "van-ban");
        assert!(!safe_name("a\u{0}b\nc").chars().any(char::is_control));
    }

    #[test]
    fn atomic_write_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.pdf");
        write_atomic(&path, b"abc").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"abc");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
