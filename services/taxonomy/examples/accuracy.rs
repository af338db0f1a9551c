//! Measures how well `normalize` maps need titles and citizen job goals to the
//! ISCO-08 codes given in a dataset.
//!
//! Usage: cargo run --release --example accuracy -- NEEDS.jsonl CITIZENS.jsonl [--misses]

use std::collections::HashMap;
use std::time::Instant;

use jobmatch_taxonomy::Taxonomy;

#[derive(Default)]
struct Score {
    n: usize,
    unit1: usize,
    unit3: usize,
    minor1: usize,
    minor3: usize,
}

impl Score {
    fn add(&mut self, predicted: &[String], gold: &[String]) -> bool {
        self.n += 1;
        let unit = |k: usize| predicted.iter().take(k).any(|p| gold.contains(p));
        let minor = |k: usize| {
            predicted.iter().take(k).any(|p| {
                gold.iter()
                    .any(|g| g.get(..3).is_some() && g.get(..3) == p.get(..3))
            })
        };
        let hit = unit(1);
        self.unit1 += usize::from(hit);
        self.unit3 += usize::from(unit(3));
        self.minor1 += usize::from(minor(1));
        self.minor3 += usize::from(minor(3));
        hit
    }

    fn print(&self, name: &str) {
        let r = |x: usize| x as f64 / self.n.max(1) as f64;
        println!(
            "{name:<8} n={:<5} unit@1={:.3} unit@3={:.3} minor@1={:.3} minor@3={:.3}",
            self.n,
            r(self.unit1),
            r(self.unit3),
            r(self.minor1),
            r(self.minor3)
        );
    }
}

/// Distinct ISCO unit groups in rank order: accuracy@k is about k different guesses.
fn predict(t: &Taxonomy, text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for m in t.normalize(text, 10) {
        if !out.contains(&m.isco_code) {
            out.push(m.isco_code);
        }
    }
    out
}

/// The ESCO occupation the matcher reads for a coded text: the best match inside the
/// coded unit group (as services/matching does), else the group itself.
fn coded_uri(t: &Taxonomy, text: &str, code: &str) -> String {
    let unit = code.get(..4).unwrap_or(code);
    t.normalize(text, 10)
        .into_iter()
        .find(|m| m.isco_code == unit && !m.esco_uri.is_empty())
        .map(|m| m.esco_uri)
        .unwrap_or_default()
}

/// One edit (swap, drop, double or replace a letter) in the longest word, chosen by `seed`.
fn add_typo(text: &str, seed: usize) -> String {
    let words: Vec<&str> = text.split(' ').collect();
    let Some((wi, w)) = words
        .iter()
        .enumerate()
        .max_by_key(|(_, w)| w.chars().count())
    else {
        return text.to_string();
    };
    let mut c: Vec<char> = w.chars().collect();
    if c.len() < 5 {
        return text.to_string();
    }
    let h = seed.wrapping_mul(2_654_435_761) >> 7;
    let pos = 1 + h % (c.len() - 2);
    match h % 4 {
        0 => c.swap(pos, pos + 1),
        1 => {
            c.remove(pos);
        }
        2 => c.insert(pos, c[pos]),
        _ => c[pos] = if c[pos] == 'e' { 'a' } else { 'e' },
    }
    let mut out: Vec<String> = words.iter().map(|s| s.to_string()).collect();
    out[wi] = c.into_iter().collect();
    out.join(" ")
}

