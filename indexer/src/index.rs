//! The index writer. Every write goes through [`JobIndex::apply`], which takes a list of [`Change`]s (a change
//! log), validates each, updates the catalog and the Tantivy documents it touches, and commits once: a bulk
//! load, a single RPC and (later) a replicated change feed all take this one path.

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::{Arc, Mutex, RwLock, RwLockReadGuard};

use jobmatch_proto::v1::{Company, Need};
use tantivy::directory::MmapDirectory;
use tantivy::schema::Value;
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, Searcher, TantivyDocument, Term};

use crate::catalog::{Catalog, CompanyEntry, NeedEntry, NeedOccupation};
use crate::schema::{Fields, KIND_COMPANY, KIND_NEED};
use crate::validate::{self, FieldViolation, Violations};
use crate::{IndexError, analysis, date};

/// Turns a need into the occupations it asks for. The server plugs in the ESCO/ISCO taxonomy; tests can plug in
/// something simpler. Called when a need is written and when the catalog is rebuilt.
pub trait OccupationResolver: Send + Sync {
    fn resolve(&self, need: &Need) -> Vec<NeedOccupation>;
}

#[derive(Debug, Clone)]
pub enum Change {
    UpsertCompany(Company),
    UpsertNeed(Need),
    /// Deletes the company and its needs.
    DeleteCompany(String),
    DeleteNeed(String),
    SetNeedStatus {
        need_id: String,
        status: String,
    },
}

