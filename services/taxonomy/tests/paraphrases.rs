//! Held-out colloquial paraphrases of entry-level job goals (tests/data/paraphrases.tsv,
//! written by hand before looking at the normaliser's answers): guards the
//! generalisation of `normalize` to wording that no dataset contains.

use jobmatch_taxonomy::Taxonomy;

const SET: &str = include_str!("data/paraphrases.tsv");

#[test]
fn paraphrase_accuracy() {
    let t = Taxonomy::embedded();
    let (mut n, mut u1, mut u3) = (0usize, 0usize, 0usize);
    let mut misses = Vec::new();
    for line in SET
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
    {
        let (text, gold) = line.split_once('\t').expect("text<TAB>codes");
        let gold: Vec<&str> = gold.split('|').map(str::trim).collect();
        let mut pred: Vec<String> = Vec::new();
        for m in t.normalize(text, 10) {
            if !pred.contains(&m.isco_code) {
                pred.push(m.isco_code);
            }
        }
        n += 1;
        let hit1 = pred.first().is_some_and(|p| gold.contains(&p.as_str()));
        u1 += usize::from(hit1);
        u3 += usize::from(pred.iter().take(3).any(|p| gold.contains(&p.as_str())));
        if !hit1 {
            misses.push(format!("{text} -> {:?}", pred.first()));
        }
    }
    let (r1, r3) = (u1 as f64 / n as f64, u3 as f64 / n as f64);
    println!("paraphrases n={n} unit@1={r1:.3} unit@3={r3:.3}");
    assert!(n >= 250, "{n}");
    assert!(r1 >= 0.9, "unit@1 {r1:.3}; misses: {misses:#?}");
    assert!(r3 >= 0.97, "unit@3 {r3:.3}");
}

/// Second held-out set (tests/data/paraphrases_heldout.tsv: caseworker-style sentences,
/// job-board titles with filler words, misspellings), written before running the
/// normaliser on it. Only reports, so that it is not tuned on row by row:
/// `cargo test -p jobmatch-taxonomy --test paraphrases -- --nocapture`.
#[test]
fn heldout_paraphrases_report() {
    const HELDOUT: &str = include_str!("data/paraphrases_heldout.tsv");
    let t = Taxonomy::embedded();
    let (mut n, mut u1, mut u3) = (0usize, 0usize, 0usize);
    for line in HELDOUT
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
    {
        let (text, gold) = line.split_once('\t').expect("text<TAB>codes");
        let gold: Vec<&str> = gold.split('|').map(str::trim).collect();
        let mut pred: Vec<String> = Vec::new();
        for m in t.normalize(text, 10) {
            if !pred.contains(&m.isco_code) {
                pred.push(m.isco_code);
            }
        }
        n += 1;
        u1 += usize::from(pred.first().is_some_and(|p| gold.contains(&p.as_str())));
        u3 += usize::from(pred.iter().take(3).any(|p| gold.contains(&p.as_str())));
    }
    println!(
        "heldout paraphrases n={n} unit@1={:.3} unit@3={:.3}",
        u1 as f64 / n as f64,
        u3 as f64 / n as f64
    );
    assert!(n >= 150, "{n}");
}
