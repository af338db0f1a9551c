//! What the matcher reads out of a citizen profile: the occupations each job goal means (a given code is
//! trusted; free text is normalised against the ESCO Danish labels), the occupations of earlier work, the
//! occupations personal competences point to, and the stems of everything the citizen can do. Age, gender,
//! origin and other protected traits are not in the profile and nothing here infers them.

use std::collections::HashSet;

use jobmatch_indexer::analysis;
use jobmatch_proto::v1::CitizenProfile;
use jobmatch_taxonomy::{OccupationMatch, Taxonomy};

/// One reading of a goal, an earlier job or a competence as an occupation.
#[derive(Debug, Clone, PartialEq)]
pub struct Reading {
    pub isco: String,
    pub esco_uri: String,
    pub label: String,
    /// Relative confidence among the readings of the same text (the best is 1.0).
    pub weight: f32,
    pub kind: jobmatch_taxonomy::MatchKind,
    /// Matched an ESCO label itself, so `esco_uri` is the occupation meant and not a stand-in for its group.
    pub precise: bool,
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
    pub stems: HashSet<String>,
    pub words: Vec<String>,
    pub had_ordinary_hours: bool,
}

/// Readings within this share of the best one are kept: a close second reading is a real ambiguity.
const KEEP_RATIO: f32 = 0.6;
const MAX_READINGS: usize = 3;

fn readings(matches: Vec<OccupationMatch>) -> Vec<Reading> {
    let top = matches.first().map(|m| m.score).unwrap_or(0.0);
    if top <= 0.0 {
        return Vec::new();
    }
    let mut seen = HashSet::new();
    matches
        .into_iter()
        .filter(|m| m.score >= top * KEEP_RATIO)
        .filter(|m| seen.insert((m.isco_code.clone(), m.esco_uri.clone())))
        .take(MAX_READINGS)
        .map(|m| Reading {
            weight: relative_weight(m.score, top),
            precise: is_precise(m.kind),
            isco: m.isco_code,
            esco_uri: m.esco_uri,
            label: m.label,
            kind: m.kind,
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
    Some(Reading {
        precise,
        isco: m.isco_code,
        esco_uri: m.esco_uri,
        label: m.label,
        weight: 1.0,
        kind: jobmatch_taxonomy::MatchKind::Code,
    })
}

pub fn interpret(tax: &Taxonomy, c: &CitizenProfile) -> CitizenView {
    let mut view = CitizenView::default();
    for g in &c.job_goals {
        let coded = g
            .occupation_code
            .as_deref()
            .filter(|s| !s.is_empty())
            .and_then(|code| coded_reading(tax, code, &g.text));
        let readings = match coded {
            Some(r) => vec![r],
            None => readings(tax.normalize(&g.text, 6)),
        };
        view.goals.push(GoalView {
            text: g.text.clone(),
            readings,
        });
    }
    for e in &c.experience {
        if let Some(r) = readings(tax.normalize(&e.title, 3)).into_iter().next() {
            view.experience.push((e.title.clone(), r));
        }
        view.had_ordinary_hours |= e.ordinary_hours;
    }
    view.had_ordinary_hours |= c.previous_ordinary_hours;
    for comp in &c.competences {
        for (isco, w) in tax.competence_hints(comp) {
            let label = tax.isco_title(&isco).unwrap_or_default().to_string();
            let r = Reading {
                isco,
                esco_uri: String::new(),
                label,
                weight: w,
                kind: jobmatch_taxonomy::MatchKind::Lexicon,
                precise: false,
            };
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
            view.stems.insert(tok.stem);
            view.words.push(tok.lower);
        }
    }
    view
}
