//! The `bench` command: the service measured as users run it, from a release build.
//!
//! 1. Ingest of a corpus (a folder, or a generated one of N needs) into an index on disk, commit included.
//! 2. In process, one at a time: MatchCitizen (with where the time of the slowest 1 % went, step by step) and
//!    SearchCompanies.
//! 3. The real server binary started on that index (a restart): its RSS, then MatchCitizen over gRPC with 1,
//!    4 and 16 concurrent clients (throughput, p50, p99).
//! 4. With `--load`: a second server started empty and loaded over gRPC (BulkUpsert streams), then its RSS.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use jobmatch_indexer::ingest::{COMPANIES, IngestSummary, NEEDS, ingest_reader};
use jobmatch_indexer::search::{CompanyQuery, search_companies};
use jobmatch_indexer::{Deadline, JobIndex};
use jobmatch_matching::eval::load_citizens;
use jobmatch_matching::{
    MatchRules, Matcher, Scope, StageTimes, TaxonomyResolver, last_stage_times,
};
use jobmatch_proto::v1::{CitizenProfile, MatchOptions};
use jobmatch_taxonomy::Taxonomy;

pub enum BenchCorpus {
    Folder(PathBuf),
    Generated { needs: usize, seed: u64 },
}

pub struct BenchOptions {
    pub corpus: BenchCorpus,
    pub citizens: PathBuf,
    pub rounds: usize,
    /// Where the index is written; a temporary directory when None.
    pub index_dir: Option<PathBuf>,
    /// Also load a fresh server over gRPC and measure its RSS after the load.
    pub load: bool,
    /// Concurrent gRPC clients to measure with.
    pub clients: Vec<usize>,
}

fn ms(h: &Histogram<u64>, q: f64) -> f64 {
    h.value_at_quantile(q) as f64 / 1000.0
}

fn percentiles(name: &str, h: &Histogram<u64>) -> String {
    format!(
        "{name}: n={} p50 {:.2} ms, p90 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        h.len(),
        ms(h, 0.50),
        ms(h, 0.90),
        ms(h, 0.99),
        h.max() as f64 / 1000.0
    )
}

/// Resident and peak resident memory of a process, in MB, from /proc.
pub fn rss_mb(pid: u32) -> Option<(f64, f64)> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let field = |name: &str| -> Option<f64> {
        let line = status.lines().find(|l| l.starts_with(name))?;
        let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
        Some(kb / 1024.0)
    };
    Some((field("VmRSS:")?, field("VmHWM:")?))
}

fn corpus_lines(corpus: &BenchCorpus) -> anyhow::Result<(Vec<String>, Vec<String>)> {
    Ok(match corpus {
        BenchCorpus::Folder(dir) => {
            let read = |f: &str| -> anyhow::Result<Vec<String>> {
                Ok(std::fs::read_to_string(dir.join(f))?
                    .lines()
                    .filter(|l| !l.trim().is_empty())
                    .map(str::to_string)
                    .collect())
            };
            (read("companies.jsonl")?, read("needs.jsonl")?)
        }
        BenchCorpus::Generated { needs, seed } => {
            let t = Instant::now();
            let demo = jobmatch_demo::corpus(*seed, *needs);
            let lines = (
                demo.companies.iter().map(|v| v.to_string()).collect(),
                demo.needs.iter().map(|v| v.to_string()).collect(),
            );
            println!(
                "generated a corpus of {} needs in {:.1} s",
                needs,
                t.elapsed().as_secs_f64()
            );
            lines
        }
    })
}

