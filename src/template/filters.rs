//! Filters that templates use to write official Vietnamese wording.

use minijinja::value::{Rest, Value};
use minijinja::{Error, ErrorKind};

/// A calendar date as the record gives it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Date {
    /// The year, in full.
    pub year: i32,
    /// The month, 1–12.
    pub month: u8,
    /// The day, 1–31; `None` for a draft whose day is not fixed yet.
    pub day: Option<u8>,
}

/// Reads `YYYY-MM-DD` (also a TOML date, with or without a time), `DD/MM/YYYY`, or a draft
/// `YYYY-MM` / `MM/YYYY` without a day.
pub fn parse_date(text: &str) -> Option<Date> {
    let text = text.trim();
    let numbers = |parts: &[&str]| -> Option<Vec<i64>> {
        parts
            .iter()
            .map(|p| {
                (!p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
                    .then(|| p.parse().ok())
                    .flatten()
            })
            .collect()
    };
    let (year, month, day) = if text.len() >= 10 && text.as_bytes().get(4) == Some(&b'-') {
        let n = numbers(&text[..10].split('-').collect::<Vec<_>>())?;
        let rest = &text[10..];
        if !(rest.is_empty() || rest.starts_with('T') || rest.starts_with(' ')) || n.len() != 3 {
            return None;
        }
        (n[0], n[1], Some(n[2]))
    } else if text.contains('/') {
        let parts: Vec<&str> = text.split('/').collect();
        let n = numbers(&parts)?;
        match n.as_slice() {
            [d, m, y] => (*y, *m, Some(*d)),
            [m, y] => (*y, *m, None),
            _ => return None,
        }
    } else {
        let n = numbers(&text.split('-').collect::<Vec<_>>())?;
        match n.as_slice() {
            [y, m] => (*y, *m, None),
            _ => return None,
        }
    };
    if !(1..=9999).contains(&year) || !(1..=12).contains(&month) {
        return None;
    }
    let days_in_month = i64::from(crate::model::days_in_month(year as i32, month as u8));
    if let Some(d) = day {
        if !(1..=days_in_month).contains(&d) {
            return None;
        }
    }
    Some(Date {
        year: year as i32,
        month: month as u8,
        day: day.map(|d| d as u8),
    })
}

/// Writes a date the way NĐ 30 Phụ lục I wants it: days below 10 and the months 1 and 2 get a
/// leading zero, other months never do (`ngày 05 tháng 02 năm 2019`, `ngày 13 tháng 3 năm 2018`).
/// A draft without a day leaves room to write it by hand.
pub fn official_date(date: Date) -> String {
    let day = match date.day {
        Some(d) => format!("{d:02}"),
        None => "    ".to_string(),
    };
    let month = if date.month <= 2 {
        format!("{:02}", date.month)
    } else {
        date.month.to_string()
    };
    format!("ngày {day} tháng {month} năm {}", date.year)
}

/// `{{ issuer.date | vn_date }}` → `ngày 13 tháng 3 năm 2018`.
pub fn vn_date(value: Value) -> Result<String, Error> {
    let text = value.to_string();
    let date = parse_date(&text).ok_or_else(|| not_a_date(&text))?;
    Ok(official_date(date))
}

/// `{{ recipients | lines }}`: a list as it is, or a text split into its non-empty lines
/// (how a CSV cell holds a list).
pub fn lines(value: Value) -> Result<Value, Error> {
    if let Some(text) = value.as_str() {
        return Ok(Value::from(
            text.lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(|l| Value::from(l.to_string()))
                .collect::<Vec<_>>(),
        ));
    }
    if value.try_iter().is_ok() {
        return Ok(value);
    }
    Err(Error::new(
        ErrorKind::InvalidOperation,
        format!("expected a list or lines of text, got `{value}`"),
    ))
}

/// `{{ issuer.date | short_date }}` → `13/3/2018`: the short form used in references to a
/// document (`Kèm theo Báo cáo số 15/BC-BCĐ ngày 13/3/2018`).
pub fn short_date(value: Value) -> Result<String, Error> {
    let text = value.to_string();
    match parse_date(&text) {
        Some(Date {
            year,
            month,
            day: Some(day),
        }) => Ok(format!("{day}/{month}/{year}")),
        _ => Err(Error::new(
            ErrorKind::InvalidOperation,
            format!("`{text}` is not a full date: write YYYY-MM-DD (2018-03-13)"),
        )),
    }
}

/// `{{ loop.index | roman }}` → `IV`: appendix numbers (Phụ lục I, II, …).
pub fn roman(value: u32) -> Result<String, Error> {
    if !(1..=3999).contains(&value) {
        return Err(Error::new(
            ErrorKind::InvalidOperation,
            format!("{value} has no Roman numeral (1 to 3999)"),
        ));
    }
    let table = [
        (1000, "M"),
        (900, "CM"),
        (500, "D"),
        (400, "CD"),
        (100, "C"),
        (90, "XC"),
        (50, "L"),
        (40, "XL"),
        (10, "X"),
        (9, "IX"),
        (5, "V"),
        (4, "IV"),
        (1, "I"),
    ];
    let mut rest = value;
    let mut out = String::new();
    for (amount, letters) in table {
        while rest >= amount {
            out.push_str(letters);
            rest -= amount;
        }
    }
    Ok(out)
}

/// `{{ name | oneline }}`: the text on one line (white space folded), for table cells, where
/// a line break would end the row.
pub fn oneline(value: Value) -> Value {
    let text = value.to_string();
    let folded = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if value.is_safe() {
        Value::from_safe_string(folded)
    } else {
        Value::from(folded)
    }
}

/// `{{ text | markup }}`: reads a value as markup (headings, emphasis, lists) instead of
/// literal text.
pub fn markup(value: Value) -> Value {
    if value.is_safe() {
        value
    } else {
        Value::from_safe_string(value.to_string())
    }
}

/// `{{ meeting.date | table_date }}` → `03/01/2019`: the numeric form with every field padded,
/// so that dates line up in a table's column.
pub fn table_date(value: Value) -> Result<String, Error> {
    let text = value.to_string();
    let date = parse_date(&text).ok_or_else(|| not_a_date(&text))?;
    Ok(match date.day {
        Some(day) => format!("{day:02}/{:02}/{}", date.month, date.year),
        None => format!("{:02}/{}", date.month, date.year),
    })
}

/// `{{ records | sort_by_date("meeting.date", "issuer.date") }}`: the records in the order of
/// their dates, each dated by the first of the fields it has; records of the same date keep
/// their order. A record with none of the fields, or with a value that is not a date, is an
/// error that names the record's row and the field.
pub fn sort_by_date(records: Value, paths: Rest<String>) -> Result<Value, Error> {
    let mut dated = dated(&records, &paths.0)?;
    dated.sort_by_key(|(key, _)| *key);
    Ok(Value::from(
        dated
            .into_iter()
            .map(|(_, record)| record)
            .collect::<Vec<_>>(),
    ))
}

/// `{% for month in records | group_by_month("meeting.date") %}`: the records by month, in
/// the order of time; each group has `year`, `month` and its `records` (sorted by date).
pub fn group_by_month(records: Value, paths: Rest<String>) -> Result<Value, Error> {
    let mut dated = dated(&records, &paths.0)?;
    dated.sort_by_key(|(key, _)| *key);
    let mut groups: Vec<((i32, u8), Vec<Value>)> = Vec::new();
    for ((year, month, _), record) in dated {
        match groups.last_mut() {
            Some((key, members)) if *key == (year, month) => members.push(record),
            _ => groups.push(((year, month), vec![record])),
        }
    }
    Ok(Value::from(
        groups
            .into_iter()
            .map(|((year, month), members)| {
                Value::from(std::collections::BTreeMap::from([
                    ("year", Value::from(year)),
                    ("month", Value::from(month)),
                    ("records", Value::from(members)),
                ]))
            })
            .collect::<Vec<_>>(),
    ))
}

/// Each record with the date that orders it: `(year, month, day)`, a draft's missing day
/// first in its month.
type Dated = Vec<((i32, u8, u8), Value)>;

fn dated(records: &Value, paths: &[String]) -> Result<Dated, Error> {
    if paths.is_empty() {
        return Err(Error::new(
            ErrorKind::MissingArgument,
            "name the date field, for example sort_by_date(\"meeting.date\", \"issuer.date\")",
        ));
    }
    let mut dated = Vec::new();
    for (position, record) in records.try_iter()?.enumerate() {
        // A record from `records` knows its row; any other value is named by its position.
        let origin = record
            .downcast_object_ref::<super::records::RecordValue>()
            .map_or_else(|| format!("item {}", position + 1), |r| r.origin.clone());
        let found = paths
            .iter()
            .find_map(|path| lookup(&record, path).map(|value| (path, value.to_string())));
        let Some((path, text)) = found else {
            return Err(Error::new(
                ErrorKind::InvalidOperation,
                format!(
                    "{origin}: the record has no {}: give it a date",
                    paths
                        .iter()
                        .map(|p| format!("`{p}`"))
                        .collect::<Vec<_>>()
                        .join(" or ")
                ),
            ));
        };
        let date = parse_date(&text).ok_or_else(|| {
            Error::new(
                ErrorKind::InvalidOperation,
                format!(
                    "{origin}: field `{path}`: `{text}` is not a date: write YYYY-MM-DD (2018-03-13) or DD/MM/YYYY (13/03/2018)"
                ),
            )
        })?;
        dated.push(((date.year, date.month, date.day.unwrap_or(0)), record));
    }
    Ok(dated)
}

/// The value at a dotted path, if it is there and not empty.
fn lookup(value: &Value, path: &str) -> Option<Value> {
    let mut current = value.clone();
    for key in path.split('.') {
        current = current
            .get_attr(key)
            .ok()
            .filter(|v| !v.is_undefined() && !v.is_none())?;
    }
    (!current.to_string().trim().is_empty()).then_some(current)
}

fn not_a_date(text: &str) -> Error {
    Error::new(
        ErrorKind::InvalidOperation,
        format!("`{text}` is not a date: write YYYY-MM-DD (2018-03-13) or DD/MM/YYYY (13/03/2018)"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> String {
        official_date(parse_date(text).unwrap())
    }

    #[test]
    fn dates_follow_the_decree_table() {
        // vn-official-docs.md §7.
        assert_eq!(words("2018-03-13"), "ngày 13 tháng 3 năm 2018");
        assert_eq!(words("2019-02-05"), "ngày 05 tháng 02 năm 2019");
        assert_eq!(words("2020-01-05"), "ngày 05 tháng 01 năm 2020");
        assert_eq!(words("29/6/2019"), "ngày 29 tháng 6 năm 2019");
        assert_eq!(words("2025-12-01"), "ngày 01 tháng 12 năm 2025");
        assert_eq!(
            words("2018-03-13T08:00:00+07:00"),
            "ngày 13 tháng 3 năm 2018"
        );
        assert_eq!(words("2026-03"), "ngày      tháng 3 năm 2026");
    }

    #[test]
    fn roman_numerals_and_short_dates() {
        assert_eq!(roman(1).unwrap(), "I");
        assert_eq!(roman(4).unwrap(), "IV");
        assert_eq!(roman(14).unwrap(), "XIV");
        assert!(roman(0).is_err());
        assert_eq!(short_date(Value::from("2018-03-13")).unwrap(), "13/3/2018");
    }

    #[test]
    fn records_sort_and_group_by_their_dates() {
        let record = |date: &str, number: i32| {
            Value::from(std::collections::BTreeMap::from([
                ("date", Value::from(date)),
                ("n", Value::from(number)),
            ]))
        };
        let records = Value::from(vec![
            record("2019-03-02", 1),
            record("05/01/2019", 2),
            record("2019-03-01", 3),
            record("2019-01-05", 4),
        ]);
        let paths = || Rest(vec!["meeting.date".to_string(), "date".to_string()]);
        let sorted = sort_by_date(records.clone(), paths()).unwrap();
        let order: Vec<String> = sorted
            .try_iter()
            .unwrap()
            .map(|r| r.get_attr("n").unwrap().to_string())
            .collect();
        assert_eq!(order, ["2", "4", "3", "1"]);
        let groups = group_by_month(records, paths()).unwrap();
        let groups: Vec<(String, usize)> = groups
            .try_iter()
            .unwrap()
            .map(|g| {
                (
                    g.get_attr("month").unwrap().to_string(),
                    g.get_attr("records").unwrap().len().unwrap(),
                )
            })
            .collect();
        assert_eq!(groups, [("1".to_string(), 2), ("3".to_string(), 2)]);
        let bad = Value::from(vec![record("2019-02-30", 1)]);
        let err = sort_by_date(bad, paths()).unwrap_err().to_string();
        assert!(err.contains("item 1: field `date`: `2019-02-30`"), "{err}");
        assert_eq!(table_date(Value::from("2019-01-03")).unwrap(), "03/01/2019");
    }

    #[test]
    fn impossible_dates_are_refused() {
        for bad in [
            "2018-02-30",
            "2019-02-29",
            "2018-13-01",
            "13.3.2018",
            "",
            "2018-3-1x",
        ] {
            assert_eq!(parse_date(bad), None, "{bad}");
        }
        assert!(parse_date("2024-02-29").is_some());
    }

    #[test]
    fn the_filter_reads_toml_dates_and_names_bad_values() {
        // A TOML date (`date = 2018-03-13`, no quotes) reaches templates in its ISO form.
        let table: toml::Table =
            toml::from_str("d = 2019-02-05\nt = 2018-03-13T08:00:00+07:00").unwrap();
        for (key, expected) in [
            ("d", "ngày 05 tháng 02 năm 2019"),
            ("t", "ngày 13 tháng 3 năm 2018"),
        ] {
            let value = Value::from(table[key].to_string());
            assert_eq!(vn_date(value).unwrap(), expected);
        }
        assert_eq!(
            vn_date(Value::from("03/2018")).unwrap(),
            "ngày      tháng 3 năm 2018"
        );
        let error = vn_date(Value::from("13.3.2018")).unwrap_err().to_string();
        assert!(error.contains("`13.3.2018` is not a date"), "{error}");
    }
}
