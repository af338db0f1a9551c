//! The service's state: the index, the matcher and the work pools, opened from one [`Config`].

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use jobmatch_indexer::{Change, IndexError, JobIndex};
use jobmatch_matching::{Matcher, TaxonomyResolver};
use jobmatch_proto::v1::{Company, Need};
use jobmatch_taxonomy::Taxonomy;

use crate::config::Config;
use crate::pool::WorkPool;

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
    pub writer: WorkPool,
}

impl App {
    pub fn open(config: Config) -> Result<App, IndexError> {
        let taxonomy = Taxonomy::embedded();
        let resolver = Arc::new(TaxonomyResolver::new(taxonomy));
        let index = Arc::new(JobIndex::open(
            &config.data_dir.join("index"),
            resolver,
            config.writer_memory_mb << 20,
        )?);
        set_up_installation(&config, &index)?;
        let matcher = Arc::new(Matcher::with_cache_bytes(
            Arc::clone(&index),
            taxonomy,
            config.rules.clone(),
            config.cache_mb << 20,
        ));
        Ok(App::new(config, index, matcher))
    }

    /// An app over an index opened elsewhere (benchmarks).
    pub fn new(config: Config, index: Arc<JobIndex>, matcher: Arc<Matcher>) -> App {
        let pool = WorkPool::new("search", config.threads(), config.work_queue);
        let writer = WorkPool::new("writer", 1, config.write_queue);
        App {
            config,
            index,
            matcher,
            pool,
            writer,
        }
    }

    pub fn request_cap(&self) -> Duration {
        Duration::from_millis(self.config.request_timeout_ms)
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

/// Loads the generated demo data through the same validation and write path as any ingest.
pub fn load_demo(index: &JobIndex) -> Result<(), IndexError> {
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
    let report = index.apply(changes)?;
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
