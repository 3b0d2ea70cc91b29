//! Many records in one document (`--aggregate`): the template receives them as `records`, in
//! the order of the data file, and may set the document's title, author and date.

use std::collections::BTreeMap;
use std::sync::Arc;

use minijinja::value::{Enumerator, Object, ObjectExt as _, ObjectRepr, Value};

use super::{convert_error, to_value, Markup, Templates};
use crate::data::{Field, Record};
use crate::error::{Error, Result};

/// A record as a template sees it in `records`: its fields, and where it came from, so that a
/// filter that cannot use a value can name the record's row.
#[derive(Debug)]
pub(crate) struct RecordValue {
    fields: BTreeMap<String, Value>,
    /// `data.csv:14`.
    pub(crate) origin: String,
}

impl Object for RecordValue {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Map
    }

    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        self.fields.get(key.as_str()?).cloned()
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        self.mapped_enumerator(|this| Box::new(this.fields.keys().map(|k| Value::from(k.as_str()))))
    }
}

/// What a template writes from many records: the markup, and the metadata it set with
/// `{% set title = … %}`, `author` and `date` at its top level.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordsMarkup {
    /// The markup.
    pub markup: Markup,
    /// The document's title, if the template set one.
    pub title: Option<String>,
    /// Who issues it.
    pub author: Option<String>,
    /// Its date, as the template wrote it (`2019-12-31`).
    pub date: Option<String>,
}

impl Templates {
    /// Checks that a record has every field the template declares it needs
    /// (`{# requires: … #}`); reports all that are missing at once.
    pub fn check_required(&self, name: &str, record: &Record) -> Result<()> {
        let missing: Vec<String> = self
            .requires(name)?
            .into_iter()
            .filter(|field| record.fields.get_path(field).is_none())
            .collect();
        if missing.is_empty() {
            Ok(())
        } else {
            Err(Error::MissingFields {
                template: name.to_string(),
                fields: missing,
            })
        }
    }

    /// Renders one document from many records: the template receives them as `records`. Its
    /// `requires:` comment applies to each record.
    pub fn render_records(&self, name: &str, records: &[Record]) -> Result<RecordsMarkup> {
        let template = self
            .env
            .get_template(name)
            .map_err(|e| convert_error(name, &e))?;
        for record in records {
            self.check_required(name, record)
                .map_err(|e| e.in_record(record.origin()))?;
        }
        let values: Vec<Value> = records
            .iter()
            .map(|record| {
                let fields = match &record.fields {
                    Field::Map(entries) => entries
                        .iter()
                        .map(|(k, v)| (k.clone(), to_value(v)))
                        .collect(),
                    _ => BTreeMap::new(),
                };
                Value::from_object(RecordValue {
                    fields,
                    origin: record.origin(),
                })
            })
            .collect();
        let context = Value::from(BTreeMap::from([("records", Value::from(values))]));
        let captured = template
            .render_captured(context)
            .map_err(|e| convert_error(name, &e))?;
        let exported = |key: &str| {
            captured
                .state()
                .lookup(key)
                .filter(|v| !v.is_undefined() && !v.is_none())
                .map(|v| v.to_string())
        };
        let (title, author, date) = (exported("title"), exported("author"), exported("date"));
        Ok(RecordsMarkup {
            markup: Markup {
                text: captured.into_output(),
                template: name.to_string(),
            },
            title,
            author,
            date,
        })
    }
}
