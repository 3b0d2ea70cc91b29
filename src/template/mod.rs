//! Records into markup: minijinja templates, built in or the user's.
//!
//! Values are inserted as literal text (see [`escape`]); only a `.md` file or a value passed
//! through `| markup` is read as markup. Undefined variables are errors that name the template
//! and line. A template declares the fields it reads in a `fields:` comment (see [`contract`]);
//! the required ones are checked, all at once, before rendering.
//!
//! Templates are sandboxed: besides the built-ins they can load only templates inside the
//! folders given to [`Templates::add_dir`] (and the folder of a file given to
//! [`Templates::add_file`]); the language has no way to run commands or read other files; a
//! template that loops too long runs out of fuel and one that recurses too deep hits the
//! recursion limit, both with an error naming it.

pub mod contract;
mod escape;
mod filters;
mod meeting;
mod name;
mod records;
mod source;
mod wording;

use std::path::{Component, Path, PathBuf};

use minijinja::value::Value;
use minijinja::{AutoEscape, Environment, ErrorKind, UndefinedBehavior};

use crate::data::{Field, Record};
use crate::error::{Error, Result};

pub use contract::{FieldSpec, FieldType, Finding, Severity};
pub use escape::escape_markup;
pub use filters::{official_date, parse_date, Date};
pub use name::NamePattern;
pub use records::RecordsMarkup;
pub use wording::type_abbreviation;

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

/// The templates compiled into the binary. Names that start with `_` hold shared macros and
/// are not listed by `vanban templates`.
pub const BUILTINS: &[Builtin] = &[
    Builtin {
        name: "bao-cao",
        description: "Báo cáo (report), state format (NĐ 30/2020, Phụ lục III Mẫu 1.4)",
        source: include_str!("../../templates/bao-cao.j2"),
    },
    Builtin {
        name: "bien-ban",
        description: "Biên bản (meeting minutes), state format (NĐ 30/2020, Mẫu 1.9)",
        source: include_str!("../../templates/bien-ban.j2"),
    },
    Builtin {
        name: "thong-bao",
        description: "Thông báo (notice of a meeting's conclusions), state format (Mẫu 1.4)",
        source: include_str!("../../templates/thong-bao.j2"),
    },
    Builtin {
        name: "ke-hoach",
        description: "Kế hoạch (plan), state format (Mẫu 1.4)",
        source: include_str!("../../templates/ke-hoach.j2"),
    },
    Builtin {
        name: "giay-moi",
        description: "Giấy mời (invitation to a meeting), state format (Mẫu 1.7)",
        source: include_str!("../../templates/giay-moi.j2"),
    },
    Builtin {
        name: "cong-van",
        description: "Công văn (official letter: V/v, Kính gửi), state format (Mẫu 1.5)",
        source: include_str!("../../templates/cong-van.j2"),
    },
    Builtin {
        name: "to-trinh",
        description: "Tờ trình (submission to a higher body), state format (Mẫu 1.4)",
        source: include_str!("../../templates/to-trinh.j2"),
    },
    Builtin {
        name: "dang/bao-cao",
        description: "Báo cáo (report) of a Party body (HD 05-HD/VPTW)",
        source: include_str!("../../templates/dang/bao-cao.j2"),
    },
    Builtin {
        name: "dang/bien-ban",
        description: "Biên bản (meeting minutes) of a Party body (HD 05-HD/VPTW)",
        source: include_str!("../../templates/dang/bien-ban.j2"),
    },
    Builtin {
        name: "dang/thong-bao",
        description: "Thông báo (notice of conclusions) of a Party body (HD 05-HD/VPTW)",
        source: include_str!("../../templates/dang/thong-bao.j2"),
    },
    Builtin {
        name: "dang/ke-hoach",
        description: "Kế hoạch (plan) of a Party body (HD 05-HD/VPTW)",
        source: include_str!("../../templates/dang/ke-hoach.j2"),
    },
    Builtin {
        name: "dang/cong-van",
        description: "Công văn (official letter) of a Party body (HD 05-HD/VPTW)",
        source: include_str!("../../templates/dang/cong-van.j2"),
    },
    Builtin {
        name: "tin-bai",
        description: "Tin bài (news article: headline, lead, pictures, body, byline)",
        source: include_str!("../../templates/tin-bai.j2"),
    },
    Builtin {
        name: "ban-tin",
        description: "Bản tin (news bulletin: masthead, articles in two columns)",
        source: include_str!("../../templates/ban-tin.j2"),
    },
    Builtin {
        name: "tong-hop",
        description: "Báo cáo tổng hợp (yearly summary) of many meetings, for --aggregate",
        source: include_str!("../../templates/tong-hop.j2"),
    },
    Builtin {
        name: "_chung",
        description: "Macros shared by the state and the Party templates",
        source: include_str!("../../templates/_chung.j2"),
    },
];

