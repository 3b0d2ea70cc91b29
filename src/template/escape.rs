//! Literal text into markup: the template engine's auto-escaping.
//!
//! Data is text, not markup. Every ASCII punctuation character gets a backslash (CommonMark
//! reads `\x` as a literal `x` for every ASCII punctuation `x`), so `*`, `_`, `#`, `<`, `:::` and
//! the rest print as typed. Leading blanks are dropped from each line, so an indented line
//! cannot turn into a code block; blank lines still separate paragraphs.

/// Escapes literal text so that the markup parser reads back exactly its characters.
pub fn escape_markup(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        for c in line.trim_start().chars() {
            match c {
                '\t' => out.push(' '),
                c if c.is_ascii_punctuation() => {
                    out.push('\\');
                    out.push(c);
                }
                c => out.push(c),
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn punctuation_is_escaped_and_letters_are_not() {
        assert_eq!(escape_markup("a*b_c"), "a\\*b\\_c");
        assert_eq!(escape_markup("Việt Nam"), "Việt Nam");
        assert_eq!(escape_markup("  # x\n\n    code"), "\\# x\n\ncode");
    }
}
