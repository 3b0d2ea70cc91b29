//! Filters for official wording: numbers and money in words, Vietnamese sorting and case, and
//! the type abbreviations of NĐ 30 Phụ lục III. The language rules live in
//! [`crate::vietnamese`]; this module reads template values and reports bad ones by value.

use minijinja::value::{Kwargs, Value, ValueKind};
use minijinja::{Error, ErrorKind};
use unicode_normalization::UnicodeNormalization;

use crate::vietnamese::collation::{name_key, sort_key};
use crate::vietnamese::numbers::{self, Wording};
use crate::vietnamese::tone::ToneStyle;

/// Adds this module's filters to a template environment.
pub(super) fn register(env: &mut minijinja::Environment<'_>) {
    env.add_filter("vn_number_words", vn_number_words);
    env.add_filter("vn_money", vn_money);
    env.add_filter("vn_sort", vn_sort);
    env.add_filter("vn_upper", vn_upper);
    env.add_filter("vn_lower", vn_lower);
    env.add_filter("abbrev_type", abbrev_type);
}

fn invalid(message: String) -> Error {
    Error::new(ErrorKind::InvalidOperation, message)
}

/// A template value as a whole number: an integer, an integral float, or text of digits with
/// `.` or spaces between thousands (`2 000 500`, `1.234.567`).
fn whole_number(value: &Value) -> Result<i128, Error> {
    let not_whole = || invalid(format!("`{value}` is not a whole number"));
    if let Some(text) = value.as_str() {
        return parse_whole(text).ok_or_else(not_whole);
    }
    if value.kind() != ValueKind::Number {
        return Err(not_whole());
    }
    if let Ok(n) = i128::try_from(value.clone()) {
        return Ok(n);
    }
    let f = f64::try_from(value.clone()).map_err(|_| not_whole())?;
    // Beyond 1e30 a float is only an approximation, and far beyond what words are read for.
    if !f.is_finite() || f.fract() != 0.0 || f.abs() >= 1e30 {
        return Err(if f.is_finite() && f.fract() == 0.0 {
            too_large(value)
        } else {
            not_whole()
        });
    }
    Ok(f as i128)
}

fn too_large(value: &Value) -> Error {
    invalid(format!(
        "`{value}` is too large to read in words: the limit is {}",
        numbers::group_thousands(i128::from(numbers::MAX))
    ))
}

fn parse_whole(text: &str) -> Option<i128> {
    let text = text.trim();
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let groups: Vec<&str> = digits.split([' ', '.', '\u{00A0}', '\u{202F}']).collect();
    let well_grouped =
        groups.len() == 1 || (groups[0].len() <= 3 && groups[1..].iter().all(|g| g.len() == 3));
    let joined: String = groups.concat();
    if !well_grouped || joined.is_empty() || !joined.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    // More digits than i128 holds is "too large", not "not a number": cap it just above MAX.
    let n = joined
        .parse::<i128>()
        .unwrap_or(i128::from(numbers::MAX) + 1);
    Some(if negative { -n } else { n })
}

