//! The nightly rematch: every registered citizen (of one jobcenter, or all) matched against the current index,
//! each result stored with what is new since the run before.
//!
//! A run's work is a queue in the store; any number of workers share it: `jobmatch rematch` processes (the
//! Kubernetes CronJob, an indexed Job of several pods) and server replicas (`rematch.server_worker`). A worker
//! takes a few citizens at a time, matches them on its own index, and stores each result with one atomic
//! completion; citizens a worker took and left (killed, stuck) are taken over by another after
//! `rematch.reclaim_after_ms`. The store being away pauses a worker, which goes on when it is back.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use jobmatch_indexer::Deadline;
use jobmatch_matching::Scope;
use jobmatch_proto::v1::rematch_service_server::RematchService;
use jobmatch_proto::v1::{
    GetRunRequest, MatchCitizenResponse, MatchOptions, RunProgress, StartRunRequest,
};
use jobmatch_store::{
    MatchDiff, RunSpec, RunStatus, StoreError, StoredCandidate, StoredMatches, WorkItem,
    now_rfc3339,
};
use tokio_stream::wrappers::ReceiverStream;
use tonic::{Request, Response, Status};

use crate::app::App;
use crate::auth::Right;
use crate::context::{TENANT_HEADER, handle};
use crate::error::ServiceError;
use crate::grpc::Api;

/// How long one citizen's match may take before it counts as failed.
const MATCH_TIMEOUT: Duration = Duration::from_secs(30);

/// Counts of one worker's share of a run.
#[derive(Debug, Default)]
pub struct WorkerCounts {
    pub stored: AtomicU64,
    pub failed: AtomicU64,
    pub store_errors: AtomicU64,
}

fn lock_ttl(app: &App) -> Duration {
    Duration::from_millis(app.config.rematch.lock_ttl_ms)
}

/// Starts a run over the registered citizens (of `jobcenter`, or all).
pub async fn start(app: &App, jobcenter: Option<String>) -> Result<RunStatus, ServiceError> {
    let spec = RunSpec {
        jobcenter,
        lock_ttl: lock_ttl(app),
    };
    Ok(app.store.start_run(&spec).await?)
}

/// A citizen's match as the store keeps it.
fn stored(
    citizen_ref: &str,
    jobcenter: &str,
    run_id: &str,
    resp: MatchCitizenResponse,
    previous: Option<&StoredMatches>,
) -> StoredMatches {
    let candidates: Vec<StoredCandidate> = resp
        .candidates
        .into_iter()
        .map(|c| {
            let need = c.need.unwrap_or_default();
            let hours = c.hours_potential.unwrap_or_default();
            StoredCandidate {
                rank: c.rank,
                need_id: need.need_id,
                cvr: c.cvr,
                company_name: c.company_name,
                title: need.title,
                score: c.score,
                distance_km: c.distance_km,
                fit_level: c.breakdown.map(|b| b.fit_level).unwrap_or_default(),
                expected_hours_per_week: hours.expected_hours_per_week,
                hours_low: hours.low,
                hours_high: hours.high,
                explanation: c.explanation,
            }
        })
        .collect();
    StoredMatches {
        citizen_ref: citizen_ref.to_string(),
        jobcenter: jobcenter.to_string(),
        run_id: run_id.to_string(),
        computed_at: now_rfc3339(),
        diff: MatchDiff::between(previous, &candidates),
        candidates,
    }
}

