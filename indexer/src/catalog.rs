//! The current records, in memory. The index is the durable store (each document keeps its record) and the
//! catalog is rebuilt from it on open; search and matching read records here instead of from the doc store,
//! which keeps a query's cost in the posting lists. The catalog is the seam where a shared store (Redis) can
//! take over when several replicas run.

use std::collections::BTreeSet;

// Catalog look-ups run once per candidate in matching; FxHash is several times faster than SipHash on these
// short keys, and the keys are ids the service assigns or validated codes, not attacker-chosen hash floods
// at a scale that matters.
use rustc_hash::FxHashMap as HashMap;

use jobmatch_proto::v1::{Company, Need};

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

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DocId {
    Company(u64),
    Need(u64),
}

#[derive(Debug, Default)]
pub struct Catalog {
    pub(crate) companies: HashMap<String, CompanyEntry>,
    pub(crate) needs: HashMap<String, NeedEntry>,
    pub(crate) company_by_id: HashMap<u64, String>,
    pub(crate) need_by_id: HashMap<u64, String>,
    pub(crate) next_id: u64,
}

impl Catalog {
    pub fn company(&self, cvr: &str) -> Option<&CompanyEntry> {
        self.companies.get(cvr)
    }
    pub fn need(&self, need_id: &str) -> Option<&NeedEntry> {
        self.needs.get(need_id)
    }
    pub fn company_by_id(&self, id: u64) -> Option<&CompanyEntry> {
        self.company_by_id
            .get(&id)
            .and_then(|k| self.companies.get(k))
    }
    pub fn need_by_id(&self, id: u64) -> Option<&NeedEntry> {
        self.need_by_id.get(&id).and_then(|k| self.needs.get(k))
    }
    pub fn companies(&self) -> impl Iterator<Item = &CompanyEntry> {
        self.companies.values()
    }
    pub fn needs(&self) -> impl Iterator<Item = &NeedEntry> {
        self.needs.values()
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
            .filter_map(|id| self.needs.get(id))
            .filter(move |n| is_open(&n.record, today))
    }

    pub(crate) fn allocate_id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }
}

/// A need is open when its status says so and its valid_until date has not passed.
pub fn is_open(need: &Need, today: &str) -> bool {
    need.status == "open" && need.valid_until.as_str() >= today
}
