//! Thin tonic adapters: unwrap the request, call the index or the matcher on the work pool, map the result.

use std::sync::Arc;

use jobmatch_indexer::index::Outcome;
use jobmatch_indexer::ingest::first_violation;
use jobmatch_indexer::search::{CompanyQuery, Sort, search_companies};
use jobmatch_indexer::{Change, IndexError};
use jobmatch_proto::v1::company_service_server::CompanyService;
use jobmatch_proto::v1::match_service_server::MatchService;
use jobmatch_proto::v1::search_service_server::SearchService;
use jobmatch_proto::v1::taxonomy_service_server::TaxonomyService;
use jobmatch_proto::v1::{
    BulkUpsertRequest, BulkUpsertResponse, CloseNeedRequest, Company, CompanyHit,
    DeleteCompanyRequest, DeleteNeedRequest, DeleteResponse, Facet, FacetValue, GeoPoint,
    GetCompanyRequest, GetNeedRequest, Highlight, MatchCitizenRequest, MatchCitizenResponse, Need,
    NormalizeOccupationRequest, NormalizeOccupationResponse, Occupation, RecordError,
    SearchCompaniesRequest, SearchCompaniesResponse, SortOrder, UpsertResponse,
    bulk_upsert_request,
};
use tokio_stream::StreamExt;
use tonic::{Request, Response, Status, Streaming};

use crate::app::App;
use crate::context::handle;
use crate::error::ServiceError;

/// Records written per batch of a bulk stream.
const BULK_CHUNK: usize = 1_000;
/// Per-record errors returned by one bulk call; the count of rejected records stays exact beyond it.
const MAX_REPORTED_ERRORS: usize = 10_000;

#[derive(Clone)]
pub struct Api {
    app: Arc<App>,
}

impl Api {
    pub fn new(app: Arc<App>) -> Self {
        Api { app }
    }

    fn company(&self, cvr: &str) -> Result<Company, ServiceError> {
        let catalog = self.app.index.catalog()?;
        let c = catalog.company(cvr).ok_or_else(|| IndexError::NotFound {
            kind: "company",
            key: cvr.to_string(),
        })?;
        Ok(c.record.clone())
    }

    fn need(&self, need_id: &str) -> Result<Need, ServiceError> {
        let catalog = self.app.index.catalog()?;
        let n = catalog.need(need_id).ok_or_else(|| IndexError::NotFound {
            kind: "need",
            key: need_id.to_string(),
        })?;
        Ok(n.record.clone())
    }

    async fn delete(&self, change: Change) -> Result<DeleteResponse, ServiceError> {
        match self.apply_one(change).await? {
            Outcome::Deleted { key, count } => Ok(DeleteResponse {
                key,
                deleted: count,
            }),
            _ => Err(ServiceError::Unavailable),
        }
    }

    async fn apply_one(&self, change: Change) -> Result<Outcome, ServiceError> {
        let index = Arc::clone(&self.app.index);
        let mut report = self
            .app
            .pool
            .run(move || index.apply(vec![change], true))
            .await??;
        match report.outcomes.pop() {
            Some(Ok(o)) => Ok(o),
            Some(Err(rejected)) => Err(rejected.error.into()),
            None => Err(ServiceError::Unavailable),
        }
    }
}

fn require(field: &str, value: &str) -> Result<(), ServiceError> {
    if value.trim().is_empty() {
        Err(ServiceError::invalid(field, "is required"))
    } else {
        Ok(())
    }
}

fn upserted(o: Outcome) -> UpsertResponse {
    match o {
        Outcome::Upserted {
            key,
            created,
            warnings,
        } => UpsertResponse {
            key,
            created,
            warnings,
        },
        Outcome::Deleted { key, .. } | Outcome::StatusSet { key } => UpsertResponse {
            key,
            created: false,
            warnings: vec![],
        },
    }
}

#[tonic::async_trait]
impl CompanyService for Api {
    async fn upsert_company(
        &self,
        request: Request<Company>,
    ) -> Result<Response<UpsertResponse>, Status> {
        let (meta, _, company) = request.into_parts();
        handle(
            "UpsertCompany",
            &meta,
            self.app.request_cap(),
            |_ctx| async move {
                Ok(upserted(
                    self.apply_one(Change::UpsertCompany(company)).await?,
                ))
            },
        )
        .await
    }

    async fn get_company(
        &self,
        request: Request<GetCompanyRequest>,
    ) -> Result<Response<Company>, Status> {
        let (meta, _, req) = request.into_parts();
        handle(
            "GetCompany",
            &meta,
            self.app.request_cap(),
            |_ctx| async move {
                require("cvr", &req.cvr)?;
                self.company(&req.cvr)
            },
        )
        .await
    }

