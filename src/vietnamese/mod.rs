//! Vietnamese text as a language, not just as characters: letters and tones, syllables, tone
//! placement, collation and numbers in words (vn-official-docs.md §11–12).
//!
//! Every function here expects NFC text, as the data stage delivers it; those that may meet
//! other forms (the case filters) normalise first.

pub mod collation;
pub mod numbers;
pub mod syllable;
pub mod tone;

use unicode_normalization::UnicodeNormalization;

/// The six tones (thanh điệu). The order is the collation order of CLDR's `vi` tailoring:
/// no mark, then huyền, hỏi, ngã, sắc, nặng.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Tone {
    /// Thanh ngang: no mark.
    Level,
    /// Thanh huyền: grave accent.
    Grave,
    /// Thanh hỏi: hook above.
    Hook,
    /// Thanh ngã: tilde.
    Tilde,
    /// Thanh sắc: acute accent.
    Acute,
    /// Thanh nặng: dot below.
    Dot,
}

impl Tone {
    /// The combining mark that writes the tone, if it has one.
    pub fn mark(self) -> Option<char> {
        match self {
            Tone::Level => None,
            Tone::Grave => Some('\u{0300}'),
            Tone::Hook => Some('\u{0309}'),
            Tone::Tilde => Some('\u{0303}'),
            Tone::Acute => Some('\u{0301}'),
            Tone::Dot => Some('\u{0323}'),
        }
    }

    /// The tone a combining mark writes, if it is a tone mark.
    pub fn of_mark(c: char) -> Option<Tone> {
        match c {
            '\u{0300}' => Some(Tone::Grave),
            '\u{0309}' => Some(Tone::Hook),
            '\u{0303}' => Some(Tone::Tilde),
            '\u{0301}' => Some(Tone::Acute),
            '\u{0323}' => Some(Tone::Dot),
            _ => None,
        }
    }
}

/// A letter without its tone, and the tone: `ệ` → (`ê`, nặng), `Ờ` → (`Ơ`, huyền), `b` → (`b`,
/// ngang). `None` for a character that carries two tone marks or does not recompose.
pub fn split_tone(c: char) -> Option<(char, Tone)> {
    if c.is_ascii() {
        return Some((c, Tone::Level));
    }
    let mut tone = Tone::Level;
    let mut rest = String::new();
    for part in std::iter::once(c).nfd() {
        match Tone::of_mark(part) {
            Some(t) if tone == Tone::Level => tone = t,
            Some(_) => return None,
            None => rest.push(part),
        }
    }
    let mut composed = rest.nfc();
    let letter = composed.next()?;
    composed.next().is_none().then_some((letter, tone))
}

/// A toneless letter with a tone added: (`ê`, nặng) → `ệ`. The letter itself when no single
/// character writes the pair.
pub fn with_tone(letter: char, tone: Tone) -> char {
    let Some(mark) = tone.mark() else {
        return letter;
    };
    let mut composed = [letter, mark].into_iter().nfc();
    match (composed.next(), composed.next()) {
        (Some(c), None) => c,
        _ => letter,
    }
}

/// Whether a character belongs inside a word: a letter, or a combining mark left after NFC.
pub fn is_word_char(c: char) -> bool {
    c.is_alphabetic() || is_combining_mark(c)
}

/// Whether a character is a combining diacritical mark (U+0300–U+036F).
pub fn is_combining_mark(c: char) -> bool {
    ('\u{0300}'..='\u{036F}').contains(&c)
}

/// Splits text into words (maximal runs of letters) and the text between them, in order, so
/// that joining the pieces gives the text back. Each piece is `(is_word, text)`.
pub fn pieces(text: &str) -> impl Iterator<Item = (bool, &str)> {
    let mut rest = text;
    std::iter::from_fn(move || {
        let first = rest.chars().next()?;
        let word = is_word_char(first);
        let end = rest
            .char_indices()
            .find(|&(_, c)| is_word_char(c) != word)
            .map_or(rest.len(), |(i, _)| i);
        let (piece, tail) = rest.split_at(end);
        rest = tail;
        Some((word, piece))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn letters_split_into_base_and_tone_and_back() {
        assert_eq!(split_tone('ệ'), Some(('ê', Tone::Dot)));
        assert_eq!(split_tone('Ờ'), Some(('Ơ', Tone::Grave)));
        assert_eq!(split_tone('đ'), Some(('đ', Tone::Level)));
        assert_eq!(split_tone('ỷ'), Some(('y', Tone::Hook)));
        assert_eq!(with_tone('ê', Tone::Dot), 'ệ');
        assert_eq!(with_tone('Ư', Tone::Tilde), 'Ữ');
        assert_eq!(with_tone('b', Tone::Acute), 'b');
    }

    #[test]
    fn pieces_join_back_to_the_text() {
        let text = "Hòa, (thủy) 2018—x̣";
        let parts: Vec<(bool, &str)> = pieces(text).collect();
        assert_eq!(parts.iter().map(|p| p.1).collect::<String>(), text);
        let words: Vec<&str> = parts.iter().filter(|p| p.0).map(|p| p.1).collect();
        assert_eq!(words, ["Hòa", "thủy", "x̣"]);
    }
}
