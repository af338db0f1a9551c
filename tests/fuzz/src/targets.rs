//! One fuzz target per entry point that takes outside bytes. Each takes a byte slice and either returns or
//! panics; a panic (anywhere, including one the service caught and turned into INTERNAL) or a broken
//! invariant is a finding.
//!
//! The RPC targets call the real gRPC service implementation in process (the tonic service traits with
//! request metadata), over an in-memory index holding the demo data: everything the server does with a
//! request, short of the HTTP/2 transport.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use arbitrary::{Arbitrary, Unstructured};
use jobmatch_indexer::highlight::{QueryTerms, snippet};
use jobmatch_indexer::ingest::{COMPANIES, IngestSummary, NEEDS, ingest_reader, parse_record};
use jobmatch_indexer::{JobIndex, analysis, cpr, limits, validate};
use jobmatch_matching::{Matcher, TaxonomyResolver};
use jobmatch_proto::v1::audit_service_server::AuditService;
use jobmatch_proto::v1::calculator_service_server::CalculatorService;
use jobmatch_proto::v1::citizen_service_server::CitizenService;
use jobmatch_proto::v1::company_service_server::CompanyService;
use jobmatch_proto::v1::follow_up_service_server::FollowUpService;
use jobmatch_proto::v1::match_service_server::MatchService;
use jobmatch_proto::v1::rematch_service_server::RematchService;
use jobmatch_proto::v1::search_service_server::SearchService;
use jobmatch_proto::v1::taxonomy_service_server::TaxonomyService;
use jobmatch_proto::v1::*;
use jobmatch_server::grpc::Api;
use jobmatch_server::{App, Config};
use jobmatch_taxonomy::Taxonomy;
use prost::Message;
use tonic::codec::Codec;
use tonic::{Code, Request, Status};

/// Every target, by name.
pub const TARGETS: &[&str] = &[
    "ingest_companies",
    "ingest_needs",
    "rpc_bytes",
    "rpc_typed",
    "rpc_citizens",
    "bulk_frames",
    "analyzer",
    "snippet",
    "normalize",
    "stored_record",
    "metadata",
];

/// Runs one input through a target. Unknown target names panic (a harness mistake, not a finding).
pub fn run(target: &str, data: &[u8]) {
    let before = PANICS.load(Ordering::SeqCst);
    match target {
        "ingest_companies" => ingest(data, true),
        "ingest_needs" => ingest(data, false),
        "rpc_bytes" => rpc_bytes(data),
        "rpc_typed" => rpc_typed(data),
        "rpc_citizens" => rpc_citizens(data),
        "bulk_frames" => bulk_frames(data),
        "analyzer" => analyzer(data),
        "snippet" => snippet_target(data),
        "normalize" => normalize(data),
        "stored_record" => stored_record(data),
        "metadata" => metadata(data),
        other => panic!("no fuzz target named {other}"),
    }
    // A panic the service contained (a work pool turns it into INTERNAL) is still a bug.
    if PANICS.load(Ordering::SeqCst) != before {
        let what = LAST_PANIC.lock().map(|p| p.clone()).unwrap_or_default();
        panic!("a panic was contained inside the service: {what}");
    }
}

static PANICS: AtomicU64 = AtomicU64::new(0);
static LAST_PANIC: Mutex<String> = Mutex::new(String::new());

/// Counts every panic, on any thread, before the default report.
fn install_panic_counter() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        PANICS.fetch_add(1, Ordering::SeqCst);
        if let Ok(mut last) = LAST_PANIC.lock() {
            *last = info.to_string();
        }
        previous(info);
    }));
}

struct World {
    runtime: tokio::runtime::Runtime,
    api: Api,
    index: Arc<JobIndex>,
}

fn world() -> &'static World {
    static WORLD: OnceLock<World> = OnceLock::new();
    WORLD.get_or_init(|| {
        install_panic_counter();
        let taxonomy = Taxonomy::embedded();
        let index = Arc::new(
            JobIndex::open_in_ram(Arc::new(TaxonomyResolver::new(taxonomy))).expect("RAM index"),
        );
        jobmatch_server::app::load_demo(&index).expect("demo data");
        let config = Config {
            search_threads: 1,
            ..Default::default()
        };
        let matcher = Arc::new(Matcher::new(
            Arc::clone(&index),
            taxonomy,
            config.rules.clone(),
        ));
        let app = Arc::new(App::new(config, Arc::clone(&index), matcher).expect("app"));
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        World {
            runtime,
            api: Api::new(app),
            index,
        }
    })
}

