//! `CitizenService`: the registry of a jobcenter's citizens, their stored matches and placement outcomes.
//!
//! Every call needs a tenant (the `x-jobmatch-tenant` header) and reaches that jobcenter's citizens only:
//! another jobcenter's citizen is NOT_FOUND, exactly as one that does not exist, so nothing is revealed.
//! Every read or change of citizen data is written to the audit trail (the store's, apart from the logs)
//! before its answer leaves.

use jobmatch_indexer::{Violations, limits, validate};
use jobmatch_proto::v1::citizen_service_server::CitizenService;
use jobmatch_proto::v1::{
    CitizenProfile, DeleteCitizenRequest, DeleteCitizenResponse, GetCitizenRequest,
    GetMatchesRequest, ListPlacementOutcomesRequest, ListPlacementOutcomesResponse, MatchDiff,
    PlacementOutcome, PotentialChange, RecordPlacementOutcomeResponse, StoredCandidate,
    StoredMatchesResponse, UpsertResponse,
};
use jobmatch_store::{AuditEntry, HoursFrom, StoredMatches};
use tonic::{Request, Response, Status};

use crate::context::{RequestContext, TENANT_HEADER, handle};
use crate::error::ServiceError;
use crate::grpc::Api;

/// The caller's jobcenter: citizen data is never reached without one.
pub fn tenant(ctx: &RequestContext) -> Result<&str, ServiceError> {
    ctx.tenant.as_deref().ok_or_else(|| {
        ServiceError::PermissionDenied(format!(
            "citizen data belongs to a jobcenter: send the {TENANT_HEADER} header"
        ))
    })
}

fn not_found(citizen_ref: &str) -> ServiceError {
    ServiceError::NotFound(format!(
        "citizen '{}' not found",
        citizen_ref.escape_debug()
    ))
}

fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// An audit entry for one citizen reference. The trail is kept per jobcenter: the caller's, or for a national
/// client the citizen's own (so that jobcenter's data protection officer sees who read its citizens).
pub fn audit_entry(
    ctx: &RequestContext,
    jobcenter: Option<&str>,
    method: &str,
    citizen_ref: &str,
    outcome: &str,
) -> AuditEntry {
    AuditEntry {
        at_ms: now_ms(),
        client: ctx.principal.client.clone(),
        jobcenter: ctx
            .tenant
            .as_deref()
            .or(jobcenter)
            .unwrap_or("national")
            .to_string(),
        citizen_ref: citizen_ref.to_string(),
        method: method.to_string(),
        outcome: outcome.to_string(),
        request_id: ctx.request_id.clone(),
    }
}

/// The outcome word of a result, for the audit trail.
fn outcome_of<T>(result: &Result<T, ServiceError>) -> &'static str {
    match result {
        Ok(_) => "ok",
        Err(ServiceError::NotFound(_)) => "not_found",
        Err(ServiceError::PermissionDenied(_)) => "denied",
        Err(ServiceError::InvalidArgument { .. } | ServiceError::InvalidRecord(_)) => "invalid",
        Err(ServiceError::FailedPrecondition(_)) => "refused",
        Err(_) => "failed",
    }
}

impl Api {
    /// Writes the audit entry of a call on citizen data before its answer leaves: when the trail cannot be
    /// written, the caller gets UNAVAILABLE instead of the data, so no read goes unrecorded.
    pub(crate) async fn audited<T>(
        &self,
        ctx: &RequestContext,
        method: &str,
        citizen_ref: &str,
        result: Result<T, ServiceError>,
    ) -> Result<T, ServiceError> {
        let entry = audit_entry(ctx, None, method, citizen_ref, outcome_of(&result));
        self.app().audit(&[entry]).await.inspect_err(|e| {
            tracing::error!(error = %e, "the audit trail cannot be written; the call is refused");
        })?;
        result
    }
}

fn check_ref(bound: &limits::Bound, citizen_ref: &str) -> Result<(), ServiceError> {
    let mut v = Violations::default();
    bound.check_str(&mut v, bound.field(), citizen_ref);
    validate::citizen_ref(&mut v, bound.field(), citizen_ref);
    v.into_result().map_err(ServiceError::InvalidRecord)
}

impl Api {
    /// The stored profile, if it exists and belongs to the caller.
    async fn own_citizen(
        &self,
        ctx: &RequestContext,
        citizen_ref: &str,
    ) -> Result<CitizenProfile, ServiceError> {
        let jobcenter = tenant(ctx)?;
        match self.app().store.get_citizen(citizen_ref).await? {
            Some(c) if c.municipality_code == jobcenter => Ok(c),
            _ => Err(not_found(citizen_ref)),
        }
    }
}

