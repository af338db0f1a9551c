//! Ordinary-hours potential: the paid ordinary hours a week a placement can be expected to give in its first
//! months. The model is deliberately simple and monotone, so a jobformidler can follow every step:
//!
//! 1. Basis: the paid hours the need offers (its `ordinary_hours.hours_per_week`; offered without a number
//!    counts as zero), capped by the hours the citizen is available. A need that offers no
//!    paid hours has a basis only when the company is open to ordinary hours for this jobcenter and the need
//!    can be combined with an internship: then a quarter of the hours the two can share.
//! 2. Timing: paid hours from the start count in full; paid hours that come later count 60 % in the first
//!    months.
//! 3. Likelihood that the hours materialise: 0.55, +0.30 when the citizen has had ordinary hours before (the
//!    'Flere skal med' evaluation's strongest predictor), +0.10 when the company is open to ordinary hours,
//!    +0.05 when a mentor is available, plus the company's recorded record (below); between 0.05 and 1.
//! 4. The company's record: of its recorded placements, how many gave paid hours. The rate is shrunk toward
//!    the evaluation's average of 22 % with the weight of five placements (a Beta(1.1, 3.9) prior), so one
//!    placement moves little and a long record a lot, and `RECORD_WEIGHT` x (rate - 22 %) is added. Without
//!    recorded placements it adds nothing.
//!
//! expected = basis x timing x likelihood; low = basis x timing x (likelihood - 0.3); high = basis x timing.
//! Every step is non-decreasing in offered hours, available hours, from-start, earlier hours, openness,
//! mentor and the company's placements with paid hours (and non-increasing in its placements without), and
//! the range always holds the expectation.
//!
//! Ranking reads the expectation above. Beside it each candidate reports a calibrated likelihood that the
//! placement gives paid hours at all ([`calibrated_likelihood`]), anchored on the evaluation's own model and
//! fitted to recorded outcomes once there are enough:
//!
//! - Prior ('Flere skal med', Rambøll 2019, table 4-4, a linear probability model for the target group): 22 %
//!   on average, +55 percentage points for earlier ordinary hours, +13 points for earlier company-oriented
//!   measures (read from the profile as experience without ordinary hours). The model's other terms (age,
//!   sex, origin, hospital visits, disability) are protected or health traits and are not used.
//! - Overall: once [`MIN_OUTCOMES`] placements are recorded, their rate with paid hours, shrunk toward 22 %
//!   with the weight of [`OVERALL_PRIOR_WEIGHT`] placements (a beta-binomial posterior mean), moves the 22 %.
//! - Per company: its rate shrunk toward the overall rate with the weight of [`PRIOR_WEIGHT`] placements; the
//!   difference is added.

use jobmatch_proto::v1::{HoursPotential, Need};

/// A company's recorded placements and how many of them gave paid ordinary hours (no personal data).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CompanyRecord {
    pub placements: u32,
    pub with_paid_hours: u32,
}

/// The share of placements with paid hours in the target group ('Flere skal med', table 4-4: 22 %).
pub const PRIOR_RATE: f64 = 0.22;
/// Table 4-4: earlier ordinary hours (2015-16), +55 percentage points.
pub const EARLIER_HOURS_POINTS: f64 = 0.55;
/// Table 4-4: earlier company-oriented measures, +13 percentage points.
pub const EARLIER_MEASURES_POINTS: f64 = 0.13;
/// Recorded placements (all companies) before the overall rate is fitted from them: fewer say little about
/// the jobcenters' own level, and the evaluation's figure stands.
pub const MIN_OUTCOMES: u32 = 20;
/// How many placements the evaluation's 22 % weighs against the recorded overall rate.
pub const OVERALL_PRIOR_WEIGHT: f64 = 20.0;
/// The calibrated likelihood stays inside this range: a linear model can leave [0, 1], a probability cannot.
const LIKELIHOOD_RANGE: (f64, f64) = (0.02, 0.98);
/// How many placements the prior weighs.
pub const PRIOR_WEIGHT: f64 = 5.0;
/// Likelihood added per unit of shrunk rate above the prior (and taken below it).
pub const RECORD_WEIGHT: f64 = 0.5;

impl CompanyRecord {
    /// The company's rate of placements with paid hours, shrunk toward the prior.
    pub fn shrunk_rate(&self) -> f64 {
        let paid = f64::from(self.with_paid_hours.min(self.placements));
        (paid + PRIOR_RATE * PRIOR_WEIGHT) / (f64::from(self.placements) + PRIOR_WEIGHT)
    }

