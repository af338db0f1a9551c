//! Single-thread latency of `normalize` on titles and goals, and on typed prefixes (typeahead runs
//! through `normalize` too): p50, p99 and max over all calls, and the same over each text's fastest
//! of the passes, which leaves out time the thread spent descheduled on a busy machine.
//!
//! Usage: cargo run --release -p jobmatch-taxonomy --example latency -- FILE.tsv...
//! (first column of each file is the text; prefixes of 3 to 6 letters are cut from those texts)

use std::time::Instant;

// As in the server binary: allocation is a large part of normalising a title, and glibc malloc would make the
// figures here slower than the RPC's.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use jobmatch_taxonomy::Taxonomy;

fn percentiles(mut micros: Vec<f64>) -> String {
    micros.sort_by(f64::total_cmp);
    let at = |q: f64| micros[((micros.len() - 1) as f64 * q) as usize];
    format!(
        "n={} p50={:.0}us p99={:.0}us max={:.0}us",
        micros.len(),
        at(0.5),
        at(0.99),
        at(1.0)
    )
}

/// Per text: the time of every pass.
fn time_all(t: &Taxonomy, texts: &[String], passes: usize) -> Vec<Vec<f64>> {
    let mut out = vec![Vec::with_capacity(passes); texts.len()];
    for _ in 0..passes {
        for (text, times) in texts.iter().zip(out.iter_mut()) {
            let start = Instant::now();
            std::hint::black_box(t.normalize(text, 10));
            times.push(start.elapsed().as_secs_f64() * 1e6);
        }
    }
    out
}

fn report(name: &str, times: Vec<Vec<f64>>) {
    let best: Vec<f64> = times
        .iter()
        .map(|t| t.iter().copied().fold(f64::INFINITY, f64::min))
        .collect();
    let all: Vec<f64> = times.into_iter().flatten().collect();
    println!("{name:<10} all calls:    {}", percentiles(all));
    println!("{name:<10} best of runs: {}", percentiles(best));
}

fn main() {
    let mut texts: Vec<String> = Vec::new();
    for path in std::env::args().skip(1) {
        let src = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        texts.extend(
            src.lines()
                .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
                .filter_map(|l| l.split('\t').next().map(str::to_string)),
        );
    }
    if texts.is_empty() {
        eprintln!("usage: latency FILE.tsv...");
        std::process::exit(2);
    }
    let prefixes: Vec<String> = texts
        .iter()
        .flat_map(|s| (3..=6).map(move |n| s.chars().take(n).collect::<String>()))
        .collect();
    let t = Taxonomy::embedded();
    // Warm-up: the embedded data is parsed on first use.
    time_all(t, &texts, 1);
    let times = time_all(t, &texts, 5);
    // JOBMATCH_SLOWEST=N lists the N texts whose fastest pass was slowest: where to look for the tail.
    if let Some(n) = std::env::var("JOBMATCH_SLOWEST")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
    {
        let mut best: Vec<(f64, &String)> = times
            .iter()
            .map(|t| t.iter().copied().fold(f64::INFINITY, f64::min))
            .zip(&texts)
            .collect();
        best.sort_by(|a, b| b.0.total_cmp(&a.0));
        for (us, text) in best.into_iter().take(n) {
            println!("{us:>8.0}us  {text}");
        }
    }
    report("normalize", times);
    report("typeahead", time_all(t, &prefixes, 5));
}
