//! Company search for company consultants. Tantivy finds the companies that match the text and the filters it
//! can answer from the index (kind, municipality, DB07 prefix, size, a bounding box around a point); exact
//! distance, relation filters, facets, sorting and pages are then worked out over the catalog, so counts and
//! facets always describe exactly the filtered set.

use std::collections::{BTreeMap, HashMap};
use std::hash::{Hash, Hasher};
use std::ops::Bound;

use jobmatch_proto::v1::Company;
use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, ConstScoreQuery, FuzzyTermQuery, Occur, Query, RangeQuery,
    TermQuery,
};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{DocAddress, Score, Searcher, Term};

use crate::catalog::{Catalog, CompanyEntry};
use crate::collect::AllIds;
use crate::highlight::{QueryTerms, snippet};
use crate::index::JobIndex;
use crate::schema::{Fields, KIND_COMPANY};
use crate::{Deadline, IndexError, date, geo};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Sort {
    #[default]
    Relevance,
    Distance,
    LastContact,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct CompanyQuery {
    pub text: String,
    pub municipalities: Vec<String>,
    /// (lat, lon, radius_km)
    pub near: Option<(f64, f64, f64)>,
    pub industry_prefixes: Vec<String>,
    pub min_employees: Option<i32>,
    pub max_employees: Option<i32>,
    pub has_open_needs: Option<bool>,
    pub open_to_ordinary_hours: Option<bool>,
    pub partnership: Option<bool>,
    /// ISO date: last contact before it, or never.
    pub not_contacted_since: Option<String>,
    /// The jobcenter whose relation the relation filters, the last-contact order and the hits show; without
    /// one no relation is read or shown (relations are each jobcenter's own data).
    pub jobcenter: Option<String>,
    pub sort: Sort,
    pub page_size: usize,
    pub offset: usize,
}

impl CompanyQuery {
    /// Identifies the query apart from its page, so a cursor cannot be replayed against another query.
    pub fn fingerprint(&self) -> u64 {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        let q = CompanyQuery {
            offset: 0,
            ..self.clone()
        };
        format!("{q:?}").hash(&mut h);
        h.finish()
    }
}

#[derive(Debug, Clone)]
pub struct CompanyHit {
    pub company: Company,
    pub score: f32,
    pub distance_km: Option<f64>,
    pub open_needs: u32,
    pub industry_section: String,
    /// (field, HTML fragment)
    pub highlights: Vec<(String, String)>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct FacetCount {
    pub value: String,
    pub label: String,
    pub count: u64,
}

#[derive(Debug, Clone)]
pub struct SearchResult {
    pub hits: Vec<CompanyHit>,
    pub total: u64,
    pub next_offset: Option<usize>,
    /// (facet name, counts by value)
    pub facets: Vec<(String, Vec<FacetCount>)>,
}

/// Size bands by ordinary employees (the EU SME bands).
pub const SIZE_BANDS: [(&str, i32, i32); 4] = [
    ("0-9", 0, 9),
    ("10-49", 10, 49),
    ("50-249", 50, 249),
    ("250+", 250, i32::MAX),
];

fn size_band(employees: i32) -> &'static str {
    SIZE_BANDS
        .iter()
        .find(|(_, lo, hi)| (*lo..=*hi).contains(&employees))
        .map(|b| b.0)
        .unwrap_or("0-9")
}

/// Highlighted fragments per hit, and the open needs of a company looked at for them.
const MAX_HIGHLIGHTS: usize = 6;
const MAX_HIGHLIGHTED_NEEDS: usize = 20;

/// Typo-tolerant words per query: each costs an automaton over the term dictionary, so a long query of unknown
/// words is bounded by this rather than by its length.
pub const MAX_FUZZY_WORDS: usize = 4;

pub fn search_companies(
    index: &JobIndex,
    q: &CompanyQuery,
    deadline: &Deadline,
) -> Result<SearchResult, IndexError> {
    let fields = index.fields();
    let terms = QueryTerms::parse(&q.text);
    // One snapshot for the whole search: the hits, the records and the counts all come from one commit.
    let snapshot = index.snapshot();
    let searcher = &snapshot.searcher;
    let filters = filter_clauses(fields, q);
    let mut scored = run(searcher, fields, &terms, &filters, Occur::Must)?;
    // Every word must match somewhere; when no company has them all, fall back to any word.
    if scored.is_empty() && terms.words.len() > 1 {
        scored = run(searcher, fields, &terms, &filters, Occur::Should)?;
    }
    deadline.check()?;
    let catalog = &snapshot.catalog;
    let today = date::format_days(date::today_days());
    let mut rows: Vec<(&CompanyEntry, f32, Option<f64>, u32)> = Vec::new();
    for (i, (score, id)) in scored.into_iter().enumerate() {
        if i % 1024 == 1023 {
            deadline.check()?;
        }
        let Some(entry) = catalog.company_by_id(id) else {
            continue;
        };
        let distance = q.near.map(|(lat, lon, _)| {
            let (clat, clon) = entry.lat_lon();
            geo::haversine_km(lat, lon, clat, clon)
        });
        if let (Some(d), Some((_, _, radius))) = (distance, q.near)
            && d > radius
        {
            continue;
        }
        // Counting open needs walks the company's needs: only done here when a filter asks for it.
        let open = if q.has_open_needs.is_some() {
            catalog.open_needs(entry, &today).count() as u32
        } else {
            u32::MAX
        };
        if !passes_catalog_filters(entry, open, q) {
            continue;
        }
        rows.push((entry, score, distance, open));
    }
    let facets = facets(&rows);
    sort_rows(&mut rows, q);
    deadline.check()?;
    let total = rows.len() as u64;
    let page: Vec<_> = rows.iter().skip(q.offset).take(q.page_size).collect();
    let next_offset = (q.offset + page.len() < rows.len()).then_some(q.offset + page.len());
    let hits = page
        .into_iter()
        .map(|(entry, score, distance, open)| {
            let open = if *open == u32::MAX {
                catalog.open_needs(entry, &today).count() as u32
            } else {
                *open
            };
            hit(catalog, entry, *score, *distance, open, &terms, &today, q)
        })
        .collect();
    Ok(SearchResult {
        hits,
        total,
        next_offset,
        facets,
    })
}

fn run(
    searcher: &Searcher,
    fields: &Fields,
    terms: &QueryTerms,
    filters: &[Box<dyn Query>],
    word_occur: Occur,
) -> Result<Vec<(Score, u64)>, IndexError> {
    let mut clauses: Vec<(Occur, Box<dyn Query>)> = filters
        .iter()
        .map(|f| {
            (
                Occur::Must,
                Box::new(ConstScoreQuery::new(f.box_clone(), 0.0)) as Box<dyn Query>,
            )
        })
        .collect();
    if terms.is_empty() {
        clauses.push((
            Occur::Must,
            Box::new(ConstScoreQuery::new(Box::new(AllQuery), 1.0)),
        ));
    } else {
        let mut words: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        let searched = [
            (fields.name, 3.0),
            (fields.industry, 1.5),
            (fields.description, 1.0),
            (fields.needs_text, 1.5),
        ];
        let mut fuzzy_words = 0;
        for w in &terms.words {
            // Typo tolerance is for words the index does not know: a known word matches as written, and the
            // fuzzy expansion (the costly part of a query) is skipped.
            let mut known = false;
            for (field, _) in searched {
                known |= searcher.doc_freq(&Term::from_field_text(field, &w.stem))? > 0;
            }
            let fuzzy = !known && w.typo_distance > 0 && fuzzy_words < MAX_FUZZY_WORDS;
            fuzzy_words += usize::from(fuzzy);
            let w = &crate::highlight::QueryWord {
                typo_distance: if fuzzy { w.typo_distance } else { 0 },
                ..w.clone()
            };
            let mut variants: Vec<(Occur, Box<dyn Query>)> = Vec::new();
            for (field, weight) in searched {
                variants.extend(word_variants(field, weight, w)?);
            }
            words.push((word_occur, Box::new(BooleanQuery::new(variants))));
        }
        clauses.push((Occur::Must, Box::new(BooleanQuery::new(words))));
    }
    let query = BooleanQuery::new(clauses);
    Ok(searcher.search(
        &query,
        &AllIds {
            scoring: !terms.is_empty(),
        },
    )?)
}

/// Clauses of a Boolean query.
pub type Clauses = Vec<(Occur, Box<dyn Query>)>;

/// Needs only, scored by the given word clauses (companies share text fields with needs).
pub fn needs_matching(fields: &Fields, words: Clauses) -> BooleanQuery {
    let kind: Box<dyn Query> = Box::new(TermQuery::new(
        Term::from_field_text(fields.kind, crate::schema::KIND_NEED),
        IndexRecordOption::Basic,
    ));
    BooleanQuery::new(vec![
        (Occur::Must, Box::new(ConstScoreQuery::new(kind, 0.0))),
        (Occur::Must, Box::new(BooleanQuery::new(words))),
    ])
}

/// The ways one query word can match a field: its stem (BM25), the start of a compound, or a typo.
pub fn word_variants(
    field: Field,
    weight: f32,
    w: &crate::highlight::QueryWord,
) -> Result<Clauses, IndexError> {
    let mut v: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    let term = Term::from_field_text(field, &w.stem);
    v.push((
        Occur::Should,
        Box::new(BoostQuery::new(
            Box::new(TermQuery::new(term.clone(), IndexRecordOption::WithFreqs)),
            weight,
        )),
    ));
    if let Some(prefix) = &w.prefix {
        let q = crate::prefix::PrefixQuery::new(field, prefix);
        v.push((
            Occur::Should,
            Box::new(BoostQuery::new(Box::new(q), weight * 0.6)),
        ));
    }
    if w.typo_distance > 0 {
        let q = FuzzyTermQuery::new(term, w.typo_distance, true);
        v.push((
            Occur::Should,
            Box::new(BoostQuery::new(Box::new(q), weight * 0.4)),
        ));
    }
    Ok(v)
}

/// Maps Tantivy hits to catalog ids through the `id` fast field.
pub fn ids(
    searcher: &Searcher,
    fields: &Fields,
    top: Vec<(Score, DocAddress)>,
) -> Result<Vec<(Score, u64)>, IndexError> {
    let name = searcher.schema().get_field_name(fields.id).to_string();
    let mut columns = HashMap::new();
    let mut out = Vec::with_capacity(top.len());
    for (score, addr) in top {
        let col = match columns.entry(addr.segment_ord) {
            std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
            std::collections::hash_map::Entry::Vacant(e) => e.insert(
                searcher
                    .segment_reader(addr.segment_ord)
                    .fast_fields()
                    .u64(&name)?,
            ),
        };
        if let Some(id) = col.first(addr.doc_id) {
            out.push((score, id));
        }
    }
    Ok(out)
}

fn filter_clauses(f: &Fields, q: &CompanyQuery) -> Vec<Box<dyn Query>> {
    let term = |field: Field, v: &str| -> Box<dyn Query> {
        Box::new(TermQuery::new(
            Term::from_field_text(field, v),
            IndexRecordOption::Basic,
        ))
    };
    let any_of = |field: Field, values: &[String]| -> Box<dyn Query> {
        Box::new(BooleanQuery::new(
            values
                .iter()
                .map(|v| (Occur::Should, term(field, v)))
                .collect(),
        ))
    };
    let mut out = vec![term(f.kind, KIND_COMPANY)];
    if !q.municipalities.is_empty() {
        out.push(any_of(f.municipality, &q.municipalities));
    }
    if !q.industry_prefixes.is_empty() {
        out.push(any_of(f.db07, &q.industry_prefixes));
    }
    if q.min_employees.is_some() || q.max_employees.is_some() {
        let lo = q
            .min_employees
            .map(|v| Bound::Included(Term::from_field_u64(f.employees, v.max(0) as u64)));
        let hi = q
            .max_employees
            .map(|v| Bound::Included(Term::from_field_u64(f.employees, v.max(0) as u64)));
        out.push(Box::new(RangeQuery::new(
            lo.unwrap_or(Bound::Unbounded),
            hi.unwrap_or(Bound::Unbounded),
        )));
    }
    if let Some((lat, lon, radius)) = q.near {
        out.extend(bbox_clauses(f, lat, lon, radius));
    }
    out
}

/// The geo pre-filter for a circle: the grid cells that cover it, or (for a very large radius) range filters on
/// the lat/lon fast fields. Exact distance is checked afterwards.
pub fn bbox_clauses(f: &Fields, lat: f64, lon: f64, radius_km: f64) -> Vec<Box<dyn Query>> {
    if let Some(cells) = geo::cells_covering(lat, lon, radius_km) {
        let any: Vec<(Occur, Box<dyn Query>)> = cells
            .iter()
            .map(|c| {
                let q: Box<dyn Query> = Box::new(TermQuery::new(
                    Term::from_field_text(f.cell, c),
                    IndexRecordOption::Basic,
                ));
                (Occur::Should, q)
            })
            .collect();
        return vec![Box::new(BooleanQuery::new(any))];
    }
    let (min_lat, max_lat, min_lon, max_lon) = geo::bounding_box(lat, lon, radius_km);
    let range = |field: Field, lo: f64, hi: f64| -> Box<dyn Query> {
        Box::new(RangeQuery::new(
            Bound::Included(Term::from_field_f64(field, lo)),
            Bound::Included(Term::from_field_f64(field, hi)),
        ))
    };
    vec![
        range(f.lat, min_lat, max_lat),
        range(f.lon, min_lon, max_lon),
    ]
}

fn relation<'a>(
    c: &'a Company,
    jobcenter: Option<&str>,
) -> Vec<&'a jobmatch_proto::v1::JobcenterRelation> {
    c.jobcenter_relations
        .iter()
        .filter(|r| jobcenter.is_some_and(|j| r.municipality_code == j))
        .collect()
}

