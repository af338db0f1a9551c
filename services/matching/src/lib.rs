//! The matching engine: a citizen profile in, ranked placement candidates out, each with its ordinary-hours
//! potential and a Danish explanation. Also the evaluation of match quality and a naive BM25 baseline.

pub mod cache;
pub mod conditions;
mod engine;
pub mod eval;
mod explain;
pub mod potential;
pub mod profile;
pub mod resolver;
pub mod rules;

pub use engine::{FitLevel, Matcher, Scope, StageTimes, last_stage_times};
pub use resolver::TaxonomyResolver;
pub use rules::{MatchRules, ReasonablenessAction, ReasonablenessRule};

#[derive(Debug, thiserror::Error)]
pub enum MatchError {
    #[error("invalid citizen profile: {0}")]
    InvalidCitizen(jobmatch_indexer::Violations),
    #[error("invalid options: {0}")]
    InvalidOptions(jobmatch_indexer::Violations),
    #[error("deadline exceeded")]
    DeadlineExceeded(#[from] jobmatch_indexer::Expired),
    #[error(transparent)]
    Index(#[from] jobmatch_indexer::IndexError),
    #[error("index error: {0}")]
    Tantivy(#[from] tantivy::TantivyError),
}
