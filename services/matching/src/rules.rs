//! Danish rules as dated configuration (shared/docs/domain-rules.md): numbers change with reforms, so they
//! live here with the date they apply from and their source, not in code.

use serde::{Deserialize, Serialize};

/// The reasonableness rule (rimelighedskravet): how many people in internship, wage subsidy or nytteindsats
/// one company may have against its ordinary employees.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReasonablenessRule {
    /// ISO date from which the rule applies.
    pub valid_from: String,
    pub source: String,
    /// One placement per this many employees within the first band...
    pub first_band_per: u32,
    /// ...which covers this many employees...
    pub first_band_employees: u32,
    /// ...then one per this many beyond it.
    pub beyond_per: u32,
    /// Always at least this many.
    pub minimum: u32,
}

impl ReasonablenessRule {
    /// cap(E) = max(min, floor(min(E, band) / per1)) + floor(max(E - band, 0) / per2)
    pub fn cap(&self, employees: u32) -> u32 {
        let per1 = self.first_band_per.max(1);
        let per2 = self.beyond_per.max(1);
        let first = (employees.min(self.first_band_employees) / per1).max(self.minimum);
        first + employees.saturating_sub(self.first_band_employees) / per2
    }
}

impl Default for ReasonablenessRule {
    fn default() -> Self {
        ReasonablenessRule {
            valid_from: "2022-01-01".into(),
            source:
                "BEK nr. 2636 af 28/12/2021 § 65 (bekendtgørelse om en aktiv beskæftigelsesindsats)"
                    .into(),
            first_band_per: 5,
            first_band_employees: 50,
            beyond_per: 10,
            minimum: 1,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ReasonablenessAction {
    Lower,
    Exclude,
}

/// Points an internship-only candidate at a full company loses under `lower`: more than the paid-hours bonus,
/// less than the gap between fit levels.
pub const FULL_COMPANY_PENALTY: f64 = 8.0;

/// Matching rules and their dated parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MatchRules {
    /// Versions of the reasonableness rule; the latest whose `valid_from` is not after today applies.
    pub reasonableness: Vec<ReasonablenessRule>,
    /// Minimum hours may exceed the citizen's available hours by at most this much.
    pub hours_slack: i32,
    /// What happens to an internship-only candidate at a company whose placements fill its reasonableness cap:
    /// `lower` (default) keeps it, ranked below the feasible candidates of its fit level and flagged in the
    /// explanation, because the engine advises (employer and shop steward confirm the rule before a placement,
    /// and a running placement may end); `exclude` leaves it out and counts it.
    pub reasonableness_action: ReasonablenessAction,
    /// Default number of candidates.
    pub default_k: u32,
    pub max_k: u32,
}

impl Default for MatchRules {
    fn default() -> Self {
        MatchRules {
            reasonableness: vec![ReasonablenessRule::default()],
            hours_slack: 5,
            reasonableness_action: ReasonablenessAction::Lower,
            default_k: 10,
            max_k: 100,
        }
    }
}

impl MatchRules {
    pub fn reasonableness_on(&self, today: &str) -> Option<&ReasonablenessRule> {
        self.reasonableness
            .iter()
            .filter(|r| r.valid_from.as_str() <= today)
            .max_by(|a, b| a.valid_from.cmp(&b.valid_from))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cap_follows_the_executive_order_examples() {
        let r = ReasonablenessRule::default();
        for (e, cap) in [
            (0, 1),
            (9, 1),
            (10, 2),
            (14, 2),
            (24, 4),
            (50, 10),
            (120, 17),
        ] {
            assert_eq!(r.cap(e), cap, "E={e}");
        }
    }
}
