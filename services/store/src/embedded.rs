//! The embedded backend: one `redb` file in the data directory, for the single-process default. The same
//! semantics as Redis, with ACID transactions instead of scripts: one write transaction per operation, so a
//! reader sees a citizen's old result or its new one, and counts always agree with what is stored.
//!
//! Composite keys are strings joined with `\u{1}` (which no validated key contains), so a range over a prefix
//! lists a jobcenter's citizens or a run's queue.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use jobmatch_proto::v1::CitizenProfile;
use redb::{Database, ReadableDatabase, ReadableTable, TableDefinition};

use crate::model::*;
use crate::{Result, RunSpec, Store, StoreError, new_run_id, now_rfc3339};

const CITIZENS: TableDefinition<&str, &[u8]> = TableDefinition::new("citizens");
/// "jobcenter\u{1}ref" -> ()
const BY_JOBCENTER: TableDefinition<&str, ()> = TableDefinition::new("citizens_by_jobcenter");
const MATCHES: TableDefinition<&str, &[u8]> = TableDefinition::new("matches");
/// "ref\u{1}placement" -> outcome
const OUTCOMES: TableDefinition<&str, &[u8]> = TableDefinition::new("outcomes");
/// cvr -> (placements, with paid hours)
const EVIDENCE: TableDefinition<&str, (u32, u32)> = TableDefinition::new("evidence");
const RUNS: TableDefinition<&str, &[u8]> = TableDefinition::new("runs");
/// "lock" -> (run id, expiry in ms since the epoch)
const LOCK: TableDefinition<&str, (&str, u64)> = TableDefinition::new("rematch_lock");
/// "run\u{1}seq" -> ref, for items no worker holds
const PENDING: TableDefinition<&str, &str> = TableDefinition::new("run_pending");
/// "run\u{1}seq" -> (ref, worker, claimed at in ms)
const CLAIMED: TableDefinition<&str, (&str, &str, u64)> = TableDefinition::new("run_claimed");
/// "run\u{1}ref" -> ()
const DONE: TableDefinition<&str, ()> = TableDefinition::new("run_done");

/// "jobcenter\u{1}at_ms\u{1}seq" (zero-padded, so keys sort by time) -> entry
const AUDIT: TableDefinition<&str, &[u8]> = TableDefinition::new("audit");
/// "seq" -> the last sequence number given to an audit entry
const AUDIT_SEQ: TableDefinition<&str, u64> = TableDefinition::new("audit_seq");

const SEP: char = '\u{1}';

fn join(a: &str, b: &str) -> String {
    format!("{a}{SEP}{b}")
}

fn prefix_range(p: &str) -> (String, String) {
    (format!("{p}{SEP}"), format!("{p}\u{2}"))
}

fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

fn err(e: impl std::fmt::Display) -> StoreError {
    StoreError::Unavailable(format!("embedded store: {e}"))
}

#[derive(Clone)]
pub struct EmbeddedStore {
    db: Arc<Database>,
}

impl EmbeddedStore {
    pub fn open(path: &Path) -> Result<EmbeddedStore> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(err)?;
        }
        let db = Database::create(path).map_err(err)?;
        // Create every table, so reads never meet a missing one.
        let tx = db.begin_write().map_err(err)?;
        {
            tx.open_table(CITIZENS).map_err(err)?;
            tx.open_table(BY_JOBCENTER).map_err(err)?;
            tx.open_table(MATCHES).map_err(err)?;
            tx.open_table(OUTCOMES).map_err(err)?;
            tx.open_table(EVIDENCE).map_err(err)?;
            tx.open_table(RUNS).map_err(err)?;
            tx.open_table(LOCK).map_err(err)?;
            tx.open_table(PENDING).map_err(err)?;
            tx.open_table(CLAIMED).map_err(err)?;
            tx.open_table(DONE).map_err(err)?;
            tx.open_table(AUDIT).map_err(err)?;
            tx.open_table(AUDIT_SEQ).map_err(err)?;
        }
        tx.commit().map_err(err)?;
        Ok(EmbeddedStore { db: Arc::new(db) })
    }

    /// Removes and returns up to `max` audit entries, oldest first (draining a local spool).
    pub async fn take_audit(&self, max: usize) -> Result<Vec<AuditEntry>> {
        self.blocking(move |db| {
            let tx = db.begin_write().map_err(err)?;
            let mut out = Vec::new();
            {
                let mut t = tx.open_table(AUDIT).map_err(err)?;
                let mut keys = Vec::new();
                for e in t.iter().map_err(err)?.take(max) {
                    let (k, v) = e.map_err(err)?;
                    out.push(serde_json::from_slice::<AuditEntry>(v.value())?);
                    keys.push(k.value().to_string());
                }
                for k in keys {
                    t.remove(k.as_str()).map_err(err)?;
                }
            }
            tx.commit().map_err(err)?;
            Ok(out)
        })
        .await
    }

    /// Runs blocking database work off the async runtime.
    async fn blocking<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Database) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let db = Arc::clone(&self.db);
        tokio::task::spawn_blocking(move || f(&db))
            .await
            .map_err(err)?
    }
}

