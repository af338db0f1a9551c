//! Replicas in step through the change log (Redis backend).
//!
//! A company or need write is validated by the replica that receives it, appended to the change log (a Redis
//! stream, the durable record of every write) and applied by every replica's follower to its own Tantivy
//! index, in log order, so every replica reaches the same state. Each commit records in its payload the last
//! log id applied, so a restarted replica goes on from there, and a new one loads the latest snapshot and
//! replays the log. A write may wait until the receiving replica has applied it (read your own write).

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use jobmatch_indexer::{ApplyReport, Change, Deadline, JobIndex};
use jobmatch_proto::v1::{Company, Need};
use jobmatch_store::{LogRecord, RedisChangeLog, id_after};
use serde::{Deserialize, Serialize};
use tokio::sync::watch;

use crate::error::ServiceError;
use crate::pool::WorkPool;

/// A change as the log stores it: a stored type of its own, so the log stays readable across versions.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum LogChange {
    UpsertCompany { company: Company },
    UpsertCompanyAs { company: Company, jobcenter: String },
    UpsertNeed { need: Need },
    DeleteCompany { cvr: String },
    DeleteNeed { need_id: String },
    SetNeedStatus { need_id: String, status: String },
}

impl From<Change> for LogChange {
    fn from(c: Change) -> Self {
        match c {
            Change::UpsertCompany(company) => LogChange::UpsertCompany { company },
            Change::UpsertCompanyAs { company, jobcenter } => {
                LogChange::UpsertCompanyAs { company, jobcenter }
            }
            Change::UpsertNeed(need) => LogChange::UpsertNeed { need },
            Change::DeleteCompany(cvr) => LogChange::DeleteCompany { cvr },
            Change::DeleteNeed(need_id) => LogChange::DeleteNeed { need_id },
            Change::SetNeedStatus { need_id, status } => {
                LogChange::SetNeedStatus { need_id, status }
            }
        }
    }
}

impl From<LogChange> for Change {
    fn from(c: LogChange) -> Self {
        match c {
            LogChange::UpsertCompany { company } => Change::UpsertCompany(company),
            LogChange::UpsertCompanyAs { company, jobcenter } => {
                Change::UpsertCompanyAs { company, jobcenter }
            }
            LogChange::UpsertNeed { need } => Change::UpsertNeed(need),
            LogChange::DeleteCompany { cvr } => Change::DeleteCompany(cvr),
            LogChange::DeleteNeed { need_id } => Change::DeleteNeed(need_id),
            LogChange::SetNeedStatus { need_id, status } => {
                Change::SetNeedStatus { need_id, status }
            }
        }
    }
}

/// Changes per log payload.
pub const CHANGES_PER_PAYLOAD: usize = 1_000;

/// Encodes changes as log payloads of at most [`CHANGES_PER_PAYLOAD`] changes each.
pub fn encode(changes: Vec<Change>) -> Result<Vec<Vec<u8>>, ServiceError> {
    let log: Vec<LogChange> = changes.into_iter().map(LogChange::from).collect();
    log.chunks(CHANGES_PER_PAYLOAD)
        .map(|c| serde_json::to_vec(c).map_err(|_| ServiceError::Internal))
        .collect()
}

fn decode(payloads: &[Vec<u8>]) -> Result<Vec<Change>, serde_json::Error> {
    let mut out = Vec::new();
    for p in payloads {
        let chunk: Vec<LogChange> = serde_json::from_slice(p)?;
        out.extend(chunk.into_iter().map(Change::from));
    }
    Ok(out)
}

/// What a commit payload records.
#[derive(Debug, Serialize, Deserialize)]
struct CommitPayload {
    /// The last change-log id applied to this index.
    applied: String,
}

/// The last change-log id applied to an index, from its last commit.
pub fn applied_id(index: &JobIndex) -> Option<String> {
    index
        .commit_payload()
        .and_then(|p| serde_json::from_str::<CommitPayload>(&p).ok())
        .map(|p| p.applied)
}

fn payload(applied: &str) -> String {
    serde_json::to_string(&CommitPayload {
        applied: applied.to_string(),
    })
    .unwrap_or_default()
}

/// Results of applied log entries kept for the writers waiting on them.
const RESULTS_KEPT: usize = 10_000;

pub struct Replication {
    pub log: RedisChangeLog,
    index: Arc<JobIndex>,
    applied: watch::Sender<String>,
    /// Set once the follower has caught up with the log after the start.
    caught_up: watch::Sender<bool>,
    results: Mutex<(HashMap<String, ApplyReport>, VecDeque<String>)>,
}