/// Matches one citizen of the run and stores the result.
async fn rematch_one(
    app: &App,
    run_id: &str,
    item: &WorkItem,
    counts: &WorkerCounts,
) -> Result<(), StoreError> {
    let Some(citizen) = app.store.get_citizen(&item.citizen_ref).await? else {
        // Erased after the run started: the completion only acknowledges it.
        let empty = StoredMatches {
            citizen_ref: item.citizen_ref.clone(),
            jobcenter: String::new(),
            run_id: run_id.to_string(),
            computed_at: now_rfc3339(),
            candidates: vec![],
            diff: MatchDiff::default(),
        };
        app.store.complete_work(run_id, item, &empty).await?;
        return Ok(());
    };
    let previous = app.store.latest_matches(&item.citizen_ref).await?;
    let matcher = Arc::clone(&app.matcher);
    let options = MatchOptions {
        k: app.config.rematch.k,
        ..Default::default()
    };
    let jobcenter = citizen.municipality_code.clone();
    let deadline = Deadline::after(MATCH_TIMEOUT);
    let scope_jobcenter = jobcenter.clone();
    let matched = app
        .pool
        .run(&deadline, move |d| {
            let scope = Scope {
                deadline: d,
                jobcenter: Some(&scope_jobcenter),
            };
            matcher.match_citizen(citizen, &options, &scope)
        })
        .await;
    match matched {
        Ok(Ok(resp)) => {
            let result = stored(
                &item.citizen_ref,
                &jobcenter,
                run_id,
                resp,
                previous.as_ref(),
            );
            if app.store.complete_work(run_id, item, &result).await? {
                counts.stored.fetch_add(1, Ordering::Relaxed);
            }
        }
        // A profile that no longer validates, or a match that timed out: counted, not retried forever.
        Ok(Err(e)) => {
            tracing::warn!(run_id, error = %e, "a citizen could not be matched in the run");
            app.store.fail_work(run_id, item).await?;
            counts.failed.fetch_add(1, Ordering::Relaxed);
        }
        Err(e) => {
            tracing::warn!(run_id, error = %e, "a citizen's match did not run");
            app.store.fail_work(run_id, item).await?;
            counts.failed.fetch_add(1, Ordering::Relaxed);
        }
    }
    Ok(())
}

/// Works on a run until it has ended, `concurrency` citizens at a time; calls `progress` now and then.
pub async fn work_run(
    app: &Arc<App>,
    run_id: &str,
    worker: &str,
    concurrency: usize,
    counts: &Arc<WorkerCounts>,
    mut progress: impl FnMut(&RunStatus),
) -> Result<RunStatus, ServiceError> {
    let cfg = &app.config.rematch;
    let reclaim = Duration::from_millis(cfg.reclaim_after_ms);
    let mut last_beat = Instant::now();
    let mut pause = Duration::from_millis(100);
    loop {
        let items = match app
            .store
            .claim_work(run_id, worker, cfg.batch, reclaim)
            .await
        {
            Ok(items) => items,
            Err(e) => {
                // The store is away: pause and go on when it is back.
                counts.store_errors.fetch_add(1, Ordering::Relaxed);
                tracing::warn!(run_id, error = %e, "rematch paused: the store is unavailable");
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(Duration::from_secs(5));
                continue;
            }
        };
        pause = Duration::from_millis(100);
        if items.is_empty() || last_beat.elapsed() > lock_ttl(app) / 4 {
            match app.store.heartbeat_run(run_id, lock_ttl(app)).await {
                Ok(status) => {
                    last_beat = Instant::now();
                    progress(&status);
                    if status.state != "running" {
                        return Ok(status);
                    }
                }
                Err(StoreError::NoSuchRun(r)) => return Err(ServiceError::NotFound(r)),
                Err(e) => {
                    counts.store_errors.fetch_add(1, Ordering::Relaxed);
                    tracing::warn!(run_id, error = %e, "rematch heartbeat failed");
                }
            }
            if items.is_empty() {
                // Others hold the last citizens: wait for them (or for their items to be reclaimable).
                tokio::time::sleep(Duration::from_millis(250)).await;
                continue;
            }
        }
        let semaphore = Arc::new(tokio::sync::Semaphore::new(concurrency.max(1)));
        let mut tasks = Vec::with_capacity(items.len());
        for item in items {
            let permit = Arc::clone(&semaphore).acquire_owned().await;
            let (app, counts, run_id) = (Arc::clone(app), Arc::clone(counts), run_id.to_string());
            tasks.push(tokio::spawn(async move {
                let _permit = permit;
                // An error leaves the item with this worker: it is retried, or taken over after a while.
                if let Err(e) = rematch_one(&app, &run_id, &item, &counts).await {
                    counts.store_errors.fetch_add(1, Ordering::Relaxed);
                    tracing::warn!(run_id, error = %e, "storing a rematch result failed");
                }
            }));
        }
        for t in tasks {
            let _ = t.await;
        }
    }
}

/// A worker name unique to this process.
pub fn worker_name() -> String {
    let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "local".into());
    format!(
        "{host}-{}-{}",
        std::process::id(),
        &uuid::Uuid::new_v4().simple().to_string()[..8]
    )
}

