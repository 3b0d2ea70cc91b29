//! The block directives: lines that start with `:::` and what Markdown cannot say.
//!
//! A first pass splits the markup into a tree: runs of Markdown lines, containers
//! (`::: columns 38% 62%` … `::: next` … `:::`) and single-line directives (`::: rule`,
//! `::: space 12pt`, `::: page-break`). The Markdown runs are parsed afterwards, inside the
//! style their containers set.

use crate::model::mm;

/// A piece of the markup tree.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    /// Markdown lines, and the markup line the first one is on.
    Markdown(String, usize),
    /// A directive with content.
    Container(Container),
    /// A one-line directive.
    Leaf(Directive),
}

/// A directive line: its name, its words, and where it is.
#[derive(Debug, Clone, PartialEq)]
pub struct Directive {
    /// `rule`, `space`, `columns`, `style` (for a line of attributes only) …
    pub name: String,
    /// The words after the name: `key=value` or bare values and flags.
    pub args: Vec<String>,
    /// The markup line.
    pub line: usize,
}

/// A directive with content; `columns` splits its content at `::: next`.
#[derive(Debug, Clone, PartialEq)]
pub struct Container {
    /// The opening line.
    pub directive: Directive,
    /// The content, one list per column (one list for other containers).
    pub parts: Vec<Vec<Node>>,
}

const CONTAINERS: &[&str] = &[
    "style",
    "columns",
    "keep",
    "table",
    "header",
    "first-header",
    "flow",
    "story",
    "continued",
    "continued-from",
];
const LEAVES: &[&str] = &[
    "rule",
    "space",
    "page-break",
    "section-break",
    "page-margins",
    "toc",
];

/// Splits markup into the directive tree. Errors carry the markup line.
pub fn split(text: &str) -> Result<Vec<Node>, (usize, String)> {
    let mut stack: Vec<Container> = Vec::new();
    let mut top: Vec<Node> = Vec::new();
    let mut pending = String::new();
    let mut pending_line = 1;

    fn current<'a>(stack: &'a mut [Container], top: &'a mut Vec<Node>) -> &'a mut Vec<Node> {
        match stack.last_mut() {
            Some(container) => container.parts.last_mut().expect("a container has a part"),
            None => top,
        }
    }

    for (index, line) in text.split('\n').enumerate() {
        let number = index + 1;
        let Some(rest) = line.trim_end().strip_prefix(":::") else {
            if pending.is_empty() {
                pending_line = number;
            }
            pending.push_str(line);
            pending.push('\n');
            continue;
        };
        if !pending.trim().is_empty() {
            let chunk = std::mem::take(&mut pending);
            current(&mut stack, &mut top).push(Node::Markdown(chunk, pending_line));
        }
        pending.clear();
        let words: Vec<String> = rest.split_whitespace().map(str::to_string).collect();
        let Some(first) = words.first() else {
            let Some(done) = stack.pop() else {
                return Err((
                    number,
                    "`:::` closes nothing: there is no open directive".into(),
                ));
            };
            current(&mut stack, &mut top).push(Node::Container(done));
            continue;
        };
        if first == "next" {
            match stack.last_mut() {
                Some(container) if container.directive.name == "columns" => {
                    container.parts.push(Vec::new())
                }
                _ => return Err((number, "`::: next` belongs inside `::: columns`".into())),
            }
            continue;
        }
        let is_named = !first.contains('=') && !is_style_flag(first);
        let (name, args) = if is_named {
            (first.clone(), words[1..].to_vec())
        } else {
            ("style".to_string(), words.clone())
        };
        let directive = Directive {
            name: name.clone(),
            args,
            line: number,
        };
        if CONTAINERS.contains(&name.as_str()) {
            stack.push(Container {
                directive,
                parts: vec![Vec::new()],
            });
        } else if LEAVES.contains(&name.as_str()) {
            current(&mut stack, &mut top).push(Node::Leaf(directive));
        } else {
            return Err((
                number,
                format!(
                    "unknown directive `{name}`: use one of {}, or style attributes (align=, size=, bold …)",
                    CONTAINERS.iter().chain(LEAVES).copied().collect::<Vec<_>>().join(", ")
                ),
            ));
        }
    }
    if let Some(open) = stack.last() {
        return Err((
            open.directive.line,
            format!(
                "`::: {}` is never closed: add a line `:::`",
                open.directive.name
            ),
        ));
    }
    if !pending.trim().is_empty() {
        top.push(Node::Markdown(pending, pending_line));
    }
    Ok(top)
}

/// Whether a bare word is a style flag (`bold`, `italic`, `keep-next`).
pub fn is_style_flag(word: &str) -> bool {
    matches!(
        word,
        "bold" | "italic" | "upright" | "regular" | "underline" | "keep-next"
    )
}

/// Reads a length: `12pt`, `6mm`, `1.27cm`, or a bare number of points.
pub fn parse_length(text: &str) -> Option<f32> {
    let (number, factor) = if let Some(n) = text.strip_suffix("pt") {
        (n, 1.0)
    } else if let Some(n) = text.strip_suffix("mm") {
        (n, mm(1.0))
    } else if let Some(n) = text.strip_suffix("cm") {
        (n, mm(10.0))
    } else {
        (text, 1.0)
    };
    let value: f32 = number.parse().ok()?;
    (value.is_finite() && (0.0..=2000.0).contains(&(value * factor))).then_some(value * factor)
}

/// Reads a percentage `38%` as a fraction.
pub fn parse_percent(text: &str) -> Option<f32> {
    let value: f32 = text.strip_suffix('%')?.parse().ok()?;
    (value > 0.0 && value <= 100.0).then_some(value / 100.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn containers_nest_and_columns_split() {
        let nodes = split(
            "a\n::: columns 40% 60%\nleft\n::: next\n::: bold\nright\n:::\n:::\n::: rule\nb\n",
        )
        .unwrap();
        assert_eq!(nodes.len(), 4);
        let Node::Container(columns) = &nodes[1] else {
            panic!("{nodes:?}")
        };
        assert_eq!(columns.parts.len(), 2);
        assert!(matches!(&columns.parts[1][0], Node::Container(c) if c.directive.name == "style"));
        assert!(matches!(&nodes[2], Node::Leaf(d) if d.name == "rule"));
    }

    #[test]
    fn unclosed_and_stray_directives_name_their_line() {
        assert_eq!(split("x\n::: keep\ny\n").unwrap_err().0, 2);
        assert_eq!(split("x\n:::\n").unwrap_err().0, 2);
        assert!(split("::: frobnicate\n")
            .unwrap_err()
            .1
            .contains("unknown directive"));
    }

    #[test]
    fn lengths_take_units() {
        assert_eq!(parse_length("12pt"), Some(12.0));
        assert!((parse_length("1.27cm").unwrap() - 36.0).abs() < 0.01);
        assert_eq!(parse_length("abc"), None);
        assert_eq!(parse_percent("40%"), Some(0.4));
    }
}