/// The wording options every number filter takes: `odd` (linh/lẻ), `thousand` (nghìn/ngàn),
/// `four` (tư/bốn), `billion` (tỷ/tỉ).
fn wording(kwargs: &Kwargs) -> Result<Wording, Error> {
    let mut wording = Wording::default();
    let pick = |name: &str, choices: [&'static str; 2]| -> Result<Option<&'static str>, Error> {
        let Some(given) = kwargs.get::<Option<&str>>(name)? else {
            return Ok(None);
        };
        let given: String = given.trim().nfc().collect();
        choices
            .into_iter()
            .find(|c| *c == given)
            .map(Some)
            .ok_or_else(|| {
                invalid(format!(
                    "{name}=\"{given}\" is not an option: use \"{}\" or \"{}\"",
                    choices[0], choices[1]
                ))
            })
    };
    if let Some(odd) = pick("odd", ["linh", "lẻ"])? {
        wording.odd = odd;
    }
    if let Some(thousand) = pick("thousand", ["nghìn", "ngàn"])? {
        wording.thousand = thousand;
    }
    if let Some(four) = pick("four", ["tư", "bốn"])? {
        wording.four = four;
    }
    if let Some(billion) = pick("billion", ["tỷ", "tỉ"])? {
        wording.billion = billion;
    }
    Ok(wording)
}

fn number_words(value: &Value, kwargs: &Kwargs) -> Result<String, Error> {
    let n = whole_number(value)?;
    let wording = wording(kwargs)?;
    numbers::words(n, &wording).ok_or_else(|| too_large(value))
}

/// `{{ 105 | vn_number_words }}` → `một trăm linh năm`; options `odd="lẻ"`,
/// `thousand="ngàn"`, `four="bốn"`, `billion="tỉ"`.
pub fn vn_number_words(value: Value, kwargs: Kwargs) -> Result<String, Error> {
    let words = number_words(&value, &kwargs)?;
    kwargs.assert_all_used()?;
    Ok(words)
}

/// `{{ 1234567 | vn_money }}` → `1.234.567 đồng`; with `words=true`:
/// `Bằng chữ: Một triệu hai trăm ba mươi tư nghìn năm trăm sáu mươi bảy đồng.` Takes the
/// options of `vn_number_words`, and `unit` (default `đồng`).
pub fn vn_money(value: Value, kwargs: Kwargs) -> Result<String, Error> {
    let in_words = kwargs.get::<Option<bool>>("words")?.unwrap_or(false);
    let unit = kwargs.get::<Option<&str>>("unit")?.unwrap_or("đồng");
    let amount = whole_number(&value)?;
    let text = if in_words {
        let words = number_words(&value, &kwargs)?;
        let mut chars = words.chars();
        let first: String = chars
            .next()
            .into_iter()
            .flat_map(char::to_uppercase)
            .collect();
        format!("Bằng chữ: {first}{} {unit}.", chars.as_str())
    } else {
        format!("{} {unit}", numbers::group_thousands(amount))
    };
    kwargs.assert_all_used()?;
    Ok(text)
}

/// `{{ name | vn_upper }}`: capitals, correct whatever the normalisation form of the input.
pub fn vn_upper(value: Value) -> Value {
    change_case(&value, |s| s.to_uppercase())
}

/// `{{ name | vn_lower }}`: small letters, correct whatever the normalisation form of the input.
pub fn vn_lower(value: Value) -> Value {
    change_case(&value, |s| s.to_lowercase())
}

fn change_case(value: &Value, change: impl Fn(&str) -> String) -> Value {
    // NFC first: title-casing and search treat a combining mark as a letter of its own.
    let nfc: String = value.to_string().nfc().collect();
    let changed: String = change(&nfc).nfc().collect();
    if value.is_safe() {
        Value::from_safe_string(changed)
    } else {
        Value::from(changed)
    }
}

/// `{{ people | vn_sort }}`: a list sorted in Vietnamese order (a ă â b c d đ …, tones second).
/// `attribute="name"` sorts records by a field (dotted paths allowed); `by="given_name"` sorts
/// people's names by given name, then family name, then middle names.
pub fn vn_sort(value: Value, kwargs: Kwargs) -> Result<Value, Error> {
    let attribute = kwargs.get::<Option<&str>>("attribute")?;
    let by = kwargs.get::<Option<&str>>("by")?.unwrap_or("text");
    let by_given_name = match by {
        "text" => false,
        "given_name" => true,
        other => {
            return Err(invalid(format!(
                "by=\"{other}\" is not an option: use \"text\" or \"given_name\""
            )))
        }
    };
    kwargs.assert_all_used()?;
    let items: Vec<Value> = value
        .try_iter()
        .map_err(|_| invalid(format!("`{value}` is not a list to sort")))?
        .collect();
    let mut keyed = Vec::with_capacity(items.len());
    for (index, item) in items.into_iter().enumerate() {
        let text = match attribute {
            Some(path) => field(&item, path).ok_or_else(|| {
                invalid(format!(
                    "item {} of the list has no text field `{path}`",
                    index + 1
                ))
            })?,
            None if item.as_str().is_some() => item.to_string(),
            None => {
                return Err(invalid(format!(
                    "item {} of the list is not text: name the field to sort by, as in vn_sort(attribute=\"name\")",
                    index + 1
                )))
            }
        };
        let key = if by_given_name {
            name_key(&text)
        } else {
            let key = sort_key(&text);
            (key.clone(), key.clone(), key.clone(), key)
        };
        keyed.push((key, index, item));
    }
    // The index breaks ties between equal texts, so the sort is stable and deterministic.
    keyed.sort_by(|a, b| (&a.0, a.1).cmp(&(&b.0, b.1)));
    Ok(Value::from(
        keyed
            .into_iter()
            .map(|(_, _, item)| item)
            .collect::<Vec<_>>(),
    ))
}

fn field(item: &Value, path: &str) -> Option<String> {
    let mut current = item.clone();
    for key in path.split('.') {
        current = current.get_attr(key).ok().filter(|v| !v.is_undefined())?;
    }
    current.as_str().map(str::to_string)
}

/// The type abbreviations of NĐ 30 Phụ lục III, Mục I (vn-official-docs.md §5.3), with the
/// type names written in the old tone style and in small letters.
const TYPE_ABBREVIATIONS: &[(&str, &str)] = &[
    ("nghị quyết", "NQ"),
    ("quyết định", "QĐ"),
    ("chỉ thị", "CT"),
    ("quy chế", "QC"),
    ("quy định", "QyĐ"),
    ("thông cáo", "TC"),
    ("thông báo", "TB"),
    ("hướng dẫn", "HD"),
    ("chương trình", "CTr"),
    ("kế hoạch", "KH"),
    ("phương án", "PA"),
    ("đề án", "ĐA"),
    ("dự án", "DA"),
    ("báo cáo", "BC"),
    ("biên bản", "BB"),
    ("tờ trình", "TTr"),
    ("hợp đồng", "HĐ"),
    ("công điện", "CĐ"),
    ("bản ghi nhớ", "BGN"),
    ("bản thỏa thuận", "BTT"),
    ("giấy ủy quyền", "GUQ"),
    ("giấy mời", "GM"),
    ("giấy giới thiệu", "GGT"),
    ("giấy nghỉ phép", "GNP"),
    ("phiếu gửi", "PG"),
    ("phiếu chuyển", "PC"),
    ("phiếu báo", "PB"),
    ("bản sao y", "SY"),
    ("bản trích sao", "TrS"),
    ("bản sao lục", "SL"),
];

/// The abbreviation of a document type name, whatever its case, form or tone style.
pub fn type_abbreviation(name: &str) -> Option<&'static str> {
    let folded = fold_type_name(name);
    TYPE_ABBREVIATIONS
        .iter()
        .find(|(type_name, _)| *type_name == folded)
        .map(|(_, abbreviation)| *abbreviation)
}