/// The built-in templates to choose from: all but the shared macros (names starting `_`).
pub fn listed() -> impl Iterator<Item = &'static Builtin> {
    BUILTINS.iter().filter(|b| !b.name.starts_with('_'))
}

/// What to say about a name that is no template, and what to give instead.
pub fn not_found_message() -> String {
    format!(
        "no such template: give a built-in name ({}), a template in a --templates folder, or the path of a template file",
        listed().map(|b| b.name).collect::<Vec<_>>().join(", ")
    )
}

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
    /// Folders user templates are loaded from (canonical paths).
    dirs: Vec<PathBuf>,
}

/// Instructions a template may run before it is stopped (an endless loop).
const FUEL: u64 = 50_000_000;

/// How deep templates may nest (macros calling macros, includes including): deep enough for
/// any real template, shallow enough that a runaway recursion stops with an error long before
/// it exhausts the stack.
const RECURSION_LIMIT: usize = 250;

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
        env.set_fuel(Some(FUEL));
        env.set_recursion_limit(RECURSION_LIMIT);
        env.set_auto_escape_callback(|_| AutoEscape::Custom("markup".into()));
        env.set_formatter(|out, _state, value| {
            if value.is_safe() {
                out.write_str(value.as_str().unwrap_or_default())?;
            } else if !value.is_none() && !value.is_undefined() {
                out.write_str(&escape_markup(&value.to_string()))?;
            }
            Ok(())
        });
        wording::register(&mut env);
        env.add_filter("vn_date", filters::vn_date);
        env.add_filter("lines", filters::lines);
        env.add_filter("markup", filters::markup);
        env.add_filter("short_date", filters::short_date);
        env.add_filter("table_date", filters::table_date);
        env.add_filter("roman", filters::roman);
        env.add_filter("oneline", filters::oneline);
        env.add_filter("vn_time", meeting::vn_time);
        env.add_filter("weekday", meeting::weekday);
        env.add_filter("end_mark", meeting::end_mark);
        env.add_filter("sort_by_date", filters::sort_by_date);
        env.add_filter("group_by_month", filters::group_by_month);
        for builtin in BUILTINS {
            // Built-ins are compiled in and tested; a syntax error in one is a build defect.
            env.add_template(builtin.name, builtin.source)
                .expect("built-in template parses");
        }
        Templates {
            env,
            dirs: Vec::new(),
        }
    }

    /// Adds a template from a file; returns the name to render it by (its path). The file's
    /// folder becomes a template folder, so it may include or extend the templates beside it.
    pub fn add_file(&mut self, path: &Path) -> Result<String> {
        let source = read_source(path)?;
        let name = path.display().to_string();
        source::check_imports(&source).map_err(|(line, message)| Error::Template {
            name: name.clone(),
            line: Some(line),
            message,
        })?;
        self.env
            .add_template_owned(name.clone(), source)
            .map_err(|e| convert_error(&name, &e))?;
        let folder = match path.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent,
            _ => Path::new("."),
        };
        self.add_dir(folder)?;
        Ok(name)
    }

    /// Adds a folder of user templates: `-t NAME`, `{% extends "NAME" %}` and
    /// `{% include "NAME" %}` find `NAME` or `NAME.j2` there (built-in names come first).
    /// Nothing outside the folder can be loaded through it.
    pub fn add_dir(&mut self, dir: &Path) -> Result<()> {
        let canonical = dir.canonicalize().map_err(|e| Error::io(dir, e))?;
        if !canonical.is_dir() {
            return Err(Error::Usage(format!(
                "{} is not a folder: give the folder that holds your templates",
                dir.display()
            )));
        }
        if !self.dirs.contains(&canonical) {
            self.dirs.push(canonical);
        }
        let dirs = self.dirs.clone();
        self.env
            .set_loader(move |name| load_user_template(&dirs, name));
        Ok(())
    }

    /// The built-in template of that name, if there is one.
    pub fn builtin(name: &str) -> Option<&'static Builtin> {
        BUILTINS.iter().find(|b| b.name == name)
    }

    /// Whether a template of that name is known; a template that is there but cannot be
    /// loaded (a syntax error, a refused name) is an error that says why, not "not found".
    pub fn find(&self, name: &str) -> Result<bool> {
        match self.env.get_template(name) {
            Ok(_) => Ok(true),
            Err(e) if e.kind() == ErrorKind::TemplateNotFound => Ok(false),
            Err(e) => Err(convert_error(name, &e)),
        }
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

/// Loads a user template by name from the template folders: relative names only, no `..`, and
/// the file (links followed) must lie inside the folder it was found in.
fn load_user_template(
    dirs: &[PathBuf],
    name: &str,
) -> std::result::Result<Option<String>, minijinja::Error> {
    let refuse = |why: &str| {
        Err(minijinja::Error::new(
            ErrorKind::InvalidOperation,
            format!("cannot load template `{name}`: {why}"),
        ))
    };
    let relative = Path::new(name);
    if relative.is_absolute()
        || relative
            .components()
            .any(|c| !matches!(c, Component::Normal(_)))
    {
        return refuse(
            "templates load only from the template folders; name one inside them, without `..` or an absolute path",
        );
    }
    for dir in dirs {
        for candidate in [dir.join(name), dir.join(format!("{name}.j2"))] {
            if !candidate.is_file() {
                continue;
            }
            let Ok(real) = candidate.canonicalize() else {
                continue;
            };
            if !real.starts_with(dir) {
                return refuse("it is a link that leads outside the template folder");
            }
            return match read_source(&real) {
                Ok(source) => match source::check_imports(&source) {
                    Ok(()) => Ok(Some(source)),
                    Err((line, message)) => refuse(&format!("line {line}: {message}")),
                },
                Err(e) => refuse(&e.to_string()),
            };
        }
    }
    Ok(None)
}

/// A template file's text. Like data files, it may be saved in a legacy encoding (Notepad on
/// Vietnamese Windows saves Windows-1258 unless told otherwise): it is detected and decoded.
fn read_source(path: &Path) -> Result<String> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    crate::data::decode(path, &bytes, None)
}