    async fn delete_company(
        &self,
        request: Request<DeleteCompanyRequest>,
    ) -> Result<Response<DeleteResponse>, Status> {
        let (meta, _, req) = request.into_parts();
        handle(
            "DeleteCompany",
            &meta,
            self.app.request_cap(),
            |_ctx| async move {
                require("cvr", &req.cvr)?;
                self.delete(Change::DeleteCompany(req.cvr)).await
            },
        )
        .await
    }

    async fn upsert_need(
        &self,
        request: Request<Need>,
    ) -> Result<Response<UpsertResponse>, Status> {
        let (meta, _, need) = request.into_parts();
        handle(
            "UpsertNeed",
            &meta,
            self.app.request_cap(),
            |_ctx| async move { Ok(upserted(self.apply_one(Change::UpsertNeed(need)).await?)) },
        )
        .await
    }

    async fn get_need(&self, request: Request<GetNeedRequest>) -> Result<Response<Need>, Status> {
        let (meta, _, req) = request.into_parts();
        handle(
            "GetNeed",
            &meta,
            self.app.request_cap(),
            |_ctx| async move {
                require("need_id", &req.need_id)?;
                self.need(&req.need_id)
            },
        )
        .await
    }

    async fn close_need(
        &self,
        request: Request<CloseNeedRequest>,
    ) -> Result<Response<Need>, Status> {
        let (meta, _, req) = request.into_parts();
        handle(
            "CloseNeed",
            &meta,
            self.app.request_cap(),
            |_ctx| async move {
                require("need_id", &req.need_id)?;
                let status = if req.status.is_empty() {
                    "closed".to_string()
                } else {
                    req.status
                };
                if status != "closed" && status != "filled" {
                    return Err(ServiceError::invalid("status", "must be closed or filled"));
                }
                self.apply_one(Change::SetNeedStatus {
                    need_id: req.need_id.clone(),
                    status,
                })
                .await?;
                self.need(&req.need_id)
            },
        )
        .await
    }

    async fn delete_need(
        &self,
        request: Request<DeleteNeedRequest>,
    ) -> Result<Response<DeleteResponse>, Status> {
        let (meta, _, req) = request.into_parts();
        handle(
            "DeleteNeed",
            &meta,
            self.app.request_cap(),
            |_ctx| async move {
                require("need_id", &req.need_id)?;
                self.delete(Change::DeleteNeed(req.need_id)).await
            },
        )
        .await
    }

    async fn bulk_upsert(
        &self,
        request: Request<Streaming<BulkUpsertRequest>>,
    ) -> Result<Response<BulkUpsertResponse>, Status> {
        let (meta, _, mut stream) = request.into_parts();
        handle(
            "BulkUpsert",
            &meta,
            self.app.request_cap(),
            |_ctx| async move {
                let mut resp = BulkUpsertResponse::default();
                let mut batch: Vec<Change> = Vec::with_capacity(BULK_CHUNK);
                let mut positions: Vec<u64> = Vec::with_capacity(BULK_CHUNK);
                let mut position = 0u64;
                loop {
                    let item = stream.next().await;
                    let done = item.is_none();
                    if let Some(item) = item {
                        position += 1;
                        match item {
                            Ok(BulkUpsertRequest {
                                record: Some(bulk_upsert_request::Record::Company(c)),
                            }) => {
                                batch.push(Change::UpsertCompany(c));
                                positions.push(position);
                            }
                            Ok(BulkUpsertRequest {
                                record: Some(bulk_upsert_request::Record::Need(n)),
                            }) => {
                                batch.push(Change::UpsertNeed(n));
                                positions.push(position);
                            }
                            Ok(BulkUpsertRequest { record: None }) => {
                                resp.rejected += 1;
                                push_error(
                                    &mut resp,
                                    RecordError {
                                        line: position,
                                        field: "record".into(),
                                        reason: "is empty: set company or need".into(),
                                        ..Default::default()
                                    },
                                );
                            }
                            // A broken stream ends the call; what was written so far is committed below.
                            Err(status) => {
                                resp.warnings.push(format!(
                                    "stream ended early at record {position}: {}",
                                    status.message()
                                ));
                                break;
                            }
                        }
                    }
                    if batch.len() >= BULK_CHUNK || (done && !batch.is_empty()) {
                        let index = Arc::clone(&self.app.index);
                        let changes = std::mem::take(&mut batch);
                        let report = self
                            .app
                            .pool
                            .run(move || index.apply(changes, false))
                            .await??;
                        resp.companies_upserted += report.companies_upserted;
                        resp.needs_upserted += report.needs_upserted;
                        for r in report.rejected() {
                            resp.rejected += 1;
                            let (field, reason) = first_violation(&r.error);
                            let line = positions.get(r.position).copied().unwrap_or(0);
                            push_error(
                                &mut resp,
                                RecordError {
                                    line,
                                    kind: r.kind.into(),
                                    key: r.key.clone(),
                                    field,
                                    reason,
                                },
                            );
                        }
                        positions.clear();
                    }
                    if done {
                        break;
                    }
                }
                let index = Arc::clone(&self.app.index);
                self.app.pool.run(move || index.commit()).await??;
                Ok(resp)
            },
        )
        .await
    }
}

