//! The `ingest`, `eval`, `bench` and `demo-data` commands.

use std::collections::HashMap;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use hdrhistogram::Histogram;
use indicatif::{ProgressBar, ProgressStyle};
use jobmatch_indexer::ingest::{
    COMPANIES, IngestSummary, NEEDS, Progress, ingest_files, ingest_reader,
};
use jobmatch_indexer::search::{CompanyQuery, search_companies};
use jobmatch_indexer::{Deadline, JobIndex};
use jobmatch_matching::eval::{EvalReport, baseline_ranking, load_citizens, load_qrels, score};
use jobmatch_matching::{MatchRules, Matcher, Scope, TaxonomyResolver};
use jobmatch_proto::v1::{CitizenProfile, MatchOptions};
use jobmatch_taxonomy::Taxonomy;

struct Bar(Option<ProgressBar>);

impl Progress for Bar {
    fn start(&mut self, what: &str, total: u64) {
        if std::io::stderr().is_terminal() {
            let bar = ProgressBar::new(total);
            if let Ok(style) = ProgressStyle::with_template(
                "{msg:>16} [{bar:40}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
            ) {
                bar.set_style(style.progress_chars("=> "));
            }
            bar.set_message(what.to_string());
            self.0 = Some(bar);
        }
    }
    fn advance(&mut self, bytes: u64) {
        if let Some(b) = &self.0 {
            b.inc(bytes);
        }
    }
    fn finish(&mut self) {
        if let Some(b) = self.0.take() {
            b.finish();
        }
    }
}

fn print_summary(s: &IngestSummary) {
    // Parse errors are found before validation errors; report in file order.
    let mut errors: Vec<_> = s.errors.iter().collect();
    errors.sort_by(|a, b| (&a.source, a.line).cmp(&(&b.source, b.line)));
    for e in errors {
        println!("rejected {e}");
    }
    for w in s
        .warnings
        .iter()
        .filter(|w| w.contains("unknown field"))
        .take(20)
    {
        println!("warning {w}");
    }
    println!(
        "ingested {} companies and {} needs, rejected {} records, in {:.2} s ({:.0} records/s)",
        s.companies,
        s.needs,
        s.errors.len(),
        s.elapsed.as_secs_f64(),
        s.records_per_second()
    );
}

/// Ingests files into the index of `data_dir`. Returns true when every record went in.
pub fn ingest(
    data_dir: &Path,
    writer_mb: usize,
    companies: Option<&Path>,
    needs: Option<&Path>,
) -> anyhow::Result<bool> {
    let resolver = Arc::new(TaxonomyResolver::new(Taxonomy::embedded()));
    let index = JobIndex::open(&data_dir.join("index"), resolver, writer_mb << 20)?;
    let summary = ingest_files(&index, companies, needs, &mut Bar(None))?;
    print_summary(&summary);
    Ok(summary.errors.is_empty())
}

/// A corpus folder in the interchange format: companies.jsonl, needs.jsonl, citizens.jsonl, qrels.tsv.
fn load_corpus(dir: &Path) -> anyhow::Result<(Arc<JobIndex>, IngestSummary)> {
    let resolver = Arc::new(TaxonomyResolver::new(Taxonomy::embedded()));
    let index = Arc::new(JobIndex::open_in_ram(resolver)?);
    let summary = ingest_files(
        &index,
        Some(&dir.join("companies.jsonl")),
        Some(&dir.join("needs.jsonl")),
        &mut Bar(None),
    )?;
    Ok((index, summary))
}

fn rankings(
    citizens: &[CitizenProfile],
    mut rank: impl FnMut(&CitizenProfile) -> anyhow::Result<Vec<String>>,
) -> (HashMap<String, Vec<String>>, usize) {
    let mut out = HashMap::new();
    let mut failed = 0;
    for c in citizens {
        match rank(c) {
            Ok(r) => {
                out.insert(c.citizen_ref.clone(), r);
            }
            Err(e) => {
                failed += 1;
                eprintln!("citizen {} not matched: {e}", c.citizen_ref);
            }
        }
    }
    (out, failed)
}

pub fn evaluate(corpus: &Path, rules: MatchRules) -> anyhow::Result<Vec<EvalReport>> {
    evaluate_with_dump(corpus, rules, None)
}