/// What any answer of the service must satisfy: no INTERNAL (that is a panic or a broken index), a short
/// status message, and a response a stock client can read (under 4 MiB).
fn check<T: Message>(result: Result<tonic::Response<T>, Status>) {
    match result {
        Ok(r) => {
            let len = r.get_ref().encoded_len();
            assert!(len < 4 << 20, "response of {len} bytes");
        }
        Err(s) => {
            assert!(
                !matches!(s.code(), Code::Internal | Code::Unknown),
                "status {:?}: {}",
                s.code(),
                s.message()
            );
            assert!(
                s.message().len() <= 1_100,
                "status message of {} bytes",
                s.message().len()
            );
        }
    }
}

/// A request with metadata chosen by `selector`: none, a valid tenant, another tenant, malformed ones, a
/// CPR-shaped request id, a short deadline.
fn request<T>(message: T, selector: u8) -> Request<T> {
    let mut r = Request::new(message);
    let meta = r.metadata_mut();
    let tenant = match selector % 8 {
        1 => Some("0751"),
        2 => Some("0101"),
        3 => Some("9999"),
        4 => Some("07 51"),
        _ => None,
    };
    if let Some(t) = tenant
        && let Ok(v) = t.parse()
    {
        meta.insert("x-jobmatch-tenant", v);
    }
    if selector & 8 != 0
        && let Ok(v) = "010190-1234".parse()
    {
        meta.insert("x-request-id", v);
    }
    if selector & 16 != 0
        && let Ok(v) = "1m".parse()
    {
        meta.insert("grpc-timeout", v);
    }
    r
}

fn ingest(data: &[u8], companies: bool) {
    let w = world();
    let mut tx = w.index.begin();
    let mut summary = IngestSummary::default();
    let result = if companies {
        ingest_reader(&mut tx, data, "fuzz", &COMPANIES, &mut summary, &mut ())
    } else {
        ingest_reader(&mut tx, data, "fuzz", &NEEDS, &mut summary, &mut ())
    };
    result.expect("reading from memory cannot fail");
    for e in &summary.errors {
        assert!(
            e.reason.len() <= 4_000,
            "error reason of {} bytes",
            e.reason.len()
        );
    }
    tx.commit(None).expect("commit");
}

/// One RPC from raw protobuf bytes: byte 0 picks the method, byte 1 the metadata.
fn rpc_bytes(data: &[u8]) {
    let (Some(&method), Some(&meta)) = (data.first(), data.get(1)) else {
        return;
    };
    let body = &data[2..];
    let w = world();
    let api = &w.api;
    w.runtime.block_on(async {
        match method % 10 {
            0 => {
                if let Ok(m) = Company::decode(body) {
                    check(api.upsert_company(request(m, meta)).await)
                }
            }
            1 => {
                if let Ok(m) = GetCompanyRequest::decode(body) {
                    check(api.get_company(request(m, meta)).await)
                }
            }
            2 => {
                if let Ok(m) = DeleteCompanyRequest::decode(body) {
                    check(api.delete_company(request(m, meta)).await)
                }
            }
            3 => {
                if let Ok(m) = Need::decode(body) {
                    check(api.upsert_need(request(m, meta)).await)
                }
            }
            4 => {
                if let Ok(m) = GetNeedRequest::decode(body) {
                    check(api.get_need(request(m, meta)).await)
                }
            }
            5 => {
                if let Ok(m) = CloseNeedRequest::decode(body) {
                    check(api.close_need(request(m, meta)).await)
                }
            }
            6 => {
                if let Ok(m) = DeleteNeedRequest::decode(body) {
                    check(api.delete_need(request(m, meta)).await)
                }
            }
            7 => {
                if let Ok(m) = SearchCompaniesRequest::decode(body) {
                    check(api.search_companies(request(m, meta)).await)
                }
            }
            8 => {
                if let Ok(m) = MatchCitizenRequest::decode(body) {
                    check(api.match_citizen(request(m, meta)).await)
                }
            }
            _ => {
                if let Ok(m) = NormalizeOccupationRequest::decode(body) {
                    check(api.normalize_occupation(request(m, meta)).await)
                }
            }
        }
    });
}

