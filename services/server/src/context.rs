//! Per-request context: request id, tenant (the calling jobcenter's municipality code) and deadline, read from
//! gRPC metadata. Every RPC runs through [`handle`], which opens its tracing span, enforces the deadline and
//! logs the outcome with latency. Spans carry ids and codes only, never personal data.

use std::future::Future;
use std::time::{Duration, Instant};

use tonic::metadata::MetadataMap;
use tonic::{Response, Status};
use tracing::Instrument;

use crate::error::ServiceError;

/// Header naming the calling jobcenter (municipality code); tenancy is enforced in a later iteration.
pub const TENANT_HEADER: &str = "x-jobmatch-tenant";
pub const REQUEST_ID_HEADER: &str = "x-request-id";

#[derive(Debug, Clone)]
pub struct RequestContext {
    pub request_id: String,
    pub tenant: Option<String>,
    pub deadline: Option<Duration>,
}

impl RequestContext {
    pub fn from_metadata(meta: &MetadataMap) -> Self {
        let get = |k: &str| {
            meta.get(k)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        let request_id = get(REQUEST_ID_HEADER)
            .filter(|id| {
                id.len() <= 64 && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            })
            .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
        let tenant =
            get(TENANT_HEADER).filter(|t| t.len() == 4 && t.bytes().all(|b| b.is_ascii_digit()));
        let deadline = get("grpc-timeout").and_then(|t| parse_grpc_timeout(&t));
        RequestContext {
            request_id,
            tenant,
            deadline,
        }
    }
}

/// Parses the gRPC `grpc-timeout` header: up to 8 digits and a unit (H, M, S, m, u, n).
pub fn parse_grpc_timeout(v: &str) -> Option<Duration> {
    if v.len() < 2 || v.len() > 9 {
        return None;
    }
    let (digits, unit) = v.split_at(v.len() - 1);
    let n: u64 = digits.parse().ok()?;
    Some(match unit {
        "H" => Duration::from_secs(n.saturating_mul(3600)),
        "M" => Duration::from_secs(n.saturating_mul(60)),
        "S" => Duration::from_secs(n),
        "m" => Duration::from_millis(n),
        "u" => Duration::from_micros(n),
        "n" => Duration::from_nanos(n),
        _ => return None,
    })
}

/// Runs one RPC: span with method and request id, deadline (the client's, capped by the server's), outcome
/// and latency in the log, and the error mapped to a status.
pub async fn handle<T, F, Fut>(
    method: &'static str,
    meta: &MetadataMap,
    cap: Duration,
    f: F,
) -> Result<Response<T>, Status>
where
    F: FnOnce(RequestContext) -> Fut,
    Fut: Future<Output = Result<T, ServiceError>>,
{
    let ctx = RequestContext::from_metadata(meta);
    let span = tracing::info_span!("rpc", method, request_id = %ctx.request_id, tenant = ctx.tenant.as_deref().unwrap_or("-"));
    let timeout = ctx.deadline.map_or(cap, |d| d.min(cap));
    async move {
        let started = Instant::now();
        let result = match tokio::time::timeout(timeout, f(ctx)).await {
            Ok(r) => r,
            Err(_) => Err(ServiceError::DeadlineExceeded),
        };
        let latency_ms = started.elapsed().as_secs_f64() * 1000.0;
        match result {
            Ok(v) => {
                tracing::info!(latency_ms, code = "OK", "rpc done");
                Ok(Response::new(v))
            }
            Err(e) => {
                let status = Status::from(e);
                tracing::warn!(latency_ms, code = ?status.code(), "rpc failed");
                Err(status)
            }
        }
    }
    .instrument(span)
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_grpc_timeouts() {
        assert_eq!(parse_grpc_timeout("100m"), Some(Duration::from_millis(100)));
        assert_eq!(parse_grpc_timeout("2S"), Some(Duration::from_secs(2)));
        assert_eq!(parse_grpc_timeout("1H"), Some(Duration::from_secs(3600)));
        assert_eq!(parse_grpc_timeout("5x"), None);
        assert_eq!(parse_grpc_timeout("m"), None);
        assert_eq!(parse_grpc_timeout("123456789S"), None);
    }
}
