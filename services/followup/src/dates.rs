//! ISO dates (YYYY-MM-DD) as days since 1970-01-01, and calendar months. The store keeps dates as strings; the
//! follow-up counts weeks and months between them. (`jobmatch-indexer` has the same day arithmetic; it is
//! repeated here so this crate of pure functions does not pull in Tantivy.)

/// Days since 1970-01-01 of a valid `YYYY-MM-DD`, or None.
pub fn parse(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let part = s.get(r)?;
        part.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| part.parse().ok())?
    };
    let (y, m, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    if !(1..=12).contains(&m) || d < 1 || d > days_in_month(y, m) {
        return None;
    }
    Some(days_from_civil(y, m, d))
}

pub fn format(days: i64) -> String {
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}")
}

/// A calendar month, `YYYY-MM`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Month {
    pub year: i64,
    pub month: i64,
}

impl Month {
    pub fn of_day(days: i64) -> Month {
        let (year, month, _) = civil_from_days(days);
        Month { year, month }
    }

    /// `YYYY-MM` or `YYYY-MM-DD` (the day is ignored).
    pub fn parse(s: &str) -> Option<Month> {
        let day = if s.len() == 7 {
            parse(&format!("{s}-01"))?
        } else {
            parse(s)?
        };
        Some(Month::of_day(day))
    }

    pub fn first_day(self) -> i64 {
        days_from_civil(self.year, self.month, 1)
    }

    pub fn last_day(self) -> i64 {
        days_from_civil(self.year, self.month, days_in_month(self.year, self.month))
    }

    pub fn next(self) -> Month {
        if self.month == 12 {
            Month {
                year: self.year + 1,
                month: 1,
            }
        } else {
            Month {
                year: self.year,
                month: self.month + 1,
            }
        }
    }
}

impl std::fmt::Display for Month {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        _ => 28,
    }
}

// Howard Hinnant's days_from_civil / civil_from_days: exact for the proleptic Gregorian calendar.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_months_round_trip() {
        for s in ["1970-01-01", "2024-02-29", "2025-06-30", "2025-07-01"] {
            assert_eq!(format(parse(s).unwrap()), s);
        }
        assert!(parse("2025-02-29").is_none());
        let m = Month::parse("2024-02").unwrap();
        assert_eq!(format(m.last_day()), "2024-02-29");
        assert_eq!(
            Month::parse("2025-12-31").unwrap().next().to_string(),
            "2026-01"
        );
    }
}
