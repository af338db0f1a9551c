//! Hard conditions. A candidate that breaks one is never returned; the matcher counts how many needs each
//! condition excluded so the explanation can say why the list is short.

use jobmatch_indexer::validate::{DANISH_LEVELS, PHYSICAL_LEVELS, level};
use jobmatch_proto::v1::{CitizenProfile, Need};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Exclusion {
    NotOpen,
    TooFar,
    Licence,
    Physical,
    Shifts,
    Hours,
    Danish,
    /// Internship-only at a company whose supported placements already fill its reasonableness cap.
    Reasonableness,
    /// Left out by a filter of the request (municipality, industry, ordinary hours only).
    Filter,
}

impl Exclusion {
    pub fn code(self) -> &'static str {
        match self {
            Exclusion::NotOpen => "not_open",
            Exclusion::TooFar => "too_far",
            Exclusion::Licence => "driving_licence",
            Exclusion::Physical => "physical_demand",
            Exclusion::Shifts => "shifts",
            Exclusion::Hours => "min_hours",
            Exclusion::Danish => "danish_level",
            Exclusion::Reasonableness => "reasonableness_rule",
            Exclusion::Filter => "request_filter",
        }
    }
}

/// The conditions that depend only on the citizen and the need (distance and company rules are checked by the
/// matcher, which knows the locations and the company).
pub fn check_need(
    c: &CitizenProfile,
    n: &Need,
    hours_slack: i32,
    today: &str,
) -> Result<(), Exclusion> {
    if !jobmatch_indexer::catalog::is_open(n, today) {
        return Err(Exclusion::NotOpen);
    }
    if let Some(l) = n.driving_licence.as_deref().filter(|l| !l.is_empty())
        && !c.driving_licences.iter().any(|h| h == l)
    {
        return Err(Exclusion::Licence);
    }
    let demand = level(&PHYSICAL_LEVELS, &n.physical_demand).unwrap_or(usize::MAX);
    let capacity = level(&PHYSICAL_LEVELS, &c.physical_capacity).unwrap_or(0);
    if demand > capacity {
        return Err(Exclusion::Physical);
    }
    if !n.shifts.iter().any(|s| c.shifts_possible.contains(s)) {
        return Err(Exclusion::Shifts);
    }
    let min_hours = n.hours_per_week.as_ref().map(|h| h.min).unwrap_or(0);
    if min_hours > c.available_hours_per_week + hours_slack {
        return Err(Exclusion::Hours);
    }
    let need_danish = level(&DANISH_LEVELS, &n.danish_level).unwrap_or(usize::MAX);
    let has_danish = level(&DANISH_LEVELS, &c.danish_level).unwrap_or(0);
    if need_danish > has_danish {
        return Err(Exclusion::Danish);
    }
    Ok(())
}
