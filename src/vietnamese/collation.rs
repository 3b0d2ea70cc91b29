//! Vietnamese collation (vn-official-docs.md §11.4), as CLDR's `vi` tailoring orders words:
//! letters first (a ă â b c d đ e ê … o ô ơ … u ư …), tones second (none, huyền, hỏi, ngã,
//! sắc, nặng), case last (lower before upper), compared over the whole text at each level.

use std::cmp::Ordering;

use unicode_normalization::UnicodeNormalization;

use super::{split_tone, Tone};

/// The alphabet in order; letters outside it sort after it by code point.
const ALPHABET: &[char] = &[
    'a', 'ă', 'â', 'b', 'c', 'd', 'đ', 'e', 'ê', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'm', 'n', 'o',
    'ô', 'ơ', 'p', 'q', 'r', 's', 't', 'u', 'ư', 'v', 'w', 'x', 'y', 'z',
];

/// A sort key: compare keys to compare texts.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct SortKey {
    primary: Vec<u32>,
    secondary: Vec<Tone>,
    tertiary: Vec<bool>,
    /// The text itself, so that different texts never compare equal (deterministic order).
    text: String,
}

/// The collation key of a text (any normalisation form).
pub fn sort_key(text: &str) -> SortKey {
    let text: String = text.nfc().collect();
    let mut key = SortKey {
        primary: Vec::with_capacity(text.len()),
        secondary: Vec::new(),
        tertiary: Vec::new(),
        text: String::new(),
    };
    for c in text.chars() {
        let (letter, tone) = split_tone(c).unwrap_or((c, Tone::Level));
        let lower = letter.to_lowercase().next().unwrap_or(letter);
        key.primary.push(primary(lower));
        key.secondary.push(tone);
        key.tertiary.push(lower != letter);
    }
    key.text = text;
    key
}

/// Spaces first, then punctuation and symbols, digits, the alphabet, other letters.
fn primary(c: char) -> u32 {
    const LETTERS: u32 = 0x100;
    if c.is_whitespace() {
        1
    } else if c.is_ascii_digit() {
        0x80 + (c as u32 - '0' as u32)
    } else if let Some(i) = ALPHABET.iter().position(|&a| a == c) {
        LETTERS + i as u32
    } else if c.is_alphabetic() {
        LETTERS + 0x100 + c as u32
    } else if c.is_ascii() {
        // ASCII punctuation in code point order, below digits.
        2 + c as u32
    } else {
        // Other symbols (dashes, quotes) after ASCII punctuation, still below digits.
        0x7F
    }
}

/// Compares two texts in Vietnamese order.
pub fn compare(a: &str, b: &str) -> Ordering {
    sort_key(a).cmp(&sort_key(b))
}

/// A person's name as Vietnamese lists sort it: given name (the last word), then family name
/// (the first), then the middle names, then the whole name.
pub fn name_key(name: &str) -> (SortKey, SortKey, SortKey, SortKey) {
    let words: Vec<&str> = name.split_whitespace().collect();
    let given = words.last().copied().unwrap_or_default();
    let family = if words.len() > 1 { words[0] } else { "" };
    let middle = if words.len() > 2 {
        words[1..words.len() - 1].join(" ")
    } else {
        String::new()
    };
    (
        sort_key(given),
        sort_key(family),
        sort_key(&middle),
        sort_key(name),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_sort_as_icu_sorts_them() {
        // vn-official-docs.md §11.4: the order ICU gives.
        let expected = "an ăn ân ba bà bả bã bá bạ bác ban di đi em êm ong Ông ơn";
        let mut words: Vec<&str> = expected.split(' ').collect();
        words.reverse();
        words.sort_by(|a, b| compare(a, b));
        assert_eq!(words.join(" "), expected);
    }

    #[test]
    fn forms_and_case_do_not_change_the_primary_order() {
        let nfd: String = "Đức".nfd().collect();
        assert_eq!(compare(&nfd, "Đức"), Ordering::Equal);
        assert_eq!(compare("ông", "Ông"), Ordering::Less);
        assert_eq!(compare("Ông", "ơn"), Ordering::Less);
        assert_eq!(compare("z", "ă"), Ordering::Greater);
    }

    #[test]
    fn people_sort_by_given_then_family_then_middle_name() {
        let mut names = vec![
            "Trần Thị Thanh Thủy",
            "Nguyễn Văn An",
            "Lê Văn Thủy",
            "Đỗ Bình",
            "Nguyễn An",
        ];
        names.sort_by_key(|n| name_key(n));
        assert_eq!(
            names,
            [
                "Nguyễn An",
                "Nguyễn Văn An",
                "Đỗ Bình",
                "Lê Văn Thủy",
                "Trần Thị Thanh Thủy"
            ]
        );
    }
}