    /// What the record adds to the likelihood (0 without placements).
    pub fn adjustment(&self) -> f64 {
        RECORD_WEIGHT * (self.shrunk_rate() - PRIOR_RATE)
    }

    /// Beta-binomial posterior mean of the rate with a Beta(weight x mean, weight x (1 - mean)) prior.
    pub fn posterior_rate(&self, prior_mean: f64, prior_weight: f64) -> f64 {
        let paid = f64::from(self.with_paid_hours.min(self.placements));
        (paid + prior_mean * prior_weight) / (f64::from(self.placements) + prior_weight)
    }

    /// Records added up (every company's together).
    pub fn total(records: impl IntoIterator<Item = CompanyRecord>) -> CompanyRecord {
        records
            .into_iter()
            .fold(CompanyRecord::default(), |a, r| CompanyRecord {
                placements: a.placements.saturating_add(r.placements),
                with_paid_hours: a.with_paid_hours.saturating_add(r.with_paid_hours),
            })
    }

    /// The record without one placement (to predict that placement without its own outcome).
    pub fn without(&self, gave_paid_hours: bool) -> CompanyRecord {
        CompanyRecord {
            placements: self.placements.saturating_sub(1),
            with_paid_hours: self
                .with_paid_hours
                .saturating_sub(u32::from(gave_paid_hours))
                .min(self.placements.saturating_sub(1)),
        }
    }
}

/// The overall rate the calibration starts from: the evaluation's 22 % until [`MIN_OUTCOMES`] placements are
/// recorded, then the recorded rate shrunk toward it.
pub fn overall_rate(overall: CompanyRecord) -> f64 {
    if overall.placements >= MIN_OUTCOMES {
        overall.posterior_rate(PRIOR_RATE, OVERALL_PRIOR_WEIGHT)
    } else {
        PRIOR_RATE
    }
}

fn points(x: f64) -> String {
    let p = (x * 100.0).round();
    if p >= 0.0 {
        format!("+{p:.0}")
    } else {
        format!("{p:.0}")
    }
}

/// The calibrated likelihood that a placement gives paid ordinary hours, and the evidence it used (Danish).
pub fn calibrated_likelihood(
    had_hours: bool,
    had_measures: bool,
    company: CompanyRecord,
    overall: CompanyRecord,
) -> (f64, Vec<String>) {
    let mut reasons = Vec::new();
    let mut l = PRIOR_RATE;
    let mut prior = String::from(
        "udgangspunkt 22 % (evalueringen af 'Flere skal med', Rambøll 2019, tabel 4-4)",
    );
    if had_hours {
        l += EARLIER_HOURS_POINTS;
        prior.push_str(", +55 point for tidligere løntimer");
    }
    if had_measures {
        l += EARLIER_MEASURES_POINTS;
        prior.push_str(
            ", +13 point for tidligere virksomhedsrettede tilbud (erfaring uden løntimer)",
        );
    }
    reasons.push(prior);
    let base = overall_rate(overall);
    if overall.placements >= MIN_OUTCOMES {
        l += base - PRIOR_RATE;
        reasons.push(format!(
            "kalibreret på {} registrerede forløb ({} med løntimer): {} point på udgangspunktet",
            overall.placements,
            overall.with_paid_hours.min(overall.placements),
            points(base - PRIOR_RATE)
        ));
    } else {
        reasons.push(format!(
            "{} registrerede forløb i alt, under {MIN_OUTCOMES}: evalueringens tal bruges uden kalibrering",
            overall.placements
        ));
    }
    if company.placements > 0 {
        let effect = company.posterior_rate(base, PRIOR_WEIGHT) - base;
        l += effect;
        reasons.push(format!(
            "virksomhedens {} af {} forløb med løntimer: {} point",
            company.with_paid_hours.min(company.placements),
            company.placements,
            points(effect)
        ));
    } else {
        reasons.push("ingen registrerede forløb hos virksomheden".into());
    }
    let l = l.clamp(LIKELIHOOD_RANGE.0, LIKELIHOOD_RANGE.1);
    reasons[0] = format!(
        "sandsynlighed for løntimer {:.0} %: {}",
        l * 100.0,
        reasons[0]
    );
    (l, reasons)
}

