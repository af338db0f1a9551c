//! The `ingest`, `eval`, `bench` and `demo-data` commands.

use std::collections::HashMap;
use std::io::IsTerminal;
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use indicatif::{ProgressBar, ProgressStyle};
use jobmatch_indexer::ingest::{IngestSummary, Progress, ingest_files};
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
    let mut reports = vec![
        score("jobmatch", &snapshot, &citizens, &qrels, &ours),
        score(
            "baseline: BM25, no conditions",
            &snapshot,
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

/// Writes the demo data set, or with `needs` the generated corpus of that many needs that `bench` uses.
pub fn demo_data(out: &Path, needs: Option<usize>) -> anyhow::Result<()> {
    std::fs::create_dir_all(out)?;
    let demo = match needs {
        Some(n) => jobmatch_demo::corpus(7, n),
        None => jobmatch_demo::default_demo(),
    };
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
