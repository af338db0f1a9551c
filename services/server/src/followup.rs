//! `FollowUpService` and `CalculatorService`: the adapters between gRPC, the store and the index on one side
//! and the pure follow-up functions (`jobmatch-followup`) on the other.
//!
//! Tenancy as in `CitizenService`: a citizen's progression only for the caller's own jobcenter (another
//! jobcenter's citizen is NOT_FOUND), a summary only of the caller's own jobcenter. Reads of citizen data are
//! audited. The calculator holds no personal data and needs no tenant.

use std::collections::HashMap;

use jobmatch_followup::calculator::{self, CalcError, GainInput};
use jobmatch_followup::progression::{PlacementContext, progression};
use jobmatch_followup::summary::{Period, Summary, calibration_by_decile, summarize};
use jobmatch_followup::{charts, dates, metrics};
use jobmatch_indexer::{Violations, limits, validate};
use jobmatch_matching::potential::{CompanyRecord, calibrated_likelihood};
use jobmatch_proto::v1::calculator_service_server::CalculatorService;
use jobmatch_proto::v1::follow_up_service_server::FollowUpService;
use jobmatch_proto::v1::{
    CalibrationBin, Candidate, GainAmount, GainOptions, GetJobcenterSummaryRequest,
    GetProgressionRequest, HoursAfterWeeks, JobcenterSummary, MonthShare, MonthlyGainRequest,
    MonthlyGainResponse, PlacementProgression, ProgressionFlag, ProgressionPoint,
    ProgressionResponse,
};
use jobmatch_store::PlacementOutcome;
use tonic::{Request, Response, Status};

use crate::citizens::tenant;
use crate::context::{RequestContext, handle};
use crate::error::ServiceError;
use crate::grpc::Api;

fn bounded(bound: &limits::Bound, value: &str) -> Result<(), ServiceError> {
    let mut v = Violations::default();
    bound.check_str(&mut v, bound.field(), value);
    v.into_result().map_err(ServiceError::InvalidRecord)
}

fn calc_error(e: CalcError) -> ServiceError {
    match e {
        CalcError::Invalid { field, reason } => ServiceError::invalid(field, reason),
        e @ CalcError::NoRule { .. } => ServiceError::FailedPrecondition(e.to_string()),
    }
}

fn gain_message(g: calculator::Gain) -> MonthlyGainResponse {
    MonthlyGainResponse {
        month: g.month,
        benefit_rate: g.rate,
        hours_per_month: g.hours_per_month,
        earnings_kr: g.earnings_kr,
        benefit_kr: g.benefit_kr,
        free_kr: g.free_kr,
        deducted_kr: g.deducted_kr,
        benefit_paid_kr: g.benefit_paid_kr,
        income_kr: g.income_kr,
        gain_kr: g.gain_kr,
        krone_for_krone: g.krone_for_krone,
        rule_valid_from: g.rule_valid_from,
        rule_source: g.rule_source,
        amounts: g
            .amounts
            .into_iter()
            .map(|a| GainAmount {
                name: a.name.to_string(),
                kr: a.kr,
                source: a.source,
            })
            .collect(),
        notes: g.notes,
    }
}

fn today() -> (i64, String) {
    let day = jobmatch_indexer::date::today_days();
    (day, dates::format(day))
}

/// Adds to each candidate the month's gain at its expected paid hours (MatchCitizen with `options.gain`).
pub fn attach_gains(
    config: &jobmatch_followup::FollowUpConfig,
    options: Option<&GainOptions>,
    candidates: &mut [Candidate],
) -> Result<(), ServiceError> {
    let Some(o) = options else { return Ok(()) };
    bounded(&limits::followup::OPTIONS_GAIN_RATE, &o.benefit_rate)?;
    bounded(&limits::followup::OPTIONS_GAIN_MONTH, &o.month)?;
    let month = if o.month.is_empty() {
        today().1[..7].to_string()
    } else {
        o.month.clone()
    };
    for c in candidates {
        let hours = c
            .hours_potential
            .as_ref()
            .map_or(0.0, |h| h.expected_hours_per_week);
        let input = GainInput {
            rate: o.benefit_rate.clone(),
            hours_per_week: hours,
            hourly_wage_kr: o.hourly_wage_kr,
            month: month.clone(),
            monthly_benefit_kr: o.monthly_benefit_kr,
            earnings_kr: None,
        };
        let gain = calculator::monthly_gain(&config.calculator, &input).map_err(|e| match e {
            CalcError::Invalid { field, reason } => {
                ServiceError::invalid(format!("options.gain.{field}"), reason)
            }
            other => calc_error(other),
        })?;
        c.gain = Some(gain_message(gain));
    }
    Ok(())
}

