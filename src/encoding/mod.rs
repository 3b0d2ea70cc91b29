//! Bytes into text: UTF-8, UTF-16 and the legacy Vietnamese encodings (vn-official-docs.md §10).
//!
//! Provincial data arrives as UTF-8 (with or without a byte-order mark), as UTF-16 from Excel's
//! "Unicode text", as Windows-1258 from Excel on Vietnamese Windows, and as TCVN3 (ABC,
//! `.VnTime` fonts) or VNI-Windows from old Word files. [`detect`] decides which: a byte-order
//! mark is believed, valid UTF-8 is UTF-8, and anything else is decoded with every legacy
//! candidate and scored by the share of its words that are Vietnamese syllables. When no
//! candidate reads as Vietnamese the bytes are refused: a wrong guess would put mojibake in an
//! official document, where nobody might notice it.

mod tables;

use std::borrow::Cow;

use unicode_normalization::UnicodeNormalization;

use crate::vietnamese::{is_word_char, pieces, syllable};

/// A text encoding vanban reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Encoding {
    /// UTF-8, with or without a byte-order mark.
    Utf8,
    /// UTF-16, little-endian unless a byte-order mark says otherwise.
    Utf16Le,
    /// UTF-16, big-endian unless a byte-order mark says otherwise.
    Utf16Be,
    /// Windows-1258 (CP1258): base letters plus separate tone bytes.
    Windows1258,
    /// TCVN3 / TCVN 5712:1993 ("ABC", `.VnTime` fonts), as glibc's `TCVN5712-1`.
    Tcvn3,
    /// VNI-Windows (`VNI-Times` fonts): a base letter followed by a mark byte.
    Vni,
}

/// Every encoding with the names `--encoding` takes (the first is the one shown).
const NAMES: &[(Encoding, &[&str])] = &[
    (Encoding::Utf8, &["utf-8", "utf8"]),
    (
        Encoding::Utf16Le,
        &["utf-16", "utf16", "utf-16le", "utf16le"],
    ),
    (Encoding::Utf16Be, &["utf-16be", "utf16be"]),
    (
        Encoding::Windows1258,
        &["windows-1258", "cp1258", "1258", "win1258"],
    ),
    (
        Encoding::Tcvn3,
        &["tcvn3", "tcvn", "abc", "tcvn5712-1", "tcvn-5712"],
    ),
    (Encoding::Vni, &["vni", "vni-windows", "vni-win"]),
];

impl Encoding {
    /// The encoding a name gives (case-insensitive): `utf-8`, `utf-16`, `utf-16be`,
    /// `windows-1258` (`cp1258`), `tcvn3` (`abc`, `tcvn5712-1`), `vni` (`vni-windows`).
    pub fn from_name(name: &str) -> Option<Self> {
        let name = name.trim().to_ascii_lowercase().replace('_', "-");
        NAMES
            .iter()
            .find(|(_, names)| names.contains(&name.as_str()))
            .map(|(encoding, _)| *encoding)
    }

    /// The names `--encoding` takes, one per encoding, for messages.
    pub fn known_names() -> String {
        NAMES
            .iter()
            .map(|(_, names)| names[0])
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The name people know it by.
    pub fn name(self) -> &'static str {
        match self {
            Encoding::Utf8 => "UTF-8",
            Encoding::Utf16Le => "UTF-16LE",
            Encoding::Utf16Be => "UTF-16BE",
            Encoding::Windows1258 => "Windows-1258",
            Encoding::Tcvn3 => "TCVN3",
            Encoding::Vni => "VNI-Windows",
        }
    }
}

/// Why bytes could not be decoded.
#[derive(Debug, Clone, PartialEq)]
pub enum DecodeError {
    /// The bytes are not valid in the encoding; `line` is where the first bad byte is.
    Invalid {
        /// The encoding tried.
        encoding: Encoding,
        /// The line (from 1) of the first invalid byte.
        line: usize,
    },
    /// No encoding vanban knows reads the bytes as Vietnamese text.
    Nonsense {
        /// The best candidate and the share of its words that were Vietnamese syllables.
        best: Option<(Encoding, f32)>,
    },
}