/// One RPC from an arbitrary well-typed message.
fn rpc_typed(data: &[u8]) {
    let mut u = Unstructured::new(data);
    let (Ok(method), Ok(meta)) = (u.int_in_range(0u8..=9), u8::arbitrary(&mut u)) else {
        return;
    };
    let w = world();
    let api = &w.api;
    w.runtime.block_on(async {
        match method {
            0 => {
                if let Ok(m) = Company::arbitrary(&mut u) {
                    check(api.upsert_company(request(m, meta)).await)
                }
            }
            1 => {
                if let Ok(m) = GetCompanyRequest::arbitrary(&mut u) {
                    check(api.get_company(request(m, meta)).await)
                }
            }
            2 => {
                if let Ok(m) = DeleteCompanyRequest::arbitrary(&mut u) {
                    check(api.delete_company(request(m, meta)).await)
                }
            }
            3 => {
                if let Ok(m) = Need::arbitrary(&mut u) {
                    check(api.upsert_need(request(m, meta)).await)
                }
            }
            4 => {
                if let Ok(m) = GetNeedRequest::arbitrary(&mut u) {
                    check(api.get_need(request(m, meta)).await)
                }
            }
            5 => {
                if let Ok(m) = CloseNeedRequest::arbitrary(&mut u) {
                    check(api.close_need(request(m, meta)).await)
                }
            }
            6 => {
                if let Ok(m) = DeleteNeedRequest::arbitrary(&mut u) {
                    check(api.delete_need(request(m, meta)).await)
                }
            }
            7 => {
                if let Ok(m) = SearchCompaniesRequest::arbitrary(&mut u) {
                    check(api.search_companies(request(m, meta)).await)
                }
            }
            8 => {
                if let Ok(m) = MatchCitizenRequest::arbitrary(&mut u) {
                    check(api.match_citizen(request(m, meta)).await)
                }
            }
            _ => {
                if let Ok(m) = NormalizeOccupationRequest::arbitrary(&mut u) {
                    check(api.normalize_occupation(request(m, meta)).await)
                }
            }
        }
    });
}

/// A message of the input, either decoded from its raw protobuf bytes or generated well-typed from them.
fn message<M>(typed: bool, body: &[u8]) -> Option<M>
where
    M: Message + Default + for<'a> Arbitrary<'a>,
{
    if typed {
        M::arbitrary(&mut Unstructured::new(body)).ok()
    } else {
        M::decode(body).ok()
    }
}

/// The citizen, match-need, follow-up, calculator, rematch and audit RPCs (the personal-data side of the
/// API): byte 0 picks the method and whether the body is raw protobuf or a generated message, byte 1 the
/// metadata.
fn rpc_citizens(data: &[u8]) {
    let (Some(&pick), Some(&meta)) = (data.first(), data.get(1)) else {
        return;
    };
    let (typed, method, body) = (pick & 0x80 != 0, pick & 0x7f, &data[2..]);
    let w = world();
    let api = &w.api;
    w.runtime.block_on(async {
        match method % 14 {
            0 => {
                if let Some(m) = message::<CitizenProfile>(typed, body) {
                    check(api.upsert_citizen(request(m, meta)).await)
                }
            }
            1 => {
                if let Some(m) = message::<GetCitizenRequest>(typed, body) {
                    check(api.get_citizen(request(m, meta)).await)
                }
            }
            2 => {
                if let Some(m) = message::<DeleteCitizenRequest>(typed, body) {
                    check(api.delete_citizen(request(m, meta)).await)
                }
            }
            3 => {
                if let Some(m) = message::<GetMatchesRequest>(typed, body) {
                    check(api.get_matches(request(m, meta)).await)
                }
            }
            4 => {
                if let Some(m) = message::<PlacementOutcome>(typed, body) {
                    check(api.record_placement_outcome(request(m, meta)).await)
                }
            }
            5 => {
                if let Some(m) = message::<ListPlacementOutcomesRequest>(typed, body) {
                    check(api.list_placement_outcomes(request(m, meta)).await)
                }
            }
            6 => {
                if let Some(m) = message::<MatchNeedRequest>(typed, body) {
                    check(api.match_need(request(m, meta)).await)
                }
            }
            7 => {
                if let Some(m) = message::<GetProgressionRequest>(typed, body) {
                    check(api.get_progression(request(m, meta)).await)
                }
            }
            8 => {
                if let Some(m) = message::<GetJobcenterSummaryRequest>(typed, body) {
                    check(api.get_jobcenter_summary(request(m, meta)).await)
                }
            }
            9 => {
                if let Some(m) = message::<MonthlyGainRequest>(typed, body) {
                    check(api.monthly_gain(request(m, meta)).await)
                }
            }
            10 => {
                if let Some(m) = message::<ReadAuditRequest>(typed, body) {
                    check(api.read_audit(request(m, meta)).await)
                }
            }
            11 => {
                if let Some(m) = message::<GetRunRequest>(typed, body) {
                    check(api.get_run(request(m, meta)).await)
                }
            }
            12 => {
                if let Some(m) = message::<StartRunRequest>(typed, body) {
                    match api.start_run(request(m, meta)).await {
                        Ok(stream) => {
                            use tokio_stream::StreamExt;
                            // The first progress message (sent at once); later ones come only as the
                            // run moves, and the run goes on in the background.
                            let mut progress = stream.into_inner().take(1);
                            while let Some(item) = progress.next().await {
                                check(item.map(tonic::Response::new));
                            }
                        }
                        Err(s) => check::<RunProgress>(Err(s)),
                    }
                }
            }
            _ => {
                if let Some(m) = message::<MatchCitizenRequest>(typed, body) {
                    check(api.match_citizen(request(m, meta)).await)
                }
            }
        }
    });
}

