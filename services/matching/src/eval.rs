//! Match-quality evaluation as in shared/docs/ranking-evaluation.md: nDCG@10 (gain 2^grade - 1), recall@20 of
//! grade >= 2, the violation rate of the top 10, and how often paid-hours candidates come first among
//! equal-grade ties. The violation check below is written from the grading rules, apart from the matcher's
//! own conditions, so a matcher bug cannot hide itself.

use std::collections::HashMap;
use std::io::BufRead;
use std::path::Path;

use jobmatch_indexer::ingest::parse_record;
use jobmatch_indexer::search::{ids, needs_matching, word_variants};
use jobmatch_indexer::validate::{DANISH_LEVELS, PHYSICAL_LEVELS, level};
use jobmatch_indexer::{JobIndex, Snapshot, geo};
use jobmatch_proto::v1::CitizenProfile;
use tantivy::collector::TopDocs;
use tantivy::query::{Occur, Query};

/// citizen_ref -> need_id -> grade
pub type Qrels = HashMap<String, HashMap<String, u8>>;

pub fn load_qrels(path: &Path) -> std::io::Result<Qrels> {
    let mut q: Qrels = HashMap::new();
    for (i, line) in std::io::BufReader::new(std::fs::File::open(path)?)
        .lines()
        .enumerate()
    {
        let line = line?;
        let cols: Vec<&str> = line.split('\t').collect();
        if i == 0 && cols.first() == Some(&"citizen_ref") {
            continue;
        }
        if let [citizen, need, grade, ..] = cols[..]
            && let Ok(g) = grade.trim().parse::<u8>()
        {
            q.entry(citizen.to_string())
                .or_default()
                .insert(need.to_string(), g);
        }
    }
    Ok(q)
}

/// Citizens of a JSON Lines file; a line that does not parse is returned as an error message with its line.
pub fn load_citizens(path: &Path) -> std::io::Result<(Vec<CitizenProfile>, Vec<String>)> {
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for (i, line) in std::io::BufReader::new(std::fs::File::open(path)?)
        .lines()
        .enumerate()
    {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        match parse_record::<CitizenProfile>(&line, "citizen_ref") {
            Ok((c, _)) => out.push(c),
            Err(e) => errors.push(format!("line {}: {}: {}", i + 1, e.field, e.reason)),
        }
    }
    Ok((out, errors))
}

#[derive(Debug, Clone, Default)]
pub struct EvalReport {
    pub method: String,
    pub citizens: usize,
    pub ndcg_at_10: f64,
    pub recall_at_20: f64,
    pub violation_rate: f64,
    /// Share of equal-grade pairs (one offers paid hours, one does not) where the paid one comes first.
    pub paid_first: f64,
}

/// True when the need breaks a hard condition for the citizen, judged from the grading rules.
pub fn violates(snapshot: &Snapshot, c: &CitizenProfile, need_id: &str) -> bool {
    // The record itself, not the matcher's packed summary of it: the grader must not share the matcher's
    // reading of a need.
    let (Some(n), Ok(Some(r))) = (
        snapshot.catalog.need(need_id),
        snapshot.need_record(need_id),
    ) else {
        return true;
    };
    let r = &r;
    let (hlat, hlon) = c
        .home
        .as_ref()
        .map(|h| (h.lat.unwrap_or(0.0), h.lon.unwrap_or(0.0)))
        .unwrap_or_default();
    let home = match c
        .home
        .as_ref()
        .filter(|h| h.lat.is_none())
        .and_then(|h| jobmatch_refdata::postcode(&h.postcode))
    {
        Some(pc) => (pc.lat, pc.lon),
        None => (hlat, hlon),
    };
    let lic = r.driving_licence.as_deref().unwrap_or("");
    let min_hours = r.hours_per_week.map(|h| h.min).unwrap_or(0);
    r.status != "open"
        || geo::haversine_km(home.0, home.1, n.lat, n.lon) > c.max_distance_km
        || (!lic.is_empty() && !c.driving_licences.iter().any(|l| l == lic))
        || level(&PHYSICAL_LEVELS, &r.physical_demand)
            > level(&PHYSICAL_LEVELS, &c.physical_capacity)
        || !r.shifts.iter().any(|s| c.shifts_possible.contains(s))
        || min_hours > c.available_hours_per_week + 5
        || level(&DANISH_LEVELS, &r.danish_level) > level(&DANISH_LEVELS, &c.danish_level)
}

