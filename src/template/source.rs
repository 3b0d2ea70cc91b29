//! Checks on a user template's text before minijinja compiles it.
//!
//! minijinja 3.1 parses the name in `{% import "x" as NAME %}` as any expression and then
//! panics while compiling one that cannot be assigned to (`as False`, `as 1`, `as (a, 1)`):
//! found by the `templates` fuzz target. A user template is untrusted input, so such a name
//! is refused here, with its line, before the template reaches the compiler.

/// Refuses an `import … as NAME` whose name is not a plain (or dotted) variable name: the line
/// (from 1) and what is wrong.
pub(crate) fn check_imports(source: &str) -> Result<(), (usize, String)> {
    let mut at = 0;
    while let Some(found) = source[at..].find('{') {
        let start = at + found;
        let rest = &source[start..];
        if rest.starts_with("{#") {
            // A comment holds no tags; an unclosed one is minijinja's to report.
            match rest.find("#}") {
                Some(end) => at = start + end + 2,
                None => return Ok(()),
            }
            continue;
        }
        if !rest.starts_with("{%") {
            at = start + 1;
            continue;
        }
        let Some(end) = tag_end(&rest[2..]) else {
            return Ok(());
        };
        let tag =
            rest[2..2 + end].trim_matches(|c: char| c == '-' || c == '+' || c.is_whitespace());
        at = start + 2 + end + 2;
        let words: Vec<&str> = tag.split_whitespace().collect();
        match words.first() {
            Some(&"raw") => {
                // Text up to `endraw` is text, not tags.
                match source[at..].find("endraw") {
                    Some(end) => at += end,
                    None => return Ok(()),
                }
            }
            Some(&"import") => {
                // A missing `as` is minijinja's to report, as a syntax error.
                let Some(position) = words.iter().rposition(|w| *w == "as") else {
                    continue;
                };
                let name: Vec<&str> = words[position + 1..]
                    .iter()
                    .take_while(|w| !matches!(**w, "with" | "without"))
                    .copied()
                    .collect();
                let name = name.join(" ");
                if !is_assignable(&name) {
                    let line = source[..start].matches('\n').count() + 1;
                    return Err((
                        line,
                        format!(
                            "`import … as {name}` needs a variable name after `as`, such as `chung`"
                        ),
                    ));
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// Where a block tag's text ends (the `%}` outside its string literals), from just after `{%`.
fn tag_end(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut quote: Option<u8> = None;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        match quote {
            Some(_) if b == b'\\' => i += 1,
            Some(q) if b == q => quote = None,
            Some(_) => {}
            None if b == b'"' || b == b'\'' => quote = Some(b),
            None if b == b'%' && bytes.get(i + 1) == Some(&b'}') => return Some(i),
            None => {}
        }
        i += 1;
    }
    None
}

/// A variable name, or names joined by dots, that is not a constant (`true`, `none` …).
fn is_assignable(name: &str) -> bool {
    const CONSTANTS: [&str; 6] = ["true", "false", "none", "True", "False", "None"];
    !name.is_empty()
        && name.split('.').all(|part| {
            let mut chars = part.chars();
            chars.next().is_some_and(|c| c.is_alphabetic() || c == '_')
                && chars.all(|c| c.is_alphanumeric() || c == '_')
                && !CONSTANTS.contains(&part)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn import_names_that_crash_minijinja_are_refused_with_their_line() {
        for bad in ["False", "1", "none", "(a, 1)", "a + b", "a.1"] {
            let source = format!("Dòng một\n{{% import \"_chung\" as {bad} -%}}\n");
            let (line, message) = check_imports(&source).unwrap_err();
            assert_eq!(line, 2, "{bad}");
            assert!(message.contains(&format!("as {bad}`")), "{message}");
        }
    }

    #[test]
    fn ordinary_imports_comments_raw_text_and_strings_pass() {
        let fine = [
            "{% import \"_chung\" as chung %}",
            "{%- import '_chung' as chung without context -%}",
            "{% import \"_chung\" as ns.chung %}",
            "{# {% import \"_chung\" as False %} #}",
            "{% raw %}{% import \"_chung\" as False %}{% endraw %}",
            "{% from \"_chung\" import photos as anh %}",
            "{{ 'as False' }} {% if x %}as 1{% endif %}",
            "{% import \"_chung\" %}",
        ];
        for source in fine {
            assert_eq!(check_imports(source), Ok(()), "{source}");
        }
        // `%}` inside a string does not end the tag, so it cannot hide the name.
        assert!(check_imports("{% import \"a%}\" as False %}").is_err());
    }
}
