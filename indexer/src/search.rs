//! Company search for company consultants. Tantivy finds the companies that match the text and the filters it
//! can answer from the index (kind, municipality, DB07 prefix, size, a bounding box around a point); exact
//! distance, relation filters, facets, sorting and pages are then worked out over the catalog, so counts and
//! facets always describe exactly the filtered set.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::ops::Bound;

use jobmatch_proto::v1::Company;
use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, ConstScoreQuery, FuzzyTermQuery, Occur, Query, RangeQuery,
    TermQuery,
};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{DocAddress, Score, Searcher, Term};

use crate::catalog::{CompanyMeta, Relation};
use crate::collect::AllIds;
use crate::highlight::{QueryTerms, snippet};
use crate::index::{JobIndex, Snapshot};
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
    /// The total and the facet counts are estimated from a sample (more than [`EXACT_UP_TO`] matches).
    pub estimated: bool,
}

/// Matching companies whose filters and facets are worked out one by one. A broad query at national scale
/// matches hundreds of thousands: above this, a relevance-ordered search estimates its total and facet counts
/// from an even sample of this many and says so, and reads only the best-scored matches for its page, so its
/// cost stays bounded. Other orders need every match and stay exact.
pub const EXACT_UP_TO: usize = 20_000;

/// Size bands by ordinary employees (the EU SME bands).
pub const SIZE_BANDS: [(&str, i32, i32); 4] = [
    ("0-9", 0, 9),
    ("10-49", 10, 49),
    ("50-249", 50, 249),
    ("250+", 250, i32::MAX),
];

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
    search_companies_bounded(index, q, deadline, EXACT_UP_TO)
}

/// [`search_companies`] with another bound than [`EXACT_UP_TO`] on the matches counted exactly (tests).
pub fn search_companies_bounded(
    index: &JobIndex,
    q: &CompanyQuery,
    deadline: &Deadline,
    exact_up_to: usize,
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
    let today = crate::catalog::today();
    let filter = RelationFilter::new(q);
    let check = RowCheck {
        catalog,
        today,
        filter: &filter,
        q,
    };
    let upto = q.offset.saturating_add(q.page_size);
    let estimated = q.sort == Sort::Relevance && scored.len() > exact_up_to.max(1);
    let (mut rows, total, facets) = if estimated {
        // Counts and facets from an even sample of the matches; the page from the best-scored matches only.
        let stride = scored.len().div_ceil(exact_up_to.max(1));
        let sample = check.rows(scored.iter().step_by(stride), deadline)?;
        let scale = scored.len() as f64 / scored.len().div_ceil(stride) as f64;
        let total = (sample.len() as f64 * scale).round() as usize;
        let facets = facets(&sample, scale);
        (
            check.best_by_score(&mut scored, upto, deadline)?,
            total,
            facets,
        )
    } else {
        let rows = check.rows(scored.iter(), deadline)?;
        let total = rows.len();
        let facets = facets(&rows, 1.0);
        (rows, total, facets)
    };
    sort_rows(&mut rows, &filter, upto, estimated);
    deadline.check()?;
    let page: Vec<_> = rows.iter().skip(q.offset).take(q.page_size).collect();
    let next_offset = (q.offset + page.len() < total).then_some(q.offset + page.len());
    let mut hits = Vec::with_capacity(page.len());
    for row in page {
        let open = catalog.open_needs(row.company, today).count() as u32;
        hits.push(hit(&snapshot, row, open, &terms, q)?);
    }
    Ok(SearchResult {
        hits,
        total: total as u64,
        next_offset,
        facets,
        estimated,
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

/// The relation filters and the last-contact order, read from the asking jobcenter's relation only.
struct RelationFilter {
    jobcenter: Option<u16>,
    open_to_ordinary_hours: Option<bool>,
    partnership: Option<bool>,
    /// Days since the epoch.
    not_contacted_since: Option<i32>,
    sort: Sort,
}

impl RelationFilter {
    fn new(q: &CompanyQuery) -> Self {
        RelationFilter {
            jobcenter: q.jobcenter.as_deref().and_then(|j| j.parse().ok()),
            open_to_ordinary_hours: q.open_to_ordinary_hours,
            partnership: q.partnership,
            // An unreadable date is refused before a query is built; should one get here, it filters nothing.
            not_contacted_since: q
                .not_contacted_since
                .as_deref()
                .and_then(date::parse_days)
                .map(|d| d as i32),
            sort: q.sort,
        }
    }

    /// Without a jobcenter no relation is read: relations are each jobcenter's own data.
    fn relation<'c>(&self, c: &'c CompanyMeta) -> Option<&'c Relation> {
        self.jobcenter.and_then(|m| c.relation(m))
    }

    fn passes(&self, c: &CompanyMeta) -> bool {
        let r = self.relation(c);
        if let Some(want) = self.open_to_ordinary_hours
            && want != r.is_some_and(|r| r.open_to_ordinary_hours)
        {
            return false;
        }
        if let Some(want) = self.partnership
            && want != r.is_some_and(|r| r.partnership)
        {
            return false;
        }
        if let Some(since) = self.not_contacted_since
            && self.last_contact(c).is_some_and(|last| last >= since)
        {
            return false;
        }
        true
    }

    fn last_contact(&self, c: &CompanyMeta) -> Option<i32> {
        self.relation(c).and_then(|r| r.last_contact)
    }
}

struct Row<'a> {
    company: &'a CompanyMeta,
    score: f32,
    distance: Option<f64>,
}

