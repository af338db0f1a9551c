//! The gRPC server: the four jobmatch services, grpc.health.v1 and server reflection on one listener, with
//! request size limits, a bound on concurrent requests per connection, a health status that follows the real
//! state of the service, and graceful shutdown.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use jobmatch_proto::v1::audit_service_server::AuditServiceServer;
use jobmatch_proto::v1::calculator_service_server::CalculatorServiceServer;
use jobmatch_proto::v1::citizen_service_server::CitizenServiceServer;
use jobmatch_proto::v1::company_service_server::CompanyServiceServer;
use jobmatch_proto::v1::follow_up_service_server::FollowUpServiceServer;
use jobmatch_proto::v1::match_service_server::MatchServiceServer;
use jobmatch_proto::v1::rematch_service_server::RematchServiceServer;
use jobmatch_proto::v1::search_service_server::SearchServiceServer;
use jobmatch_proto::v1::taxonomy_service_server::TaxonomyServiceServer;
use tokio::net::TcpListener;
use tonic::transport::Server;
use tonic_health::ServingStatus;
use tonic_health::server::HealthReporter;

use crate::app::App;
use crate::grpc::Api;

/// The service names health reports on, besides the server as a whole ("").
const SERVICES: [&str; 9] = [
    "jobmatch.v1.CompanyService",
    "jobmatch.v1.SearchService",
    "jobmatch.v1.MatchService",
    "jobmatch.v1.TaxonomyService",
    "jobmatch.v1.CitizenService",
    "jobmatch.v1.RematchService",
    "jobmatch.v1.AuditService",
    "jobmatch.v1.FollowUpService",
    "jobmatch.v1.CalculatorService",
];

/// Serves until `shutdown` resolves, then drains requests. Every acknowledged write is already committed.
pub async fn serve(
    app: Arc<App>,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send,
) -> anyhow::Result<()> {
    let api = Api::new(Arc::clone(&app));
    crate::monitoring::init();
    if app.auth.is_open() {
        tracing::warn!(
            "AUTHENTICATION IS OFF (auth.mode = \"none\"): anyone who reaches the port may call, and the \
             x-jobmatch-tenant header names the jobcenter unchecked. Fine on a laptop with demo data; set \
             auth.mode = \"mtls\" or \"jwt\" before any real citizen data is stored"
        );
    }
    let tls = crate::auth::server_tls(&app.config.auth)?;
    let (admin_stop, admin_stopped) = tokio::sync::oneshot::channel::<()>();
    let admin_addr = app.config.admin_listen.parse::<std::net::SocketAddr>().ok();
    let admin = admin_addr.map(|addr| {
        let app = Arc::clone(&app);
        tokio::spawn(async move {
            let stop = async {
                let _ = admin_stopped.await;
            };
            if let Err(e) = crate::monitoring::serve_admin(app, addr, stop).await {
                tracing::error!(error = %e, %addr, "admin HTTP server failed");
            }
        })
    });
    let background = start_background(&app);
    let (health_reporter, health_service) = tonic_health::server::health_reporter();
    // The first status is set before the server accepts a call, so no client sees a service unknown.
    let initially = report_health(&app, &health_reporter, None).await;
    let health = tokio::spawn(watch_health(Arc::clone(&app), health_reporter, initially));
    let reflection = tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(jobmatch_proto::FILE_DESCRIPTOR_SET)
        .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
        .build_v1()?;
    // grpcurl 1.8 and other older clients only speak the v1alpha reflection protocol.
    let reflection_alpha = tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(jobmatch_proto::FILE_DESCRIPTOR_SET)
        .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
        .build_v1alpha()?;
    let addr = listener.local_addr()?;
    // Without TCP_NODELAY small responses wait for the peer's delayed ACK (about 40 ms on Linux).
    let incoming = tonic::transport::server::TcpIncoming::from(listener).with_nodelay(Some(true));
    let max = app.config.max_message_bytes;
    tracing::info!(%addr, "jobmatch gRPC server listening");
    let mut builder = Server::builder();
    if let Some(tls) = tls {
        builder = builder.tls_config(tls)?;
    }
    let result = builder
        .max_concurrent_streams(Some(app.config.max_concurrent_streams))
        .http2_keepalive_interval(Some(Duration::from_secs(30)))
        .layer(tower::util::MapResponseLayer::new(
            too_large_is_resource_exhausted,
        ))
        .add_service(health_service)
        .add_service(reflection)
        .add_service(reflection_alpha)
        .add_service(
            CompanyServiceServer::new(api.clone())
                .max_decoding_message_size(max)
                .max_encoding_message_size(max),
        )
        .add_service(
            SearchServiceServer::new(api.clone())
                .max_decoding_message_size(max)
                .max_encoding_message_size(max),
        )
        .add_service(
            MatchServiceServer::new(api.clone())
                .max_decoding_message_size(max)
                .max_encoding_message_size(max),
        )
        .add_service(
            TaxonomyServiceServer::new(api.clone())
                .max_decoding_message_size(max)
                .max_encoding_message_size(max),
        )
        .add_service(
            CitizenServiceServer::new(api.clone())
                .max_decoding_message_size(max)
                .max_encoding_message_size(max),
        )
        .add_service(
            FollowUpServiceServer::new(api.clone())
                .max_decoding_message_size(max)
                .max_encoding_message_size(max),
        )
        .add_service(
            CalculatorServiceServer::new(api.clone())
                .max_decoding_message_size(max)
                .max_encoding_message_size(max),
        )
        .add_service(
            RematchServiceServer::new(api.clone())
                .max_decoding_message_size(max)
                .max_encoding_message_size(max),
        )
        .add_service(
            AuditServiceServer::new(api)
                .max_decoding_message_size(max)
                .max_encoding_message_size(max),
        )
        .serve_with_incoming_shutdown(incoming, shutdown)
        .await;
    let _ = admin_stop.send(());
    if let Some(admin) = admin {
        let _ = admin.await;
    }
    // The tasks hold the app (and so the index writer's lock) until they are gone.
    for task in background.into_iter().chain([health]) {
        task.abort();
        let _ = task.await;
    }
    result?;
    tracing::info!("server stopped");
    Ok(())
}