fn stored_matches_response(m: StoredMatches) -> StoredMatchesResponse {
    StoredMatchesResponse {
        citizen_ref: m.citizen_ref,
        run_id: m.run_id,
        computed_at: m.computed_at,
        candidates: m
            .candidates
            .into_iter()
            .map(|c| StoredCandidate {
                rank: c.rank,
                need_id: c.need_id,
                cvr: c.cvr,
                company_name: c.company_name,
                title: c.title,
                score: c.score,
                distance_km: c.distance_km,
                fit_level: c.fit_level,
                expected_hours_per_week: c.expected_hours_per_week,
                hours_low: c.hours_low,
                hours_high: c.hours_high,
                explanation: c.explanation,
            })
            .collect(),
        diff: Some(MatchDiff {
            previous_run_id: m.diff.previous_run_id.unwrap_or_default(),
            new_need_ids: m.diff.new_need_ids,
            gone_need_ids: m.diff.gone_need_ids,
            potential_changed: m
                .diff
                .potential_changed
                .into_iter()
                .map(|p| PotentialChange {
                    need_id: p.need_id,
                    before: p.before,
                    after: p.after,
                })
                .collect(),
        }),
    }
}

fn to_stored_outcome(o: PlacementOutcome, jobcenter: &str) -> jobmatch_store::PlacementOutcome {
    jobmatch_store::PlacementOutcome {
        placement_id: o.placement_id,
        citizen_ref: o.citizen_ref,
        jobcenter: jobcenter.to_string(),
        cvr: o.cvr,
        need_id: o.need_id.filter(|n| !n.is_empty()),
        kind: o.kind,
        started: o.started,
        paid_hours: o
            .paid_hours
            .into_iter()
            .map(|h| HoursFrom {
                from: h.from,
                hours_per_week: h.hours_per_week,
            })
            .collect(),
        ended: o.ended.filter(|e| !e.is_empty()),
    }
}

fn from_stored_outcome(o: jobmatch_store::PlacementOutcome) -> PlacementOutcome {
    PlacementOutcome {
        placement_id: o.placement_id,
        citizen_ref: o.citizen_ref,
        cvr: o.cvr,
        need_id: o.need_id,
        kind: o.kind,
        started: o.started,
        paid_hours: o
            .paid_hours
            .into_iter()
            .map(|h| jobmatch_proto::v1::HoursFrom {
                from: h.from,
                hours_per_week: h.hours_per_week,
            })
            .collect(),
        ended: o.ended,
    }
}

#[tonic::async_trait]
impl CitizenService for Api {
    async fn upsert_citizen(
        &self,
        request: Request<CitizenProfile>,
    ) -> Result<Response<UpsertResponse>, Status> {
        let (meta, ext, mut citizen) = request.into_parts();
        handle(
            "UpsertCitizen",
            self.call(&meta, &ext),
            self.app().request_cap(),
            |ctx| async move {
                let jobcenter = tenant(&ctx)?;
                let warnings =
                    validate::citizen(&mut citizen).map_err(ServiceError::InvalidRecord)?;
                if citizen.municipality_code != jobcenter {
                    return Err(ServiceError::PermissionDenied(format!(
                        "municipality_code must be the caller's own jobcenter ({TENANT_HEADER})"
                    )));
                }
                // A reference owned by another jobcenter is not taken over (nor revealed).
                if let Some(existing) = self.app().store.get_citizen(&citizen.citizen_ref).await?
                    && existing.municipality_code != jobcenter
                {
                    return Err(ServiceError::FailedPrecondition(
                        "citizen_ref is in use; choose another reference".into(),
                    ));
                }
                let created = self.app().store.upsert_citizen(&citizen).await;
                let created = self
                    .audited(
                        &ctx,
                        "UpsertCitizen",
                        &citizen.citizen_ref,
                        created.map_err(ServiceError::from),
                    )
                    .await?;
                Ok(UpsertResponse {
                    key: citizen.citizen_ref,
                    created,
                    warnings,
                })
            },
        )
        .await
    }

    async fn get_citizen(
        &self,
        request: Request<GetCitizenRequest>,
    ) -> Result<Response<CitizenProfile>, Status> {
        let (meta, ext, req) = request.into_parts();
        handle(
            "GetCitizen",
            self.call(&meta, &ext),
            self.app().request_cap(),
            |ctx| async move {
                check_ref(&limits::registry::GET_CITIZEN_REF, &req.citizen_ref)?;
                let found = self.own_citizen(&ctx, &req.citizen_ref).await;
                self.audited(&ctx, "GetCitizen", &req.citizen_ref, found)
                    .await
            },
        )
        .await
    }