/// The server's share of the work: looks for a run in progress now and then and helps with it, one citizen
/// at a time, so live requests keep their threads.
pub async fn server_worker(app: Arc<App>) {
    let worker = worker_name();
    let counts = Arc::new(WorkerCounts::default());
    loop {
        tokio::time::sleep(Duration::from_secs(2)).await;
        if !app.caught_up() {
            continue;
        }
        let run = match app.store.current_run().await {
            Ok(Some(run)) if run.state == "running" => run,
            Ok(_) => continue,
            Err(e) => {
                tracing::debug!(error = %e, "no rematch run visible: store unavailable");
                continue;
            }
        };
        tracing::info!(run_id = %run.run_id, "helping with the rematch run");
        match work_run(&app, &run.run_id, &worker, 1, &counts, |_| {}).await {
            Ok(status) => tracing::info!(
                run_id = %status.run_id,
                state = %status.state,
                done = status.done,
                failed = status.failed,
                "rematch run ended"
            ),
            Err(e) => tracing::warn!(error = %e, "rematch work stopped"),
        }
    }
}

fn progress_message(s: RunStatus) -> RunProgress {
    RunProgress {
        run_id: s.run_id,
        jobcenter: s.jobcenter.unwrap_or_default(),
        state: s.state,
        total: s.total,
        done: s.done,
        failed: s.failed,
        new_candidates: s.new_candidates,
        started_at: s.started_at,
        finished_at: s.finished_at.unwrap_or_default(),
    }
}

type ProgressStream = ReceiverStream<Result<RunProgress, Status>>;

#[tonic::async_trait]
impl RematchService for Api {
    type StartRunStream = ProgressStream;

    async fn start_run(
        &self,
        request: Request<StartRunRequest>,
    ) -> Result<Response<ProgressStream>, Status> {
        let (meta, ext, req) = request.into_parts();
        let app = Arc::clone(self.app());
        handle(
            "StartRun",
            self.call(&meta, &ext),
            self.app().request_cap(),
            |ctx| async move {
                ctx.principal.require(Right::Rematch)?;
                let mut v = jobmatch_indexer::Violations::default();
                let b = jobmatch_indexer::limits::registry::RUN_JOBCENTER;
                b.check_str(&mut v, b.field(), &req.jobcenter);
                v.into_result().map_err(ServiceError::InvalidRecord)?;
                let jobcenter = match (ctx.tenant.as_deref(), req.jobcenter.as_str()) {
                    (Some(t), j) if j.is_empty() || j == t => Some(t.to_string()),
                    (Some(_), _) => {
                        return Err(ServiceError::PermissionDenied(format!(
                            "jobcenter must be the caller's own ({TENANT_HEADER}), or empty"
                        )));
                    }
                    (None, "") => None,
                    (None, j) if jobmatch_refdata::municipality(j).is_some() => Some(j.to_string()),
                    (None, _) => {
                        return Err(ServiceError::invalid(
                            "jobcenter",
                            "is not a Danish municipality code",
                        ));
                    }
                };
                let run = start(&app, jobcenter).await?;
                let (tx, rx) = tokio::sync::mpsc::channel(4);
                // Progress until the run ends or the client goes away (the run goes on without it).
                tokio::spawn(async move {
                    let mut last = None;
                    loop {
                        let status = match app.store.run_status(&run.run_id).await {
                            Ok(Some(s)) => s,
                            Ok(None) => break,
                            Err(_) => {
                                tokio::time::sleep(Duration::from_millis(500)).await;
                                continue;
                            }
                        };
                        let ended = status.state != "running";
                        if last.as_ref() != Some(&status) {
                            last = Some(status.clone());
                            if tx.send(Ok(progress_message(status))).await.is_err() {
                                break;
                            }
                        }
                        if ended {
                            break;
                        }
                        tokio::time::sleep(Duration::from_millis(500)).await;
                    }
                });
                Ok(ReceiverStream::new(rx))
            },
        )
        .await
    }

    async fn get_run(
        &self,
        request: Request<GetRunRequest>,
    ) -> Result<Response<RunProgress>, Status> {
        let (meta, ext, req) = request.into_parts();
        handle(
            "GetRun",
            self.call(&meta, &ext),
            self.app().request_cap(),
            |_ctx| async move {
                let mut v = jobmatch_indexer::Violations::default();
                let b = jobmatch_indexer::limits::registry::RUN_ID;
                b.check_str(&mut v, b.field(), &req.run_id);
                v.into_result().map_err(ServiceError::InvalidRecord)?;
                let store = &self.app().store;
                let status = if req.run_id.is_empty() {
                    store.current_run().await?
                } else {
                    store.run_status(&req.run_id).await?
                };
                status
                    .map(progress_message)
                    .ok_or_else(|| ServiceError::NotFound("no such rematch run".into()))
            },
        )
        .await
    }
}