impl Change {
    fn kind(&self) -> &'static str {
        match self {
            Change::UpsertCompany(_) | Change::DeleteCompany(_) => KIND_COMPANY,
            _ => KIND_NEED,
        }
    }
    fn key(&self) -> String {
        match self {
            Change::UpsertCompany(c) => c.cvr.clone(),
            Change::UpsertNeed(n) => n.need_id.clone(),
            Change::DeleteCompany(k) | Change::DeleteNeed(k) => k.clone(),
            Change::SetNeedStatus { need_id, .. } => need_id.clone(),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Upserted {
        key: String,
        created: bool,
        warnings: Vec<String>,
    },
    Deleted {
        key: String,
        count: u32,
    },
    StatusSet {
        key: String,
    },
}

#[derive(Debug)]
pub struct RejectedChange {
    /// Index of the change in the list given to `apply`.
    pub position: usize,
    pub kind: &'static str,
    pub key: String,
    pub error: IndexError,
}

#[derive(Debug, Default)]
pub struct ApplyReport {
    pub outcomes: Vec<Result<Outcome, RejectedChange>>,
    pub companies_upserted: u64,
    pub needs_upserted: u64,
    pub deleted: u64,
}

impl ApplyReport {
    pub fn rejected(&self) -> impl Iterator<Item = &RejectedChange> {
        self.outcomes.iter().filter_map(|o| o.as_ref().err())
    }
}

pub struct JobIndex {
    index: Index,
    fields: Fields,
    writer: Mutex<IndexWriter>,
    reader: IndexReader,
    catalog: RwLock<Catalog>,
    /// Companies whose documents must be rebuilt before the next commit. A bulk load touches a company once
    /// per batch holding one of its needs; rebuilding once at commit avoids indexing it again and again.
    pending_companies: Mutex<BTreeSet<String>>,
    resolver: Arc<dyn OccupationResolver>,
}

impl JobIndex {
    /// Opens the index in `dir`, creating it when empty, and rebuilds the catalog from the stored records.
    pub fn open(
        dir: &Path,
        resolver: Arc<dyn OccupationResolver>,
        writer_memory: usize,
    ) -> Result<Self, IndexError> {
        std::fs::create_dir_all(dir)?;
        let (schema, _) = Fields::schema();
        let index = match Index::open_or_create(MmapDirectory::open(dir)?, schema) {
            Err(tantivy::TantivyError::SchemaError(_)) => {
                return Err(IndexError::SchemaChanged(dir.display().to_string()));
            }
            other => other?,
        };
        Self::from_index(index, resolver, writer_memory)
    }

    pub fn open_in_ram(resolver: Arc<dyn OccupationResolver>) -> Result<Self, IndexError> {
        let (schema, _) = Fields::schema();
        Self::from_index(Index::create_in_ram(schema), resolver, 50_000_000)
    }

    fn from_index(
        index: Index,
        resolver: Arc<dyn OccupationResolver>,
        writer_memory: usize,
    ) -> Result<Self, IndexError> {
        let (_, fields) = Fields::schema();
        // Tokenizers are not persisted with the index: register them on every open.
        index
            .tokenizers()
            .register(analysis::DANISH, analysis::danish_analyzer());
        let writer = index.writer(writer_memory.max(15_000_000))?;
        // Reloaded right after each commit, so a write is visible to the next read without a polling delay.
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        let this = JobIndex {
            index,
            fields,
            writer: Mutex::new(writer),
            reader,
            catalog: RwLock::new(Catalog::default()),
            pending_companies: Mutex::new(BTreeSet::new()),
            resolver,
        };
        this.load_catalog()?;
        Ok(this)
    }

    fn load_catalog(&self) -> Result<(), IndexError> {
        let searcher = self.reader.searcher();
        let mut companies = Vec::new();
        let mut needs = Vec::new();
        for segment in searcher.segment_readers() {
            let store = segment.get_store_reader(64)?;
            for doc_id in segment.doc_ids_alive() {
                let doc: TantivyDocument = store.get(doc_id)?;
                let id = doc
                    .get_first(self.fields.id)
                    .and_then(|v| v.as_u64())
                    .unwrap_or(0);
                let kind_is_company = doc
                    .get_first(self.fields.kind)
                    .and_then(|v| v.as_str().map(|s| s == KIND_COMPANY))
                    .unwrap_or(false);
                let bytes = doc
                    .get_first(self.fields.record)
                    .and_then(|v| v.as_bytes())
                    .unwrap_or_default();
                if kind_is_company {
                    let c: Company = serde_json::from_slice(bytes)
                        .map_err(|e| IndexError::CorruptRecord(e.to_string()))?;
                    companies.push((id, c));
                } else {
                    let n: Need = serde_json::from_slice(bytes)
                        .map_err(|e| IndexError::CorruptRecord(e.to_string()))?;
                    needs.push((id, n));
                }
            }
        }
        let mut cat = self.catalog.write().map_err(|_| IndexError::Poisoned)?;
        for (id, c) in companies {
            cat.next_id = cat.next_id.max(id);
            cat.company_by_id.insert(id, c.cvr.clone());
            cat.companies
                .insert(c.cvr.clone(), CompanyEntry::new(id, c));
        }
        for (id, n) in needs {
            cat.next_id = cat.next_id.max(id);
            let occupations = self.resolver.resolve(&n);
            let (lat, lon) = need_location(&n, cat.companies.get(&n.cvr));
            if let Some(c) = cat.companies.get_mut(&n.cvr) {
                c.need_ids.insert(n.need_id.clone());
            }
            cat.need_by_id.insert(id, n.need_id.clone());
            cat.needs.insert(
                n.need_id.clone(),
                NeedEntry {
                    id,
                    competence_stems: crate::catalog::competence_stems(&n),
                    record: n,
                    occupations,
                    lat,
                    lon,
                },
            );
        }
        tracing::info!(
            companies = cat.companies.len(),
            needs = cat.needs.len(),
            "catalog loaded from index"
        );
        Ok(())
    }

    pub fn fields(&self) -> &Fields {
        &self.fields
    }

    pub fn searcher(&self) -> Searcher {
        self.reader.searcher()
    }

    pub fn index(&self) -> &Index {
        &self.index
    }

    pub fn catalog(&self) -> Result<RwLockReadGuard<'_, Catalog>, IndexError> {
        self.catalog.read().map_err(|_| IndexError::Poisoned)
    }

    /// Commits pending writes and makes them visible to readers.
    pub fn commit(&self) -> Result<(), IndexError> {
        let mut writer = self.writer.lock().map_err(|_| IndexError::Poisoned)?;
        self.flush_companies(&writer)?;
        writer.commit()?;
        self.reader.reload()?;
        Ok(())
    }

    /// Rebuilds the documents of companies changed since the last commit.
    fn flush_companies(&self, writer: &IndexWriter) -> Result<(), IndexError> {
        let pending = std::mem::take(
            &mut *self
                .pending_companies
                .lock()
                .map_err(|_| IndexError::Poisoned)?,
        );
        if pending.is_empty() {
            return Ok(());
        }
        let cat = self.catalog.read().map_err(|_| IndexError::Poisoned)?;
        let today = date::format_days(date::today_days());
        for cvr in &pending {
            let Some(entry) = cat.companies.get(cvr) else {
                continue;
            };
            let doc = self.company_doc(&cat, entry, &today)?;
            writer.delete_term(self.key_term(KIND_COMPANY, cvr));
            writer.add_document(doc)?;
        }
        Ok(())
    }

    /// Applies changes in order. A change that fails validation or names a missing record is reported in the
    /// returned report and the others still apply; `commit` makes the whole batch durable and visible.
    pub fn apply(&self, changes: Vec<Change>, commit: bool) -> Result<ApplyReport, IndexError> {
        let mut writer = self.writer.lock().map_err(|_| IndexError::Poisoned)?;
        let mut cat = self.catalog.write().map_err(|_| IndexError::Poisoned)?;
        let mut report = ApplyReport::default();
        let mut dirty_companies = BTreeSet::new();
        let mut dirty_needs = BTreeSet::new();
        let mut resolve_needs = BTreeSet::new();

        for (position, change) in changes.into_iter().enumerate() {
            let (kind, key) = (change.kind(), change.key());
            let outcome = match change {
                Change::UpsertCompany(c) => {
                    self.upsert_company(&mut cat, c, &mut dirty_companies, &mut dirty_needs)
                }
                Change::UpsertNeed(n) => self.upsert_need(
                    &mut cat,
                    n,
                    &mut dirty_companies,
                    &mut dirty_needs,
                    &mut resolve_needs,
                ),
                Change::DeleteCompany(cvr) => self.delete_company(&writer, &mut cat, &cvr),
                Change::DeleteNeed(id) => {
                    self.delete_need(&writer, &mut cat, &id, &mut dirty_companies)
                }
                Change::SetNeedStatus { need_id, status } => set_status(
                    &mut cat,
                    &need_id,
                    &status,
                    &mut dirty_companies,
                    &mut dirty_needs,
                ),
            };
            match outcome {
                Ok(o) => {
                    match &o {
                        Outcome::Upserted { .. } if kind == KIND_COMPANY => {
                            report.companies_upserted += 1
                        }
                        Outcome::Upserted { .. } => report.needs_upserted += 1,
                        Outcome::Deleted { count, .. } => report.deleted += u64::from(*count),
                        Outcome::StatusSet { .. } => {}
                    }
                    report.outcomes.push(Ok(o));
                }
                Err(error) => report.outcomes.push(Err(RejectedChange {
                    position,
                    kind,
                    key,
                    error,
                })),
            }
        }

        for need_id in &resolve_needs {
            if let Some(entry) = cat.needs.get(need_id) {
                let occupations = self.resolver.resolve(&entry.record);
                let stems = crate::catalog::competence_stems(&entry.record);
                if let Some(e) = cat.needs.get_mut(need_id) {
                    e.occupations = occupations;
                    e.competence_stems = stems;
                }
            }
        }
        for need_id in &dirty_needs {
            let Some(entry) = cat.needs.get(need_id) else {
                continue;
            };
            let (lat, lon) = need_location(&entry.record, cat.companies.get(&entry.record.cvr));
            let doc = self.need_doc(entry, lat, lon)?;
            writer.delete_term(self.key_term(KIND_NEED, need_id));
            writer.add_document(doc)?;
            if let Some(e) = cat.needs.get_mut(need_id) {
                e.lat = lat;
                e.lon = lon;
            }
        }
        drop(cat);
        self.pending_companies
            .lock()
            .map_err(|_| IndexError::Poisoned)?
            .extend(dirty_companies);
        if commit {
            self.flush_companies(&writer)?;
            writer.commit()?;
            self.reader.reload()?;
        }
        Ok(report)
    }

    fn upsert_company(
        &self,
        cat: &mut Catalog,
        mut c: Company,
        dirty_companies: &mut BTreeSet<String>,
        dirty_needs: &mut BTreeSet<String>,
    ) -> Result<Outcome, IndexError> {
        let warnings = validate::company(&mut c).map_err(|violations| IndexError::Invalid {
            kind: KIND_COMPANY,
            violations,
        })?;
        let key = c.cvr.clone();
        let created = match cat.companies.get_mut(&key) {
            Some(existing) => {
                existing.set_record(c);
                // Needs carry their company's location in the index.
                dirty_needs.extend(existing.need_ids.iter().cloned());
                false
            }
            None => {
                let id = cat.allocate_id();
                cat.company_by_id.insert(id, key.clone());
                cat.companies.insert(key.clone(), CompanyEntry::new(id, c));
                true
            }
        };
        dirty_companies.insert(key.clone());
        Ok(Outcome::Upserted {
            key,
            created,
            warnings,
        })
    }

    fn upsert_need(
        &self,
        cat: &mut Catalog,
        mut n: Need,
        dirty_companies: &mut BTreeSet<String>,
        dirty_needs: &mut BTreeSet<String>,
        resolve_needs: &mut BTreeSet<String>,
    ) -> Result<Outcome, IndexError> {
        let warnings = validate::need(&mut n).map_err(|violations| IndexError::Invalid {
            kind: KIND_NEED,
            violations,
        })?;
        if !cat.companies.contains_key(&n.cvr) {
            // Rejected rather than held: a need without its company cannot be placed or located.
            let v = FieldViolation {
                field: "cvr".into(),
                reason: format!("names no known company ({})", n.cvr),
            };
            return Err(IndexError::Invalid {
                kind: KIND_NEED,
                violations: Violations(vec![v]),
            });
        }
        let key = n.need_id.clone();
        let cvr = n.cvr.clone();
        let created = match cat.needs.get_mut(&key) {
            Some(existing) => {
                let old_cvr = std::mem::replace(&mut existing.record, n).cvr;
                if old_cvr != cvr {
                    if let Some(old) = cat.companies.get_mut(&old_cvr) {
                        old.need_ids.remove(&key);
                    }
                    dirty_companies.insert(old_cvr);
                }
                false
            }
            None => {
                let id = cat.allocate_id();
                cat.need_by_id.insert(id, key.clone());
                cat.needs.insert(
                    key.clone(),
                    NeedEntry {
                        id,
                        record: n,
                        occupations: Vec::new(),
                        lat: 0.0,
                        lon: 0.0,
                        competence_stems: Vec::new(),
                    },
                );
                true
            }
        };
        if let Some(c) = cat.companies.get_mut(&cvr) {
            c.need_ids.insert(key.clone());
        }
        dirty_companies.insert(cvr);
        dirty_needs.insert(key.clone());
        resolve_needs.insert(key.clone());
        Ok(Outcome::Upserted {
            key,
            created,
            warnings,
        })
    }

    fn delete_company(
        &self,
        writer: &IndexWriter,
        cat: &mut Catalog,
        cvr: &str,
    ) -> Result<Outcome, IndexError> {
        let entry = cat
            .companies
            .remove(cvr)
            .ok_or_else(|| IndexError::NotFound {
                kind: KIND_COMPANY,
                key: cvr.to_string(),
            })?;
        cat.company_by_id.remove(&entry.id);
        let mut count = 1;
        for need_id in &entry.need_ids {
            if let Some(n) = cat.needs.remove(need_id) {
                cat.need_by_id.remove(&n.id);
                writer.delete_term(self.key_term(KIND_NEED, need_id));
                count += 1;
            }
        }
        writer.delete_term(self.key_term(KIND_COMPANY, cvr));
        Ok(Outcome::Deleted {
            key: cvr.to_string(),
            count,
        })
    }

    fn delete_need(
        &self,
        writer: &IndexWriter,
        cat: &mut Catalog,
        need_id: &str,
        dirty_companies: &mut BTreeSet<String>,
    ) -> Result<Outcome, IndexError> {
        let entry = cat
            .needs
            .remove(need_id)
            .ok_or_else(|| IndexError::NotFound {
                kind: KIND_NEED,
                key: need_id.to_string(),
            })?;
        cat.need_by_id.remove(&entry.id);
        if let Some(c) = cat.companies.get_mut(&entry.record.cvr) {
            c.need_ids.remove(need_id);
        }
        dirty_companies.insert(entry.record.cvr);
        writer.delete_term(self.key_term(KIND_NEED, need_id));
        Ok(Outcome::Deleted {
            key: need_id.to_string(),
            count: 1,
        })
    }

    fn key_term(&self, kind: &str, key: &str) -> Term {
        Term::from_field_text(self.fields.key, &format!("{kind}:{key}"))
    }

    fn need_doc(
        &self,
        entry: &NeedEntry,
        lat: f64,
        lon: f64,
    ) -> Result<TantivyDocument, IndexError> {
        let f = &self.fields;
        let n = &entry.record;
        let mut doc = TantivyDocument::default();
        doc.add_u64(f.id, entry.id);
        doc.add_text(f.key, format!("{KIND_NEED}:{}", n.need_id));
        doc.add_text(f.kind, KIND_NEED);
        doc.add_text(f.cvr, &n.cvr);
        doc.add_bytes(
            f.record,
            &serde_json::to_vec(n).map_err(|e| IndexError::CorruptRecord(e.to_string()))?,
        );
        doc.add_text(f.title, &n.title);
        doc.add_text(f.description, &n.description);
        for c in n
            .competences_required
            .iter()
            .chain(&n.competences_preferred)
        {
            doc.add_text(f.competences, c);
        }
        doc.add_text(f.status, &n.status);
        doc.add_u64(f.cond, crate::needbits::pack(n));
        let mut groups = BTreeSet::new();
        for o in &entry.occupations {
            for level in 1..=4 {
                if let Some(prefix) = o.isco.get(..level) {
                    groups.insert(format!("{level}:{prefix}"));
                }
            }
        }
        for g in groups {
            doc.add_text(f.isco, g);
        }
        doc.add_f64(f.lat, lat);
        doc.add_f64(f.lon, lon);
        doc.add_text(f.cell, crate::geo::cell(lat, lon));
        Ok(doc)
    }

    fn company_doc(
        &self,
        cat: &Catalog,
        entry: &CompanyEntry,
        today: &str,
    ) -> Result<TantivyDocument, IndexError> {
        let f = &self.fields;
        let c = &entry.record;
        let mut doc = TantivyDocument::default();
        doc.add_u64(f.id, entry.id);
        doc.add_text(f.key, format!("{KIND_COMPANY}:{}", c.cvr));
        doc.add_text(f.kind, KIND_COMPANY);
        doc.add_text(f.cvr, &c.cvr);
        doc.add_bytes(
            f.record,
            &serde_json::to_vec(c).map_err(|e| IndexError::CorruptRecord(e.to_string()))?,
        );
        doc.add_text(f.name, &c.name);
        let mut industry = c.industry_text.clone().unwrap_or_default();
        if let Some(section) = jobmatch_refdata::db07_section(&c.industry_code) {
            industry.push_str(". ");
            industry.push_str(&section.title);
        }
        doc.add_text(f.industry, industry);
        doc.add_text(f.description, c.description.as_deref().unwrap_or_default());
        let mut needs_text = String::new();
        for n in cat.open_needs(entry, today) {
            let r = &n.record;
            needs_text.push_str(&r.title);
            needs_text.push_str(". ");
            for comp in &r.competences_required {
                needs_text.push_str(comp);
                needs_text.push_str(", ");
            }
            needs_text.push_str(&r.description);
            needs_text.push('\n');
        }
        doc.add_text(f.needs_text, needs_text);
        if let Some(a) = &c.address {
            doc.add_text(f.municipality, &a.municipality_code);
        }
        for len in 1..=c.industry_code.len() {
            if let Some(p) = c.industry_code.get(..len) {
                doc.add_text(f.db07, p);
            }
        }
        let (lat, lon) = entry.lat_lon();
        doc.add_f64(f.lat, lat);
        doc.add_f64(f.lon, lon);
        doc.add_text(f.cell, crate::geo::cell(lat, lon));
        doc.add_u64(f.employees, u64::try_from(c.employees).unwrap_or(0));
        Ok(doc)
    }
}

