//! Test harness: the real jobmatch server on a free port of 127.0.0.1, reached over gRPC, plus builders for
//! valid records and helpers for the shared devset.
//!
//! ```ignore
//! let server = TestServer::start(false).await;
//! server.companies().upsert_company(company(&cvr(1), "Jensen Lager ApS", "521000", "8000")).await?;
//! ```

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use jobmatch_proto::v1::citizen_service_client::CitizenServiceClient;
use jobmatch_proto::v1::company_service_client::CompanyServiceClient;
use jobmatch_proto::v1::match_service_client::MatchServiceClient;
use jobmatch_proto::v1::rematch_service_client::RematchServiceClient;
use jobmatch_proto::v1::search_service_client::SearchServiceClient;
use jobmatch_proto::v1::taxonomy_service_client::TaxonomyServiceClient;
use jobmatch_proto::v1::{
    Address, BulkUpsertRequest, BulkUpsertResponse, CitizenProfile, Company, Home, HoursRange,
    JobGoal, JobcenterRelation, Need, OrdinaryHours, bulk_upsert_request,
};
use jobmatch_server::{App, Config};
use tempfile::TempDir;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tonic::transport::{Channel, Endpoint};

pub use jobmatch_proto::v1;

/// A running server. Dropping it signals shutdown; [`TestServer::stop`] also waits for the index commit.
pub struct TestServer {
    pub addr: SocketAddr,
    pub channel: Channel,
    pub app: Arc<App>,
    shutdown: Option<oneshot::Sender<()>>,
    handle: Option<JoinHandle<Result<(), String>>>,
    // Last, so the directory outlives the server task's handles on drop order.
    pub dir: TempDir,
}

impl TestServer {
    /// Starts a server on a fresh temporary data dir; `demo` loads the generated Danish demo data set.
    pub async fn start(demo: bool) -> TestServer {
        let dir = tempfile::tempdir().expect("tempdir");
        Self::start_in(dir, demo).await
    }

    /// Starts a server on an existing data dir (to check what survives a restart).
    pub async fn start_in(dir: TempDir, demo: bool) -> TestServer {
        Self::start_with(dir, demo, |_| {}).await
    }

    /// Starts a server on `dir` with configuration changed by `configure`.
    pub async fn start_with(
        dir: TempDir,
        demo: bool,
        configure: impl FnOnce(&mut Config),
    ) -> TestServer {
        let mut config = Config {
            data_dir: dir.path().to_path_buf(),
            demo_data: demo,
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            search_threads: 2,
            // Tests run many servers at once; the admin port is opened by the tests that need it.
            admin_listen: String::new(),
            ..Default::default()
        };
        configure(&mut config);
        // TEST_LOG=debug (or any filter) shows the server's log while a test runs.
        if let Ok(filter) = std::env::var("TEST_LOG") {
            jobmatch_server::telemetry::init(jobmatch_server::config::LogFormat::Text, &filter);
        }
        let app = tokio::task::spawn_blocking(move || App::open(config))
            .await
            .expect("App::open panicked")
            .expect("App::open");
        let app = Arc::new(app);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("local_addr");
        let (tx, rx) = oneshot::channel::<()>();
        let serve_app = Arc::clone(&app);
        let handle = tokio::spawn(async move {
            jobmatch_server::server::serve(serve_app, listener, async {
                let _ = rx.await;
            })
            .await
            .map_err(|e| format!("{e:#}"))
        });
        // A TLS server is reached by the test's own TLS channel; this one is only there to be replaced.
        let channel = if !app.config.auth.tls_cert.as_os_str().is_empty() {
            Endpoint::from_shared(format!("http://{addr}"))
                .expect("endpoint")
                .connect_lazy()
        } else {
            connect(addr).await
        };
        TestServer {
            addr,
            channel,
            app,
            shutdown: Some(tx),
            handle: Some(handle),
            dir,
        }
    }

