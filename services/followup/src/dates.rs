//! ISO dates (YYYY-MM-DD) as days since 1970-01-01, and calendar months. The store keeps dates as strings; the
//! follow-up counts weeks and months between them (the day arithmetic is `jobmatch-calendar`'s).

use jobmatch_calendar::{civil_from_days, days_from_civil, days_in_month};

/// Days since 1970-01-01 of a valid `YYYY-MM-DD`, or None.
pub fn parse(s: &str) -> Option<i64> {
    jobmatch_calendar::parse_days(s)
}

pub fn format(days: i64) -> String {
    jobmatch_calendar::format_days(days)
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
