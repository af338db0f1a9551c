//! Load from many concurrent clients against a running server: searches, matches, single writes and bulk
//! streams mixed, for a fixed time. Reports per method the calls, the errors by status code, and latency
//! percentiles. A load command, not a test: run it against a release build.
//!
//!   target/release/jobmatch serve --listen 127.0.0.1:50061 --data-dir /tmp/load-data &
//!   cargo run --release -p jobmatch-tests --bin jobmatch-load -- --addr 127.0.0.1:50061 --clients 64 --seconds 180

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use clap::Parser;
use hdrhistogram::Histogram;
use jobmatch_tests::v1::{
    CitizenProfile, Company, DeleteNeedRequest, MatchCitizenRequest, MatchOptions, Near,
    SearchCompaniesRequest,
};
use jobmatch_tests::{as_tenant, bulk_company, bulk_need, citizen, company, connect, cvr, need};
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use tonic::Code;

#[derive(Parser)]
struct Args {
    #[arg(long, default_value = "127.0.0.1:50051")]
    addr: std::net::SocketAddr,
    #[arg(long, default_value_t = 64)]
    clients: usize,
    #[arg(long, default_value_t = 180)]
    seconds: u64,
    /// Citizens to match (citizens.jsonl); generated when not given.
    #[arg(long)]
    citizens: Option<std::path::PathBuf>,
    /// Records per bulk stream.
    #[arg(long, default_value_t = 500)]
    bulk_records: u32,
}

#[derive(Default)]
struct MethodStats {
    ok: Option<Histogram<u64>>,
    errors: BTreeMap<String, u64>,
}

type Stats = Arc<Mutex<BTreeMap<&'static str, MethodStats>>>;

fn record(stats: &Stats, method: &'static str, took: Duration, result: Result<(), tonic::Status>) {
    let Ok(mut s) = stats.lock() else { return };
    let m = s.entry(method).or_default();
    match result {
        Ok(()) => {
            let h =
                m.ok.get_or_insert_with(|| Histogram::new(3).expect("histogram"));
            let _ = h.record(took.as_micros() as u64);
        }
        Err(e) => *m.errors.entry(format!("{:?}", e.code())).or_default() += 1,
    }
}

/// Errors the API documents for a load like this one: a full queue (RESOURCE_EXHAUSTED, retry later).
fn documented(code: &str) -> bool {
    code == format!("{:?}", Code::ResourceExhausted)
}

const QUERIES: &[&str] = &[
    "lager",
    "rengøring",
    "restaurant køkken",
    "børnehave",
    "lagermedarbejder truck",
    "slagteri",
    "resturant",
    "",
    "pleje",
    "butik",
    "chauffør",
    "kantine",
];
const POSTCODES: &[&str] = &[
    "8000", "2100", "5000", "9000", "7100", "6700", "8700", "4000",
];
const GOALS: &[&str] = &[
    "lagermand",
    "noget med børn",
    "rengøring",
    "kok",
    "butik",
    "chauffør",
    "sosu hjælper",
    "pakkeri",
    "gartner",
    "køkkenhjælp",
    "pedel",
    "callcenter",
];