    /// Waits (bounded) until health says SERVING: a replica serves once it has caught up with the change log.
    pub async fn wait_serving(&self) {
        use tonic_health::pb::HealthCheckRequest;
        use tonic_health::pb::health_client::HealthClient;
        let mut h = HealthClient::new(self.channel.clone());
        for _ in 0..500 {
            if let Ok(r) = h
                .check(HealthCheckRequest {
                    service: String::new(),
                })
                .await
                && r.into_inner().status
                    == tonic_health::pb::health_check_response::ServingStatus::Serving as i32
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("server at {} not SERVING within 10 s", self.addr);
    }

    pub fn citizens(&self) -> CitizenServiceClient<Channel> {
        CitizenServiceClient::new(self.channel.clone())
    }
    pub fn rematch(&self) -> RematchServiceClient<Channel> {
        RematchServiceClient::new(self.channel.clone())
    }

    pub fn companies(&self) -> CompanyServiceClient<Channel> {
        CompanyServiceClient::new(self.channel.clone())
    }
    pub fn search(&self) -> SearchServiceClient<Channel> {
        SearchServiceClient::new(self.channel.clone())
    }
    pub fn matcher(&self) -> MatchServiceClient<Channel> {
        MatchServiceClient::new(self.channel.clone())
    }
    pub fn taxonomy(&self) -> TaxonomyServiceClient<Channel> {
        TaxonomyServiceClient::new(self.channel.clone())
    }

    /// Graceful shutdown: signals, waits (bounded) for the server to drain and commit, returns the data dir.
    pub async fn stop(mut self) -> TempDir {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        // Drop our connection so the server does not wait on it while draining.
        self.channel = Endpoint::from_static("http://127.0.0.1:1").connect_lazy();
        if let Some(h) = self.handle.take() {
            let res = tokio::time::timeout(Duration::from_secs(10), h)
                .await
                .expect("server did not stop within 10 s")
                .expect("server task panicked");
            res.expect("server returned an error");
        }
        let dir = tempfile::tempdir().expect("tempdir");
        std::mem::replace(&mut self.dir, dir)
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(h) = self.handle.take() {
            h.abort();
        }
    }
}

/// Connects to a just-bound listener; retries (bounded) instead of sleeping before the first try.
pub async fn connect(addr: SocketAddr) -> Channel {
    let endpoint = Endpoint::from_shared(format!("http://{addr}"))
        .expect("endpoint")
        .connect_timeout(Duration::from_secs(2));
    let mut last = None;
    for attempt in 0..50u64 {
        match endpoint.connect().await {
            Ok(ch) => return ch,
            Err(e) => last = Some(e),
        }
        tokio::time::sleep(Duration::from_millis(10 * (attempt + 1).min(10))).await;
    }
    panic!("could not connect to {addr}: {last:?}");
}

/// A configuration change that points a server at a Redis: the shared store and the change log.
pub fn with_redis(url: &str, prefix: &str) -> impl FnOnce(&mut Config) + use<> {
    let (url, prefix) = (url.to_string(), prefix.to_string());
    move |c: &mut Config| {
        c.store.backend = jobmatch_server::config::Backend::Redis;
        c.store.redis_url = url;
        c.store.redis_prefix = prefix;
    }
}

// ---------------------------------------------------------------------------------------------------------
// Record builders: every record they return passes validation.

/// The n-th synthetic, valid CVR number (modulus 11), distinct for distinct n.
pub fn cvr(n: u32) -> String {
    let mut p = 3_000_000 + n * 13;
    loop {
        let prefix = p.to_string();
        if let Some(d) = jobmatch_refdata::cvr_check_digit(&prefix) {
            let c = format!("{prefix}{d}");
            assert!(jobmatch_refdata::cvr_is_valid(&c));
            return c;
        }
        p += 1;
    }
}

/// The same CVR with a wrong check digit.
pub fn bad_cvr(valid: &str) -> String {
    let (prefix, last) = valid.split_at(7);
    let d: u8 = last.parse().unwrap();
    let bad = format!("{prefix}{}", (d + 1) % 10);
    assert!(!jobmatch_refdata::cvr_is_valid(&bad));
    bad
}

/// A valid company at a Danish postcode (location and municipality derived by the server).
pub fn company(cvr: &str, name: &str, industry_code: &str, postcode: &str) -> Company {
    let pc = jobmatch_refdata::postcode(postcode).expect("test postcode exists");
    Company {
        cvr: cvr.into(),
        name: name.into(),
        industry_code: industry_code.into(),
        address: Some(Address {
            street: "Testvej 1".into(),
            postcode: postcode.into(),
            city: pc.city.clone(),
            municipality_code: pc.municipality_code.clone(),
        }),
        employees: 20,
        supported_placements: 0,
        ..Default::default()
    }
}

pub fn relation(municipality_code: &str) -> JobcenterRelation {
    JobcenterRelation {
        municipality_code: municipality_code.into(),
        ..Default::default()
    }
}

/// A valid, open need for light day work, 10-20 hours a week, no paid hours.
pub fn need(need_id: &str, cvr: &str, title: &str, isco: &str) -> Need {
    Need {
        need_id: need_id.into(),
        cvr: cvr.into(),
        title: title.into(),
        occupation_codes: vec![isco.into()],
        description: format!("Vi søger en {}.", title.to_lowercase()),
        hours_per_week: Some(HoursRange { min: 10, max: 20 }),
        ordinary_hours: Some(OrdinaryHours::default()),
        internship_possible: true,
        shifts: vec!["day".into()],
        physical_demand: "light".into(),
        danish_level: "none".into(),
        positions: 1,
        valid_until: "2099-12-31".into(),
        status: "open".into(),
        ..Default::default()
    }
}

/// A valid citizen living at `postcode` with one job goal, who can do most things.
pub fn citizen(citizen_ref: &str, postcode: &str, goal: &str) -> CitizenProfile {
    let pc = jobmatch_refdata::postcode(postcode).expect("test postcode exists");
    CitizenProfile {
        citizen_ref: citizen_ref.into(),
        municipality_code: pc.municipality_code.clone(),
        home: Some(Home {
            postcode: postcode.into(),
            ..Default::default()
        }),
        max_distance_km: 30.0,
        transport: "car".into(),
        job_goals: vec![JobGoal {
            text: goal.into(),
            occupation_code: None,
        }],
        danish_level: "fluent".into(),
        driving_licences: vec!["B".into()],
        available_hours_per_week: 20,
        shifts_possible: vec!["day".into(), "evening".into()],
        physical_capacity: "heavy".into(),
        ..Default::default()
    }
}

// ---------------------------------------------------------------------------------------------------------
// gRPC helpers.

/// A request as the jobcenter `tenant` sends it (with the `x-jobmatch-tenant` header).
pub fn as_tenant<T>(message: T, tenant: &str) -> tonic::Request<T> {
    let mut request = tonic::Request::new(message);
    request.metadata_mut().insert(
        "x-jobmatch-tenant",
        tenant.parse().expect("tenant is ASCII"),
    );
    request
}

/// The BadRequest field violations of a status: (field, description).
pub fn field_violations(status: &tonic::Status) -> Vec<(String, String)> {
    use tonic_types::StatusExt;
    status
        .get_details_bad_request()
        .map(|b| {
            b.field_violations
                .into_iter()
                .map(|v| (v.field, v.description))
                .collect()
        })
        .unwrap_or_default()
}

/// Asserts INVALID_ARGUMENT with a BadRequest violation on `field`.
#[track_caller]
pub fn assert_invalid(status: &tonic::Status, field: &str) {
    assert_eq!(
        status.code(),
        tonic::Code::InvalidArgument,
        "expected INVALID_ARGUMENT, got {status:?}"
    );
    let v = field_violations(status);
    assert!(
        v.iter().any(|(f, _)| f == field),
        "expected a violation on '{field}', got {v:?} ({})",
        status.message()
    );
}

pub fn bulk_company(c: Company) -> BulkUpsertRequest {
    BulkUpsertRequest {
        record: Some(bulk_upsert_request::Record::Company(c)),
    }
}

pub fn bulk_need(n: Need) -> BulkUpsertRequest {
    BulkUpsertRequest {
        record: Some(bulk_upsert_request::Record::Need(n)),
    }
}

/// Streams records through BulkUpsert.
pub async fn bulk_upsert(
    server: &TestServer,
    records: Vec<BulkUpsertRequest>,
) -> Result<BulkUpsertResponse, tonic::Status> {
    server
        .companies()
        .bulk_upsert(tokio_stream::iter(records))
        .await
        .map(|r| r.into_inner())
}

// ---------------------------------------------------------------------------------------------------------
// The shared devset.

/// `../shared/data/devset` beside the repository, when present.
pub fn devset_dir() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/data/devset");
    dir.join("companies.jsonl").is_file().then_some(dir)
}