fn had_hours_and_measures(c: &jobmatch_proto::v1::CitizenProfile) -> (bool, bool) {
    (
        c.previous_ordinary_hours || c.experience.iter().any(|e| e.ordinary_hours),
        c.experience.iter().any(|e| !e.ordinary_hours),
    )
}

fn summary_message(s: Summary, chart_svg: String) -> JobcenterSummary {
    JobcenterSummary {
        municipality_code: s.jobcenter,
        as_of: s.as_of.unwrap_or_default(),
        placements_started: s.placements_started,
        placements_with_paid_hours: s.placements_with_paid_hours,
        share_with_paid_hours: s.share_with_paid_hours,
        hours_after: s
            .hours_after
            .into_iter()
            .map(|h| HoursAfterWeeks {
                weeks: h.weeks,
                placements: h.placements,
                median_hours_per_week: h.median_hours,
            })
            .collect(),
        citizens: s.citizens,
        citizens_hours_grew: s.citizens_hours_grew,
        share_hours_grew: s.share_hours_grew,
        companies_first_paid_hours: s.companies_first_paid_hours,
        by_month: s
            .by_month
            .into_iter()
            .map(|m| MonthShare {
                month: m.month,
                active: m.active,
                with_paid_hours: m.with_paid_hours,
                share: m.share,
            })
            .collect(),
        calibration: s
            .calibration
            .into_iter()
            .map(|b| CalibrationBin {
                decile: b.decile,
                placements: b.placements,
                mean_predicted: b.mean_predicted,
                observed_share: b.observed_share,
            })
            .collect(),
        chart_svg,
    }
}

fn parse_day(field: &'static str, s: &str) -> Result<Option<i64>, ServiceError> {
    if s.is_empty() {
        return Ok(None);
    }
    dates::parse(s)
        .map(Some)
        .ok_or_else(|| ServiceError::invalid(field, "must be an ISO date (YYYY-MM-DD)"))
}

impl Api {
    /// The jobcenter's outcomes and, per citizen, whether the profile shows earlier hours and measures.
    async fn jobcenter_outcomes(
        &self,
        jobcenter: &str,
    ) -> Result<(Vec<PlacementOutcome>, HashMap<String, (bool, bool)>), ServiceError> {
        let store = &self.app().store;
        let mut outcomes = Vec::new();
        let mut evidence = HashMap::new();
        for c in store.citizens_of(jobcenter).await? {
            outcomes.extend(
                store
                    .outcomes_of(&c.citizen_ref)
                    .await?
                    .into_iter()
                    .filter(|o| o.jobcenter == jobcenter),
            );
            evidence.insert(c.citizen_ref.clone(), had_hours_and_measures(&c));
        }
        Ok((outcomes, evidence))
    }

    /// Predicted likelihood at each placement's start against whether it gave paid hours; each placement is
    /// predicted from the records without its own outcome.
    async fn calibration_pairs(
        &self,
        outcomes: &[&PlacementOutcome],
        evidence: &HashMap<String, (bool, bool)>,
    ) -> Result<Vec<(f64, bool)>, ServiceError> {
        let records = self.app().store.company_evidence().await?;
        let record = |e: &jobmatch_store::CompanyEvidence| CompanyRecord {
            placements: e.placements,
            with_paid_hours: e.with_paid_hours,
        };
        let overall = CompanyRecord::total(records.values().map(record));
        Ok(outcomes
            .iter()
            .map(|o| {
                let observed = o.gave_paid_hours();
                let company = records
                    .get(&o.cvr)
                    .map_or_else(CompanyRecord::default, |e| record(e).without(observed));
                let (hours, measures) = evidence.get(&o.citizen_ref).copied().unwrap_or_default();
                let (p, _) =
                    calibrated_likelihood(hours, measures, company, overall.without(observed));
                (p, observed)
            })
            .collect())
    }

