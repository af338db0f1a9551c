//! "Does it pay to work": a month's earnings, how much of the cash benefit they offset under the rules in
//! force that month, and what the citizen gains. Every amount carries its source. Amounts are before tax.

use crate::config::{CalculatorConfig, OffsetRule, RATES};
use crate::dates::Month;

#[derive(Debug, Clone, PartialEq)]
pub struct GainInput {
    /// base, minimum, raised, youth_at_home.
    pub rate: String,
    pub hours_per_week: f64,
    pub hourly_wage_kr: f64,
    /// The month, `YYYY-MM`.
    pub month: String,
    /// The citizen's benefit a month before any deduction. It comes with the request because the amounts are
    /// personal (rate, supplements) and indexed yearly; the jobcenter has the citizen's own figure.
    pub monthly_benefit_kr: f64,
    /// Earnings of the month when known; otherwise hours a week x weeks a month x hourly wage.
    pub earnings_kr: Option<f64>,
}

/// One amount of the answer and where it comes from.
#[derive(Debug, Clone, PartialEq)]
pub struct Amount {
    pub name: &'static str,
    pub kr: f64,
    pub source: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Gain {
    pub month: String,
    pub rate: String,
    pub hours_per_month: f64,
    pub earnings_kr: f64,
    pub benefit_kr: f64,
    /// Earnings not deducted.
    pub free_kr: f64,
    /// What the earnings take off the benefit (at most the benefit).
    pub deducted_kr: f64,
    pub benefit_paid_kr: f64,
    /// Earnings plus the benefit still paid.
    pub income_kr: f64,
    /// Income with the work minus the benefit without it.
    pub gain_kr: f64,
    /// True when the krone-for-krone threshold cut the benefit further.
    pub krone_for_krone: bool,
    /// valid_from and source of the rule applied.
    pub rule_valid_from: String,
    pub rule_source: String,
    pub amounts: Vec<Amount>,
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum CalcError {
    Invalid {
        field: &'static str,
        reason: String,
    },
    /// No rule for the rate is configured from that month or earlier.
    NoRule {
        rate: String,
        month: String,
    },
}

impl std::fmt::Display for CalcError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CalcError::Invalid { field, reason } => write!(f, "{field}: {reason}"),
            CalcError::NoRule { rate, month } => {
                write!(
                    f,
                    "no offset rule for rate {rate:?} is configured for {month}"
                )
            }
        }
    }
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

fn invalid(field: &'static str, reason: impl Into<String>) -> CalcError {
    CalcError::Invalid {
        field,
        reason: reason.into(),
    }
}

/// The rule in force on the first day of `month` for `rate`.
pub fn rule_for<'c>(
    config: &'c CalculatorConfig,
    rate: &str,
    month: Month,
) -> Option<&'c OffsetRule> {
    let day = crate::dates::format(month.first_day());
    config
        .offset_rules
        .iter()
        .filter(|r| r.rates.iter().any(|x| x == rate) && r.valid_from.as_str() <= day.as_str())
        .max_by(|a, b| a.valid_from.cmp(&b.valid_from))
}