/// As [`evaluate`]; with `dump`, writes each citizen's ranking (need ids, best first) as JSON Lines for analysis.
pub fn evaluate_with_dump(
    corpus: &Path,
    rules: MatchRules,
    dump: Option<&Path>,
) -> anyhow::Result<Vec<EvalReport>> {
    let (index, summary) = load_corpus(corpus)?;
    if !summary.errors.is_empty() {
        eprintln!(
            "{} corpus records rejected (first: {})",
            summary.errors.len(),
            summary.errors[0]
        );
    }
    let (citizens, errors) = load_citizens(&corpus.join("citizens.jsonl"))?;
    for e in &errors {
        eprintln!("citizens.jsonl {e}");
    }
    let qrels = load_qrels(&corpus.join("qrels.tsv"))?;
    let matcher = Matcher::new(Arc::clone(&index), Taxonomy::embedded(), rules);
    let options = MatchOptions {
        k: 20,
        ..Default::default()
    };
    let mut levels: HashMap<String, Vec<String>> = HashMap::new();
    let deadline = Deadline::none();
    let (ours, failed) = rankings(&citizens, |c| {
        let resp = matcher.match_citizen(c.clone(), &options, &Scope::trusted(c, &deadline))?;
        levels.insert(
            c.citizen_ref.clone(),
            resp.candidates
                .iter()
                .map(|c| {
                    c.breakdown
                        .as_ref()
                        .map(|b| format!("{}|{}", b.fit_level, b.matched_goal))
                        .unwrap_or_default()
                })
                .collect(),
        );
        Ok(resp
            .candidates
            .into_iter()
            .filter_map(|c| c.need.map(|n| n.need_id))
            .collect())
    });
    let (base, _) = rankings(&citizens, |c| Ok(baseline_ranking(&index, c, 20)?));
    if let Some(path) = dump {
        let mut out = String::new();
        for c in &citizens {
            let line = serde_json::json!({"citizen_ref": c.citizen_ref, "ranking": ours.get(&c.citizen_ref), "levels": levels.get(&c.citizen_ref)});
            out.push_str(&line.to_string());
            out.push('\n');
        }
        std::fs::write(path, out)?;
    }
    let snapshot = index.snapshot();
    let catalog = &snapshot.catalog;
    let mut reports = vec![
        score("jobmatch", catalog, &citizens, &qrels, &ours),
        score(
            "baseline: BM25, no conditions",
            catalog,
            &citizens,
            &qrels,
            &base,
        ),
    ];
    if failed > 0 {
        reports[0]
            .method
            .push_str(&format!(" ({failed} citizens failed)"));
    }
    Ok(reports)
}

pub fn print_eval(corpus: &Path, reports: &[EvalReport]) {
    println!(
        "corpus {}: {} citizens",
        corpus.display(),
        reports.first().map(|r| r.citizens).unwrap_or(0)
    );
    println!(
        "| method | nDCG@10 | recall@20 (grade>=2) | violations | paid hours first (equal-grade ties) |"
    );
    println!("|---|---|---|---|---|");
    for r in reports {
        println!(
            "| {} | {:.3} | {:.3} | {:.3} | {:.3} |",
            r.method, r.ndcg_at_10, r.recall_at_20, r.violation_rate, r.paid_first
        );
    }
}

fn percentile_line(name: &str, h: &Histogram<u64>) -> String {
    let ms = |q: f64| h.value_at_quantile(q) as f64 / 1000.0;
    format!(
        "{name}: n={} p50 {:.2} ms, p90 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        h.len(),
        ms(0.50),
        ms(0.90),
        ms(0.99),
        h.max() as f64 / 1000.0
    )
}

pub enum BenchCorpus {
    Folder(PathBuf),
    Generated { needs: usize, seed: u64 },
}