/// Decoded text and how it was read.
#[derive(Debug, Clone, PartialEq)]
pub struct Decoded {
    /// The text, NFC, with the byte-order mark removed.
    pub text: String,
    /// The encoding it was read in.
    pub encoding: Encoding,
    /// The share (0–1) of its non-ASCII words that are Vietnamese syllables (in the part
    /// detection read: up to 256 KB of its lines outside ASCII); 1 when the encoding was
    /// given, marked by a byte-order mark, or the text is UTF-8.
    pub score: f32,
}

/// The least share of sensible words that a legacy decoding needs to be believed. Real
/// Vietnamese text scores above 0.9 in its own encoding and below 0.4 in the others.
pub const THRESHOLD: f32 = 0.6;

/// Decodes bytes: in `encoding` when it is given, else in the encoding [`detect`] finds.
pub fn decode(bytes: &[u8], encoding: Option<Encoding>) -> Result<Decoded, DecodeError> {
    match encoding {
        Some(encoding) => Ok(Decoded {
            text: decode_as(bytes, encoding)?,
            encoding,
            score: 1.0,
        }),
        None => detect(bytes),
    }
}

/// Finds the encoding of bytes and decodes them (module docs say how).
pub fn detect(bytes: &[u8]) -> Result<Decoded, DecodeError> {
    let sure = |encoding| -> Result<Decoded, DecodeError> {
        Ok(Decoded {
            text: decode_as(bytes, encoding)?,
            encoding,
            score: 1.0,
        })
    };
    if bytes.starts_with(b"\xEF\xBB\xBF") {
        return sure(Encoding::Utf8);
    }
    if bytes.starts_with(b"\xFF\xFE") {
        return sure(Encoding::Utf16Le);
    }
    if bytes.starts_with(b"\xFE\xFF") {
        return sure(Encoding::Utf16Be);
    }
    if std::str::from_utf8(bytes).is_ok() {
        // Legacy Vietnamese text is practically never valid UTF-8: its letters are high bytes
        // followed by ASCII, which UTF-8 forbids.
        return sure(Encoding::Utf8);
    }
    // UTF-8 stays a candidate (read with replacement characters), so that a UTF-8 file with
    // one bad byte is reported as such rather than as nonsense. Candidates are scored on a
    // sample; only the winner decodes the whole file.
    let sample = sample(bytes);
    let mut best: Option<(Encoding, f32, String)> = None;
    for encoding in [
        Encoding::Utf8,
        Encoding::Windows1258,
        Encoding::Tcvn3,
        Encoding::Vni,
    ] {
        let text = match encoding {
            Encoding::Utf8 => String::from_utf8_lossy(&sample).nfc().collect(),
            other => decode_as(&sample, other)?,
        };
        let score = score(&text);
        // Strictly better only: ties keep the earlier, more common encoding.
        if best.as_ref().is_none_or(|(_, s, _)| score > *s) {
            best = Some((encoding, score, text));
        }
    }
    match best {
        Some((Encoding::Utf8, score, _)) if score >= THRESHOLD => Err(DecodeError::Invalid {
            encoding: Encoding::Utf8,
            line: line_of_invalid_utf8(bytes),
        }),
        Some((encoding, score, text)) if score >= THRESHOLD => Ok(Decoded {
            text: match sample {
                Cow::Borrowed(_) => text,
                Cow::Owned(_) => decode_as(bytes, encoding)?,
            },
            encoding,
            score,
        }),
        best => Err(DecodeError::Nonsense {
            best: best.map(|(encoding, score, _)| (encoding, score)),
        }),
    }
}

/// The most bytes of a file that detection reads: thousands of lines of Vietnamese, far more
/// than it needs to tell the encodings apart, little enough that a large export is decoded
/// once rather than once per candidate.
const SAMPLE_BYTES: usize = 256 * 1024;

