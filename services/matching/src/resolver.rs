//! Resolves a need to occupations with the ESCO/ISCO taxonomy: given codes are trusted (the title only picks
//! the ESCO occupation inside the coded group), otherwise the title is normalised. Titles repeat a lot across
//! needs, so results are cached by (title, codes).

use jobmatch_indexer::{NeedOccupation, OccupationResolver};
use jobmatch_proto::v1::Need;
use jobmatch_taxonomy::Taxonomy;

use crate::cache::{ByteCache, DEFAULT_CACHE_BYTES, HeapSize};
use crate::profile::{coded_reading, esco_id, is_precise, relative_weight};

/// A need's title and codes: what its occupations are resolved from.
type TitleKey = (String, Vec<String>);

impl HeapSize for NeedOccupation {
    fn heap_size(&self) -> usize {
        std::mem::size_of::<Self>()
    }
}

pub struct TaxonomyResolver {
    taxonomy: &'static Taxonomy,
    cache: ByteCache<TitleKey, Vec<NeedOccupation>>,
}

impl TaxonomyResolver {
    pub fn new(taxonomy: &'static Taxonomy) -> Self {
        TaxonomyResolver {
            taxonomy,
            cache: ByteCache::new(DEFAULT_CACHE_BYTES),
        }
    }

    fn compute(&self, title: &str, codes: &[String]) -> Vec<NeedOccupation> {
        let mut out: Vec<NeedOccupation> = Vec::new();
        for code in codes {
            if let Some(r) = coded_reading(self.taxonomy, code, title)
                && !out.iter().any(|o| o.isco == r.group && o.esco == r.esco)
            {
                out.push(NeedOccupation {
                    isco: r.group,
                    esco: r.esco,
                    confidence: 1.0,
                    from_code: true,
                    precise: r.precise,
                });
            }
        }
        if out.is_empty() {
            let matches = self.taxonomy.normalize(title, 4);
            let top = matches.first().map(|m| m.score).unwrap_or(0.0);
            for m in matches
                .into_iter()
                .filter(|m| top > 0.0 && m.score >= top * 0.6)
                .take(3)
            {
                out.push(NeedOccupation {
                    confidence: relative_weight(m.score, top),
                    precise: is_precise(m.kind),
                    isco: m.isco_code.parse().unwrap_or(0),
                    esco: esco_id(&m.esco_uri),
                    from_code: false,
                });
            }
        }
        out
    }
}

impl OccupationResolver for TaxonomyResolver {
    fn resolve(&self, need: &Need) -> Vec<NeedOccupation> {
        let key = (need.title.clone(), need.occupation_codes.clone());
        self.cache
            .get_or_insert_with(key, || self.compute(&need.title, &need.occupation_codes))
            .as_ref()
            .clone()
    }
}
