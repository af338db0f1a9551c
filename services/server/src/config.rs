//! Configuration: one typed struct, read from defaults, then a TOML file, then `JOBMATCH_*` environment
//! variables (nested keys with `__`, e.g. `JOBMATCH_RULES__HOURS_SLACK=4`), then command-line flags. Every key
//! is listed in the README's configuration table, which a test checks against this struct.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use jobmatch_matching::MatchRules;

use crate::auth::{AuthConfig, AuthMode};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Backend {
    /// One process: the shared state in a redb file in the data directory.
    Embedded,
    /// Several replicas: citizens, matches, runs, outcomes and the change log in Redis.
    Redis,
}

/// Where shared state lives.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StoreConfig {
    pub backend: Backend,
    /// Redis URL (`redis://host:port/db`; `rediss://` for TLS); may carry credentials.
    pub redis_url: String,
    /// Prefix of every Redis key, so several deployments can share one Redis.
    pub redis_prefix: String,
    /// Redis replicas a change-log append waits for (`WAIT`) before the write is acknowledged; 0 = none.
    pub wait_replicas: u32,
    /// How often the companies' records of paid hours are read from the store, in ms.
    pub records_refresh_ms: u64,
    /// Every this many seconds one replica writes a snapshot of all records and trims the change log behind
    /// it; 0 = never (the log grows).
    pub snapshot_interval_s: u64,
}

impl Default for StoreConfig {
    fn default() -> Self {
        StoreConfig {
            backend: Backend::Embedded,
            redis_url: "redis://127.0.0.1:6379/".into(),
            redis_prefix: "jobmatch".into(),
            wait_replicas: 0,
            records_refresh_ms: 30_000,
            snapshot_interval_s: 0,
        }
    }
}

/// The nightly rematch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RematchConfig {
    /// Whether a server works on a run in progress (one citizen at a time, beside its live requests).
    pub server_worker: bool,
    /// Candidates stored per citizen.
    pub k: u32,
    /// Citizens a worker takes from the run's queue at a time.
    pub batch: usize,
    /// A run whose workers all stopped renewing its lock for this long is abandoned, in ms.
    pub lock_ttl_ms: u64,
    /// Citizens a worker took and left unfinished for this long are taken over by another, in ms.
    pub reclaim_after_ms: u64,
}

