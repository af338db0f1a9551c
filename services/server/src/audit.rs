//! `AuditService`: the jobcenter's data protection officer reads back its own audit trail, by citizen or by
//! period. Reading the trail needs the `audit` right and reaches the caller's own jobcenter only.

use jobmatch_indexer::date::parse_days;
use jobmatch_indexer::limits;
use jobmatch_proto::v1::audit_service_server::AuditService;
use jobmatch_proto::v1::{AuditRecord, ReadAuditRequest, ReadAuditResponse};
use jobmatch_store::{AuditQuery, rfc3339_ms};
use tonic::{Request, Response, Status};

use crate::auth::Right;
use crate::context::handle;
use crate::error::ServiceError;
use crate::grpc::Api;

const DEFAULT_LIMIT: u32 = 1_000;
const MAX_LIMIT: u32 = 10_000;
const DAY_MS: u64 = 86_400_000;

/// The period of a request in ms since the epoch, [from, to).
fn period(req: &ReadAuditRequest) -> Result<(u64, u64), ServiceError> {
    let day = |field: &str, s: &str| {
        parse_days(s)
            .filter(|d| *d >= 0)
            .map(|d| d as u64 * DAY_MS)
            .ok_or_else(|| {
                ServiceError::invalid(field, "must be an ISO date (YYYY-MM-DD) from 1970 on")
            })
    };
    let from = if req.from.is_empty() {
        0
    } else {
        day("from", &req.from)?
    };
    let to = if req.to.is_empty() {
        u64::MAX
    } else {
        // Inclusive: the whole of the last day.
        day("to", &req.to)? + DAY_MS
    };
    if to <= from {
        return Err(ServiceError::invalid("to", "must not be before from"));
    }
    Ok((from, to))
}

#[tonic::async_trait]
impl AuditService for Api {
    async fn read_audit(
        &self,
        request: Request<ReadAuditRequest>,
    ) -> Result<Response<ReadAuditResponse>, Status> {
        let (meta, ext, req) = request.into_parts();
        handle(
            "ReadAudit",
            self.call(&meta, &ext),
            self.app().request_cap(),
            |ctx| async move {
                ctx.principal.require(Right::Audit)?;
                let jobcenter = crate::citizens::tenant(&ctx)?.to_string();
                if req.limit > MAX_LIMIT {
                    return Err(ServiceError::invalid(
                        "limit",
                        format!("must be at most {MAX_LIMIT}"),
                    ));
                }
                let mut v = jobmatch_indexer::Violations::default();
                for (b, value) in [
                    (&limits::registry::AUDIT_CITIZEN_REF, &req.citizen_ref),
                    (&limits::registry::AUDIT_FROM, &req.from),
                    (&limits::registry::AUDIT_TO, &req.to),
                ] {
                    b.check_str(&mut v, b.field(), value);
                }
                v.into_result().map_err(ServiceError::InvalidRecord)?;
                let (from_ms, to_ms) = period(&req)?;
                let limit = if req.limit == 0 {
                    DEFAULT_LIMIT
                } else {
                    req.limit
                } as usize;
                let query = AuditQuery {
                    jobcenter,
                    citizen_ref: Some(req.citizen_ref).filter(|r| !r.is_empty()),
                    from_ms,
                    to_ms,
                    // One more than asked tells whether the answer was cut short.
                    limit: limit + 1,
                };
                let mut entries = self.app().store.read_audit(&query).await?;
                let truncated = entries.len() > limit;
                entries.truncate(limit);
                Ok(ReadAuditResponse {
                    entries: entries
                        .into_iter()
                        .map(|e| AuditRecord {
                            at: rfc3339_ms(e.at_ms),
                            client: e.client,
                            jobcenter: e.jobcenter,
                            citizen_ref: e.citizen_ref,
                            method: e.method,
                            outcome: e.outcome,
                            request_id: e.request_id,
                        })
                        .collect(),
                    truncated,
                })
            },
        )
        .await
    }
}
