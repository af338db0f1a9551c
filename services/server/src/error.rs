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
    #[error("deadline exceeded")]
    DeadlineExceeded,
    #[error("the server is shutting down")]
    Unavailable,
}

impl ServiceError {
    pub fn invalid(field: impl Into<String>, reason: impl Into<String>) -> Self {
        ServiceError::InvalidArgument {
            field: field.into(),
            reason: reason.into(),
        }
    }
}

fn bad_request(message: String, violations: &[(String, String)]) -> Status {
    let mut details = ErrorDetails::new();
    for (field, reason) in violations {
        details.add_bad_request_violation(field.clone(), reason.clone());
    }
    Status::with_error_details(Code::InvalidArgument, message, details)
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
            ServiceError::Index(IndexError::Invalid { violations, .. }) => {
                bad_request(message, &pairs(&violations, ""))
            }
            ServiceError::Index(IndexError::NotFound { kind, key }) => {
                // Cut the key: a caller's huge key must not overflow the status header.
                let key: String = key.chars().take(64).collect();
                Status::not_found(format!("{kind} '{key}' not found"))
            }
            ServiceError::Match(MatchError::InvalidCitizen(violations)) => {
                bad_request(message, &pairs(&violations, "citizen."))
            }
            ServiceError::Match(MatchError::InvalidOption { field, reason }) => {
                bad_request(message, &[(field.to_string(), reason)])
            }
            ServiceError::InvalidArgument { field, reason } => {
                bad_request(message, &[(field, reason)])
            }
            ServiceError::DeadlineExceeded => Status::deadline_exceeded(message),
            ServiceError::Unavailable => Status::unavailable(message),
            ServiceError::Index(_) | ServiceError::Match(_) => {
                // Internal details go to the log, not to the caller.
                tracing::error!(error = %message, "internal error");
                Status::internal("internal error")
            }
        }
    }
}
