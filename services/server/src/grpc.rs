//! Thin tonic adapters: check the request's bounds and tenancy, call the index or the matcher on a work pool,
//! map the result.
//!
//! Tenancy: the `x-jobmatch-tenant` header names the calling jobcenter. Company data is shared; a company's
//! relations to jobcenters are each jobcenter's own: a caller sees and filters on its own relation only, and
//! without a tenant on none. A request body can narrow what the header allows, never widen it.

use std::sync::Arc;

use jobmatch_indexer::index::Outcome;
use jobmatch_indexer::ingest::first_violation;
use jobmatch_indexer::search::{CompanyQuery, Sort, search_companies};
use jobmatch_indexer::{Change, Deadline, IndexError, Violations};
use jobmatch_indexer::{limits, validate};
use jobmatch_matching::Scope;
use jobmatch_proto::v1::company_service_server::CompanyService;
use jobmatch_proto::v1::match_service_server::MatchService;
use jobmatch_proto::v1::search_service_server::SearchService;
use jobmatch_proto::v1::taxonomy_service_server::TaxonomyService;
use jobmatch_proto::v1::{
    BulkUpsertRequest, BulkUpsertResponse, CloseNeedRequest, Company, CompanyHit,
    DeleteCompanyRequest, DeleteNeedRequest, DeleteResponse, Facet, FacetValue, GeoPoint,
    GetCompanyRequest, GetNeedRequest, Highlight, MatchCitizenRequest, MatchCitizenResponse,
    MatchNeedRequest, MatchNeedResponse, Need, NormalizeOccupationRequest,
    NormalizeOccupationResponse, Occupation, RecordError, SearchCompaniesRequest,
    SearchCompaniesResponse, SortOrder, UpsertResponse, bulk_upsert_request,
};
use tokio_stream::StreamExt;
use tonic::{Code, Request, Response, Status, Streaming};

use crate::app::App;
use crate::auth::Right;
use crate::context::Call;
use crate::context::{RequestContext, TENANT_HEADER, handle};
use crate::error::ServiceError;

/// Records of a bulk stream validated per job on the search pool while the stream comes in.
const BULK_CHUNK: usize = 1_000;
/// Per-record errors returned by one bulk call, and the length of each reason; the count of rejected records
/// stays exact beyond them. Together they keep the response far below 4 MiB.
const MAX_REPORTED_ERRORS: usize = 1_000;
const MAX_REASON_CHARS: usize = 300;

#[derive(Clone)]
pub struct Api {
    app: Arc<App>,
}

impl Api {
    pub fn new(app: Arc<App>) -> Self {
        Api { app }
    }

    pub(crate) fn app(&self) -> &Arc<App> {
        &self.app
    }

    /// The parts of an incoming call that `handle` authenticates.
    pub(crate) fn call<'a>(
        &'a self,
        meta: &'a tonic::metadata::MetadataMap,
        extensions: &'a tonic::Extensions,
    ) -> Call<'a> {
        Call {
            meta,
            extensions,
            auth: &self.app.auth,
        }
    }

    fn company(&self, cvr: &str, tenant: Option<&str>) -> Result<Company, ServiceError> {
        let snapshot = self.app.index.snapshot();
        let mut company = snapshot
            .company_record(cvr)?
            .ok_or_else(|| IndexError::NotFound {
                kind: "company",
                key: cvr.to_string(),
            })?;
        own_relations_only(&mut company, tenant);
        Ok(company)
    }

    fn need(&self, need_id: &str) -> Result<Need, ServiceError> {
        let snapshot = self.app.index.snapshot();
        Ok(snapshot
            .need_record(need_id)?
            .ok_or_else(|| IndexError::NotFound {
                kind: "need",
                key: need_id.to_string(),
            })?)
    }

    async fn delete(
        &self,
        deadline: &Deadline,
        change: Change,
    ) -> Result<DeleteResponse, ServiceError> {
        match self.write_one(deadline, change).await? {
            Outcome::Deleted { key, count } => Ok(DeleteResponse {
                key,
                deleted: count,
            }),
            _ => Err(ServiceError::Internal),
        }
    }

    /// One change as its own transaction. A request that expires before the commit is rolled back, so
    /// DEADLINE_EXCEEDED means "not written" unless the commit itself was under way.
    async fn write_one(
        &self,
        deadline: &Deadline,
        change: Change,
    ) -> Result<Outcome, ServiceError> {
        let mut report = self.app.write(deadline, vec![change]).await?;
        match report.outcomes.pop() {
            Some(Ok(o)) => Ok(o),
            Some(Err(rejected)) => Err(rejected.error.into()),
            None => Err(ServiceError::Internal),
        }
    }
}

