//! The service's state: the index, the matcher, the shared store and the work pools, opened from one
//! [`Config`], and the one write path every company and need write takes.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use jobmatch_indexer::index::Outcome;
use jobmatch_indexer::{
    ApplyReport, Change, Deadline, IndexError, JobIndex, PreparedChange, RejectedChange,
};
use jobmatch_matching::potential::CompanyRecord;
use jobmatch_matching::{Matcher, TaxonomyResolver};
use jobmatch_proto::v1::{Company, Need};
use jobmatch_store::{EmbeddedStore, RedisChangeLog, RedisStore, Store};
use jobmatch_taxonomy::Taxonomy;

use crate::auth::Authenticator;
use crate::config::{Backend, Config};
use crate::error::ServiceError;
use crate::pool::WorkPool;
use crate::replica::Replication;
use jobmatch_store::AuditEntry;

/// File in the data directory that marks an installation as set up: demo data is loaded only into a data
/// directory without it, so an index that was emptied by deletes stays empty.
pub const INSTALLED_MARKER: &str = "installed";

pub struct App {
    pub config: Config,
    pub index: Arc<JobIndex>,
    pub matcher: Arc<Matcher>,
    /// Searches, matches and the preparation of writes.
    pub pool: WorkPool,
    /// Applies and commits writes, one at a time, so that reads never wait behind a write on `pool`.
    pub writer: Arc<WorkPool>,
    /// Citizens, stored matches, rematch runs, outcomes.
    pub store: Arc<dyn Store>,
    /// The change log and its follower, with the Redis backend.
    pub replication: Option<Arc<Replication>>,
    /// Checks every RPC's credentials.
    pub auth: Authenticator,
    /// With Redis: audit entries written while Redis is away, moved to Redis when it is back, so a match
    /// answered from the local index is still audited.
    pub audit_spool: Option<EmbeddedStore>,
}

impl App {
    /// Opens the app; with the Redis backend the follower that applies the change log is started by
    /// [`App::start_background`].
    pub fn open(config: Config) -> Result<App, ServiceError> {
        let taxonomy = Taxonomy::embedded();
        let resolver = Arc::new(TaxonomyResolver::new(taxonomy));
        let index = Arc::new(JobIndex::open(
            &config.data_dir.join("index"),
            resolver,
            config.writer_memory_mb << 20,
        )?);
        let matcher = Arc::new(Matcher::with_cache_bytes(
            Arc::clone(&index),
            taxonomy,
            config.rules.clone(),
            config.cache_mb << 20,
        ));
        let (store, replication): (Arc<dyn Store>, _) = match config.store.backend {
            Backend::Embedded => {
                set_up_installation(&config, &index)?;
                let store = EmbeddedStore::open(&config.data_dir.join("store.redb"))?;
                (Arc::new(store), None)
            }
            Backend::Redis => {
                let store =
                    RedisStore::connect(&config.store.redis_url, &config.store.redis_prefix)?;
                let log = RedisChangeLog::new(&store, config.store.wait_replicas)?;
                let replication = Replication::new(log, Arc::clone(&index));
                (Arc::new(store), Some(replication))
            }
        };
        App::with_store(config, index, matcher, store, replication)
    }

    /// An app over an index opened elsewhere (benchmarks, fuzzing), with an embedded store in a temporary
    /// directory.
    pub fn new(
        config: Config,
        index: Arc<JobIndex>,
        matcher: Arc<Matcher>,
    ) -> Result<App, ServiceError> {
        let store = tempfile_store();
        App::with_store(config, index, matcher, store, None)
    }

    pub fn with_store(
        config: Config,
        index: Arc<JobIndex>,
        matcher: Arc<Matcher>,
        store: Arc<dyn Store>,
        replication: Option<Arc<Replication>>,
    ) -> Result<App, ServiceError> {
        let auth = Authenticator::new(&config.auth)
            .map_err(|e| ServiceError::FailedPrecondition(e.to_string()))?;
        let pool = WorkPool::new("search", config.threads(), config.work_queue);
        let writer = Arc::new(WorkPool::new("writer", 1, config.write_queue));
        let audit_spool = match replication {
            Some(_) => Some(EmbeddedStore::open(
                &config.data_dir.join("audit-spool.redb"),
            )?),
            None => None,
        };
        Ok(App {
            audit_spool,
            config,
            index,
            matcher,
            pool,
            writer,
            store,
            replication,
            auth,
        })
    }