/// Ingest throughput, MatchCitizen and SearchCompanies latency, in process (no network), one query at a time.
pub fn bench(
    corpus: BenchCorpus,
    citizens_file: &Path,
    rounds: usize,
    data_dir: Option<&Path>,
) -> anyhow::Result<()> {
    let resolver = Arc::new(TaxonomyResolver::new(Taxonomy::embedded()));
    let index = Arc::new(match data_dir {
        Some(d) => JobIndex::open(d, resolver, 256 << 20)?,
        None => JobIndex::open_in_ram(resolver)?,
    });
    let started = Instant::now();
    let (companies, needs, rejected) = match &corpus {
        BenchCorpus::Folder(dir) => {
            let s = ingest_files(
                &index,
                Some(&dir.join("companies.jsonl")),
                Some(&dir.join("needs.jsonl")),
                &mut Bar(None),
            )?;
            (s.companies, s.needs, s.errors.len())
        }
        BenchCorpus::Generated { needs, seed } => {
            let demo = jobmatch_demo::corpus(*seed, *needs);
            let gen_time = started.elapsed();
            println!(
                "generated {} companies and {} needs in {:.2} s",
                demo.companies.len(),
                demo.needs.len(),
                gen_time.as_secs_f64()
            );
            // Through JSON text and the same parse path as file ingest, so the figure is comparable.
            let lines_c: Vec<String> = demo.companies.iter().map(|v| v.to_string()).collect();
            let lines_n: Vec<String> = demo.needs.iter().map(|v| v.to_string()).collect();
            let t = Instant::now();
            let mut summary = IngestSummary::default();
            let mut tx = index.begin();
            let rc = std::io::Cursor::new(lines_c.join("\n"));
            ingest_reader(&mut tx, rc, "companies", &COMPANIES, &mut summary, &mut ())?;
            let rn = std::io::Cursor::new(lines_n.join("\n"));
            ingest_reader(&mut tx, rn, "needs", &NEEDS, &mut summary, &mut ())?;
            tx.commit(None)?;
            let secs = t.elapsed().as_secs_f64();
            println!(
                "ingest: {} records in {:.2} s = {:.0} records/s ({:.0} needs/s counting needs only)",
                summary.companies + summary.needs,
                secs,
                (summary.companies + summary.needs) as f64 / secs,
                summary.needs as f64 / secs
            );
            (summary.companies, summary.needs, summary.errors.len())
        }
    };
    if let BenchCorpus::Folder(_) = corpus {
        let secs = started.elapsed().as_secs_f64();
        println!(
            "ingest: {} records in {:.2} s = {:.0} records/s",
            companies + needs,
            secs,
            (companies + needs) as f64 / secs
        );
    }
    println!("index: {companies} companies, {needs} needs, {rejected} rejected");

    let (citizens, _) = load_citizens(citizens_file)?;
    anyhow::ensure!(
        !citizens.is_empty(),
        "no citizens in {}",
        citizens_file.display()
    );
    let matcher = Matcher::new(
        Arc::clone(&index),
        Taxonomy::embedded(),
        MatchRules::default(),
    );
    let options = MatchOptions {
        k: 10,
        ..Default::default()
    };
    let deadline = Deadline::none();
    for c in citizens.iter().take(20) {
        let _ = matcher.match_citizen(c.clone(), &options, &Scope::trusted(c, &deadline));
    }
    let mut h = Histogram::<u64>::new(3)?;
    let mut returned = 0usize;
    for _ in 0..rounds {
        for c in &citizens {
            let t = Instant::now();
            let r = matcher.match_citizen(c.clone(), &options, &Scope::trusted(c, &deadline))?;
            h.record(t.elapsed().as_micros() as u64)?;
            returned += r.candidates.len();
        }
    }
    println!(
        "{} (avg {:.1} candidates)",
        percentile_line("MatchCitizen", &h),
        returned as f64 / h.len().max(1) as f64
    );

    let queries = [
        ("lager", Some(("8000", 25.0))),
        ("rengøring", None),
        ("restaurant køkken", Some(("2100", 10.0))),
        ("børnehave", None),
        ("lagermedarbejder truck", Some(("5000", 30.0))),
        ("slagteri", None),
        ("resturant", None),
        ("", Some(("9000", 15.0))),
    ];
    let mut hs = Histogram::<u64>::new(3)?;
    for round in 0..rounds.max(1) * 20 {
        for (text, near) in &queries {
            let near =
                near.and_then(|(pc, r)| jobmatch_refdata::postcode(pc).map(|p| (p.lat, p.lon, r)));
            let q = CompanyQuery {
                text: text.to_string(),
                near,
                page_size: 20,
                has_open_needs: (round % 2 == 0).then_some(true),
                ..Default::default()
            };
            let t = Instant::now();
            let _ = search_companies(&index, &q, &deadline)?;
            hs.record(t.elapsed().as_micros() as u64)?;
        }
    }
    println!("{}", percentile_line("SearchCompanies", &hs));
    let hg = grpc_latency(&index, &citizens, rounds)?;
    println!(
        "{}",
        percentile_line("MatchCitizen over gRPC (loopback, real server)", &hg)
    );
    Ok(())
}

