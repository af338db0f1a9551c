//! What search and matching read for every candidate, in memory and packed: the hard conditions, place,
//! hours, occupations and competence stems of each need, and the filterable facts of each company. The full
//! records live only in Tantivy's document store, read for the few a response returns, so memory holds each
//! record once (on disk) and this small summary of it.
//!
//! The maps are persistent (structurally shared) maps: a write transaction clones the committed catalog in
//! O(1), changes its copy, and publishes it with the Tantivy commit as one snapshot. Readers keep the catalog
//! of the snapshot they started on, so no write, however large, makes a reader wait or see half of it.

use std::hash::BuildHasher;
use std::sync::Arc;

use jobmatch_proto::v1::{Company, Need};

use crate::date;
use crate::idvec::IdVec;

/// Keys chosen by clients (CVR numbers, need ids) use the standard keyed hasher so that no one can craft
/// colliding keys; records by id are in flat id-indexed vectors.
type KeyMap<V> =
    imbl::GenericHashMap<String, V, std::hash::RandomState, imbl::shared_ptr::DefaultSharedPtr>;

/// No ESCO occupation: the need or reading names only an ISCO group.
pub const NO_ESCO: u32 = u32::MAX;

/// An occupation a need was resolved to: from its codes, or from its title when it has none.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NeedOccupation {
    /// ISCO-08 unit group (4 digits as a number).
    pub isco: u16,
    /// The ESCO occupation, as numbered by the resolver; [`NO_ESCO`] when only the group is known.
    pub esco: u32,
    /// 1.0 for a given code; the normaliser's confidence for a title.
    pub confidence: f32,
    pub from_code: bool,
    /// The title matched an ESCO label (not only a group through colloquial words), so `esco` names the
    /// occupation itself rather than a representative of its group.
    pub precise: bool,
}

impl NeedOccupation {
    /// The ISCO group at `level` digits (1-4), as a number.
    pub fn group(&self, level: u32) -> u16 {
        self.isco / 10u16.pow(4 - level.min(4))
    }
}

/// Flags of a need.
pub mod flags {
    pub const OPEN: u8 = 1;
    pub const OFFERED: u8 = 2;
    pub const FROM_START: u8 = 4;
    pub const INTERNSHIP: u8 = 8;
    pub const COMBINATION: u8 = 16;
    pub const MENTOR: u8 = 32;
}

/// Hash of an analysed stem, to compare competences without strings (the same function at write and read
/// time, in one process).
pub fn stem_hash(stem: &str) -> u64 {
    rustc_hash::FxBuildHasher.hash_one(stem)
}

/// A need as matching reads it.
#[derive(Debug, Clone)]
pub struct NeedMeta {
    pub id: u64,
    pub need_id: Box<str>,
    /// Id of the need's company.
    pub company: u64,
    /// Hard conditions packed by `needbits::pack`.
    pub cond: u64,
    /// Days since the epoch.
    pub valid_until: i32,
    /// The need's own location, or its company's.
    pub lat: f64,
    pub lon: f64,
    pub hours_min: u8,
    pub hours_max: u8,
    /// Paid ordinary hours a week offered (0-37).
    pub paid_hours: u8,
    pub flags: u8,
    /// Inline: most needs resolve to one to three occupations.
    pub occupations: smallvec::SmallVec<[NeedOccupation; 3]>,
    /// Stem hashes of each required competence.
    pub competence_stems: Arc<[Box<[u64]>]>,
}

impl NeedMeta {
    pub fn has(&self, flag: u8) -> bool {
        self.flags & flag != 0
    }

    /// Open, and not past its date.
    pub fn is_open(&self, today: i32) -> bool {
        self.has(flags::OPEN) && self.valid_until >= today
    }

    pub fn offered(&self) -> bool {
        self.has(flags::OFFERED)
    }
}

/// Builds a need's summary from its validated record.
pub fn need_meta(
    id: u64,
    n: &Need,
    company: u64,
    occupations: Vec<NeedOccupation>,
    location: (f64, f64),
) -> NeedMeta {
    let oh = n.ordinary_hours.unwrap_or_default();
    let hw = n.hours_per_week.unwrap_or_default();
    let mut f = 0u8;
    for (on, bit) in [
        (n.status == "open", flags::OPEN),
        (oh.offered, flags::OFFERED),
        (oh.from_start, flags::FROM_START),
        (n.internship_possible, flags::INTERNSHIP),
        (n.combination_possible, flags::COMBINATION),
        (n.mentor_available, flags::MENTOR),
    ] {
        if on {
            f |= bit;
        }
    }
    let small = |v: i32| v.clamp(0, 255) as u8;
    NeedMeta {
        id,
        need_id: n.need_id.as_str().into(),
        company,
        cond: crate::needbits::pack(n),
        valid_until: date::parse_days(&n.valid_until)
            .map(|d| d as i32)
            .unwrap_or(i32::MIN),
        lat: location.0,
        lon: location.1,
        hours_min: small(hw.min),
        hours_max: small(hw.max),
        paid_hours: small(oh.hours_per_week),
        flags: f,
        occupations: occupations.into(),
        competence_stems: competence_stems(n),
    }
}

/// Stem hashes of each of a need's required competences.
pub fn competence_stems(n: &Need) -> Arc<[Box<[u64]>]> {
    n.competences_required
        .iter()
        .map(|c| {
            crate::analysis::analyze(c)
                .iter()
                .map(|t| stem_hash(&t.stem))
                .collect()
        })
        .collect()
}

