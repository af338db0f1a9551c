use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, HashMap};
use std::sync::Arc;
use std::time::{Duration, Instant};

use arc_swap::ArcSwap;
use rustc_hash::{FxHashMap, FxHashSet};

use jobmatch_indexer::catalog::{NO_ESCO, flags};
use jobmatch_indexer::collect::NeedIds;
use jobmatch_indexer::needbits::CitizenMask;
use jobmatch_indexer::search::{MAX_FUZZY_WORDS, needs_matching, word_variants};
use jobmatch_indexer::{
    CompanyMeta, Deadline, JobIndex, NeedMeta, NeedOccupation, Snapshot, Violations, date, geo,
    validate,
};
use jobmatch_proto::v1::{
    Candidate, CitizenProfile, Exclusion as ExclusionMsg, HoursPotential, MatchCitizenResponse,
    MatchNeedResponse, MatchOptions, Need, NeedCandidate, Occupation, ScoreBreakdown,
};
use jobmatch_taxonomy::Taxonomy;
use tantivy::Term;
use tantivy::query::{BooleanQuery, ConstScoreQuery, Occur, Query, TermQuery};
use tantivy::schema::IndexRecordOption;

use crate::cache::{CachedTaxonomy, DEFAULT_CACHE_BYTES};
use crate::conditions::{Exclusion, check_need};
use crate::explain::explanation;
use crate::potential::{CompanyRecord, PotentialInput, RECORD_WEIGHT, estimate, expected_hours};
use crate::profile::{CitizenView, Reading, ReadingRef, interpret};
use crate::rules::{FULL_COMPANY_PENALTY, ReasonablenessAction, ReasonablenessRule};
use crate::{MatchError, MatchRules};

/// How a need fits the citizen, strongest first. The order follows how a jobformidler judges a match: the
/// citizen's own goal, then the goal's occupational group, earlier work, related groups, and what personal
/// competences point to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum FitLevel {
    None,
    Text,
    Competence,
    MinorGroup,
    ExperienceGroup,
    Experience,
    UnitGroup,
    LikelyGoal,
    ExactGoal,
}

impl FitLevel {
    /// Weights are spaced so that the secondary terms of the score (at most 10 points) reorder candidates
    /// within a level but never lift one over a level.
    pub fn value(self) -> f32 {
        match self {
            FitLevel::ExactGoal => 1.0,
            FitLevel::LikelyGoal => 0.9,
            FitLevel::UnitGroup => 0.8,
            FitLevel::Experience => 0.68,
            FitLevel::ExperienceGroup => 0.3,
            FitLevel::MinorGroup => 0.45,
            FitLevel::Competence => 0.38,
            FitLevel::Text => 0.2,
            FitLevel::None => 0.0,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            FitLevel::ExactGoal => "exact_goal",
            FitLevel::LikelyGoal => "likely_goal",
            FitLevel::UnitGroup => "unit_group",
            FitLevel::Experience => "experience",
            FitLevel::ExperienceGroup => "experience_group",
            FitLevel::MinorGroup => "minor_group",
            FitLevel::Competence => "competence",
            FitLevel::Text => "text",
            FitLevel::None => "none",
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Fit<'a> {
    pub value: f32,
    pub level: FitLevel,
    /// The goal text, earlier job title or competence that carries the fit.
    pub source: &'a str,
    pub reading: Option<&'a Reading>,
    pub need: Option<&'a NeedOccupation>,
}

impl Fit<'_> {
    fn none() -> Self {
        Fit {
            value: 0.0,
            level: FitLevel::None,
            source: "",
            reading: None,
            need: None,
        }
    }
}

fn level_between(r: &Reading, n: &NeedOccupation) -> FitLevel {
    if r.esco != NO_ESCO && r.esco == n.esco {
        FitLevel::ExactGoal
    } else if r.group == n.isco && !(r.precise && n.precise) {
        // One side only names the group: the same occupation is the likely reading, as entry-level unit groups
        // are dominated by one occupation.
        FitLevel::LikelyGoal
    } else if r.group == n.isco {
        FitLevel::UnitGroup
    } else if r.group / 10 == n.isco / 10 {
        FitLevel::MinorGroup
    } else {
        FitLevel::None
    }
}

pub(crate) fn fit<'a>(view: &'a CitizenView, occupations: &'a [NeedOccupation]) -> Fit<'a> {
    let mut best = Fit::none();
    for n in occupations {
        let unit = view.by_unit.get(&n.isco).into_iter().flatten();
        let minor = view.by_minor.get(&(n.isco / 10)).into_iter().flatten();
        for &rr in unit.chain(minor) {
            let Some((source, r)) = view.get(rr) else {
                continue;
            };
            let between = level_between(r, n);
            let level = match (rr, between) {
                (_, FitLevel::None) => continue,
                (ReadingRef::Goal(..), l) => l,
                (ReadingRef::Experience(_), FitLevel::ExactGoal | FitLevel::LikelyGoal) => {
                    FitLevel::Experience
                }
                (ReadingRef::Experience(_), FitLevel::UnitGroup) => FitLevel::ExperienceGroup,
                (
                    ReadingRef::Hint(_),
                    FitLevel::LikelyGoal | FitLevel::UnitGroup | FitLevel::ExactGoal,
                ) => FitLevel::Competence,
                _ => continue,
            };
            let value = level.value() * r.weight * n.confidence;
            if value > best.value {
                best = Fit {
                    value,
                    level,
                    source,
                    reading: Some(r),
                    need: Some(n),
                };
            }
        }
    }
    best
}

pub struct Matcher {
    index: Arc<JobIndex>,
    taxonomy: &'static Taxonomy,
    cache: CachedTaxonomy,
    rules: MatchRules,
    /// Companies' records of giving paid hours (from placement outcomes), by CVR; swapped whole when the shared
    /// store has news.
    records: ArcSwap<CompanyRecords>,
}

/// The companies' records and their sum, swapped together so a match reads one consistent pair.
#[derive(Debug, Default)]
struct CompanyRecords {
    by_cvr: FxHashMap<String, CompanyRecord>,
    overall: CompanyRecord,
}

pub(crate) struct Scored<'a> {
    pub entry: &'a NeedMeta,
    pub company: &'a CompanyMeta,
    pub fit: Fit<'a>,
    pub score: f64,
    pub distance_km: f64,
    pub coverage: (usize, usize),
    pub hours_fit: f64,
    pub company_full: bool,
}