/// MatchCitizen as a client sees it: the real server on a loopback port, one call at a time.
fn grpc_latency(
    index: &Arc<JobIndex>,
    citizens: &[CitizenProfile],
    rounds: usize,
) -> anyhow::Result<Histogram<u64>> {
    use jobmatch_proto::v1::MatchCitizenRequest;
    use jobmatch_proto::v1::match_service_client::MatchServiceClient;

    let config = crate::Config::default();
    let matcher = Arc::new(Matcher::new(
        Arc::clone(index),
        Taxonomy::embedded(),
        config.rules.clone(),
    ));
    let app = Arc::new(crate::App::new(config, Arc::clone(index), matcher));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(crate::server::serve(app, listener, async {
            let _ = stopped.await;
        }));
        let mut client = loop {
            match MatchServiceClient::connect(format!("http://{addr}")).await {
                Ok(c) => break c,
                Err(_) => tokio::time::sleep(std::time::Duration::from_millis(20)).await,
            }
        };
        let options = MatchOptions {
            k: 10,
            ..Default::default()
        };
        let mut h = Histogram::<u64>::new(3)?;
        for round in 0..=rounds {
            for c in citizens {
                let request = MatchCitizenRequest {
                    citizen: Some(c.clone()),
                    options: Some(options.clone()),
                };
                let t = Instant::now();
                client.match_citizen(request).await?;
                // The first round warms connections and caches.
                if round > 0 {
                    h.record(t.elapsed().as_micros() as u64)?;
                }
            }
        }
        let _ = stop.send(());
        server.await??;
        Ok(h)
    })
}

pub fn demo_data(out: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(out)?;
    let demo = jobmatch_demo::default_demo();
    demo.write_jsonl(&out.join("companies.jsonl"), &out.join("needs.jsonl"))?;
    println!(
        "wrote {} companies and {} needs to {}",
        demo.companies.len(),
        demo.needs.len(),
        out.display()
    );
    Ok(())
}

/// Opens the app on a runtime; with Redis, follows the change log until this replica has caught up.
async fn open_caught_up(config: crate::Config) -> anyhow::Result<Arc<crate::App>> {
    let app = Arc::new(tokio::task::block_in_place(|| crate::App::open(config))?);
    if let Some(r) = &app.replication {
        tokio::spawn(Arc::clone(r).follow(Arc::clone(&app.writer)));
        while !r.caught_up() {
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
    }
    app.refresh_company_records().await?;
    Ok(app)
}

/// The `rematch` command: returns false when a run is in progress and `join` is not set.
pub fn rematch(
    config: crate::Config,
    jobcenter: Option<String>,
    join: bool,
    concurrency: Option<usize>,
) -> anyhow::Result<bool> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let concurrency = concurrency.unwrap_or_else(|| config.threads());
        let app = open_caught_up(config).await?;
        let run = match app.store.current_run().await? {
            Some(run) if join => run,
            Some(run) => {
                eprintln!(
                    "a rematch run is in progress ({}); use --join to work on it",
                    run.run_id
                );
                return Ok(false);
            }
            None => crate::rematch::start(&app, jobcenter).await?,
        };
        println!("rematch run {} over {} citizens", run.run_id, run.total);
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = ProgressBar::new(run.total);
            if let Ok(style) = ProgressStyle::with_template(
                "{msg:>10} [{bar:40}] {pos}/{len} citizens {per_sec} eta {eta}",
            ) {
                bar.set_style(style.progress_chars("=> "));
            }
            bar.set_message("rematch");
            bar
        });
        let counts = Arc::new(crate::rematch::WorkerCounts::default());
        let started = Instant::now();
        let worker = crate::rematch::worker_name();
        let mut last_log = Instant::now();
        let status = crate::rematch::work_run(&app, &run.run_id, &worker, concurrency, &counts, |s| {
            if let Some(b) = &bar {
                b.set_length(s.total);
                b.set_position(s.done + s.failed);
            } else if last_log.elapsed().as_secs() >= 10 {
                last_log = Instant::now();
                tracing::info!(done = s.done, failed = s.failed, total = s.total, "rematch progress");
            }
        })
        .await?;
        if let Some(b) = bar {
            b.finish();
        }
        let secs = started.elapsed().as_secs_f64();
        let mine = counts.stored.load(std::sync::atomic::Ordering::Relaxed);
        println!(
            "run {} {}: {} citizens matched, {} failed, {} new candidates; this worker stored {} in {:.1} s ({:.1} citizens/s)",
            status.run_id,
            status.state,
            status.done,
            status.failed,
            status.new_candidates,
            mine,
            secs,
            mine as f64 / secs.max(1e-9)
        );
        Ok(true)
    })
}

/// The `snapshot` command.
pub fn snapshot(config: crate::Config) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let app = open_caught_up(config).await?;
        let Some(r) = &app.replication else {
            anyhow::bail!("snapshots are for the Redis backend (store.backend = \"redis\")");
        };
        let (at, n) = r.snapshot(std::time::Duration::from_secs(3600)).await?;
        println!("snapshot of {n} records at change-log position {at} written; the log is trimmed behind it");
        Ok(())
    })
}