fn fold_type_name(name: &str) -> String {
    let nfc: String = name.nfc().collect();
    let lower = ToneStyle::Old.apply(&nfc.to_lowercase());
    // "Nghị quyết (cá biệt)": the table's qualifier is not part of the name.
    let lower = lower.replace("(cá biệt)", " ");
    lower.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `{{ "BÁO CÁO" | abbrev_type }}` → `BC` (NĐ 30 Phụ lục III). Công văn and thư công have no
/// abbreviation, and saying so is more useful than inventing `CV`.
pub fn abbrev_type(value: Value) -> Result<String, Error> {
    let name = value.to_string();
    if let Some(abbreviation) = type_abbreviation(&name) {
        return Ok(abbreviation.to_string());
    }
    let folded = fold_type_name(&name);
    if folded == "công văn" || folded == "thư công" {
        return Err(invalid(format!(
            "`{name}` has no type abbreviation in NĐ 30: its number names the issuer and the drafting unit instead (12/UBND-VP), never CV"
        )));
    }
    Err(invalid(format!(
        "`{name}` is not a document type of NĐ 30 Phụ lục III: use one of {}",
        TYPE_ABBREVIATIONS
            .iter()
            .map(|(n, _)| *n)
            .collect::<Vec<_>>()
            .join(", ")
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Renders an expression with the filters, as a template would.
    fn eval(expression: &str) -> Result<String, String> {
        eval_with(expression, "")
    }

    /// Renders an expression that may read the text `s`.
    fn eval_with(expression: &str, s: &str) -> Result<String, String> {
        let mut env = minijinja::Environment::new();
        register(&mut env);
        env.render_str(
            &format!("{{{{ {expression} }}}}"),
            minijinja::context! { s },
        )
        .map_err(|e| format!("{e:#}"))
    }

    #[test]
    fn number_words_from_the_spec() {
        // vn-official-docs.md §12 and the examples.
        assert_eq!(eval("105 | vn_number_words").unwrap(), "một trăm linh năm");
        assert_eq!(eval("21 | vn_number_words").unwrap(), "hai mươi mốt");
        assert_eq!(
            eval("1005 | vn_number_words").unwrap(),
            "một nghìn không trăm linh năm"
        );
        assert_eq!(
            eval("'2 000 500' | vn_number_words").unwrap(),
            "hai triệu năm trăm"
        );
        assert_eq!(
            eval("1024 | vn_number_words(odd='lẻ', thousand='ngàn', four='bốn')").unwrap(),
            "một ngàn không trăm hai mươi bốn"
        );
        assert_eq!(
            eval("105 | vn_number_words(odd='lẻ')").unwrap(),
            "một trăm lẻ năm"
        );
        assert_eq!(
            eval("2000000000 | vn_number_words(billion='tỉ')").unwrap(),
            "hai tỉ"
        );
    }

    #[test]
    fn bad_numbers_are_errors_that_name_the_value() {
        let huge = eval("1000000000000000000000000000000 | vn_number_words").unwrap_err();
        assert!(huge.contains("too large"), "{huge}");
        let float = eval("1e30 | vn_number_words").unwrap_err();
        assert!(float.contains("too large"), "{float}");
        let digits = eval("'1000000000000000000000000000000000000000000' | vn_number_words");
        assert!(digits.unwrap_err().contains("too large"));
        let fraction = eval("1.5 | vn_number_words").unwrap_err();
        assert!(
            fraction.contains("`1.5` is not a whole number"),
            "{fraction}"
        );
        let text = eval("'mười' | vn_number_words").unwrap_err();
        assert!(text.contains("`mười` is not a whole number"), "{text}");
        let option = eval("5 | vn_number_words(four='4')").unwrap_err();
        assert!(option.contains("four=\"4\""), "{option}");
        let unknown = eval("5 | vn_number_words(colour='red')").unwrap_err();
        assert!(unknown.contains("colour"), "{unknown}");
    }

    #[test]
    fn money_with_dots_and_in_words() {
        assert_eq!(eval("1234567 | vn_money").unwrap(), "1.234.567 đồng");
        assert_eq!(
            eval("1234567 | vn_money(words=true)").unwrap(),
            "Bằng chữ: Một triệu hai trăm ba mươi tư nghìn năm trăm sáu mươi bảy đồng."
        );
        assert_eq!(
            eval("105000 | vn_money(words=true)").unwrap(),
            "Bằng chữ: Một trăm linh năm nghìn đồng."
        );
        assert_eq!(eval("'1.500.000' | vn_money").unwrap(), "1.500.000 đồng");
        assert!(eval("'1,5' | vn_money").is_err());
    }

    #[test]
    fn case_is_right_on_any_form() {
        let nfd: String = "nguyễn việt đức".nfd().collect();
        // UniKey's "Unicode tổ hợp": ê and ư whole, the tone as a combining mark.
        let tohop = "nguyê\u{0303}n viê\u{0323}t đư\u{0301}c";
        for input in ["nguyễn việt đức", nfd.as_str(), tohop] {
            let out = eval_with("s | vn_upper", input).unwrap();
            assert_eq!(out, "NGUYỄN VIỆT ĐỨC", "{input:?}");
            assert_eq!(out.chars().count(), 15, "NFC: one character per letter");
        }
        assert_eq!(eval("'ỦY BAN' | vn_lower").unwrap(), "ủy ban");
    }

    #[test]
    fn sorting_strings_records_and_names() {
        assert_eq!(
            eval("['ơn', 'Ông', 'ba', 'an', 'bà', 'ăn', 'đi', 'di'] | vn_sort | join(' ')")
                .unwrap(),
            "an ăn ba bà di đi Ông ơn"
        );
        let people =
            "[{'name': 'Trần Thị Thanh Thủy'}, {'name': 'Nguyễn Văn An'}, {'name': 'Lê Bình'}]";
        assert_eq!(
            eval(&format!(
                "{people} | vn_sort(attribute='name', by='given_name') | map(attribute='name') | join(', ')"
            ))
            .unwrap(),
            "Nguyễn Văn An, Lê Bình, Trần Thị Thanh Thủy"
        );
        assert_eq!(
            eval(&format!(
                "{people} | vn_sort(attribute='name') | map(attribute='name') | join(', ')"
            ))
            .unwrap(),
            "Lê Bình, Nguyễn Văn An, Trần Thị Thanh Thủy"
        );
        let missing = eval("[{'a': 1}] | vn_sort(attribute='name')").unwrap_err();
        assert!(
            missing.contains("item 1 of the list has no text field `name`"),
            "{missing}"
        );
        let records = eval("[{'a': 1}] | vn_sort").unwrap_err();
        assert!(records.contains("attribute="), "{records}");
    }

    #[test]
    fn type_abbreviations_follow_phu_luc_iii() {
        for (name, abbreviation) in [
            ("BÁO CÁO", "BC"),
            ("Quy định", "QyĐ"),
            ("quyết định", "QĐ"),
            ("Nghị quyết (cá biệt)", "NQ"),
            ("Chương trình", "CTr"),
            ("Tờ trình", "TTr"),
            ("Bản thoả thuận", "BTT"),
            ("Bản thỏa thuận", "BTT"),
            ("GIẤY UỶ QUYỀN", "GUQ"),
            ("Bản trích sao", "TrS"),
            ("Đề án", "ĐA"),
            ("Dự án", "DA"),
            ("Công điện", "CĐ"),
        ] {
            assert_eq!(type_abbreviation(name), Some(abbreviation), "{name}");
        }
        assert_eq!(eval("'Tờ  trình' | abbrev_type").unwrap(), "TTr");
        let letter = eval("'Công văn' | abbrev_type").unwrap_err();
        assert!(letter.contains("never CV"), "{letter}");
        let unknown = eval("'Thư mời' | abbrev_type").unwrap_err();
        assert!(
            unknown.contains("`Thư mời` is not a document type"),
            "{unknown}"
        );
    }
}