/// A need that passed every hard condition, before its full score.
struct Passing<'a> {
    entry: &'a NeedMeta,
    /// Looked up here only when a filter or an excluding reasonableness rule needed it; else when scored.
    company: Option<&'a CompanyMeta>,
    fit: Fit<'a>,
    distance_km: f64,
}

/// A validated request, read once: the citizen, what the taxonomy reads in the profile, and the options.
struct MatchInput<'a> {
    citizen: CitizenProfile,
    view: CitizenView,
    k: usize,
    radius: f64,
    home: (f64, f64),
    /// Days since the epoch.
    today: i32,
    /// The citizen's hard conditions, in the packed form needs carry.
    mask: CitizenMask,
    /// The request's filters, read once: municipality codes and DB07 prefixes as (value, divisor).
    municipalities: Option<Vec<u16>>,
    industries: Option<Vec<(u32, u32)>>,
    /// The calling jobcenter as a municipality number, to find its relation on a company.
    jobcenter: Option<u16>,
    /// The reasonableness rule in force today.
    cap_rule: Option<ReasonablenessRule>,
    /// Whether the hard-condition check needs the company (a filter on it, or a rule that excludes).
    company_in_check: bool,
    options: &'a MatchOptions,
    scope: &'a Scope<'a>,
}

impl MatchInput<'_> {
    fn passes_filters(&self, c: &CompanyMeta) -> bool {
        self.municipalities
            .as_ref()
            .is_none_or(|ms| ms.contains(&c.municipality))
            && self
                .industries
                .as_ref()
                .is_none_or(|ps| ps.iter().any(|(v, div)| c.industry / div == *v))
    }
}

/// The highest fit a lower-tier candidate (minor group, competence hint) can reach.
const LOWER_TIER_MAX_FIT: f64 = 0.45;

/// The most the secondary terms of a score (paid hours, coverage, distance, hours fit, expected hours, the
/// company's record) add.
const SECONDARY_MAX: f64 = 11.0;

/// Points per unit of a company's shrunk rate of placements with paid hours above the prior (see
/// `potential::CompanyRecord`); zero for a company without recorded placements.
const RECORD_POINTS: f64 = 1.0;

impl Matcher {
    pub fn new(index: Arc<JobIndex>, taxonomy: &'static Taxonomy, rules: MatchRules) -> Self {
        Self::with_cache_bytes(index, taxonomy, rules, DEFAULT_CACHE_BYTES)
    }

    /// A matcher whose taxonomy caches hold at most `cache_bytes` each.
    pub fn with_cache_bytes(
        index: Arc<JobIndex>,
        taxonomy: &'static Taxonomy,
        rules: MatchRules,
        cache_bytes: u64,
    ) -> Self {
        Matcher {
            index,
            taxonomy,
            cache: CachedTaxonomy::new(taxonomy, cache_bytes),
            rules,
            records: ArcSwap::default(),
        }
    }

    /// Bytes held by the taxonomy caches.
    pub fn cache_bytes(&self) -> u64 {
        self.cache.weight()
    }

    /// Replaces the companies' records of giving paid hours.
    pub fn set_company_records(&self, records: HashMap<String, CompanyRecord>) {
        let overall = CompanyRecord::total(records.values().copied());
        self.records.store(Arc::new(CompanyRecords {
            by_cvr: records.into_iter().collect(),
            overall,
        }));
    }