pub(crate) fn convert_error(name: &str, error: &minijinja::Error) -> Error {
    // An error inside an included template arrives wrapped: the innermost one says what
    // happened (an endless recursion of includes, a loop out of fuel) and where.
    let mut error = error;
    while let Some(inner) = std::error::Error::source(error)
        .and_then(|source| source.downcast_ref::<minijinja::Error>())
    {
        error = inner;
    }
    let message = match error.kind() {
        ErrorKind::UndefinedError => {
            let variable = error
                .range()
                .zip(error.template_source())
                .and_then(|(range, source)| source.get(range))
                .map(|expr| format!("`{}` is not defined in the record", expr.trim()));
            variable.unwrap_or_else(|| "a value the template uses is not defined".to_string())
        }
        ErrorKind::TemplateNotFound => not_found_message(),
        ErrorKind::OutOfFuel => "the template runs too long (an endless loop?)".to_string(),
        ErrorKind::InvalidOperation
            if error
                .detail()
                .is_some_and(|d| d.contains("recursion limit")) =>
        {
            "the template nests too deep (a macro or include that calls itself without end?)"
                .to_string()
        }
        kind => error
            .detail()
            .map_or_else(|| kind.to_string(), str::to_string),
    };
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

    /// Renders `record` with a template file holding `source`.
    fn render_with(source: &str, record: &Record) -> Result<Markup> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.j2");
        std::fs::write(&path, source).unwrap();
        let mut templates = Templates::new();
        let name = templates.add_file(&path).unwrap();
        templates.render(&name, record)
    }

    #[test]
    fn undefined_variable_is_named_with_its_line() {
        let err = render_with("a\n{{ signer.name }}\n", &record(vec![]))
            .unwrap_err()
            .to_string();
        assert!(err.contains("line 2"), "{err}");
        assert!(err.contains("signer"), "{err}");
    }

    #[test]
    fn an_endless_template_is_stopped() {
        let nested =
            "{% for i in range(10000) %}{% for j in range(10000) %}{% endfor %}{% endfor %}";
        let err = render_with(nested, &record(vec![]))
            .unwrap_err()
            .to_string();
        assert!(err.contains("runs too long"), "{err}");
    }

    #[test]
    fn data_is_escaped_and_markup_is_not() {
        let r = record(vec![
            ("a", Field::Text("*x*".into())),
            ("b", Field::Markup("*y*".into())),
        ]);
        let markup = render_with("{{ a }}|{{ b }}|{{ a | markup }}", &r).unwrap();
        assert_eq!(markup.text, "\\*x\\*|*y*|*x*");
    }
}