fn push_error(resp: &mut BulkUpsertResponse, e: RecordError) {
    if resp.errors.len() < MAX_REPORTED_ERRORS {
        resp.errors.push(e);
    }
}

/// The opaque page cursor: offset and the query's fingerprint, so a cursor only continues its own query.
fn encode_cursor(offset: usize, fingerprint: u64) -> String {
    format!("{offset:x}.{fingerprint:016x}")
}

fn decode_cursor(cursor: &str, fingerprint: u64) -> Result<usize, ServiceError> {
    let bad = || ServiceError::invalid("cursor", "is not a cursor of this query");
    let (offset, fp) = cursor.split_once('.').ok_or_else(bad)?;
    let offset = usize::from_str_radix(offset, 16).map_err(|_| bad())?;
    let fp = u64::from_str_radix(fp, 16).map_err(|_| bad())?;
    if fp != fingerprint {
        return Err(bad());
    }
    Ok(offset)
}

fn company_query(
    req: SearchCompaniesRequest,
    tenant: Option<String>,
) -> Result<CompanyQuery, ServiceError> {
    if req.query.chars().count() > 500 {
        return Err(ServiceError::invalid(
            "query",
            "must be at most 500 characters",
        ));
    }
    let near = match req.near {
        None => None,
        Some(n) => {
            if !(n.radius_km > 0.0 && n.radius_km <= 500.0) {
                return Err(ServiceError::invalid(
                    "near.radius_km",
                    "must be > 0 and <= 500",
                ));
            }
            let (lat, lon) = match (n.point, n.postcode.as_str()) {
                (Some(GeoPoint { lat, lon }), "") => {
                    if !(-90.0..=90.0).contains(&lat) || !(-180.0..=180.0).contains(&lon) {
                        return Err(ServiceError::invalid(
                            "near.point",
                            "is not a WGS84 coordinate",
                        ));
                    }
                    (lat, lon)
                }
                (None, pc) if !pc.is_empty() => match jobmatch_refdata::postcode(pc) {
                    Some(p) => (p.lat, p.lon),
                    None => {
                        return Err(ServiceError::invalid(
                            "near.postcode",
                            "is not a Danish postcode",
                        ));
                    }
                },
                _ => {
                    return Err(ServiceError::invalid(
                        "near",
                        "give either point or postcode",
                    ));
                }
            };
            Some((lat, lon, n.radius_km))
        }
    };
    let sort = match SortOrder::try_from(req.sort).unwrap_or(SortOrder::Unspecified) {
        SortOrder::Unspecified | SortOrder::Relevance => Sort::Relevance,
        SortOrder::Distance if near.is_none() => {
            return Err(ServiceError::invalid("sort", "distance needs near"));
        }
        SortOrder::Distance => Sort::Distance,
        SortOrder::LastContact => Sort::LastContact,
    };
    for (i, m) in req.municipality_codes.iter().enumerate() {
        if jobmatch_refdata::municipality(m).is_none() {
            return Err(ServiceError::invalid(
                format!("municipality_codes[{i}]"),
                "is not a Danish municipality code",
            ));
        }
    }
    for (i, p) in req.industry_code_prefixes.iter().enumerate() {
        if p.is_empty() || p.len() > 6 || !p.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ServiceError::invalid(
                format!("industry_code_prefixes[{i}]"),
                "must be 1-6 digits",
            ));
        }
    }
    if !req.not_contacted_since.is_empty()
        && !jobmatch_indexer::date::is_valid(&req.not_contacted_since)
    {
        return Err(ServiceError::invalid(
            "not_contacted_since",
            "must be an ISO date (YYYY-MM-DD)",
        ));
    }
    if let (Some(lo), Some(hi)) = (req.min_employees, req.max_employees)
        && lo > hi
    {
        return Err(ServiceError::invalid(
            "min_employees",
            "must not exceed max_employees",
        ));
    }
    let page_size = match req.page_size {
        0 => 20,
        n if n > 100 => return Err(ServiceError::invalid("page_size", "must be at most 100")),
        n => n as usize,
    };
    let jobcenter = if req.jobcenter.is_empty() {
        tenant
    } else {
        Some(req.jobcenter)
    };
    let mut q = CompanyQuery {
        text: req.query,
        municipalities: req.municipality_codes,
        near,
        industry_prefixes: req.industry_code_prefixes,
        min_employees: req.min_employees,
        max_employees: req.max_employees,
        has_open_needs: req.has_open_needs,
        open_to_ordinary_hours: req.open_to_ordinary_hours,
        partnership: req.partnership,
        not_contacted_since: Some(req.not_contacted_since).filter(|s| !s.is_empty()),
        jobcenter,
        sort,
        page_size,
        offset: 0,
    };
    if !req.cursor.is_empty() {
        q.offset = decode_cursor(&req.cursor, q.fingerprint())?;
    }
    Ok(q)
}

