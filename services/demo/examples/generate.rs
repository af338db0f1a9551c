//! Write a data set as JSON Lines and report how long generation took.
//!
//! `cargo run --release -p jobmatch-demo --example generate -- OUT_DIR [NEEDS] [SEED]`
//! Without NEEDS it writes the default demo set; with NEEDS a benchmark corpus of exactly that many needs.

use std::path::PathBuf;
use std::time::Instant;

fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let out = PathBuf::from(args.next().unwrap_or_else(|| ".".into()));
    let needs: Option<usize> = args
        .next()
        .map(|n| n.parse().expect("NEEDS must be a number"));
    let seed: u64 = args.next().map_or(jobmatch_demo::DEFAULT_SEED, |s| {
        s.parse().expect("SEED must be a number")
    });
    let start = Instant::now();
    let data = match needs {
        Some(n) => jobmatch_demo::corpus(seed, n),
        None => jobmatch_demo::default_demo(),
    };
    let generated = start.elapsed();
    std::fs::create_dir_all(&out)?;
    data.write_jsonl(&out.join("companies.jsonl"), &out.join("needs.jsonl"))?;
    eprintln!(
        "{} companies, {} needs: generated in {:.3} s, written in {:.3} s",
        data.companies.len(),
        data.needs.len(),
        generated.as_secs_f64(),
        (start.elapsed() - generated).as_secs_f64()
    );
    Ok(())
}