/// A company's relation to one jobcenter, as filters and sorting read it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Relation {
    pub municipality: u16,
    pub partnership: bool,
    pub open_to_ordinary_hours: bool,
    /// Days since the epoch; None when never contacted.
    pub last_contact: Option<i32>,
}

/// A company as search and matching read it.
#[derive(Debug, Clone)]
pub struct CompanyMeta {
    pub id: u64,
    pub cvr: Box<str>,
    pub name: Box<str>,
    /// DB07 code as a number (6 digits).
    pub industry: u32,
    /// DB07 section letter, looked up once: facets count it for every hit.
    pub section: &'static str,
    pub municipality: u16,
    pub employees: i32,
    pub supported_placements: i32,
    pub lat: f64,
    pub lon: f64,
    pub relations: Box<[Relation]>,
    /// Ids of its needs, sorted.
    pub needs: Vec<u64>,
}

fn code(s: &str) -> u16 {
    s.parse().unwrap_or(0)
}

impl CompanyMeta {
    pub fn new(id: u64, c: &Company, needs: Vec<u64>) -> Self {
        let (lat, lon) = c
            .location
            .as_ref()
            .map(|p| (p.lat, p.lon))
            .unwrap_or((0.0, 0.0));
        CompanyMeta {
            id,
            cvr: c.cvr.as_str().into(),
            name: c.name.as_str().into(),
            industry: c.industry_code.parse().unwrap_or(0),
            section: jobmatch_refdata::db07_section(&c.industry_code)
                .map(|s| s.section.as_str())
                .unwrap_or(""),
            municipality: c
                .address
                .as_ref()
                .map(|a| code(&a.municipality_code))
                .unwrap_or(0),
            employees: c.employees,
            supported_placements: c.supported_placements,
            lat,
            lon,
            relations: c
                .jobcenter_relations
                .iter()
                .map(|r| Relation {
                    municipality: code(&r.municipality_code),
                    partnership: r.partnership,
                    open_to_ordinary_hours: r.open_to_ordinary_hours,
                    last_contact: date::parse_days(&r.last_contact).map(|d| d as i32),
                })
                .collect(),
            needs,
        }
    }

    pub fn lat_lon(&self) -> (f64, f64) {
        (self.lat, self.lon)
    }

    /// The municipality code as written ("0751").
    pub fn municipality_code(&self) -> String {
        format!("{:04}", self.municipality)
    }

    /// The DB07 code as written ("521000").
    pub fn industry_code(&self) -> String {
        format!("{:06}", self.industry)
    }

    /// Whether the DB07 code starts with the digits `prefix` (1-6 digits).
    pub fn industry_starts_with(&self, prefix: &str) -> bool {
        self.industry_code().starts_with(prefix)
    }

    /// The relation to one jobcenter (municipality code as a number), if any.
    pub fn relation(&self, municipality: u16) -> Option<&Relation> {
        self.relations
            .iter()
            .find(|r| r.municipality == municipality)
    }
}

#[derive(Debug, Clone, Default)]
pub struct Catalog {
    /// Companies are few beside needs and carry their list of needs: shared, so a copied chunk stays cheap.
    pub(crate) companies: IdVec<Arc<CompanyMeta>>,
    pub(crate) company_ids: KeyMap<u64>,
    /// Needs inline, read once per retrieved need while matching.
    pub(crate) needs: IdVec<NeedMeta>,
    pub(crate) need_ids: KeyMap<u64>,
    pub(crate) next_id: u64,
}

impl Catalog {
    pub fn company(&self, cvr: &str) -> Option<&CompanyMeta> {
        self.company_ids
            .get(cvr)
            .and_then(|id| self.company_by_id(*id))
    }
    pub fn need(&self, need_id: &str) -> Option<&NeedMeta> {
        self.need_ids
            .get(need_id)
            .and_then(|id| self.need_by_id(*id))
    }
    pub fn company_by_id(&self, id: u64) -> Option<&CompanyMeta> {
        self.companies.get(&id).map(Arc::as_ref)
    }
    pub fn need_by_id(&self, id: u64) -> Option<&NeedMeta> {
        self.needs.get(&id)
    }
    /// The company of a need.
    pub fn company_of(&self, need: &NeedMeta) -> Option<&CompanyMeta> {
        self.company_by_id(need.company)
    }
    pub fn companies(&self) -> impl Iterator<Item = &CompanyMeta> {
        self.companies.values().map(Arc::as_ref)
    }
    pub fn needs(&self) -> impl Iterator<Item = &NeedMeta> {
        self.needs.values()
    }
    pub fn company_count(&self) -> usize {
        self.companies.len()
    }
    pub fn need_count(&self) -> usize {
        self.needs.len()
    }
    /// Needs of a company that are open and not past their date (`today` in days since the epoch).
    pub fn open_needs<'a>(
        &'a self,
        company: &'a CompanyMeta,
        today: i32,
    ) -> impl Iterator<Item = &'a NeedMeta> {
        company
            .needs
            .iter()
            .filter_map(|id| self.need_by_id(*id))
            .filter(move |n| n.is_open(today))
    }

    pub(crate) fn allocate_id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    /// The company entry to change in this copy of the catalog (copied from the shared one on first write).
    pub(crate) fn company_mut(&mut self, id: u64) -> Option<&mut CompanyMeta> {
        self.companies.get_mut(&id).map(Arc::make_mut)
    }

    pub(crate) fn need_mut(&mut self, id: u64) -> Option<&mut NeedMeta> {
        self.needs.get_mut(&id)
    }
}

/// Today as days since the epoch (UTC).
pub fn today() -> i32 {
    date::today_days() as i32
}
