//! Numbers in words (vn-official-docs.md §12): `105` → `một trăm linh năm`, `21` → `hai mươi
//! mốt`, `1005` → `một nghìn không trăm linh năm`, with the regional variants as options.

/// The words that vary by region or agency (§12: one converter exposes exactly these switches).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Wording {
    /// Before a lone unit after hundreds: `linh` (North, default) or `lẻ` (South).
    pub odd: &'static str,
    /// 10³: `nghìn` (default) or `ngàn`.
    pub thousand: &'static str,
    /// A unit 4 after twenty and more: `tư` (default, `hai mươi tư`) or `bốn`.
    pub four: &'static str,
    /// 10⁹: `tỷ` (default) or `tỉ`.
    pub billion: &'static str,
}

impl Default for Wording {
    fn default() -> Self {
        Wording {
            odd: "linh",
            thousand: "nghìn",
            four: "tư",
            billion: "tỷ",
        }
    }
}

/// The largest number read in words: below 10¹⁸ (a billion billion), which covers any amount
/// of money a document can state; larger values are refused rather than read oddly.
pub const MAX: u64 = 999_999_999_999_999_999;

const DIGITS: [&str; 10] = [
    "không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín",
];

/// A whole number in words; `None` when its magnitude is above [`MAX`].
pub fn words(n: i128, wording: &Wording) -> Option<String> {
    let magnitude = u64::try_from(n.unsigned_abs()).ok().filter(|&m| m <= MAX)?;
    let mut out: Vec<&str> = Vec::new();
    if n < 0 {
        out.push("âm");
    }
    if magnitude == 0 {
        out.push(DIGITS[0]);
    } else {
        read(magnitude, true, wording, &mut out);
    }
    Some(out.join(" "))
}

/// Reads `n` (> 0). `leading` is false after a larger scale has been read, so that the first
/// group reads its hundreds even when they are zero (`một nghìn không trăm linh năm`).
fn read(n: u64, leading: bool, wording: &Wording, out: &mut Vec<&'static str>) {
    const BILLION: u64 = 1_000_000_000;
    let mut leading = leading;
    if n >= BILLION {
        // Above 10⁹ the part above is read as a number of billions (§12 rule 7).
        read(n / BILLION, leading, wording, out);
        out.push(wording.billion);
        leading = false;
    }
    let below = n % BILLION;
    let groups = [
        (below / 1_000_000, "triệu"),
        (below / 1_000 % 1_000, wording.thousand),
        (below % 1_000, ""),
    ];
    for (group, scale) in groups {
        // All-zero groups are skipped (§12 rule 6): 2 000 500 = hai triệu năm trăm.
        if group == 0 {
            continue;
        }
        group_words(group, !leading, wording, out);
        if !scale.is_empty() {
            out.push(scale);
        }
        leading = false;
    }
}

/// One group of three digits; `full` reads zero hundreds (every group but the leading one).
fn group_words(group: u64, full: bool, wording: &Wording, out: &mut Vec<&'static str>) {
    let (hundreds, tens, units) = (group / 100, group / 10 % 10, group % 10);
    let said_hundreds = full || hundreds > 0;
    if said_hundreds {
        out.extend([DIGITS[hundreds as usize], "trăm"]);
    }
    match tens {
        0 => {
            if units > 0 {
                if said_hundreds {
                    out.push(wording.odd);
                }
                // After linh/lẻ and alone, units keep their plain names: một, bốn, năm.
                out.push(DIGITS[units as usize]);
            }
        }
        1 => {
            out.push("mười");
            match units {
                0 => {}
                5 => out.push("lăm"),
                u => out.push(DIGITS[u as usize]),
            }
        }
        t => {
            out.extend([DIGITS[t as usize], "mươi"]);
            match units {
                0 => {}
                1 => out.push("mốt"),
                4 => out.push(wording.four),
                5 => out.push("lăm"),
                u => out.push(DIGITS[u as usize]),
            }
        }
    }
}

/// Writes a whole number with dots between thousands, as money is written: `1.234.567`.
pub fn group_thousands(n: i128) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, d) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push('.');
        }
        out.push(d);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn say(n: i128) -> String {
        words(n, &Wording::default()).unwrap()
    }

    #[test]
    fn the_spec_table() {
        // vn-official-docs.md §12, the table and the rules' examples.
        let table: &[(i128, &str)] = &[
            (0, "không"),
            (5, "năm"),
            (10, "mười"),
            (14, "mười bốn"),
            (15, "mười lăm"),
            (11, "mười một"),
            (20, "hai mươi"),
            (21, "hai mươi mốt"),
            (24, "hai mươi tư"),
            (25, "hai mươi lăm"),
            (55, "năm mươi lăm"),
            (101, "một trăm linh một"),
            (104, "một trăm linh bốn"),
            (105, "một trăm linh năm"),
            (115, "một trăm mười lăm"),
            (121, "một trăm hai mươi mốt"),
            (1_001, "một nghìn không trăm linh một"),
            (1_005, "một nghìn không trăm linh năm"),
            (1_050, "một nghìn không trăm năm mươi"),
            (2_024, "hai nghìn không trăm hai mươi tư"),
            (105_000, "một trăm linh năm nghìn"),
            (2_000_500, "hai triệu năm trăm"),
            (
                1_234_567,
                "một triệu hai trăm ba mươi tư nghìn năm trăm sáu mươi bảy",
            ),
            (21_000_000, "hai mươi mốt triệu"),
            (1_000_000_001, "một tỷ không trăm linh một"),
            (1_500_000_000_000, "một nghìn năm trăm tỷ"),
            (-15, "âm mười lăm"),
        ];
        for &(n, expected) in table {
            assert_eq!(say(n), expected, "{n}");
        }
    }

    #[test]
    fn regional_wording_switches() {
        let south = Wording {
            odd: "lẻ",
            thousand: "ngàn",
            four: "bốn",
            billion: "tỉ",
        };
        assert_eq!(
            words(1_105_024, &south).unwrap(),
            "một triệu một trăm lẻ năm ngàn không trăm hai mươi bốn"
        );
        assert_eq!(words(3_000_000_000, &south).unwrap(), "ba tỉ");
    }

    #[test]
    fn huge_numbers_are_refused_not_misread() {
        assert!(words(MAX as i128, &Wording::default()).is_some());
        assert_eq!(words(MAX as i128 + 1, &Wording::default()), None);
        assert_eq!(words(10i128.pow(30), &Wording::default()), None);
        assert_eq!(words(i128::MIN, &Wording::default()), None);
    }

    #[test]
    fn thousands_are_grouped_with_dots() {
        assert_eq!(group_thousands(1_234_567), "1.234.567");
        assert_eq!(group_thousands(999), "999");
        assert_eq!(group_thousands(-1000), "-1.000");
        assert_eq!(group_thousands(0), "0");
    }
}
