//! Prometheus metrics and the admin HTTP server (`/metrics`, `/livez`, `/readyz`) on its own port, apart from
//! the gRPC port so a NetworkPolicy can open it to the monitoring namespace only.
//!
//! Labels carry method names, status codes, pool names and municipality codes, never a citizen reference or
//! any other request value: nothing personal reaches a metric.

use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use ::metrics::{counter, describe_counter, describe_gauge, describe_histogram, gauge, histogram};
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use tonic::Code;

use crate::App;

static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

/// Installs the process-wide recorder once; later calls (several servers in one test process) share it.
fn handle() -> Option<&'static PrometheusHandle> {
    HANDLE
        .get_or_init(|| {
            let latency_buckets = [
                0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
            ];
            let handle = PrometheusBuilder::new()
                .set_buckets_for_metric(
                    metrics_exporter_prometheus::Matcher::Full(
                        "jobmatch_rpc_duration_seconds".into(),
                    ),
                    &latency_buckets,
                )
                .ok()?
                .install_recorder()
                .ok()?;
            describe();
            Some(handle)
        })
        .as_ref()
}

fn describe() {
    describe_counter!(
        "jobmatch_rpc_requests_total",
        "RPCs answered, by method and gRPC status code"
    );
    describe_histogram!(
        "jobmatch_rpc_duration_seconds",
        metrics::Unit::Seconds,
        "RPC latency by method"
    );
    describe_counter!(
        "jobmatch_panics_caught_total",
        "panics caught and turned into INTERNAL, by where"
    );
    describe_counter!(
        "jobmatch_store_errors_total",
        "requests failed because the shared store (Redis) was unavailable"
    );
    describe_counter!(
        "jobmatch_ingested_records_total",
        "records written, by kind (company, need) and result"
    );
    describe_gauge!(
        "jobmatch_index_documents",
        "documents in the index, by kind"
    );
    describe_gauge!("jobmatch_index_segments", "segments of the index");
    describe_gauge!(
        "jobmatch_pool_queue_depth",
        "jobs waiting for a thread, by pool"
    );
    describe_gauge!(
        "jobmatch_rematch_citizens",
        "citizens of the rematch run in progress, by state (total, done, failed)"
    );
    describe_gauge!(
        "jobmatch_auth_open",
        "1 when the server runs without authentication"
    );
}

/// The metrics page as `/metrics` serves it (without the values read at scrape time); None when another
/// recorder was installed first.
pub fn render() -> Option<String> {
    handle().map(|h| h.render())
}

/// Makes sure the recorder exists (called at server start, so the first RPC is counted).
pub fn init() {
    let _ = handle();
}

fn code_label(code: Code) -> &'static str {
    match code {
        Code::Ok => "OK",
        Code::Cancelled => "CANCELLED",
        Code::Unknown => "UNKNOWN",
        Code::InvalidArgument => "INVALID_ARGUMENT",
        Code::DeadlineExceeded => "DEADLINE_EXCEEDED",
        Code::NotFound => "NOT_FOUND",
        Code::AlreadyExists => "ALREADY_EXISTS",
        Code::PermissionDenied => "PERMISSION_DENIED",
        Code::ResourceExhausted => "RESOURCE_EXHAUSTED",
        Code::FailedPrecondition => "FAILED_PRECONDITION",
        Code::Aborted => "ABORTED",
        Code::OutOfRange => "OUT_OF_RANGE",
        Code::Unimplemented => "UNIMPLEMENTED",
        Code::Internal => "INTERNAL",
        Code::Unavailable => "UNAVAILABLE",
        Code::DataLoss => "DATA_LOSS",
        Code::Unauthenticated => "UNAUTHENTICATED",
    }
}

pub fn rpc_done(method: &'static str, code: Code, elapsed: Duration) {
    counter!("jobmatch_rpc_requests_total", "method" => method, "code" => code_label(code))
        .increment(1);
    histogram!("jobmatch_rpc_duration_seconds", "method" => method).record(elapsed.as_secs_f64());
}