#[tonic::async_trait]
impl SearchService for Api {
    async fn search_companies(
        &self,
        request: Request<SearchCompaniesRequest>,
    ) -> Result<Response<SearchCompaniesResponse>, Status> {
        let (meta, _, req) = request.into_parts();
        handle(
            "SearchCompanies",
            &meta,
            self.app.request_cap(),
            |ctx| async move {
                let q = company_query(req, ctx.tenant)?;
                let fingerprint = q.fingerprint();
                let index = Arc::clone(&self.app.index);
                let result = self
                    .app
                    .pool
                    .run(move || search_companies(&index, &q))
                    .await??;
                Ok(SearchCompaniesResponse {
                    total_hits: result.total,
                    next_cursor: result
                        .next_offset
                        .map(|o| encode_cursor(o, fingerprint))
                        .unwrap_or_default(),
                    hits: result
                        .hits
                        .into_iter()
                        .map(|h| CompanyHit {
                            company: Some(h.company),
                            score: h.score,
                            distance_km: h.distance_km.map(|d| (d * 10.0).round() / 10.0),
                            open_needs: h.open_needs,
                            highlights: h
                                .highlights
                                .into_iter()
                                .map(|(field, fragment)| Highlight { field, fragment })
                                .collect(),
                            industry_section: h.industry_section,
                        })
                        .collect(),
                    facets: result
                        .facets
                        .into_iter()
                        .map(|(name, values)| Facet {
                            name,
                            values: values
                                .into_iter()
                                .map(|v| FacetValue {
                                    value: v.value,
                                    label: v.label,
                                    count: v.count,
                                })
                                .collect(),
                        })
                        .collect(),
                })
            },
        )
        .await
    }
}

#[tonic::async_trait]
impl MatchService for Api {
    async fn match_citizen(
        &self,
        request: Request<MatchCitizenRequest>,
    ) -> Result<Response<MatchCitizenResponse>, Status> {
        let (meta, _, req) = request.into_parts();
        handle(
            "MatchCitizen",
            &meta,
            self.app.request_cap(),
            |ctx| async move {
                let citizen = req
                    .citizen
                    .ok_or_else(|| ServiceError::invalid("citizen", "is required"))?;
                let options = req.options.unwrap_or_default();
                let citizen_ref = citizen.citizen_ref.clone();
                let matcher = Arc::clone(&self.app.matcher);
                let response = self
                    .app
                    .pool
                    .run(move || matcher.match_citizen(citizen, &options))
                    .await??;
                // The audit trail records who read matches for which pseudonymous profile, on its own target so it
                // can be routed apart from operational logs. Written only after validation, so a refused (for
                // example CPR-shaped) reference never reaches it.
                tracing::info!(
                    target: "jobmatch::audit",
                    request_id = %ctx.request_id,
                    tenant = ctx.tenant.as_deref().unwrap_or("-"),
                    citizen_ref = %citizen_ref,
                    candidates = response.candidates.len(),
                    action = "match",
                    "audit"
                );
                Ok(response)
            },
        )
        .await
    }
}

#[tonic::async_trait]
impl TaxonomyService for Api {
    async fn normalize_occupation(
        &self,
        request: Request<NormalizeOccupationRequest>,
    ) -> Result<Response<NormalizeOccupationResponse>, Status> {
        let (meta, _, req) = request.into_parts();
        handle(
            "NormalizeOccupation",
            &meta,
            self.app.request_cap(),
            |_ctx| async move {
                if req.text.chars().count() > 200 {
                    return Err(ServiceError::invalid(
                        "text",
                        "must be at most 200 characters",
                    ));
                }
                let limit = match req.limit {
                    0 => 10,
                    n if n > 50 => {
                        return Err(ServiceError::invalid("limit", "must be at most 50"));
                    }
                    n => n as usize,
                };
                let tax = self.app.matcher.taxonomy();
                let occupations = tax
                    .normalize(&req.text, limit)
                    .into_iter()
                    .map(|m| Occupation {
                        esco_uri: m.esco_uri,
                        label: m.label,
                        isco_code: m.isco_code,
                        isco_title: m.isco_title,
                        score: m.score,
                        matched: m.matched,
                        kind: format!("{:?}", m.kind).to_lowercase(),
                    })
                    .collect();
                Ok(NormalizeOccupationResponse { occupations })
            },
        )
        .await
    }
}
