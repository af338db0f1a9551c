//! The latency baseline the benchmark measures beside the matcher, in the same run on the same index: a bare
//! Tantivy query as a plain search engine would answer a citizen. BM25 over the needs' title, description and
//! competences for the words of the citizen's goals and competences (any word), the hard conditions as filters
//! (the packed condition column and the search box), exact distance after, top k.

use jobmatch_indexer::highlight::{QueryTerms, QueryWord};
use jobmatch_indexer::needbits::CitizenMask;
use jobmatch_indexer::search::{bbox_clauses, needs_matching, word_variants};
use jobmatch_indexer::{IndexError, JobIndex, geo};
use jobmatch_proto::v1::CitizenProfile;
use tantivy::collector::{FilterCollector, TopDocs};
use tantivy::query::{BooleanQuery, ConstScoreQuery, Occur, Query};

/// Candidates taken from BM25 before the exact distance check cuts them to k.
const OVERFETCH: usize = 4;

/// Need ids of the top `k` needs for the citizen by the bare query.
pub fn bare_match(
    index: &JobIndex,
    c: &CitizenProfile,
    hours_slack: i32,
    k: usize,
) -> Result<Vec<u64>, IndexError> {
    let f = index.fields();
    let text: Vec<&str> = c
        .job_goals
        .iter()
        .map(|g| g.text.as_str())
        .chain(c.competences.iter().map(String::as_str))
        .collect();
    let terms = QueryTerms::parse(&text.join(" "));
    let mut words: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    for w in &terms.words {
        let plain = QueryWord {
            stem: w.stem.clone(),
            prefix: None,
            typo_distance: 0,
        };
        for field in [f.title, f.description, f.competences] {
            words.extend(word_variants(field, 1.0, &plain)?);
        }
    }
    let (lat, lon) = c
        .home
        .as_ref()
        .map(|h| (h.lat.unwrap_or(0.0), h.lon.unwrap_or(0.0)))
        .unwrap_or_default();
    let radius = c.max_distance_km;
    let mut clauses: Vec<(Occur, Box<dyn Query>)> =
        vec![(Occur::Must, Box::new(needs_matching(f, words)))];
    for b in bbox_clauses(f, lat, lon, radius) {
        clauses.push((Occur::Must, Box::new(ConstScoreQuery::new(b, 0.0))));
    }
    let query = BooleanQuery::new(clauses);
    let mask = CitizenMask::new(c, hours_slack, true);
    let collector = FilterCollector::new(
        "cond".to_string(),
        move |bits: u64| mask.allows(bits),
        TopDocs::with_limit(k * OVERFETCH).order_by_score(),
    );
    let snapshot = index.snapshot();
    let top = snapshot.searcher.search(&query, &collector)?;
    let ids = jobmatch_indexer::search::ids(&snapshot.searcher, f, top)?;
    Ok(ids
        .into_iter()
        .filter(|(_, id)| {
            snapshot
                .catalog
                .need_by_id(*id)
                .is_some_and(|n| geo::haversine_km(lat, lon, n.lat, n.lon) <= radius)
        })
        .map(|(_, id)| id)
        .take(k)
        .collect())
}
