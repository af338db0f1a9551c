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

use crate::config::{Backend, Config};
use crate::error::ServiceError;
use crate::pool::WorkPool;
use crate::replica::Replication;

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
        Ok(App::with_store(config, index, matcher, store, replication))
    }

    /// An app over an index opened elsewhere (benchmarks, fuzzing), with an embedded store in `store_dir`.
    pub fn new(config: Config, index: Arc<JobIndex>, matcher: Arc<Matcher>) -> App {
        let store = tempfile_store();
        App::with_store(config, index, matcher, store, None)
    }

    pub fn with_store(
        config: Config,
        index: Arc<JobIndex>,
        matcher: Arc<Matcher>,
        store: Arc<dyn Store>,
        replication: Option<Arc<Replication>>,
    ) -> App {
        let pool = WorkPool::new("search", config.threads(), config.work_queue);
        let writer = Arc::new(WorkPool::new("writer", 1, config.write_queue));
        App {
            config,
            index,
            matcher,
            pool,
            writer,
            store,
            replication,
        }
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
        let mut outcomes: Vec<Option<Result<Outcome, RejectedChange>>> = Vec::new();
        let mut logged: Vec<Change> = Vec::new();
        let mut logged_at: Vec<usize> = Vec::new();
        for (position, p) in prepared.into_iter().enumerate() {
            match p.change() {
                Some(c) => {
                    logged.push(c);
                    logged_at.push(position);
                    outcomes.push(None);
                }
                None => outcomes.push(p.into_rejected(position).map(Err)),
            }
        }
        let mut report = ApplyReport::default();
        if !logged.is_empty() {
            let id = r.append(logged).await?;
            let applied = r.wait_applied(&id, deadline).await?;
            report.companies_upserted = applied.companies_upserted;
            report.needs_upserted = applied.needs_upserted;
            report.deleted = applied.deleted;
            // Outcomes come back in log order, one per logged change.
            for (o, pos) in applied.outcomes.into_iter().zip(logged_at) {
                outcomes[pos] = Some(o.map_err(|mut rejected| {
                    rejected.position = pos;
                    rejected
                }));
            }
        }
        report.outcomes = outcomes.into_iter().flatten().collect();
        Ok(report)
    }

    /// Refreshes the companies' records of paid hours from the store.
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