/// The latest contact date of the relevant relations, or "" when never contacted.
fn last_contact(c: &Company, jobcenter: Option<&str>) -> String {
    relation(c, jobcenter)
        .iter()
        .map(|r| r.last_contact.clone())
        .max()
        .unwrap_or_default()
}

fn passes_catalog_filters(entry: &CompanyEntry, open_needs: u32, q: &CompanyQuery) -> bool {
    let c = &entry.record;
    let jc = q.jobcenter.as_deref();
    if q.has_open_needs
        .is_some_and(|want| want != (open_needs > 0))
    {
        return false;
    }
    if let Some(want) = q.open_to_ordinary_hours
        && want != relation(c, jc).iter().any(|r| r.open_to_ordinary_hours)
    {
        return false;
    }
    if let Some(want) = q.partnership
        && want != relation(c, jc).iter().any(|r| r.partnership)
    {
        return false;
    }
    if let Some(since) = &q.not_contacted_since {
        let last = last_contact(c, jc);
        if !last.is_empty() && last.as_str() >= since.as_str() {
            return false;
        }
    }
    true
}

type Row<'a> = (&'a CompanyEntry, f32, Option<f64>, u32);

fn sort_rows(rows: &mut [Row<'_>], q: &CompanyQuery) {
    let jc = q.jobcenter.as_deref();
    match q.sort {
        Sort::Relevance => rows.sort_by(|a, b| {
            b.1.total_cmp(&a.1)
                .then_with(|| a.0.record.cvr.cmp(&b.0.record.cvr))
        }),
        Sort::Distance => rows.sort_by(|a, b| {
            a.2.unwrap_or(f64::MAX)
                .total_cmp(&b.2.unwrap_or(f64::MAX))
                .then_with(|| a.0.record.cvr.cmp(&b.0.record.cvr))
        }),
        Sort::LastContact => {
            rows.sort_by_cached_key(|r| (last_contact(&r.0.record, jc), r.0.record.cvr.clone()))
        }
    }
}

fn facets(rows: &[Row<'_>]) -> Vec<(String, Vec<FacetCount>)> {
    let mut sections: BTreeMap<&str, u64> = BTreeMap::new();
    let mut municipalities: BTreeMap<&str, u64> = BTreeMap::new();
    let mut sizes: BTreeMap<&'static str, u64> = BTreeMap::new();
    for (entry, ..) in rows {
        let c = &entry.record;
        *sections.entry(entry.section).or_default() += 1;
        let m = c
            .address
            .as_ref()
            .map(|a| a.municipality_code.as_str())
            .unwrap_or_default();
        *municipalities.entry(m).or_default() += 1;
        *sizes.entry(size_band(c.employees)).or_default() += 1;
    }
    let by_count = |mut v: Vec<FacetCount>| {
        v.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
        v
    };
    let sections = sections
        .into_iter()
        .map(|(value, count)| {
            let label = jobmatch_refdata::industry(value)
                .map(|i| i.title.clone())
                .unwrap_or_default();
            FacetCount {
                value: value.to_string(),
                label,
                count,
            }
        })
        .collect();
    let municipalities = municipalities
        .into_iter()
        .map(|(value, count)| {
            let label = jobmatch_refdata::municipality(value)
                .map(|m| m.name.clone())
                .unwrap_or_default();
            FacetCount {
                value: value.to_string(),
                label,
                count,
            }
        })
        .collect();
    let sizes = SIZE_BANDS
        .iter()
        .filter_map(|(band, ..)| {
            sizes.get(band).map(|&count| FacetCount {
                value: band.to_string(),
                label: format!("{band} ansatte"),
                count,
            })
        })
        .collect();
    vec![
        ("db07_section".to_string(), by_count(sections)),
        ("municipality".to_string(), by_count(municipalities)),
        ("size_band".to_string(), sizes),
    ]
}

#[allow(clippy::too_many_arguments)]
fn hit(
    catalog: &Catalog,
    entry: &CompanyEntry,
    score: f32,
    distance_km: Option<f64>,
    open_needs: u32,
    terms: &QueryTerms,
    today: &str,
    q: &CompanyQuery,
) -> CompanyHit {
    let c = &entry.record;
    let mut highlights = Vec::new();
    let mut add = |field: &str, text: &str| {
        if highlights.len() < MAX_HIGHLIGHTS
            && let Some(s) = snippet(text, terms, 160)
        {
            highlights.push((field.to_string(), s));
        }
    };
    add("name", &c.name);
    add(
        "industry_text",
        c.industry_text.as_deref().unwrap_or_default(),
    );
    add("description", c.description.as_deref().unwrap_or_default());
    for n in catalog.open_needs(entry, today).take(MAX_HIGHLIGHTED_NEEDS) {
        let r = &n.record;
        add("needs.title", &r.title);
        add("needs.description", &r.description);
    }
    let mut company = c.clone();
    // A consultant sees the relation of their own jobcenter, not other jobcenters' notes; a caller without a
    // jobcenter sees none.
    company
        .jobcenter_relations
        .retain(|r| Some(&r.municipality_code) == q.jobcenter.as_ref());
    let industry_section = jobmatch_refdata::db07_section(&c.industry_code)
        .map(|s| s.section.clone())
        .unwrap_or_default();
    CompanyHit {
        company,
        score,
        distance_km,
        open_needs,
        industry_section,
        highlights,
    }
}