    pub fn rules(&self) -> &MatchRules {
        &self.rules
    }

    fn enough(&self, passing: &[Passing<'_>], k: usize) -> bool {
        if passing.len() < k || k == 0 {
            return false;
        }
        let mut fits: Vec<f32> = passing.iter().map(|p| p.fit.value).collect();
        let (_, kth, _) = fits.select_nth_unstable_by(k - 1, |a, b| b.total_cmp(a));
        f64::from(*kth) * 100.0 >= LOWER_TIER_MAX_FIT * 100.0 + SECONDARY_MAX
    }

    pub fn taxonomy(&self) -> &'static Taxonomy {
        self.taxonomy
    }

    pub fn index(&self) -> &Arc<JobIndex> {
        &self.index
    }

    /// Ranked placement candidates for a citizen. `scope` carries the deadline the work stops at and the
    /// jobcenter whose relations to companies may be read (relations are each jobcenter's own data).
    pub fn match_citizen(
        &self,
        citizen: CitizenProfile,
        options: &MatchOptions,
        scope: &Scope<'_>,
    ) -> Result<MatchCitizenResponse, MatchError> {
        let mut times = StageTimes::default();
        let t = Instant::now();
        let input = self.read_input(citizen, options, scope)?;
        times.read = t.elapsed();
        // One snapshot for the whole match: retrieval and the records read come from the same commit.
        let snapshot = self.index.snapshot();
        let records = self.records.load_full();
        let mut excluded = BTreeMap::new();
        let passing = self.passing_needs(&input, &snapshot, &mut excluded, &mut times)?;
        scope.deadline.check()?;
        let t = Instant::now();
        times.passing = passing.len();
        let scored = self.rank(&input, &snapshot.catalog, passing, &records);
        times.rank = t.elapsed();
        let t = Instant::now();
        let excluded: Vec<ExclusionMsg> = excluded
            .iter()
            .map(|(e, n)| ExclusionMsg {
                reason: e.code().to_string(),
                count: *n,
            })
            .collect();
        let candidates = scored
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let explain = options.explain.then_some(&excluded[..]);
                self.candidate(&input, &snapshot, s, i, explain, &records)
            })
            .collect::<Result<_, _>>()?;
        let response = MatchCitizenResponse {
            candidates,
            excluded,
            goal_occupations: self.goal_occupations(&input.view),
        };
        times.answer = t.elapsed();
        LAST_TIMES.set(times);
        Ok(response)
    }

    /// Step 1: the request validated and the profile read.
    fn read_input<'a>(
        &self,
        mut citizen: CitizenProfile,
        options: &'a MatchOptions,
        scope: &'a Scope<'a>,
    ) -> Result<MatchInput<'a>, MatchError> {
        validate::citizen(&mut citizen).map_err(MatchError::InvalidCitizen)?;
        let mut invalid = Violations::default();
        jobmatch_indexer::limits::match_options(options, &mut invalid);
        if options.k > self.rules.max_k {
            invalid.add("options.k", format!("must be at most {}", self.rules.max_k));
        }
        if let Some(r) = options.radius_km
            && !(r > 0.0 && r <= 500.0)
        {
            invalid.add("options.radius_km", "must be > 0 and <= 500");
        }
        invalid.into_result().map_err(MatchError::InvalidOptions)?;
        let k = match options.k {
            0 => self.rules.default_k,
            k => k,
        } as usize;
        // The citizen's max distance is a hard condition: the override can narrow the search, never widen it.
        let radius = options
            .radius_km
            .map_or(citizen.max_distance_km, |r| citizen.max_distance_km.min(r));
        let home = citizen
            .home
            .as_ref()
            .map(|h| (h.lat.unwrap_or(0.0), h.lon.unwrap_or(0.0)))
            .unwrap_or_default();
        let view = interpret(&self.cache, &citizen, scope.deadline)?;
        let today = date::today_days();
        let municipalities = (!options.municipality_codes.is_empty()).then(|| {
            options
                .municipality_codes
                .iter()
                .filter_map(|m| m.parse().ok())
                .collect()
        });
        // DB07 codes have six digits: a prefix of n digits is the code divided by 10^(6-n).
        let industries = (!options.industry_code_prefixes.is_empty()).then(|| {
            options
                .industry_code_prefixes
                .iter()
                .filter_map(|p| {
                    let value = p.parse::<u32>().ok()?;
                    let div = 10u32.checked_pow(6u32.checked_sub(p.len() as u32)?)?;
                    Some((value, div))
                })
                .collect()
        });
        let company_in_check = municipalities.is_some()
            || industries.is_some()
            || self.rules.reasonableness_action == ReasonablenessAction::Exclude;
        Ok(MatchInput {
            mask: CitizenMask::new(&citizen, self.rules.hours_slack, true),
            citizen,
            view,
            k,
            radius,
            home,
            today: today as i32,
            municipalities,
            industries,
            jobcenter: scope.jobcenter.and_then(|j| j.parse().ok()),
            cap_rule: self
                .rules
                .reasonableness_on(&date::format_days(today))
                .cloned(),
            company_in_check,
            options,
            scope,
        })
    }

    /// Step 2: the needs that fit the citizen's readings and pass every hard condition, fetched in two tiers
    /// (the lower tier only when it can still change the top k). Exclusions are counted by reason.
    fn passing_needs<'s>(
        &self,
        input: &'s MatchInput<'s>,
        snapshot: &'s Snapshot,
        excluded: &mut BTreeMap<Exclusion, u64>,
        times: &mut StageTimes,
    ) -> Result<Vec<Passing<'s>>, MatchError> {
        let deadline = input.scope.deadline;
        let (upper, lower) = input.view.retrieval_groups();
        // Without `explain` the hard conditions also run inside the query, so only possible needs are fetched
        // (and needs that are not open are left out in the index); with it every need is fetched, so the
        // exclusion counts are complete. They are checked again below either way.
        let mask = (!input.options.explain).then_some(input.mask);
        let searcher = &snapshot.searcher;
        let catalog = &snapshot.catalog;
        let t = Instant::now();
        let (first_tier, text_scores) = self.retrieve(searcher, input, &upper, true, mask)?;
        times.retrieve += t.elapsed();
        deadline.check()?;
        let mut passing: Vec<Passing<'s>> = Vec::new();
        let mut seen: FxHashSet<u64> = FxHashSet::default();
        let mut tier = first_tier;
        let mut lower_done = lower.is_empty();
        loop {
            let t = Instant::now();
            times.retrieved += tier.len();
            times.tiers += 1;
            // Broad goals near a city bring tens of thousands: grow once, not by doubling.
            seen.reserve(tier.len());
            passing.reserve(tier.len());
            for (i, id) in std::mem::take(&mut tier).into_iter().enumerate() {
                if i % 512 == 511 {
                    deadline.check()?;
                }
                if !seen.insert(id) {
                    continue;
                }
                let Some(entry) = catalog.need_by_id(id) else {
                    continue;
                };
                let mut fit = fit(&input.view, &entry.occupations);
                if fit.level == FitLevel::None {
                    match text_scores.get(&id) {
                        Some(&t) => {
                            fit = Fit {
                                value: FitLevel::Text.value() * t,
                                level: FitLevel::Text,
                                ..Fit::none()
                            }
                        }
                        None => continue,
                    }
                }
                let company = if input.company_in_check {
                    match catalog.company_of(entry) {
                        Some(c) => Some(c),
                        None => continue,
                    }
                } else {
                    None
                };
                match self.check(input, entry, company, fit) {
                    Ok(p) => passing.push(p),
                    Err(why) => *excluded.entry(why).or_default() += 1,
                }
            }
            times.check += t.elapsed();
            if lower_done || self.enough(&passing, input.k) {
                break;
            }
            lower_done = true;
            deadline.check()?;
            let t = Instant::now();
            tier = self.retrieve(searcher, input, &lower, false, mask)?.0;
            times.retrieve += t.elapsed();
        }
        Ok(passing)
    }

    /// The hard conditions, the request's filters and the reasonableness rule for one need. The company is
    /// given when `company_in_check` asks for it.
    fn check<'s>(
        &self,
        input: &MatchInput<'_>,
        entry: &'s NeedMeta,
        company: Option<&'s CompanyMeta>,
        fit: Fit<'s>,
    ) -> Result<Passing<'s>, Exclusion> {
        check_need(&input.mask, entry, input.today)?;
        let (home, radius) = (input.home, input.radius);
        let distance_km = geo::haversine_km(home.0, home.1, entry.lat, entry.lon);
        if distance_km > radius {
            return Err(Exclusion::TooFar);
        }
        if input.options.ordinary_hours_only && !entry.offered() {
            return Err(Exclusion::Filter);
        }
        if let Some(company) = company {
            if !input.passes_filters(company) {
                return Err(Exclusion::Filter);
            }
            // Ordinary hours are outside the rule: only a placement that would be internship alone is
            // impossible.
            if self.rules.reasonableness_action == ReasonablenessAction::Exclude
                && !entry.offered()
                && company_full(input, company)
            {
                return Err(Exclusion::Reasonableness);
            }
        }
        Ok(Passing {
            entry,
            company,
            fit,
            distance_km,
        })
    }

    /// Step 3: the full score of the needs that can still reach the top k, best first, cut to k. The secondary
    /// terms add at most SECONDARY_MAX points, so a need whose fit is further than that below the k-th best fit
    /// cannot reach the top k and is not scored in full.
    fn rank<'s>(
        &self,
        input: &MatchInput<'_>,
        catalog: &'s jobmatch_indexer::Catalog,
        passing: Vec<Passing<'s>>,
        records: &CompanyRecords,
    ) -> Vec<Scored<'s>> {
        let k = input.k;
        let mut fits: Vec<f32> = passing.iter().map(|p| p.fit.value).collect();
        let threshold = if fits.len() > k {
            let (_, kth, _) = fits.select_nth_unstable_by(k - 1, |a, b| b.total_cmp(a));
            f64::from(*kth) * 100.0 - SECONDARY_MAX
        } else {
            f64::NEG_INFINITY
        };
        // Highest possible score first: once the k-th best full score is above the next need's bound, no need
        // after it can reach the top k, and the rest are not scored (each costs a company lookup, a coverage
        // count and the hours estimate). The order of the top k is the same as scoring them all.
        let mut bounded: Vec<(f64, Passing<'s>)> = passing
            .into_iter()
            .filter(|p| f64::from(p.fit.value) * 100.0 >= threshold)
            .map(|p| (score_bound(input, &p), p))
            .collect();
        bounded.sort_unstable_by(|a, b| b.0.total_cmp(&a.0));
        // The best k so far, worst on top.
        let mut top: BinaryHeap<Reverse<Ranked<'s>>> = BinaryHeap::with_capacity(k + 1);
        for (bound, p) in bounded {
            if top.len() == k && top.peek().is_some_and(|worst| bound < worst.0.0.score) {
                break;
            }
            let Some(company) = p.company.or_else(|| catalog.company_of(p.entry)) else {
                continue;
            };
            let s = self.score(input, p, company, records);
            debug_assert!(
                s.score <= bound,
                "score {} above its bound {bound}",
                s.score
            );
            top.push(Reverse(Ranked(s)));
            if top.len() > k {
                top.pop();
            }
        }
        // Ascending in Reverse is best first.
        top.into_sorted_vec().into_iter().map(|r| r.0.0).collect()
    }

    fn potential_input(
        &self,
        input: &MatchInput<'_>,
        need: &NeedMeta,
        company: &CompanyMeta,
        records: &CompanyRecords,
    ) -> PotentialInput {
        let company_open = input
            .jobcenter
            .and_then(|j| company.relation(j))
            .is_some_and(|r| r.open_to_ordinary_hours);
        PotentialInput {
            offered: need.offered(),
            from_start: need.has(flags::FROM_START),
            offered_hours: i32::from(need.paid_hours),
            need_min_hours: i32::from(need.hours_min),
            need_max_hours: i32::from(need.hours_max),
            combination_possible: need.has(flags::COMBINATION),
            mentor_available: need.has(flags::MENTOR),
            company_open_to_ordinary_hours: company_open,
            citizen_available_hours: input.citizen.available_hours_per_week,
            citizen_had_ordinary_hours: input.view.had_ordinary_hours,
            citizen_had_company_measures: input
                .citizen
                .experience
                .iter()
                .any(|e| !e.ordinary_hours),
            company_record: records
                .by_cvr
                .get(&*company.cvr)
                .copied()
                .unwrap_or_default(),
            overall_record: records.overall,
        }
    }

    /// The score of one passing need: 100 x fit, then the secondary terms.
    fn score<'s>(
        &self,
        input: &MatchInput<'_>,
        p: Passing<'s>,
        company: &'s CompanyMeta,
        records: &CompanyRecords,
    ) -> Scored<'s> {
        let need = p.entry;
        let available = input.citizen.available_hours_per_week;
        let offered = need.offered();
        let coverage = coverage(&input.view, &need.competence_stems);
        let hours_fit = hours_fit(available, need);
        let potential = self.potential_input(input, need, company, records);
        let company_full = company_full(input, company);
        let expected = expected_hours(&potential);
        let cov = if coverage.1 == 0 {
            0.5
        } else {
            coverage.0 as f64 / coverage.1 as f64
        };
        let score = 100.0 * f64::from(p.fit.value)
            + 5.0 * f64::from(u8::from(offered))
            + COVERAGE_POINTS * cov
            + distance_points(input, p.distance_km)
            + 1.0 * hours_fit
            + EXPECTED_POINTS * expected / 37.0
            + RECORD_POINTS * potential.company_record.adjustment() / RECORD_WEIGHT
            - match (company_full, offered) {
                (false, _) => 0.0,
                // Paid hours stay possible; only the internship part is blocked.
                (true, true) => 1.0,
                (true, false) => FULL_COMPANY_PENALTY,
            };
        Scored {
            entry: p.entry,
            company,
            fit: p.fit,
            score,
            distance_km: p.distance_km,
            coverage,
            hours_fit,
            company_full,
        }
    }

    /// The potential, breakdown and explanation of one scored need.
    fn explained(
        &self,
        input: &MatchInput<'_>,
        need: &Need,
        s: &Scored<'_>,
        excluded: Option<&[ExclusionMsg]>,
        records: &CompanyRecords,
    ) -> (HoursPotential, ScoreBreakdown, String) {
        let potential = estimate(&self.potential_input(input, s.entry, s.company, records));
        let explanation = explanation(self.taxonomy, need, s, &potential, excluded);
        let offered = s.entry.offered();
        let breakdown = ScoreBreakdown {
            fit_level: s.fit.level.code().to_string(),
            occupation_fit: f64::from(s.fit.value),
            competence_coverage: if s.coverage.1 == 0 {
                1.0
            } else {
                s.coverage.0 as f64 / s.coverage.1 as f64
            },
            distance: 1.0 - s.distance_km / input.radius.max(0.1),
            hours_fit: s.hours_fit,
            paid_hours: if offered { 1.0 } else { 0.0 },
            reasonableness: if s.company_full { 0.0 } else { 1.0 },
            matched_goal: s.fit.source.to_string(),
            need_isco_code: s
                .fit
                .need
                .as_ref()
                .map(|n| format!("{:04}", n.isco))
                .unwrap_or_default(),
        };
        (potential, breakdown, explanation)
    }

    /// Step 4: a scored need as the answer carries it.
    fn candidate(
        &self,
        input: &MatchInput<'_>,
        snapshot: &Snapshot,
        s: &Scored<'_>,
        index: usize,
        excluded: Option<&[ExclusionMsg]>,
        records: &CompanyRecords,
    ) -> Result<Candidate, MatchError> {
        // The full record is read from the document store only for the needs the answer returns.
        let need = need_record(snapshot, &s.entry.need_id)?;
        let (potential, breakdown, explanation) =
            self.explained(input, &need, s, excluded, records);
        Ok(Candidate {
            rank: index as u32 + 1,
            cvr: need.cvr.clone(),
            company_name: s.company.name.to_string(),
            need: Some(need),
            distance_km: (s.distance_km * 10.0).round() / 10.0,
            score: (s.score * 1000.0).round() / 1000.0,
            breakdown: Some(breakdown),
            explanation,
            hours_potential: Some(potential),
            gain: None,
        })
    }

    fn goal_occupations(&self, view: &CitizenView) -> Vec<Occupation> {
        view.goals
            .iter()
            .flat_map(|g| g.readings.iter().map(move |r| (g, r)))
            .map(|(g, r)| Occupation {
                esco_uri: r.esco_uri.clone(),
                label: r.label.clone(),
                isco_code: r.isco.clone(),
                isco_title: self
                    .taxonomy
                    .isco_title(&r.isco)
                    .unwrap_or_default()
                    .to_string(),
                score: r.weight,
                matched: g.text.clone(),
                kind: format!("{:?}", r.kind).to_lowercase(),
            })
            .collect()
    }

    /// The citizens who fit a need, best first: each is scored for the need exactly as `match_citizen` scores
    /// it, so every citizen whose own candidate list holds the need is among those returned (when `k` covers
    /// them). A citizen whose goals the taxonomy cannot read can fit only through the text of its goals, which
    /// is relative to the other needs; such a citizen is matched in full and kept when its list holds the need.
    pub fn match_need(
        &self,
        need_id: &str,
        citizens: Vec<CitizenProfile>,
        k: usize,
        scope: &Scope<'_>,
    ) -> Result<MatchNeedResponse, MatchError> {
        let snapshot = self.index.snapshot();
        let catalog = &snapshot.catalog;
        let records = self.records.load_full();
        let entry = catalog.need(need_id).ok_or_else(|| {
            MatchError::Index(jobmatch_indexer::IndexError::NotFound {
                kind: "need",
                key: need_id.to_string(),
            })
        })?;
        let company = catalog.company_of(entry).ok_or_else(|| {
            MatchError::Index(jobmatch_indexer::IndexError::NotFound {
                kind: "company",
                key: entry.need_id.to_string(),
            })
        })?;
        let need = need_record(&snapshot, need_id)?;
        let considered = citizens.len() as u64;
        let options = MatchOptions {
            k: self.rules.max_k,
            ..Default::default()
        };
        let mut found: Vec<NeedCandidate> = Vec::new();
        for citizen in citizens {
            scope.deadline.check()?;
            let citizen_ref = citizen.citizen_ref.clone();
            // A profile stored before a rule changed may no longer validate: it is passed over, not fatal.
            let Ok(input) = self.read_input(citizen.clone(), &options, scope) else {
                continue;
            };
            let fit = fit(&input.view, &entry.occupations);
            if fit.level == FitLevel::None {
                if input.view.goals.iter().any(|g| g.readings.is_empty()) {
                    found.extend(self.text_fit(citizen, need_id, scope)?);
                }
                continue;
            }
            let Ok(p) = self.check(&input, entry, Some(company), fit) else {
                continue;
            };
            let s = self.score(&input, p, company, &records);
            let (potential, breakdown, explanation) =
                self.explained(&input, &need, &s, None, &records);
            found.push(NeedCandidate {
                rank: 0,
                citizen_ref,
                distance_km: (s.distance_km * 10.0).round() / 10.0,
                score: (s.score * 1000.0).round() / 1000.0,
                breakdown: Some(breakdown),
                explanation,
                hours_potential: Some(potential),
            });
        }
        found.sort_by(|a, b| {
            b.score
                .total_cmp(&a.score)
                .then_with(|| a.citizen_ref.cmp(&b.citizen_ref))
        });
        found.truncate(k);
        for (i, c) in found.iter_mut().enumerate() {
            c.rank = i as u32 + 1;
        }
        Ok(MatchNeedResponse {
            need: Some(need),
            candidates: found,
            considered,
        })
    }

    /// A citizen who can fit a need only through the text of unread goals: the need as its own full match
    /// ranks it, if it does.
    fn text_fit(
        &self,
        citizen: CitizenProfile,
        need_id: &str,
        scope: &Scope<'_>,
    ) -> Result<Option<NeedCandidate>, MatchError> {
        let citizen_ref = citizen.citizen_ref.clone();
        let options = MatchOptions {
            k: self.rules.max_k,
            ..Default::default()
        };
        let resp = self.match_citizen(citizen, &options, scope)?;
        Ok(resp
            .candidates
            .into_iter()
            .find(|c| c.need.as_ref().is_some_and(|n| n.need_id == need_id))
            .map(|c| NeedCandidate {
                rank: 0,
                citizen_ref,
                distance_km: c.distance_km,
                score: c.score,
                breakdown: c.breakdown,
                explanation: c.explanation,
                hours_potential: c.hours_potential,
            }))
    }

    /// Needs worth scoring: every need in the search box whose occupation groups touch a reading of the
    /// citizen, plus, for goals the taxonomy could not read, the best BM25 matches of the goal's words.
    fn retrieve(
        &self,
        searcher: &tantivy::Searcher,
        input: &MatchInput<'_>,
        groups: &[String],
        with_text: bool,
        mask: Option<CitizenMask>,
    ) -> Result<(Vec<u64>, FxHashMap<u64, f32>), MatchError> {
        let f = self.index.fields();
        let (home, radius, view) = (input.home, input.radius, &input.view);
        let collector = NeedIds {
            bbox: geo::bounding_box(home.0, home.1, radius),
            mask,
            scoring: false,
        };
        let mut ids_out: Vec<u64> = Vec::new();
        if !groups.is_empty() {
            // Only needs carry ISCO terms, so the union of groups needs no kind filter.
            // Each group's needs near the citizen, by their group-and-area terms; the collector still cuts
            // by the exact box. A radius so wide that the areas would outnumber what they save reads the
            // group's postings for the whole country.
            let terms = groups.iter().flat_map(|g| {
                let near = (g.starts_with("4:") || g.starts_with("3:"))
                    .then(|| geo::group_areas_covering(g, home.0, home.1, radius))
                    .flatten();
                match near {
                    Some(areas) => areas
                        .iter()
                        .map(|a| Term::from_field_text(f.isco_area, a))
                        .collect::<Vec<_>>(),
                    None => vec![Term::from_field_text(f.isco, g)],
                }
            });
            let any: Vec<(Occur, Box<dyn Query>)> = terms
                .map(|t| {
                    let q: Box<dyn Query> = Box::new(TermQuery::new(t, IndexRecordOption::Basic));
                    (Occur::Should, q)
                })
                .collect();
            let docs = searcher.search(
                &ConstScoreQuery::new(Box::new(BooleanQuery::new(any)), 1.0),
                &collector,
            )?;
            ids_out.extend(docs.into_iter().map(|(_, id)| id));
        }
        let mut text_scores = FxHashMap::default();
        let unread: Vec<&str> = if with_text {
            view.goals
                .iter()
                .filter(|g| g.readings.is_empty())
                .map(|g| g.text.as_str())
                .collect()
        } else {
            Vec::new()
        };
        let terms = jobmatch_indexer::highlight::QueryTerms::parse(&unread.join(" "));
        if !terms.is_empty() {
            let mut words: Vec<(Occur, Box<dyn Query>)> = Vec::new();
            for (i, w) in terms.words.iter().enumerate() {
                // Typo tolerance costs an automaton over the term dictionary per word and field: bounded.
                let w = &jobmatch_indexer::highlight::QueryWord {
                    typo_distance: if i < MAX_FUZZY_WORDS {
                        w.typo_distance
                    } else {
                        0
                    },
                    ..w.clone()
                };
                for (field, weight) in [(f.title, 3.0), (f.competences, 1.0), (f.description, 1.0)]
                {
                    words.extend(word_variants(field, weight, w)?);
                }
            }
            let query = needs_matching(f, words);
            let scored = NeedIds {
                scoring: true,
                ..collector
            };
            let mut top = searcher.search(&query, &scored)?;
            top.sort_by(|a, b| b.0.total_cmp(&a.0));
            top.truncate(TEXT_CANDIDATES);
            let best = top.first().map(|t| t.0).unwrap_or(1.0).max(1e-6);
            let seen: FxHashSet<u64> = ids_out.iter().copied().collect();
            for (score, id) in top {
                text_scores.insert(id, score / best);
                if !seen.contains(&id) {
                    ids_out.push(id);
                }
            }
        }
        Ok((ids_out, text_scores))
    }
}