/// A BulkUpsert stream: byte 0 picks the metadata; then either raw bytes as the request body (gRPC framing
/// and all), or arbitrary records framed properly with one frame sometimes corrupted.
fn bulk_frames(data: &[u8]) {
    let (Some(&meta), Some(&mode)) = (data.first(), data.get(1)) else {
        return;
    };
    let rest = &data[2..];
    let body: Vec<u8> = if mode % 2 == 0 {
        rest.to_vec()
    } else {
        let mut u = Unstructured::new(rest);
        let records: Vec<BulkUpsertRequest> = Vec::arbitrary(&mut u).unwrap_or_default();
        let corrupt = u.arbitrary::<Option<u8>>().unwrap_or(None);
        let mut body = Vec::new();
        for (i, r) in records.iter().enumerate() {
            let mut msg = r.encode_to_vec();
            if corrupt.is_some_and(|c| usize::from(c) == i) {
                msg.insert(0, 0x0a);
                msg.insert(1, 0x7f);
            }
            body.push(0);
            body.extend_from_slice(&(msg.len() as u32).to_be_bytes());
            body.extend_from_slice(&msg);
        }
        body
    };
    let w = world();
    w.runtime.block_on(async {
        let decoder = tonic_prost_codec().decoder();
        let stream = tonic::Streaming::new_request(
            decoder,
            tonic::body::Body::new(http_body_util::Full::new(bytes::Bytes::from(body))),
            None,
            Some(4 << 20),
        );
        check(w.api.bulk_upsert(request(stream, meta)).await);
    });
}

fn tonic_prost_codec() -> tonic_prost::ProstCodec<BulkUpsertResponse, BulkUpsertRequest> {
    tonic_prost::ProstCodec::default()
}

/// Text analysis, query parsing, CPR detection and the size bounds, on any text.
fn analyzer(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let tokens = analysis::analyze(&text);
    for t in &tokens {
        assert!(
            t.from <= t.to && t.to <= text.len(),
            "offsets {}..{}",
            t.from,
            t.to
        );
        assert!(text.is_char_boundary(t.from) && text.is_char_boundary(t.to));
    }
    let terms = QueryTerms::parse(&text);
    assert!(terms.words.len() <= jobmatch_indexer::highlight::MAX_QUERY_WORDS);
    let _ = cpr::contains_cpr(&text);
    let _ = validate::looks_like_cpr(&text);
    let mut v = validate::Violations::default();
    for b in limits::ALL {
        b.check_str(&mut v, b.field(), &text);
    }
    assert!(v.0.len() <= limits::MAX_VIOLATIONS + 1);
}

