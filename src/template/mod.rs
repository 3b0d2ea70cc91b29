//! Records into markup: minijinja templates, built in or the user's.
//!
//! Values are inserted as literal text (see [`escape`]); only a `.md` file or a value passed
//! through `| markup` is read as markup. Undefined variables are errors that name the template
//! and line. A template may declare the fields it cannot do without in a first comment
//! `{# requires: issuer.name signer.name … #}`; they are checked, all at once, before rendering.

mod escape;
mod filters;
mod name;
mod records;

use std::path::Path;

use minijinja::value::Value;
use minijinja::{AutoEscape, Environment, UndefinedBehavior};

use crate::data::{Field, Record};
use crate::error::{Error, Result};

pub use escape::escape_markup;
pub use filters::{official_date, parse_date, Date};
pub use name::NamePattern;
pub use records::RecordsMarkup;

/// A built-in template: its name, one line about it, and its source.
#[derive(Debug, Clone, Copy)]
pub struct Builtin {
    /// The name `-t` takes.
    pub name: &'static str,
    /// What it makes.
    pub description: &'static str,
    /// The template text.
    pub source: &'static str,
}

/// The templates compiled into the binary.
pub const BUILTINS: &[Builtin] = &[
    Builtin {
        name: "bao-cao",
        description:
            "Báo cáo (report) of a meeting, state format (NĐ 30/2020, Phụ lục III Mẫu 1.4)",
        source: include_str!("../../templates/bao-cao.j2"),
    },
    Builtin {
        name: "tong-hop",
        description: "Báo cáo tổng hợp (yearly summary) of many meetings, for --aggregate",
        source: include_str!("../../templates/tong-hop.j2"),
    },
];

/// The template `--aggregate` uses when no other is given.
pub const DEFAULT_AGGREGATE_TEMPLATE: &str = "tong-hop";

/// The template a record gets when neither `-t` nor its `template` field names one.
pub const DEFAULT_TEMPLATE: &str = "bao-cao";

/// Markup text written by a template.
#[derive(Debug, Clone, PartialEq)]
pub struct Markup {
    /// The markup.
    pub text: String,
    /// The template that wrote it, for messages.
    pub template: String,
}

/// The template environment: loaded once, shared by every record of a run.
pub struct Templates {
    env: Environment<'static>,
}

impl std::fmt::Debug for Templates {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Templates").finish_non_exhaustive()
    }
}

impl Default for Templates {
    fn default() -> Self {
        Self::new()
    }
}

impl Templates {
    /// The built-in templates, with vanban's filters, escaping and strict undefined values.
    pub fn new() -> Self {
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        // Debug mode makes an undefined variable's name part of the error, even in release builds.
        env.set_debug(true);
        // A template that loops forever is stopped instead of hanging a batch.
        env.set_fuel(Some(50_000_000));
        env.set_auto_escape_callback(|_| AutoEscape::Custom("markup".into()));
        env.set_formatter(|out, _state, value| {
            if value.is_safe() {
                out.write_str(value.as_str().unwrap_or_default())?;
            } else if !value.is_none() && !value.is_undefined() {
                out.write_str(&escape_markup(&value.to_string()))?;
            }
            Ok(())
        });
        env.add_filter("vn_date", filters::vn_date);
        env.add_filter("lines", filters::lines);
        env.add_filter("markup", filters::markup);
        env.add_filter("short_date", filters::short_date);
        env.add_filter("sort_by_date", filters::sort_by_date);
        env.add_filter("group_by_month", filters::group_by_month);
        for builtin in BUILTINS {
            // Built-ins are compiled in and tested; a syntax error in one is a build defect.
            env.add_template(builtin.name, builtin.source)
                .expect("built-in template parses");
        }
        Templates { env }
    }

    /// Adds a template from a file; returns the name to render it by (its path).
    pub fn add_file(&mut self, path: &Path) -> Result<String> {
        let source = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        let name = path.display().to_string();
        self.env
            .add_template_owned(name.clone(), source)
            .map_err(|e| convert_error(&name, &e))?;
        Ok(name)
    }

    /// Whether a template of that name is known.
    pub fn has(&self, name: &str) -> bool {
        self.env.get_template(name).is_ok()
    }