/// The filters the index cannot answer, applied to matches one by one.
struct RowCheck<'a> {
    catalog: &'a crate::catalog::Catalog,
    today: i32,
    filter: &'a RelationFilter,
    q: &'a CompanyQuery,
}

impl<'a> RowCheck<'a> {
    fn row(&self, score: f32, id: u64) -> Option<Row<'a>> {
        let company = self.catalog.company_by_id(id)?;
        let distance = self
            .q
            .near
            .map(|(lat, lon, _)| geo::haversine_km(lat, lon, company.lat, company.lon));
        if let (Some(d), Some((_, _, radius))) = (distance, self.q.near)
            && d > radius
        {
            return None;
        }
        if !self.filter.passes(company) {
            return None;
        }
        // Finding open needs walks the company's needs: only done when a filter asks for it.
        if let Some(want) = self.q.has_open_needs
            && want
                != self
                    .catalog
                    .open_needs(company, self.today)
                    .next()
                    .is_some()
        {
            return None;
        }
        Some(Row {
            company,
            score,
            distance,
        })
    }

    fn rows<'s>(
        &self,
        matches: impl Iterator<Item = &'s (Score, u64)>,
        deadline: &Deadline,
    ) -> Result<Vec<Row<'a>>, IndexError> {
        let mut rows = Vec::new();
        for (i, (score, id)) in matches.enumerate() {
            if i % 1024 == 1023 {
                deadline.check()?;
            }
            rows.extend(self.row(*score, *id));
        }
        Ok(rows)
    }

    /// The passing matches among the best-scored ones, at least `upto` of them when there are: the best
    /// `m` by (score, id) are checked, and `m` grows until enough pass. Any passing match outside them ranks
    /// below all of them, so the first `upto` passing ones are exact.
    fn best_by_score(
        &self,
        scored: &mut [(Score, u64)],
        upto: usize,
        deadline: &Deadline,
    ) -> Result<Vec<Row<'a>>, IndexError> {
        let by_score = |a: &(Score, u64), b: &(Score, u64)| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1));
        let mut m = upto.saturating_mul(2).max(64);
        loop {
            let m_now = m.min(scored.len());
            if m_now > 0 && m_now < scored.len() {
                scored.select_nth_unstable_by(m_now - 1, by_score);
            }
            let rows = self.rows(scored[..m_now].iter(), deadline)?;
            if rows.len() >= upto || m_now == scored.len() {
                return Ok(rows);
            }
            m = m.saturating_mul(4);
        }
    }
}

/// Orders the rows the page needs (the first `upto`); the rest stay unordered, as no page shows them.
/// Ties go by CVR number; in an estimated search by catalog id, the order its page was chosen in.
fn sort_rows(rows: &mut Vec<Row<'_>>, filter: &RelationFilter, upto: usize, ties_by_id: bool) {
    let cmp = |a: &Row<'_>, b: &Row<'_>| -> std::cmp::Ordering {
        let by_cvr = || {
            if ties_by_id {
                a.company.id.cmp(&b.company.id)
            } else {
                a.company.cvr.cmp(&b.company.cvr)
            }
        };
        match filter.sort {
            Sort::Relevance => b.score.total_cmp(&a.score).then_with(by_cvr),
            Sort::Distance => a
                .distance
                .unwrap_or(f64::MAX)
                .total_cmp(&b.distance.unwrap_or(f64::MAX))
                .then_with(by_cvr),
            // Never contacted first (None sorts before any date), then the longest since.
            Sort::LastContact => filter
                .last_contact(a.company)
                .cmp(&filter.last_contact(b.company))
                .then_with(by_cvr),
        }
    };
    if upto < rows.len() {
        rows.select_nth_unstable_by(upto, cmp);
        rows.truncate(upto);
    }
    rows.sort_unstable_by(cmp);
}