/// What detection reads of a file: all of a small one; of a larger one, its lines that hold
/// bytes outside ASCII (the only ones that tell the encodings apart), up to [`SAMPLE_BYTES`].
fn sample(bytes: &[u8]) -> Cow<'_, [u8]> {
    if bytes.len() <= SAMPLE_BYTES {
        return Cow::Borrowed(bytes);
    }
    let mut sample = Vec::with_capacity(SAMPLE_BYTES);
    for line in bytes.split_inclusive(|&b| b == b'\n') {
        if line.iter().any(|&b| b >= 0x80) {
            let room = SAMPLE_BYTES - sample.len();
            sample.extend_from_slice(&line[..line.len().min(room)]);
            if sample.len() == SAMPLE_BYTES {
                break;
            }
        }
    }
    Cow::Owned(sample)
}

/// Decodes bytes in one encoding, NFC; a leading byte-order mark is dropped.
pub fn decode_as(bytes: &[u8], encoding: Encoding) -> Result<String, DecodeError> {
    let text = match encoding {
        Encoding::Utf8 => {
            let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
            std::str::from_utf8(bytes)
                .map_err(|_| DecodeError::Invalid {
                    encoding,
                    line: line_of_invalid_utf8(bytes),
                })?
                .to_string()
        }
        Encoding::Utf16Le | Encoding::Utf16Be => {
            // A byte-order mark overrides the endianness asked for.
            let (codec, body) = match bytes {
                [0xFF, 0xFE, rest @ ..] => (encoding_rs::UTF_16LE, rest),
                [0xFE, 0xFF, rest @ ..] => (encoding_rs::UTF_16BE, rest),
                _ if encoding == Encoding::Utf16Be => (encoding_rs::UTF_16BE, bytes),
                _ => (encoding_rs::UTF_16LE, bytes),
            };
            codec
                .decode_without_bom_handling_and_without_replacement(body)
                .ok_or_else(|| {
                    // The line of the first bad unit: decode with replacement and find it.
                    let (lossy, _) = codec.decode_without_bom_handling(body);
                    let line = lossy
                        .split('\u{FFFD}')
                        .next()
                        .map_or(1, |before| before.matches('\n').count() + 1);
                    DecodeError::Invalid { encoding, line }
                })?
                .into_owned()
        }
        Encoding::Windows1258 => encoding_rs::WINDOWS_1258
            .decode_without_bom_handling(bytes)
            .0
            .into_owned(),
        Encoding::Tcvn3 => decode_tcvn3(bytes),
        Encoding::Vni => decode_vni(bytes),
    };
    let text = text.strip_prefix('\u{FEFF}').unwrap_or(&text);
    Ok(text.nfc().collect())
}

/// TCVN3 by glibc's table, except that a byte 0x80–0x9F is read as Windows-1252 punctuation
/// (… – — “ ” ‘ ’ •) unless it makes a Vietnamese word as a capital letter.
///
/// glibc reads TCVN 5712's VN1 repertoire, which puts toned capitals (Ủ, Ở, Ặ …) there; files
/// typed with the ABC `.VnTime` fonts (VN3) have no such capitals and hold Word's typographic
/// punctuation at those bytes instead. The word around the byte tells which the file meant:
/// `Ủy` is a word, `Ặ` glued to `nước` is not, but `nước…` is.
fn decode_tcvn3(bytes: &[u8]) -> String {
    let mut chars: Vec<char> = bytes.iter().map(|&b| tables::TCVN3[b as usize]).collect();
    let ambiguous = |i: usize| (0x80..=0x9F).contains(&bytes[i]);
    let mut i = 0;
    while i < chars.len() {
        if !is_word_char(chars[i]) {
            i += 1;
            continue;
        }
        let mut end = i;
        while end < chars.len() && is_word_char(chars[end]) {
            end += 1;
        }
        // Peel ambiguous bytes off either end of the word until the rest is a syllable.
        let (mut start, mut stop) = (i, end);
        while start < stop && !ambiguous_word_ok(&chars[start..stop]) {
            if ambiguous(start) {
                chars[start] = windows_1252(bytes[start]);
                start += 1;
            } else if ambiguous(stop - 1) {
                chars[stop - 1] = windows_1252(bytes[stop - 1]);
                stop -= 1;
            } else {
                break;
            }
        }
        i = end;
    }
    chars.into_iter().collect()
}