    async fn delete_citizen(
        &self,
        request: Request<DeleteCitizenRequest>,
    ) -> Result<Response<DeleteCitizenResponse>, Status> {
        let (meta, ext, req) = request.into_parts();
        handle(
            "DeleteCitizen",
            self.call(&meta, &ext),
            self.app().request_cap(),
            |ctx| async move {
                check_ref(&limits::registry::DELETE_CITIZEN_REF, &req.citizen_ref)?;
                let erased = async {
                    self.own_citizen(&ctx, &req.citizen_ref).await?;
                    Ok(self.app().store.erase_citizen(&req.citizen_ref).await?)
                }
                .await;
                let erased = self
                    .audited(&ctx, "DeleteCitizen", &req.citizen_ref, erased)
                    .await?;
                // Its outcomes no longer count in the companies' records.
                self.app().refresh_company_records().await?;
                Ok(DeleteCitizenResponse {
                    citizen_ref: req.citizen_ref,
                    profile: erased.profile,
                    matches: erased.matches,
                    outcomes: erased.outcomes,
                })
            },
        )
        .await
    }

    async fn get_matches(
        &self,
        request: Request<GetMatchesRequest>,
    ) -> Result<Response<StoredMatchesResponse>, Status> {
        let (meta, ext, req) = request.into_parts();
        handle(
            "GetMatches",
            self.call(&meta, &ext),
            self.app().request_cap(),
            |ctx| async move {
                check_ref(&limits::registry::MATCHES_CITIZEN_REF, &req.citizen_ref)?;
                let m = async {
                    self.own_citizen(&ctx, &req.citizen_ref).await?;
                    self.app()
                        .store
                        .latest_matches(&req.citizen_ref)
                        .await?
                        .ok_or_else(|| {
                            ServiceError::NotFound(
                                "no stored matches yet: the citizen has not been in a rematch run"
                                    .into(),
                            )
                        })
                }
                .await;
                let m = self
                    .audited(&ctx, "GetMatches", &req.citizen_ref, m)
                    .await?;
                Ok(stored_matches_response(m))
            },
        )
        .await
    }

    async fn record_placement_outcome(
        &self,
        request: Request<PlacementOutcome>,
    ) -> Result<Response<RecordPlacementOutcomeResponse>, Status> {
        let (meta, ext, outcome) = request.into_parts();
        handle(
            "RecordPlacementOutcome",
            self.call(&meta, &ext),
            self.app().request_cap(),
            |ctx| async move {
                validate::placement_outcome(&outcome).map_err(ServiceError::InvalidRecord)?;
                let placement_id = outcome.placement_id.clone();
                let citizen_ref = outcome.citizen_ref.clone();
                let recorded = async {
                    let citizen = self.own_citizen(&ctx, &outcome.citizen_ref).await?;
                    let stored = to_stored_outcome(outcome, &citizen.municipality_code);
                    Ok(self.app().store.record_outcome(&stored).await?)
                }
                .await;
                self.audited(&ctx, "RecordPlacementOutcome", &citizen_ref, recorded)
                    .await?;
                self.app().refresh_company_records().await?;
                Ok(RecordPlacementOutcomeResponse { placement_id })
            },
        )
        .await
    }

    async fn list_placement_outcomes(
        &self,
        request: Request<ListPlacementOutcomesRequest>,
    ) -> Result<Response<ListPlacementOutcomesResponse>, Status> {
        let (meta, ext, req) = request.into_parts();
        handle(
            "ListPlacementOutcomes",
            self.call(&meta, &ext),
            self.app().request_cap(),
            |ctx| async move {
                check_ref(&limits::registry::OUTCOMES_CITIZEN_REF, &req.citizen_ref)?;
                let outcomes = async {
                    self.own_citizen(&ctx, &req.citizen_ref).await?;
                    Ok(self.app().store.outcomes_of(&req.citizen_ref).await?)
                }
                .await;
                let outcomes = self
                    .audited(&ctx, "ListPlacementOutcomes", &req.citizen_ref, outcomes)
                    .await?;
                Ok(ListPlacementOutcomesResponse {
                    outcomes: outcomes.into_iter().map(from_stored_outcome).collect(),
                })
            },
        )
        .await
    }
}