/// Facet counts of the rows, times `scale` (the rows are a sample of one in `scale`).
fn facets(rows: &[Row<'_>], scale: f64) -> Vec<(String, Vec<FacetCount>)> {
    let mut sections: HashMap<&str, u64> = HashMap::new();
    let mut municipalities: HashMap<u16, u64> = HashMap::new();
    let mut sizes = [0u64; SIZE_BANDS.len()];
    for row in rows {
        let c = row.company;
        *sections.entry(c.section).or_default() += 1;
        *municipalities.entry(c.municipality).or_default() += 1;
        if let Some(band) = SIZE_BANDS
            .iter()
            .position(|(_, lo, hi)| (*lo..=*hi).contains(&c.employees))
        {
            sizes[band] += 1;
        }
    }
    let scaled = |count: u64| (count as f64 * scale).round() as u64;
    let by_count = |mut v: Vec<FacetCount>| {
        v.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
        v
    };
    let sections = sections
        .into_iter()
        .map(|(value, count)| FacetCount {
            value: value.to_string(),
            label: jobmatch_refdata::industry(value)
                .map(|i| i.title.clone())
                .unwrap_or_default(),
            count: scaled(count),
        })
        .collect();
    let municipalities = municipalities
        .into_iter()
        .map(|(code, count)| {
            let value = format!("{code:04}");
            FacetCount {
                label: jobmatch_refdata::municipality(&value)
                    .map(|m| m.name.clone())
                    .unwrap_or_default(),
                value,
                count: scaled(count),
            }
        })
        .collect();
    let sizes = SIZE_BANDS
        .iter()
        .zip(sizes)
        .filter(|(_, count)| *count > 0)
        .map(|((band, ..), count)| FacetCount {
            value: band.to_string(),
            label: format!("{band} ansatte"),
            count: scaled(count),
        })
        .collect();
    vec![
        ("db07_section".to_string(), by_count(sections)),
        ("municipality".to_string(), by_count(municipalities)),
        ("size_band".to_string(), sizes),
    ]
}

/// A hit as shown: the record from the document store, with highlights from its text and its open needs'.
fn hit(
    snapshot: &Snapshot,
    row: &Row<'_>,
    open_needs: u32,
    terms: &QueryTerms,
    q: &CompanyQuery,
) -> Result<CompanyHit, IndexError> {
    let Some(mut company) = snapshot.company_record(&row.company.cvr)? else {
        return Err(IndexError::CorruptRecord(format!(
            "company {} is in the catalog but not in the document store",
            row.company.id
        )));
    };
    let mut highlights = Vec::new();
    let mut add = |field: &str, text: &str| {
        if highlights.len() < MAX_HIGHLIGHTS
            && let Some(s) = snippet(text, terms, 160)
        {
            highlights.push((field.to_string(), s));
        }
    };
    add("name", &company.name);
    add(
        "industry_text",
        company.industry_text.as_deref().unwrap_or_default(),
    );
    add(
        "description",
        company.description.as_deref().unwrap_or_default(),
    );
    if !terms.is_empty() {
        let (titles, descriptions) = snapshot.company_need_texts(&company.cvr)?;
        for (title, description) in titles
            .iter()
            .zip(descriptions.iter())
            .take(MAX_HIGHLIGHTED_NEEDS)
        {
            add("needs.title", title);
            add("needs.description", description);
        }
    }
    // A consultant sees the relation of their own jobcenter, not other jobcenters' notes; a caller without a
    // jobcenter sees none.
    company
        .jobcenter_relations
        .retain(|r| Some(&r.municipality_code) == q.jobcenter.as_ref());
    Ok(CompanyHit {
        company,
        score: row.score,
        distance_km: row.distance,
        open_needs,
        industry_section: row.company.section.to_string(),
        highlights,
    })
}