/// The tasks that run beside the requests: the change-log follower (Redis), the refresh of the companies'
/// records of paid hours, the server's share of rematch runs and the periodic snapshot.
fn start_background(app: &Arc<App>) -> Vec<tokio::task::JoinHandle<()>> {
    let mut tasks = Vec::new();
    if let Some(r) = &app.replication {
        tasks.push(tokio::spawn(Arc::clone(r).follow(Arc::clone(&app.writer))));
        if app.config.demo_data {
            tasks.push(tokio::spawn(seed_demo_data(Arc::clone(app))));
        }
        if app.config.store.snapshot_interval_s > 0 {
            tasks.push(tokio::spawn(snapshots(Arc::clone(app))));
        }
    }
    {
        let app = Arc::clone(app);
        tasks.push(tokio::spawn(async move {
            let every = Duration::from_millis(app.config.store.records_refresh_ms);
            loop {
                if let Err(e) = app.refresh_company_records().await {
                    tracing::debug!(error = %e, "company records not refreshed");
                }
                tokio::time::sleep(every).await;
            }
        }));
    }
    if app.config.rematch.server_worker {
        tasks.push(tokio::spawn(crate::rematch::server_worker(Arc::clone(app))));
    }
    if app.audit_spool.is_some() {
        let app = Arc::clone(app);
        tasks.push(tokio::spawn(async move {
            loop {
                match app.drain_audit_spool().await {
                    Ok(0) => {}
                    Ok(n) => {
                        tracing::info!(entries = n, "spooled audit entries moved to the store")
                    }
                    Err(e) => tracing::debug!(error = %e, "audit spool not drained yet"),
                }
                tokio::time::sleep(Duration::from_secs(5)).await;
            }
        }));
    }
    tasks
}

/// With Redis, the demo data goes through the change log, once for the whole deployment: into a log that has
/// never held anything.
async fn seed_demo_data(app: Arc<App>) {
    let Some(r) = &app.replication else { return };
    let claim = format!("{}:demo-seeded", app.config.store.redis_prefix);
    loop {
        let result: Result<bool, crate::error::ServiceError> = async {
            let never_written =
                r.log.last_id().await?.is_none() && r.log.read_snapshot().await?.is_none();
            if !never_written {
                return Ok(false);
            }
            Ok(r.log.claim_once(&claim).await?)
        }
        .await;
        match result {
            Ok(true) => {
                let deadline = jobmatch_indexer::Deadline::none();
                match app.write(&deadline, crate::app::demo_changes()).await {
                    Ok(report) => tracing::info!(
                        companies = report.companies_upserted,
                        needs = report.needs_upserted,
                        "demo data written to the change log"
                    ),
                    Err(e) => tracing::warn!(error = %e, "demo data not written"),
                }
                return;
            }
            Ok(false) => return,
            Err(_) => tokio::time::sleep(Duration::from_secs(1)).await,
        }
    }
}