impl Default for RematchConfig {
    fn default() -> Self {
        RematchConfig {
            server_worker: true,
            k: 20,
            batch: 16,
            lock_ttl_ms: 120_000,
            reclaim_after_ms: 60_000,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Address the gRPC server listens on.
    pub listen: SocketAddr,
    /// Address of the admin HTTP server (`/metrics`, `/livez`, `/readyz`); empty = none.
    pub admin_listen: String,
    /// Where the Tantivy index lives (the embedded default store).
    pub data_dir: PathBuf,
    /// Load the generated Danish demo data set when the index is empty.
    pub demo_data: bool,
    /// Memory budget of the index writer, in MB.
    pub writer_memory_mb: usize,
    /// Upper bound for any request; a shorter client deadline (grpc-timeout) wins.
    pub request_timeout_ms: u64,
    /// Upper bound for a whole `BulkUpsert` stream (it is one transaction, committed at its end).
    pub bulk_timeout_ms: u64,
    /// Records one `BulkUpsert` stream may carry (they are held until the commit).
    pub bulk_max_records: usize,
    /// Largest request message accepted, in bytes; a larger one gets RESOURCE_EXHAUSTED.
    pub max_message_bytes: usize,
    /// Threads that run searches and matches off the async runtime (0 = one per core).
    pub search_threads: usize,
    /// Requests that may wait for a search thread; one more is refused with RESOURCE_EXHAUSTED.
    pub work_queue: usize,
    /// Writes that may wait for the writer; one more is refused with RESOURCE_EXHAUSTED.
    pub write_queue: usize,
    /// Concurrent requests (HTTP/2 streams) per client connection.
    pub max_concurrent_streams: u32,
    /// Memory of each taxonomy cache (goal readings, competence hints, need titles), in MB.
    pub cache_mb: u64,
    /// Log output: text or json.
    pub log_format: LogFormat,
    /// tracing filter directive, e.g. "info" or "jobmatch=debug".
    pub log_filter: String,
    /// Matching rules with their dated Danish parameters.
    pub rules: MatchRules,
    /// Where shared state lives (embedded, or Redis for several replicas).
    pub store: StoreConfig,
    /// The nightly rematch.
    pub rematch: RematchConfig,
    /// Who may call: none (open), mTLS or JWT.
    pub auth: AuthConfig,
    /// Trace export.
    pub telemetry: TelemetryConfig,
    /// Follow-up of paid hours and the "does it pay to work" calculator, with their dated rules.
    pub followup: jobmatch_followup::FollowUpConfig,
}

/// `[telemetry]`: where traces go besides the log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TelemetryConfig {
    /// OTLP/gRPC collector address for trace export (`http://host:4317`); empty = spans only in the log.
    pub otlp_endpoint: String,
    /// Service name in exported traces.
    pub service_name: String,
}

impl Default for TelemetryConfig {
    fn default() -> Self {
        TelemetryConfig {
            otlp_endpoint: String::new(),
            service_name: "jobmatch".into(),
        }
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 50051)),
            admin_listen: "127.0.0.1:9464".into(),
            data_dir: PathBuf::from(".jobmatch-data"),
            demo_data: true,
            writer_memory_mb: 64,
            request_timeout_ms: 10_000,
            bulk_timeout_ms: 600_000,
            bulk_max_records: 250_000,
            max_message_bytes: 4 << 20,
            search_threads: 0,
            work_queue: 64,
            write_queue: 64,
            max_concurrent_streams: 64,
            cache_mb: 16,
            log_format: LogFormat::Text,
            log_filter: "info".into(),
            rules: MatchRules::default(),
            store: StoreConfig::default(),
            rematch: RematchConfig::default(),
            auth: AuthConfig::default(),
            telemetry: TelemetryConfig::default(),
            followup: jobmatch_followup::FollowUpConfig::default(),
        }
    }
}

