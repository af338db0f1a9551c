//! The service's state: the index, the matcher and the work pool, opened from one [`Config`].

use std::sync::Arc;
use std::time::Duration;

use jobmatch_indexer::{Change, IndexError, JobIndex};
use jobmatch_matching::{Matcher, TaxonomyResolver};
use jobmatch_proto::v1::{Company, Need};
use jobmatch_taxonomy::Taxonomy;

use crate::config::Config;
use crate::pool::WorkPool;

pub struct App {
    pub config: Config,
    pub index: Arc<JobIndex>,
    pub matcher: Arc<Matcher>,
    pub pool: WorkPool,
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
        if config.demo_data && index.catalog()?.company_count() == 0 {
            load_demo(&index)?;
        }
        let matcher = Arc::new(Matcher::new(
            Arc::clone(&index),
            taxonomy,
            config.rules.clone(),
        ));
        let pool = WorkPool::new(config.threads());
        Ok(App {
            config,
            index,
            matcher,
            pool,
        })
    }

    pub fn request_cap(&self) -> Duration {
        Duration::from_millis(self.config.request_timeout_ms)
    }
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
    let report = index.apply(changes, true)?;
    for r in report.rejected() {
        tracing::warn!(kind = r.kind, key = %r.key, error = %r.error, "demo record rejected");
    }
    tracing::info!(
        companies = report.companies_upserted,
        needs = report.needs_upserted,
        "demo data loaded into the empty index"
    );
    Ok(())
}