    pub fn request_cap(&self) -> Duration {
        Duration::from_millis(self.config.request_timeout_ms)
    }

    /// Whether this replica has applied the change log up to where it was at the start (always, embedded).
    pub fn caught_up(&self) -> bool {
        self.replication.as_ref().is_none_or(|r| r.caught_up())
    }

    /// Validates and resolves changes on the search pool (the costly, lock-free part of a write).
    pub async fn prepare(
        &self,
        deadline: &Deadline,
        changes: Vec<Change>,
    ) -> Result<Vec<PreparedChange>, ServiceError> {
        let index = Arc::clone(&self.index);
        self.pool
            .run(deadline, move |_| {
                changes.into_iter().map(|c| index.prepare(c)).collect()
            })
            .await
    }

    /// The one write path: changes are validated (on the search pool), then applied as one transaction.
    /// Embedded: committed on the writer. Redis: the valid ones are appended to the change log as one
    /// transaction and applied by this replica's follower before the answer (read your own write; the other
    /// replicas apply them within moments). Returns one outcome per change, in order; a change refused by
    /// validation reaches neither the index nor the log.
    pub async fn write(
        &self,
        deadline: &Deadline,
        changes: Vec<Change>,
    ) -> Result<ApplyReport, ServiceError> {
        let prepared = self.prepare(deadline, changes).await?;
        self.write_prepared(deadline, prepared).await
    }

    /// As [`App::write`], for changes already prepared (a bulk stream prepares its records as they arrive).
    pub async fn write_prepared(
        &self,
        deadline: &Deadline,
        prepared: Vec<PreparedChange>,
    ) -> Result<ApplyReport, ServiceError> {
        let Some(r) = &self.replication else {
            let index = Arc::clone(&self.index);
            return self
                .writer
                .run(deadline, move |d| commit_prepared(&index, d, prepared))
                .await?;
        };
        let mut logged = LoggedBulk::new(Arc::clone(r));
        logged.push(prepared)?;
        logged.finish(deadline).await
    }

    /// Starts a bulk write, fed a chunk of prepared changes at a time and all-or-nothing: nothing of it is
    /// visible before [`BulkWrite::finish`], and dropping it unfinished writes nothing. Embedded, the chunks
    /// go into one open transaction on the writer as they come, so the server never holds the whole stream;
    /// with Redis they are encoded for the change log as they come, and appended as one transaction.
    pub fn bulk(&self, deadline: &Deadline) -> BulkWrite {
        if let Some(r) = &self.replication {
            return BulkWrite(Bulk::Logged(LoggedBulk::new(Arc::clone(r))));
        }
        let (chunks, mut rx) = tokio::sync::mpsc::channel::<BulkMsg>(BULK_CHUNKS_AHEAD);
        let index = Arc::clone(&self.index);
        let writer = Arc::clone(&self.writer);
        let deadline = deadline.clone();
        let done = tokio::spawn(async move {
            writer
                .run(&deadline, move |d| {
                    let mut tx = index.begin();
                    let mut report = ApplyReport::default();
                    loop {
                        match rx.blocking_recv() {
                            Some(BulkMsg::Chunk(prepared)) => {
                                d.check().map_err(IndexError::from)?;
                                report.absorb(tx.apply(prepared)?);
                            }
                            Some(BulkMsg::Commit) => {
                                d.check().map_err(IndexError::from)?;
                                tx.commit(None)?;
                                release_freed_memory();
                                return Ok(report);
                            }
                            // The stream failed or was cancelled: the transaction rolls back as it drops.
                            None => {
                                return Err(ServiceError::Aborted(
                                    "the write was abandoned before its end; nothing was written"
                                        .into(),
                                ));
                            }
                        }
                    }
                })
                .await?
        });
        BulkWrite(Bulk::Embedded { chunks, done })
    }

    /// Refreshes the companies' records of paid hours from the store.
    /// Appends to the audit trail: the store's, or while it is away (Redis) the local spool. Fails only when
    /// neither can be written, and then the caller must not answer.
    pub async fn audit(&self, entries: &[AuditEntry]) -> Result<(), ServiceError> {
        match self.store.append_audit(entries).await {
            Ok(()) => Ok(()),
            Err(e) => {
                let Some(spool) = &self.audit_spool else {
                    return Err(e.into());
                };
                tracing::warn!(error = %e, "audit trail spooled locally until the store is back");
                spool
                    .append_audit(entries)
                    .await
                    .map_err(ServiceError::from)
            }
        }
    }