impl Replication {
    pub fn new(log: RedisChangeLog, index: Arc<JobIndex>) -> Arc<Replication> {
        let applied = applied_id(&index).unwrap_or_else(|| "0".into());
        Arc::new(Replication {
            log,
            index,
            applied: watch::channel(applied).0,
            caught_up: watch::channel(false).0,
            results: Mutex::new((HashMap::new(), VecDeque::new())),
        })
    }

    pub fn applied(&self) -> String {
        self.applied.borrow().clone()
    }

    pub fn caught_up(&self) -> bool {
        *self.caught_up.borrow()
    }

    /// Appends changes to the log as one transaction; returns its log id.
    pub async fn append(&self, changes: Vec<Change>) -> Result<String, ServiceError> {
        self.append_payloads(encode(changes)?).await
    }

    /// Appends encoded changes (see [`encode`]) to the log as one transaction; returns its log id.
    pub async fn append_payloads(&self, payloads: Vec<Vec<u8>>) -> Result<String, ServiceError> {
        self.log.append(payloads).await.map_err(unavailable)
    }

    /// Waits until this replica has applied log entry `id`, then returns what applying it did.
    pub async fn wait_applied(
        &self,
        id: &str,
        deadline: &Deadline,
    ) -> Result<ApplyReport, ServiceError> {
        let mut rx = self.applied.subscribe();
        let reached = |a: &String| a == id || id_after(a, id);
        let wait = rx.wait_for(reached);
        match deadline.remaining() {
            Some(left) => tokio::time::timeout(left, wait)
                .await
                .map_err(|_| ServiceError::DeadlineExceeded)?
                .map_err(|_| ServiceError::Unavailable)?,
            None => wait.await.map_err(|_| ServiceError::Unavailable)?,
        };
        let mut results = self.results.lock().map_err(|_| ServiceError::Internal)?;
        // Gone only if the entry was applied long ago and many others since: then its outcome is unknown here.
        results.0.remove(id).ok_or_else(|| {
            ServiceError::Aborted(
                "the write was applied, but its outcome is no longer known".into(),
            )
        })
    }

    fn keep_result(&self, id: String, report: ApplyReport) {
        if let Ok(mut r) = self.results.lock() {
            r.1.push_back(id.clone());
            r.0.insert(id, report);
            while r.1.len() > RESULTS_KEPT {
                if let Some(old) = r.1.pop_front() {
                    r.0.remove(&old);
                }
            }
        }
    }

    /// Before following: a replica without a position, or whose position the log has been trimmed past, loads
    /// the latest snapshot and replays the whole log.
    pub async fn prepare(&self, writer: &WorkPool) -> Result<(), ServiceError> {
        let applied = self.applied();
        let first = self.log.first_id().await.map_err(unavailable)?;
        let behind_trim = applied == "0"
            || first
                .as_deref()
                .is_some_and(|f| id_after(f, &applied) && applied != "0");
        if !behind_trim {
            return Ok(());
        }
        let Some((at, chunks)) = self.log.read_snapshot().await.map_err(unavailable)? else {
            return Ok(()); // no snapshot: the log is whole, replay it from the start
        };
        if applied != "0" && !id_after(&at, &applied) {
            return Ok(());
        }
        let changes = decode(&chunks).map_err(|_| ServiceError::Internal)?;
        let index = Arc::clone(&self.index);
        let n = changes.len();
        writer
            .run(&Deadline::none(), move |_| -> Result<(), ServiceError> {
                let mut tx = index.begin();
                tx.clear()?;
                let prepared = tx.prepare_all(changes);
                tx.apply(prepared)?;
                // Replay starts at the beginning of the log: position "0".
                tx.commit(Some(payload("0")))?;
                Ok(())
            })
            .await??;
        self.applied.send_replace("0".into());
        tracing::info!(snapshot = %at, records = n, "loaded the change log's snapshot");
        Ok(())
    }