/// Keeps only the caller's own relation (none without a tenant).
fn own_relations_only(company: &mut Company, tenant: Option<&str>) {
    company
        .jobcenter_relations
        .retain(|r| Some(r.municipality_code.as_str()) == tenant);
}

/// A company write as the caller may make it: a jobcenter writes its own relation and keeps the others'.
fn company_change(company: Company, tenant: Option<&str>) -> Change {
    match tenant {
        Some(j) => Change::UpsertCompanyAs {
            company,
            jobcenter: j.to_string(),
        },
        None => Change::UpsertCompany(company),
    }
}

/// Checks a key of a lookup request against its bound.
fn key(bound: &limits::Bound, value: &str) -> Result<(), ServiceError> {
    let mut v = Violations::default();
    bound.check_str(&mut v, bound.field(), value);
    if value.trim().is_empty() {
        v.add(bound.field(), "is required");
    }
    v.into_result().map_err(ServiceError::InvalidRecord)
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
        let (meta, ext, company) = request.into_parts();
        handle(
            "UpsertCompany",
            self.call(&meta, &ext),
            self.app.request_cap(),
            |ctx| async move {
                ctx.principal.require(Right::Ingest)?;
                let change = company_change(company, ctx.tenant.as_deref());
                Ok(upserted(self.write_one(&ctx.deadline, change).await?))
            },
        )
        .await
    }

    async fn get_company(
        &self,
        request: Request<GetCompanyRequest>,
    ) -> Result<Response<Company>, Status> {
        let (meta, ext, req) = request.into_parts();
        handle(
            "GetCompany",
            self.call(&meta, &ext),
            self.app.request_cap(),
            |ctx| async move {
                key(&limits::requests::CVR, &req.cvr)?;
                self.company(&req.cvr, ctx.tenant.as_deref())
            },
        )
        .await
    }

    async fn delete_company(
        &self,
        request: Request<DeleteCompanyRequest>,
    ) -> Result<Response<DeleteResponse>, Status> {
        let (meta, ext, req) = request.into_parts();
        handle(
            "DeleteCompany",
            self.call(&meta, &ext),
            self.app.request_cap(),
            |ctx| async move {
                ctx.principal.require(Right::Ingest)?;
                key(&limits::requests::DELETE_CVR, &req.cvr)?;
                self.delete(&ctx.deadline, Change::DeleteCompany(req.cvr))
                    .await
            },
        )
        .await
    }

    async fn upsert_need(
        &self,
        request: Request<Need>,
    ) -> Result<Response<UpsertResponse>, Status> {
        let (meta, ext, need) = request.into_parts();
        handle(
            "UpsertNeed",
            self.call(&meta, &ext),
            self.app.request_cap(),
            |ctx| async move {
                ctx.principal.require(Right::Ingest)?;
                let outcome = self
                    .write_one(&ctx.deadline, Change::UpsertNeed(need))
                    .await?;
                Ok(upserted(outcome))
            },
        )
        .await
    }

    async fn get_need(&self, request: Request<GetNeedRequest>) -> Result<Response<Need>, Status> {
        let (meta, ext, req) = request.into_parts();
        handle(
            "GetNeed",
            self.call(&meta, &ext),
            self.app.request_cap(),
            |_ctx| async move {
                key(&limits::requests::GET_NEED_ID, &req.need_id)?;
                self.need(&req.need_id)
            },
        )
        .await
    }

    async fn close_need(
        &self,
        request: Request<CloseNeedRequest>,
    ) -> Result<Response<Need>, Status> {
        let (meta, ext, req) = request.into_parts();
        handle(
            "CloseNeed",
            self.call(&meta, &ext),
            self.app.request_cap(),
            |ctx| async move {
                ctx.principal.require(Right::Ingest)?;
                key(&limits::requests::CLOSE_NEED_ID, &req.need_id)?;
                let status = if req.status.is_empty() {
                    "closed".to_string()
                } else {
                    req.status
                };
                if status != "closed" && status != "filled" {
                    return Err(ServiceError::invalid("status", "must be closed or filled"));
                }
                self.write_one(
                    &ctx.deadline,
                    Change::SetNeedStatus {
                        need_id: req.need_id.clone(),
                        status,
                    },
                )
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
        let (meta, ext, req) = request.into_parts();
        handle(
            "DeleteNeed",
            self.call(&meta, &ext),
            self.app.request_cap(),
            |ctx| async move {
                ctx.principal.require(Right::Ingest)?;
                key(&limits::requests::DELETE_NEED_ID, &req.need_id)?;
                self.delete(&ctx.deadline, Change::DeleteNeed(req.need_id))
                    .await
            },
        )
        .await
    }

    /// The whole stream is one transaction: records are validated while they arrive and committed together
    /// at the end. A frame that cannot be decoded, a broken or cancelled stream, or a stream over the deadline
    /// fails the call and writes nothing; a record that decodes but breaks a rule is reported and the rest go
    /// in.
    async fn bulk_upsert(
        &self,
        request: Request<Streaming<BulkUpsertRequest>>,
    ) -> Result<Response<BulkUpsertResponse>, Status> {
        let (meta, ext, mut stream) = request.into_parts();
        handle(
            "BulkUpsert",
            self.call(&meta, &ext),
            self.app.config.bulk_cap(),
            |ctx| async move {
                ctx.principal.require(Right::Ingest)?;
                let max_records = self.app.config.bulk_max_records;
                let mut resp = BulkUpsertResponse::default();
                let mut bulk = self.app.bulk(&ctx.deadline);
                // Stream position of each change written.
                let mut positions: Vec<u64> = Vec::new();
                let mut chunk: Vec<Change> = Vec::with_capacity(BULK_CHUNK);
                let mut position = 0u64;
                while let Some(item) = stream.next().await {
                    position += 1;
                    let record = item.map_err(|status| stream_failed(position, &status))?;
                    if position > max_records as u64 {
                        return Err(ServiceError::ResourceExhausted(format!(
                            "a BulkUpsert stream may carry at most {max_records} records \
                             (bulk_max_records); nothing was written"
                        )));
                    }
                    match record.record {
                        Some(bulk_upsert_request::Record::Company(c)) => {
                            chunk.push(company_change(c, ctx.tenant.as_deref()));
                            positions.push(position);
                        }
                        Some(bulk_upsert_request::Record::Need(n)) => {
                            chunk.push(Change::UpsertNeed(n));
                            positions.push(position);
                        }
                        None => {
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
                    }
                    if chunk.len() >= BULK_CHUNK {
                        let changes = std::mem::replace(&mut chunk, Vec::with_capacity(BULK_CHUNK));
                        bulk.push(self.app.prepare(&ctx.deadline, changes).await?)
                            .await?;
                    }
                }
                if !chunk.is_empty() {
                    bulk.push(self.app.prepare(&ctx.deadline, chunk).await?)
                        .await?;
                }
                let report = bulk.finish(&ctx.deadline).await?;
                resp.companies_upserted += report.companies_upserted;
                resp.needs_upserted += report.needs_upserted;
                for r in report.rejected() {
                    resp.rejected += 1;
                    let (field, reason) = first_violation(&r.error);
                    push_error(
                        &mut resp,
                        RecordError {
                            line: positions.get(r.position).copied().unwrap_or(0),
                            kind: r.kind.into(),
                            key: r.key.chars().take(limits::KEY_CHARS).collect(),
                            field,
                            reason: reason.chars().take(MAX_REASON_CHARS).collect(),
                        },
                    );
                }
                resp.errors.sort_by_key(|e| e.line);
                crate::monitoring::ingested("company", "upserted", resp.companies_upserted);
                crate::monitoring::ingested("need", "upserted", resp.needs_upserted);
                crate::monitoring::ingested("record", "rejected", resp.rejected);
                Ok(resp)
            },
        )
        .await
    }
}

/// Why a stream ended before its end: nothing of it is written.
fn stream_failed(position: u64, status: &Status) -> ServiceError {
    let message: String = status.message().chars().take(200).collect();
    match status.code() {
        Code::OutOfRange | Code::ResourceExhausted => ServiceError::ResourceExhausted(format!(
            "record {position} is too large ({message}); nothing was written"
        )),
        Code::Internal | Code::InvalidArgument | Code::DataLoss => ServiceError::invalid(
            format!("records[{position}]"),
            format!("cannot be decoded ({message}); nothing was written"),
        ),
        // The client went away or the connection broke: it will not read the answer, but the log shows why.
        _ => ServiceError::Aborted(format!(
            "the stream broke at record {position} ({message}); nothing was written"
        )),
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

/// The jobcenter whose relations a search reads: the caller's. A body naming another jobcenter, or any
/// jobcenter without a tenant, is refused, and so are relation filters without a tenant.
fn search_jobcenter(
    req: &SearchCompaniesRequest,
    tenant: Option<String>,
) -> Result<Option<String>, ServiceError> {
    let denied = |what: &str| {
        ServiceError::PermissionDenied(format!(
            "{what} reads jobcenter relations, which only the jobcenter itself may read: send the \
             {TENANT_HEADER} header"
        ))
    };
    if !req.jobcenter.is_empty() && tenant.as_deref() != Some(req.jobcenter.as_str()) {
        return Err(ServiceError::PermissionDenied(format!(
            "jobcenter must be the caller's own ({TENANT_HEADER}), or empty"
        )));
    }
    if tenant.is_none() {
        let filters = [
            (
                "open_to_ordinary_hours",
                req.open_to_ordinary_hours.is_some(),
            ),
            ("partnership", req.partnership.is_some()),
            ("not_contacted_since", !req.not_contacted_since.is_empty()),
            (
                "sort SORT_ORDER_LAST_CONTACT",
                req.sort == SortOrder::LastContact as i32,
            ),
        ];
        if let Some((name, _)) = filters.iter().find(|(_, used)| *used) {
            return Err(denied(name));
        }
    }
    Ok(tenant)
}

fn company_query(
    req: SearchCompaniesRequest,
    tenant: Option<String>,
) -> Result<CompanyQuery, ServiceError> {
    let mut v = Violations::default();
    limits::search(&req, &mut v);
    v.into_result().map_err(ServiceError::InvalidRecord)?;
    let jobcenter = search_jobcenter(&req, tenant)?;
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
        if p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()) {
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
        let (meta, ext, req) = request.into_parts();
        handle(
            "SearchCompanies",
            self.call(&meta, &ext),
            self.app.request_cap(),
            |ctx| async move {
                let q = company_query(req, ctx.tenant.clone())?;
                let fingerprint = q.fingerprint();
                let index = Arc::clone(&self.app.index);
                let result = self
                    .app
                    .pool
                    .run(&ctx.deadline, move |d| search_companies(&index, &q, d))
                    .await??;
                Ok(SearchCompaniesResponse {
                    total_hits: result.total,
                    estimated: result.estimated,
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

/// A citizen is matched for the jobcenter that owns it: a caller naming another jobcenter's citizen is
/// refused.
fn check_citizen_owner(ctx: &RequestContext, municipality_code: &str) -> Result<(), ServiceError> {
    match ctx.tenant.as_deref() {
        Some(t) if t != municipality_code => Err(ServiceError::PermissionDenied(format!(
            "the citizen belongs to another jobcenter than the caller ({TENANT_HEADER})"
        ))),
        _ => Ok(()),
    }
}

#[tonic::async_trait]
impl MatchService for Api {
    async fn match_need(
        &self,
        request: Request<MatchNeedRequest>,
    ) -> Result<Response<MatchNeedResponse>, Status> {
        let (meta, ext, req) = request.into_parts();
        handle(
            "MatchNeed",
            self.call(&meta, &ext),
            self.app.request_cap(),
            |ctx| async move { self.match_need_for(&ctx, req).await },
        )
        .await
    }

    async fn match_citizen(
        &self,
        request: Request<MatchCitizenRequest>,
    ) -> Result<Response<MatchCitizenResponse>, Status> {
        let (meta, ext, req) = request.into_parts();
        handle(
            "MatchCitizen",
            self.call(&meta, &ext),
            self.app.request_cap(),
            |ctx| async move {
                let citizen = req
                    .citizen
                    .ok_or_else(|| ServiceError::invalid("citizen", "is required"))?;
                let options = req.options.unwrap_or_default();
                let gain_options = options.gain.clone();
                check_citizen_owner(&ctx, &citizen.municipality_code)?;
                let citizen_ref = citizen.citizen_ref.clone();
                let jobcenter = citizen.municipality_code.clone();
                let matcher = Arc::clone(&self.app.matcher);
                let tenant = ctx.tenant.clone();
                let mut response = self
                    .app
                    .pool
                    .run(&ctx.deadline, move |d| {
                        let scope = Scope {
                            deadline: d,
                            jobcenter: tenant.as_deref(),
                        };
                        matcher.match_citizen(citizen, &options, &scope)
                    })
                    .await??;
                crate::followup::attach_gains(
                    &self.app.config.followup,
                    gain_options.as_ref(),
                    &mut response.candidates,
                )?;
                // Written only after validation, so a refused (for example CPR-shaped) reference never
                // reaches the trail.
                debug_assert!(validate::is_plain_ref(&citizen_ref));
                let entry = crate::citizens::audit_entry(
                    &ctx,
                    Some(&jobcenter),
                    "MatchCitizen",
                    &citizen_ref,
                    "ok",
                );
                self.app.audit(&[entry]).await?;
                Ok(response)
            },
        )
        .await
    }
}

/// Citizens a MatchNeed answer may hold.
const MAX_NEED_CANDIDATES: u32 = 200;

impl Api {
    async fn match_need_for(
        &self,
        ctx: &RequestContext,
        req: MatchNeedRequest,
    ) -> Result<MatchNeedResponse, ServiceError> {
        let jobcenter = crate::citizens::tenant(ctx)?.to_string();
        let mut v = Violations::default();
        let b = limits::registry::MATCH_NEED_ID;
        b.check_str(&mut v, b.field(), &req.need_id);
        if req.need_id.trim().is_empty() {
            v.add("need_id", "is required");
        }
        if req.k > MAX_NEED_CANDIDATES {
            v.add("k", format!("must be at most {MAX_NEED_CANDIDATES}"));
        }
        v.into_result().map_err(ServiceError::InvalidRecord)?;
        let k = if req.k == 0 { 20 } else { req.k as usize };
        let citizens = self.app.store.citizens_of(&jobcenter).await?;
        let matcher = Arc::clone(&self.app.matcher);
        let need_id = req.need_id.clone();
        let tenant = jobcenter.clone();
        let resp = self
            .app
            .pool
            .run(&ctx.deadline, move |d| {
                let scope = Scope {
                    deadline: d,
                    jobcenter: Some(&tenant),
                };
                matcher.match_need(&need_id, citizens, k, &scope)
            })
            .await??;
        let entries: Vec<_> = resp
            .candidates
            .iter()
            .map(|c| crate::citizens::audit_entry(ctx, None, "MatchNeed", &c.citizen_ref, "listed"))
            .collect();
        self.app.audit(&entries).await?;
        Ok(resp)
    }
}

#[tonic::async_trait]
impl TaxonomyService for Api {
    async fn normalize_occupation(
        &self,
        request: Request<NormalizeOccupationRequest>,
    ) -> Result<Response<NormalizeOccupationResponse>, Status> {
        let (meta, ext, req) = request.into_parts();
        handle(
            "NormalizeOccupation",
            self.call(&meta, &ext),
            self.app.request_cap(),
            |ctx| async move {
                let mut v = Violations::default();
                limits::normalize(&req, &mut v);
                v.into_result().map_err(ServiceError::InvalidRecord)?;
                let limit = match req.limit {
                    0 => 10,
                    n if n > 50 => {
                        return Err(ServiceError::invalid("limit", "must be at most 50"));
                    }
                    n => n as usize,
                };
                let tax = self.app.matcher.taxonomy();
                let occupations = self
                    .app
                    .pool
                    .run(&ctx.deadline, move |_| tax.normalize(&req.text, limit))
                    .await?
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