fn set_status(
    cat: &mut Catalog,
    need_id: &str,
    status: &str,
    dirty_companies: &mut BTreeSet<String>,
    dirty_needs: &mut BTreeSet<String>,
) -> Result<Outcome, IndexError> {
    if !validate::STATUSES.contains(&status) {
        let v = FieldViolation {
            field: "status".into(),
            reason: "must be one of open, filled, closed".into(),
        };
        return Err(IndexError::Invalid {
            kind: KIND_NEED,
            violations: Violations(vec![v]),
        });
    }
    let entry = cat
        .needs
        .get_mut(need_id)
        .ok_or_else(|| IndexError::NotFound {
            kind: KIND_NEED,
            key: need_id.to_string(),
        })?;
    entry.record.status = status.to_string();
    dirty_companies.insert(entry.record.cvr.clone());
    dirty_needs.insert(need_id.to_string());
    Ok(Outcome::StatusSet {
        key: need_id.to_string(),
    })
}

fn need_location(n: &Need, company: Option<&CompanyEntry>) -> (f64, f64) {
    match (&n.location, company) {
        (Some(p), _) => (p.lat, p.lon),
        (None, Some(c)) => c.lat_lon(),
        (None, None) => (0.0, 0.0),
    }
}

impl std::fmt::Debug for JobIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JobIndex").finish_non_exhaustive()
    }
}
