//! What the matcher reads out of a citizen profile: the occupations each job goal means (a given code is
//! trusted; free text is normalised against the ESCO Danish labels), the occupations of earlier work, the
//! occupations personal competences point to, and the stems of everything the citizen can do. Age, gender,
//! origin and other protected traits are not in the profile and nothing here infers them.

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use jobmatch_indexer::catalog::stem_hash;
use jobmatch_indexer::{Deadline, Expired, analysis};
use jobmatch_proto::v1::CitizenProfile;
use jobmatch_taxonomy::{OccupationMatch, Taxonomy};

use crate::cache::CachedTaxonomy;

/// One reading of a goal, an earlier job or a competence as an occupation.
#[derive(Debug, Clone, PartialEq)]
pub struct Reading {
    pub isco: String,
    pub esco_uri: String,
    /// `isco` as a number and `esco_uri` as numbered by [`esco_id`], so fits compare integers.
    pub group: u16,
    pub esco: u32,
    pub label: String,
    /// Relative confidence among the readings of the same text (the best is 1.0).
    pub weight: f32,
    pub kind: jobmatch_taxonomy::MatchKind,
    /// Matched an ESCO label itself, so `esco_uri` is the occupation meant and not a stand-in for its group.
    pub precise: bool,
}

impl Reading {
    fn new(
        isco: String,
        esco_uri: String,
        label: String,
        weight: f32,
        kind: jobmatch_taxonomy::MatchKind,
        precise: bool,
    ) -> Self {
        Reading {
            group: isco.parse().unwrap_or(0),
            esco: esco_id(&esco_uri),
            isco,
            esco_uri,
            label,
            weight,
            kind,
            precise,
        }
    }
}

/// ESCO occupations numbered in the order first seen in this process; the taxonomy's occupations are a closed
/// set (codes and titles resolve only to them), so the table stays as small as the taxonomy.
#[derive(Default)]
struct EscoIds {
    ids: std::collections::HashMap<std::sync::Arc<str>, u32>,
    uris: Vec<std::sync::Arc<str>>,
}

static ESCO_IDS: std::sync::LazyLock<std::sync::RwLock<EscoIds>> =
    std::sync::LazyLock::new(Default::default);

/// The number of an ESCO occupation URI ([`NO_ESCO`](jobmatch_indexer::catalog::NO_ESCO) for none).
pub fn esco_id(uri: &str) -> u32 {
    if uri.is_empty() {
        return jobmatch_indexer::catalog::NO_ESCO;
    }
    if let Some(id) = ESCO_IDS
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .ids
        .get(uri)
    {
        return *id;
    }
    let mut table = ESCO_IDS.write().unwrap_or_else(|e| e.into_inner());
    if let Some(id) = table.ids.get(uri) {
        return *id;
    }
    let id = table.uris.len() as u32;
    let uri: std::sync::Arc<str> = uri.into();
    table.uris.push(uri.clone());
    table.ids.insert(uri, id);
    id
}

/// The URI of a number from [`esco_id`].
pub fn esco_uri(id: u32) -> Option<std::sync::Arc<str>> {
    ESCO_IDS
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .uris
        .get(id as usize)
        .cloned()
}

/// Whether a match names the occupation itself: an ESCO label or a compound of one, not colloquial words
/// that only point to a group.
pub fn is_precise(kind: jobmatch_taxonomy::MatchKind) -> bool {
    matches!(
        kind,
        jobmatch_taxonomy::MatchKind::ExactLabel | jobmatch_taxonomy::MatchKind::Compound
    )
}

/// Relative confidence of a lower-ranked reading. Sharpened, because a reading at 80 % of the best is far less
/// likely to be meant than the score ratio says: the normaliser's scores are compressed near the top.
pub fn relative_weight(score: f32, top: f32) -> f32 {
    (score / top).clamp(0.0, 1.0).powi(4)
}

#[derive(Debug, Clone)]
pub struct GoalView {
    pub text: String,
    pub readings: Vec<Reading>,
}

#[derive(Debug, Clone, Default)]
pub struct CitizenView {
    pub goals: Vec<GoalView>,
    pub experience: Vec<(String, Reading)>,
    pub hints: Vec<(String, Reading)>,
    /// Stem hashes (`catalog::stem_hash`) of everything the citizen wrote.
    pub stems: HashSet<u64>,
    pub had_ordinary_hours: bool,
    /// Readings by ISCO unit group and by minor group, so a need's occupations meet only the readings that can
    /// fit them instead of all of them.
    pub by_unit: HashMap<u16, Vec<ReadingRef>>,
    pub by_minor: HashMap<u16, Vec<ReadingRef>>,
}

/// Where a reading sits in the view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadingRef {
    Goal(usize, usize),
    Experience(usize),
    Hint(usize),
}

impl CitizenView {
    /// The reading and the text it came from.
    pub fn get(&self, r: ReadingRef) -> Option<(&str, &Reading)> {
        match r {
            ReadingRef::Goal(g, i) => self
                .goals
                .get(g)
                .and_then(|g| g.readings.get(i).map(|r| (g.text.as_str(), r))),
            ReadingRef::Experience(i) => self.experience.get(i).map(|(t, r)| (t.as_str(), r)),
            ReadingRef::Hint(i) => self.hints.get(i).map(|(t, r)| (t.as_str(), r)),
        }
    }