/// Every `snapshot_interval_s`, the replica that takes the turn writes a snapshot and trims the change log.
async fn snapshots(app: Arc<App>) {
    let Some(r) = &app.replication else { return };
    let every = Duration::from_secs(app.config.store.snapshot_interval_s);
    let turn = format!("{}:snapshot-turn", app.config.store.redis_prefix);
    loop {
        tokio::time::sleep(every).await;
        if !r.caught_up() {
            continue;
        }
        match r.log.claim_for(&turn, every / 2).await {
            Ok(true) => match r.snapshot(Duration::from_secs(3600)).await {
                Ok((at, n)) => {
                    tracing::info!(at = %at, records = n, "snapshot written, change log trimmed")
                }
                Err(e) => tracing::warn!(error = %e, "snapshot failed"),
            },
            Ok(false) => {}
            Err(e) => tracing::debug!(error = %e, "snapshot turn not taken"),
        }
    }
}

/// tonic answers a request message over the size limit with OUT_OF_RANGE; gRPC's code for it is
/// RESOURCE_EXHAUSTED (what other gRPC servers and clients send and expect). Such an answer has no body, only
/// headers, so the code is rewritten there.
fn too_large_is_resource_exhausted<B>(mut response: http::Response<B>) -> http::Response<B> {
    let headers = response.headers_mut();
    let out_of_range = headers
        .get("grpc-status")
        .is_some_and(|v| v.as_bytes() == b"11");
    let too_large = headers
        .get("grpc-message")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|m| m.contains("decoded%20message%20length%20too%20large"));
    if out_of_range && too_large {
        headers.insert("grpc-status", http::HeaderValue::from_static("8"));
    }
    response
}

/// How long the search pool may hold waiting work without finishing any before health says NOT_SERVING:
/// work stops at its deadline, so a pool this slow is stuck, not busy.
fn stall_limit(app: &App) -> Duration {
    (app.request_cap() * 3).max(Duration::from_secs(30))
}

/// True when the process works: every work thread alive and the search pool not stuck.
pub fn alive(app: &App) -> bool {
    let stall = stall_limit(app);
    app.pool.stats().healthy(stall)
        && app
            .writer
            .stats()
            .alive
            .load(std::sync::atomic::Ordering::Relaxed)
            == app.writer.stats().threads
}

/// True when the service can answer: alive, caught up with the change log, the index readable.
pub fn healthy(app: &App) -> bool {
    app.caught_up() && alive(app) && index_readable(app)
}

fn index_readable(app: &App) -> bool {
    let snapshot = app.index.snapshot();
    let kind = tantivy::Term::from_field_text(app.index.fields().kind, "company");
    snapshot.searcher.doc_freq(&kind).is_ok()
}

/// Sets the health of the server and each service when it changed since `last`; returns it.
async fn report_health(app: &App, reporter: &HealthReporter, last: Option<bool>) -> bool {
    let ok = healthy(app);
    if last != Some(ok) {
        let status = if ok {
            ServingStatus::Serving
        } else {
            if app.caught_up() {
                tracing::error!("health check failed: reporting NOT_SERVING");
            } else {
                // A replica that is still applying the change log is expected to wait, not broken.
                tracing::info!("catching up with the change log: reporting NOT_SERVING until done");
            }
            ServingStatus::NotServing
        };
        for service in std::iter::once("").chain(SERVICES) {
            reporter.set_service_status(service, status).await;
        }
    }
    ok
}

/// Keeps the health status current: checked every second.
async fn watch_health(app: Arc<App>, reporter: HealthReporter, mut last: bool) {
    let mut interval = tokio::time::interval(Duration::from_secs(1));
    loop {
        interval.tick().await;
        last = report_health(&app, &reporter, Some(last)).await;
    }
}

/// Resolves on SIGINT or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutdown signal received");
}
