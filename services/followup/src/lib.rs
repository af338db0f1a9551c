//! Follow-up of ordinary paid hours, as pure functions over the store's model types:
//!
//! - [`progression`]: a citizen's placements as timelines of paid hours a week against the agreed target, with
//!   the flags a jobformidler acts on (no paid hours after N weeks, hours falling, internship past its limit,
//!   company at its reasonableness cap);
//! - [`summary`]: a jobcenter's figures as of its last recorded outcome, calibration by decile, and the same
//!   counts as metrics rows with small counts suppressed ([`metrics`]);
//! - [`calculator`]: "does it pay to work", the month's offset of earnings against the cash benefit under the
//!   dated rules of [`config`];
//! - [`charts`]: the progression and the jobcenter's share with paid hours by month as SVG.
//!
//! The server (`services/server/src/followup.rs`) reads the store and the index and calls these.

pub mod calculator;
pub mod charts;
pub mod config;
pub mod dates;
pub mod metrics;
pub mod progression;
pub mod summary;

pub use config::FollowUpConfig;

/// Placement outcomes for the unit tests of several modules.
#[cfg(test)]
mod testing {
    use jobmatch_store::{HoursFrom, PlacementOutcome};

    pub fn outcome(
        id: &str,
        citizen: &str,
        cvr: &str,
        kind: &str,
        started: &str,
        hours: &[(&str, f64)],
        ended: Option<&str>,
    ) -> PlacementOutcome {
        PlacementOutcome {
            placement_id: id.into(),
            citizen_ref: citizen.into(),
            jobcenter: "0751".into(),
            cvr: cvr.into(),
            need_id: None,
            kind: kind.into(),
            started: started.into(),
            paid_hours: hours
                .iter()
                .map(|(f, h)| HoursFrom {
                    from: f.to_string(),
                    hours_per_week: *h,
                })
                .collect(),
            ended: ended.map(str::to_string),
        }
    }
}
