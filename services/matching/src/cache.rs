//! Memoised taxonomy look-ups. Job goals, earlier-work titles and competences repeat heavily across citizens
//! ("lagerarbejde", "serviceminded"), and normalising one costs tens of microseconds, so a match reuses earlier
//! results. Bounded: the maps are cleared when they grow past `MAX_ENTRIES`.

use std::collections::HashMap;
use std::sync::Mutex;

use jobmatch_taxonomy::{OccupationMatch, Taxonomy};

const MAX_ENTRIES: usize = 50_000;

pub struct CachedTaxonomy {
    taxonomy: &'static Taxonomy,
    normalized: Mutex<HashMap<(String, usize), Vec<OccupationMatch>>>,
    hints: Mutex<HashMap<String, Vec<(String, f32)>>>,
}

fn memo<K: std::hash::Hash + Eq, V: Clone>(
    map: &Mutex<HashMap<K, V>>,
    key: K,
    compute: impl FnOnce() -> V,
) -> V {
    if let Ok(m) = map.lock()
        && let Some(v) = m.get(&key)
    {
        return v.clone();
    }
    let v = compute();
    if let Ok(mut m) = map.lock() {
        if m.len() >= MAX_ENTRIES {
            m.clear();
        }
        m.insert(key, v.clone());
    }
    v
}

impl CachedTaxonomy {
    pub fn new(taxonomy: &'static Taxonomy) -> Self {
        CachedTaxonomy {
            taxonomy,
            normalized: Mutex::default(),
            hints: Mutex::default(),
        }
    }

    pub fn taxonomy(&self) -> &'static Taxonomy {
        self.taxonomy
    }

    pub fn normalize(&self, text: &str, limit: usize) -> Vec<OccupationMatch> {
        memo(&self.normalized, (text.to_string(), limit), || {
            self.taxonomy.normalize(text, limit)
        })
    }

    pub fn competence_hints(&self, competence: &str) -> Vec<(String, f32)> {
        memo(&self.hints, competence.to_string(), || {
            self.taxonomy.competence_hints(competence)
        })
    }
}
