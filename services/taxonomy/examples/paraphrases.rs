//! Reports unit@1 / unit@3 of `normalize` on the hand-written paraphrase set `tests/data/paraphrases.tsv`
//! (colloquial wording of entry-level job goals), or FILE (e.g. `tests/data/paraphrases_heldout.tsv`).
//!
//! Usage: cargo run --release --example paraphrases -- [FILE] [--misses]

#[path = "../tests/support/paraphrase_score.rs"]
mod paraphrase_score;

use std::time::Instant;

use jobmatch_taxonomy::Taxonomy;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let show_misses = args.iter().any(|a| a == "--misses");
    let path = args
        .iter()
        .find(|a| !a.starts_with("--"))
        .cloned()
        .unwrap_or_else(|| {
            concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/paraphrases.tsv").into()
        });
    let src = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {path}: {e}"));
    let t0 = Instant::now();
    let s = paraphrase_score::score(Taxonomy::embedded(), &src);
    let per_text = t0.elapsed().as_secs_f64() * 1e6 / s.n.max(1) as f64;
    if show_misses {
        for m in &s.misses {
            println!("MISS {:?} gold={:?} got={:?}", m.text, m.gold, m.got);
        }
    }
    println!(
        "paraphrases n={} unit@1={:.3} unit@3={:.3} ({per_text:.1} µs/text)",
        s.n,
        s.rate(s.unit_at_1),
        s.rate(s.unit_at_3)
    );
}