    fn build_indexes(&mut self) {
        let mut add = |r: ReadingRef, group: u16, minor_too: bool| {
            self.by_unit.entry(group).or_default().push(r);
            if minor_too {
                self.by_minor.entry(group / 10).or_default().push(r);
            }
        };
        for (gi, g) in self.goals.iter().enumerate() {
            for (ri, r) in g.readings.iter().enumerate() {
                add(ReadingRef::Goal(gi, ri), r.group, true);
            }
        }
        for (i, (_, r)) in self.experience.iter().enumerate() {
            add(ReadingRef::Experience(i), r.group, false);
        }
        for (i, (_, r)) in self.hints.iter().enumerate() {
            add(ReadingRef::Hint(i), r.group, false);
        }
    }

    /// ISCO terms to retrieve, in two tiers: the goals' and earlier work's unit groups, which can fit at the
    /// upper levels, and the goals' minor groups and competence hints, which fit at most at `MinorGroup`.
    pub fn retrieval_groups(&self) -> (Vec<String>, Vec<String>) {
        let mut upper = std::collections::BTreeSet::new();
        let mut lower = std::collections::BTreeSet::new();
        for g in &self.goals {
            for r in &g.readings {
                upper.insert(format!("4:{}", r.isco));
                if let Some(m) = r.isco.get(..3) {
                    lower.insert(format!("3:{m}"));
                }
            }
        }
        for (_, r) in &self.experience {
            upper.insert(format!("4:{}", r.isco));
        }
        for (_, r) in &self.hints {
            lower.insert(format!("4:{}", r.isco));
        }
        lower.retain(|g| !upper.contains(g));
        (upper.into_iter().collect(), lower.into_iter().collect())
    }
}

/// Readings within this share of the best one are kept: a close second reading is a real ambiguity.
const KEEP_RATIO: f32 = 0.6;
const MAX_READINGS: usize = 3;

fn readings(matches: &[OccupationMatch]) -> Vec<Reading> {
    let top = matches.first().map(|m| m.score).unwrap_or(0.0);
    if top <= 0.0 {
        return Vec::new();
    }
    let mut seen = HashSet::default();
    matches
        .iter()
        .filter(|m| m.score >= top * KEEP_RATIO)
        .filter(|m| seen.insert((m.isco_code.as_str(), m.esco_uri.as_str())))
        .take(MAX_READINGS)
        .map(|m| {
            Reading::new(
                m.isco_code.clone(),
                m.esco_uri.clone(),
                m.label.clone(),
                relative_weight(m.score, top),
                m.kind,
                is_precise(m.kind),
            )
        })
        .collect()
}

/// Readings of a text when a code is known: the code decides the group, the text picks the occupation in it.
pub fn coded_reading(tax: &Taxonomy, code: &str, text: &str) -> Option<Reading> {
    let coded = tax.resolve_code(code)?;
    let in_group = if coded.esco_uri.is_empty() {
        tax.normalize(text, 10)
            .into_iter()
            .find(|m| m.isco_code == coded.isco_code && !m.esco_uri.is_empty())
    } else {
        None
    };
    let precise =
        in_group.as_ref().is_some_and(|m| is_precise(m.kind)) || !coded.esco_uri.is_empty();
    let m = in_group.unwrap_or(coded);
    Some(Reading::new(
        m.isco_code,
        m.esco_uri,
        m.label,
        1.0,
        jobmatch_taxonomy::MatchKind::Code,
        precise,
    ))
}

/// Reads the profile; stops with [`Expired`] between texts once the deadline has passed.
pub fn interpret(
    cached: &CachedTaxonomy,
    c: &CitizenProfile,
    deadline: &Deadline,
) -> Result<CitizenView, Expired> {
    let tax = cached.taxonomy();
    let mut view = CitizenView::default();
    for g in &c.job_goals {
        deadline.check()?;
        let coded = g
            .occupation_code
            .as_deref()
            .filter(|s| !s.is_empty())
            .and_then(|code| coded_reading(tax, code, &g.text));
        let readings = match coded {
            Some(r) => vec![r],
            None => readings(&cached.normalize(&g.text, 6)),
        };
        view.goals.push(GoalView {
            text: g.text.clone(),
            readings,
        });
    }
    for e in &c.experience {
        if let Some(r) = readings(&cached.normalize(&e.title, 3)).into_iter().next() {
            view.experience.push((e.title.clone(), r));
        }
        view.had_ordinary_hours |= e.ordinary_hours;
    }
    view.had_ordinary_hours |= c.previous_ordinary_hours;
    for comp in &c.competences {
        deadline.check()?;
        for (isco, w) in cached.competence_hints(comp).iter() {
            let label = tax.isco_title(isco).unwrap_or_default().to_string();
            let r = Reading::new(
                isco.clone(),
                String::new(),
                label,
                *w,
                jobmatch_taxonomy::MatchKind::Lexicon,
                false,
            );
            view.hints.push((comp.clone(), r));
        }
    }
    let texts = c
        .competences
        .iter()
        .map(String::as_str)
        .chain(c.experience.iter().map(|e| e.title.as_str()))
        .chain(c.job_goals.iter().map(|g| g.text.as_str()))
        .chain(c.cv_text.as_deref());
    for t in texts {
        for tok in analysis::analyze(t) {
            view.stems.insert(stem_hash(&tok.stem));
        }
    }
    view.build_indexes();
    Ok(view)
}