/// Keys given as flags; only the ones present override.
#[derive(Debug, Default, Serialize)]
pub struct FlagOverrides {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub listen: Option<SocketAddr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data_dir: Option<PathBuf>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub demo_data: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log_format: Option<LogFormat>,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("configuration: {0}")]
    Figment(#[from] Box<figment::Error>),
    #[error("configuration: {field}: {reason}")]
    Invalid { field: &'static str, reason: String },
}

impl Config {
    pub fn load(file: Option<&Path>, flags: FlagOverrides) -> Result<Config, ConfigError> {
        let mut fig = Figment::from(Serialized::defaults(Config::default()));
        if let Some(path) = file {
            fig = fig.merge(Toml::file_exact(path));
        }
        let config: Config = fig
            // JOBMATCH_CONFIG names the file and JOBMATCH_TOKEN is a client's bearer token (`jobmatch load`,
            // `jobmatch rematch` in a Job); neither is a key.
            .merge(
                Env::prefixed("JOBMATCH_")
                    .ignore(&["config", "token"])
                    .split("__"),
            )
            .merge(Serialized::defaults(flags))
            .extract()
            .map_err(Box::new)?;
        config.validate()?;
        Ok(config)
    }

    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.writer_memory_mb < 15 {
            return Err(ConfigError::Invalid {
                field: "writer_memory_mb",
                reason: "must be at least 15".into(),
            });
        }
        if self.request_timeout_ms == 0 {
            return Err(ConfigError::Invalid {
                field: "request_timeout_ms",
                reason: "must be > 0".into(),
            });
        }
        let positive: [(&'static str, u64); 7] = [
            ("bulk_timeout_ms", self.bulk_timeout_ms),
            ("bulk_max_records", self.bulk_max_records as u64),
            ("max_message_bytes", self.max_message_bytes as u64),
            ("work_queue", self.work_queue as u64),
            ("write_queue", self.write_queue as u64),
            (
                "max_concurrent_streams",
                u64::from(self.max_concurrent_streams),
            ),
            ("cache_mb", self.cache_mb),
        ];
        let positive = positive.into_iter().chain([
            ("store.records_refresh_ms", self.store.records_refresh_ms),
            ("rematch.k", u64::from(self.rematch.k)),
            ("rematch.batch", self.rematch.batch as u64),
            ("rematch.lock_ttl_ms", self.rematch.lock_ttl_ms),
            ("rematch.reclaim_after_ms", self.rematch.reclaim_after_ms),
        ]);
        for (field, value) in positive {
            if value == 0 {
                return Err(ConfigError::Invalid {
                    field,
                    reason: "must be > 0".into(),
                });
            }
        }
        if self.rematch.k > self.rules.max_k {
            return Err(ConfigError::Invalid {
                field: "rematch.k",
                reason: "must be at most rules.max_k".into(),
            });
        }
        if self.store.backend == Backend::Redis && !self.store.redis_url.starts_with("redis") {
            return Err(ConfigError::Invalid {
                field: "store.redis_url",
                reason: "must be a redis:// or rediss:// URL".into(),
            });
        }
        if !self.admin_listen.is_empty() && self.admin_listen.parse::<SocketAddr>().is_err() {
            return Err(ConfigError::Invalid {
                field: "admin_listen",
                reason: "must be a socket address such as 0.0.0.0:9464, or empty".into(),
            });
        }
        if !self.telemetry.otlp_endpoint.is_empty() {
            // The exporter connects lazily and only logs a failed export, so a typo here would go unseen.
            let uri = self.telemetry.otlp_endpoint.parse::<http::Uri>().ok();
            if uri.as_ref().and_then(|u| u.host()).is_none()
                || uri.as_ref().and_then(|u| u.scheme_str()) != Some("http")
            {
                return Err(ConfigError::Invalid {
                    field: "telemetry.otlp_endpoint",
                    reason: "must be an OTLP/gRPC address such as http://otel-collector:4317, or empty \
                             (TLS to the collector is not built in: use a collector beside the service)"
                        .into(),
                });
            }
        }
        if self.telemetry.service_name.trim().is_empty() {
            return Err(ConfigError::Invalid {
                field: "telemetry.service_name",
                reason: "must not be empty".into(),
            });
        }
        crate::auth::check_files(&self.auth).map_err(|e| ConfigError::Invalid {
            field: "auth",
            reason: e.to_string(),
        })?;
        let tls_cert = crate::auth::set(&self.auth.tls_cert);
        let tls_key = crate::auth::set(&self.auth.tls_key);
        if self.auth.mode == AuthMode::Mtls && (tls_cert.is_none() || tls_key.is_none()) {
            return Err(ConfigError::Invalid {
                field: "auth.tls_cert",
                reason: "mTLS needs tls_cert and tls_key".into(),
            });
        }
        if tls_cert.is_some() != tls_key.is_some() {
            return Err(ConfigError::Invalid {
                field: "auth.tls_key",
                reason: "tls_cert and tls_key go together".into(),
            });
        }
        if let Err((field, reason)) = self.followup.validate() {
            return Err(ConfigError::Invalid { field, reason });
        }
        if self.rules.reasonableness.is_empty() {
            return Err(ConfigError::Invalid {
                field: "rules.reasonableness",
                reason: "needs at least one rule".into(),
            });
        }
        if self.rules.max_k == 0
            || self.rules.default_k == 0
            || self.rules.default_k > self.rules.max_k
        {
            return Err(ConfigError::Invalid {
                field: "rules.default_k",
                reason: "must be 1..=max_k".into(),
            });
        }
        Ok(())
    }

    pub fn bulk_cap(&self) -> std::time::Duration {
        std::time::Duration::from_millis(self.bulk_timeout_ms)
    }

    pub fn threads(&self) -> usize {
        if self.search_threads > 0 {
            self.search_threads
        } else {
            std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(2)
        }
    }
}