    /// Moves spooled audit entries to the store; returns how many.
    pub async fn drain_audit_spool(&self) -> Result<usize, ServiceError> {
        let Some(spool) = &self.audit_spool else {
            return Ok(0);
        };
        let mut moved = 0;
        loop {
            let batch = spool.take_audit(500).await?;
            if batch.is_empty() {
                return Ok(moved);
            }
            if let Err(e) = self.store.append_audit(&batch).await {
                // Back into the spool (its time order is kept by the entries' own timestamps).
                spool.append_audit(&batch).await?;
                return Err(e.into());
            }
            moved += batch.len();
        }
    }

    pub async fn refresh_company_records(&self) -> Result<(), ServiceError> {
        let evidence = self.store.company_evidence().await?;
        let records: HashMap<String, CompanyRecord> = evidence
            .into_iter()
            .map(|(cvr, e)| {
                (
                    cvr,
                    CompanyRecord {
                        placements: e.placements,
                        with_paid_hours: e.with_paid_hours,
                    },
                )
            })
            .collect();
        self.matcher.set_company_records(records);
        Ok(())
    }
}

/// Returns the memory this thread freed to the system now. The allocator keeps freed pages for reuse and
/// returns them as the thread goes on allocating; a writer that has just committed a bulk load may then sit
/// idle for hours holding what the load freed (hundreds of MB at 100,000 records).
pub fn release_freed_memory() {
    // SAFETY: mi_collect only walks the calling thread's own heap.
    unsafe { libmimalloc_sys::mi_collect(true) };
}

/// Chunks a bulk write may have waiting for the writer: the stream is read only this far ahead of it.
const BULK_CHUNKS_AHEAD: usize = 4;

enum BulkMsg {
    Chunk(Vec<PreparedChange>),
    Commit,
}

/// A bulk write in progress (see [`App::bulk`]).
pub struct BulkWrite(Bulk);

enum Bulk {
    Embedded {
        chunks: tokio::sync::mpsc::Sender<BulkMsg>,
        done: tokio::task::JoinHandle<Result<ApplyReport, ServiceError>>,
    },
    Logged(LoggedBulk),
}

impl BulkWrite {
    pub async fn push(&mut self, prepared: Vec<PreparedChange>) -> Result<(), ServiceError> {
        match &mut self.0 {
            Bulk::Embedded { chunks, done } => {
                if chunks.send(BulkMsg::Chunk(prepared)).await.is_err() {
                    // The writer stopped early (deadline, a failed write): its error is the answer.
                    return Err(join_write(done)
                        .await
                        .err()
                        .unwrap_or(ServiceError::Internal));
                }
                Ok(())
            }
            Bulk::Logged(l) => l.push(prepared),
        }
    }

    pub async fn finish(self, deadline: &Deadline) -> Result<ApplyReport, ServiceError> {
        match self.0 {
            Bulk::Embedded { chunks, mut done } => {
                // A send error means the writer already ended; its result says how.
                let _ = chunks.send(BulkMsg::Commit).await;
                join_write(&mut done).await
            }
            Bulk::Logged(l) => l.finish(deadline).await,
        }
    }
}

async fn join_write(
    done: &mut tokio::task::JoinHandle<Result<ApplyReport, ServiceError>>,
) -> Result<ApplyReport, ServiceError> {
    done.await.map_err(|e| {
        tracing::error!(error = %e, "bulk write task failed");
        ServiceError::Internal
    })?
}

/// Changes bound for the change log, encoded as they come; the refused ones keep their place in the report.
struct LoggedBulk {
    replication: Arc<Replication>,
    payloads: Vec<Vec<u8>>,
    /// One per change pushed: None for a logged change until its outcome comes back.
    outcomes: Vec<Option<Result<Outcome, RejectedChange>>>,
    /// Positions of the logged changes, in log order.
    logged_at: Vec<usize>,
}

impl LoggedBulk {
    fn new(replication: Arc<Replication>) -> Self {
        LoggedBulk {
            replication,
            payloads: Vec::new(),
            outcomes: Vec::new(),
            logged_at: Vec::new(),
        }
    }

