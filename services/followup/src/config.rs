//! Configuration of the follow-up and the calculator: the Danish rules as dated parameters with their sources
//! (shared/docs/domain-rules.md), so a reform is a new entry, not a code change.

use serde::{Deserialize, Serialize};

/// The `[followup]` table of the server's configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FollowUpConfig {
    /// Weeks of internship (or wage subsidy) without paid hours after which the progression flags it.
    pub no_paid_hours_after_weeks: u32,
    /// A fall in paid hours a week of at least this much, from the placement's highest to its latest, is flagged.
    pub falling_hours_min_drop: f64,
    /// Target group assumed when a request names none.
    pub default_target_group: String,
    /// How long an internship may last per target group, dated.
    pub internship_limits: Vec<InternshipLimit>,
    /// Counts per jobcenter below this are not published as metrics (nor are figures derived from them).
    pub metrics_min_count: u64,
    pub calculator: CalculatorConfig,
}

/// How long an internship may last for one target group (LBK nr. 280 af 1/3/2024 § 61).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InternshipLimit {
    /// ISO date from which this limit applies.
    pub valid_from: String,
    pub source: String,
    pub target_group: String,
    pub weeks: u32,
    /// The longest it can be extended to (equal to `weeks` when it cannot be extended).
    pub extendable_to_weeks: u32,
}

/// "Does it pay to work": how earnings offset the cash benefit, per month.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CalculatorConfig {
    /// Weeks in a month, to turn hours a week into hours a month.
    pub weeks_per_month: f64,
    /// Versions of the offset rule per benefit rate; the latest whose `valid_from` is not after the month's
    /// first day applies.
    pub offset_rules: Vec<OffsetRule>,
    /// The maximum unemployment-insurance rate a month, dated. The krone-for-krone threshold of the 2025 rules
    /// is a share of it; domain-rules.md gives no amount, so none ships and the threshold is only applied once
    /// an operator configures the year's amount.
    pub max_ui_rate: Vec<DatedAmount>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatedAmount {
    pub valid_from: String,
    pub source: String,
    pub monthly_kr: f64,
}

/// One version of how earnings offset the benefit for some benefit rates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OffsetRule {
    /// ISO date from which the rule applies.
    pub valid_from: String,
    pub source: String,
    /// The year whose price level the amounts are (they are indexed yearly).
    pub amount_level: String,
    /// Benefit rates it covers: base, minimum, raised, youth_at_home.
    pub rates: Vec<String>,
    /// Earnings a month that are not deducted.
    pub free_kr_month: f64,
    /// Earnings per worked hour that are not deducted...
    pub free_kr_per_hour: f64,
    /// ...for at most this many hours a month.
    pub free_hours_max: f64,
    /// Share of the earnings above the free amount that is deducted (1 = krone for krone).
    pub deduction_share: f64,
    /// Deduction becomes krone for krone once earnings plus benefit reach this share of the maximum
    /// unemployment-insurance rate; 0 = no such threshold.
    pub krone_for_krone_at_share_of_max_ui: f64,
}

pub const RATES: [&str; 4] = ["base", "minimum", "raised", "youth_at_home"];

const REFORM_2025: &str = "Aftale om et nyt kontanthjælpssystem (13/10/2023), i kraft 1/7/2025";
const UNTIL_2025: &str = "Reglen indtil 30/6/2025: ca. 29 kr. pr. arbejdet time (2022-niveau, højst 160 timer/md.) holdes ude, resten trækkes krone for krone";
const LBK_280: &str = "LBK nr. 280 af 1/3/2024 § 61 (lov om en aktiv beskæftigelsesindsats)";

