//! Per-request context: request id, tenant (the calling jobcenter's municipality code) and deadline, read from
//! gRPC metadata. Every RPC runs through [`handle`], which opens its tracing span, enforces the deadline,
//! contains panics and logs the outcome with latency. Spans carry ids and codes only, never personal data.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::time::{Duration, Instant};

use futures_util::FutureExt;
use jobmatch_indexer::Deadline;
use tonic::metadata::{MetadataMap, MetadataValue};
use tonic::{Code, Response, Status};
use tracing::Instrument;

use crate::auth::{Authenticator, Principal};
use crate::error::ServiceError;

/// Header naming the calling jobcenter (municipality code).
pub const TENANT_HEADER: &str = "x-jobmatch-tenant";
pub const REQUEST_ID_HEADER: &str = "x-request-id";

#[derive(Debug, Clone)]
pub struct RequestContext {
    pub request_id: String,
    /// The authenticated caller.
    pub principal: Principal,
    /// The calling jobcenter, from the credential (or the tenant header when the server runs open). Without
    /// one, no jobcenter's private data (citizens, relations to companies) is read or shown.
    pub tenant: Option<String>,
    pub deadline: Deadline,
}

/// What `handle` needs of an incoming call: its metadata, its connection's extensions (the TLS session) and
/// the authenticator.
#[derive(Clone, Copy)]
pub struct Call<'a> {
    pub meta: &'a MetadataMap,
    pub extensions: &'a tonic::Extensions,
    pub auth: &'a Authenticator,
}

/// A request id the client may choose: letters, digits and '-', at most 64, and nothing shaped like a CPR
/// number (it is logged).
fn acceptable_request_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        && !jobmatch_indexer::cpr::contains_cpr(id)
}

/// A fresh request id. About one UUID in three hundred holds "dddddd-dddd", which is CPR-shaped; such an id
/// would look like a CPR number in every log line, so it is drawn again.
fn new_request_id() -> String {
    loop {
        let id = uuid::Uuid::new_v4().to_string();
        if !jobmatch_indexer::cpr::contains_cpr(&id) {
            return id;
        }
    }
}

/// The tenant header, if sent: exactly one value, a municipality code that exists. Anything else is refused
/// rather than ignored, because ignoring it would answer as if no tenant had been named.
pub fn parse_tenant(meta: &MetadataMap) -> Result<Option<String>, ServiceError> {
    let mut values = meta.get_all(TENANT_HEADER).iter();
    let Some(first) = values.next() else {
        return Ok(None);
    };
    let bad = |reason: &str| ServiceError::invalid(TENANT_HEADER, reason);
    if values.next().is_some() {
        return Err(bad("must be sent once"));
    }
    let value = first
        .to_str()
        .map_err(|_| bad("must be a 4-digit municipality code, e.g. 0751"))?;
    if value.len() != 4 || !value.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad("must be a 4-digit municipality code, e.g. 0751"));
    }
    if jobmatch_refdata::municipality(value).is_none() {
        return Err(bad("is not a Danish municipality code"));
    }
    Ok(Some(value.to_string()))
}

impl RequestContext {
    /// Reads the context; the request id is always set (generated when the client's is missing or refused), so
    /// even a refused request can be traced.
    pub fn from_call(call: Call<'_>, cap: Duration) -> (String, Result<RequestContext, Status>) {
        let meta = call.meta;
        let request_id = meta
            .get(REQUEST_ID_HEADER)
            .and_then(|v| v.to_str().ok())
            .filter(|id| acceptable_request_id(id))
            .map(str::to_string)
            .unwrap_or_else(new_request_id);
        let timeout = meta
            .get("grpc-timeout")
            .and_then(|v| v.to_str().ok())
            .and_then(parse_grpc_timeout)
            .map_or(cap, |d| d.min(cap));
        let ctx = call
            .auth
            .authenticate(meta, call.extensions)
            .and_then(|principal| {
                let tenant = call.auth.tenant(&principal, meta).map_err(Status::from)?;
                Ok(RequestContext {
                    request_id: request_id.clone(),
                    principal,
                    tenant,
                    deadline: Deadline::after(timeout),
                })
            });
        (request_id, ctx)
    }
}

/// Parses the gRPC `grpc-timeout` header: up to 8 digits and a unit (H, M, S, m, u, n).
pub fn parse_grpc_timeout(v: &str) -> Option<Duration> {
    let unit = v.chars().last()?;
    let digits = v.strip_suffix(unit)?;
    if digits.is_empty() || digits.len() > 8 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n: u64 = digits.parse().ok()?;
    Some(match unit {
        'H' => Duration::from_secs(n.saturating_mul(3600)),
        'M' => Duration::from_secs(n.saturating_mul(60)),
        'S' => Duration::from_secs(n),
        'm' => Duration::from_millis(n),
        'u' => Duration::from_micros(n),
        'n' => Duration::from_nanos(n),
        _ => return None,
    })
}

