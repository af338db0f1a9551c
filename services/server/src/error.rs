//! The one place where errors become gRPC statuses.

use jobmatch_indexer::{IndexError, Violations};
use jobmatch_matching::MatchError;
use tonic::{Code, Status};
use tonic_types::{ErrorDetails, StatusExt};

#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error("{0}")]
    Index(#[from] IndexError),
    #[error("{0}")]
    Match(#[from] MatchError),
    #[error("{field}: {reason}")]
    InvalidArgument { field: String, reason: String },
    #[error("{0}")]
    InvalidRecord(Violations),
    #[error("{0}")]
    PermissionDenied(String),
    #[error("{0}")]
    ResourceExhausted(String),
    /// A stream broke off before its end; nothing of it was written.
    #[error("{0}")]
    Aborted(String),
    /// A work queue is full: the server is at capacity right now; the client may retry later.
    #[error("the server is busy ({0} queue full); retry later")]
    Busy(&'static str),
    #[error("deadline exceeded")]
    DeadlineExceeded,
    #[error("internal error")]
    Internal,
    #[error("the server is shutting down")]
    Unavailable,
    /// The shared store (Redis) cannot be reached: writes fail fast; reads from the local index go on.
    #[error("the shared store is unavailable ({0}); nothing was written, retry later")]
    StoreUnavailable(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    FailedPrecondition(String),
}

impl From<jobmatch_store::StoreError> for ServiceError {
    fn from(e: jobmatch_store::StoreError) -> Self {
        match e {
            jobmatch_store::StoreError::RunInProgress(run) => {
                ServiceError::FailedPrecondition(format!("a rematch run is in progress ({run})"))
            }
            jobmatch_store::StoreError::NoSuchRun(run) => {
                ServiceError::NotFound(format!("no rematch run '{run}'"))
            }
            other => ServiceError::StoreUnavailable(other.to_string()),
        }
    }
}

impl ServiceError {
    pub fn invalid(field: impl Into<String>, reason: impl Into<String>) -> Self {
        ServiceError::InvalidArgument {
            field: field.into(),
            reason: reason.into(),
        }
    }
}

/// Longest status message sent: it travels in the `grpc-message` header, which clients cap (8 KiB is common).
const MAX_MESSAGE_BYTES: usize = 1_000;

fn short(mut message: String) -> String {
    if message.len() > MAX_MESSAGE_BYTES {
        let mut cut = MAX_MESSAGE_BYTES;
        while !message.is_char_boundary(cut) {
            cut -= 1;
        }
        message.truncate(cut);
        message.push('…');
    }
    message
}

fn bad_request(message: String, violations: &[(String, String)]) -> Status {
    let mut details = ErrorDetails::new();
    for (field, reason) in violations {
        details.add_bad_request_violation(field.clone(), reason.clone());
    }
    Status::with_error_details(Code::InvalidArgument, short(message), details)
}

fn pairs(v: &Violations, prefix: &str) -> Vec<(String, String)> {
    v.0.iter()
        .map(|f| (format!("{prefix}{}", f.field), f.reason.clone()))
        .collect()
}

impl From<ServiceError> for Status {
    fn from(e: ServiceError) -> Status {
        let message = e.to_string();
        match e {
            ServiceError::Index(IndexError::Invalid { violations, .. })
            | ServiceError::InvalidRecord(violations) => {
                bad_request(message, &pairs(&violations, ""))
            }
            ServiceError::Index(IndexError::NotFound { kind, key })
            | ServiceError::Match(MatchError::Index(IndexError::NotFound { kind, key })) => {
                // Cut the key: a caller's huge key must not overflow the status header.
                let key: String = key.chars().take(64).collect();
                Status::not_found(format!("{kind} '{}' not found", key.escape_debug()))
            }
            ServiceError::Match(MatchError::InvalidCitizen(violations)) => {
                bad_request(message, &pairs(&violations, "citizen."))
            }
            ServiceError::Match(MatchError::InvalidOptions(violations)) => {
                bad_request(message, &pairs(&violations, ""))
            }
            ServiceError::InvalidArgument { field, reason } => {
                bad_request(message, &[(field, reason)])
            }
            ServiceError::PermissionDenied(m) => Status::permission_denied(short(m)),
            ServiceError::ResourceExhausted(m) => Status::resource_exhausted(short(m)),
            ServiceError::Aborted(m) => Status::aborted(short(m)),
            ServiceError::Busy(_) => Status::resource_exhausted(message),
            ServiceError::DeadlineExceeded
            | ServiceError::Index(IndexError::DeadlineExceeded(_))
            | ServiceError::Match(MatchError::DeadlineExceeded(_))
            | ServiceError::Match(MatchError::Index(IndexError::DeadlineExceeded(_))) => {
                Status::deadline_exceeded("deadline exceeded")
            }
            ServiceError::Unavailable | ServiceError::StoreUnavailable(_) => {
                Status::unavailable(short(message))
            }
            ServiceError::NotFound(m) => Status::not_found(short(m)),
            ServiceError::FailedPrecondition(m) => Status::failed_precondition(short(m)),
            ServiceError::Internal => Status::internal(message),
            ServiceError::Index(_) | ServiceError::Match(_) => {
                // Internal details go to the log, not to the caller.
                tracing::error!(error = %short(message), "internal error");
                Status::internal("internal error")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_need_is_not_found_wherever_it_is_looked_up() {
        // MatchNeed looks the need up in the matcher: found by the rpc_citizens fuzz target as INTERNAL.
        for e in [
            ServiceError::Index(IndexError::NotFound {
                kind: "need",
                key: "N-1".into(),
            }),
            ServiceError::Match(MatchError::Index(IndexError::NotFound {
                kind: "need",
                key: "N-1".into(),
            })),
        ] {
            let status = Status::from(e);
            assert_eq!(status.code(), tonic::Code::NotFound, "{status:?}");
            assert_eq!(status.message(), "need 'N-1' not found");
        }
    }

    #[test]
    fn messages_stay_small() {
        let mut v = Violations::default();
        for i in 0..500 {
            v.add(format!("competences[{i}]"), "x".repeat(300));
        }
        let status = Status::from(ServiceError::InvalidRecord(v));
        assert_eq!(status.code(), Code::InvalidArgument);
        assert!(status.message().len() <= MAX_MESSAGE_BYTES + 3);
        let status = Status::from(ServiceError::PermissionDenied("é".repeat(2000)));
        assert!(status.message().len() <= MAX_MESSAGE_BYTES + 3);
    }
}
