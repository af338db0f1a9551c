//! The current records, in memory. The index is the durable store (each document keeps its record) and the
//! catalog is rebuilt from it on open; search and matching read records here instead of from the doc store,
//! which keeps a query's cost in the posting lists.
//!
//! The maps are persistent (structurally shared) maps: a write transaction clones the committed catalog in
//! O(1), changes its copy, and publishes it with the Tantivy commit as one snapshot. Readers keep the catalog
//! of the snapshot they started on, so no write, however large, makes a reader wait or see half of it.

use std::collections::BTreeSet;
use std::sync::Arc;

use jobmatch_proto::v1::{Company, Need};

/// Ids are assigned by the service, so the fast FxHash is safe for them; keys chosen by clients (CVR numbers,
/// need ids) use the standard keyed hasher so that no one can craft colliding keys.
type IdMap<V> =
    imbl::GenericHashMap<u64, V, rustc_hash::FxBuildHasher, imbl::shared_ptr::DefaultSharedPtr>;
type KeyMap<V> =
    imbl::GenericHashMap<String, V, std::hash::RandomState, imbl::shared_ptr::DefaultSharedPtr>;

/// An occupation a need was resolved to: from its codes, or from its title when it has none.
#[derive(Debug, Clone, PartialEq)]
pub struct NeedOccupation {
    /// ISCO-08 unit group, 4 digits.
    pub isco: String,
    /// ESCO occupation URI, empty when only the ISCO group is known.
    pub esco_uri: String,
    pub label: String,
    /// 1.0 for a given code; the normaliser's confidence for a title.
    pub confidence: f32,
    pub from_code: bool,
    /// The title matched an ESCO label (not only a group through colloquial words), so `esco_uri` names the
    /// occupation itself rather than a representative of its group.
    pub precise: bool,
}

#[derive(Debug, Clone)]
pub struct CompanyEntry {
    pub id: u64,
    pub record: Company,
    pub need_ids: BTreeSet<String>,
    /// DB07 section letter, looked up once: facets count it for every hit.
    pub section: &'static str,
}

impl CompanyEntry {
    pub fn new(id: u64, record: Company) -> Self {
        let section = jobmatch_refdata::db07_section(&record.industry_code)
            .map(|s| s.section.as_str())
            .unwrap_or("");
        CompanyEntry {
            id,
            record,
            need_ids: BTreeSet::new(),
            section,
        }
    }

    /// Replaces the record, keeping id and needs.
    pub fn set_record(&mut self, record: Company) {
        self.section = jobmatch_refdata::db07_section(&record.industry_code)
            .map(|s| s.section.as_str())
            .unwrap_or("");
        self.record = record;
    }

    pub fn lat_lon(&self) -> (f64, f64) {
        self.record
            .location
            .as_ref()
            .map(|p| (p.lat, p.lon))
            .unwrap_or((0.0, 0.0))
    }
}

#[derive(Debug, Clone)]
pub struct NeedEntry {
    pub id: u64,
    pub record: Need,
    pub occupations: Vec<NeedOccupation>,
    /// The need's own location, or its company's.
    pub lat: f64,
    pub lon: f64,
    /// Stems of each required competence, analysed once at write time for competence coverage.
    pub competence_stems: Vec<Vec<String>>,
}

/// Stems of each of a need's required competences.
pub fn competence_stems(n: &Need) -> Vec<Vec<String>> {
    n.competences_required
        .iter()
        .map(|c| {
            crate::analysis::analyze(c)
                .into_iter()
                .map(|t| t.stem)
                .collect()
        })
        .collect()
}

#[derive(Debug, Clone, Default)]
pub struct Catalog {
    pub(crate) companies: KeyMap<Arc<CompanyEntry>>,
    pub(crate) needs: KeyMap<Arc<NeedEntry>>,
    pub(crate) company_by_id: IdMap<String>,
    pub(crate) need_by_id: IdMap<String>,
    pub(crate) next_id: u64,
}

impl Catalog {
    pub fn company(&self, cvr: &str) -> Option<&CompanyEntry> {
        self.companies.get(cvr).map(Arc::as_ref)
    }
    pub fn need(&self, need_id: &str) -> Option<&NeedEntry> {
        self.needs.get(need_id).map(Arc::as_ref)
    }
    pub fn company_by_id(&self, id: u64) -> Option<&CompanyEntry> {
        self.company_by_id
            .get(&id)
            .and_then(|k| self.companies.get(k))
            .map(Arc::as_ref)
    }
    pub fn need_by_id(&self, id: u64) -> Option<&NeedEntry> {
        self.need_by_id
            .get(&id)
            .and_then(|k| self.needs.get(k))
            .map(Arc::as_ref)
    }
    pub fn companies(&self) -> impl Iterator<Item = &CompanyEntry> {
        self.companies.values().map(Arc::as_ref)
    }
    pub fn needs(&self) -> impl Iterator<Item = &NeedEntry> {
        self.needs.values().map(Arc::as_ref)
    }
    pub fn company_count(&self) -> usize {
        self.companies.len()
    }
    pub fn need_count(&self) -> usize {
        self.needs.len()
    }
    /// Needs of a company that are open and not past their date.
    pub fn open_needs<'a>(
        &'a self,
        company: &'a CompanyEntry,
        today: &'a str,
    ) -> impl Iterator<Item = &'a NeedEntry> {
        company
            .need_ids
            .iter()
            .filter_map(|id| self.need(id))
            .filter(move |n| is_open(&n.record, today))
    }

    pub(crate) fn allocate_id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    /// The company entry to change in this copy of the catalog (copied from the shared one on first write).
    pub(crate) fn company_mut(&mut self, cvr: &str) -> Option<&mut CompanyEntry> {
        self.companies.get_mut(cvr).map(Arc::make_mut)
    }

    pub(crate) fn need_mut(&mut self, need_id: &str) -> Option<&mut NeedEntry> {
        self.needs.get_mut(need_id).map(Arc::make_mut)
    }
}

/// A need is open when its status says so and its valid_until date has not passed.
pub fn is_open(need: &Need, today: &str) -> bool {
    need.status == "open" && need.valid_until.as_str() >= today
}