/// Parses every line of a JSON Lines file with the same rules as file ingest (nulls are absent).
pub fn read_jsonl<T: serde::de::DeserializeOwned>(path: &Path, key_field: &str) -> Vec<T> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .enumerate()
        .map(|(i, l)| {
            jobmatch_indexer::ingest::parse_record::<T>(l, key_field)
                .unwrap_or_else(|e| panic!("{}:{}: {e:?}", path.display(), i + 1))
                .0
        })
        .collect()
}

pub fn devset_citizens(dir: &Path) -> Vec<CitizenProfile> {
    read_jsonl(&dir.join("citizens.jsonl"), "citizen_ref")
}

/// Loads the devset's companies and needs through BulkUpsert; returns the response.
pub async fn load_devset(server: &TestServer, dir: &Path) -> BulkUpsertResponse {
    let companies: Vec<Company> = read_jsonl(&dir.join("companies.jsonl"), "cvr");
    let needs: Vec<Need> = read_jsonl(&dir.join("needs.jsonl"), "need_id");
    let records = companies
        .into_iter()
        .map(bulk_company)
        .chain(needs.into_iter().map(bulk_need))
        .collect();
    bulk_upsert(server, records).await.expect("BulkUpsert")
}

// ---------------------------------------------------------------------------------------------------------
// Raw gRPC frames, for what a stock client never sends (frames that do not decode).