/// Whether letters read as one word make sense: a syllable, but never a lone toned capital
/// other than the word `Ở` ("at"), since a lone `Ọ` or `Õ` is far likelier a dash or a quote.
fn ambiguous_word_ok(letters: &[char]) -> bool {
    let word: String = letters.iter().collect::<String>().nfc().collect();
    let mut chars = word.chars();
    match (chars.next(), chars.next()) {
        (Some(c), None) if !c.is_ascii() && c.is_uppercase() => c == 'Ở',
        _ => syllable::is_syllable(&word),
    }
}

/// VNI-Windows: a base letter and the mark byte after it make one letter; other bytes are
/// VNI's own letters or, as in the VNI fonts, Windows-1252.
fn decode_vni(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let byte = bytes[i];
        let base = single_vni(byte);
        if let (Some(base), Some(&next)) = (base, bytes.get(i + 1)) {
            let lower = base.to_lowercase().next().unwrap_or(base);
            let mark = tables::VNI_MARKS
                .iter()
                .find(|m| (m.lower == next || m.upper == next) && m.bases.contains(lower));
            if let Some(mark) = mark {
                out.push(base);
                out.push_str(mark.marks);
                i += 2;
                continue;
            }
        }
        out.push(base.unwrap_or_else(|| windows_1252(byte)));
        i += 1;
    }
    out
}

/// A VNI byte that is a letter by itself (ASCII letters and VNI's own), if it is one.
fn single_vni(byte: u8) -> Option<char> {
    if byte.is_ascii_alphabetic() {
        return Some(char::from(byte));
    }
    tables::VNI_SINGLE
        .iter()
        .find(|(b, _)| *b == byte)
        .map(|(_, c)| *c)
}

fn windows_1252(byte: u8) -> char {
    let bytes = [byte];
    let (text, _) = encoding_rs::WINDOWS_1252.decode_without_bom_handling(&bytes);
    text.chars().next().unwrap_or('\u{FFFD}')
}

fn line_of_invalid_utf8(bytes: &[u8]) -> usize {
    let valid = std::str::from_utf8(bytes).map_or_else(|e| e.valid_up_to(), |s| s.len());
    bytes[..valid].iter().filter(|&&b| b == b'\n').count() + 1
}

/// How Vietnamese a text reads: the share of its words with a non-ASCII letter that are
/// syllables, counting every stray control character or Latin-1 symbol (what a wrong decoding
/// leaves between letters: `¸ µ ¶ ·`) as one more word that is not. 1 for text with no such word.
pub fn score(text: &str) -> f32 {
    let mut words = 0usize;
    let mut valid = 0usize;
    let mut junk = 0usize;
    let mut offset = 0;
    for (is_word, piece) in pieces(text) {
        let start = offset;
        offset += piece.len();
        if is_word {
            if piece.is_ascii() {
                continue;
            }
            words += 1;
            if syllable::is_syllable(piece) {
                valid += 1;
            }
        } else {
            junk += piece.chars().filter(|&c| is_junk(c)).count();
            // A symbol glued between two letters (`c«ng`, TCVN3's ô read as Windows-1258) is
            // a letter misread, whatever the symbol.
            if !piece.is_ascii() && !piece.contains(char::is_whitespace) {
                let before = text[..start].chars().next_back();
                let after = text[offset..].chars().next();
                if before.is_some_and(char::is_alphabetic) && after.is_some_and(char::is_alphabetic)
                {
                    junk += 1;
                }
            }
        }
    }
    let total = words + junk;
    if total == 0 {
        1.0
    } else {
        valid as f32 / total as f32
    }
}

fn is_junk(c: char) -> bool {
    (c.is_control() && !matches!(c, '\t' | '\n' | '\r' | '\x0C'))
        || c == '\u{FFFD}'
        || (('\u{00A1}'..='\u{00BF}').contains(&c) && !matches!(c, '«' | '»' | '°' | '©'))
}