fn generated_citizens() -> Vec<CitizenProfile> {
    (0..200)
        .map(|i| {
            let pc = POSTCODES[i % POSTCODES.len()];
            let mut c = citizen(&format!("LOAD-{i}"), pc, GOALS[i % GOALS.len()]);
            c.competences = vec!["omhyggelig".into(), "mødestabil".into()];
            c
        })
        .collect()
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let citizens = Arc::new(match &args.citizens {
        Some(p) => jobmatch_tests::read_jsonl::<CitizenProfile>(p, "citizen_ref"),
        None => generated_citizens(),
    });
    let channel = connect(args.addr).await;
    // Companies this run owns for its writes (tenant 0751 writes only its own relation).
    let mut cs =
        jobmatch_tests::v1::company_service_client::CompanyServiceClient::new(channel.clone());
    for i in 0..args.clients as u32 {
        cs.upsert_company(company(&cvr(700_000 + i), "Load ApS", "521000", "8000"))
            .await?;
    }
    let stats: Stats = Arc::default();
    let deadline = Instant::now() + Duration::from_secs(args.seconds);
    let mut tasks = Vec::new();
    for client in 0..args.clients {
        // One connection per client, as independent systems would have.
        let channel = connect(args.addr).await;
        let stats = Arc::clone(&stats);
        let citizens = Arc::clone(&citizens);
        let bulk_records = args.bulk_records;
        tasks.push(tokio::spawn(async move {
            let mut rng = rand::rngs::StdRng::seed_from_u64(client as u64);
            let mut search = jobmatch_tests::v1::search_service_client::SearchServiceClient::new(
                channel.clone(),
            );
            let mut matcher =
                jobmatch_tests::v1::match_service_client::MatchServiceClient::new(channel.clone());
            let mut cs =
                jobmatch_tests::v1::company_service_client::CompanyServiceClient::new(channel);
            let own = cvr(700_000 + client as u32);
            let mut n = 0u32;
            while Instant::now() < deadline {
                let roll = rng.random_range(0..100);
                let t = Instant::now();
                if roll < 55 {
                    let pc = *POSTCODES.choose(&mut rng).unwrap_or(&"8000");
                    let req = SearchCompaniesRequest {
                        query: QUERIES.choose(&mut rng).unwrap_or(&"").to_string(),
                        near: rng.random_bool(0.5).then(|| Near {
                            postcode: pc.into(),
                            radius_km: 30.0,
                            ..Default::default()
                        }),
                        has_open_needs: rng.random_bool(0.5).then_some(true),
                        page_size: 20,
                        ..Default::default()
                    };
                    let r = search.search_companies(as_tenant(req, "0751")).await;
                    record(&stats, "SearchCompanies", t.elapsed(), r.map(|_| ()));
                } else if roll < 85 {
                    let c = citizens[rng.random_range(0..citizens.len())].clone();
                    let tenant = c.municipality_code.clone();
                    let req = MatchCitizenRequest {
                        citizen: Some(c),
                        options: Some(MatchOptions {
                            k: 10,
                            ..Default::default()
                        }),
                    };
                    let r = matcher.match_citizen(as_tenant(req, &tenant)).await;
                    record(&stats, "MatchCitizen", t.elapsed(), r.map(|_| ()));
                } else if roll < 97 {
                    n += 1;
                    let id = format!("LOAD-{client}-{n}");
                    let r = cs
                        .upsert_need(need(&id, &own, "Lagermedarbejder", "9333"))
                        .await;
                    record(&stats, "UpsertNeed", t.elapsed(), r.map(|_| ()));
                    if n.is_multiple_of(3) {
                        let t = Instant::now();
                        let r = cs
                            .delete_need(DeleteNeedRequest {
                                need_id: format!("LOAD-{client}-{}", n - 1),
                            })
                            .await;
                        record(&stats, "DeleteNeed", t.elapsed(), r.map(|_| ()));
                    }
                } else {
                    let base = 800_000 + (client as u32) * 100_000 + n * 1000;
                    n += 1;
                    let mut records = Vec::new();
                    for i in 0..bulk_records / 2 {
                        let key = cvr(base + i);
                        let c: Company = company(&key, "Bulk Load ApS", "521000", "8000");
                        records.push(bulk_company(c));
                        records.push(bulk_need(need(
                            &format!("B{base}-{i}"),
                            &key,
                            "Rengøringsassistent",
                            "9112",
                        )));
                    }
                    let r = cs.bulk_upsert(tokio_stream::iter(records)).await;
                    record(&stats, "BulkUpsert", t.elapsed(), r.map(|_| ()));
                }
            }
        }));
    }
    for t in tasks {
        t.await?;
    }
    let stats = stats.lock().map_err(|_| anyhow::anyhow!("poisoned"))?;
    println!(
        "{} clients for {} s against {}:",
        args.clients, args.seconds, args.addr
    );
    println!("| method | ok | per s | p50 ms | p99 ms | max ms | errors |");
    println!("|---|---|---|---|---|---|---|");
    let mut undocumented = 0;
    for (method, m) in stats.iter() {
        let (ok, p50, p99, max) = m.ok.as_ref().map_or((0, 0.0, 0.0, 0.0), |h| {
            (
                h.len(),
                h.value_at_quantile(0.5) as f64 / 1000.0,
                h.value_at_quantile(0.99) as f64 / 1000.0,
                h.max() as f64 / 1000.0,
            )
        });
        let errors: Vec<String> = m.errors.iter().map(|(c, n)| format!("{c} {n}")).collect();
        undocumented += m
            .errors
            .iter()
            .filter(|(c, _)| !documented(c))
            .map(|(_, n)| n)
            .sum::<u64>();
        println!(
            "| {method} | {ok} | {:.0} | {p50:.1} | {p99:.1} | {max:.1} | {} |",
            ok as f64 / args.seconds as f64,
            if errors.is_empty() {
                "-".to_string()
            } else {
                errors.join(", ")
            }
        );
    }
    println!("errors other than documented ones: {undocumented}");
    if undocumented > 0 {
        std::process::exit(1);
    }
    Ok(())
}