/// Sends each item of `frames` as one gRPC message of a `BulkUpsert` stream, as raw bytes: a frame that is not
/// a valid `BulkUpsertRequest` reaches the server as it is.
pub async fn raw_bulk_upsert(
    server: &TestServer,
    frames: Vec<Vec<u8>>,
) -> Result<BulkUpsertResponse, tonic::Status> {
    let mut grpc = tonic::client::Grpc::new(server.channel.clone());
    grpc.ready()
        .await
        .map_err(|e| tonic::Status::unavailable(e.to_string()))?;
    let path = tonic::codegen::http::uri::PathAndQuery::from_static(
        "/jobmatch.v1.CompanyService/BulkUpsert",
    );
    grpc.client_streaming(
        tonic::Request::new(tokio_stream::iter(frames)),
        path,
        RawCodec,
    )
    .await
    .map(|r| r.into_inner())
}

/// Encodes requests as given bytes, decodes `BulkUpsertResponse`s.
struct RawCodec;
struct RawEncoder;
struct ResponseDecoder;

impl tonic::codec::Codec for RawCodec {
    type Encode = Vec<u8>;
    type Decode = BulkUpsertResponse;
    type Encoder = RawEncoder;
    type Decoder = ResponseDecoder;
    fn encoder(&mut self) -> RawEncoder {
        RawEncoder
    }
    fn decoder(&mut self) -> ResponseDecoder {
        ResponseDecoder
    }
}

impl tonic::codec::Encoder for RawEncoder {
    type Item = Vec<u8>;
    type Error = tonic::Status;
    fn encode(
        &mut self,
        item: Vec<u8>,
        dst: &mut tonic::codec::EncodeBuf<'_>,
    ) -> Result<(), tonic::Status> {
        use bytes::BufMut;
        dst.put_slice(&item);
        Ok(())
    }
}

impl tonic::codec::Decoder for ResponseDecoder {
    type Item = BulkUpsertResponse;
    type Error = tonic::Status;
    fn decode(
        &mut self,
        src: &mut tonic::codec::DecodeBuf<'_>,
    ) -> Result<Option<BulkUpsertResponse>, tonic::Status> {
        use prost::Message;
        BulkUpsertResponse::decode(src)
            .map(Some)
            .map_err(|e| tonic::Status::internal(e.to_string()))
    }
}
