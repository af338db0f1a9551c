//! A jobcenter's figures, as of its last recorded outcome: what the evaluation's jobcenters got two months
//! late.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use jobmatch_store::PlacementOutcome;

use crate::dates::{self, Month};
use crate::progression::{hours_on, series};

/// Placements whose start falls in the period (both ends included) are counted; None = open.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Period {
    pub from: Option<i64>,
    pub to: Option<i64>,
}

impl Period {
    pub fn contains(&self, day: i64) -> bool {
        self.from.is_none_or(|f| day >= f) && self.to.is_none_or(|t| day <= t)
    }
}

/// Median paid hours a week N weeks after the start, over the placements still running then.
#[derive(Debug, Clone, PartialEq)]
pub struct HoursAfter {
    pub weeks: u32,
    pub placements: u64,
    pub median_hours: Option<f64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct MonthShare {
    pub month: String,
    /// Placements running some day of the month.
    pub active: u64,
    /// Of them, with paid hours some day of the month.
    pub with_paid_hours: u64,
    pub share: Option<f64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CalibrationBin {
    /// 1 = the tenth with the lowest predicted likelihood.
    pub decile: u32,
    pub placements: u64,
    pub mean_predicted: f64,
    pub observed_share: f64,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Summary {
    pub jobcenter: String,
    /// The last date any of the jobcenter's outcomes records (start, change of hours, end).
    pub as_of: Option<String>,
    pub placements_started: u64,
    pub placements_with_paid_hours: u64,
    pub share_with_paid_hours: Option<f64>,
    pub hours_after: Vec<HoursAfter>,
    pub citizens: u64,
    pub citizens_hours_grew: u64,
    pub share_hours_grew: Option<f64>,
    /// Companies whose first paid hours (among the jobcenter's recorded placements) fall in the period.
    pub companies_first_paid_hours: Vec<String>,
    pub by_month: Vec<MonthShare>,
    pub calibration: Vec<CalibrationBin>,
}

pub const HOURS_AFTER_WEEKS: [u32; 3] = [4, 8, 13];

fn share(part: u64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}

fn median(mut xs: Vec<f64>) -> Option<f64> {
    if xs.is_empty() {
        return None;
    }
    xs.sort_by(f64::total_cmp);
    let n = xs.len();
    Some(if n % 2 == 1 {
        xs[n / 2]
    } else {
        (xs[n / 2 - 1] + xs[n / 2]) / 2.0
    })
}

fn last_recorded_day(o: &PlacementOutcome) -> Option<i64> {
    std::iter::once(o.started.as_str())
        .chain(o.paid_hours.iter().map(|h| h.from.as_str()))
        .chain(o.ended.as_deref())
        .filter_map(dates::parse)
        .max()
}

/// Whether the placement is running on `day` (started, not ended before).
fn running_on(o: &PlacementOutcome, day: i64) -> bool {
    dates::parse(&o.started).is_some_and(|s| s <= day)
        && o.ended
            .as_deref()
            .and_then(dates::parse)
            .is_none_or(|e| e >= day)
}

/// The first day a placement had paid hours, if it had.
fn first_paid_day(o: &PlacementOutcome) -> Option<i64> {
    let end = o.ended.as_deref().and_then(dates::parse);
    series(o)
        .into_iter()
        .filter(|(d, _)| end.is_none_or(|e| *d <= e))
        .find(|(_, h)| *h > 0.0)
        .map(|(d, _)| d)
}

/// The summary of `outcomes` (every outcome of one jobcenter) over `period`, as of the last recorded date.
pub fn summarize(jobcenter: &str, outcomes: &[PlacementOutcome], period: Period) -> Summary {
    let as_of = outcomes.iter().filter_map(last_recorded_day).max();
    let Some(as_of_day) = as_of else {
        return Summary {
            jobcenter: jobcenter.to_string(),
            ..Default::default()
        };
    };
    let in_period: Vec<&PlacementOutcome> = outcomes
        .iter()
        .filter(|o| dates::parse(&o.started).is_some_and(|d| period.contains(d)))
        .collect();
    let started = in_period.len() as u64;
    let paid = in_period
        .iter()
        .filter(|o| first_paid_day(o).is_some())
        .count() as u64;
    let hours_after = HOURS_AFTER_WEEKS
        .iter()
        .map(|&w| {
            let hours: Vec<f64> = in_period
                .iter()
                .filter_map(|o| {
                    let at = dates::parse(&o.started)? + 7 * i64::from(w);
                    (at <= as_of_day && running_on(o, at)).then(|| hours_on(o, at))
                })
                .collect();
            HoursAfter {
                weeks: w,
                placements: hours.len() as u64,
                median_hours: median(hours),
            }
        })
        .collect();
    // A citizen's hours grew when a placement's latest hours exceed its first (0 until the first record).
    let mut grew_by_citizen: BTreeMap<&str, bool> = BTreeMap::new();
    for o in &in_period {
        let s = series(o);
        let end = o
            .ended
            .as_deref()
            .and_then(dates::parse)
            .unwrap_or(as_of_day)
            .min(as_of_day);
        let recorded: Vec<f64> = s
            .iter()
            .filter(|(d, _)| *d <= end)
            .map(|(_, h)| *h)
            .collect();
        let grew = matches!((recorded.first(), recorded.last()), (Some(f), Some(l)) if l > f);
        *grew_by_citizen.entry(o.citizen_ref.as_str()).or_default() |= grew;
    }
    let citizens = grew_by_citizen.len() as u64;
    let grew = grew_by_citizen.values().filter(|g| **g).count() as u64;
    // First paid hours per company over the whole record, so "for the first time" looks before the period.
    let mut first_paid: HashMap<&str, i64> = HashMap::new();
    for o in outcomes {
        if let Some(d) = first_paid_day(o) {
            first_paid
                .entry(o.cvr.as_str())
                .and_modify(|x| *x = (*x).min(d))
                .or_insert(d);
        }
    }
    let companies: BTreeSet<String> = first_paid
        .into_iter()
        .filter(|(_, d)| period.contains(*d) && *d <= as_of_day)
        .map(|(c, _)| c.to_string())
        .collect();
    Summary {
        jobcenter: jobcenter.to_string(),
        as_of: Some(dates::format(as_of_day)),
        placements_started: started,
        placements_with_paid_hours: paid,
        share_with_paid_hours: share(paid, started),
        hours_after,
        citizens,
        citizens_hours_grew: grew,
        share_hours_grew: share(grew, citizens),
        companies_first_paid_hours: companies.into_iter().collect(),
        by_month: by_month(&in_period, period, as_of_day),
        calibration: Vec::new(),
    }
}

fn paid_in_month(o: &PlacementOutcome, m: Month) -> bool {
    let (first, last) = (m.first_day(), m.last_day());
    let end = o
        .ended
        .as_deref()
        .and_then(dates::parse)
        .unwrap_or(i64::MAX);
    let start = dates::parse(&o.started).unwrap_or(i64::MAX);
    // Hours in effect on any day of the month the placement was running.
    let (from, to) = (first.max(start), last.min(end));
    from <= to
        && (hours_on(o, from) > 0.0
            || series(o)
                .iter()
                .any(|(d, h)| *d >= from && *d <= to && *h > 0.0))
}

fn by_month(in_period: &[&PlacementOutcome], period: Period, as_of: i64) -> Vec<MonthShare> {
    let first = in_period
        .iter()
        .filter_map(|o| dates::parse(&o.started))
        .min()
        .map(|d| period.from.map_or(d, |f| f.max(d)));
    let Some(first) = first else {
        return Vec::new();
    };
    let last = period.to.map_or(as_of, |t| t.min(as_of));
    let mut m = Month::of_day(first);
    let end = Month::of_day(last);
    let mut out = Vec::new();
    while m <= end {
        let active: Vec<&&PlacementOutcome> = in_period
            .iter()
            .filter(|o| {
                dates::parse(&o.started).is_some_and(|s| s <= m.last_day())
                    && o.ended
                        .as_deref()
                        .and_then(dates::parse)
                        .is_none_or(|e| e >= m.first_day())
            })
            .collect();
        let paid = active.iter().filter(|o| paid_in_month(o, m)).count() as u64;
        out.push(MonthShare {
            month: m.to_string(),
            active: active.len() as u64,
            with_paid_hours: paid,
            share: share(paid, active.len() as u64),
        });
        m = m.next();
    }
    out
}

/// Predicted likelihood against observed outcome in ten equal groups ordered by prediction (Hosmer-Lemeshow
/// style); fewer than ten placements give none, since a decile would then be empty.
pub fn calibration_by_decile(pairs: &[(f64, bool)]) -> Vec<CalibrationBin> {
    let n = pairs.len();
    if n < 10 {
        return Vec::new();
    }
    let mut sorted = pairs.to_vec();
    sorted.sort_by(|a, b| a.0.total_cmp(&b.0));
    (0..10)
        .map(|d| {
            let bin = &sorted[d * n / 10..(d + 1) * n / 10];
            let k = bin.len() as f64;
            CalibrationBin {
                decile: d as u32 + 1,
                placements: bin.len() as u64,
                mean_predicted: bin.iter().map(|p| p.0).sum::<f64>() / k,
                observed_share: bin.iter().filter(|p| p.1).count() as f64 / k,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn o(
        id: &str,
        citizen: &str,
        cvr: &str,
        started: &str,
        hours: &[(&str, f64)],
        ended: Option<&str>,
    ) -> PlacementOutcome {
        crate::testing::outcome(id, citizen, cvr, "combination", started, hours, ended)
    }

    /// Five placements, figures worked out by hand below.
    fn fixture() -> Vec<PlacementOutcome> {
        vec![
            // Paid hours from week 2: 10, then 20 from week 6. Grew.
            o(
                "a",
                "c1",
                "11111111",
                "2026-01-05",
                &[("2026-01-19", 10.0), ("2026-02-16", 20.0)],
                None,
            ),
            // Never paid, ended after 3 weeks.
            o("b", "c2", "22222222", "2026-01-05", &[], Some("2026-01-26")),
            // 15 from the start, falls to 5 in week 9. Not grown.
            o(
                "c",
                "c3",
                "11111111",
                "2026-02-02",
                &[("2026-02-02", 15.0), ("2026-04-06", 5.0)],
                None,
            ),
            // Before the period: company 33333333 gave paid hours in 2025, so not for the first time in 2026.
            o(
                "d",
                "c4",
                "33333333",
                "2025-06-02",
                &[("2025-06-02", 8.0)],
                Some("2025-09-01"),
            ),
            // In the period at 33333333 and at a new company 44444444 whose first hours come in March.
            o(
                "e",
                "c4",
                "44444444",
                "2026-02-02",
                &[("2026-03-02", 12.0)],
                None,
            ),
        ]
    }

    fn period_2026() -> Period {
        Period {
            from: dates::parse("2026-01-01"),
            to: dates::parse("2026-12-31"),
        }
    }

    #[test]
    fn summary_matches_the_hand_computed_fixture() {
        let s = summarize("0751", &fixture(), period_2026());
        // Last recorded date: c's change on 2026-04-06.
        assert_eq!(s.as_of.as_deref(), Some("2026-04-06"));
        assert_eq!(s.placements_started, 4);
        assert_eq!(s.placements_with_paid_hours, 3);
        assert_eq!(s.share_with_paid_hours, Some(0.75));
        // Week 4 (a: 02-02 -> 10; c: 03-02 -> 15; e: 03-02 -> 12; b ended): median 12 of 3.
        assert_eq!(
            (s.hours_after[0].placements, s.hours_after[0].median_hours),
            (3, Some(12.0))
        );
        // Week 8 (a: 03-02 -> 20; c: 03-30 -> 15; e: 03-30 -> 12): median 15.
        assert_eq!(
            (s.hours_after[1].placements, s.hours_after[1].median_hours),
            (3, Some(15.0))
        );
        // Week 13: a reaches 04-06 (20); c and e only on 05-04, after as_of.
        assert_eq!(
            (s.hours_after[2].placements, s.hours_after[2].median_hours),
            (1, Some(20.0))
        );
        // Citizens c1 (grew), c2 (no hours), c3 (fell), c4 (e: 0 -> 12, grew).
        assert_eq!((s.citizens, s.citizens_hours_grew), (4, 2));
        assert_eq!(s.share_hours_grew, Some(0.5));
        assert_eq!(s.companies_first_paid_hours, ["11111111", "44444444"]);
        let months: Vec<(&str, u64, u64)> = s
            .by_month
            .iter()
            .map(|m| (m.month.as_str(), m.active, m.with_paid_hours))
            .collect();
        // January: a (paid from 01-19), b; February: a, c, e (e not yet paid); March and April: a, c, e.
        assert_eq!(
            months,
            [
                ("2026-01", 2, 1),
                ("2026-02", 3, 2),
                ("2026-03", 3, 3),
                ("2026-04", 3, 3)
            ]
        );
    }

    #[test]
    fn an_empty_record_gives_an_empty_summary() {
        let s = summarize("0751", &[], Period::default());
        assert_eq!((s.placements_started, s.as_of), (0, None));
        assert!(s.share_with_paid_hours.is_none() && s.by_month.is_empty());
    }

    #[test]
    fn deciles_order_by_prediction_and_compare_with_what_happened() {
        assert!(calibration_by_decile(&[(0.5, true); 9]).is_empty());
        let pairs: Vec<(f64, bool)> = (0..100).map(|i| (i as f64 / 100.0, i % 10 >= 5)).collect();
        let bins = calibration_by_decile(&pairs);
        assert_eq!(bins.len(), 10);
        assert!(
            bins.iter()
                .all(|b| b.placements == 10 && b.observed_share == 0.5)
        );
        assert!((bins[0].mean_predicted - 0.045).abs() < 1e-9);
        assert!((bins[9].mean_predicted - 0.945).abs() < 1e-9);
    }
}
