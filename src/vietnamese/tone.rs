//! Old and new tone placement (vn-official-docs.md §11.2): `hòa`/`hoà`, `khỏe`/`khoẻ`,
//! `thủy`/`thuỷ`.
//!
//! The two styles differ only in open syllables whose rhyme is `oa`, `oe` or `uy`: the old style
//! (kiểu cũ, the one NĐ 30's normative text uses) marks the first vowel, the new style (kiểu mới,
//! QĐ 1989/QĐ-BGDĐT for textbooks) the second. Syllables with a final consonant (hoàng, toán,
//! khuyến) and `qu` + `y` (quý, where u belongs to the onset) are the same in both.

use super::syllable::parse;
use super::{pieces, split_tone, with_tone, Tone};

/// Where tone marks go in `oa`, `oe` and `uy` syllables.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ToneStyle {
    /// Leave every word as written.
    #[default]
    Keep,
    /// Old style: hòa, khỏe, thủy, Ủy ban.
    Old,
    /// New style: hoà, khoẻ, thuỷ, Uỷ ban.
    New,
}

impl ToneStyle {
    /// The style a name gives: `keep`, `old` or `new`.
    pub fn from_name(name: &str) -> Option<Self> {
        match name.trim().to_ascii_lowercase().as_str() {
            "keep" => Some(ToneStyle::Keep),
            "old" => Some(ToneStyle::Old),
            "new" => Some(ToneStyle::New),
            _ => None,
        }
    }

    /// Rewrites every word of an NFC text to this style; other text is untouched.
    pub fn apply(self, text: &str) -> String {
        if self == ToneStyle::Keep {
            return text.to_string();
        }
        let mut out = String::with_capacity(text.len());
        for (is_word, piece) in pieces(text) {
            match is_word.then(|| self.word(piece)).flatten() {
                Some(word) => out.push_str(&word),
                None => out.push_str(piece),
            }
        }
        out
    }

    /// The word in this style, or `None` when it has nothing to move.
    fn word(self, word: &str) -> Option<String> {
        let syllable = parse(word)?;
        if !matches!(syllable.rhyme, "oa" | "oe" | "uy") || syllable.tone == Tone::Level {
            return None;
        }
        let letters: Vec<char> = word.chars().collect();
        // The rhyme is the word's last two letters; the mark goes on the first or the second.
        let first = letters.len().checked_sub(2)?;
        let target = match self {
            ToneStyle::Keep => return None,
            ToneStyle::Old => first,
            ToneStyle::New => first + 1,
        };
        let rewritten: Vec<char> = letters
            .iter()
            .enumerate()
            .map(|(i, &c)| {
                let bare = split_tone(c).map_or(c, |(letter, _)| letter);
                if i == target {
                    with_tone(bare, syllable.tone)
                } else if i >= first {
                    bare
                } else {
                    c
                }
            })
            .collect();
        Some(rewritten.into_iter().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_directions_follow_the_folding_table() {
        // vn-official-docs.md §11.2: òa↔oà … ụy↔uỵ.
        let old = "hòa hóa hỏa hõa họa khòe khóe khỏe khõe khọe thùy thúy thủy thũy thụy";
        let new = "hoà hoá hoả hoã hoạ khoè khoé khoẻ khoẽ khoẹ thuỳ thuý thuỷ thuỹ thuỵ";
        assert_eq!(ToneStyle::New.apply(old), new);
        assert_eq!(ToneStyle::Old.apply(new), old);
        assert_eq!(ToneStyle::Old.apply(old), old);
        assert_eq!(ToneStyle::Keep.apply(new), new);
    }

    #[test]
    fn closed_syllables_qu_and_case_are_respected() {
        let text = "hoàng toán khuyến quý Hòa, ỦY BAN, Thủy-ĐOÀN 2018";
        assert_eq!(
            ToneStyle::New.apply(text),
            "hoàng toán khuyến quý Hoà, UỶ BAN, Thuỷ-ĐOÀN 2018"
        );
        assert_eq!(ToneStyle::Old.apply("UỶ Thuỷ"), "ỦY Thủy");
    }
}
