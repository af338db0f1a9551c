//! The index writer and the snapshots readers use.
//!
//! Every write is a [`Transaction`]: changes are first *prepared* (validated, occupations resolved) without any
//! lock, then applied under the single writer lock to a private copy of the catalog and to Tantivy's writer,
//! and committed together. Until the commit nothing of the transaction is visible or durable; a transaction
//! dropped without commit rolls Tantivy's writer back, so no later commit by anyone makes its work durable.
//! After a commit the new Tantivy searcher and the new catalog are published as one [`Snapshot`], swapped
//! atomically; readers work on the snapshot they loaded and never wait for a writer.

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};

use arc_swap::ArcSwap;
use jobmatch_proto::v1::{Company, Need};
use tantivy::directory::MmapDirectory;
use tantivy::schema::Value;
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, Searcher, TantivyDocument, Term};

use crate::catalog::{Catalog, CompanyEntry, NeedEntry, NeedOccupation};
use crate::schema::{Fields, KIND_COMPANY, KIND_NEED};
use crate::validate::{self, Violations};
use crate::{IndexError, analysis, date};

/// Turns a need into the occupations it asks for. The server plugs in the ESCO/ISCO taxonomy; tests can plug in
/// something simpler. Called when a need is prepared and when the catalog is rebuilt.
pub trait OccupationResolver: Send + Sync {
    fn resolve(&self, need: &Need) -> Vec<NeedOccupation>;
}

#[derive(Debug, Clone)]
pub enum Change {
    /// Replaces the company with every jobcenter relation it carries (a national ingest).
    UpsertCompany(Company),
    /// Replaces the company as one jobcenter sees it: the record may carry only that jobcenter's relation, and
    /// the other jobcenters' relations on the stored record are kept.
    UpsertCompanyAs {
        company: Company,
        jobcenter: String,
    },
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
            Change::UpsertCompany(_)
            | Change::UpsertCompanyAs { .. }
            | Change::DeleteCompany(_) => KIND_COMPANY,
            _ => KIND_NEED,
        }
    }
    fn key(&self) -> String {
        match self {
            Change::UpsertCompany(c) | Change::UpsertCompanyAs { company: c, .. } => c.cvr.clone(),
            Change::UpsertNeed(n) => n.need_id.clone(),
            Change::DeleteCompany(k) | Change::DeleteNeed(k) => k.clone(),
            Change::SetNeedStatus { need_id, .. } => need_id.clone(),
        }
    }
}

/// A change that has been validated and enriched outside the writer lock.
#[derive(Debug)]
pub struct PreparedChange {
    kind: &'static str,
    key: String,
    step: Result<Step, IndexError>,
}

impl PreparedChange {
    pub fn kind(&self) -> &'static str {
        self.kind
    }
    pub fn key(&self) -> &str {
        &self.key
    }
    /// The validation error, when the change was refused before reaching the writer.
    pub fn error(&self) -> Option<&IndexError> {
        self.step.as_ref().err()
    }

    /// The change as validated (with what validation derived, such as a location from the postcode), to pass
    /// on to other replicas; None when it was refused.
    pub fn change(&self) -> Option<Change> {
        Some(match self.step.as_ref().ok()? {
            Step::Company {
                company,
                keep_other_relations_than: None,
                ..
            } => Change::UpsertCompany(company.clone()),
            Step::Company {
                company,
                keep_other_relations_than: Some(j),
                ..
            } => Change::UpsertCompanyAs {
                company: company.clone(),
                jobcenter: j.clone(),
            },
            Step::Need { need, .. } => Change::UpsertNeed(need.clone()),
            Step::DeleteCompany(cvr) => Change::DeleteCompany(cvr.clone()),
            Step::DeleteNeed(id) => Change::DeleteNeed(id.clone()),
            Step::SetNeedStatus { need_id, status } => Change::SetNeedStatus {
                need_id: need_id.clone(),
                status: status.clone(),
            },
        })
    }

    /// The refusal of a change that did not validate, as the report of a transaction gives it.
    pub fn into_rejected(self, position: usize) -> Option<RejectedChange> {
        let PreparedChange { kind, key, step } = self;
        step.err().map(|error| RejectedChange {
            position,
            kind,
            key,
            error,
        })
    }
}

