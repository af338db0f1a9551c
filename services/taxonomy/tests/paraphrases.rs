//! Colloquial paraphrases of entry-level job goals, written by hand before looking at the normaliser's
//! answers. Both sets have since been worked on, so they guard against regressions; the held-out measure
//! of official titles is `tests/official_titles.rs`.

#[path = "support/paraphrase_score.rs"]
mod paraphrase_score;

use jobmatch_taxonomy::Taxonomy;
use paraphrase_score::score;

/// tests/data/paraphrases.tsv: the first set, training data (tuned on), so it guards against regressions.
#[test]
fn paraphrase_accuracy() {
    let s = score(Taxonomy::embedded(), include_str!("data/paraphrases.tsv"));
    let (r1, r3) = (s.rate(s.unit_at_1), s.rate(s.unit_at_3));
    println!("paraphrases n={} unit@1={r1:.3} unit@3={r3:.3}", s.n);
    let misses: Vec<String> = s
        .misses
        .iter()
        .map(|m| format!("{} -> {:?} (want {:?})", m.text, m.got.first(), m.gold))
        .collect();
    assert!(s.n >= 250, "{}", s.n);
    assert!(r1 >= 0.9, "unit@1 {r1:.3}; misses: {misses:#?}");
    assert!(r3 >= 0.97, "unit@3 {r3:.3}");
}

/// tests/data/paraphrases_heldout.tsv: caseworker-style sentences, job-board titles with filler words,
/// misspellings. Development data (see the file header); only reports, so that it is not tuned on row by row:
/// `cargo test -p jobmatch-taxonomy --test paraphrases -- --nocapture`.
#[test]
fn heldout_paraphrases_report() {
    let s = score(
        Taxonomy::embedded(),
        include_str!("data/paraphrases_heldout.tsv"),
    );
    println!(
        "heldout paraphrases n={} unit@1={:.3} unit@3={:.3}",
        s.n,
        s.rate(s.unit_at_1),
        s.rate(s.unit_at_3)
    );
    assert!(s.n >= 150, "{}", s.n);
}