fn read_jsonl(path: &str) -> Vec<serde_json::Value> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {path}: {e}"));
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect()
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let show_misses = args.iter().any(|a| a == "--misses");
    // --typos: inject one deterministic typo per text, to measure robustness to
    // misspellings without needing a set that contains them.
    let typos = args.iter().any(|a| a == "--typos");
    let paths: Vec<&String> = args.iter().filter(|a| !a.starts_with("--")).collect();
    let (Some(needs), Some(citizens)) = (paths.first(), paths.get(1)) else {
        eprintln!("usage: accuracy NEEDS.jsonl CITIZENS.jsonl [--misses]");
        std::process::exit(2);
    };
    let t0 = Instant::now();
    let t = Taxonomy::embedded();
    println!(
        "load: {:.1} ms, {} occupations",
        t0.elapsed().as_secs_f64() * 1e3,
        t.occupation_count()
    );

    let mut texts: Vec<String> = Vec::new();
    let mut titles = Score::default();
    // Consistency of the ESCO occupation chosen inside a unit group: code -> uri -> count.
    let mut need_uris: HashMap<String, HashMap<String, usize>> = HashMap::new();
    let mut goal_uris: Vec<(String, String)> = Vec::new();
    for n in read_jsonl(needs) {
        let Some(title) = n["title"].as_str() else {
            continue;
        };
        texts.push(title.to_string());
        let gold: Vec<String> = n["occupation_codes"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|c| c.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        if gold.is_empty() {
            continue;
        }
        if let Some(g) = gold.first() {
            *need_uris
                .entry(g.clone())
                .or_default()
                .entry(coded_uri(t, title, g))
                .or_default() += 1;
        }
        let title = if typos {
            add_typo(title, titles.n)
        } else {
            title.to_string()
        };
        let title = title.as_str();
        let p = predict(t, title);
        if !titles.add(&p, &gold) && show_misses {
            println!(
                "MISS title {title:?} gold={gold:?} got={:?}",
                &p[..p.len().min(3)]
            );
        }
    }
    let mut goals = Score::default();
    for c in read_jsonl(citizens) {
        for g in c["job_goals"].as_array().into_iter().flatten() {
            let Some(text) = g["text"].as_str() else {
                continue;
            };
            texts.push(text.to_string());
            let Some(code) = g["occupation_code"].as_str() else {
                continue;
            };
            goal_uris.push((code.to_string(), coded_uri(t, text, code)));
            let text = if typos {
                add_typo(text, goals.n)
            } else {
                text.to_string()
            };
            let text = text.as_str();
            let p = predict(t, text);
            let gold = vec![code.get(..4).unwrap_or(code).to_string()];
            if !goals.add(&p, &gold) && show_misses {
                println!(
                    "MISS goal {text:?} gold={gold:?} got={:?}",
                    &p[..p.len().min(3)]
                );
            }
        }
        for comp in c["competences"].as_array().into_iter().flatten() {
            if let Some(s) = comp.as_str() {
                texts.push(s.to_string());
            }
        }
    }
    titles.print("titles");
    goals.print("goals");
    let codes = need_uris.len().max(1) as f64;
    let distinct: usize = need_uris.values().map(HashMap::len).sum();
    let modal = |code: &str| {
        need_uris.get(code.get(..4).unwrap_or(code)).and_then(|m| {
            m.iter()
                .max_by(|a, b| a.1.cmp(b.1).then_with(|| b.0.cmp(a.0)))
                .map(|(u, _)| u.clone())
        })
    };
    let agree = goal_uris
        .iter()
        .filter(|(c, u)| !u.is_empty() && modal(c).as_deref() == Some(u.as_str()))
        .count();
    println!(
        "esco     uris/code(needs)={:.2} goal=modal need uri {:.3} (n={})",
        distinct as f64 / codes,
        agree as f64 / goal_uris.len().max(1) as f64,
        goal_uris.len()
    );

    let rounds = 5;
    let start = Instant::now();
    let mut total = 0usize;
    for _ in 0..rounds {
        for s in &texts {
            total += t.normalize(s, 10).len();
        }
    }
    let per = start.elapsed().as_secs_f64() * 1e6 / (rounds * texts.len()).max(1) as f64;
    println!(
        "latency: {per:.1} us/normalize over {} calls ({total} results)",
        rounds * texts.len()
    );

    // Worst case: long pasted text of unknown long words (all go through typo correction).
    let garbage: String = (0..1000).map(|i| format!("xqzwvbnmlkjhg{i} ")).collect();
    let hostile = [
        garbage.as_str(),
        "rengøringsasistent på et hospitalsafdelingskøkken i nærheden",
    ];
    for h in hostile {
        let start = Instant::now();
        for _ in 0..20 {
            std::hint::black_box(t.normalize(h, 10));
        }
        println!(
            "worst-case latency: {:.1} us ({} chars)",
            start.elapsed().as_secs_f64() * 1e6 / 20.0,
            h.chars().count()
        );
    }
}