/// Encodes text in an encoding: the inverse of [`decode_as`], used to write test files and
/// for anyone who must hand a file back to a legacy system. `Err` names the first character
/// the encoding cannot write.
pub fn encode(text: &str, encoding: Encoding) -> Result<Vec<u8>, char> {
    let text: String = text.nfc().collect();
    match encoding {
        Encoding::Utf8 => Ok(text.into_bytes()),
        Encoding::Utf16Le | Encoding::Utf16Be => {
            let mut out = if encoding == Encoding::Utf16Le {
                vec![0xFF, 0xFE]
            } else {
                vec![0xFE, 0xFF]
            };
            for unit in text.encode_utf16() {
                let bytes = if encoding == Encoding::Utf16Le {
                    unit.to_le_bytes()
                } else {
                    unit.to_be_bytes()
                };
                out.extend(bytes);
            }
            Ok(out)
        }
        Encoding::Windows1258 => {
            let mut out = Vec::with_capacity(text.len());
            for c in text.chars() {
                // A letter CP1258 has whole (à, á, é …) is written whole, as Windows does;
                // others as the toneless letter plus a tone byte.
                if let Some(bytes) = windows_1258_char(&c.to_string()) {
                    out.extend(bytes);
                    continue;
                }
                let (letter, tone) = crate::vietnamese::split_tone(c).ok_or(c)?;
                let mut pair = letter.to_string();
                pair.extend(tone.mark());
                out.extend(windows_1258_char(&pair).ok_or(c)?);
            }
            Ok(out)
        }
        Encoding::Tcvn3 => text
            .chars()
            .map(|c| {
                tables::TCVN3
                    .iter()
                    .position(|&t| t == c)
                    .map(|b| b as u8)
                    .or_else(|| {
                        // Punctuation that Word wrote at 0x80–0x9F in the Windows-1252 way.
                        let text = c.to_string();
                        let (bytes, _, unmappable) = encoding_rs::WINDOWS_1252.encode(&text);
                        match (unmappable, bytes.as_ref()) {
                            (false, &[b]) if (0x80..=0x9F).contains(&b) => Some(b),
                            _ => None,
                        }
                    })
                    .ok_or(c)
            })
            .collect(),
        Encoding::Vni => {
            let mut out = Vec::with_capacity(text.len() * 2);
            for c in text.chars() {
                out.extend(encode_vni(c).ok_or(c)?);
            }
            Ok(out)
        }
    }
}

fn windows_1258_char(text: &str) -> Option<Vec<u8>> {
    let (bytes, _, unmappable) = encoding_rs::WINDOWS_1258.encode(text);
    (!unmappable).then(|| bytes.into_owned())
}

fn encode_vni(c: char) -> Option<Vec<u8>> {
    if c.is_ascii() {
        return Some(vec![c as u8]);
    }
    if let Some(byte) = single_vni_byte(c) {
        return Some(vec![byte]);
    }
    vni_pair(c).or_else(|| {
        // Other characters as in Windows-1252 (… “ ” – °), unless VNI uses the byte itself.
        let text = c.to_string();
        let (bytes, _, unmappable) = encoding_rs::WINDOWS_1252.encode(&text);
        match (unmappable, bytes.as_ref()) {
            (false, &[byte]) if !vni_uses(byte) => Some(vec![byte]),
            _ => None,
        }
    })
}

/// A Vietnamese letter as VNI writes it: the ASCII vowel, or ơ/ư when the letter has a horn,
/// and one mark byte for everything else.
fn vni_pair(c: char) -> Option<Vec<u8>> {
    let decomposed: Vec<char> = std::iter::once(c).nfd().collect();
    let first = *decomposed.first()?;
    let base = if decomposed.contains(&'\u{031B}') {
        [first, '\u{031B}'].into_iter().nfc().next()?
    } else {
        first
    };
    let base_byte = single_vni_byte(base)?;
    let lower = base.to_lowercase().next()?;
    let mark = tables::VNI_MARKS.iter().find(|m| {
        m.bases.contains(lower) && format!("{base}{}", m.marks).nfc().eq(std::iter::once(c))
    })?;
    let mark_byte = if base.is_uppercase() {
        mark.upper
    } else {
        mark.lower
    };
    Some(vec![base_byte, mark_byte])
}