/// What the model reads; kept apart from the records so the monotonicity tests can vary one input at a time.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PotentialInput {
    pub offered: bool,
    pub from_start: bool,
    pub offered_hours: i32,
    pub need_min_hours: i32,
    pub need_max_hours: i32,
    pub combination_possible: bool,
    pub mentor_available: bool,
    pub company_open_to_ordinary_hours: bool,
    pub citizen_available_hours: i32,
    pub citizen_had_ordinary_hours: bool,
    /// Experience without ordinary hours: read as earlier company-oriented measures (internship, wage
    /// subsidy). Used by the calibrated likelihood only.
    pub citizen_had_company_measures: bool,
    pub company_record: CompanyRecord,
    /// Every company's placements together. Used by the calibrated likelihood only.
    pub overall_record: CompanyRecord,
}

impl PotentialInput {
    pub fn new(
        need: &Need,
        company_open: bool,
        available: i32,
        had_hours: bool,
        company_record: CompanyRecord,
    ) -> Self {
        let oh = need.ordinary_hours.unwrap_or_default();
        let hw = need.hours_per_week.unwrap_or_default();
        PotentialInput {
            offered: oh.offered,
            from_start: oh.from_start,
            offered_hours: oh.hours_per_week,
            need_min_hours: hw.min,
            need_max_hours: hw.max,
            combination_possible: need.combination_possible,
            mentor_available: need.mentor_available,
            company_open_to_ordinary_hours: company_open,
            citizen_available_hours: available,
            citizen_had_ordinary_hours: had_hours,
            citizen_had_company_measures: false,
            company_record,
            overall_record: CompanyRecord::default(),
        }
    }
}

