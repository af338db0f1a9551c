//! Memoised taxonomy look-ups. Job goals, earlier-work titles and competences repeat heavily across citizens
//! ("lagerarbejde", "serviceminded"), and normalising one costs tens of microseconds, so a match reuses earlier
//! results. The caches are bounded by the bytes they hold (keys and values), evicting the least useful
//! entries, so no stream of unique long inputs can grow memory.

use std::hash::Hash;
use std::sync::Arc;

use jobmatch_taxonomy::{OccupationMatch, Taxonomy};
use quick_cache::Weighter;
use quick_cache::sync::Cache;

/// Approximate heap bytes of a cached key or value.
pub trait HeapSize {
    fn heap_size(&self) -> usize;
}

impl HeapSize for String {
    fn heap_size(&self) -> usize {
        self.len() + std::mem::size_of::<String>()
    }
}

impl HeapSize for (String, usize) {
    fn heap_size(&self) -> usize {
        self.0.heap_size() + 8
    }
}

impl HeapSize for (String, f32) {
    fn heap_size(&self) -> usize {
        self.0.heap_size() + 4
    }
}

impl HeapSize for (String, Vec<String>) {
    fn heap_size(&self) -> usize {
        self.0.heap_size() + self.1.heap_size()
    }
}

impl HeapSize for OccupationMatch {
    fn heap_size(&self) -> usize {
        std::mem::size_of::<Self>()
            + self.esco_uri.len()
            + self.label.len()
            + self.isco_code.len()
            + self.isco_title.len()
            + self.matched.len()
    }
}

impl<T: HeapSize> HeapSize for Vec<T> {
    fn heap_size(&self) -> usize {
        std::mem::size_of::<Self>() + self.iter().map(HeapSize::heap_size).sum::<usize>()
    }
}

/// A value with its size, measured once when it is stored.
struct Measured<V> {
    value: Arc<V>,
    bytes: u64,
}

// Derived Clone would ask V: Clone; only the Arc is cloned.
impl<V> Clone for Measured<V> {
    fn clone(&self) -> Self {
        Measured {
            value: Arc::clone(&self.value),
            bytes: self.bytes,
        }
    }
}

#[derive(Clone)]
struct ByWeight;

impl<K, V> Weighter<K, Measured<V>> for ByWeight {
    fn weight(&self, _: &K, v: &Measured<V>) -> u64 {
        v.bytes
    }
}

/// A cache that holds at most `capacity` bytes.
pub struct ByteCache<K, V> {
    inner: Cache<K, Measured<V>, ByWeight>,
}

impl<K: Eq + Hash + Clone + HeapSize, V: HeapSize> ByteCache<K, V> {
    pub fn new(capacity_bytes: u64) -> Self {
        // Entries are a few hundred bytes; the item estimate only sizes the initial tables.
        let items = (capacity_bytes / 256).clamp(16, 1 << 20) as usize;
        ByteCache {
            inner: Cache::with_weighter(items, capacity_bytes.max(1), ByWeight),
        }
    }

    pub fn get_or_insert_with(&self, key: K, compute: impl FnOnce() -> V) -> Arc<V> {
        if let Some(hit) = self.inner.get(&key) {
            return hit.value;
        }
        let value = Arc::new(compute());
        let bytes = (key.heap_size() + value.heap_size() + 64) as u64;
        self.inner.insert(
            key,
            Measured {
                value: Arc::clone(&value),
                bytes,
            },
        );
        value
    }

    /// Bytes held now.
    pub fn weight(&self) -> u64 {
        self.inner.weight()
    }

    pub fn capacity(&self) -> u64 {
        self.inner.capacity()
    }
}

/// Default cache budget of each taxonomy cache.
pub const DEFAULT_CACHE_BYTES: u64 = 16 << 20;

pub struct CachedTaxonomy {
    taxonomy: &'static Taxonomy,
    normalized: ByteCache<(String, usize), Vec<OccupationMatch>>,
    hints: ByteCache<String, Vec<(String, f32)>>,
}

impl CachedTaxonomy {
    pub fn new(taxonomy: &'static Taxonomy, capacity_bytes: u64) -> Self {
        CachedTaxonomy {
            taxonomy,
            normalized: ByteCache::new(capacity_bytes),
            hints: ByteCache::new(capacity_bytes),
        }
    }

    pub fn taxonomy(&self) -> &'static Taxonomy {
        self.taxonomy
    }

    pub fn normalize(&self, text: &str, limit: usize) -> Arc<Vec<OccupationMatch>> {
        self.normalized
            .get_or_insert_with((text.to_string(), limit), || {
                self.taxonomy.normalize(text, limit)
            })
    }

    pub fn competence_hints(&self, competence: &str) -> Arc<Vec<(String, f32)>> {
        self.hints.get_or_insert_with(competence.to_string(), || {
            self.taxonomy.competence_hints(competence)
        })
    }

    /// Bytes held by both caches.
    pub fn weight(&self) -> u64 {
        self.normalized.weight() + self.hints.weight()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_flood_of_long_unique_keys_stays_within_the_budget() {
        let cache: ByteCache<String, Vec<(String, f32)>> = ByteCache::new(1 << 20);
        for i in 0..20_000 {
            let key = format!("{i} {}", "kompetence ".repeat(20));
            cache.get_or_insert_with(key, || vec![("9333".into(), 0.5)]);
        }
        assert!(cache.weight() <= cache.capacity(), "{}", cache.weight());
        assert!(cache.weight() > cache.capacity() / 2, "{}", cache.weight());
    }
}
