//! Finding CPR numbers (Danish personal identity numbers) in text, so that none is stored or logged.
//!
//! A CPR number is `ddmmyy-xxxx`. People and systems write it in many ways: with a no-break space or an en
//! dash instead of the hyphen, with full-width or other non-ASCII digits (pasted from web forms), with a label
//! ("CPR 010190-1234"), inside a longer text. So the text is folded first (NFKC, digits of every script to
//! ASCII, every dash to '-', spaces and invisible format characters dropped) and then searched anywhere.
//!
//! Shapes refused, as the interchange format defines them: six digits, a dash, four digits (whatever the
//! digits); or ten digits in a row whose first six are a real date (ddmmyy, either century). Digits that are
//! part of a longer number do not count.

use unicode_normalization::UnicodeNormalization;

/// Code points of the digit zero of every Unicode decimal-digit block beyond ASCII (Unicode 14, from Python's
/// `unicodedata.decimal`); a digit's value is its distance from its block's zero.
const DIGIT_ZEROS: &[u32] = &[
    0x660, 0x6F0, 0x7C0, 0x966, 0x9E6, 0xA66, 0xAE6, 0xB66, 0xBE6, 0xC66, 0xCE6, 0xD66, 0xDE6,
    0xE50, 0xED0, 0xF20, 0x1040, 0x1090, 0x17E0, 0x1810, 0x1946, 0x19D0, 0x1A80, 0x1A90, 0x1B50,
    0x1BB0, 0x1C40, 0x1C50, 0xA620, 0xA8D0, 0xA900, 0xA9D0, 0xA9F0, 0xAA50, 0xABF0, 0xFF10,
    0x104A0, 0x10D30, 0x11066, 0x110F0, 0x11136, 0x111D0, 0x112F0, 0x11450, 0x114D0, 0x11650,
    0x116C0, 0x11730, 0x118E0, 0x11950, 0x11C50, 0x11D50, 0x11DA0, 0x16A60, 0x16AC0, 0x16B50,
    0x1D7CE, 0x1D7D8, 0x1D7E2, 0x1D7EC, 0x1D7F6, 0x1E140, 0x1E2F0, 0x1E950, 0x1FBF0,
];

fn digit_value(c: char) -> Option<u8> {
    if c.is_ascii_digit() {
        return Some(c as u8 - b'0');
    }
    let cp = c as u32;
    let i = DIGIT_ZEROS.partition_point(|&z| z <= cp);
    let zero = *DIGIT_ZEROS.get(i.checked_sub(1)?)?;
    (cp - zero < 10).then(|| (cp - zero) as u8)
}

fn is_dash(c: char) -> bool {
    matches!(
        c,
        '-' | '\u{2010}'
            ..='\u{2015}' | '\u{2043}' | '\u{2212}' | '\u{FE58}' | '\u{FE63}' | '\u{FF0D}'
    )
}

/// Spaces of every kind and invisible format characters (zero-width space, soft hyphen, word joiner, BOM,
/// direction marks): a reader does not see them, so they must not hide a number.
fn is_invisible(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            '\u{00AD}' | '\u{180E}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}'
                | '\u{2060}'..='\u{2064}' | '\u{FEFF}'
        )
}

#[derive(Clone, Copy, PartialEq)]
enum Sym {
    Digit(u8),
    Dash,
    Other,
}

fn fold(text: &str) -> Vec<Sym> {
    text.nfkc()
        .filter(|c| !is_invisible(*c))
        .map(|c| match digit_value(c) {
            Some(d) => Sym::Digit(d),
            None if is_dash(c) => Sym::Dash,
            None => Sym::Other,
        })
        .collect()
}

fn is_date(d: &[u8]) -> bool {
    let dd = d[0] * 10 + d[1];
    let mm = d[2] * 10 + d[3];
    let yy = u32::from(d[4]) * 10 + u32::from(d[5]);
    // Either century will do: a valid day and month is enough to refuse.
    [1900, 2000]
        .iter()
        .any(|c| crate::date::is_valid(&format!("{:04}-{mm:02}-{dd:02}", c + yy)))
}

/// True when `text` contains something shaped like a CPR number.
pub fn contains_cpr(text: &str) -> bool {
    // Cheap exit: no text without at least ten digit-like characters can hold one.
    if text.chars().filter(|c| c.is_numeric()).take(10).count() < 10 {
        return false;
    }
    let s = fold(text);
    let digit = |i: usize| match s.get(i) {
        Some(Sym::Digit(d)) => Some(*d),
        _ => None,
    };
    let mut i = 0;
    while i < s.len() {
        if digit(i).is_none() || (i > 0 && digit(i - 1).is_some()) {
            i += 1;
            continue;
        }
        // A run of digits starts at i.
        let run: Vec<u8> = (i..).map_while(digit).collect();
        let end = i + run.len();
        if run.len() == 10 && is_date(&run[..6]) {
            return true;
        }
        if run.len() == 6 && s.get(end) == Some(&Sym::Dash) {
            let tail: Vec<u8> = (end + 1..).map_while(digit).collect();
            if tail.len() == 4 {
                return true;
            }
        }
        i = end.max(i + 1);
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_every_way_of_writing_one() {
        for s in [
            "010190-1234",
            "0101901234",
            "010190-1234\n",
            "010190\u{2011}1234",
            "010190\u{2013}1234",
            "010190\u{00A0}1234",
            "010190 1234",
            "０１０１９０－１２３４",
            "٠١٠١٩٠-١٢٣٤",
            "CPR 010190-1234",
            "cpr:0101901234 tak",
            "010190\u{200B}-1234",
            "999999-1234",
        ] {
            assert!(contains_cpr(s), "{s:?}");
        }
    }

    #[test]
    fn leaves_other_numbers_alone() {
        for s in [
            "DC00001",
            "9999991234",
            "12345",
            "AAR-2026-0042",
            "01019012345",
            "lagermedarbejder 8000 Aarhus",
            "ordre 123456-12345",
            "",
        ] {
            assert!(!contains_cpr(s), "{s:?}");
        }
    }
}