/// Counts panics caught in request handlers (outside the work pools, which count their own).
pub static HANDLER_PANICS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// Runs one RPC: span with method and request id, deadline (the client's, capped by `cap`), panics turned into
/// `INTERNAL`, outcome and latency in the log, the error mapped to a status, and the request id echoed in the
/// `x-request-id` response header.
pub async fn handle<T, F, Fut>(
    method: &'static str,
    call: Call<'_>,
    cap: Duration,
    f: F,
) -> Result<Response<T>, Status>
where
    F: FnOnce(RequestContext) -> Fut,
    Fut: Future<Output = Result<T, ServiceError>>,
{
    let (request_id, ctx) = RequestContext::from_call(call, cap);
    let (tenant, client) = match &ctx {
        Ok(c) => (
            c.tenant.clone().unwrap_or_else(|| "-".into()),
            c.principal.client.clone(),
        ),
        Err(_) => ("-".into(), "-".into()),
    };
    let span = tracing::info_span!("rpc", method, request_id = %request_id, tenant = %tenant, client = %client);
    async move {
        let started = Instant::now();
        let result = match ctx {
            Err(status) => Err(status),
            Ok(ctx) => {
                let deadline = ctx.deadline.clone();
                let timeout = deadline.remaining().unwrap_or(cap);
                // Dropping the request future (client gone) or timing out cancels work still running.
                let _cancel = deadline.cancel_on_drop();
                let work = AssertUnwindSafe(f(ctx)).catch_unwind();
                let result = match tokio::time::timeout(timeout, work).await {
                    Ok(Ok(r)) => r,
                    Ok(Err(_panic)) => {
                        HANDLER_PANICS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        crate::monitoring::panic_caught("handler");
                        Err(ServiceError::Internal)
                    }
                    Err(_) => Err(ServiceError::DeadlineExceeded),
                };
                result.map_err(|e| {
                    if matches!(e, ServiceError::StoreUnavailable(_)) {
                        crate::monitoring::store_error();
                    }
                    let status = Status::from(e);
                    if status.code() == Code::Internal {
                        // The id lets an operator find the log lines of exactly this failure.
                        Status::internal(format!("internal error (request id {request_id})"))
                    } else {
                        status
                    }
                })
            }
        };
        let elapsed = started.elapsed();
        let latency_ms = elapsed.as_secs_f64() * 1000.0;
        crate::monitoring::rpc_done(
            method,
            result.as_ref().map_or_else(|s| s.code(), |_| Code::Ok),
            elapsed,
        );
        let id_header = MetadataValue::try_from(request_id.as_str()).ok();
        match result {
            Ok(v) => {
                tracing::info!(latency_ms, code = "OK", "rpc done");
                let mut response = Response::new(v);
                if let Some(id) = id_header {
                    response.metadata_mut().insert(REQUEST_ID_HEADER, id);
                }
                Ok(response)
            }
            Err(mut status) => {
                if let Some(id) = id_header {
                    status.metadata_mut().insert(REQUEST_ID_HEADER, id);
                }
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
        assert_eq!(parse_grpc_timeout("12é"), None);
    }

    #[test]
    fn request_ids_that_look_like_cpr_numbers_are_not_used() {
        assert!(acceptable_request_id("readme-1"));
        assert!(!acceptable_request_id("010190-1234"));
        assert!(!acceptable_request_id("cpr-0101901234"));
        assert!(!acceptable_request_id("a b"));
    }

    #[test]
    fn generated_request_ids_never_look_like_cpr_numbers() {
        // "bc279827-2382-..." was one; at 1 in 300 this many draws all but surely meet several.
        for _ in 0..20_000 {
            let id = new_request_id();
            assert!(acceptable_request_id(&id), "{id}");
        }
    }

    #[test]
    fn malformed_tenants_are_refused() {
        for bad in ["abc", "07511", "", " 0751", "0751,0101", "9999"] {
            let mut meta = MetadataMap::new();
            meta.insert(TENANT_HEADER, bad.parse().unwrap());
            assert!(parse_tenant(&meta).is_err(), "{bad:?}");
        }
        let mut meta = MetadataMap::new();
        assert_eq!(parse_tenant(&meta).unwrap(), None);
        meta.insert(TENANT_HEADER, "0751".parse().unwrap());
        assert_eq!(parse_tenant(&meta).unwrap().as_deref(), Some("0751"));
        meta.append(TENANT_HEADER, "0101".parse().unwrap());
        assert!(parse_tenant(&meta).is_err());
    }
}