    async fn summary(
        &self,
        ctx: &RequestContext,
        req: GetJobcenterSummaryRequest,
    ) -> Result<JobcenterSummary, ServiceError> {
        bounded(
            &limits::followup::SUMMARY_MUNICIPALITY,
            &req.municipality_code,
        )?;
        bounded(&limits::followup::SUMMARY_FROM, &req.from)?;
        bounded(&limits::followup::SUMMARY_TO, &req.to)?;
        let jobcenter = tenant(ctx)?;
        if !req.municipality_code.is_empty() && req.municipality_code != jobcenter {
            return Err(ServiceError::PermissionDenied(
                "a jobcenter reads its own summary only".into(),
            ));
        }
        let period = Period {
            from: parse_day("from", &req.from)?,
            to: parse_day("to", &req.to)?,
        };
        let (outcomes, evidence) = self.jobcenter_outcomes(jobcenter).await?;
        // The metrics always cover the whole record, whatever period this request asks for.
        let all = summarize(jobcenter, &outcomes, Period::default());
        metrics::publish(&metrics::metric_rows(
            &all,
            self.app().config.followup.metrics_min_count,
        ));
        let mut summary = summarize(jobcenter, &outcomes, period);
        let in_period: Vec<&PlacementOutcome> = outcomes
            .iter()
            .filter(|o| dates::parse(&o.started).is_some_and(|d| period.contains(d)))
            .collect();
        summary.calibration =
            calibration_by_decile(&self.calibration_pairs(&in_period, &evidence).await?);
        let chart = if req.chart {
            charts::share_by_month_svg(jobcenter, &summary.by_month).map_err(|e| {
                tracing::error!(error = %e, "summary chart not drawn");
                ServiceError::Internal
            })?
        } else {
            String::new()
        };
        Ok(summary_message(summary, chart))
    }