/// Needs taken from a BM25 search of a goal the taxonomy could not read.
const TEXT_CANDIDATES: usize = 300;

/// Whether the company's supported placements fill its cap under the reasonableness rule in force.
fn company_full(input: &MatchInput<'_>, company: &CompanyMeta) -> bool {
    let cap = input
        .cap_rule
        .as_ref()
        .map(|r| r.cap(u32::try_from(company.employees).unwrap_or(0)))
        .unwrap_or(u32::MAX);
    i64::from(company.supported_placements) >= i64::from(cap)
}

/// A need's full record; a need in the catalog whose record cannot be read is a broken index, not a miss.
fn need_record(snapshot: &Snapshot, need_id: &str) -> Result<Need, MatchError> {
    snapshot.need_record(need_id)?.ok_or_else(|| {
        MatchError::Index(jobmatch_indexer::IndexError::CorruptRecord(format!(
            "need {need_id} is in the catalog but not in the document store"
        )))
    })
}

/// Where the time of a match went, by step (for profiling the slowest matches; see `last_stage_times`).
#[derive(Debug, Clone, Copy, Default)]
pub struct StageTimes {
    /// Validation and reading the profile (the taxonomy).
    pub read: Duration,
    /// Tantivy queries and collection of candidate ids.
    pub retrieve: Duration,
    /// Fit and hard conditions of every retrieved need.
    pub check: Duration,
    /// Full scores of the needs that can reach the top k.
    pub rank: Duration,
    /// Explanations, potential and the answer message.
    pub answer: Duration,
    pub retrieved: usize,
    pub passing: usize,
    pub tiers: u8,
}

