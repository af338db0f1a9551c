//! The index writer and the snapshots readers use.
//!
//! Every write is a [`Transaction`]: changes are first *prepared* (validated, occupations resolved) without any
//! lock, then applied under the single writer lock to a private copy of the catalog and to Tantivy's writer,
//! and committed together. Until the commit nothing of the transaction is visible or durable; a transaction
//! dropped without commit rolls Tantivy's writer back, so no later commit by anyone makes its work durable.
//! After a commit the new Tantivy searcher and the new catalog are published as one [`Snapshot`], swapped
//! atomically; readers work on the snapshot they loaded and never wait for a writer.

use std::collections::{BTreeSet, HashMap};
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};

use arc_swap::ArcSwap;
use jobmatch_proto::v1::{Company, Need};
use tantivy::collector::TopDocs;
use tantivy::directory::MmapDirectory;
use tantivy::query::TermQuery;
use tantivy::schema::{IndexRecordOption, Value};
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, Searcher, TantivyDocument, Term};

use crate::catalog::{Catalog, CompanyMeta, NeedMeta, NeedOccupation, need_meta, today};
use crate::schema::{Fields, KIND_COMPANY, KIND_NEED};
use crate::stored;
use crate::validate::{self, Violations};
use crate::{IndexError, analysis};

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

    /// Adds the report of the next changes of the same transaction: their positions follow this report's.
    pub fn absorb(&mut self, next: ApplyReport) {
        let offset = self.outcomes.len();
        self.companies_upserted += next.companies_upserted;
        self.needs_upserted += next.needs_upserted;
        self.deleted += next.deleted;
        self.outcomes.extend(next.outcomes.into_iter().map(|o| {
            o.map_err(|mut r| {
                r.position += offset;
                r
            })
        }));
    }
}

/// What readers see: a Tantivy searcher and the catalog of the same commit.
pub struct Snapshot {
    pub searcher: Searcher,
    pub catalog: Catalog,
    fields: Fields,
}

impl Snapshot {
    /// The stored document of a record, by kind and key.
    fn record_doc(&self, kind: &str, key: &str) -> Result<Option<TantivyDocument>, IndexError> {
        let term = Term::from_field_text(self.fields.key, &format!("{kind}:{key}"));
        let query = TermQuery::new(term, IndexRecordOption::Basic);
        let top = self
            .searcher
            .search(&query, &TopDocs::with_limit(1).order_by_score())?;
        match top.first() {
            Some((_, addr)) => Ok(Some(self.searcher.doc(*addr)?)),
            None => Ok(None),
        }
    }