/// Whether VNI uses a byte for a letter or a mark.
fn vni_uses(byte: u8) -> bool {
    tables::VNI_SINGLE.iter().any(|(b, _)| *b == byte)
        || tables::VNI_MARKS
            .iter()
            .any(|m| m.lower == byte || m.upper == byte)
}

fn single_vni_byte(c: char) -> Option<u8> {
    if c.is_ascii_alphabetic() {
        return Some(c as u8);
    }
    tables::VNI_SINGLE
        .iter()
        .find(|(_, s)| *s == c)
        .map(|(b, _)| *b)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "Tiếng Việt có 29 chữ cái. Quyết định của Ủy ban nhân dân tỉnh Hưng Yên \
                          về việc khen thưởng; Cộng hòa xã hội chủ nghĩa Việt Nam, ngày 13 tháng 3.";

    #[test]
    fn tcvn3_follows_the_spec_table() {
        // vn-official-docs.md §10.1: the lowercase table, row a and row ư, and the capitals.
        let bytes = [
            0xB8, 0xB5, 0xB6, 0xB7, 0xB9, 0xAD, 0xF8, 0xF5, 0xF6, 0xF7, 0xF9,
        ];
        assert_eq!(decode_as(&bytes, Encoding::Tcvn3).unwrap(), "áàảãạưứừửữự");
        let capitals = [0xA1, 0xA2, 0xA3, 0xA4, 0xA5, 0xA6, 0xA7, 0xAE];
        assert_eq!(decode_as(&capitals, Encoding::Tcvn3).unwrap(), "ĂÂÊÔƠƯĐđ");
        // The spec's examples, as a Windows-1252 editor shows them.
        let cp1252 = |s: &str| encoding_rs::WINDOWS_1252.encode(s).0.into_owned();
        let read = |s: &str| decode_as(&cp1252(s), Encoding::Tcvn3).unwrap();
        assert_eq!(read("QuyÕt ®Þnh"), "Quyết định");
        assert_eq!(read("TiÕng ViÖt cã 29 ch÷ c¸i"), "Tiếng Việt có 29 chữ cái");
        assert_eq!(read("Céng hoµ x· héi"), "Cộng hoà xã hội");
    }

    #[test]
    fn tcvn3_tells_vn1_capitals_from_word_punctuation() {
        let text = "“Ủy ban” – Ở nước…. Ặc";
        let bytes = encode(text, Encoding::Tcvn3).unwrap();
        assert_eq!(bytes[0], 0x93, "“ is Windows-1252's");
        assert_eq!(bytes[1], 0x9E, "Ủ is glibc's");
        assert_eq!(decode_as(&bytes, Encoding::Tcvn3).unwrap(), text);
    }

    #[test]
    fn vni_follows_the_spec_table() {
        let cp1252 = |s: &str| encoding_rs::WINDOWS_1252.encode(s).0.into_owned();
        let read = |s: &str| decode_as(&cp1252(s), Encoding::Vni).unwrap();
        assert_eq!(
            read("Tieáng Vieät coù 29 chöõ caùi"),
            "Tiếng Việt có 29 chữ cái"
        );
        // ơ is the single byte F4; ô is o + E2; capitals take the mark byte − 0x20.
        assert_eq!(read("ô oâ Ô OÂ"), "ơ ô Ơ Ô");
        assert_eq!(read("AÙ AÁ ÑAÏI HOÏC ñi Î"), "Á Ấ ĐẠI HỌC đi Ỵ");
        assert_eq!(read("aéaúaü"), "ắẳẵ");
    }

    #[test]
    fn windows_1258_decodes_combining_tones_to_nfc() {
        // "Việt" as Windows writes it: V i ê + dot below t.
        let text = decode_as(b"Vi\xEA\xF2t \xD0\xF0", Encoding::Windows1258).unwrap();
        assert_eq!(text, "Việt Đđ");
    }

    #[test]
    fn every_encoding_round_trips_and_is_detected() {
        for encoding in [
            Encoding::Utf8,
            Encoding::Utf16Le,
            Encoding::Utf16Be,
            Encoding::Windows1258,
            Encoding::Tcvn3,
            Encoding::Vni,
        ] {
            let bytes = encode(SAMPLE, encoding).unwrap();
            assert_eq!(decode_as(&bytes, encoding).unwrap(), SAMPLE, "{encoding:?}");
            let detected = detect(&bytes).unwrap();
            assert_eq!(detected.encoding, encoding);
            assert_eq!(detected.text, SAMPLE);
        }
    }

    #[test]
    fn wrong_readings_score_low() {
        for encoding in [Encoding::Windows1258, Encoding::Tcvn3, Encoding::Vni] {
            let bytes = encode(SAMPLE, encoding).unwrap();
            for other in [Encoding::Windows1258, Encoding::Tcvn3, Encoding::Vni] {
                let s = score(&decode_as(&bytes, other).unwrap());
                if other == encoding {
                    assert!(s > 0.95, "{encoding:?} as itself: {s}");
                } else {
                    assert!(s < 0.4, "{encoding:?} as {other:?}: {s}");
                }
            }
        }
    }

    #[test]
    fn short_texts_are_detected_too() {
        // Three words or so: a CSV cell. Each once failed (a tie, or a misreading that looked
        // like a syllable) before the spelling and letter-case rules. What counts is the text:
        // "tín" is the same bytes in VNI and Windows-1258, and either reading is right.
        for text in [
            "công tác",
            "quý I",
            "cao uy tín,",
            "Nguyễn Văn An",
            "Ủy ban",
        ] {
            for encoding in [Encoding::Windows1258, Encoding::Tcvn3, Encoding::Vni] {
                let bytes = encode(text, encoding).unwrap();
                assert_eq!(detect(&bytes).unwrap().text, text, "{text} in {encoding:?}");
            }
        }
    }

    #[test]
    fn a_large_file_is_detected_from_a_sample_of_its_lines_outside_ascii() {
        // 300 KB of ASCII lines first: the sample skips them and still finds the Vietnamese.
        let mut text = "Ban chi dao, 2018;\n".repeat(16_000);
        for _ in 0..2_000 {
            text.push_str(SAMPLE);
            text.push('\n');
        }
        for encoding in [Encoding::Windows1258, Encoding::Tcvn3, Encoding::Vni] {
            let bytes = encode(&text, encoding).unwrap();
            assert!(bytes.len() > SAMPLE_BYTES);
            let sampled = sample(&bytes);
            assert_eq!(sampled.len(), SAMPLE_BYTES, "{encoding:?}");
            assert!(sampled
                .split(|&b| b == b'\n')
                .all(|line| line.iter().any(|&b| b >= 0x80)));
            let decoded = detect(&bytes).unwrap();
            assert_eq!(decoded.encoding, encoding);
            assert!(
                decoded.text == text,
                "{encoding:?}: the whole file is decoded"
            );
        }
    }

    #[test]
    fn random_bytes_are_nonsense() {
        // A fixed pseudo-random sequence (xorshift), so the test is the same every run.
        let mut state: u32 = 0x9E37_79B9;
        let bytes: Vec<u8> = (0..4096)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 17;
                state ^= state << 5;
                (state >> 24) as u8
            })
            .collect();
        assert!(matches!(detect(&bytes), Err(DecodeError::Nonsense { .. })));
    }

    #[test]
    fn utf8_with_a_bad_byte_names_its_line() {
        let mut bytes = "dòng một\ndòng hai\n".as_bytes().to_vec();
        bytes.extend(b"d\xF2ng ba\n");
        assert_eq!(
            detect(&bytes),
            Err(DecodeError::Invalid {
                encoding: Encoding::Utf8,
                line: 3
            })
        );
    }

    #[test]
    fn names_are_read_loosely() {
        assert_eq!(Encoding::from_name("CP1258"), Some(Encoding::Windows1258));
        assert_eq!(Encoding::from_name("TCVN5712-1"), Some(Encoding::Tcvn3));
        assert_eq!(Encoding::from_name("vni_windows"), Some(Encoding::Vni));
        assert_eq!(Encoding::from_name("latin1"), None);
    }
}