#[derive(Debug)]
enum Step {
    Company {
        company: Company,
        keep_other_relations_than: Option<String>,
        warnings: Vec<String>,
    },
    Need {
        need: Need,
        occupations: Vec<NeedOccupation>,
        stems: Vec<Vec<String>>,
        warnings: Vec<String>,
    },
    DeleteCompany(String),
    DeleteNeed(String),
    SetNeedStatus {
        need_id: String,
        status: String,
    },
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

/// What readers see: a Tantivy searcher and the catalog of the same commit.
pub struct Snapshot {
    pub searcher: Searcher,
    pub catalog: Catalog,
}

impl std::fmt::Debug for Snapshot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Snapshot")
            .field("companies", &self.catalog.company_count())
            .field("needs", &self.catalog.need_count())
            .finish_non_exhaustive()
    }
}

struct WriterState {
    writer: IndexWriter,
    /// The catalog of the last commit; a transaction starts from a copy of it.
    catalog: Catalog,
}

pub struct JobIndex {
    index: Index,
    fields: Fields,
    reader: IndexReader,
    current: ArcSwap<Snapshot>,
    writer: Mutex<WriterState>,
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
        let searcher = reader.searcher();
        let catalog = load_catalog(&searcher, &fields, resolver.as_ref())?;
        let snapshot = Snapshot {
            searcher,
            catalog: catalog.clone(),
        };
        Ok(JobIndex {
            index,
            fields,
            reader,
            current: ArcSwap::from_pointee(snapshot),
            writer: Mutex::new(WriterState { writer, catalog }),
            resolver,
        })
    }

    pub fn fields(&self) -> &Fields {
        &self.fields
    }

    /// The latest committed state; hold it for the whole of a read so every part of the read agrees.
    pub fn snapshot(&self) -> Arc<Snapshot> {
        self.current.load_full()
    }

    pub fn index(&self) -> &Index {
        &self.index
    }

    /// The payload of the last commit (for example the last applied change-log position), if any.
    pub fn commit_payload(&self) -> Option<String> {
        self.index.load_metas().ok().and_then(|m| m.payload)
    }

    /// Validates a change and resolves what it needs, without taking any lock.
    pub fn prepare(&self, change: Change) -> PreparedChange {
        let (kind, key) = (change.kind(), change.key());
        let step = match change {
            Change::UpsertCompany(mut c) => validate::company(&mut c)
                .map(|warnings| Step::Company {
                    company: c,
                    keep_other_relations_than: None,
                    warnings,
                })
                .map_err(|violations| IndexError::Invalid {
                    kind: KIND_COMPANY,
                    violations,
                }),
            Change::UpsertCompanyAs {
                company: mut c,
                jobcenter,
            } => {
                let foreign = c
                    .jobcenter_relations
                    .iter()
                    .position(|r| r.municipality_code != jobcenter);
                match foreign {
                    Some(i) => Err(IndexError::Invalid {
                        kind: KIND_COMPANY,
                        violations: Violations::single(
                            format!("jobcenter_relations[{i}].municipality_code"),
                            "a jobcenter may write only its own relation",
                        ),
                    }),
                    None => validate::company(&mut c)
                        .map(|warnings| Step::Company {
                            company: c,
                            keep_other_relations_than: Some(jobcenter),
                            warnings,
                        })
                        .map_err(|violations| IndexError::Invalid {
                            kind: KIND_COMPANY,
                            violations,
                        }),
                }
            }
            Change::UpsertNeed(mut n) => match validate::need(&mut n) {
                Ok(warnings) => Ok(Step::Need {
                    occupations: self.resolver.resolve(&n),
                    stems: crate::catalog::competence_stems(&n),
                    need: n,
                    warnings,
                }),
                Err(violations) => Err(IndexError::Invalid {
                    kind: KIND_NEED,
                    violations,
                }),
            },
            Change::DeleteCompany(cvr) => Ok(Step::DeleteCompany(cvr)),
            Change::DeleteNeed(id) => Ok(Step::DeleteNeed(id)),
            Change::SetNeedStatus { need_id, status } => {
                if validate::STATUSES.contains(&status.as_str()) {
                    Ok(Step::SetNeedStatus { need_id, status })
                } else {
                    Err(IndexError::Invalid {
                        kind: KIND_NEED,
                        violations: Violations::single(
                            "status",
                            "must be one of open, filled, closed",
                        ),
                    })
                }
            }
        };
        PreparedChange { kind, key, step }
    }

    /// Starts a write transaction; it holds the writer until committed or dropped.
    pub fn begin(&self) -> Transaction<'_> {
        // A panic inside a transaction rolls Tantivy's writer back before the lock is released (Transaction's
        // Drop), so a poisoned lock still guards a consistent state.
        let state = self.writer.lock().unwrap_or_else(|e| e.into_inner());
        let catalog = state.catalog.clone();
        Transaction {
            index: self,
            state,
            catalog,
            pending_companies: BTreeSet::new(),
            touched: false,
            committed: false,
        }
    }

    /// Prepares, applies and commits `changes` as one transaction. A change that fails validation or names a
    /// missing record is reported and the others still go in.
    pub fn apply(&self, changes: Vec<Change>) -> Result<ApplyReport, IndexError> {
        let prepared = changes.into_iter().map(|c| self.prepare(c)).collect();
        let mut tx = self.begin();
        let report = tx.apply(prepared)?;
        tx.commit(None)?;
        Ok(report)
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

/// Rebuilds the catalog from the records stored in the index.
fn load_catalog(
    searcher: &Searcher,
    fields: &Fields,
    resolver: &dyn OccupationResolver,
) -> Result<Catalog, IndexError> {
    let mut companies = Vec::new();
    let mut needs = Vec::new();
    for segment in searcher.segment_readers() {
        let store = segment.get_store_reader(64)?;
        for doc_id in segment.doc_ids_alive() {
            let doc: TantivyDocument = store.get(doc_id)?;
            let id = doc
                .get_first(fields.id)
                .and_then(|v| v.as_u64())
                .unwrap_or(0);
            let kind_is_company = doc
                .get_first(fields.kind)
                .and_then(|v| v.as_str().map(|s| s == KIND_COMPANY))
                .unwrap_or(false);
            let bytes = doc
                .get_first(fields.record)
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
    let mut cat = Catalog::default();
    for (id, c) in companies {
        cat.next_id = cat.next_id.max(id);
        cat.company_by_id.insert(id, c.cvr.clone());
        cat.companies
            .insert(c.cvr.clone(), Arc::new(CompanyEntry::new(id, c)));
    }
    for (id, n) in needs {
        cat.next_id = cat.next_id.max(id);
        let occupations = resolver.resolve(&n);
        let (lat, lon) = need_location(&n, cat.company(&n.cvr));
        if let Some(c) = cat.company_mut(&n.cvr) {
            c.need_ids.insert(n.need_id.clone());
        }
        cat.need_by_id.insert(id, n.need_id.clone());
        cat.needs.insert(
            n.need_id.clone(),
            Arc::new(NeedEntry {
                id,
                competence_stems: crate::catalog::competence_stems(&n),
                record: n,
                occupations,
                lat,
                lon,
            }),
        );
    }
    tracing::info!(
        companies = cat.company_count(),
        needs = cat.need_count(),
        "catalog loaded from index"
    );
    Ok(cat)
}

/// A write transaction: see the module documentation.
pub struct Transaction<'a> {
    index: &'a JobIndex,
    state: MutexGuard<'a, WriterState>,
    catalog: Catalog,
    /// Companies whose documents must be rebuilt before the commit. A bulk load touches a company once per
    /// batch holding one of its needs; rebuilding once at commit avoids indexing it again and again.
    pending_companies: BTreeSet<String>,
    /// Tantivy's writer holds operations of this transaction (so dropping it must roll them back).
    touched: bool,
    committed: bool,
}

impl Transaction<'_> {
    /// Prepares changes (see [`JobIndex::prepare`]).
    pub fn prepare_all(&self, changes: Vec<Change>) -> Vec<PreparedChange> {
        changes.into_iter().map(|c| self.index.prepare(c)).collect()
    }

    /// Removes every record (a replica about to load a snapshot).
    pub fn clear(&mut self) -> Result<(), IndexError> {
        self.touched = true;
        self.state.writer.delete_all_documents()?;
        self.catalog = Catalog::default();
        self.pending_companies.clear();
        Ok(())
    }

    /// The catalog as this transaction has changed it so far.
    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    /// Applies prepared changes in order. A change that failed preparation or names a missing record is
    /// reported in the returned report and the others still apply. Errors of the index itself end the
    /// transaction (drop it: it rolls back).
    pub fn apply(&mut self, changes: Vec<PreparedChange>) -> Result<ApplyReport, IndexError> {
        let mut report = ApplyReport::default();
        let mut dirty_needs = BTreeSet::new();
        for (position, change) in changes.into_iter().enumerate() {
            let PreparedChange { kind, key, step } = change;
            let outcome = step.and_then(|step| self.apply_step(step, &mut dirty_needs));
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
        for need_id in &dirty_needs {
            let Some(entry) = self.catalog.need(need_id) else {
                continue;
            };
            let (lat, lon) = need_location(&entry.record, self.catalog.company(&entry.record.cvr));
            let doc = self.index.need_doc(entry, lat, lon)?;
            self.touched = true;
            self.state
                .writer
                .delete_term(self.index.key_term(KIND_NEED, need_id));
            self.state.writer.add_document(doc)?;
            if let Some(e) = self.catalog.need_mut(need_id) {
                e.lat = lat;
                e.lon = lon;
            }
        }
        Ok(report)
    }

    fn apply_step(
        &mut self,
        step: Step,
        dirty_needs: &mut BTreeSet<String>,
    ) -> Result<Outcome, IndexError> {
        match step {
            Step::Company {
                company,
                keep_other_relations_than,
                warnings,
            } => Ok(self.upsert_company(company, keep_other_relations_than, warnings, dirty_needs)),
            Step::Need {
                need,
                occupations,
                stems,
                warnings,
            } => self.upsert_need(need, occupations, stems, warnings, dirty_needs),
            Step::DeleteCompany(cvr) => self.delete_company(&cvr),
            Step::DeleteNeed(id) => self.delete_need(&id),
            Step::SetNeedStatus { need_id, status } => {
                let entry =
                    self.catalog
                        .need_mut(&need_id)
                        .ok_or_else(|| IndexError::NotFound {
                            kind: KIND_NEED,
                            key: need_id.clone(),
                        })?;
                entry.record.status = status;
                let cvr = entry.record.cvr.clone();
                self.pending_companies.insert(cvr);
                dirty_needs.insert(need_id.clone());
                Ok(Outcome::StatusSet { key: need_id })
            }
        }
    }

    fn upsert_company(
        &mut self,
        mut c: Company,
        keep_other_relations_than: Option<String>,
        warnings: Vec<String>,
        dirty_needs: &mut BTreeSet<String>,
    ) -> Outcome {
        let key = c.cvr.clone();
        let created = match self.catalog.company_mut(&key) {
            Some(existing) => {
                if let Some(own) = &keep_other_relations_than {
                    let kept = existing
                        .record
                        .jobcenter_relations
                        .iter()
                        .filter(|r| &r.municipality_code != own)
                        .cloned();
                    let mut relations: Vec<_> = kept.chain(c.jobcenter_relations).collect();
                    relations.sort_by(|a, b| a.municipality_code.cmp(&b.municipality_code));
                    c.jobcenter_relations = relations;
                }
                existing.set_record(c);
                // Needs carry their company's location in the index.
                dirty_needs.extend(existing.need_ids.iter().cloned());
                false
            }
            None => {
                let id = self.catalog.allocate_id();
                self.catalog.company_by_id.insert(id, key.clone());
                self.catalog
                    .companies
                    .insert(key.clone(), Arc::new(CompanyEntry::new(id, c)));
                true
            }
        };
        self.pending_companies.insert(key.clone());
        Outcome::Upserted {
            key,
            created,
            warnings,
        }
    }

    fn upsert_need(
        &mut self,
        n: Need,
        occupations: Vec<NeedOccupation>,
        stems: Vec<Vec<String>>,
        warnings: Vec<String>,
        dirty_needs: &mut BTreeSet<String>,
    ) -> Result<Outcome, IndexError> {
        if self.catalog.company(&n.cvr).is_none() {
            // Rejected rather than held: a need without its company cannot be placed or located.
            return Err(IndexError::Invalid {
                kind: KIND_NEED,
                violations: Violations::single(
                    "cvr",
                    format!("names no known company ({})", n.cvr),
                ),
            });
        }
        let key = n.need_id.clone();
        let cvr = n.cvr.clone();
        let created = match self.catalog.need_mut(&key) {
            Some(existing) => {
                let old_cvr = std::mem::replace(&mut existing.record, n).cvr;
                existing.occupations = occupations;
                existing.competence_stems = stems;
                if old_cvr != cvr {
                    if let Some(old) = self.catalog.company_mut(&old_cvr) {
                        old.need_ids.remove(&key);
                    }
                    self.pending_companies.insert(old_cvr);
                }
                false
            }
            None => {
                let id = self.catalog.allocate_id();
                self.catalog.need_by_id.insert(id, key.clone());
                self.catalog.needs.insert(
                    key.clone(),
                    Arc::new(NeedEntry {
                        id,
                        record: n,
                        occupations,
                        lat: 0.0,
                        lon: 0.0,
                        competence_stems: stems,
                    }),
                );
                true
            }
        };
        if let Some(c) = self.catalog.company_mut(&cvr) {
            c.need_ids.insert(key.clone());
        }
        self.pending_companies.insert(cvr);
        dirty_needs.insert(key.clone());
        Ok(Outcome::Upserted {
            key,
            created,
            warnings,
        })
    }

    fn delete_company(&mut self, cvr: &str) -> Result<Outcome, IndexError> {
        let entry = self
            .catalog
            .companies
            .remove(cvr)
            .ok_or_else(|| IndexError::NotFound {
                kind: KIND_COMPANY,
                key: cvr.to_string(),
            })?;
        self.catalog.company_by_id.remove(&entry.id);
        self.touched = true;
        let mut count = 1;
        for need_id in &entry.need_ids {
            if let Some(n) = self.catalog.needs.remove(need_id) {
                self.catalog.need_by_id.remove(&n.id);
                self.state
                    .writer
                    .delete_term(self.index.key_term(KIND_NEED, need_id));
                count += 1;
            }
        }
        self.state
            .writer
            .delete_term(self.index.key_term(KIND_COMPANY, cvr));
        self.pending_companies.remove(cvr);
        Ok(Outcome::Deleted {
            key: cvr.to_string(),
            count,
        })
    }

    fn delete_need(&mut self, need_id: &str) -> Result<Outcome, IndexError> {
        let entry = self
            .catalog
            .needs
            .remove(need_id)
            .ok_or_else(|| IndexError::NotFound {
                kind: KIND_NEED,
                key: need_id.to_string(),
            })?;
        self.catalog.need_by_id.remove(&entry.id);
        if let Some(c) = self.catalog.company_mut(&entry.record.cvr) {
            c.need_ids.remove(need_id);
        }
        self.pending_companies.insert(entry.record.cvr.clone());
        self.touched = true;
        self.state
            .writer
            .delete_term(self.index.key_term(KIND_NEED, need_id));
        Ok(Outcome::Deleted {
            key: need_id.to_string(),
            count: 1,
        })
    }

    /// Rebuilds the documents of companies changed in this transaction.
    fn flush_companies(&mut self) -> Result<(), IndexError> {
        let today = date::format_days(date::today_days());
        for cvr in std::mem::take(&mut self.pending_companies) {
            let Some(entry) = self.catalog.company(&cvr) else {
                continue;
            };
            let doc = self.index.company_doc(&self.catalog, entry, &today)?;
            self.touched = true;
            self.state
                .writer
                .delete_term(self.index.key_term(KIND_COMPANY, &cvr));
            self.state.writer.add_document(doc)?;
        }
        Ok(())
    }

    /// Makes the transaction durable and visible, with an optional commit payload (for example the position in
    /// a change log up to which this index has applied changes).
    pub fn commit(mut self, payload: Option<String>) -> Result<(), IndexError> {
        self.flush_companies()?;
        if self.touched || payload.is_some() {
            let mut prepared = self.state.writer.prepare_commit()?;
            if let Some(p) = payload {
                prepared.set_payload(&p);
            }
            prepared.commit()?;
        }
        // Durable from here on: the writer's catalog must follow even if publishing fails below.
        self.committed = true;
        let catalog = std::mem::take(&mut self.catalog);
        self.state.catalog = catalog.clone();
        self.index.reader.reload()?;
        self.index.current.store(Arc::new(Snapshot {
            searcher: self.index.reader.searcher(),
            catalog,
        }));
        Ok(())
    }
}

impl Drop for Transaction<'_> {
    fn drop(&mut self) {
        if !self.committed && self.touched {
            // Without this, the next commit by anyone would make the abandoned work durable.
            if let Err(e) = self.state.writer.rollback() {
                tracing::error!(error = %e, "rolling back an abandoned write failed");
            }
        }
    }
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