    /// Applies the log to the index as it grows, until the process ends. Redis being away pauses it.
    pub async fn follow(self: Arc<Self>, writer: Arc<WorkPool>) {
        let mut backoff = Duration::from_millis(100);
        let mut prepared = false;
        loop {
            if !prepared {
                match self.prepare(&writer).await {
                    Ok(()) => prepared = true,
                    Err(e) => {
                        tracing::warn!(error = %e, "change log not readable; retrying");
                        tokio::time::sleep(backoff).await;
                        backoff = (backoff * 2).min(Duration::from_secs(5));
                        continue;
                    }
                }
            }
            match self.step(&writer).await {
                Ok(n) => {
                    backoff = Duration::from_millis(100);
                    if n == 0 && !self.caught_up() {
                        self.caught_up.send_replace(true);
                        tracing::info!(applied = %self.applied(), "replica caught up with the change log");
                    }
                }
                Err(e) => {
                    tracing::warn!(error = %e, "following the change log failed; retrying");
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(Duration::from_secs(5));
                }
            }
        }
    }

    /// Reads and applies the next entries (waiting up to a second for them); returns how many were read.
    pub async fn step(&self, writer: &WorkPool) -> Result<usize, ServiceError> {
        let after = self.applied();
        let records = self
            .log
            .read_after(&after, 500, Some(Duration::from_secs(1)))
            .await
            .map_err(unavailable)?;
        let Some(last) = records.last().map(|r| r.id().to_string()) else {
            return Ok(0);
        };
        let mut batch: Vec<(String, Vec<Vec<u8>>)> = Vec::new();
        for r in &records {
            match r {
                LogRecord::Single { id, payload } => {
                    batch.push((id.clone(), vec![payload.clone()]))
                }
                LogRecord::Chunk { .. } => {}
                LogRecord::Commit {
                    id,
                    txn,
                    first,
                    chunks,
                } => {
                    let payloads = self
                        .log
                        .read_chunks(txn, first, id)
                        .await
                        .map_err(unavailable)?;
                    if payloads.len() as u64 == *chunks {
                        batch.push((id.clone(), payloads));
                    } else {
                        // Trimmed behind a snapshot that already holds this transaction.
                        tracing::info!(id = %id, "transaction older than the snapshot skipped");
                    }
                }
            }
        }
        let index = Arc::clone(&self.index);
        let commit_at = last.clone();
        let large = batch.iter().map(|(_, p)| p.len()).sum::<usize>() >= 10;
        let reports = writer
            .run(&Deadline::none(), move |_| -> Result<Vec<(String, ApplyReport)>, ServiceError> {
                let mut tx = index.begin();
                let mut reports = Vec::with_capacity(batch.len());
                for (id, payloads) in batch {
                    // Written by a newer version, or damaged: the entry is skipped whole, loudly; the others
                    // apply. Checked before any of it applies, then decoded and applied a payload at a time,
                    // so a large transaction is never held whole.
                    if let Some(e) = payloads.iter().find_map(|p| decode(std::slice::from_ref(p)).err()) {
                        tracing::error!(id = %id, error = %e, "a change-log entry cannot be read");
                        continue;
                    }
                    let mut report = ApplyReport::default();
                    for p in &payloads {
                        let changes = decode(std::slice::from_ref(p)).unwrap_or_default();
                        let prepared = tx.prepare_all(changes);
                        report.absorb(tx.apply(prepared)?);
                    }
                    reports.push((id, report));
                }
                tx.commit(Some(payload(&commit_at)))?;
                if large {
                    crate::app::release_freed_memory();
                }
                Ok(reports)
            })
            .await??;
        for (id, report) in reports {
            self.keep_result(id, report);
        }
        self.applied.send_replace(last);
        Ok(records.len())
    }

    /// Writes a snapshot of every record at this replica's position and trims the log behind it (keeping a
    /// margin of `keep`).
    pub async fn snapshot(&self, keep: Duration) -> Result<(String, usize), ServiceError> {
        let at = self.applied();
        let snap = self.index.snapshot();
        // Every record is read back from the document store: blocking work, off the async threads.
        let (companies, needs) = tokio::task::spawn_blocking(move || snap.all_records())
            .await
            .map_err(|e| {
                tracing::error!(error = %e, "snapshot task failed");
                ServiceError::Internal
            })??;
        let mut changes: Vec<Change> = companies.into_iter().map(Change::UpsertCompany).collect();
        changes.extend(needs.into_iter().map(Change::UpsertNeed));
        let n = changes.len();
        let chunks = encode(changes)?;
        self.log
            .write_snapshot(&at, chunks, keep)
            .await
            .map_err(unavailable)?;
        Ok((at, n))
    }
}

fn unavailable(e: jobmatch_store::StoreError) -> ServiceError {
    match e {
        jobmatch_store::StoreError::Unavailable(m) => ServiceError::StoreUnavailable(m),
        other => ServiceError::StoreUnavailable(other.to_string()),
    }
}