impl Default for CalculatorConfig {
    fn default() -> Self {
        let rule = |valid_from: &str, source: &str, level: &str, rates: &[&str]| OffsetRule {
            valid_from: valid_from.into(),
            source: source.into(),
            amount_level: level.into(),
            rates: rates.iter().map(|r| r.to_string()).collect(),
            free_kr_month: 0.0,
            free_kr_per_hour: 0.0,
            free_hours_max: 0.0,
            deduction_share: 1.0,
            krone_for_krone_at_share_of_max_ui: 0.0,
        };
        CalculatorConfig {
            weeks_per_month: 52.0 / 12.0,
            offset_rules: vec![
                // The disregard's amount is given at its 2022 level; the rule is dated from that year because
                // domain-rules.md dates nothing earlier.
                OffsetRule {
                    free_kr_per_hour: 29.0,
                    free_hours_max: 160.0,
                    ..rule("2022-01-01", UNTIL_2025, "2022", &RATES)
                },
                OffsetRule {
                    free_kr_month: 5_000.0,
                    deduction_share: 0.65,
                    krone_for_krone_at_share_of_max_ui: 0.85,
                    ..rule("2025-07-01", REFORM_2025, "2025", &["base", "minimum"])
                },
                OffsetRule {
                    free_kr_month: 2_500.0,
                    deduction_share: 0.65,
                    krone_for_krone_at_share_of_max_ui: 1.0,
                    ..rule("2025-07-01", REFORM_2025, "2025", &["raised"])
                },
                OffsetRule {
                    deduction_share: 0.65,
                    ..rule("2025-07-01", REFORM_2025, "2025", &["youth_at_home"])
                },
            ],
            max_ui_rate: Vec::new(),
        }
    }
}

impl Default for FollowUpConfig {
    fn default() -> Self {
        let limit = |group: &str, weeks, to| InternshipLimit {
            valid_from: "2024-03-01".into(),
            source: LBK_280.into(),
            target_group: group.into(),
            weeks,
            extendable_to_weeks: to,
        };
        FollowUpConfig {
            no_paid_hours_after_weeks: 4,
            falling_hours_min_drop: 1.0,
            // The 2025 reform registers recipients as job-ready by default (bill L 66 of 2025/26).
            default_target_group: "jobparat".into(),
            internship_limits: vec![
                limit("jobparat", 4, 4),
                limit("dagpenge", 4, 4),
                limit("aktivitetsparat", 13, 26),
                limit("uden_erfaring", 13, 26),
            ],
            metrics_min_count: 5,
            calculator: CalculatorConfig::default(),
        }
    }
}

impl FollowUpConfig {
    /// The limit in force on `day` (ISO) for a target group.
    pub fn internship_limit(&self, target_group: &str, day: &str) -> Option<&InternshipLimit> {
        self.internship_limits
            .iter()
            .filter(|l| l.target_group == target_group && l.valid_from.as_str() <= day)
            .max_by(|a, b| a.valid_from.cmp(&b.valid_from))
    }

    /// What is wrong with the configuration, as (key, reason).
    pub fn validate(&self) -> Result<(), (&'static str, String)> {
        let dated = self
            .internship_limits
            .iter()
            .map(|l| &l.valid_from)
            .chain(self.calculator.offset_rules.iter().map(|r| &r.valid_from))
            .chain(self.calculator.max_ui_rate.iter().map(|a| &a.valid_from));
        for d in dated {
            if crate::dates::parse(d).is_none() {
                return Err(("followup", format!("valid_from {d:?} is not an ISO date")));
            }
        }
        if self.metrics_min_count == 0 {
            return Err(("followup.metrics_min_count", "must be > 0".into()));
        }
        // NaN is refused too.
        if self.calculator.weeks_per_month.is_nan() || self.calculator.weeks_per_month <= 0.0 {
            return Err(("followup.calculator.weeks_per_month", "must be > 0".into()));
        }
        for r in &self.calculator.offset_rules {
            if !(0.0..=1.0).contains(&r.deduction_share) || r.rates.is_empty() {
                return Err((
                    "followup.calculator.offset_rules",
                    format!(
                        "rule from {}: deduction_share must be 0..=1 and rates not empty",
                        r.valid_from
                    ),
                ));
            }
            if let Some(bad) = r.rates.iter().find(|x| !RATES.contains(&x.as_str())) {
                return Err((
                    "followup.calculator.offset_rules",
                    format!("unknown rate {bad:?}; one of {RATES:?}"),
                ));
            }
        }
        if self
            .internship_limit(&self.default_target_group, "9999-12-31")
            .is_none()
        {
            return Err((
                "followup.default_target_group",
                "has no internship limit".into(),
            ));
        }
        Ok(())
    }
}