/// Ingests the corpus into an index in `dir`, as `jobmatch ingest` does: one transaction, committed.
fn ingest(dir: &Path, companies: &[String], needs: &[String]) -> anyhow::Result<IngestSummary> {
    let resolver = Arc::new(TaxonomyResolver::new(Taxonomy::embedded()));
    let index = JobIndex::open(dir, resolver, 256 << 20)?;
    let started = Instant::now();
    let mut summary = IngestSummary::default();
    let mut tx = index.begin();
    let rc = std::io::Cursor::new(companies.join("\n"));
    ingest_reader(&mut tx, rc, "companies", &COMPANIES, &mut summary, &mut ())?;
    let rn = std::io::Cursor::new(needs.join("\n"));
    ingest_reader(&mut tx, rn, "needs", &NEEDS, &mut summary, &mut ())?;
    tx.commit(None)?;
    summary.elapsed = started.elapsed();
    Ok(summary)
}

fn times_line(label: &str, t: &[StageTimes]) -> String {
    let n = t.len().max(1) as f64;
    let avg = |f: fn(&StageTimes) -> Duration| {
        t.iter().map(|x| f(x).as_secs_f64() * 1000.0).sum::<f64>() / n
    };
    let avg_n = |f: fn(&StageTimes) -> usize| t.iter().map(f).sum::<usize>() as f64 / n;
    format!(
        "{label}: read {:.2} ms, retrieve {:.2} ms, check {:.2} ms, rank {:.2} ms, answer {:.2} ms; {:.0} needs retrieved, {:.0} passing, {:.1} tiers",
        avg(|x| x.read),
        avg(|x| x.retrieve),
        avg(|x| x.check),
        avg(|x| x.rank),
        avg(|x| x.answer),
        avg_n(|x| x.retrieved),
        avg_n(|x| x.passing),
        t.iter().map(|x| f64::from(x.tiers)).sum::<f64>() / n
    )
}

/// Candidates asked for per match (as in the comparison with a bare Tantivy query, top 20).
const BENCH_K: usize = 20;

/// In process, one match at a time; prints the latency and where the slowest 1 % spent their time.
fn in_process(
    index: &Arc<JobIndex>,
    citizens: &[CitizenProfile],
    rounds: usize,
) -> anyhow::Result<()> {
    let matcher = Matcher::new(
        Arc::clone(index),
        Taxonomy::embedded(),
        MatchRules::default(),
    );
    let options = MatchOptions {
        k: BENCH_K as u32,
        ..Default::default()
    };
    let deadline = Deadline::none();
    let slack = matcher.rules().hours_slack;
    // The baseline reads the profile as the matcher does (location from the postcode).
    let pairs: Vec<(&CitizenProfile, CitizenProfile)> = citizens
        .iter()
        .filter_map(|c| {
            let mut v = c.clone();
            jobmatch_indexer::validate::citizen(&mut v)
                .ok()
                .map(|_| (c, v))
        })
        .collect();
    for c in citizens.iter().take(20) {
        let _ = matcher.match_citizen(c.clone(), &options, &Scope::trusted(c, &deadline));
    }
    let mut h = Histogram::<u64>::new(3)?;
    let mut hb = Histogram::<u64>::new(3)?;
    let mut samples: Vec<(Duration, StageTimes)> = Vec::new();
    // Matcher and baseline take turns citizen by citizen, so a noisy moment on a shared machine hits both.
    for _ in 0..rounds {
        for (c, v) in &pairs {
            let t = Instant::now();
            matcher.match_citizen((*c).clone(), &options, &Scope::trusted(c, &deadline))?;
            let took = t.elapsed();
            h.record(took.as_micros() as u64)?;
            samples.push((took, last_stage_times()));
            let t = Instant::now();
            crate::bare::bare_match(index, v, slack, BENCH_K)?;
            hb.record(t.elapsed().as_micros() as u64)?;
        }
    }
    println!("{}", percentiles("MatchCitizen in process", &h));
    println!(
        "{}",
        percentiles("baseline, bare Tantivy BM25 + filters, same run", &hb)
    );
    samples.sort_by_key(|s| s.0);
    let n = samples.len();
    let slowest: Vec<StageTimes> = samples[n - (n / 100).max(1)..]
        .iter()
        .map(|s| s.1)
        .collect();
    let middle: Vec<StageTimes> = samples[n * 45 / 100..n * 55 / 100]
        .iter()
        .map(|s| s.1)
        .collect();
    println!("  {}", times_line("median 10 %", &middle));
    println!("  {}", times_line("slowest 1 %", &slowest));

    use jobmatch_indexer::search::Sort;
    // (text, near (postcode, km), order, jobcenter): broad and narrow, typos, a whole region by distance, and a
    // consultant's "not contacted lately" list.
    let queries = [
        ("lager", Some(("8000", 25.0)), Sort::Relevance, None),
        ("rengøring", None, Sort::Relevance, None),
        (
            "restaurant køkken",
            Some(("2100", 10.0)),
            Sort::Relevance,
            None,
        ),
        ("børnehave", None, Sort::Relevance, None),
        (
            "lagermedarbejder truck",
            Some(("5000", 30.0)),
            Sort::Relevance,
            None,
        ),
        ("slagteri", None, Sort::Relevance, None),
        ("resturant", None, Sort::Relevance, None),
        ("", Some(("9000", 15.0)), Sort::Relevance, None),
        ("", Some(("8000", 20.0)), Sort::Distance, None),
        ("", Some(("2100", 10.0)), Sort::LastContact, Some("0101")),
    ];
    let mut hs = Histogram::<u64>::new(3)?;
    for round in 0..rounds.max(1) * 20 {
        for (text, near, sort, jobcenter) in &queries {
            let near =
                near.and_then(|(pc, r)| jobmatch_refdata::postcode(pc).map(|p| (p.lat, p.lon, r)));
            let q = CompanyQuery {
                text: text.to_string(),
                near,
                sort: *sort,
                jobcenter: jobcenter.map(str::to_string),
                page_size: 20,
                has_open_needs: (round % 2 == 0).then_some(true),
                ..Default::default()
            };
            let t = Instant::now();
            let _ = search_companies(index, &q, &deadline)?;
            hs.record(t.elapsed().as_micros() as u64)?;
        }
    }
    println!("{}", percentiles("SearchCompanies in process", &hs));
    Ok(())
}