    async fn progression_of(
        &self,
        ctx: &RequestContext,
        req: GetProgressionRequest,
    ) -> Result<ProgressionResponse, ServiceError> {
        let mut v = Violations::default();
        let bound = &limits::followup::PROGRESSION_CITIZEN_REF;
        bound.check_str(&mut v, bound.field(), &req.citizen_ref);
        validate::citizen_ref(&mut v, bound.field(), &req.citizen_ref);
        v.into_result().map_err(ServiceError::InvalidRecord)?;
        bounded(
            &limits::followup::PROGRESSION_TARGET_GROUP,
            &req.target_group,
        )?;
        let config = &self.app().config.followup;
        let target_group = if req.target_group.is_empty() {
            config.default_target_group.clone()
        } else {
            req.target_group.clone()
        };
        if !config
            .internship_limits
            .iter()
            .any(|l| l.target_group == target_group)
        {
            let known: std::collections::BTreeSet<&str> = config
                .internship_limits
                .iter()
                .map(|l| l.target_group.as_str())
                .collect();
            return Err(ServiceError::invalid(
                "target_group",
                format!("must be one of {known:?}"),
            ));
        }
        let jobcenter = tenant(ctx)?;
        let citizen = match self.app().store.get_citizen(&req.citizen_ref).await? {
            Some(c) if c.municipality_code == jobcenter => c,
            _ => {
                let missing = ServiceError::NotFound(format!(
                    "citizen '{}' not found",
                    req.citizen_ref.escape_debug()
                ));
                return self
                    .audited(ctx, "GetProgression", &req.citizen_ref, Err(missing))
                    .await;
            }
        };
        let outcomes = self.app().store.outcomes_of(&req.citizen_ref).await?;
        let (today_day, today) = today();
        let snapshot = self.app().index.snapshot();
        let rule = self.app().config.rules.reasonableness_on(&today).cloned();
        let mut contexts = HashMap::new();
        for o in &outcomes {
            let need = match o.need_id.as_deref() {
                Some(id) => snapshot.need_record(id)?,
                None => None,
            };
            let offered = need
                .and_then(|n| n.ordinary_hours)
                .filter(|h| h.offered && h.hours_per_week > 0)
                .map(|h| f64::from(h.hours_per_week));
            let (target_hours, target_source) = match offered {
                Some(h) => (h, "need"),
                None => (f64::from(citizen.available_hours_per_week), "citizen"),
            };
            let at_cap = match (snapshot.company_record(&o.cvr)?, &rule) {
                (Some(c), Some(r)) => {
                    c.supported_placements.max(0) as u32 >= r.cap(c.employees.max(0) as u32)
                }
                _ => false,
            };
            contexts.insert(
                o.placement_id.clone(),
                PlacementContext {
                    target_hours,
                    target_source: target_source.into(),
                    company_at_cap: at_cap,
                },
            );
        }
        let timelines = progression(
            config,
            &outcomes,
            |o| contexts.get(&o.placement_id).cloned().unwrap_or_default(),
            &target_group,
            today_day,
        );
        let mut placements = Vec::with_capacity(timelines.len());
        for p in timelines {
            let chart_svg = if req.charts {
                charts::progression_svg(&p, &today).map_err(|e| {
                    tracing::error!(error = %e, "progression chart not drawn");
                    ServiceError::Internal
                })?
            } else {
                String::new()
            };
            placements.push(PlacementProgression {
                placement_id: p.placement_id,
                cvr: p.cvr,
                need_id: p.need_id.unwrap_or_default(),
                kind: p.kind,
                started: p.started,
                ended: p.ended.unwrap_or_default(),
                running: p.running,
                weeks: p.weeks,
                points: p
                    .points
                    .into_iter()
                    .map(|pt| ProgressionPoint {
                        date: pt.date,
                        hours_per_week: pt.hours_per_week,
                    })
                    .collect(),
                current_hours_per_week: p.current_hours,
                target_hours_per_week: p.target_hours,
                target_source: p.target_source,
                flags: p
                    .flags
                    .into_iter()
                    .map(|f| ProgressionFlag {
                        code: f.code.to_string(),
                        message: f.message,
                    })
                    .collect(),
                chart_svg,
            });
        }
        self.audited(ctx, "GetProgression", &req.citizen_ref, Ok(()))
            .await?;
        Ok(ProgressionResponse {
            citizen_ref: req.citizen_ref,
            target_group,
            today,
            placements,
        })
    }
}

#[tonic::async_trait]
impl FollowUpService for Api {
    async fn get_progression(
        &self,
        request: Request<GetProgressionRequest>,
    ) -> Result<Response<ProgressionResponse>, Status> {
        let (meta, ext, req) = request.into_parts();
        handle(
            "GetProgression",
            self.call(&meta, &ext),
            self.app().request_cap(),
            |ctx| async move { self.progression_of(&ctx, req).await },
        )
        .await
    }

    async fn get_jobcenter_summary(
        &self,
        request: Request<GetJobcenterSummaryRequest>,
    ) -> Result<Response<JobcenterSummary>, Status> {
        let (meta, ext, req) = request.into_parts();
        handle(
            "GetJobcenterSummary",
            self.call(&meta, &ext),
            self.app().request_cap(),
            |ctx| async move { self.summary(&ctx, req).await },
        )
        .await
    }
}

#[tonic::async_trait]
impl CalculatorService for Api {
    async fn monthly_gain(
        &self,
        request: Request<MonthlyGainRequest>,
    ) -> Result<Response<MonthlyGainResponse>, Status> {
        let (meta, ext, req) = request.into_parts();
        handle(
            "MonthlyGain",
            self.call(&meta, &ext),
            self.app().request_cap(),
            |_ctx| async move {
                bounded(&limits::followup::GAIN_RATE, &req.benefit_rate)?;
                bounded(&limits::followup::GAIN_MONTH, &req.month)?;
                let input = GainInput {
                    rate: req.benefit_rate,
                    hours_per_week: req.hours_per_week,
                    hourly_wage_kr: req.hourly_wage_kr,
                    month: req.month,
                    monthly_benefit_kr: req.monthly_benefit_kr,
                    earnings_kr: req.earnings_kr,
                };
                let gain = calculator::monthly_gain(&self.app().config.followup.calculator, &input)
                    .map_err(calc_error)?;
                Ok(gain_message(gain))
            },
        )
        .await
    }
}