pub fn monthly_gain(config: &CalculatorConfig, input: &GainInput) -> Result<Gain, CalcError> {
    if !RATES.contains(&input.rate.as_str()) {
        return Err(invalid("benefit_rate", format!("must be one of {RATES:?}")));
    }
    let month = Month::parse(&input.month).ok_or_else(|| invalid("month", "must be YYYY-MM"))?;
    let finite_in = |field, x: f64, max: f64| {
        if x.is_finite() && (0.0..=max).contains(&x) {
            Ok(x)
        } else {
            Err(invalid(field, format!("must be between 0 and {max}")))
        }
    };
    let hours_per_week = finite_in("hours_per_week", input.hours_per_week, 80.0)?;
    let wage = finite_in("hourly_wage_kr", input.hourly_wage_kr, 10_000.0)?;
    let benefit = finite_in("monthly_benefit_kr", input.monthly_benefit_kr, 1_000_000.0)?;
    let earnings_given = input
        .earnings_kr
        .map(|e| finite_in("earnings_kr", e, 10_000_000.0))
        .transpose()?;
    let rule = rule_for(config, &input.rate, month).ok_or_else(|| CalcError::NoRule {
        rate: input.rate.clone(),
        month: month.to_string(),
    })?;
    let hours_month = hours_per_week * config.weeks_per_month;
    let earnings = earnings_given.unwrap_or(hours_month * wage);
    let earnings_source = if earnings_given.is_some() {
        "oplyst i forespørgslen".to_string()
    } else {
        format!(
            "{hours_per_week} timer/uge x {:.2} uger/md. x {wage} kr./time",
            config.weeks_per_month
        )
    };
    let rule_src = format!(
        "{} (gælder fra {}, beløb i {}-niveau)",
        rule.source, rule.valid_from, rule.amount_level
    );
    let free = rule.free_kr_month + rule.free_kr_per_hour * hours_month.min(rule.free_hours_max);
    let deduction = rule.deduction_share * (earnings - free).max(0.0);
    let mut paid = (benefit - deduction).max(0.0);
    let mut amounts = vec![
        Amount {
            name: "earnings",
            kr: round2(earnings),
            source: earnings_source,
        },
        Amount {
            name: "benefit",
            kr: round2(benefit),
            source: "borgerens ydelse før fradrag, oplyst i forespørgslen".into(),
        },
        Amount {
            name: "free",
            kr: round2(free.min(earnings)),
            source: if rule.free_kr_per_hour > 0.0 {
                format!(
                    "{} kr. pr. time for højst {} timer/md.: {rule_src}",
                    rule.free_kr_per_hour, rule.free_hours_max
                )
            } else {
                format!("{} kr./md. fribeløb: {rule_src}", rule.free_kr_month)
            },
        },
        Amount {
            name: "deduction",
            kr: round2(deduction.min(benefit)),
            source: format!(
                "{} % af indtægten over fribeløbet: {rule_src}",
                rule.deduction_share * 100.0
            ),
        },
    ];
    let mut notes = Vec::new();
    let mut krone_for_krone = false;
    if rule.krone_for_krone_at_share_of_max_ui > 0.0 {
        let day = crate::dates::format(month.first_day());
        let max_ui = config
            .max_ui_rate
            .iter()
            .filter(|a| a.valid_from.as_str() <= day.as_str())
            .max_by(|a, b| a.valid_from.cmp(&b.valid_from));
        match max_ui {
            Some(m) => {
                let threshold = rule.krone_for_krone_at_share_of_max_ui * m.monthly_kr;
                if earnings + paid > threshold {
                    krone_for_krone = true;
                    paid = paid.min((threshold - earnings).max(0.0));
                }
                amounts.push(Amount {
                    name: "krone_for_krone_threshold",
                    kr: round2(threshold),
                    source: format!(
                        "{} % af højeste dagpengesats {} kr./md. ({}, fra {}): {rule_src}",
                        rule.krone_for_krone_at_share_of_max_ui * 100.0,
                        m.monthly_kr,
                        m.source,
                        m.valid_from
                    ),
                });
            }
            None => notes.push(format!(
                "grænsen for modregning krone for krone ({} % af højeste dagpengesats) er ikke anvendt: \
                 årets dagpengesats er ikke konfigureret (followup.calculator.max_ui_rate)",
                rule.krone_for_krone_at_share_of_max_ui * 100.0
            )),
        }
    }
    let deducted = benefit - paid;
    notes.push("beløb før skat".into());
    Ok(Gain {
        month: month.to_string(),
        rate: input.rate.clone(),
        hours_per_month: round2(hours_month),
        earnings_kr: round2(earnings),
        benefit_kr: round2(benefit),
        free_kr: round2(free.min(earnings)),
        deducted_kr: round2(deducted),
        benefit_paid_kr: round2(paid),
        income_kr: round2(earnings + paid),
        gain_kr: round2(earnings - deducted),
        krone_for_krone,
        rule_valid_from: rule.valid_from.clone(),
        rule_source: rule.source.clone(),
        amounts,
        notes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::DatedAmount;

    fn input(rate: &str, month: &str, earnings: Option<f64>) -> GainInput {
        GainInput {
            rate: rate.into(),
            hours_per_week: 0.0,
            hourly_wage_kr: 0.0,
            month: month.into(),
            monthly_benefit_kr: 12_000.0,
            earnings_kr: earnings,
        }
    }

    fn gain(i: &GainInput) -> Gain {
        monthly_gain(&CalculatorConfig::default(), i).unwrap()
    }

    #[test]
    fn worked_example_of_the_readme() {
        // 10,000 kr in July 2025 on the base rate: 5,000 kr free, 65 % of the other 5,000 deducted.
        let g = gain(&input("base", "2025-07", Some(10_000.0)));
        assert_eq!(g.free_kr, 5_000.0);
        assert_eq!(g.deducted_kr, 3_250.0);
        assert_eq!(g.benefit_paid_kr, 8_750.0);
        assert_eq!(g.gain_kr, 6_750.0);
        assert_eq!(g.rule_valid_from, "2025-07-01");
        assert!(g.amounts.iter().all(|a| !a.source.is_empty()));
    }

    #[test]
    fn zero_hours_change_nothing() {
        for month in ["2025-06", "2025-07"] {
            let g = gain(&GainInput {
                hourly_wage_kr: 150.0,
                ..input("base", month, None)
            });
            assert_eq!((g.earnings_kr, g.deducted_kr, g.gain_kr), (0.0, 0.0, 0.0));
            assert_eq!(g.benefit_paid_kr, 12_000.0);
        }
    }

    #[test]
    fn exactly_the_free_amount_is_not_deducted_and_one_krone_more_is() {
        let at = gain(&input("base", "2025-07", Some(5_000.0)));
        assert_eq!((at.deducted_kr, at.gain_kr), (0.0, 5_000.0));
        let above = gain(&input("base", "2025-07", Some(5_001.0)));
        assert_eq!(above.deducted_kr, 0.65);
        let raised = gain(&input("raised", "2025-07", Some(5_000.0)));
        assert_eq!(raised.deducted_kr, 1_625.0);
        // Young people living with their parents have no free amount.
        let youth = gain(&input("youth_at_home", "2025-07", Some(1_000.0)));
        assert_eq!(youth.deducted_kr, 650.0);
    }

    #[test]
    fn the_month_before_the_reform_uses_the_hourly_disregard() {
        // 20 h/week at 150 kr: 86.67 h and 13,000 kr a month.
        let work = |month| GainInput {
            hours_per_week: 20.0,
            hourly_wage_kr: 150.0,
            monthly_benefit_kr: 20_000.0,
            ..input("base", month, None)
        };
        let june = gain(&work("2025-06"));
        let hours = 20.0 * 52.0 / 12.0;
        assert_eq!(june.rule_valid_from, "2022-01-01");
        assert_eq!(june.free_kr, round2(29.0 * hours));
        assert_eq!(june.deducted_kr, round2(13_000.0 - 29.0 * hours));
        let july = gain(&work("2025-07"));
        assert_eq!(july.deducted_kr, round2(0.65 * 8_000.0));
        assert!(july.gain_kr > june.gain_kr);
        // The disregard stops at 160 hours a month.
        let long = gain(&GainInput {
            hours_per_week: 40.0,
            ..work("2025-06")
        });
        assert_eq!(long.free_kr, 29.0 * 160.0);
    }

    #[test]
    fn krone_for_krone_above_the_threshold_once_configured() {
        let mut config = CalculatorConfig::default();
        let i = input("base", "2025-07", Some(15_000.0));
        let without = monthly_gain(&config, &i).unwrap();
        assert!(!without.krone_for_krone);
        assert!(
            without
                .notes
                .iter()
                .any(|n| n.contains("ikke konfigureret"))
        );
        // A test amount, not a real rate: 25,000 kr makes the threshold 21,250 kr.
        config.max_ui_rate.push(DatedAmount {
            valid_from: "2025-01-01".into(),
            source: "test".into(),
            monthly_kr: 25_000.0,
        });
        // Just below: 17,000 earned leaves 12,000 - 0.65 x 12,000 = 4,200 paid, 21,200 in all.
        let below = monthly_gain(&config, &input("base", "2025-07", Some(17_000.0))).unwrap();
        assert!(!below.krone_for_krone);
        assert_eq!(
            (below.benefit_paid_kr, below.income_kr),
            (4_200.0, 21_200.0)
        );
        // Above: 18,000 earned would leave 3,550 paid (21,550 in all); krone for krone stops it at 21,250.
        let above = monthly_gain(&config, &input("base", "2025-07", Some(18_000.0))).unwrap();
        assert!(above.krone_for_krone);
        assert_eq!(
            (above.benefit_paid_kr, above.income_kr),
            (3_250.0, 21_250.0)
        );
        assert!(
            above
                .amounts
                .iter()
                .any(|a| a.name == "krone_for_krone_threshold" && a.kr == 21_250.0)
        );
        // Earnings alone past the threshold leave no benefit, and the deduction never exceeds the benefit.
        let high = monthly_gain(&config, &input("base", "2025-07", Some(40_000.0))).unwrap();
        assert_eq!((high.benefit_paid_kr, high.deducted_kr), (0.0, 12_000.0));
        // Young people living with their parents have no such threshold in the rules.
        let youth =
            monthly_gain(&config, &input("youth_at_home", "2025-07", Some(18_000.0))).unwrap();
        assert!(!youth.krone_for_krone);
    }

    #[test]
    fn bad_inputs_and_months_without_a_rule_are_refused() {
        let c = CalculatorConfig::default();
        assert!(matches!(
            monthly_gain(&c, &input("base", "2021-12", None)),
            Err(CalcError::NoRule { .. })
        ));
        assert!(monthly_gain(&c, &input("gold", "2025-07", None)).is_err());
        assert!(monthly_gain(&c, &input("base", "juli", None)).is_err());
        let neg = GainInput {
            hours_per_week: -1.0,
            ..input("base", "2025-07", None)
        };
        assert!(monthly_gain(&c, &neg).is_err());
        let nan = GainInput {
            hourly_wage_kr: f64::NAN,
            ..input("base", "2025-07", None)
        };
        assert!(monthly_gain(&c, &nan).is_err());
    }
}