pub fn panic_caught(place: &'static str) {
    counter!("jobmatch_panics_caught_total", "where" => place).increment(1);
}

pub fn store_error() {
    counter!("jobmatch_store_errors_total").increment(1);
}

pub fn ingested(kind: &'static str, result: &'static str, n: u64) {
    if n > 0 {
        counter!("jobmatch_ingested_records_total", "kind" => kind, "result" => result)
            .increment(n);
    }
}

/// Values read at scrape time rather than pushed on every change.
async fn refresh(app: &App) {
    let snapshot = app.index.snapshot();
    let fields = app.index.fields();
    for kind in ["company", "need"] {
        let term = tantivy::Term::from_field_text(fields.kind, kind);
        if let Ok(n) = snapshot.searcher.doc_freq(&term) {
            gauge!("jobmatch_index_documents", "kind" => kind).set(n as f64);
        }
    }
    gauge!("jobmatch_index_segments").set(snapshot.searcher.segment_readers().len() as f64);
    for (pool, stats) in [("search", app.pool.stats()), ("writer", app.writer.stats())] {
        gauge!("jobmatch_pool_queue_depth", "pool" => pool).set(stats.queued() as f64);
        counter!("jobmatch_panics_caught_total", "where" => pool)
            .absolute(stats.panics.load(std::sync::atomic::Ordering::Relaxed));
    }
    gauge!("jobmatch_auth_open").set(if app.auth.is_open() { 1.0 } else { 0.0 });
    if let Ok(Some(run)) = app.store.current_run().await {
        gauge!("jobmatch_rematch_citizens", "state" => "total").set(run.total as f64);
        gauge!("jobmatch_rematch_citizens", "state" => "done").set(run.done as f64);
        gauge!("jobmatch_rematch_citizens", "state" => "failed").set(run.failed as f64);
    }
}

async fn metrics_page(State(app): State<Arc<App>>) -> impl IntoResponse {
    refresh(&app).await;
    match handle() {
        Some(h) => (StatusCode::OK, h.render()),
        None => (
            StatusCode::SERVICE_UNAVAILABLE,
            "metrics recorder not installed\n".to_string(),
        ),
    }
}

/// Alive: the work threads run and the search pool is not stuck. A failing liveness probe restarts the pod,
/// so an unreachable Redis does not count here (a restart would not cure it).
async fn livez(State(app): State<Arc<App>>) -> impl IntoResponse {
    if crate::server::alive(&app) {
        (StatusCode::OK, "alive\n")
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            "work threads dead or stuck\n",
        )
    }
}

/// Ready: alive, the index readable and caught up with the change log, and the store answering.
async fn readyz(State(app): State<Arc<App>>) -> impl IntoResponse {
    let index = crate::server::healthy(&app);
    let store = tokio::time::timeout(Duration::from_secs(2), app.store.ping())
        .await
        .is_ok_and(|r| r.is_ok());
    let auth = if app.auth.is_open() {
        "auth: NONE - the server is open to anyone who reaches it (set auth.mode)"
    } else {
        "auth: on"
    };
    let body = format!(
        "index: {}\nstore ({}): {}\n{auth}\n",
        if index { "ok" } else { "not ready" },
        app.store.backend(),
        if store { "ok" } else { "unreachable" }
    );
    let status = if index && store {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, body)
}

/// Serves the admin endpoints until `shutdown` resolves.
pub async fn serve_admin(
    app: Arc<App>,
    addr: SocketAddr,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    init();
    let router = Router::new()
        .route("/metrics", get(metrics_page))
        .route("/livez", get(livez))
        .route("/readyz", get(readyz))
        .with_state(app);
    let listener = tokio::net::TcpListener::bind(addr).await?;
    tracing::info!(addr = %listener.local_addr()?, "admin HTTP server listening (/metrics, /livez, /readyz)");
    axum::serve(listener, router)
        .with_graceful_shutdown(shutdown)
        .await?;
    Ok(())
}
