//! Writing files safely: names derived from data are made harmless, and every file is written
//! to a temporary name in its folder and renamed into place, so a failure never leaves a
//! half-written file or clobbers a good one. Also the split of a batch into shards.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use unicode_normalization::UnicodeNormalization as _;

use crate::error::{Error, Result};

/// Temporary files are named `.vanban-XXXXXX.part`, hidden and easy to recognise.
const TEMPORARY_PREFIX: &str = ".vanban-";
const TEMPORARY_SUFFIX: &str = ".part";

/// Writes bytes to `path` atomically.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let folder = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut builder = tempfile::Builder::new();
    builder.prefix(TEMPORARY_PREFIX).suffix(TEMPORARY_SUFFIX);
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

/// Writes the files of one document, each atomically; if one cannot be written, the ones
/// already written are removed again, so a record is either wholly written or not at all.
pub fn write_all_or_none(files: &[(PathBuf, Vec<u8>)]) -> Result<()> {
    for (done, (path, bytes)) in files.iter().enumerate() {
        if let Err(error) = write_atomic(path, bytes) {
            for (written, _) in &files[..done] {
                let _ = std::fs::remove_file(written);
            }
            return Err(error);
        }
    }
    Ok(())
}

/// Removes the temporary files (`.vanban-*.part`) that a killed run left in a folder, if they
/// have not been touched for `age`. A temporary file lives only while one file is written and
/// renamed (milliseconds), so the age keeps the files of another vanban still writing into the
/// same folder (a shard of the same batch) safe. Returns how many were removed.
pub fn remove_stale_temporaries(folder: &Path, age: Duration) -> usize {
    let Ok(entries) = std::fs::read_dir(folder) else {
        return 0;
    };
    let mut removed = 0;
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        if !(name.starts_with(TEMPORARY_PREFIX) && name.ends_with(TEMPORARY_SUFFIX)) {
            continue;
        }
        let stale = entry
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|modified| modified.elapsed().ok())
            .is_some_and(|elapsed| elapsed >= age);
        if stale && entry.file_type().is_ok_and(|t| t.is_file()) {
            removed += usize::from(std::fs::remove_file(entry.path()).is_ok());
        }
    }
    removed
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
    let stem = name.split('.').next().unwrap_or("").to_ascii_uppercase();
    if name.is_empty() || is_reserved(&stem) {
        format!("van-ban-{name}").trim_end_matches('-').to_string()
    } else {
        name.chars().take(120).collect()
    }
}

/// Whether Windows reserves a name (`CON`, `NUL`, `COM1` … `COM9`, `LPT1` … `LPT9`), with
/// or without an extension.
fn is_reserved(upper_stem: &str) -> bool {
    matches!(upper_stem, "CON" | "PRN" | "AUX" | "NUL")
        || ["COM", "LPT"].iter().any(|prefix| {
            upper_stem
                .strip_prefix(prefix)
                .is_some_and(|n| n.len() == 1 && matches!(n.as_bytes()[0], b'1'..=b'9'))
        })
}

/// Folds Vietnamese (and other Latin) letters to ASCII for file names that must travel through
/// old systems: the marks are dropped (`Hưng Yên` → `Hung Yen`), `đ` becomes `d`, and any
/// other character outside ASCII becomes `-`.
pub fn fold_ascii(text: &str) -> String {
    text.nfd()
        .filter(|c| !is_combining_mark(*c))
        .map(|c| match c {
            'đ' => 'd',
            'Đ' => 'D',
            // The horn of ơ and ư is a combining mark in NFD; these stay whole in some inputs.
            'ơ' => 'o',
            'Ơ' => 'O',
            'ư' => 'u',
            'Ư' => 'U',
            c if c.is_ascii() => c,
            _ => '-',
        })
        .collect()
}

fn is_combining_mark(c: char) -> bool {
    unicode_normalization::char::is_combining_mark(c)
}

/// One of `N` parts of a batch: the records whose position (from 0) is `K` modulo `N`.
///
/// Any job runner (a CI matrix, GNU parallel, Kubernetes indexed Jobs, Slurm arrays) can then
/// split a batch over machines with no coordination: each part is known from `K/N` alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// Which part, from 0.
    pub index: usize,
    /// How many parts.
    pub count: usize,
}

impl Shard {
    /// The whole batch.
    pub const ALL: Shard = Shard { index: 0, count: 1 };

    /// Whether the record at `position` (from 0) belongs to this part.
    pub fn contains(self, position: usize) -> bool {
        position % self.count == self.index
    }
}

impl std::str::FromStr for Shard {
    type Err = String;

    /// Reads `K/N`, with `0 <= K < N`.
    fn from_str(text: &str) -> std::result::Result<Self, String> {
        let usage =
            || format!("`{text}` is not a shard: write K/N with 0 <= K < N, for example 0/4 … 3/4");
        let (k, n) = text.split_once('/').ok_or_else(usage)?;
        let index: usize = k.trim().parse().map_err(|_| usage())?;
        let count: usize = n.trim().parse().map_err(|_| usage())?;
        if count == 0 || index >= count {
            return Err(usage());
        }
        Ok(Shard { index, count })
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
        assert_eq!(safe_name("com7.pdf"), "van-ban-com7.pdf");
        assert_eq!(safe_name("COM10"), "COM10");
    }

    #[test]
    fn vietnamese_folds_to_ascii() {
        assert_eq!(
            fold_ascii("Hưng Yên, Đắk Lắk, Thừa Thiên Huế"),
            "Hung Yen, Dak Lak, Thua Thien Hue"
        );
        assert_eq!(fold_ascii("ỨNG HÒA ơ№"), "UNG HOA o-");
    }

    #[test]
    fn shards_split_without_overlap() {
        let shards: Vec<Shard> = ["0/3", "1/3", "2/3"]
            .iter()
            .map(|s| s.parse().unwrap())
            .collect();
        for position in 0..10 {
            assert_eq!(shards.iter().filter(|s| s.contains(position)).count(), 1);
        }
        for bad in ["3/3", "1/0", "a/2", "2", "-1/2"] {
            assert!(bad.parse::<Shard>().is_err(), "{bad}");
        }
    }

    #[test]
    fn stale_temporaries_are_removed_and_fresh_ones_kept() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(".vanban-abc.part"), b"x").unwrap();
        std::fs::write(dir.path().join("keep.pdf"), b"x").unwrap();
        assert_eq!(
            remove_stale_temporaries(dir.path(), Duration::from_secs(3600)),
            0
        );
        assert_eq!(remove_stale_temporaries(dir.path(), Duration::ZERO), 1);
        assert!(dir.path().join("keep.pdf").exists());
    }

    #[test]
    fn a_record_is_written_wholly_or_not_at_all() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("b.docx")).unwrap();
        let files = vec![
            (dir.path().join("b.pdf"), b"pdf".to_vec()),
            (dir.path().join("b.docx"), b"docx".to_vec()),
        ];
        assert!(write_all_or_none(&files).is_err());
        assert!(!dir.path().join("b.pdf").exists());
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
