use crate::validate::Violations;

#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    #[error("index error: {0}")]
    Tantivy(#[from] tantivy::TantivyError),
    #[error("index directory error: {0}")]
    OpenDirectory(#[from] tantivy::directory::error::OpenDirectoryError),
    #[error("io error: {0}")]
    Io(#[from] std::io::Error),
    #[error("{kind} '{key}' not found")]
    NotFound { kind: &'static str, key: String },
    #[error("invalid {kind}: {violations}")]
    Invalid {
        kind: &'static str,
        violations: Violations,
    },
    #[error("stored record is unreadable: {0}")]
    CorruptRecord(String),
    #[error(
        "the index in {0} was built with another schema (an older version?); move it away and ingest again"
    )]
    SchemaChanged(String),
    #[error("deadline exceeded")]
    DeadlineExceeded(#[from] crate::deadline::Expired),
}