fn read_run(tx: &redb::WriteTransaction, run_id: &str) -> Result<Option<RunStatus>> {
    let runs = tx.open_table(RUNS).map_err(err)?;
    let found = runs.get(run_id).map_err(err)?;
    Ok(found
        .map(|v| serde_json::from_slice(v.value()))
        .transpose()?)
}

fn write_run(tx: &redb::WriteTransaction, run: &RunStatus) -> Result<()> {
    let mut runs = tx.open_table(RUNS).map_err(err)?;
    runs.insert(run.run_id.as_str(), serde_json::to_vec(run)?.as_slice())
        .map_err(err)?;
    Ok(())
}

/// Adjusts a company's record by one placement.
fn add_evidence(tx: &redb::WriteTransaction, cvr: &str, paid: bool, sign: i64) -> Result<()> {
    let mut t = tx.open_table(EVIDENCE).map_err(err)?;
    let (n, p) = t
        .get(cvr)
        .map_err(err)?
        .map(|v| v.value())
        .unwrap_or((0, 0));
    let n = (i64::from(n) + sign).max(0) as u32;
    let p = (i64::from(p) + if paid { sign } else { 0 }).max(0) as u32;
    if n == 0 {
        t.remove(cvr).map_err(err)?;
    } else {
        t.insert(cvr, (n, p)).map_err(err)?;
    }
    Ok(())
}