    fn record_bytes<'d>(&self, doc: &'d TantivyDocument) -> &'d [u8] {
        doc.get_first(self.fields.record)
            .and_then(|v| v.as_bytes())
            .unwrap_or_default()
    }

    /// A company's full record, from the document store.
    pub fn company_record(&self, cvr: &str) -> Result<Option<Company>, IndexError> {
        if self.catalog.company(cvr).is_none() {
            return Ok(None);
        }
        match self.record_doc(KIND_COMPANY, cvr)? {
            Some(doc) => Ok(Some(
                stored::read_company(self.record_bytes(&doc))
                    .map_err(|e| IndexError::CorruptRecord(e.to_string()))?,
            )),
            None => Ok(None),
        }
    }

    /// A need's full record, from the document store.
    pub fn need_record(&self, need_id: &str) -> Result<Option<Need>, IndexError> {
        if self.catalog.need(need_id).is_none() {
            return Ok(None);
        }
        match self.record_doc(KIND_NEED, need_id)? {
            Some(doc) => Ok(Some(
                stored::read_need(self.record_bytes(&doc))
                    .map_err(|e| IndexError::CorruptRecord(e.to_string()))?,
            )),
            None => Ok(None),
        }
    }

    /// The stored titles and descriptions of a company's open needs (for highlighting its hit).
    pub fn company_need_texts(&self, cvr: &str) -> Result<(Vec<String>, Vec<String>), IndexError> {
        let Some(doc) = self.record_doc(KIND_COMPANY, cvr)? else {
            return Ok((vec![], vec![]));
        };
        let texts = |f| -> Vec<String> {
            doc.get_all(f)
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        };
        Ok((
            texts(self.fields.need_titles),
            texts(self.fields.need_descriptions),
        ))
    }

    /// Every record, companies first (snapshots of the whole index).
    pub fn all_records(&self) -> Result<(Vec<Company>, Vec<Need>), IndexError> {
        let (mut companies, mut needs) = (Vec::new(), Vec::new());
        for_each_record(&self.searcher, &self.fields, |_, record| {
            match record {
                Record::Company(c) => companies.push(c),
                Record::Need(n) => needs.push(n),
            }
            Ok(())
        })?;
        Ok((companies, needs))
    }
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
        Self::finish_interrupted_rebuild(dir)?;
        std::fs::create_dir_all(dir)?;
        let (schema, _) = Fields::schema();
        let index = match Index::open_or_create(MmapDirectory::open(dir)?, schema) {
            Err(tantivy::TantivyError::SchemaError(_)) => {
                Self::rebuild(dir, &resolver, writer_memory)?;
                Index::open(MmapDirectory::open(dir)?)?
            }
            other => other?,
        };
        Self::from_index(index, resolver, writer_memory)
    }

    /// A rebuild stopped between its two renames (power cut, kill -9) leaves the old index in `.previous` and
    /// the complete new one in `.rebuilding`, and `dir` missing: finish the swap rather than start empty. With
    /// `dir` in place the swap had finished and only the old copy is left to remove.
    fn finish_interrupted_rebuild(dir: &Path) -> Result<(), IndexError> {
        let previous = dir.with_extension("previous");
        if !previous.exists() {
            return Ok(());
        }
        if !dir.exists() {
            let fresh = dir.with_extension("rebuilding");
            let from = if fresh.exists() {
                fresh
            } else {
                previous.clone()
            };
            std::fs::rename(&from, dir)?;
            tracing::warn!("finished an index swap that was interrupted");
        }
        if previous.exists() {
            std::fs::remove_dir_all(&previous)?;
        }
        Ok(())
    }

    /// Rebuilds an index written with an earlier schema from the records it stores, so an upgrade needs no
    /// re-ingest. Schemas only ever gain fields at the end, so the old index's `id`, `kind` and `record` keep
    /// their field ids and read as before. The new index is built beside the old one and swapped in only when
    /// complete, with the old commit's payload (the change-log position a replica resumes from); if any record
    /// no longer passes validation, nothing is swapped and the old index stays as it was.
    fn rebuild(
        dir: &Path,
        resolver: &Arc<dyn OccupationResolver>,
        writer_memory: usize,
    ) -> Result<(), IndexError> {
        let schema_changed = || IndexError::SchemaChanged(dir.display().to_string());
        let old = Index::open(MmapDirectory::open(dir)?)?;
        let payload = old.load_metas()?.payload;
        let (_, fields) = Fields::schema();
        let mut changes = Vec::new();
        {
            let reader = old.reader()?;
            for_each_record(&reader.searcher(), &fields, |_, record| {
                changes.push(match record {
                    Record::Company(c) => Change::UpsertCompany(c),
                    Record::Need(n) => Change::UpsertNeed(n),
                });
                Ok(())
            })?;
        }
        drop(old);
        // Companies before the needs that name them.
        changes.sort_by_key(|c| c.kind() != KIND_COMPANY);
        let records = changes.len();
        let fresh = dir.with_extension("rebuilding");
        if fresh.exists() {
            std::fs::remove_dir_all(&fresh)?;
        }
        {
            std::fs::create_dir_all(&fresh)?;
            let (schema, _) = Fields::schema();
            let index = Index::create_in_dir(&fresh, schema)?;
            let rebuilt = Self::from_index(index, Arc::clone(resolver), writer_memory)?;
            let prepared = changes.into_iter().map(|c| rebuilt.prepare(c)).collect();
            let mut tx = rebuilt.begin();
            let report = tx.apply(prepared)?;
            if let Some(first) = report.rejected().next() {
                tracing::error!(
                    rejected = report.rejected().count(),
                    first = %first.key,
                    "index rebuild for the new schema refused stored records; the old index is kept"
                );
                return Err(schema_changed());
            }
            tx.commit(payload)?;
        }
        let previous = dir.with_extension("previous");
        if previous.exists() {
            std::fs::remove_dir_all(&previous)?;
        }
        std::fs::rename(dir, &previous)?;
        std::fs::rename(&fresh, dir)?;
        std::fs::remove_dir_all(&previous)?;
        tracing::info!(
            records,
            "index rebuilt for the new schema from its stored records"
        );
        Ok(())
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
            fields: fields.clone(),
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
            committed_view: self.snapshot(),
            state,
            catalog,
            records: HashMap::new(),
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

    fn need_doc(&self, meta: &NeedMeta, n: &Need) -> Result<TantivyDocument, IndexError> {
        let f = &self.fields;
        let mut doc = TantivyDocument::default();
        doc.add_u64(f.id, meta.id);
        doc.add_text(f.key, format!("{KIND_NEED}:{}", n.need_id));
        doc.add_text(f.kind, KIND_NEED);
        doc.add_text(f.cvr, &n.cvr);
        doc.add_bytes(f.record, &stored::need_bytes(n));
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
        doc.add_u64(f.cond, meta.cond);
        let mut groups = BTreeSet::new();
        for o in meta.occupations.iter() {
            for level in 1..=4u32 {
                groups.insert(format!(
                    "{level}:{:0width$}",
                    o.group(level),
                    width = level as usize
                ));
            }
        }
        for g in groups {
            if g.starts_with("4:") || g.starts_with("3:") {
                doc.add_text(f.isco_area, crate::geo::group_area(&g, meta.lat, meta.lon));
            }
            doc.add_text(f.isco, g);
        }
        doc.add_f64(f.lat, meta.lat);
        doc.add_f64(f.lon, meta.lon);
        doc.add_text(f.cell, crate::geo::cell(meta.lat, meta.lon));
        Ok(doc)
    }

    fn company_doc(
        &self,
        meta: &CompanyMeta,
        c: &Company,
        open_needs: &[Need],
    ) -> Result<TantivyDocument, IndexError> {
        let f = &self.fields;
        let mut doc = TantivyDocument::default();
        doc.add_u64(f.id, meta.id);
        doc.add_text(f.key, format!("{KIND_COMPANY}:{}", c.cvr));
        doc.add_text(f.kind, KIND_COMPANY);
        doc.add_text(f.cvr, &c.cvr);
        doc.add_bytes(f.record, &stored::company_bytes(c));
        doc.add_text(f.name, &c.name);
        let mut industry = c.industry_text.clone().unwrap_or_default();
        if let Some(section) = jobmatch_refdata::db07_section(&c.industry_code) {
            industry.push_str(". ");
            industry.push_str(&section.title);
        }
        doc.add_text(f.industry, industry);
        doc.add_text(f.description, c.description.as_deref().unwrap_or_default());
        let mut needs_text = String::new();
        for r in open_needs {
            needs_text.push_str(&r.title);
            needs_text.push_str(". ");
            for comp in &r.competences_required {
                needs_text.push_str(comp);
                needs_text.push_str(", ");
            }
            needs_text.push_str(&r.description);
            needs_text.push('\n');
            doc.add_text(f.need_titles, &r.title);
            doc.add_text(f.need_descriptions, &r.description);
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
        let (lat, lon) = meta.lat_lon();
        doc.add_f64(f.lat, lat);
        doc.add_f64(f.lon, lon);
        doc.add_text(f.cell, crate::geo::cell(lat, lon));
        doc.add_u64(f.employees, u64::try_from(c.employees).unwrap_or(0));
        Ok(doc)
    }
}

/// A record read back from the document store.
enum Record {
    Company(Company),
    Need(Need),
}

/// Calls `visit` with every record stored in the index and its id, one at a time, so nothing holds them all.
fn for_each_record(
    searcher: &Searcher,
    fields: &Fields,
    mut visit: impl FnMut(u64, Record) -> Result<(), IndexError>,
) -> Result<(), IndexError> {
    let corrupt = |e: serde_json::Error| IndexError::CorruptRecord(e.to_string());
    for segment in searcher.segment_readers() {
        let column = segment.fast_fields().u64("id")?;
        let store = segment.get_store_reader(64)?;
        for doc_id in segment.doc_ids_alive() {
            let doc: TantivyDocument = store.get(doc_id)?;
            let id = column.first(doc_id).unwrap_or(0);
            let kind_is_company = doc
                .get_first(fields.kind)
                .and_then(|v| v.as_str().map(|s| s == KIND_COMPANY))
                .unwrap_or(false);
            let bytes = doc
                .get_first(fields.record)
                .and_then(|v| v.as_bytes())
                .unwrap_or_default();
            let record = if kind_is_company {
                Record::Company(stored::read_company(bytes).map_err(corrupt)?)
            } else {
                Record::Need(stored::read_need(bytes).map_err(corrupt)?)
            };
            visit(id, record)?;
        }
    }
    Ok(())
}

/// Rebuilds the catalog from the records stored in the index, in one pass over the document store. A need
/// may be read before its company, so its company (and, without a location of its own, its place) is filled
/// in after the pass.
fn load_catalog(
    searcher: &Searcher,
    fields: &Fields,
    resolver: &dyn OccupationResolver,
) -> Result<Catalog, IndexError> {
    let mut cat = Catalog::default();
    // (need id, its company's CVR, whether it has a location of its own)
    let mut pending: Vec<(u64, Box<str>, bool)> = Vec::new();
    for_each_record(searcher, fields, |id, record| {
        cat.next_id = cat.next_id.max(id);
        match record {
            Record::Company(c) => {
                cat.company_ids.insert(c.cvr.clone(), id);
                cat.companies
                    .insert(id, Arc::new(CompanyMeta::new(id, &c, Vec::new())));
            }
            Record::Need(n) => {
                let location = need_location(&n, None);
                pending.push((id, n.cvr.as_str().into(), n.location.is_some()));
                cat.need_ids.insert(n.need_id.clone(), id);
                cat.needs
                    .insert(id, need_meta(id, &n, 0, resolver.resolve(&n), location));
            }
        }
        Ok(())
    })?;
    for (id, cvr, own_location) in pending {
        let Some(&company) = cat.company_ids.get(&*cvr) else {
            // A need whose company is gone cannot be shown or matched.
            if let Some(n) = cat.needs.remove(&id) {
                cat.need_ids.remove(&*n.need_id);
            }
            continue;
        };
        let place = cat.company_by_id(company).map(CompanyMeta::lat_lon);
        if let Some(c) = cat.company_mut(company) {
            c.needs.push(id);
        }
        if let Some(n) = cat.need_mut(id) {
            n.company = company;
            if !own_location && let Some((lat, lon)) = place {
                (n.lat, n.lon) = (lat, lon);
            }
        }
    }
    let company_ids: Vec<u64> = cat.companies.ids().collect();
    for id in company_ids {
        if let Some(c) = cat.company_mut(id) {
            c.needs.sort_unstable();
        }
    }
    tracing::info!(
        companies = cat.company_count(),
        needs = cat.need_count(),
        "catalog loaded from index"
    );
    Ok(cat)
}

/// A record as a transaction holds it: the stored form of something it changed, compressed (a bulk load
/// holds every record it wrote until it commits), or None for something it deleted.
#[derive(Debug, Clone)]
enum Held {
    Company(Option<Box<[u8]>>),
    Need(Option<Box<[u8]>>),
}

impl Held {
    fn company(c: Option<&Company>) -> Held {
        Held::Company(c.map(|c| lz4_flex::compress_prepend_size(&stored::company_bytes(c)).into()))
    }

    fn need(n: Option<&Need>) -> Held {
        Held::Need(n.map(|n| lz4_flex::compress_prepend_size(&stored::need_bytes(n)).into()))
    }
}

fn unpack(bytes: &[u8]) -> Result<Vec<u8>, IndexError> {
    lz4_flex::decompress_size_prepended(bytes).map_err(|e| IndexError::CorruptRecord(e.to_string()))
}

/// A write transaction: see the module documentation.
pub struct Transaction<'a> {
    index: &'a JobIndex,
    /// The last commit, to read records the transaction has not touched.
    committed_view: Arc<Snapshot>,
    state: MutexGuard<'a, WriterState>,
    catalog: Catalog,
    /// Full records changed in this transaction, by "kind:key".
    records: HashMap<String, Held>,
    /// Companies whose documents must be rebuilt before the commit. A bulk load touches a company once per
    /// batch holding one of its needs; rebuilding once at commit avoids indexing it again and again.
    pending_companies: BTreeSet<u64>,
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
        self.records.clear();
        // Nothing of the last commit may be read as current any more.
        self.committed_view = Arc::new(Snapshot {
            searcher: self.committed_view.searcher.clone(),
            catalog: Catalog::default(),
            fields: self.index.fields.clone(),
        });
        Ok(())
    }

    /// The catalog as this transaction has changed it so far.
    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    /// A company's full record as this transaction sees it.
    fn company_record(&self, cvr: &str) -> Result<Option<Company>, IndexError> {
        match self.records.get(&format!("{KIND_COMPANY}:{cvr}")) {
            Some(Held::Company(None)) => Ok(None),
            Some(Held::Company(Some(b))) => Ok(Some(
                stored::read_company(&unpack(b)?)
                    .map_err(|e| IndexError::CorruptRecord(e.to_string()))?,
            )),
            _ => self.committed_view.company_record(cvr),
        }
    }

    fn need_record(&self, need_id: &str) -> Result<Option<Need>, IndexError> {
        match self.records.get(&format!("{KIND_NEED}:{need_id}")) {
            Some(Held::Need(None)) => Ok(None),
            Some(Held::Need(Some(b))) => Ok(Some(
                stored::read_need(&unpack(b)?)
                    .map_err(|e| IndexError::CorruptRecord(e.to_string()))?,
            )),
            _ => self.committed_view.need_record(need_id),
        }
    }

    /// Applies prepared changes in order. A change that failed preparation or names a missing record is
    /// reported in the returned report and the others still apply. Errors of the index itself end the
    /// transaction (drop it: it rolls back).
    pub fn apply(&mut self, changes: Vec<PreparedChange>) -> Result<ApplyReport, IndexError> {
        let mut report = ApplyReport::default();
        let mut dirty_needs = BTreeSet::new();
        for (position, change) in changes.into_iter().enumerate() {
            let PreparedChange { kind, key, step } = change;
            let outcome = match step {
                Ok(step) => self.apply_step(step, &mut dirty_needs),
                Err(e) => Ok(Err(e)),
            }?;
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
        for id in dirty_needs {
            self.write_need_doc(id)?;
        }
        Ok(report)
    }

    /// Re-indexes a need: its location follows its company's.
    fn write_need_doc(&mut self, id: u64) -> Result<(), IndexError> {
        let Some(meta) = self.catalog.need_by_id(id) else {
            return Ok(());
        };
        let Some(record) = self.need_record(&meta.need_id)? else {
            return Ok(());
        };
        let (lat, lon) = need_location(&record, self.catalog.company_by_id(meta.company));
        if let Some(m) = self.catalog.need_mut(id) {
            m.lat = lat;
            m.lon = lon;
        }
        let Some(meta) = self.catalog.need_by_id(id) else {
            return Ok(());
        };
        let doc = self.index.need_doc(meta, &record)?;
        self.touched = true;
        self.state
            .writer
            .delete_term(self.index.key_term(KIND_NEED, &record.need_id));
        self.state.writer.add_document(doc)?;
        Ok(())
    }

    /// One change. The outer error ends the transaction; the inner one rejects this change only.
    fn apply_step(
        &mut self,
        step: Step,
        dirty_needs: &mut BTreeSet<u64>,
    ) -> Result<Result<Outcome, IndexError>, IndexError> {
        match step {
            Step::Company {
                company,
                keep_other_relations_than,
                warnings,
            } => self
                .upsert_company(company, keep_other_relations_than, warnings, dirty_needs)
                .map(Ok),
            Step::Need {
                need,
                occupations,
                warnings,
            } => self.upsert_need(need, occupations, warnings, dirty_needs),
            Step::DeleteCompany(cvr) => self.delete_company(&cvr),
            Step::DeleteNeed(id) => self.delete_need(&id),
            Step::SetNeedStatus { need_id, status } => {
                let Some(id) = self.catalog.need_ids.get(&need_id).copied() else {
                    return Ok(Err(IndexError::NotFound {
                        kind: KIND_NEED,
                        key: need_id,
                    }));
                };
                let Some(mut record) = self.need_record(&need_id)? else {
                    return Ok(Err(IndexError::NotFound {
                        kind: KIND_NEED,
                        key: need_id,
                    }));
                };
                record.status = status;
                let company = self.catalog.need_by_id(id).map(|m| m.company).unwrap_or(0);
                if let Some(m) = self.catalog.need_mut(id) {
                    let occupations = m.occupations.to_vec();
                    *m = need_meta(id, &record, company, occupations, (m.lat, m.lon));
                }
                self.records
                    .insert(format!("{KIND_NEED}:{need_id}"), Held::need(Some(&record)));
                self.pending_companies.insert(company);
                dirty_needs.insert(id);
                Ok(Ok(Outcome::StatusSet { key: need_id }))
            }
        }
    }

    fn upsert_company(
        &mut self,
        mut c: Company,
        keep_other_relations_than: Option<String>,
        warnings: Vec<String>,
        dirty_needs: &mut BTreeSet<u64>,
    ) -> Result<Outcome, IndexError> {
        let key = c.cvr.clone();
        let existing = self.catalog.company_ids.get(&key).copied();
        let created = match existing {
            Some(id) => {
                if let Some(own) = &keep_other_relations_than
                    && let Some(old) = self.company_record(&key)?
                {
                    let kept = old
                        .jobcenter_relations
                        .into_iter()
                        .filter(|r| &r.municipality_code != own);
                    let mut relations: Vec<_> = kept.chain(c.jobcenter_relations).collect();
                    relations.sort_by(|a, b| a.municipality_code.cmp(&b.municipality_code));
                    c.jobcenter_relations = relations;
                }
                if let Some(meta) = self.catalog.company_mut(id) {
                    let needs = std::mem::take(&mut meta.needs);
                    // Needs carry their company's location in the index.
                    dirty_needs.extend(needs.iter().copied());
                    *meta = CompanyMeta::new(id, &c, needs);
                }
                self.pending_companies.insert(id);
                false
            }
            None => {
                let id = self.catalog.allocate_id();
                self.catalog.company_ids.insert(key.clone(), id);
                self.catalog
                    .companies
                    .insert(id, Arc::new(CompanyMeta::new(id, &c, Vec::new())));
                self.pending_companies.insert(id);
                true
            }
        };
        self.records
            .insert(format!("{KIND_COMPANY}:{key}"), Held::company(Some(&c)));
        Ok(Outcome::Upserted {
            key,
            created,
            warnings,
        })
    }

    fn upsert_need(
        &mut self,
        n: Need,
        occupations: Vec<NeedOccupation>,
        warnings: Vec<String>,
        dirty_needs: &mut BTreeSet<u64>,
    ) -> Result<Result<Outcome, IndexError>, IndexError> {
        let Some(company) = self.catalog.company_ids.get(&n.cvr).copied() else {
            // Rejected rather than held: a need without its company cannot be placed or located.
            return Ok(Err(IndexError::Invalid {
                kind: KIND_NEED,
                violations: Violations::single(
                    "cvr",
                    format!("names no known company ({})", n.cvr),
                ),
            }));
        };
        let key = n.need_id.clone();
        let location = need_location(&n, self.catalog.company_by_id(company));
        let (id, created) = match self.catalog.need_ids.get(&key).copied() {
            Some(id) => {
                let old_company = self.catalog.need_by_id(id).map(|m| m.company);
                if let Some(old) = old_company.filter(|c| *c != company) {
                    if let Some(c) = self.catalog.company_mut(old) {
                        c.needs.retain(|x| *x != id);
                    }
                    self.pending_companies.insert(old);
                }
                (id, false)
            }
            None => {
                let id = self.catalog.allocate_id();
                self.catalog.need_ids.insert(key.clone(), id);
                (id, true)
            }
        };
        self.catalog
            .needs
            .insert(id, need_meta(id, &n, company, occupations, location));
        if let Some(c) = self.catalog.company_mut(company)
            && let Err(at) = c.needs.binary_search(&id)
        {
            c.needs.insert(at, id);
        }
        self.pending_companies.insert(company);
        dirty_needs.insert(id);
        self.records
            .insert(format!("{KIND_NEED}:{key}"), Held::need(Some(&n)));
        Ok(Ok(Outcome::Upserted {
            key,
            created,
            warnings,
        }))
    }

    fn delete_company(&mut self, cvr: &str) -> Result<Result<Outcome, IndexError>, IndexError> {
        let Some(id) = self.catalog.company_ids.remove(cvr) else {
            return Ok(Err(IndexError::NotFound {
                kind: KIND_COMPANY,
                key: cvr.to_string(),
            }));
        };
        let meta = self.catalog.companies.remove(&id);
        self.touched = true;
        let mut count = 1;
        for need in meta.map(|m| m.needs.clone()).unwrap_or_default() {
            if let Some(n) = self.catalog.needs.remove(&need) {
                self.catalog.need_ids.remove(n.need_id.as_ref());
                self.state
                    .writer
                    .delete_term(self.index.key_term(KIND_NEED, &n.need_id));
                self.records
                    .insert(format!("{KIND_NEED}:{}", n.need_id), Held::need(None));
                count += 1;
            }
        }
        self.state
            .writer
            .delete_term(self.index.key_term(KIND_COMPANY, cvr));
        self.records
            .insert(format!("{KIND_COMPANY}:{cvr}"), Held::company(None));
        self.pending_companies.remove(&id);
        Ok(Ok(Outcome::Deleted {
            key: cvr.to_string(),
            count,
        }))
    }

    fn delete_need(&mut self, need_id: &str) -> Result<Result<Outcome, IndexError>, IndexError> {
        let Some(id) = self.catalog.need_ids.remove(need_id) else {
            return Ok(Err(IndexError::NotFound {
                kind: KIND_NEED,
                key: need_id.to_string(),
            }));
        };
        if let Some(meta) = self.catalog.needs.remove(&id) {
            if let Some(c) = self.catalog.company_mut(meta.company) {
                c.needs.retain(|x| *x != id);
            }
            self.pending_companies.insert(meta.company);
        }
        self.touched = true;
        self.state
            .writer
            .delete_term(self.index.key_term(KIND_NEED, need_id));
        self.records
            .insert(format!("{KIND_NEED}:{need_id}"), Held::need(None));
        Ok(Ok(Outcome::Deleted {
            key: need_id.to_string(),
            count: 1,
        }))
    }

    /// Rebuilds the documents of companies changed in this transaction.
    fn flush_companies(&mut self) -> Result<(), IndexError> {
        let today = today();
        for id in std::mem::take(&mut self.pending_companies) {
            let Some(meta) = self.catalog.company_by_id(id) else {
                continue;
            };
            let Some(record) = self.company_record(&meta.cvr)? else {
                continue;
            };
            let mut open = Vec::new();
            for n in self.catalog.open_needs(meta, today) {
                if let Some(r) = self.need_record(&n.need_id)? {
                    open.push(r);
                }
            }
            let doc = self.index.company_doc(meta, &record, &open)?;
            self.touched = true;
            self.state
                .writer
                .delete_term(self.index.key_term(KIND_COMPANY, &record.cvr));
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
            fields: self.index.fields.clone(),
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

fn need_location(n: &Need, company: Option<&CompanyMeta>) -> (f64, f64) {
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
