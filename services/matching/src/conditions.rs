//! Hard conditions. A candidate that breaks one is never returned; the matcher counts how many needs each
//! condition excluded so the explanation can say why the list is short.

use jobmatch_indexer::NeedMeta;
use jobmatch_indexer::needbits::{CitizenMask, Failure};

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

impl From<Failure> for Exclusion {
    fn from(f: Failure) -> Self {
        match f {
            Failure::NotOpen => Exclusion::NotOpen,
            Failure::Licence => Exclusion::Licence,
            Failure::Physical => Exclusion::Physical,
            Failure::Shifts => Exclusion::Shifts,
            Failure::Hours => Exclusion::Hours,
            Failure::Danish => Exclusion::Danish,
        }
    }
}

/// The conditions that depend only on the citizen and the need, read from the need's packed conditions
/// (distance and company rules are checked by the matcher, which knows the locations and the company).
pub fn check_need(mask: &CitizenMask, n: &NeedMeta, today: i32) -> Result<(), Exclusion> {
    if !n.is_open(today) {
        return Err(Exclusion::NotOpen);
    }
    match mask.first_failure(n.cond) {
        Some(f) => Err(f.into()),
        None => Ok(()),
    }
}
