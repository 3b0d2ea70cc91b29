//! Filters for the wording of meetings and of a text's end: times of day, weekdays and the
//! closing mark.

use minijinja::value::Value;
use minijinja::{Error, ErrorKind};

use super::filters::parse_date;

/// Reads `08:00`, `8:00` or `08:00:00` as hours and minutes.
pub fn parse_time(text: &str) -> Option<(u8, u8)> {
    let mut parts = text.trim().split(':');
    let hour: u8 = parts.next()?.parse().ok()?;
    let minute: u8 = parts.next()?.parse().ok()?;
    if let Some(second) = parts.next() {
        let _: u8 = second.parse().ok().filter(|s| *s < 60)?;
    }
    (parts.next().is_none() && hour < 24 && minute < 60).then_some((hour, minute))
}

/// `{{ "08:00" | vn_time }}` → `08 giờ 00`: a time as minutes (biên bản, giấy mời) write it.
pub fn vn_time(value: Value) -> Result<String, Error> {
    let text = value.to_string();
    let (hour, minute) = parse_time(&text).ok_or_else(|| {
        Error::new(
            ErrorKind::InvalidOperation,
            format!("`{text}` is not a time of day: write HH:MM (08:00)"),
        )
    })?;
    Ok(format!("{hour:02} giờ {minute:02}"))
}

/// `{{ "2018-03-13" | weekday }}` → `thứ Ba`: the day of the week, capitalised as NĐ 30
/// Phụ lục II writes it (`thứ Hai` … `thứ Bảy`, `Chủ nhật`); `weekday(true)` at the start of
/// a line: `Thứ Ba`.
pub fn weekday(value: Value, initial: Option<bool>) -> Result<String, Error> {
    let text = value.to_string();
    let date = parse_date(&text)
        .and_then(|d| d.day.map(|day| (d.year, d.month, day)))
        .ok_or_else(|| {
            Error::new(
                ErrorKind::InvalidOperation,
                format!("`{text}` is not a full date: write YYYY-MM-DD (2018-03-13)"),
            )
        })?;
    let names = [
        "Chủ nhật",
        "thứ Hai",
        "thứ Ba",
        "thứ Tư",
        "thứ Năm",
        "thứ Sáu",
        "thứ Bảy",
    ];
    let name = names[day_of_week(date.0, date.1, date.2)];
    Ok(match (initial, name.strip_prefix("thứ")) {
        (Some(true), Some(rest)) => format!("Thứ{rest}"),
        _ => name.to_string(),
    })
}

/// The day of the week of a Gregorian date, 0 = Sunday (Sakamoto's method).
fn day_of_week(year: i32, month: u8, day: u8) -> usize {
    const OFFSETS: [i32; 12] = [0, 3, 2, 5, 0, 3, 5, 1, 4, 6, 2, 4];
    let year = if month < 3 { year - 1 } else { year };
    let month_offset = OFFSETS[usize::from(month.clamp(1, 12)) - 1];
    let days = year + year / 4 - year / 100 + year / 400 + month_offset + i32::from(day);
    days.rem_euclid(7) as usize
}

/// `{{ article | end_mark("./.") }}`: the text with the closing mark after its last line —
/// NĐ 30's `./.` (which absorbs a final full stop: `… cao hơn./.`) or the Party's `.` — unless
/// it is there already. Markup stays markup.
pub fn end_mark(value: Value, mark: Option<String>) -> Value {
    let mark = mark.unwrap_or_else(|| "./.".to_string());
    let text = value.to_string();
    let body = text.trim_end();
    let ended = if body.ends_with(&mark) || body.is_empty() {
        body.to_string()
    } else if mark.starts_with('.') && body.ends_with('.') && !body.ends_with("..") {
        format!("{body}{}", &mark[1..])
    } else {
        format!("{body}{mark}")
    };
    if value.is_safe() {
        Value::from_safe_string(ended)
    } else {
        Value::from(ended)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weekdays_of_known_dates() {
        // 13 March 2018 was a Tuesday; 1 January 2023 a Sunday; 29 February 2024 a Thursday.
        assert_eq!(weekday(Value::from("2018-03-13"), None).unwrap(), "thứ Ba");
        assert_eq!(
            weekday(Value::from("2018-03-13"), Some(true)).unwrap(),
            "Thứ Ba"
        );
        assert_eq!(
            weekday(Value::from("2023-01-01"), Some(true)).unwrap(),
            "Chủ nhật"
        );
        assert_eq!(weekday(Value::from("29/02/2024"), None).unwrap(), "thứ Năm");
        assert!(weekday(Value::from("2018-03"), None).is_err());
    }

    #[test]
    fn times_of_day() {
        assert_eq!(vn_time(Value::from("8:00")).unwrap(), "08 giờ 00");
        assert_eq!(vn_time(Value::from("14:30:00")).unwrap(), "14 giờ 30");
        assert!(vn_time(Value::from("24:00")).is_err());
        assert!(vn_time(Value::from("8h00")).is_err());
    }

    #[test]
    fn the_closing_mark_absorbs_a_final_full_stop() {
        let mark = |text: &str, m: &str| end_mark(Value::from(text), Some(m.into())).to_string();
        assert_eq!(mark("Kết quả cao hơn.", "./."), "Kết quả cao hơn./.");
        assert_eq!(mark("Kết quả cao hơn", "./."), "Kết quả cao hơn./.");
        assert_eq!(mark("Xong./.\n", "./."), "Xong./.");
        assert_eq!(mark("Xong…", "."), "Xong….");
        assert_eq!(mark("Xong.", "."), "Xong.");
    }
}
