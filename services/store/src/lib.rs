//! jobmatch's shared state behind one trait, [`Store`]: registered citizens, each citizen's latest stored
//! matches with what changed, rematch runs and the queue of their work, placement outcomes and the companies'
//! record of giving paid hours.
//!
//! Two backends pass the same test suite (`tests/suite.rs`):
//! - [`RedisStore`]: Redis, shared by every replica and worker (the `redis` crate's async connection manager).
//!   Work of a rematch run is shared through a stream consumer group; a killed worker's citizens are claimed
//!   by another (`XAUTOCLAIM`); a result is written, counted and acknowledged in one server-side script, so
//!   no citizen is lost or done twice and no reader sees half a result.
//! - [`EmbeddedStore`]: one file in the data directory (`redb`), for the single-process default.
//!
//! Replicas also follow a change log of company and need writes, which only Redis has ([`RedisChangeLog`]).

mod changelog;
mod embedded;
pub mod model;
mod redis_store;
pub mod testing;

use std::time::Duration;

use async_trait::async_trait;
use jobmatch_calendar::civil_from_days;
use jobmatch_proto::v1::CitizenProfile;

pub use changelog::{LogRecord, RedisChangeLog, id_after};
pub use embedded::EmbeddedStore;
pub use model::*;
pub use redis_store::RedisStore;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The backend cannot be reached or answered with an error; writes fail fast with this.
    #[error("the shared store is unavailable: {0}")]
    Unavailable(String),
    #[error("a rematch run is in progress ({0})")]
    RunInProgress(String),
    #[error("no rematch run {0}")]
    NoSuchRun(String),
    #[error("stored data is unreadable: {0}")]
    Corrupt(String),
}

impl From<redis::RedisError> for StoreError {
    fn from(e: redis::RedisError) -> Self {
        StoreError::Unavailable(e.to_string())
    }
}

impl From<serde_json::Error> for StoreError {
    fn from(e: serde_json::Error) -> Self {
        StoreError::Corrupt(e.to_string())
    }
}

pub type Result<T> = std::result::Result<T, StoreError>;

/// How a rematch run is started.
#[derive(Debug, Clone)]
pub struct RunSpec {
    /// Only the citizens of this jobcenter; all when None.
    pub jobcenter: Option<String>,
    /// The run's lock expires unless a worker renews it within this time: a run whose workers all died
    /// does not block the next night's run.
    pub lock_ttl: Duration,
}

#[async_trait]
pub trait Store: Send + Sync {
    /// "redis" or "embedded".
    fn backend(&self) -> &'static str;

    /// Whether the backend answers now.
    async fn ping(&self) -> Result<()>;

    // ---- citizens ----

    /// Stores a profile (validated by the caller); true when the reference was new.
    async fn upsert_citizen(&self, citizen: &CitizenProfile) -> Result<bool>;
    async fn get_citizen(&self, citizen_ref: &str) -> Result<Option<CitizenProfile>>;
    /// References of registered citizens, of one jobcenter or all, sorted.
    async fn citizen_refs(&self, jobcenter: Option<&str>) -> Result<Vec<String>>;
    /// The profiles of a jobcenter's registered citizens, in reference order.
    async fn citizens_of(&self, jobcenter: &str) -> Result<Vec<CitizenProfile>>;
    /// Erases every trace of a citizen: profile, stored matches and diffs, outcomes (and their share in the
    /// companies' records), membership of runs.
    async fn erase_citizen(&self, citizen_ref: &str) -> Result<Erased>;

    // ---- stored matches ----

    async fn latest_matches(&self, citizen_ref: &str) -> Result<Option<StoredMatches>>;

    // ---- rematch runs ----

    /// Starts a run over the registered citizens, unless one is in progress.
    async fn start_run(&self, spec: &RunSpec) -> Result<RunStatus>;
    /// The run in progress, if any.
    async fn current_run(&self) -> Result<Option<RunStatus>>;
    async fn run_status(&self, run_id: &str) -> Result<Option<RunStatus>>;
    /// Hands `worker` up to `max` citizens of the run: first work that another worker took and left idle for
    /// `reclaim_after`, then the worker's own unfinished items, then new ones.
    async fn claim_work(
        &self,
        run_id: &str,
        worker: &str,
        max: usize,
        reclaim_after: Duration,
    ) -> Result<Vec<WorkItem>>;
    /// Stores a citizen's result for the run, counts it and acknowledges the item, all at once; a second
    /// completion of the same citizen in the same run (after a reclaim) only acknowledges. Returns whether
    /// this call stored the result.
    async fn complete_work(
        &self,
        run_id: &str,
        item: &WorkItem,
        result: &StoredMatches,
    ) -> Result<bool>;
    /// Counts a citizen the run could not match (for example a profile that no longer validates).
    async fn fail_work(&self, run_id: &str, item: &WorkItem) -> Result<()>;
    /// Keeps the run's lock alive; marks the run completed (and releases the lock) when everything is done.
    async fn heartbeat_run(&self, run_id: &str, lock_ttl: Duration) -> Result<RunStatus>;

    // ---- placement outcomes ----

    /// Records or replaces a placement (keyed by its id); the company's record follows.
    async fn record_outcome(&self, outcome: &PlacementOutcome) -> Result<()>;
    async fn outcomes_of(&self, citizen_ref: &str) -> Result<Vec<PlacementOutcome>>;
    /// Every company's record of giving paid hours.
    async fn company_evidence(&self) -> Result<std::collections::HashMap<String, CompanyEvidence>>;

    // ---- audit trail ----

    /// Appends entries to their jobcenters' trails, all at once; durable when this returns.
    async fn append_audit(&self, entries: &[AuditEntry]) -> Result<()>;
    /// Entries of one jobcenter in a period (optionally one citizen's), oldest first, at most `limit`.
    async fn read_audit(&self, query: &AuditQuery) -> Result<Vec<AuditEntry>>;
}

/// An RFC 3339 UTC timestamp of now (seconds).
pub fn now_rfc3339() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    )
}

/// An RFC 3339 UTC timestamp with milliseconds of `ms` since the epoch.
pub fn rfc3339_ms(ms: u64) -> String {
    let secs = (ms / 1000) as i64;
    let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
    let rem = secs.rem_euclid(86_400);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60,
        ms % 1000
    )
}

pub fn new_run_id() -> String {
    let now = now_rfc3339().replace([':', '-'], "");
    format!(
        "run-{now}-{}",
        &uuid::Uuid::new_v4().simple().to_string()[..8]
    )
}
