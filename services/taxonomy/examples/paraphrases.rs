//! Reports unit@1 / unit@3 of `normalize` on the hand-written held-out paraphrase
//! set `tests/data/paraphrases.tsv` (colloquial wording of entry-level job goals), or FILE
//! (e.g. `tests/data/paraphrases_heldout.tsv`, the second held-out set).
//!
//! Usage: cargo run --release --example paraphrases -- [FILE] [--misses]

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
    let t = Taxonomy::embedded();
    let (mut n, mut u1, mut u3) = (0usize, 0usize, 0usize);
    let t0 = Instant::now();
    for line in src
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
    {
        let Some((text, gold)) = line.split_once('\t') else {
            continue;
        };
        let gold: Vec<&str> = gold.split('|').map(str::trim).collect();
        let mut pred: Vec<String> = Vec::new();
        for m in t.normalize(text, 10) {
            if !pred.contains(&m.isco_code) {
                pred.push(m.isco_code);
            }
        }
        n += 1;
        let hit1 = pred.first().is_some_and(|p| gold.contains(&p.as_str()));
        let hit3 = pred.iter().take(3).any(|p| gold.contains(&p.as_str()));
        u1 += usize::from(hit1);
        u3 += usize::from(hit3);
        if !hit1 && show_misses {
            println!(
                "MISS {text:?} gold={gold:?} got={:?}",
                &pred[..pred.len().min(3)]
            );
        }
    }
    let r = |x: usize| x as f64 / n.max(1) as f64;
    println!(
        "paraphrases n={n} unit@1={:.3} unit@3={:.3} ({:.1} µs/text)",
        r(u1),
        r(u3),
        t0.elapsed().as_secs_f64() * 1e6 / n.max(1) as f64
    );
}