#[async_trait]
impl Store for EmbeddedStore {
    fn backend(&self) -> &'static str {
        "embedded"
    }

    async fn ping(&self) -> Result<()> {
        self.blocking(|db| {
            db.begin_read().map_err(err)?;
            Ok(())
        })
        .await
    }

    async fn upsert_citizen(&self, citizen: &CitizenProfile) -> Result<bool> {
        let c = citizen.clone();
        self.blocking(move |db| {
            let tx = db.begin_write().map_err(err)?;
            let created = {
                let mut t = tx.open_table(CITIZENS).map_err(err)?;
                let old: Option<CitizenProfile> = t
                    .get(c.citizen_ref.as_str())
                    .map_err(err)?
                    .map(|v| serde_json::from_slice(v.value()))
                    .transpose()?;
                t.insert(c.citizen_ref.as_str(), serde_json::to_vec(&c)?.as_slice())
                    .map_err(err)?;
                let mut by = tx.open_table(BY_JOBCENTER).map_err(err)?;
                if let Some(o) = &old {
                    by.remove(join(&o.municipality_code, &o.citizen_ref).as_str())
                        .map_err(err)?;
                }
                by.insert(join(&c.municipality_code, &c.citizen_ref).as_str(), ())
                    .map_err(err)?;
                old.is_none()
            };
            tx.commit().map_err(err)?;
            Ok(created)
        })
        .await
    }

    async fn get_citizen(&self, citizen_ref: &str) -> Result<Option<CitizenProfile>> {
        let r = citizen_ref.to_string();
        self.blocking(move |db| {
            let tx = db.begin_read().map_err(err)?;
            let t = tx.open_table(CITIZENS).map_err(err)?;
            let found = t.get(r.as_str()).map_err(err)?;
            Ok(found
                .map(|v| serde_json::from_slice(v.value()))
                .transpose()?)
        })
        .await
    }

    async fn citizen_refs(&self, jobcenter: Option<&str>) -> Result<Vec<String>> {
        let j = jobcenter.map(str::to_string);
        self.blocking(move |db| {
            let tx = db.begin_read().map_err(err)?;
            let mut out = Vec::new();
            match j {
                Some(j) => {
                    let by = tx.open_table(BY_JOBCENTER).map_err(err)?;
                    let (lo, hi) = prefix_range(&j);
                    for e in by.range(lo.as_str()..hi.as_str()).map_err(err)? {
                        let (k, _) = e.map_err(err)?;
                        if let Some((_, r)) = k.value().split_once(SEP) {
                            out.push(r.to_string());
                        }
                    }
                }
                None => {
                    let t = tx.open_table(CITIZENS).map_err(err)?;
                    for e in t.iter().map_err(err)? {
                        out.push(e.map_err(err)?.0.value().to_string());
                    }
                }
            }
            out.sort();
            Ok(out)
        })
        .await
    }

    async fn citizens_of(&self, jobcenter: &str) -> Result<Vec<CitizenProfile>> {
        let j = jobcenter.to_string();
        self.blocking(move |db| {
            let tx = db.begin_read().map_err(err)?;
            let by = tx.open_table(BY_JOBCENTER).map_err(err)?;
            let citizens = tx.open_table(CITIZENS).map_err(err)?;
            let (lo, hi) = prefix_range(&j);
            let mut out = Vec::new();
            for e in by.range(lo.as_str()..hi.as_str()).map_err(err)? {
                let (k, _) = e.map_err(err)?;
                if let Some((_, r)) = k.value().split_once(SEP)
                    && let Some(v) = citizens.get(r).map_err(err)?
                {
                    out.push(serde_json::from_slice(v.value())?);
                }
            }
            Ok(out)
        })
        .await
    }

    async fn erase_citizen(&self, citizen_ref: &str) -> Result<Erased> {
        let r = citizen_ref.to_string();
        self.blocking(move |db| {
            let tx = db.begin_write().map_err(err)?;
            let mut erased = Erased::default();
            {
                let mut t = tx.open_table(CITIZENS).map_err(err)?;
                let old: Option<CitizenProfile> = t
                    .remove(r.as_str())
                    .map_err(err)?
                    .map(|v| serde_json::from_slice(v.value()))
                    .transpose()?;
                if let Some(o) = old {
                    erased.profile = true;
                    let mut by = tx.open_table(BY_JOBCENTER).map_err(err)?;
                    by.remove(join(&o.municipality_code, &r).as_str())
                        .map_err(err)?;
                }
                let mut m = tx.open_table(MATCHES).map_err(err)?;
                erased.matches = m.remove(r.as_str()).map_err(err)?.is_some();
                let (lo, hi) = prefix_range(&r);
                let mut outcomes = tx.open_table(OUTCOMES).map_err(err)?;
                let mut gone: Vec<PlacementOutcome> = Vec::new();
                for e in outcomes
                    .extract_from_if(lo.as_str()..hi.as_str(), |_, _| true)
                    .map_err(err)?
                {
                    let (_, v) = e.map_err(err)?;
                    gone.push(serde_json::from_slice(v.value())?);
                }
                drop(outcomes);
                for o in &gone {
                    add_evidence(&tx, &o.cvr, o.gave_paid_hours(), -1)?;
                }
                erased.outcomes = gone.len() as u32;
                // The citizen's place in any run's queue and done list; a run still running no longer counts
                // it.
                let mut left: Vec<String> = Vec::new();
                let mut pending = tx.open_table(PENDING).map_err(err)?;
                pending
                    .retain(|k, v| {
                        let keep = v != r.as_str();
                        if !keep {
                            left.push(k.split(SEP).next().unwrap_or_default().to_string());
                        }
                        keep
                    })
                    .map_err(err)?;
                let mut claimed = tx.open_table(CLAIMED).map_err(err)?;
                claimed
                    .retain(|k, v| {
                        let keep = v.0 != r.as_str();
                        if !keep {
                            left.push(k.split(SEP).next().unwrap_or_default().to_string());
                        }
                        keep
                    })
                    .map_err(err)?;
                drop((pending, claimed));
                let mut done = tx.open_table(DONE).map_err(err)?;
                let suffix = format!("{SEP}{r}");
                done.retain(|k, _| !k.ends_with(&suffix)).map_err(err)?;
                drop(done);
                for run_id in left {
                    if let Some(mut run) = read_run(&tx, &run_id)?
                        && run.state == "running"
                    {
                        run.total = run.total.saturating_sub(1);
                        write_run(&tx, &run)?;
                    }
                }
            }
            tx.commit().map_err(err)?;
            Ok(erased)
        })
        .await
    }

    async fn latest_matches(&self, citizen_ref: &str) -> Result<Option<StoredMatches>> {
        let r = citizen_ref.to_string();
        self.blocking(move |db| {
            let tx = db.begin_read().map_err(err)?;
            let t = tx.open_table(MATCHES).map_err(err)?;
            let found = t.get(r.as_str()).map_err(err)?;
            Ok(found
                .map(|v| serde_json::from_slice(v.value()))
                .transpose()?)
        })
        .await
    }

    async fn start_run(&self, spec: &RunSpec) -> Result<RunStatus> {
        let refs = self.citizen_refs(spec.jobcenter.as_deref()).await?;
        let spec = spec.clone();
        self.blocking(move |db| {
            let tx = db.begin_write().map_err(err)?;
            let run = {
                let mut lock = tx.open_table(LOCK).map_err(err)?;
                if let Some(v) = lock.get("lock").map_err(err)? {
                    let (holder, expires) = v.value();
                    if expires > now_ms() {
                        return Err(StoreError::RunInProgress(holder.to_string()));
                    }
                }
                let run = RunStatus {
                    run_id: new_run_id(),
                    jobcenter: spec.jobcenter.clone(),
                    state: "running".into(),
                    total: refs.len() as u64,
                    started_at: now_rfc3339(),
                    ..Default::default()
                };
                lock.insert(
                    "lock",
                    (
                        run.run_id.as_str(),
                        now_ms() + spec.lock_ttl.as_millis() as u64,
                    ),
                )
                .map_err(err)?;
                let mut pending = tx.open_table(PENDING).map_err(err)?;
                for (i, r) in refs.iter().enumerate() {
                    pending
                        .insert(join(&run.run_id, &format!("{i:012}")).as_str(), r.as_str())
                        .map_err(err)?;
                }
                run
            };
            write_run(&tx, &run)?;
            tx.commit().map_err(err)?;
            Ok(run)
        })
        .await
    }

    async fn current_run(&self) -> Result<Option<RunStatus>> {
        self.blocking(|db| {
            let tx = db.begin_write().map_err(err)?;
            let holder = {
                let lock = tx.open_table(LOCK).map_err(err)?;
                let v = lock.get("lock").map_err(err)?;
                v.and_then(|v| {
                    let (h, expires) = v.value();
                    (expires > now_ms()).then(|| h.to_string())
                })
            };
            match holder {
                Some(h) => read_run(&tx, &h),
                None => Ok(None),
            }
        })
        .await
    }

    async fn run_status(&self, run_id: &str) -> Result<Option<RunStatus>> {
        let id = run_id.to_string();
        self.blocking(move |db| {
            let tx = db.begin_read().map_err(err)?;
            let runs = tx.open_table(RUNS).map_err(err)?;
            let found = runs.get(id.as_str()).map_err(err)?;
            Ok(found
                .map(|v| serde_json::from_slice(v.value()))
                .transpose()?)
        })
        .await
    }

    async fn claim_work(
        &self,
        run_id: &str,
        worker: &str,
        max: usize,
        reclaim_after: Duration,
    ) -> Result<Vec<WorkItem>> {
        let (id, worker) = (run_id.to_string(), worker.to_string());
        self.blocking(move |db| {
            let tx = db.begin_write().map_err(err)?;
            let mut items = Vec::new();
            {
                let now = now_ms();
                let (lo, hi) = prefix_range(&id);
                let mut claimed = tx.open_table(CLAIMED).map_err(err)?;
                // Items this worker holds, or another has held idle for too long.
                let mut take: Vec<(String, String)> = Vec::new();
                for e in claimed.range(lo.as_str()..hi.as_str()).map_err(err)? {
                    let (k, v) = e.map_err(err)?;
                    let (r, w, at) = v.value();
                    if w == worker || now.saturating_sub(at) >= reclaim_after.as_millis() as u64 {
                        take.push((k.value().to_string(), r.to_string()));
                    }
                    if take.len() >= max {
                        break;
                    }
                }
                for (k, r) in take {
                    claimed
                        .insert(k.as_str(), (r.as_str(), worker.as_str(), now))
                        .map_err(err)?;
                    items.push(WorkItem {
                        id: k,
                        citizen_ref: r,
                    });
                }
                let mut pending = tx.open_table(PENDING).map_err(err)?;
                while items.len() < max {
                    let next = pending
                        .range(lo.as_str()..hi.as_str())
                        .map_err(err)?
                        .next()
                        .transpose()
                        .map_err(err)?
                        .map(|(k, v)| (k.value().to_string(), v.value().to_string()));
                    let Some((k, r)) = next else { break };
                    pending.remove(k.as_str()).map_err(err)?;
                    claimed
                        .insert(k.as_str(), (r.as_str(), worker.as_str(), now))
                        .map_err(err)?;
                    items.push(WorkItem {
                        id: k,
                        citizen_ref: r,
                    });
                }
            }
            tx.commit().map_err(err)?;
            Ok(items)
        })
        .await
    }

    async fn complete_work(
        &self,
        run_id: &str,
        item: &WorkItem,
        result: &StoredMatches,
    ) -> Result<bool> {
        let (id, item, json) = (
            run_id.to_string(),
            item.clone(),
            serde_json::to_vec(result)?,
        );
        let new = result.diff.new_need_ids.len() as u64;
        self.blocking(move |db| {
            let tx = db.begin_write().map_err(err)?;
            let stored = {
                let mut claimed = tx.open_table(CLAIMED).map_err(err)?;
                let was_claimed = claimed.remove(item.id.as_str()).map_err(err)?.is_some();
                let registered = tx
                    .open_table(CITIZENS)
                    .map_err(err)?
                    .get(item.citizen_ref.as_str())
                    .map_err(err)?
                    .is_some();
                let mut run =
                    read_run(&tx, &id)?.ok_or_else(|| StoreError::NoSuchRun(id.clone()))?;
                let mut done = tx.open_table(DONE).map_err(err)?;
                let key = join(&id, &item.citizen_ref);
                let stored = registered && done.get(key.as_str()).map_err(err)?.is_none();
                if stored {
                    done.insert(key.as_str(), ()).map_err(err)?;
                    let mut m = tx.open_table(MATCHES).map_err(err)?;
                    m.insert(item.citizen_ref.as_str(), json.as_slice())
                        .map_err(err)?;
                    run.done += 1;
                    run.new_candidates += new;
                } else if !registered && was_claimed {
                    // Erased while it was being matched: counted once, and its result must not reappear.
                    run.failed += 1;
                }
                drop(done);
                write_run(&tx, &run)?;
                stored
            };
            tx.commit().map_err(err)?;
            Ok(stored)
        })
        .await
    }

    async fn fail_work(&self, run_id: &str, item: &WorkItem) -> Result<()> {
        let (id, item) = (run_id.to_string(), item.clone());
        self.blocking(move |db| {
            let tx = db.begin_write().map_err(err)?;
            {
                let mut claimed = tx.open_table(CLAIMED).map_err(err)?;
                claimed.remove(item.id.as_str()).map_err(err)?;
                let mut done = tx.open_table(DONE).map_err(err)?;
                let key = join(&id, &item.citizen_ref);
                if done.get(key.as_str()).map_err(err)?.is_none() {
                    done.insert(key.as_str(), ()).map_err(err)?;
                    drop(done);
                    let mut run =
                        read_run(&tx, &id)?.ok_or_else(|| StoreError::NoSuchRun(id.clone()))?;
                    run.failed += 1;
                    write_run(&tx, &run)?;
                }
            }
            tx.commit().map_err(err)?;
            Ok(())
        })
        .await
    }

    async fn heartbeat_run(&self, run_id: &str, lock_ttl: Duration) -> Result<RunStatus> {
        let id = run_id.to_string();
        self.blocking(move |db| {
            let tx = db.begin_write().map_err(err)?;
            let mut run = read_run(&tx, &id)?.ok_or_else(|| StoreError::NoSuchRun(id.clone()))?;
            {
                let mut lock = tx.open_table(LOCK).map_err(err)?;
                let holds = lock
                    .get("lock")
                    .map_err(err)?
                    .is_some_and(|v| v.value().0 == id && v.value().1 > now_ms());
                if run.state == "running" {
                    if run.finished() {
                        run.state = "completed".into();
                        run.finished_at = Some(now_rfc3339());
                        if holds {
                            lock.remove("lock").map_err(err)?;
                        }
                    } else if holds {
                        lock.insert(
                            "lock",
                            (id.as_str(), now_ms() + lock_ttl.as_millis() as u64),
                        )
                        .map_err(err)?;
                    } else {
                        run.state = "abandoned".into();
                        run.finished_at = Some(now_rfc3339());
                    }
                }
            }
            write_run(&tx, &run)?;
            tx.commit().map_err(err)?;
            Ok(run)
        })
        .await
    }

    async fn record_outcome(&self, outcome: &PlacementOutcome) -> Result<()> {
        let o = outcome.clone();
        self.blocking(move |db| {
            let tx = db.begin_write().map_err(err)?;
            let key = join(&o.citizen_ref, &o.placement_id);
            let old: Option<PlacementOutcome> = {
                let t = tx.open_table(OUTCOMES).map_err(err)?;
                let found = t.get(key.as_str()).map_err(err)?;
                found
                    .map(|v| serde_json::from_slice(v.value()))
                    .transpose()?
            };
            if let Some(old) = old {
                add_evidence(&tx, &old.cvr, old.gave_paid_hours(), -1)?;
            }
            add_evidence(&tx, &o.cvr, o.gave_paid_hours(), 1)?;
            {
                let mut t = tx.open_table(OUTCOMES).map_err(err)?;
                t.insert(key.as_str(), serde_json::to_vec(&o)?.as_slice())
                    .map_err(err)?;
            }
            tx.commit().map_err(err)?;
            Ok(())
        })
        .await
    }

    async fn outcomes_of(&self, citizen_ref: &str) -> Result<Vec<PlacementOutcome>> {
        let r = citizen_ref.to_string();
        self.blocking(move |db| {
            let tx = db.begin_read().map_err(err)?;
            let t = tx.open_table(OUTCOMES).map_err(err)?;
            let (lo, hi) = prefix_range(&r);
            let mut out: Vec<PlacementOutcome> = Vec::new();
            for e in t.range(lo.as_str()..hi.as_str()).map_err(err)? {
                out.push(serde_json::from_slice(e.map_err(err)?.1.value())?);
            }
            out.sort_by(|a, b| (&a.started, &a.placement_id).cmp(&(&b.started, &b.placement_id)));
            Ok(out)
        })
        .await
    }

    async fn company_evidence(&self) -> Result<HashMap<String, CompanyEvidence>> {
        self.blocking(|db| {
            let tx = db.begin_read().map_err(err)?;
            let t = tx.open_table(EVIDENCE).map_err(err)?;
            let mut out = HashMap::new();
            for e in t.iter().map_err(err)? {
                let (k, v) = e.map_err(err)?;
                let (placements, with_paid_hours) = v.value();
                out.insert(
                    k.value().to_string(),
                    CompanyEvidence {
                        placements,
                        with_paid_hours,
                    },
                );
            }
            Ok(out)
        })
        .await
    }

    async fn append_audit(&self, entries: &[AuditEntry]) -> Result<()> {
        if entries.is_empty() {
            return Ok(());
        }
        let entries = entries.to_vec();
        self.blocking(move |db| {
            let tx = db.begin_write().map_err(err)?;
            {
                let mut seqs = tx.open_table(AUDIT_SEQ).map_err(err)?;
                let mut seq = seqs.get("seq").map_err(err)?.map_or(0, |v| v.value());
                let mut t = tx.open_table(AUDIT).map_err(err)?;
                for entry in &entries {
                    seq += 1;
                    let key = format!("{}{SEP}{:020}{SEP}{seq:020}", entry.jobcenter, entry.at_ms);
                    t.insert(key.as_str(), serde_json::to_vec(entry)?.as_slice())
                        .map_err(err)?;
                }
                seqs.insert("seq", seq).map_err(err)?;
            }
            tx.commit().map_err(err)
        })
        .await
    }

    async fn read_audit(&self, query: &AuditQuery) -> Result<Vec<AuditEntry>> {
        let q = query.clone();
        self.blocking(move |db| {
            let tx = db.begin_read().map_err(err)?;
            let t = tx.open_table(AUDIT).map_err(err)?;
            let from = format!("{}{SEP}{:020}", q.jobcenter, q.from_ms);
            let to = format!("{}{SEP}{:020}", q.jobcenter, q.to_ms);
            let mut out = Vec::new();
            for e in t.range(from.as_str()..to.as_str()).map_err(err)? {
                if out.len() >= q.limit {
                    break;
                }
                let (_, v) = e.map_err(err)?;
                let entry: AuditEntry = serde_json::from_slice(v.value())?;
                if q.citizen_ref
                    .as_ref()
                    .is_none_or(|r| *r == entry.citizen_ref)
                {
                    out.push(entry);
                }
            }
            Ok(out)
        })
        .await
    }
}
