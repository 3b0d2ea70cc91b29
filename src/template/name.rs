//! File names from records: by default the record's number and date (`15-BC-BCĐ_2018-03-13`),
//! else the data file's name and the record's row; or a minijinja expression (`--name`).

use std::collections::BTreeMap;

use minijinja::value::Value;
use minijinja::Expression;

use super::{convert_error, to_value, Templates};
use crate::data::{Field, Record};
use crate::error::{Error, Result};
use crate::output::{fold_ascii, safe_name};

/// How the files of a batch are named: compiled once, applied to every record.
pub struct NamePattern<'env> {
    expression: Option<Expression<'env, 'static>>,
    ascii: bool,
}

impl std::fmt::Debug for NamePattern<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NamePattern")
            .field("custom", &self.expression.is_some())
            .field("ascii", &self.ascii)
            .finish()
    }
}

/// What `--name` is called in messages.
const PATTERN: &str = "--name";

impl Templates {
    /// Compiles a name pattern: a minijinja expression over the record's fields (for example
    /// `issuer.number ~ "_" ~ meeting.date`), which may also use `row` (the line of a CSV or
    /// JSON Lines record, else its position from 1) and `index` (its position from 0) unless
    /// the record has fields of those names. `None` is the default naming. With `ascii`,
    /// Vietnamese letters are folded to ASCII.
    pub fn name_pattern(&self, pattern: Option<&str>, ascii: bool) -> Result<NamePattern<'_>> {
        let expression = match pattern {
            Some(pattern) => Some(
                self.env
                    .compile_expression_owned(pattern.to_string())
                    .map_err(|e| Error::Usage(pattern_error(pattern, &e)))?,
            ),
            None => None,
        };
        Ok(NamePattern { expression, ascii })
    }
}

impl NamePattern<'_> {
    /// The file name (without extension) of a record, safe for any file system.
    pub fn name(&self, record: &Record) -> Result<String> {
        let text = match &self.expression {
            Some(expression) => {
                let value = expression.eval(context(record)).map_err(|e| {
                    let Error::Template { message, .. } = convert_error(PATTERN, &e) else {
                        return Error::Usage(e.to_string());
                    };
                    Error::BadField {
                        field: PATTERN.into(),
                        message,
                    }
                })?;
                let text = if value.is_none() || value.is_undefined() {
                    String::new()
                } else {
                    value.to_string()
                };
                if text.trim().is_empty() {
                    return Err(Error::BadField {
                        field: PATTERN.into(),
                        message: "the pattern gives an empty name for this record".into(),
                    });
                }
                text
            }
            None => default_name(record),
        };
        Ok(if self.ascii {
            safe_name(&fold_ascii(&text))
        } else {
            safe_name(&text)
        })
    }
}

/// The record's position as people count rows: its line when the file has lines (CSV, JSON
/// Lines), else its position from 1.
fn row(record: &Record) -> u64 {
    record.line.unwrap_or(record.index as u64 + 1)
}

/// `number_date`, else `number`, else `<data file>-<row>`.
fn default_name(record: &Record) -> String {
    let text = |path: &str| record.fields.get_path(path).and_then(Field::as_str);
    match (text("issuer.number"), text("issuer.date")) {
        (Some(number), Some(date)) => format!("{number}_{date}"),
        (Some(number), None) => number.to_string(),
        _ => {
            let stem = record
                .file
                .file_stem()
                .and_then(|s| s.to_str())
                .unwrap_or("van-ban");
            format!("{stem}-{}", row(record))
        }
    }
}

/// The record's fields, and `row` and `index` where the record has no such fields.
fn context(record: &Record) -> Value {
    let mut map: BTreeMap<String, Value> = match &record.fields {
        Field::Map(entries) => entries
            .iter()
            .map(|(k, v)| (k.clone(), to_value(v)))
            .collect(),
        _ => BTreeMap::new(),
    };
    map.entry("row".into()).or_insert(Value::from(row(record)));
    map.entry("index".into())
        .or_insert(Value::from(record.index as u64));
    Value::from(map)
}

fn pattern_error(pattern: &str, error: &minijinja::Error) -> String {
    format!(
        "the name pattern `{pattern}` is not an expression ({}): write fields and text joined with ~, for example --name 'issuer.number ~ \"_\" ~ row'",
        error.detail().unwrap_or("syntax error")
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn record(fields: Vec<(&str, Field)>, line: Option<u64>) -> Record {
        Record {
            file: PathBuf::from("hop.csv"),
            line,
            index: 4,
            ..super::super::tests::record(fields)
        }
    }

    fn issuer(number: &str, date: &str) -> Field {
        Field::Map(vec![
            ("number".into(), Field::Text(number.into())),
            ("date".into(), Field::Text(date.into())),
        ])
    }

    #[test]
    fn the_default_is_number_and_date_else_the_row() {
        let templates = Templates::new();
        let names = templates.name_pattern(None, false).unwrap();
        let r = record(
            vec![("issuer", issuer("15/BC-UBND", "2019-03-13"))],
            Some(7),
        );
        assert_eq!(names.name(&r).unwrap(), "15-BC-UBND_2019-03-13");
        assert_eq!(names.name(&record(vec![], Some(7))).unwrap(), "hop-7");
        assert_eq!(names.name(&record(vec![], None)).unwrap(), "hop-5");
    }

    #[test]
    fn a_pattern_reads_fields_and_the_row_and_may_fold_to_ascii() {
        let templates = Templates::new();
        let names = templates
            .name_pattern(Some("place ~ '-' ~ row"), true)
            .unwrap();
        let r = record(vec![("place", Field::Text("Đắk Lắk".into()))], Some(12));
        assert_eq!(names.name(&r).unwrap(), "Dak-Lak-12");
    }

    #[test]
    fn pattern_errors_say_what_is_wrong() {
        let templates = Templates::new();
        let Err(Error::Usage(message)) = templates.name_pattern(Some("a ~"), false) else {
            panic!("a broken pattern is a usage error")
        };
        assert!(message.contains("`a ~`"), "{message}");
        let names = templates.name_pattern(Some("signer.name"), false).unwrap();
        let message = names
            .name(&record(vec![], Some(3)))
            .unwrap_err()
            .to_string();
        assert!(message.contains("--name"), "{message}");
        assert!(message.contains("signer.name"), "{message}");
        let names = templates.name_pattern(Some("''"), false).unwrap();
        let message = names
            .name(&record(vec![], Some(3)))
            .unwrap_err()
            .to_string();
        assert!(message.contains("empty name"), "{message}");
    }
}