    /// The fields a template declares it needs, from its `{# requires: … #}` comment.
    pub fn requires(&self, name: &str) -> Vec<String> {
        let Ok(template) = self.env.get_template(name) else {
            return Vec::new();
        };
        let source = template.source();
        let Some(start) = source.find("requires:") else {
            return Vec::new();
        };
        let rest = &source[start + "requires:".len()..];
        let end = rest.find("#}").unwrap_or(rest.len());
        rest[..end]
            .split_whitespace()
            .filter(|w| *w != "-")
            .map(str::to_string)
            .collect()
    }

    /// Renders a record into markup with the named template.
    pub fn render(&self, name: &str, record: &Record) -> Result<Markup> {
        let template = self
            .env
            .get_template(name)
            .map_err(|e| convert_error(name, &e))?;
        self.check_required(name, record)?;
        let text = template
            .render(to_value(&record.fields))
            .map_err(|e| convert_error(name, &e))?;
        Ok(Markup {
            text,
            template: name.to_string(),
        })
    }
}

/// Turns a record's fields into template values; markup fields become safe strings.
pub(crate) fn to_value(field: &Field) -> Value {
    match field {
        Field::Null => Value::from(()),
        Field::Bool(b) => Value::from(*b),
        Field::Int(i) => Value::from(*i),
        Field::Float(f) => Value::from(*f),
        Field::Text(s) => Value::from(s.as_str()),
        Field::Markup(s) => Value::from_safe_string(s.clone()),
        Field::List(items) => Value::from(items.iter().map(to_value).collect::<Vec<_>>()),
        Field::Map(entries) => Value::from(
            entries
                .iter()
                .map(|(k, v)| (k.clone(), to_value(v)))
                .collect::<std::collections::BTreeMap<String, Value>>(),
        ),
    }
}

pub(crate) fn convert_error(name: &str, error: &minijinja::Error) -> Error {
    use minijinja::ErrorKind;
    let mut message = match error.kind() {
        ErrorKind::UndefinedError => {
            let variable = error
                .range()
                .zip(error.template_source())
                .and_then(|(range, source)| source.get(range))
                .map(|expr| format!("`{}` is not defined in the record", expr.trim()));
            variable.unwrap_or_else(|| "a value the template uses is not defined".to_string())
        }
        ErrorKind::TemplateNotFound => format!(
            "no such template: give a built-in name ({}) or the path of a template file",
            BUILTINS
                .iter()
                .map(|b| b.name)
                .collect::<Vec<_>>()
                .join(", ")
        ),
        ErrorKind::OutOfFuel => "the template runs too long (an endless loop?)".to_string(),
        _ => error.detail().unwrap_or("failed").to_string(),
    };
    if !matches!(
        error.kind(),
        ErrorKind::UndefinedError | ErrorKind::TemplateNotFound
    ) && error.detail().is_none()
    {
        message = error.to_string();
    }
    let line = if error.kind() == ErrorKind::TemplateNotFound {
        None
    } else {
        error.line()
    };
    Error::Template {
        name: error.name().unwrap_or(name).to_string(),
        line,
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    /// A record of `test.toml` with the given fields.
    pub(super) fn record(fields: Vec<(&str, Field)>) -> Record {
        Record {
            fields: Field::Map(
                fields
                    .into_iter()
                    .map(|(k, v)| (k.to_string(), v))
                    .collect(),
            ),
            file: PathBuf::from("test.toml"),
            line: None,
            index: 0,
        }
    }

    #[test]
    fn undefined_variable_is_named_with_its_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.j2");
        std::fs::write(&path, "a\n{{ signer.name }}\n").unwrap();
        let mut templates = Templates::new();
        let name = templates.add_file(&path).unwrap();
        let err = templates
            .render(&name, &record(vec![]))
            .unwrap_err()
            .to_string();
        assert!(err.contains("line 2"), "{err}");
        assert!(err.contains("signer"), "{err}");
    }

    #[test]
    fn data_is_escaped_and_markup_is_not() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.j2");
        std::fs::write(&path, "{{ a }}|{{ b }}|{{ a | markup }}").unwrap();
        let mut templates = Templates::new();
        let name = templates.add_file(&path).unwrap();
        let r = record(vec![
            ("a", Field::Text("*x*".into())),
            ("b", Field::Markup("*y*".into())),
        ]);
        assert_eq!(templates.render(&name, &r).unwrap().text, "\\*x\\*|*y*|*x*");
    }
}