/// The snippet builder: byte 0 is the fragment length, then the query and the text, split at the first 0xFF
/// byte (which UTF-8 never uses, so both sides can hold any text).
fn snippet_target(data: &[u8]) {
    let Some((&max, rest)) = data.split_first() else {
        return;
    };
    let split = rest.iter().position(|&b| b == 0xFF).unwrap_or(rest.len());
    let query = String::from_utf8_lossy(&rest[..split]);
    let text = String::from_utf8_lossy(rest.get(split + 1..).unwrap_or_default());
    let terms = QueryTerms::parse(&query);
    if let Some(s) = snippet(&text, &terms, usize::from(max) * 2) {
        assert_eq!(s.matches("<b>").count(), s.matches("</b>").count(), "{s}");
    }
}

/// The occupation normaliser and the competence hints, on any text.
fn normalize(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let tax = Taxonomy::embedded();
    let limit = usize::from(data.first().copied().unwrap_or(10) % 51);
    let out = tax.normalize(&text, limit);
    assert!(out.len() <= limit);
    for m in &out {
        assert!(m.score.is_finite(), "{m:?}");
    }
    for (_, w) in tax.competence_hints(&text) {
        assert!(w.is_finite());
    }
    let _ = tax.resolve_code(&text);
}

/// A stored record read back: any bytes as the record field of a document; a record that reads and validates
/// writes back to the same record.
fn stored_record(data: &[u8]) {
    if let Ok(mut c) = serde_json::from_slice::<Company>(data)
        && validate::company(&mut c).is_ok()
    {
        let bytes = serde_json::to_vec(&c).expect("a company serialises");
        let back: Company = serde_json::from_slice(&bytes).expect("and reads back");
        assert_eq!(back, c);
    }
    if let Ok(mut n) = serde_json::from_slice::<Need>(data)
        && validate::need(&mut n).is_ok()
    {
        let bytes = serde_json::to_vec(&n).expect("a need serialises");
        let back: Need = serde_json::from_slice(&bytes).expect("and reads back");
        assert_eq!(back, n);
    }
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = parse_record::<Company>(text, "cvr");
        let _ = parse_record::<Need>(text, "need_id");
        let _ = parse_record::<CitizenProfile>(text, "citizen_ref");
    }
}

/// A JWT authenticator over a fixed key set, built once: the fuzzer's bytes are the tokens.
fn jwt_auth() -> &'static jobmatch_server::auth::Authenticator {
    static AUTH: std::sync::OnceLock<jobmatch_server::auth::Authenticator> =
        std::sync::OnceLock::new();
    AUTH.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("jobmatch-fuzz-jwks-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let keys = dir.join("jwks.json");
        std::fs::write(
            &keys,
            r#"{"keys":[{"kty":"oct","kid":"k1","alg":"HS256","k":"c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldA"}]}"#,
        )
        .expect("write jwks");
        jobmatch_server::auth::Authenticator::new(&jobmatch_server::auth::AuthConfig {
            mode: jobmatch_server::auth::AuthMode::Jwt,
            jwt_keys_file: keys,
            ..Default::default()
        })
        .expect("jwt authenticator")
    })
}

/// Request metadata: tenant, request id, deadline and authorization headers, open and with JWTs.
fn metadata(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let _ = jobmatch_server::context::parse_grpc_timeout(&text);
    let mut meta = tonic::metadata::MetadataMap::new();
    for (i, part) in text.split('\n').take(5).enumerate() {
        let Ok(v) = part.parse::<tonic::metadata::MetadataValue<_>>() else {
            continue;
        };
        let key = [
            "x-jobmatch-tenant",
            "x-request-id",
            "grpc-timeout",
            "x-jobmatch-tenant",
            "authorization",
        ][i];
        meta.append(key, v);
    }
    let extensions = tonic::Extensions::new();
    let open = jobmatch_server::auth::Authenticator::new(&Default::default()).expect("open");
    for auth in [&open, jwt_auth()] {
        let call = jobmatch_server::context::Call {
            meta: &meta,
            extensions: &extensions,
            auth,
        };
        let (id, ctx) = jobmatch_server::context::RequestContext::from_call(
            call,
            std::time::Duration::from_secs(1),
        );
        assert!(
            !id.is_empty() && id.len() <= 64 && !cpr::contains_cpr(&id),
            "{id}"
        );
        if let Ok(ctx) = ctx {
            if let Some(t) = &ctx.tenant {
                assert!(jobmatch_refdata::municipality(t).is_some(), "{t}");
            }
            // Random bytes never forge a token for the fixed key.
            assert!(ctx.principal.open, "{:?}", ctx.principal);
        }
    }
}