thread_local! {
    static LAST_TIMES: std::cell::Cell<StageTimes> = std::cell::Cell::new(StageTimes::default());
}

/// The step times of the last match that completed on this thread.
pub fn last_stage_times() -> StageTimes {
    LAST_TIMES.get()
}

/// What a match may read and how long it may take.
#[derive(Debug, Clone, Copy)]
pub struct Scope<'a> {
    pub deadline: &'a Deadline,
    /// The calling jobcenter; its relations to companies (open to paid hours) inform the potential.
    pub jobcenter: Option<&'a str>,
}

impl<'a> Scope<'a> {
    /// No deadline, reading the relations of the citizen's own jobcenter (command-line tools and tests).
    pub fn trusted(citizen: &'a CitizenProfile, deadline: &'a Deadline) -> Scope<'a> {
        Scope {
            deadline,
            jobcenter: Some(citizen.municipality_code.as_str()),
        }
    }
}

/// (covered, required): a required competence is covered when one of its words shares a stem with what the
/// citizen wrote (competences, earlier work, goals, CV).
/// Most points the coverage of required competences and the expected paid hours add to a score.
const COVERAGE_POINTS: f64 = 2.0;
const EXPECTED_POINTS: f64 = 0.5;

fn distance_points(input: &MatchInput<'_>, distance_km: f64) -> f64 {
    1.5 * (1.0 - distance_km / input.radius.max(0.1))
}

