//! Vietnamese syllables: onset + rhyme + one tone. Used to judge whether a decoding makes sense
//! (legacy encodings) and to find the vowels whose tone placement varies (§11.2).

use super::{split_tone, Tone};

/// Initial consonants (âm đầu), longest first so that `ngh` wins over `ng` and `n`.
const ONSETS: &[&str] = &[
    "ngh", "ng", "nh", "ch", "gh", "gi", "kh", "ph", "qu", "th", "tr", "b", "c", "d", "đ", "g",
    "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "x",
];

/// Every rhyme (vần) without its tone: the open ones, then by nucleus with their finals.
#[rustfmt::skip]
const RHYMES: &[&str] = &[
    // Open rhymes and rhymes closed by a semivowel.
    "a", "e", "ê", "i", "o", "ô", "ơ", "u", "ư", "y",
    "ai", "ao", "au", "ay", "âu", "ây", "eo", "êu", "ia", "iu", "iêu", "yêu", "oa", "oai", "oay",
    "oao", "oe", "oeo", "oi", "ôi", "ơi", "ua", "uây", "uê", "ui", "uôi", "uy", "uya", "uyu",
    "uơ", "ưa", "ưi", "ưu", "ươi", "ươu",
    // Closed by a consonant.
    "ac", "ach", "am", "an", "ang", "anh", "ap", "at",
    "ăc", "ăm", "ăn", "ăng", "ăp", "ăt",
    "âc", "âm", "ân", "âng", "âp", "ât",
    "ec", "em", "en", "eng", "ep", "et",
    "êch", "êm", "ên", "ênh", "êp", "êt",
    "ich", "im", "in", "inh", "ip", "it",
    "iêc", "iêm", "iên", "iêng", "iêp", "iêt", "yêm", "yên", "yêt",
    "oc", "om", "on", "ong", "op", "ot", "ooc", "oong",
    "ôc", "ôm", "ôn", "ông", "ôp", "ôt",
    "ơm", "ơn", "ơp", "ơt",
    "uc", "um", "un", "ung", "up", "ut",
    "uôc", "uôm", "uôn", "uông", "uôt",
    "ưc", "ưm", "ưng", "ưt",
    "ươc", "ươm", "ươn", "ương", "ươp", "ươt",
    "oac", "oach", "oam", "oan", "oang", "oanh", "oap", "oat",
    "oăc", "oăm", "oăn", "oăng", "oăt",
    "oem", "oen", "oet",
    "uân", "uâng", "uât",
    "uêch", "uênh",
    "uych", "uynh", "uyt", "uyên", "uyêt",
];

/// A word read as one syllable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Syllable {
    /// The initial consonant, lowercase (`""` when the syllable starts with its vowel).
    pub onset: &'static str,
    /// The rhyme without its tone, lowercase.
    pub rhyme: &'static str,
    /// The tone.
    pub tone: Tone,
}

/// Reads a word (NFC, any case) as a Vietnamese syllable; `None` when it is not one.
///
/// Besides onset and rhyme, it checks the two rules that most often unmask a wrong decoding:
/// one tone mark at most, and only sắc or nặng on a rhyme ending in c, ch, p or t.
pub fn parse(word: &str) -> Option<Syllable> {
    // A capital after a small letter (`tƯn`) is a misread byte, never Vietnamese spelling.
    let mut chars = word.chars().filter(|c| c.is_alphabetic());
    if let Some(first) = chars.next() {
        let mut previous = first;
        for c in chars {
            if previous.is_lowercase() && c.is_uppercase() {
                return None;
            }
            previous = c;
        }
    }
    let mut letters = String::with_capacity(word.len());
    let mut tone = Tone::Level;
    for c in word.chars().flat_map(char::to_lowercase) {
        let (letter, t) = split_tone(c)?;
        if t != Tone::Level {
            if tone != Tone::Level {
                return None;
            }
            tone = t;
        }
        letters.push(letter);
    }
    for &onset in ONSETS.iter().chain(std::iter::once(&"")) {
        let Some(rest) = letters.strip_prefix(onset) else {
            continue;
        };
        // `gi` alone (gì, gỉ) is the onset g and the rhyme i.
        let rest = if onset == "gi" && rest.is_empty() {
            continue;
        } else {
            rest
        };
        let Some(&rhyme) = RHYMES.iter().find(|&&r| r == rest) else {
            continue;
        };
        // Spelling rules: k, gh, ngh before i e ê y, and c, g, ng never before e ê (nor c, ng
        // before i y); qu takes no u, ư or plain o after it.
        let front = rhyme.starts_with(['i', 'e', 'ê', 'y']);
        if matches!(onset, "gh" | "ngh" | "k") && !front {
            continue;
        }
        if matches!(onset, "c" | "ng") && front
            || onset == "g" && rhyme.starts_with(['e', 'ê'])
            || onset == "qu" && rhyme.starts_with(['u', 'ư', 'o'])
        {
            continue;
        }
        // oong/ooc are loans (xoong, boong, soóc) and take no other tone.
        if rhyme == "oong" && tone != Tone::Level || rhyme == "ooc" && tone != Tone::Acute {
            return None;
        }
        let stop = ["c", "ch", "p", "t"].iter().any(|f| rhyme.ends_with(f));
        if stop && !matches!(tone, Tone::Acute | Tone::Dot) {
            return None;
        }
        return Some(Syllable { onset, rhyme, tone });
    }
    None
}

/// Whether a word is a Vietnamese syllable.
pub fn is_syllable(word: &str) -> bool {
    parse(word).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn real_syllables_are_accepted() {
        let text = "Ngày tháng năm nghiêng khuyến quốc gì giếng hoặc thuở xoong người Trưởng \
                    ỦY BAN NHÂN DÂN tỉnh Hưng Yên quý khuya uống oẳn yêu";
        for word in text.split_whitespace() {
            assert!(is_syllable(word), "{word}");
        }
    }

    #[test]
    fn mojibake_and_foreign_words_are_refused() {
        // TCVN3 "Quyết định" read as Windows-1258, VNI "Tiếng" read as Latin-1, two tones.
        for word in [
            "QuyƠt", "Tieáng", "ngaøy", "hóà", "kan", "ghu", "xyz", "ViÖt",
        ] {
            assert!(!is_syllable(word), "{word}");
        }
        assert!(!is_syllable("bàt"), "a stop final takes only sắc or nặng");
    }

    #[test]
    fn parts_are_reported() {
        assert_eq!(
            parse("Thủy"),
            Some(Syllable {
                onset: "th",
                rhyme: "uy",
                tone: Tone::Hook
            })
        );
        assert_eq!(parse("quý").map(|s| (s.onset, s.rhyme)), Some(("qu", "y")));
        assert_eq!(parse("gì").map(|s| (s.onset, s.rhyme)), Some(("g", "i")));
    }
}