/// A `jobmatch serve` child process on `dir`, stopped when dropped.
struct ServerProcess {
    child: Child,
    addr: String,
}

impl ServerProcess {
    fn start(dir: &Path) -> anyhow::Result<ServerProcess> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let addr = format!("127.0.0.1:{port}");
        let child = Command::new(std::env::current_exe()?)
            .args(["serve", "--no-demo", "--listen", &addr, "--data-dir"])
            .arg(dir)
            .env("RUST_LOG", "warn")
            .env("JOBMATCH_REMATCH__SERVER_WORKER", "false")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .spawn()?;
        Ok(ServerProcess { child, addr })
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn connect(addr: &str) -> anyhow::Result<tonic::transport::Channel> {
    let endpoint = tonic::transport::Endpoint::from_shared(format!("http://{addr}"))?;
    let started = Instant::now();
    loop {
        if let Ok(ch) = endpoint.connect().await {
            // Serving only once the index is open: ask health.
            let mut h = tonic_health::pb::health_client::HealthClient::new(ch.clone());
            if let Ok(r) = h
                .check(tonic_health::pb::HealthCheckRequest::default())
                .await
                && r.into_inner().status == 1
            {
                return Ok(ch);
            }
        }
        anyhow::ensure!(
            started.elapsed() < Duration::from_secs(300),
            "the server did not start"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// MatchCitizen over gRPC with `clients` concurrent clients, each going through the citizens `rounds` times.
async fn grpc_clients(
    channel: &tonic::transport::Channel,
    citizens: &Arc<Vec<CitizenProfile>>,
    clients: usize,
    rounds: usize,
) -> anyhow::Result<(Histogram<u64>, f64)> {
    use jobmatch_proto::v1::MatchCitizenRequest;
    use jobmatch_proto::v1::match_service_client::MatchServiceClient;
    let started = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..clients {
        let mut client = MatchServiceClient::new(channel.clone());
        let citizens = Arc::clone(citizens);
        tasks.push(tokio::spawn(async move {
            let mut h = Histogram::<u64>::new(3)?;
            for r in 0..rounds {
                for i in 0..citizens.len() {
                    // Clients start at different citizens, so they do not all ask the same at once.
                    let citizen = &citizens[(i + c * 37 + r) % citizens.len()];
                    let mut req = tonic::Request::new(MatchCitizenRequest {
                        citizen: Some(citizen.clone()),
                        options: Some(MatchOptions {
                            k: BENCH_K as u32,
                            ..Default::default()
                        }),
                    });
                    if let Ok(v) = citizen.municipality_code.parse() {
                        req.metadata_mut().insert("x-jobmatch-tenant", v);
                    }
                    let t = Instant::now();
                    client.match_citizen(req).await?;
                    h.record(t.elapsed().as_micros() as u64)?;
                }
            }
            anyhow::Ok(h)
        }));
    }
    let mut all = Histogram::<u64>::new(3)?;
    for t in tasks {
        all.add(t.await??)?;
    }
    let rate = all.len() as f64 / started.elapsed().as_secs_f64();
    Ok((all, rate))
}

pub fn bench(opts: BenchOptions) -> anyhow::Result<()> {
    let (citizens, invalid) = load_citizens(&opts.citizens)?;
    // Profiles that do not validate are counted and left out, as a rematch would.
    let citizens: Vec<CitizenProfile> = citizens
        .into_iter()
        .filter(|c| {
            let mut c = c.clone();
            jobmatch_indexer::validate::citizen(&mut c).is_ok()
        })
        .collect();
    let skipped = invalid.len();
    anyhow::ensure!(
        !citizens.is_empty(),
        "no valid citizens in {}",
        opts.citizens.display()
    );
    println!(
        "{} citizens from {} ({} invalid lines skipped)",
        citizens.len(),
        opts.citizens.display(),
        skipped
    );
    let tmp = tempfile::tempdir()?;
    let data_dir = opts
        .index_dir
        .clone()
        .unwrap_or_else(|| tmp.path().join("data"));
    let index_dir = data_dir.join("index");
    let (companies, needs) = corpus_lines(&opts.corpus)?;
    let summary = ingest(&index_dir, &companies, &needs)?;
    let records = summary.companies + summary.needs;
    println!(
        "ingest to disk, commit included: {} companies and {} needs ({} rejected) in {:.2} s = {:.0} records/s",
        summary.companies,
        summary.needs,
        summary.errors.len(),
        summary.elapsed.as_secs_f64(),
        records as f64 / summary.elapsed.as_secs_f64()
    );
    println!("index on disk: {:.0} MB", dir_mb(&index_dir));
    {
        let resolver = Arc::new(TaxonomyResolver::new(Taxonomy::embedded()));
        let index = Arc::new(JobIndex::open(&index_dir, resolver, 64 << 20)?);
        in_process(&index, &citizens, opts.rounds)?;
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let citizens = Arc::new(citizens);
    runtime.block_on(async {
        let server = ServerProcess::start(&data_dir)?;
        let channel = connect(&server.addr).await?;
        if let Some((rss, peak)) = rss_mb(server.pid()) {
            println!("server after a restart on this index: RSS {rss:.0} MB (peak {peak:.0} MB)");
        }
        // One round to warm caches and connections.
        grpc_clients(&channel, &citizens, 1, 1).await?;
        for &n in &opts.clients {
            let (h, rate) = grpc_clients(&channel, &citizens, n, opts.rounds).await?;
            println!(
                "{}; {rate:.0} matches/s",
                percentiles(&format!("MatchCitizen over gRPC, {n} clients"), &h)
            );
        }
        if let Some((rss, peak)) = rss_mb(server.pid()) {
            println!("server after the gRPC runs: RSS {rss:.0} MB (peak {peak:.0} MB)");
        }
        drop(server);
        if opts.load {
            load_over_grpc(tmp.path(), &companies, &needs).await?;
        }
        anyhow::Ok(())
    })?;
    Ok(())
}

fn dir_mb(dir: &Path) -> f64 {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0.0;
    };
    entries
        .filter_map(|e| e.ok()?.metadata().ok())
        .map(|m| m.len() as f64)
        .sum::<f64>()
        / 1e6
}

/// Starts an empty server and loads the corpus over gRPC, companies then needs, in streams of at most
/// 200,000 records; reports the time and the server's RSS after the load.
async fn load_over_grpc(root: &Path, companies: &[String], needs: &[String]) -> anyhow::Result<()> {
    use jobmatch_proto::v1::company_service_client::CompanyServiceClient;
    use jobmatch_proto::v1::{BulkUpsertRequest, Company, Need, bulk_upsert_request::Record};
    let dir = root.join("loaded");
    let server = ServerProcess::start(&dir)?;
    let channel = connect(&server.addr).await?;
    let mut client = CompanyServiceClient::new(channel).max_decoding_message_size(64 << 20);
    let started = Instant::now();
    let mut records: Vec<BulkUpsertRequest> = Vec::new();
    for l in companies {
        let (c, _) = jobmatch_indexer::ingest::parse_record::<Company>(l, "cvr")
            .map_err(|e| anyhow::anyhow!("{}: {}", e.field, e.reason))?;
        records.push(BulkUpsertRequest {
            record: Some(Record::Company(c)),
        });
    }
    for l in needs {
        let (n, _) = jobmatch_indexer::ingest::parse_record::<Need>(l, "need_id")
            .map_err(|e| anyhow::anyhow!("{}: {}", e.field, e.reason))?;
        records.push(BulkUpsertRequest {
            record: Some(Record::Need(n)),
        });
    }
    let total = records.len();
    while !records.is_empty() {
        let rest = records.split_off(records.len().min(200_000));
        let batch = std::mem::replace(&mut records, rest);
        let mut req = tonic::Request::new(tokio_stream::iter(batch));
        req.set_timeout(Duration::from_secs(600));
        let resp = client.bulk_upsert(req).await?.into_inner();
        anyhow::ensure!(resp.rejected == 0, "{} records rejected", resp.rejected);
    }
    let secs = started.elapsed().as_secs_f64();
    println!(
        "load over gRPC into an empty server: {total} records in {secs:.1} s = {:.0} records/s",
        total as f64 / secs
    );
    if let Some((rss, peak)) = rss_mb(server.pid()) {
        println!("server after the load: RSS {rss:.0} MB (peak {peak:.0} MB)");
    }
    // Right after the commit, Tantivy merges the new segments in the background and the allocator still
    // holds what the load freed; the settled figure is what the server keeps.
    let settle = Instant::now();
    let mut last = f64::MAX;
    while settle.elapsed() < Duration::from_secs(120) {
        tokio::time::sleep(Duration::from_secs(2)).await;
        let Some((rss, _)) = rss_mb(server.pid()) else {
            break;
        };
        if rss > last * 0.98 {
            break;
        }
        last = rss;
    }
    if let Some((rss, peak)) = rss_mb(server.pid()) {
        println!(
            "server {:.0} s after the load, settled: RSS {rss:.0} MB (peak {peak:.0} MB)",
            settle.elapsed().as_secs_f64()
        );
    }
    drop(server);
    // And after a restart of that server.
    let server = ServerProcess::start(&dir)?;
    connect(&server.addr).await?;
    if let Some((rss, peak)) = rss_mb(server.pid()) {
        println!("that server after a restart: RSS {rss:.0} MB (peak {peak:.0} MB)");
    }
    Ok(())
}