fn hours_fit(available: i32, need: &NeedMeta) -> f64 {
    let min_hours = i32::from(need.hours_min);
    if available >= min_hours {
        1.0
    } else {
        1.0 - f64::from(min_hours - available) / 10.0
    }
}

/// The most a passing need can score: its fit, offer, distance and hours exactly, and the full points of the
/// terms that cost a lookup (coverage, expected hours, the company's record, at most RECORD_POINTS as its
/// rate is at most 1); a full company only subtracts. The small margin covers rounding in another order of
/// addition.
fn score_bound(input: &MatchInput<'_>, p: &Passing<'_>) -> f64 {
    100.0 * f64::from(p.fit.value)
        + 5.0 * f64::from(u8::from(p.entry.offered()))
        + COVERAGE_POINTS
        + distance_points(input, p.distance_km)
        + hours_fit(input.citizen.available_hours_per_week, p.entry)
        + EXPECTED_POINTS
        + RECORD_POINTS
        + 1e-9
}

/// A scored need in the ranking's order: higher score first, then the lower need id.
struct Ranked<'a>(Scored<'a>);

impl Ord for Ranked<'_> {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0
            .score
            .total_cmp(&other.0.score)
            .then_with(|| other.0.entry.need_id.cmp(&self.0.entry.need_id))
    }
}

impl PartialOrd for Ranked<'_> {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Ranked<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other).is_eq()
    }
}

impl Eq for Ranked<'_> {}

fn coverage(view: &CitizenView, required: &[Box<[u64]>]) -> (usize, usize) {
    let covered = required
        .iter()
        .filter(|stems| stems.iter().any(|s| view.stems.contains(s)))
        .count();
    (covered, required.len())
}