    fn push(&mut self, prepared: Vec<PreparedChange>) -> Result<(), ServiceError> {
        let mut logged = Vec::with_capacity(prepared.len());
        for p in prepared {
            let position = self.outcomes.len();
            match p.change() {
                Some(c) => {
                    logged.push(c);
                    self.logged_at.push(position);
                    self.outcomes.push(None);
                }
                None => self.outcomes.push(p.into_rejected(position).map(Err)),
            }
        }
        self.payloads.extend(crate::replica::encode(logged)?);
        Ok(())
    }

    async fn finish(mut self, deadline: &Deadline) -> Result<ApplyReport, ServiceError> {
        let mut report = ApplyReport::default();
        if !self.payloads.is_empty() {
            let r = &self.replication;
            let id = r
                .append_payloads(std::mem::take(&mut self.payloads))
                .await?;
            let applied = r.wait_applied(&id, deadline).await?;
            report.companies_upserted = applied.companies_upserted;
            report.needs_upserted = applied.needs_upserted;
            report.deleted = applied.deleted;
            // Outcomes come back in log order, one per logged change.
            for (o, pos) in applied.outcomes.into_iter().zip(self.logged_at) {
                self.outcomes[pos] = Some(o.map_err(|mut rejected| {
                    rejected.position = pos;
                    rejected
                }));
            }
        }
        report.outcomes = self.outcomes.into_iter().flatten().collect();
        Ok(report)
    }
}

/// Applies prepared changes as one transaction and commits it, unless the deadline passes first.
pub fn commit_prepared(
    index: &JobIndex,
    deadline: &Deadline,
    prepared: Vec<PreparedChange>,
) -> Result<ApplyReport, ServiceError> {
    let mut tx = index.begin();
    let report = tx.apply(prepared)?;
    deadline.check().map_err(IndexError::from)?;
    tx.commit(None)?;
    Ok(report)
}

/// An embedded store in a temporary directory that lives as long as the process (benchmarks, fuzzing).
fn tempfile_store() -> Arc<dyn Store> {
    let dir = std::env::temp_dir().join(format!(
        "jobmatch-store-{}-{}",
        std::process::id(),
        uuid::Uuid::new_v4().simple()
    ));
    match EmbeddedStore::open(&dir.join("store.redb")) {
        Ok(s) => Arc::new(s),
        Err(e) => panic!("cannot open a temporary store in {}: {e}", dir.display()),
    }
}

/// On a new installation (no marker in the data directory and an empty index), loads the demo data when
/// configured; then writes the marker, so it happens once in the life of a data directory.
fn set_up_installation(config: &Config, index: &JobIndex) -> Result<(), IndexError> {
    let marker = config.data_dir.join(INSTALLED_MARKER);
    if marker.exists() {
        return Ok(());
    }
    let empty = index.snapshot().catalog.company_count() == 0;
    if empty && config.demo_data {
        load_demo(index)?;
    }
    write_marker(&marker)
}

fn write_marker(path: &Path) -> Result<(), IndexError> {
    let text = format!(
        "jobmatch data directory, set up by version {}\n",
        env!("CARGO_PKG_VERSION")
    );
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, text)?;
    std::fs::rename(&tmp, path)?;
    Ok(())
}

/// The generated demo data as changes.
pub fn demo_changes() -> Vec<Change> {
    let demo = jobmatch_demo::default_demo();
    let mut changes = Vec::new();
    for c in demo.companies {
        match serde_json::from_value::<Company>(c) {
            Ok(c) => changes.push(Change::UpsertCompany(c)),
            Err(e) => tracing::warn!(error = %e, "demo company does not parse"),
        }
    }
    for n in demo.needs {
        match serde_json::from_value::<Need>(n) {
            Ok(n) => changes.push(Change::UpsertNeed(n)),
            Err(e) => tracing::warn!(error = %e, "demo need does not parse"),
        }
    }
    changes
}

/// Loads the generated demo data through the same validation and write path as any ingest.
pub fn load_demo(index: &JobIndex) -> Result<(), IndexError> {
    let report = index.apply(demo_changes())?;
    for r in report.rejected() {
        tracing::warn!(kind = r.kind, key = %r.key, error = %r.error, "demo record rejected");
    }
    tracing::info!(
        companies = report.companies_upserted,
        needs = report.needs_upserted,
        "demo data loaded into the new installation"
    );
    Ok(())
}
