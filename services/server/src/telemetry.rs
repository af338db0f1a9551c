//! Logging and trace export: one `tracing` subscriber with a log layer (stderr, text or JSON) and, when
//! `telemetry.otlp_endpoint` is set, an OpenTelemetry layer that exports spans over OTLP/gRPC.

use std::time::Duration;

use opentelemetry::trace::TracerProvider as _;
use opentelemetry_otlp::{WithExportConfig, WithTonicConfig};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::trace::SdkTracerProvider;
use tracing::level_filters::LevelFilter;
use tracing_subscriber::filter::Targets;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer};

use crate::config::{LogFormat, TelemetryConfig};

#[derive(Debug, thiserror::Error)]
pub enum TelemetryError {
    #[error("trace export: cannot start its runtime: {0}")]
    Runtime(#[from] std::io::Error),
    #[error("trace export to {endpoint}: {source}")]
    Exporter {
        endpoint: String,
        source: opentelemetry_otlp::ExporterBuildError,
    },
}

/// Keeps trace export alive; dropping it flushes the spans not yet sent (at most a few seconds).
#[must_use = "dropping the guard stops trace export"]
pub struct Telemetry {
    provider: Option<SdkTracerProvider>,
    // The exporter's gRPC channel lives on this runtime, apart from the one serving requests, so exporting
    // never takes a worker a request is waiting for. Dropped after the provider has flushed.
    _runtime: Option<tokio::runtime::Runtime>,
}

impl Telemetry {
    /// Whether spans are exported (for the start-up log and health details).
    pub fn exporting(&self) -> bool {
        self.provider.is_some()
    }
}

impl Drop for Telemetry {
    fn drop(&mut self) {
        if let Some(provider) = self.provider.take()
            && let Err(e) = provider.shutdown()
        {
            eprintln!("trace export: last spans not sent: {e}");
        }
    }
}

/// Installs the global subscriber; `RUST_LOG` overrides the configured filter for the log and the export.
/// Safe to call more than once (later calls leave the first subscriber in place and export nothing).
pub fn init(format: LogFormat, filter: &str) {
    let _ = init_with_export(format, filter, &TelemetryConfig::default());
}

/// [`init`] with trace export as configured. Only spans and events of jobmatch's own crates are exported: the
/// exporter's own gRPC client logs through `tracing` too, and exporting those would feed on itself.
pub fn init_with_export(
    format: LogFormat,
    filter: &str,
    config: &TelemetryConfig,
) -> Result<Telemetry, TelemetryError> {
    let env_filter =
        || EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(filter));
    let log = tracing_subscriber::fmt::layer().with_writer(std::io::stderr);
    let log = match format {
        LogFormat::Json => log.json().with_current_span(true).boxed(),
        LogFormat::Text => log.boxed(),
    }
    .with_filter(env_filter());

    let mut telemetry = Telemetry {
        provider: None,
        _runtime: None,
    };
    let export = if config.otlp_endpoint.is_empty() {
        None
    } else {
        let (provider, runtime) = exporter(config)?;
        let layer = tracing_opentelemetry::layer()
            .with_tracer(provider.tracer("jobmatch"))
            .with_filter(env_filter())
            .with_filter(Targets::new().with_target("jobmatch", LevelFilter::TRACE));
        telemetry = Telemetry {
            provider: Some(provider),
            _runtime: Some(runtime),
        };
        Some(layer)
    };
    let _ = tracing_subscriber::registry()
        .with(log)
        .with(export)
        .try_init();
    install_panic_hook();
    Ok(telemetry)
}

/// A batching OTLP/gRPC exporter. The sampler comes from the standard `OTEL_TRACES_SAMPLER` and
/// `OTEL_TRACES_SAMPLER_ARG` variables (default: every trace, or as the caller's trace context says).
fn exporter(
    config: &TelemetryConfig,
) -> Result<(SdkTracerProvider, tokio::runtime::Runtime), TelemetryError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .thread_name("trace-export")
        .enable_all()
        .build()?;
    let exporter = {
        let _context = runtime.enter();
        opentelemetry_otlp::SpanExporter::builder()
            .with_tonic()
            .with_endpoint(config.otlp_endpoint.clone())
            .with_timeout(Duration::from_secs(5))
            .with_compression(opentelemetry_otlp::Compression::Gzip)
            .build()
            .map_err(|source| TelemetryError::Exporter {
                endpoint: config.otlp_endpoint.clone(),
                source,
            })?
    };
    let provider = SdkTracerProvider::builder()
        .with_batch_exporter(exporter)
        .with_resource(
            Resource::builder()
                .with_service_name(config.service_name.clone())
                .build(),
        )
        .build();
    Ok((provider, runtime))
}

/// Panics are logged through tracing (inside the request's span, so with its request id) with their place in
/// the code only. The default hook prints the panic message to stderr, and a message can quote the input that
/// caused it: a job goal, a CV text.
pub fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let location = info
            .location()
            .map(|l| format!("{}:{}", l.file(), l.line()))
            .unwrap_or_default();
        let thread = std::thread::current();
        tracing::error!(
            location = %location,
            thread = thread.name().unwrap_or("-"),
            "panic (message withheld: it may quote personal data)"
        );
    }));
}
