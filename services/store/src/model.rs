//! What the store keeps, as stored types: they are written once and read for months, so they are plain serde
//! structs of their own, not the API's messages (a renamed API field must not make stored data unreadable).

use serde::{Deserialize, Serialize};

/// A citizen's candidates from one rematch run, with what changed since the run before.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredMatches {
    pub citizen_ref: String,
    pub jobcenter: String,
    pub run_id: String,
    /// RFC 3339 time the result was computed.
    pub computed_at: String,
    pub candidates: Vec<StoredCandidate>,
    pub diff: MatchDiff,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredCandidate {
    pub rank: u32,
    pub need_id: String,
    pub cvr: String,
    pub company_name: String,
    pub title: String,
    pub score: f64,
    pub distance_km: f64,
    pub fit_level: String,
    pub expected_hours_per_week: f64,
    pub hours_low: f64,
    pub hours_high: f64,
    pub explanation: String,
}

/// What is new since the previous run: needs that entered or left the list, and candidates whose expected paid
/// hours moved by at least [`POTENTIAL_CHANGE_HOURS`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MatchDiff {
    pub previous_run_id: Option<String>,
    pub new_need_ids: Vec<String>,
    pub gone_need_ids: Vec<String>,
    pub potential_changed: Vec<PotentialChange>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PotentialChange {
    pub need_id: String,
    pub before: f64,
    pub after: f64,
}

/// Expected paid hours must move by this much a week to count as a change a jobformidler should see.
pub const POTENTIAL_CHANGE_HOURS: f64 = 0.5;

impl MatchDiff {
    /// The difference between the previous result (if any) and the new candidates.
    pub fn between(previous: Option<&StoredMatches>, candidates: &[StoredCandidate]) -> MatchDiff {
        let Some(prev) = previous else {
            return MatchDiff {
                previous_run_id: None,
                new_need_ids: candidates.iter().map(|c| c.need_id.clone()).collect(),
                ..Default::default()
            };
        };
        let before: std::collections::HashMap<&str, f64> = prev
            .candidates
            .iter()
            .map(|c| (c.need_id.as_str(), c.expected_hours_per_week))
            .collect();
        let now: std::collections::HashSet<&str> =
            candidates.iter().map(|c| c.need_id.as_str()).collect();
        let mut diff = MatchDiff {
            previous_run_id: Some(prev.run_id.clone()),
            ..Default::default()
        };
        for c in candidates {
            match before.get(c.need_id.as_str()) {
                None => diff.new_need_ids.push(c.need_id.clone()),
                Some(&b) if (b - c.expected_hours_per_week).abs() >= POTENTIAL_CHANGE_HOURS => {
                    diff.potential_changed.push(PotentialChange {
                        need_id: c.need_id.clone(),
                        before: b,
                        after: c.expected_hours_per_week,
                    })
                }
                Some(_) => {}
            }
        }
        diff.gone_need_ids = prev
            .candidates
            .iter()
            .filter(|c| !now.contains(c.need_id.as_str()))
            .map(|c| c.need_id.clone())
            .collect();
        diff
    }
}

/// A rematch run as every worker and reader sees it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RunStatus {
    pub run_id: String,
    /// The jobcenter the run covers; None for all.
    pub jobcenter: Option<String>,
    /// running, completed, abandoned.
    pub state: String,
    pub total: u64,
    pub done: u64,
    pub failed: u64,
    /// Candidates that were not in the citizen's previous list, summed over citizens.
    pub new_candidates: u64,
    pub started_at: String,
    pub finished_at: Option<String>,
}

impl RunStatus {
    pub fn finished(&self) -> bool {
        self.done + self.failed >= self.total
    }
}

/// One citizen to rematch, as handed to a worker.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkItem {
    /// Position of the item in the run's queue (a Redis stream id, or a sequence number).
    pub id: String,
    pub citizen_ref: String,
}

/// A placement and how its paid hours developed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlacementOutcome {
    pub placement_id: String,
    pub citizen_ref: String,
    pub jobcenter: String,
    pub cvr: String,
    pub need_id: Option<String>,
    /// internship, paid_hours, combination, wage_subsidy.
    pub kind: String,
    /// ISO date.
    pub started: String,
    /// Paid ordinary hours a week from a date on, in date order.
    pub paid_hours: Vec<HoursFrom>,
    pub ended: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HoursFrom {
    pub from: String,
    pub hours_per_week: f64,
}

impl PlacementOutcome {
    /// Whether the placement has given paid ordinary hours at some point.
    pub fn gave_paid_hours(&self) -> bool {
        self.paid_hours.iter().any(|h| h.hours_per_week > 0.0)
    }
}

/// A company's record of giving paid hours, counted over recorded placements (no personal data).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompanyEvidence {
    pub placements: u32,
    pub with_paid_hours: u32,
}

/// What erasing a citizen removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Erased {
    pub profile: bool,
    pub matches: bool,
    pub outcomes: u32,
}

/// One read or change of citizen data, as the audit trail keeps it. Append-only: nothing in the service
/// changes or deletes an entry (erasing a citizen leaves the trail of who touched the reference, which is
/// what the data protection officer audits; retention is the operator's, by trimming).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// Milliseconds since the epoch.
    pub at_ms: u64,
    /// The authenticated client (certificate name or token subject).
    pub client: String,
    /// The jobcenter the call acted for (the trail is kept per jobcenter).
    pub jobcenter: String,
    /// Pseudonymous citizen reference.
    pub citizen_ref: String,
    /// RPC method, e.g. "GetCitizen".
    pub method: String,
    /// "ok", "not_found", "denied", ...
    pub outcome: String,
    pub request_id: String,
}

/// What the data protection officer asks for: one jobcenter's entries in a period, optionally of one
/// citizen, oldest first.
#[derive(Debug, Clone, Default)]
pub struct AuditQuery {
    pub jobcenter: String,
    pub citizen_ref: Option<String>,
    /// Inclusive, ms since the epoch.
    pub from_ms: u64,
    /// Exclusive, ms since the epoch.
    pub to_ms: u64,
    pub limit: usize,
}