fn one_decimal(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// One decimal with a decimal comma, as Danish text writes numbers.
pub(crate) fn danish_decimal(x: f64) -> String {
    format!("{x:.1}").replace('.', ",")
}

/// The expectation alone, without the reasons: what ranking needs for every candidate.
pub fn expected_hours(p: &PotentialInput) -> f64 {
    let available = f64::from(p.citizen_available_hours.clamp(0, 37));
    let basis = if p.offered {
        // Offered without a number counts as zero hours: guessing one would break monotonicity in the offer.
        f64::from(p.offered_hours.clamp(0, 37)).min(available)
    } else if p.company_open_to_ordinary_hours && p.combination_possible {
        f64::from(p.need_max_hours.clamp(0, 37)).min(available) * 0.25
    } else {
        0.0
    };
    let timing = if !p.offered || p.from_start { 1.0 } else { 0.6 };
    one_decimal(basis * timing * likelihood(p)).clamp(0.0, 37.0)
}

fn likelihood(p: &PotentialInput) -> f64 {
    let mut l: f64 = 0.55;
    if p.citizen_had_ordinary_hours {
        l += 0.30;
    }
    if p.company_open_to_ordinary_hours {
        l += 0.10;
    }
    if p.mentor_available {
        l += 0.05;
    }
    (l + p.company_record.adjustment()).clamp(0.05, 1.0)
}

pub fn estimate(p: &PotentialInput) -> HoursPotential {
    let available = f64::from(p.citizen_available_hours.clamp(0, 37));
    let mut reasons = Vec::new();
    let basis = if p.offered {
        let offered = f64::from(p.offered_hours.clamp(0, 37));
        if p.offered_hours > 0 {
            reasons.push(format!("tilbyder {} løntimer/uge", danish_decimal(offered)));
        } else {
            reasons.push("løntimer tilbudt, men antallet er ikke oplyst".into());
        }
        if offered > available {
            reasons.push(format!(
                "begrænset af borgerens {} timer/uge",
                danish_decimal(available)
            ));
        }
        offered.min(available)
    } else if p.company_open_to_ordinary_hours && p.combination_possible {
        reasons.push("ingen løntimer i opslaget, men virksomheden er åben for løntimer og praktik kan kombineres".into());
        f64::from(p.need_max_hours.clamp(0, 37)).min(available) * 0.25
    } else {
        reasons.push("ingen løntimer tilbudt".into());
        0.0
    };
    let timing = if !p.offered || p.from_start { 1.0 } else { 0.6 };
    if p.offered {
        reasons.push(if p.from_start {
            "løntimer fra start".into()
        } else {
            "løntimer først senere (60 % de første måneder)".to_string()
        });
    }
    if p.citizen_had_ordinary_hours {
        reasons.push("borgeren har haft løntimer før (stærkeste forudsigelse)".into());
    }
    if p.company_open_to_ordinary_hours {
        reasons.push("virksomheden er åben for løntimer".into());
    }
    if p.mentor_available {
        reasons.push("mentor til rådighed".into());
    }
    let record = p.company_record;
    if record.placements > 0 {
        reasons.push(format!(
            "virksomheden har givet løntimer i {} af {} registrerede forløb",
            record.with_paid_hours.min(record.placements),
            record.placements
        ));
    }
    if p.combination_possible && p.offered {
        reasons.push("kan kombineres med virksomhedspraktik".into());
    }
    let (calibrated, evidence) = calibrated_likelihood(
        p.citizen_had_ordinary_hours,
        p.citizen_had_company_measures,
        p.company_record,
        p.overall_record,
    );
    reasons.extend(evidence);
    let likelihood = likelihood(p);
    let span = basis * timing;
    let expected = expected_hours(p);
    HoursPotential {
        expected_hours_per_week: expected,
        low: one_decimal(span * (likelihood - 0.3).max(0.0)).min(expected),
        high: one_decimal(span).max(expected),
        reasons,
        likelihood: (calibrated * 1000.0).round() / 1000.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> PotentialInput {
        PotentialInput {
            offered: true,
            from_start: false,
            offered_hours: 10,
            need_min_hours: 8,
            need_max_hours: 25,
            combination_possible: true,
            mentor_available: false,
            company_open_to_ordinary_hours: false,
            citizen_available_hours: 20,
            citizen_had_ordinary_hours: false,
            citizen_had_company_measures: false,
            company_record: CompanyRecord::default(),
            overall_record: CompanyRecord::default(),
        }
    }

    fn e(p: PotentialInput) -> f64 {
        estimate(&p).expected_hours_per_week
    }

    #[test]
    fn monotone_in_each_input() {
        let b = base();
        assert!(
            e(PotentialInput {
                offered_hours: 15,
                ..b
            }) > e(b)
        );
        assert!(
            e(PotentialInput {
                from_start: true,
                ..b
            }) > e(b)
        );
        assert!(
            e(PotentialInput {
                citizen_had_ordinary_hours: true,
                ..b
            }) > e(b)
        );
        assert!(
            e(PotentialInput {
                company_open_to_ordinary_hours: true,
                ..b
            }) > e(b)
        );
        assert!(
            e(PotentialInput {
                mentor_available: true,
                ..b
            }) > e(b)
        );
        assert!(
            e(PotentialInput {
                offered: false,
                ..b
            }) < e(b)
        );
        assert!(
            e(PotentialInput {
                citizen_available_hours: 5,
                ..b
            }) < e(b)
        );
        for hours in 0..=37 {
            let lo = e(PotentialInput {
                offered_hours: hours,
                ..b
            });
            let hi = e(PotentialInput {
                offered_hours: hours + 1,
                ..b
            });
            assert!(hi >= lo, "offered {hours}");
            let lo = e(PotentialInput {
                citizen_available_hours: hours,
                ..b
            });
            let hi = e(PotentialInput {
                citizen_available_hours: hours + 1,
                ..b
            });
            assert!(hi >= lo, "available {hours}");
        }
    }

    #[test]
    fn a_company_record_of_paid_hours_raises_the_potential_and_none_lowers_it() {
        let b = base();
        let with = |placements, with_paid_hours| {
            e(PotentialInput {
                company_record: CompanyRecord {
                    placements,
                    with_paid_hours,
                },
                ..b
            })
        };
        // No record: exactly the model without it.
        assert_eq!(with(0, 0), e(b));
        // Non-decreasing in placements with paid hours, non-increasing in placements without.
        for n in 0..30 {
            for k in 0..n {
                assert!(with(n, k + 1) >= with(n, k), "{k}/{n}");
                assert!(with(n + 1, k) <= with(n, k), "{k}/{n}");
            }
        }
        assert!(with(20, 18) > e(b) && with(20, 0) < e(b));
        // One placement moves the estimate less than twenty alike.
        assert!(with(1, 1) - e(b) < with(20, 20) - e(b));
        let shrunk = CompanyRecord {
            placements: 1,
            with_paid_hours: 1,
        }
        .shrunk_rate();
        assert!(shrunk > PRIOR_RATE && shrunk < 0.4, "{shrunk}");
        let reasons = estimate(&PotentialInput {
            company_record: CompanyRecord {
                placements: 4,
                with_paid_hours: 3,
            },
            ..b
        })
        .reasons;
        assert!(reasons.iter().any(|r| r.contains("3 af 4")), "{reasons:?}");
    }

    #[test]
    fn range_holds_expectation_and_stays_in_bounds() {
        for offered in [false, true] {
            for from_start in [false, true] {
                for had in [false, true] {
                    for hours in [0, 5, 37, 40] {
                        let p = PotentialInput {
                            offered,
                            from_start,
                            offered_hours: hours,
                            citizen_had_ordinary_hours: had,
                            ..base()
                        };
                        let h = estimate(&p);
                        assert!(
                            h.low <= h.expected_hours_per_week
                                && h.expected_hours_per_week <= h.high
                        );
                        assert!((0.0..=37.0).contains(&h.expected_hours_per_week));
                        assert!(!h.reasons.is_empty());
                    }
                }
            }
        }
    }

    #[test]
    fn the_calibrated_likelihood_starts_from_table_4_4() {
        let none = CompanyRecord::default();
        let l = |h, m| calibrated_likelihood(h, m, none, none).0;
        assert!((l(false, false) - 0.22).abs() < 1e-9);
        assert!((l(true, false) - 0.77).abs() < 1e-9);
        assert!((l(false, true) - 0.35).abs() < 1e-9);
        assert!((l(true, true) - 0.90).abs() < 1e-9);
        let (_, reasons) = calibrated_likelihood(true, false, none, none);
        assert!(
            reasons[0].starts_with("sandsynlighed for løntimer 77 %"),
            "{reasons:?}"
        );
        assert!(reasons[0].contains("tabel 4-4") && reasons[0].contains("+55"));
        assert!(reasons.iter().any(|r| r.contains("uden kalibrering")));
    }

    #[test]
    fn recorded_outcomes_move_the_likelihood_once_there_are_enough() {
        let none = CompanyRecord::default();
        let rec = |placements, with_paid_hours| CompanyRecord {
            placements,
            with_paid_hours,
        };
        // 19 placements, all with paid hours: still the evaluation's figure.
        assert!((calibrated_likelihood(false, false, none, rec(19, 19)).0 - 0.22).abs() < 1e-9);
        // 100 placements, 40 with paid hours: (40 + 0.22 x 20) / 120 = 0.37.
        let (l, reasons) = calibrated_likelihood(false, false, none, rec(100, 40));
        assert!((l - 0.37).abs() < 1e-9, "{l}");
        assert!(
            reasons
                .iter()
                .any(|r| r.contains("100 registrerede forløb (40 med løntimer): +15 point")),
            "{reasons:?}"
        );
        // A company with 5 of 5 is shrunk toward 22 % with the weight of 5: (5 + 1.1) / 10 = 0.61, +39 points.
        let (l, reasons) = calibrated_likelihood(false, false, rec(5, 5), rec(5, 5));
        assert!((l - 0.61).abs() < 1e-9, "{l}");
        assert!(
            reasons
                .iter()
                .any(|r| r.contains("5 af 5") && r.contains("+39")),
            "{reasons:?}"
        );
        // Never a certainty either way.
        assert_eq!(
            calibrated_likelihood(true, true, rec(50, 50), rec(200, 200)).0,
            0.98
        );
        assert_eq!(
            calibrated_likelihood(false, false, rec(50, 0), rec(200, 0)).0,
            0.02
        );
        assert_eq!(CompanyRecord::total([rec(3, 2), rec(4, 1)]), rec(7, 3));
        // Leaving one placement out of a record.
        assert_eq!(rec(3, 2).without(true), rec(2, 1));
        assert_eq!(rec(3, 2).without(false), rec(2, 2));
        assert_eq!(rec(0, 0).without(true), rec(0, 0));
    }

    #[test]
    fn the_calibration_is_reported_and_leaves_the_expectation_alone() {
        let b = base();
        let other = PotentialInput {
            citizen_had_company_measures: true,
            overall_record: CompanyRecord {
                placements: 500,
                with_paid_hours: 400,
            },
            ..b
        };
        // Ranking reads the expectation: it must not move with the calibration.
        assert_eq!(expected_hours(&b), expected_hours(&other));
        let (hb, ho) = (estimate(&b), estimate(&other));
        assert_eq!(hb.expected_hours_per_week, ho.expected_hours_per_week);
        assert_eq!(hb.likelihood, 0.22);
        assert!(ho.likelihood > 0.6, "{}", ho.likelihood);
        assert!(
            ho.reasons.iter().any(|r| r.contains("+13 point")),
            "{:?}",
            ho.reasons
        );
    }
}