/// Scores rankings (need ids, best first, at least 20 deep for recall) against the qrels.
pub fn score(
    method: &str,
    snapshot: &Snapshot,
    citizens: &[CitizenProfile],
    qrels: &Qrels,
    rankings: &HashMap<String, Vec<String>>,
) -> EvalReport {
    let empty = HashMap::new();
    let (mut ndcg_sum, mut ndcg_n) = (0.0, 0usize);
    let (mut rec_sum, mut rec_n) = (0.0, 0usize);
    let (mut returned, mut violations) = (0usize, 0usize);
    let (mut pairs, mut paid_first) = (0usize, 0usize);
    for c in citizens {
        let judged = qrels.get(&c.citizen_ref).unwrap_or(&empty);
        let ranking = rankings
            .get(&c.citizen_ref)
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        let grade = |id: &String| judged.get(id).copied().unwrap_or(0);
        let top10 = &ranking[..ranking.len().min(10)];
        let mut ideal: Vec<u8> = judged.values().copied().filter(|g| *g > 0).collect();
        if !ideal.is_empty() {
            ideal.sort_unstable_by(|a, b| b.cmp(a));
            let dcg = |grades: &mut dyn Iterator<Item = u8>| -> f64 {
                grades
                    .take(10)
                    .enumerate()
                    .map(|(i, g)| (2f64.powi(i32::from(g)) - 1.0) / ((i + 2) as f64).log2())
                    .sum()
            };
            let idcg = dcg(&mut ideal.iter().copied());
            ndcg_sum += dcg(&mut top10.iter().map(grade)) / idcg;
            ndcg_n += 1;
        }
        let relevant = judged.values().filter(|g| **g >= 2).count();
        if relevant > 0 {
            let found = ranking.iter().take(20).filter(|id| grade(id) >= 2).count();
            rec_sum += found as f64 / relevant as f64;
            rec_n += 1;
        }
        for id in top10 {
            returned += 1;
            violations += usize::from(violates(snapshot, c, id));
        }
        let offered = |id: &String| snapshot.catalog.need(id).is_some_and(|n| n.offered());
        for (i, a) in top10.iter().enumerate() {
            for b in &top10[i + 1..] {
                if grade(a) == grade(b) && offered(a) != offered(b) {
                    pairs += 1;
                    paid_first += usize::from(offered(a));
                }
            }
        }
    }
    let ratio = |a: f64, b: usize| if b == 0 { 0.0 } else { a / b as f64 };
    EvalReport {
        method: method.to_string(),
        citizens: citizens.len(),
        ndcg_at_10: ratio(ndcg_sum, ndcg_n),
        recall_at_20: ratio(rec_sum, rec_n),
        violation_rate: ratio(violations as f64, returned),
        paid_first: if pairs == 0 {
            1.0
        } else {
            paid_first as f64 / pairs as f64
        },
    }
}

/// The naive baseline: BM25 of the citizen's own text (goals, competences, earlier work, CV) against the
/// needs' title, description and competences, with no conditions at all.
pub fn baseline_ranking(
    index: &JobIndex,
    c: &CitizenProfile,
    k: usize,
) -> Result<Vec<String>, crate::MatchError> {
    let f = index.fields();
    let text: Vec<&str> = c
        .job_goals
        .iter()
        .map(|g| g.text.as_str())
        .chain(c.competences.iter().map(String::as_str))
        .chain(c.experience.iter().map(|e| e.title.as_str()))
        .chain(c.cv_text.as_deref())
        .collect();
    let terms = jobmatch_indexer::highlight::QueryTerms::parse(&text.join(" "));
    let mut words: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    for w in &terms.words {
        for field in [f.title, f.description, f.competences] {
            // Plain BM25: the stem only, no prefixes or typo variants.
            let plain = jobmatch_indexer::highlight::QueryWord {
                stem: w.stem.clone(),
                prefix: None,
                typo_distance: 0,
            };
            words.extend(word_variants(field, 1.0, &plain)?);
        }
    }
    let query = needs_matching(f, words);
    let snapshot = index.snapshot();
    let searcher = &snapshot.searcher;
    let top = searcher.search(&query, &TopDocs::with_limit(k.max(1)).order_by_score())?;
    let catalog = &snapshot.catalog;
    Ok(ids(searcher, f, top)?
        .into_iter()
        .filter_map(|(_, id)| catalog.need_by_id(id).map(|n| n.need_id.to_string()))
        .collect())
}
