//! Normalise Danish free-text job goals and job titles to ESCO occupations and
//! ISCO-08 groups.
//!
//! Evidence sources, strongest first: explicit codes, exact ESCO labels
//! (compounds joined, so "lager medarbejder" = "lagermedarbejder"), compound
//! decomposition (modifier + generic head such as -medarbejder/-mand), typo
//! correction against a precomputed vocabulary, a hand-written lexicon of
//! colloquial work vocabulary, and finally word overlap with ESCO labels.
//! Evidence is pooled per ISCO unit group so that independent hints agree.
//! Before scoring, a compound written as two words is joined ("lager fyr"); words
//! after a place preposition ("kok på et hotel") count less than the job word;
//! lexicon terms agreeing on a group across different words add up; whole-word
//! terms accept definite/plural endings; English loanwords are lexicon terms that
//! are never targets of typo correction.
//!
//! Official titles (`titles.rs`): a character-trigram candidate generator over every
//! ESCO label reaches every occupation; a managerial or professional head reads the
//! field words as the field; a qualifier after a comma and an English title are also
//! read as the Danish compound they stand for; a single word being typed is completed
//! from the labels. Held-out check: `tests/official_titles.rs`, scored by `eval.rs`.
//!
//! Data: ESCO classification (c) European Union, see `data/SOURCES.md`.

mod eval;
mod text;
mod titles;

pub use eval::{EVAL_DEPTH, TitleMiss, TitleScore};

// Fx hashing: readings must not depend on a per-process hash seed, where candidates tie the first one seen
// wins (and it is faster on these short keys; every text is bounded by the request limits).
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use std::sync::OnceLock;

use text::{
    Token, is_head, is_inflection_of, mark_places, modifier_variants, osa_distance, split_head,
    tokenize,
};
use titles::{
    FIELD_MANAGERS, GramIndex, PrefixIndex, english_compound, is_manager_word, is_senior_word,
};

/// Everyday Danish job titles that ESCO files under another unit group than the job the word names in use:
/// ESCO lists "butiksmedhjælper" as a shelf filler (9334), while in Danish job adverts and jobcentre usage it is
/// the entry-level shop assistant (5223), which fills shelves and serves at the till.
const USAGE_OVERRIDES: &[(&str, &str)] = &[("butiksmedhjælper", "5223")];

const ESCO_PREFIX: &str = "http://data.europa.eu/esco/occupation/";
const OCCUPATIONS_TSV: &str = include_str!("../data/occupations.tsv");
const GROUPS_TSV: &str = include_str!("../data/isco_groups.tsv");
const LEXICON_TSV: &str = include_str!("../data/lexicon.tsv");
const COMPETENCES_TSV: &str = include_str!("../data/competences.tsv");

/// Long inputs are pasted CV text; the goal is always stated early and the
/// cap keeps latency bounded.
const MAX_INPUT_CHARS: usize = 300;
const MAX_TOKENS: usize = 16;
/// Evidence from only the place of work ("skole" in "pedel på en skole") counts
/// less when the text also names the job itself.
const PLACE_FACTOR: f32 = 0.85;
/// Trigram similarity (Dice) below which a label is not a candidate, how many labels are kept, and
/// the weight of similarity against real evidence (an exact label scores 1.0).
const TRIGRAM_MIN: f32 = 0.3;
const TRIGRAM_CANDIDATES: usize = 20;
const TRIGRAM_WEIGHT: f32 = 0.7;
/// A trigram candidate this strong (Dice about 0.6) spells the title nearly alike.
const SPELLED_ALIKE: f32 = 0.42;
/// Answers found through a rewritten form of the title count a little less than the title itself.
const VARIANT_FACTOR: f32 = 0.97;
/// Typeahead looks at this many label word starts, and scores its answers below real evidence.
const TYPEAHEAD_SCAN: usize = 1500;
const TYPEAHEAD_SCORE: f32 = 0.45;
/// Near-duplicates of an answer, and similar spellings next to real evidence, score at most this
/// share of the first answer: listed, but below the share (0.6) at which the matcher keeps a second
/// reading of the same text.
const ALTERNATIVE_SHARE: f32 = 0.59;

#[derive(Debug, Clone, PartialEq)]
pub struct OccupationMatch {
    pub esco_uri: String,
    pub label: String,
    pub isco_code: String,
    pub isco_title: String,
    pub score: f32,
    pub matched: String,
    pub kind: MatchKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatchKind {
    Code,
    ExactLabel,
    Compound,
    Fuzzy,
    Lexicon,
    Words,
}

struct Occupation {
    uuid: &'static str,
    isco: &'static str,
    preferred: &'static str,
}

struct Label {
    occ: u32,
    text: &'static str,
    preferred: bool,
    /// Distinct content stems, used by word-overlap scoring.
    stems: Vec<String>,
}

struct LexEntry {
    /// Each term word as (raw normalised form, stem, is a stop word). Stop
    /// words are kept because they carry meaning in phrases ("vaske op").
    words: Vec<(String, String, bool)>,
    whole_word: bool,
    /// A foreign loanword: recognised, but never the target of a typo correction.
    loanword: bool,
    text: &'static str,
    codes: Vec<(&'static str, f32)>,
    /// Per code: the ESCO occupation (preferred label) the term means inside that
    /// group, written `isco=label` in the data; resolved to `occ` at build time.
    occ_labels: Vec<Option<&'static str>>,
    occ: Vec<Option<u32>>,
}

pub struct Taxonomy {
    occupations: Vec<Occupation>,
    labels: Vec<Label>,
    by_uuid: HashMap<&'static str, u32>,
    groups: HashMap<&'static str, &'static str>,
    /// Joined label key (no spaces) -> labels.
    exact: HashMap<String, Vec<u32>>,
    /// Joined key of stems -> labels, for inflected forms.
    exact_stemmed: HashMap<String, Vec<u32>>,
    /// Joined key of content words only -> labels: "lektor i matematik" is found from the head and
    /// qualifier of "lektor, matematik", which leave out the preposition.
    by_content: HashMap<String, Vec<u32>>,
    /// Modifier of single-word compound labels ("lager" of "lagerarbejder") -> labels.
    modifiers: HashMap<String, Vec<u32>>,
    /// Distinct label stems and the labels containing them.
    stem_vocab: Vec<(String, Vec<u32>)>,
    /// Character trigram -> indices into `stem_vocab`, so substring search
    /// only verifies stems that share the query's rarest trigram.
    trigrams: HashMap<[char; 3], Vec<u32>>,
    lexicon: Vec<LexEntry>,
    competences: Vec<LexEntry>,
    /// Canonical occupation of each occupation: ESCO lists near-duplicates in one
    /// unit group that share labels ("barnepige", "babysitter", "au pair"); they
    /// are one job to a jobseeker and an employer, so they answer as one.
    canon: Vec<u32>,
    /// Unit group -> canonical occupation for group-level readings.
    defaults: HashMap<&'static str, u32>,
    /// Every known word/key, for typo correction.
    vocab: Vec<String>,
    vocab_set: HashSet<String>,
    /// Words of loanword lexicon terms: known, so never "corrected".
    loanwords: HashSet<String>,
    /// Stems of all vocabulary words: an inflected known word is not a typo.
    vocab_stems: HashSet<String>,
    /// Sorted (hash of a 1-deletion variant, vocab index): SymSpell-style index.
    deletes: Vec<(u64, u32)>,
    /// Character trigrams of every label: the candidate generator that reaches every occupation.
    grams: GramIndex,
    /// Word starts of every label, for typeahead.
    prefixes: PrefixIndex,
    /// Occupations whose cluster stands for a group default: the everyday entry-level jobs that
    /// colloquial goals name, kept as one answer so goals and job titles of the same job agree.
    in_default_cluster: Vec<bool>,
    /// Field unit group -> (management unit group, its default occupation).
    field_managers: HashMap<&'static str, (&'static str, u32)>,
    /// How common an occupation is, for ordering typeahead answers.
    commonness: Vec<f32>,
}

static EMBEDDED: OnceLock<Taxonomy> = OnceLock::new();

/// The occupation a group-level reading stands for ("arbejde på lager" names unit
/// group 9333, and in it most likely the warehouse worker, not the stevedore): the
/// common entry-level occupation of the unit group, so that colloquial goals and
/// job titles of the same job land on the same ESCO occupation. (ISCO-08, ESCO
/// preferred label.)
const GROUP_DEFAULTS: &[(&str, &str)] = &[
    ("4110", "kontormedarbejder"),
    ("4222", "kundeserviceassistent"),
    ("4321", "produktionsmedarbejder"),
    ("4412", "postbud"),
    ("5120", "kok"),
    ("5131", "tjener"),
    ("5132", "bartender"),
    ("5141", "frisør"),
    ("5153", "vicevært"),
    ("5164", "dyrepasserassistent"),
    ("5223", "butiksassistent"),
    ("5230", "kasseassistent"),
    ("5244", "callcentermedarbejder"),
    ("5311", "barnepige"),
    ("5312", "undervisningsassistent i grundskolen 0-6 klasse"),
    ("5321", "sygehjælper"),
    ("5322", "social- og sundhedshjælper"),
    ("5414", "sikkerhedsvagt"),
    ("6113", "anlægsgartner"),
    ("6121", "landbrugsmedhjælper"),
    ("7511", "slagterimedarbejder"),
    ("7512", "bager"),
    ("7531", "skrædder"),
    ("7533", "syoperatør"),
    ("8322", "chauffør - vareudbringning"),
    ("8331", "buschauffør"),
    ("8332", "lastbilchauffør"),
    ("8344", "gaffeltruckfører"),
    ("9111", "rengøringshjælp"),
    ("9112", "rengøringsassistent"),
    ("9121", "vaskeriassistent"),
    ("9122", "bilvaskmedarbejder"),
    ("9211", "frugt- og grøntsagsplukker"),
    ("9212", "staldmedarbejder"),
    ("9214", "gartnerimedarbejder"),
    ("9215", "skovarbejder"),
    ("9313", "anlægsarbejder"),
    ("9321", "pakkeriassistent"),
    ("9329", "fabriksmedarbejder - rengøring og lager"),
    ("9333", "lagerarbejder"),
    ("9334", "vareopfylder"),
    ("9412", "køkkenassistent"),
    ("9611", "renovationsarbejder"),
    ("9613", "gadefejer"),
    ("9621", "hotelportier"),
    ("9622", "ejendomsservicetekniker"),
];

fn find_root(parent: &mut [u32], mut x: u32) -> u32 {
    while parent[x as usize] != x {
        let p = parent[parent[x as usize] as usize];
        parent[x as usize] = p;
        x = p;
    }
    x
}

fn major_group_prior(isco: &str) -> f32 {
    // The service places long-term unemployed citizens, so for a vague or shared
    // label the entry-level reading is the likelier one.
    match isco.as_bytes().first() {
        Some(b'9') => 1.0,
        Some(b'5') => 0.9,
        Some(b'4') => 0.8,
        Some(b'8') => 0.7,
        Some(b'7') | Some(b'6') => 0.6,
        Some(b'3') => 0.3,
        Some(b'2') => 0.2,
        _ => 0.0,
    }
}

/// A first answer at least this strong reads the text; below it the text is likely being typed.
const CONFIDENT: f32 = 0.6;

fn same_answer(a: &OccupationMatch, b: &OccupationMatch) -> bool {
    if a.esco_uri.is_empty() && b.esco_uri.is_empty() {
        a.isco_code == b.isco_code
    } else {
        a.esco_uri == b.esco_uri
    }
}

fn sort_matches(out: &mut [OccupationMatch]) {
    out.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then_with(|| a.isco_code.cmp(&b.isco_code))
            .then_with(|| a.label.cmp(&b.label))
    });
}

fn senior_prior(isco: &str, manager: bool) -> f32 {
    // A managerial title is most likely a manager (major group 1), a professional one ("-ingeniør",
    // "-konsulent") a professional (2) or associate professional (3).
    match (isco.as_bytes().first(), manager) {
        (Some(b'1'), true) => 1.0,
        (Some(b'2'), true) => 0.9,
        (Some(b'1'), false) => 0.6,
        (Some(b'2'), false) => 1.0,
        (Some(b'3'), _) => 0.7,
        _ => 0.3,
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum CandKey {
    Occ(u32),
    Group(&'static str),
}

struct Cand {
    score: f32,
    kind: MatchKind,
    matched: String,
    /// Found by trigram similarity only: it names no occupation for group-level evidence to land on.
    similar: bool,
}

#[derive(Default)]
struct Acc {
    cands: HashMap<CandKey, Cand>,
    /// Per ISCO group and evidence stage: best score, so agreeing stages add up.
    support: HashMap<(&'static str, u8), f32>,
    /// Per ISCO group: the occupation a lexicon term named, with the term's score.
    hints: HashMap<&'static str, (f32, u32)>,
    /// The title ends in a managerial or professional head ("-chef", "konsulent").
    senior: bool,
    /// ... a managerial one, whose field word names the field it leads.
    manager: bool,
}

impl Acc {
    fn add(
        &mut self,
        key: CandKey,
        isco: &'static str,
        score: f32,
        kind: MatchKind,
        matched: &str,
    ) {
        let stage = kind as u8;
        let s = self.support.entry((isco, stage)).or_insert(0.0);
        if score > *s {
            *s = score;
        }
        match self.cands.get_mut(&key) {
            Some(c) if c.score >= score => {}
            Some(c) => {
                c.score = score;
                c.kind = kind;
                c.matched = matched.to_string();
                c.similar = false;
            }
            None => {
                self.cands.insert(
                    key,
                    Cand {
                        score,
                        kind,
                        matched: matched.to_string(),
                        similar: false,
                    },
                );
            }
        }
    }

    /// Trigram-similar labels: candidates only, without supporting their group, because a similar
    /// spelling is no independent evidence for what the text means.
    fn add_similar(&mut self, occ: u32, score: f32, matched: &str) {
        let key = CandKey::Occ(occ);
        match self.cands.get_mut(&key) {
            Some(c) if c.score >= score => {}
            Some(c) => {
                c.score = score;
                c.kind = MatchKind::Fuzzy;
                c.matched = matched.to_string();
                c.similar = true;
            }
            None => {
                self.cands.insert(
                    key,
                    Cand {
                        score,
                        kind: MatchKind::Fuzzy,
                        matched: matched.to_string(),
                        similar: true,
                    },
                );
            }
        }
    }
}

fn hash_str(s: &str) -> u64 {
    // FNV-1a: stable and cheap; collisions are harmless because candidates are verified.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.as_bytes() {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

fn deletion_variants(word: &str, out: &mut Vec<String>) {
    let chars: Vec<char> = word.chars().collect();
    for i in 0..chars.len() {
        let mut s = String::with_capacity(word.len());
        for (j, c) in chars.iter().enumerate() {
            if j != i {
                s.push(*c);
            }
        }
        out.push(s);
    }
}

type CodeSpec = (&'static str, f32, Option<&'static str>);

fn parse_codes(spec: &'static str, groups: &HashMap<&'static str, &'static str>) -> Vec<CodeSpec> {
    spec.split(',')
        .filter_map(|part| {
            let part = part.trim();
            let (code, w) = match part.rsplit_once(':') {
                Some((c, w)) => (c.trim(), w.trim().parse::<f32>().ok()?),
                None => (part, 1.0),
            };
            let (code, label) = match code.split_once('=') {
                Some((c, l)) => (c.trim(), Some(l.trim())),
                None => (code, None),
            };
            // Codes not in the ISCO table would produce matches without a title.
            let (k, _) = groups.get_key_value(code)?;
            (k.len() == 4).then_some((*k, w.clamp(0.0, 1.0), label))
        })
        .collect()
}

fn parse_lexicon(src: &'static str, groups: &HashMap<&'static str, &'static str>) -> Vec<LexEntry> {
    src.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|line| {
            let (term, spec) = line.split_once('\t')?;
            let (loanword, term) = match term.strip_prefix('~') {
                Some(t) => (true, t),
                None => (false, term),
            };
            let (whole_word, term) = match term.strip_prefix('=') {
                Some(t) => (true, t),
                None => (false, term),
            };
            let words: Vec<(String, String, bool)> = tokenize(term)
                .into_iter()
                .map(|t| (t.norm, t.stem, t.stop))
                .collect();
            if words.iter().all(|w| w.2) {
                return None;
            }
            let specs = parse_codes(spec, groups);
            (!specs.is_empty()).then_some(LexEntry {
                words,
                whole_word,
                loanword,
                text: term,
                codes: specs.iter().map(|(c, w, _)| (*c, *w)).collect(),
                occ_labels: specs.iter().map(|(_, _, l)| *l).collect(),
                occ: Vec::new(),
            })
        })
        .collect()
}

impl Taxonomy {
    /// The taxonomy built from the data embedded in the crate, parsed on first use.
    pub fn embedded() -> &'static Taxonomy {
        EMBEDDED.get_or_init(Taxonomy::build)
    }

    fn build() -> Taxonomy {
        let mut groups = HashMap::default();
        for line in GROUPS_TSV.lines().filter(|l| !l.starts_with('#')) {
            if let Some((code, title)) = line.split_once('\t') {
                groups.insert(code, title);
            }
        }
        let mut occupations = Vec::new();
        let mut labels = Vec::new();
        let mut by_uuid = HashMap::default();
        for line in OCCUPATIONS_TSV.lines().filter(|l| !l.starts_with('#')) {
            let mut cols = line.split('\t');
            let (Some(uuid), Some(isco), Some(pref)) = (cols.next(), cols.next(), cols.next())
            else {
                continue;
            };
            let alts = cols.next().unwrap_or("");
            let Some((isco, _)) = groups.get_key_value(isco) else {
                continue;
            };
            let occ = occupations.len() as u32;
            occupations.push(Occupation {
                uuid,
                isco,
                preferred: pref,
            });
            by_uuid.insert(uuid, occ);
            labels.push((occ, pref, true));
            for alt in alts.split('|').filter(|a| !a.is_empty()) {
                labels.push((occ, alt, false));
            }
        }

        let mut exact: HashMap<String, Vec<u32>> = HashMap::default();
        let mut exact_stemmed: HashMap<String, Vec<u32>> = HashMap::default();
        let mut by_content: HashMap<String, Vec<u32>> = HashMap::default();
        let mut modifiers: HashMap<String, Vec<u32>> = HashMap::default();
        let mut stem_index: HashMap<String, Vec<u32>> = HashMap::default();
        let mut vocab_set: HashSet<String> = HashSet::default();
        let mut label_vec = Vec::with_capacity(labels.len());
        let mut label_words: Vec<Vec<String>> = Vec::with_capacity(labels.len());
        for (i, (occ, text, preferred)) in labels.into_iter().enumerate() {
            let li = i as u32;
            let toks = tokenize(text);
            label_words.push(toks.iter().map(|t| t.norm.clone()).collect());
            let key: String = toks.iter().map(|t| t.norm.as_str()).collect();
            let skey: String = toks.iter().map(|t| t.stem.as_str()).collect();
            exact.entry(key.clone()).or_default().push(li);
            exact_stemmed.entry(skey).or_default().push(li);
            if key.chars().count() <= 30 {
                vocab_set.insert(key.clone());
            }
            let content: Vec<&Token> = toks.iter().filter(|t| !t.stop).collect();
            let content_key: String = content.iter().map(|t| t.norm.as_str()).collect();
            by_content.entry(content_key).or_default().push(li);
            if content.len() == 1
                && let Some((modifier, _head)) = split_head(&content[0].norm)
            {
                for m in modifier_variants(&modifier) {
                    modifiers.entry(m).or_default().push(li);
                }
            }
            let mut stems: Vec<String> = Vec::new();
            for t in &content {
                vocab_set.insert(t.norm.clone());
                if !stems.contains(&t.stem) {
                    stems.push(t.stem.clone());
                    stem_index.entry(t.stem.clone()).or_default().push(li);
                }
            }
            label_vec.push(Label {
                occ,
                text,
                preferred,
                stems,
            });
            debug_assert_eq!(label_vec.len(), i + 1);
        }
        // Occupations of one unit group that share a label are merged.
        let mut parent: Vec<u32> = (0..occupations.len() as u32).collect();
        for ids in exact.values() {
            let mut first: HashMap<&'static str, u32> = HashMap::default();
            for &li in ids {
                let Some(l) = label_vec.get(li as usize) else {
                    continue;
                };
                let isco = occupations[l.occ as usize].isco;
                match first.get(isco) {
                    None => {
                        first.insert(isco, l.occ);
                    }
                    Some(&o) => {
                        let (a, b) = (find_root(&mut parent, o), find_root(&mut parent, l.occ));
                        if a != b {
                            parent[a.max(b) as usize] = a.min(b);
                        }
                    }
                }
            }
        }
        let mut n_labels = vec![0u32; occupations.len()];
        for l in &label_vec {
            n_labels[l.occ as usize] += 1;
        }
        // The representative is the member with the most labels (the broadest one).
        let mut best_member: HashMap<u32, u32> = HashMap::default();
        for o in 0..occupations.len() as u32 {
            let root = find_root(&mut parent, o);
            let e = best_member.entry(root).or_insert(o);
            if n_labels[o as usize] > n_labels[*e as usize] {
                *e = o;
            }
        }
        let mut canon: Vec<u32> = (0..occupations.len() as u32)
            .map(|o| best_member[&find_root(&mut parent, o)])
            .collect();
        let by_pref: HashMap<(&'static str, String), u32> = occupations
            .iter()
            .enumerate()
            .map(|(i, o)| ((o.isco, o.preferred.to_lowercase()), i as u32))
            .collect();
        let mut defaults: HashMap<&'static str, u32> = HashMap::default();
        for (isco, label) in GROUP_DEFAULTS {
            if let Some(&o) = by_pref.get(&(*isco, label.to_string()))
                && let Some((k, _)) = groups.get_key_value(isco)
            {
                // The default represents its whole cluster.
                let root = find_root(&mut parent, o);
                for (m, c) in canon.iter_mut().enumerate() {
                    if find_root(&mut parent, m as u32) == root {
                        *c = o;
                    }
                }
                defaults.insert(*k, o);
            }
        }
        let default_set: HashSet<u32> = defaults.values().copied().collect();
        let in_default_cluster: Vec<bool> = canon.iter().map(|c| default_set.contains(c)).collect();
        let mut field_managers = HashMap::default();
        for (field, group, label) in FIELD_MANAGERS {
            if let (Some((f, _)), Some((g, _)), Some(&o)) = (
                groups.get_key_value(field),
                groups.get_key_value(group),
                by_pref.get(&(*group, label.to_string())),
            ) {
                field_managers.insert(*f, (*g, o));
            }
        }
        let mut lexicon = parse_lexicon(LEXICON_TSV, &groups);
        let mut competences = parse_lexicon(COMPETENCES_TSV, &groups);
        for e in lexicon.iter_mut().chain(competences.iter_mut()) {
            e.occ = e
                .codes
                .iter()
                .zip(&e.occ_labels)
                .map(|((code, _), l)| {
                    l.and_then(|l| by_pref.get(&(*code, l.to_lowercase())))
                        .map(|&o| canon[o as usize])
                })
                .collect();
        }
        let mut loanwords: HashSet<String> = HashSet::default();
        for e in lexicon.iter().chain(competences.iter()) {
            for (w, _, _) in e.words.iter().filter(|w| !w.2) {
                if e.loanword {
                    loanwords.insert(w.clone());
                } else {
                    vocab_set.insert(w.clone());
                }
            }
        }
        for m in modifiers.keys() {
            vocab_set.insert(m.clone());
        }
        let vocab_stems: HashSet<String> = vocab_set.iter().map(|w| text::stem(w)).collect();
        let mut vocab: Vec<String> = vocab_set.iter().cloned().collect();
        vocab.sort();
        let mut deletes = Vec::new();
        let mut buf = Vec::new();
        for (vi, w) in vocab.iter().enumerate() {
            let n = w.chars().count();
            if n < 4 {
                continue;
            }
            deletes.push((hash_str(w), vi as u32));
            buf.clear();
            deletion_variants(w, &mut buf);
            for d in &buf {
                deletes.push((hash_str(d), vi as u32));
            }
        }
        deletes.sort_unstable();
        deletes.dedup();
        let mut stem_vocab: Vec<(String, Vec<u32>)> = stem_index.into_iter().collect();
        stem_vocab.sort_by(|a, b| a.0.cmp(&b.0));
        let mut trigrams: HashMap<[char; 3], Vec<u32>> = HashMap::default();
        for (i, (st, _)) in stem_vocab.iter().enumerate() {
            let chars: Vec<char> = st.chars().collect();
            for w in chars.windows(3) {
                let list = trigrams.entry([w[0], w[1], w[2]]).or_default();
                if list.last() != Some(&(i as u32)) {
                    list.push(i as u32);
                }
            }
        }

        let word_refs = || {
            label_words
                .iter()
                .map(|w| w.iter().map(String::as_str).collect())
        };
        let grams = GramIndex::build(word_refs());
        let prefixes = PrefixIndex::build(word_refs());
        // Typeahead puts the jobs people name first: those the lexicon or a group default names, then
        // occupations with many labels (many ways of saying it), entry-level ones before rarer ones.
        let mut named: HashSet<u32> = default_set.clone();
        for e in &lexicon {
            named.extend(e.occ.iter().flatten());
        }
        let commonness: Vec<f32> = (0..occupations.len())
            .map(|o| {
                let base = if named.contains(&canon[o]) { 1.0 } else { 0.0 };
                base + 0.05 * (n_labels[o].min(10) as f32)
                    + 0.2 * major_group_prior(occupations[o].isco)
            })
            .collect();

        Taxonomy {
            occupations,
            labels: label_vec,
            by_uuid,
            groups,
            exact,
            exact_stemmed,
            by_content,
            modifiers,
            stem_vocab,
            trigrams,
            lexicon,
            competences,
            canon,
            defaults,
            vocab,
            vocab_set,
            loanwords,
            vocab_stems,
            deletes,
            grams,
            prefixes,
            in_default_cluster,
            field_managers,
            commonness,
        }
    }

    pub fn occupation_count(&self) -> usize {
        self.occupations.len()
    }

    /// Every ESCO occupation as (URI, Danish preferred label).
    pub fn occupations(&self) -> impl Iterator<Item = (String, &'static str)> + '_ {
        self.occupations
            .iter()
            .map(|o| (format!("{ESCO_PREFIX}{}", o.uuid), o.preferred))
    }

    fn canon_of(&self, occ: u32) -> u32 {
        self.canon.get(occ as usize).copied().unwrap_or(occ)
    }

    /// Danish DISCO-08 title of an ISCO-08 group at any level (1-4 digits).
    pub fn isco_title(&self, isco_code: &str) -> Option<&str> {
        self.groups.get(isco_code.trim()).copied()
    }

    fn occ_match(
        &self,
        occ: u32,
        score: f32,
        matched: &str,
        kind: MatchKind,
    ) -> Option<OccupationMatch> {
        let o = self.occupations.get(occ as usize)?;
        Some(OccupationMatch {
            esco_uri: format!("{ESCO_PREFIX}{}", o.uuid),
            label: o.preferred.to_string(),
            isco_code: o.isco.to_string(),
            isco_title: self.isco_title(o.isco).unwrap_or("").to_string(),
            score,
            matched: matched.to_string(),
            kind,
        })
    }

    fn group_match(
        &self,
        isco: &str,
        score: f32,
        matched: &str,
        kind: MatchKind,
    ) -> Option<OccupationMatch> {
        let title = self.isco_title(isco)?;
        Some(OccupationMatch {
            esco_uri: String::new(),
            label: title.to_string(),
            isco_code: isco.to_string(),
            isco_title: title.to_string(),
            score,
            matched: matched.to_string(),
            kind,
        })
    }

    /// Resolves an ISCO-08 4-digit code, a DISCO-08 6-digit code (its first four
    /// digits are the ISCO unit group) or an ESCO occupation URI.
    pub fn resolve_code(&self, code: &str) -> Option<OccupationMatch> {
        let code = code.trim();
        if let Some(uuid) = code.strip_prefix(ESCO_PREFIX) {
            let occ = *self.by_uuid.get(uuid.trim_end_matches('/'))?;
            return self.occ_match(self.canon_of(occ), 1.0, code, MatchKind::Code);
        }
        if !code.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let unit = match code.len() {
            4 => code,
            6 => code.get(..4)?,
            _ => return None,
        };
        self.group_match(unit, 1.0, code, MatchKind::Code)
    }

    /// Typo correction: the closest vocabulary word within the allowed edit distance.
    fn correct(&self, word: &str) -> Option<(&str, usize)> {
        let n = word.chars().count();
        let max = if n >= 9 {
            2
        } else if n >= 5 {
            1
        } else {
            return None;
        };
        self.correct_within(word, max)
    }

    fn correct_within(&self, word: &str, max: usize) -> Option<(&str, usize)> {
        let mut probes = vec![word.to_string()];
        deletion_variants(word, &mut probes);
        if max >= 2 {
            let mut second = Vec::new();
            for p in probes.iter().skip(1) {
                deletion_variants(p, &mut second);
            }
            probes.extend(second);
        }
        let mut best: Option<(usize, usize)> = None;
        let mut seen = HashSet::default();
        for p in &probes {
            let h = hash_str(p);
            let start = self.deletes.partition_point(|(k, _)| *k < h);
            for (k, vi) in self.deletes.get(start..).unwrap_or(&[]) {
                if *k != h {
                    break;
                }
                if !seen.insert(*vi) {
                    continue;
                }
                let Some(cand) = self.vocab.get(*vi as usize) else {
                    continue;
                };
                let d = osa_distance(word, cand, max);
                if d <= max {
                    let better = match best {
                        None => true,
                        Some((bd, bi)) => {
                            d < bd
                                || (d == bd
                                    && self.vocab.get(bi).is_some_and(|b| cand.len() < b.len()))
                        }
                    };
                    if better {
                        best = Some((d, *vi as usize));
                    }
                }
            }
        }
        best.and_then(|(d, i)| self.vocab.get(i).map(|w| (w.as_str(), d)))
    }

    fn add_labels(&self, acc: &mut Acc, ids: &[u32], base: f32, kind: MatchKind) {
        // A label shared by many occupations says less about each of them.
        let distinct: HashSet<u32> = ids
            .iter()
            .filter_map(|l| self.labels.get(*l as usize).map(|l| l.occ))
            .collect();
        let ambiguity = 0.01 * (distinct.len().saturating_sub(1) as f32).min(5.0);
        // When the whole text is one occupation's preferred label, it names that one; as another's
        // alternative label it is only a synonym.
        let someones_name = ids
            .iter()
            .any(|l| self.labels.get(*l as usize).is_some_and(|l| l.preferred));
        let whole_text = kind == MatchKind::ExactLabel && base >= 0.9;
        let synonym_penalty = if someones_name && whole_text {
            0.1
        } else {
            0.04
        };
        for &li in ids {
            let Some(l) = self.labels.get(li as usize) else {
                continue;
            };
            let Some(o) = self.occupations.get(l.occ as usize) else {
                continue;
            };
            let s = base - if l.preferred { 0.0 } else { synonym_penalty } - ambiguity;
            // A label that names exactly one occupation answers with it, even inside a cluster of
            // near-duplicates; so does an occupation's own preferred label, which others in the
            // cluster only list as a synonym ("økonomichef" is the CFO, not the budget manager who
            // also answers to it). The cluster's other members follow as alternatives.
            let occ = if distinct.len() == 1 || l.preferred {
                self.member_or_canon(l.occ)
            } else {
                self.canon_of(l.occ)
            };
            acc.add(CandKey::Occ(occ), o.isco, s, kind, l.text);
        }
    }

    /// The occupation itself, unless its cluster stands for an everyday job that colloquial goals
    /// name by the group default: there the cluster answers as one, so goal and title agree.
    fn member_or_canon(&self, occ: u32) -> u32 {
        if self
            .in_default_cluster
            .get(occ as usize)
            .copied()
            .unwrap_or(true)
        {
            self.canon_of(occ)
        } else {
            occ
        }
    }

    /// Occupations of the same near-duplicate cluster that carry the matched label too: the ESCO
    /// occupations the merged answer stands for.
    fn alternatives(&self, occ: u32, matched: &str) -> Vec<u32> {
        let key: String = tokenize(matched).iter().map(|t| t.norm.as_str()).collect();
        let root = self.canon_of(occ);
        let mut out: Vec<u32> = Vec::new();
        for &li in self.exact.get(&key).map_or(&[][..], |v| v.as_slice()) {
            if let Some(l) = self.labels.get(li as usize)
                && l.occ != occ
                && self.canon_of(l.occ) == root
                && !out.contains(&l.occ)
            {
                out.push(l.occ);
            }
        }
        if occ != root && !out.contains(&root) {
            out.push(root);
        }
        out
    }

    /// Labels whose character trigrams resemble the text's: reaches every occupation, also for
    /// titles no other stage understands, with scores below those of real evidence.
    fn add_trigram_candidates(&self, acc: &mut Acc, words: &[&str], min: f32, fuzz_penalty: f32) {
        for (li, dice) in self.grams.search(words, min, TRIGRAM_CANDIDATES) {
            if let Some(l) = self.labels.get(li as usize) {
                let pref = if l.preferred { 0.01 } else { 0.0 };
                let s = (TRIGRAM_WEIGHT * dice + pref - fuzz_penalty).max(0.01);
                acc.add_similar(self.member_or_canon(l.occ), s, l.text);
            }
        }
    }

    /// Occupations with a label word starting with the text, label starts first, most common first.
    pub fn typeahead(&self, prefix: &str, limit: usize) -> Vec<OccupationMatch> {
        let words: Vec<String> =
            tokenize(&prefix.chars().take(MAX_INPUT_CHARS).collect::<String>())
                .into_iter()
                .map(|t| t.norm)
                .collect();
        let q = words.join(" ");
        if q.chars().count() < 2 || limit == 0 {
            return Vec::new();
        }
        let mut best: HashMap<u32, (bool, bool, &'static str)> = HashMap::default();
        for (li, at_start) in self.prefixes.find(&q, TYPEAHEAD_SCAN) {
            let Some(l) = self.labels.get(li as usize) else {
                continue;
            };
            let e = best.entry(l.occ).or_insert((at_start, l.preferred, l.text));
            if (at_start, l.preferred) > (e.0, e.1) {
                *e = (at_start, l.preferred, l.text);
            }
        }
        let mut ranked: Vec<(u32, bool, f32, &'static str, bool)> = best
            .into_iter()
            .map(|(o, (start, preferred, text))| {
                let c = self.commonness.get(o as usize).copied().unwrap_or(0.0);
                (o, start, c, text, preferred)
            })
            .collect();
        // Label starts first, then jobs people name, then the shortest label (the general
        // occupation before its specialisations), then an occupation's own name before another's
        // synonym, then the rest of commonness.
        let named = |c: f32| c >= 1.0;
        ranked.sort_by(|a, b| {
            b.1.cmp(&a.1)
                .then_with(|| named(b.2).cmp(&named(a.2)))
                .then_with(|| a.3.chars().count().cmp(&b.3.chars().count()))
                .then_with(|| b.4.cmp(&a.4))
                .then_with(|| b.2.total_cmp(&a.2))
                .then_with(|| a.0.cmp(&b.0))
        });
        ranked
            .into_iter()
            .take(limit)
            .enumerate()
            .filter_map(|(i, (o, _, _, text, _))| {
                let s = (TYPEAHEAD_SCORE - 0.001 * i as f32).max(0.01);
                self.occ_match(o, s, text, MatchKind::Words)
            })
            .collect()
    }

    /// Quality (0..=1) of the best way all term words occur in the tokens: a
    /// whole word or a modifier before a generic head counts fully, a part of
    /// some other compound less.
    fn lex_matches(entry: &LexEntry, tokens: &[Token]) -> Option<(f32, u32, bool)> {
        let mut quality = 1.0f32;
        let mut used: u32 = 0;
        for (raw, st, stop) in &entry.words {
            if *stop {
                if tokens.iter().any(|t| t.norm == *raw) {
                    continue;
                }
                return None;
            }
            let mut best = (0.0f32, 0usize);
            for (i, t) in tokens.iter().enumerate().filter(|(_, t)| !t.stop) {
                // Whole-word entries are short words that are also parts of unrelated
                // words or inflections ("bær" vs "bære"), so only the exact form counts.
                if t.norm == *raw
                    || (!entry.whole_word && t.stem == *st)
                    || (entry.whole_word && is_inflection_of(&t.norm, raw))
                {
                    best = (1.0, i);
                    break;
                }
                if entry.whole_word {
                    continue;
                }
                if t.mods.iter().any(|v| v == raw || v == st) {
                    best = (1.0, i);
                    break;
                }
                let raw_ok = raw.chars().count() >= 4 && t.norm.contains(raw.as_str());
                let stem_ok = st.chars().count() >= 4 && t.norm.contains(st.as_str());
                if (raw_ok || stem_ok) && best.0 < 0.9 {
                    best = (0.9, i);
                }
            }
            if best.0 == 0.0 {
                return None;
            }
            quality = quality.min(best.0);
            used |= 1u32 << best.1.min(31);
        }
        let only_places = (0..tokens.len().min(32))
            .filter(|i| used & (1u32 << i) != 0)
            .all(|i| tokens[i].place);
        Some((quality, used, only_places))
    }

    /// Normalises free text to ranked occupations (deduplicated by occupation).
    pub fn normalize(&self, text: &str, limit: usize) -> Vec<OccupationMatch> {
        if limit == 0 {
            return Vec::new();
        }
        let mut out = self.normalize_title(text, limit);
        if let Some(first) = self.usage_override(text) {
            out.retain(|m| m.esco_uri != first.esco_uri);
            out.insert(0, first);
        }
        out.truncate(limit);
        out
    }

    /// Official titles name the occupation in forms the pipeline reads as more than one text: a
    /// qualifier after a comma ("leder, lager" is "lagerleder"), an English title ("warehouse manager"
    /// is "lagerchef"). A label those forms hit exactly counts as if the text had said it; and a
    /// single word being typed is completed from the labels (typeahead).
    fn normalize_title(&self, text: &str, limit: usize) -> Vec<OccupationMatch> {
        let mut out = self.normalize_text(text, limit);
        let trimmed = text.trim();
        if trimmed.starts_with(ESCO_PREFIX) || trimmed.bytes().all(|b| b.is_ascii_digit()) {
            return out;
        }
        let capped: String = trimmed.chars().take(MAX_INPUT_CHARS).collect();
        let content = |t: &str| -> Vec<String> {
            tokenize(t)
                .into_iter()
                .filter(|t| !t.stop)
                .map(|t| t.norm)
                .collect()
        };
        let all = content(&capped);
        let all_words = all.len();
        // (rewritten form, factor): a form that swaps the title's own head for a synonym
        // ("-leder" for "-chef") is a step further from what was written, each further synonym
        // another step.
        let mut variants: Vec<(String, f32)> = Vec::new();
        let swaps = |word: &str| -> Vec<(String, f32)> {
            let mut heads = titles::swap_manager_head(word);
            if heads.is_empty() && all_words > 1 {
                heads = titles::manager_synonyms(word);
            }
            let mut f = VARIANT_FACTOR;
            heads
                .into_iter()
                .map(|w| {
                    f *= VARIANT_FACTOR;
                    (w, f)
                })
                .collect()
        };
        let mut narrowed: Option<String> = None;
        if let Some((head, qualifier)) = capped.split_once(',') {
            let (h, q) = (content(head), content(qualifier));
            if let [h] = h.as_slice()
                && (1..=3).contains(&q.len())
            {
                let readings = self.comma_readings(h, &q);
                narrowed = readings.first().map(|(form, _)| form.clone());
                if readings.is_empty() && q.len() <= 2 {
                    let joined = format!("{}{}", q.concat(), h);
                    variants.extend(swaps(&joined));
                    variants.push((joined, VARIANT_FACTOR));
                }
                variants.extend(readings);
            }
        }
        if let Some((last, rest)) = all.split_last()
            && all.len() <= 3
        {
            for (w, f) in swaps(last) {
                let mut words: Vec<&str> = rest.iter().map(String::as_str).collect();
                words.push(&w);
                variants.push((words.join(" "), f));
            }
        }
        let words: Vec<&str> = all.iter().map(String::as_str).collect();
        if words.len() <= 4
            && let Some(danish) = english_compound(&words)
        {
            variants.extend(swaps(&danish));
            variants.push((danish, VARIANT_FACTOR));
        }
        let mut merged = false;
        for (v, factor) in &variants {
            for mut m in self.normalize_text(v, limit) {
                if !matches!(m.kind, MatchKind::ExactLabel | MatchKind::Compound) {
                    continue;
                }
                m.score *= factor;
                merged = true;
                match out.iter_mut().find(|o| same_answer(o, &m)) {
                    Some(o) if o.score >= m.score => {}
                    Some(o) => *o = m,
                    None => out.push(m),
                }
            }
        }
        if merged {
            sort_matches(&mut out);
        }
        // The title as ESCO names an occupation reads as that occupation; failing that, a comma
        // qualifier that turns the head into a label narrows the reading to it.
        let first = self
            .preferred_owner(&capped)
            .or_else(|| narrowed.and_then(|form| self.reading_of(&form, limit)));
        if let Some(occ) = first {
            self.promote(&mut out, occ);
        }
        if all.len() == 1 {
            // A complete goal is read, never replaced by completions: only when nothing but word
            // overlap or a similar spelling weakly matches is the word taken as being typed.
            let confident = out.first().is_some_and(|m| {
                m.score >= CONFIDENT || !matches!(m.kind, MatchKind::Words | MatchKind::Fuzzy)
            });
            self.complete_word(&mut out, &capped, limit, confident);
        }
        out
    }

    /// ESCO labels that a "head, qualifier" title stands for, own head first: the compound of the
    /// two with the linking letters Danish puts between them ("chef, sikkerhed" is
    /// "sikkerhedschef", "rådgiver, skat" is "skatterådgiver"), and the label that links head and
    /// qualifier with a preposition ("lektor, matematik" is "lektor i matematik"). A managerial head
    /// also stands for its synonyms ("leder, turistbureau" is "chef for turistbureau"), and a
    /// compound head for its own head ("afdelingsleder, offentlig forvaltning"), each a step
    /// further from what was written.
    fn comma_readings(&self, head: &str, qualifier: &[String]) -> Vec<(String, f32)> {
        let mut heads: Vec<(String, f32)> = vec![(head.to_string(), VARIANT_FACTOR)];
        let swapped = VARIANT_FACTOR * VARIANT_FACTOR;
        let mut f = VARIANT_FACTOR;
        for h in titles::manager_synonyms(head) {
            f *= VARIANT_FACTOR;
            heads.push((h, f));
        }
        let mut out: Vec<(String, f32)> = Vec::new();
        for (h, factor) in &heads {
            let before = out.len();
            if let [q] = qualifier {
                for form in titles::linked_compounds(q, h) {
                    if self.exact.contains_key(&form) && !out.iter().any(|(f, _)| *f == form) {
                        out.push((form, *factor));
                    }
                }
            }
            let key = format!("{h}{}", qualifier.concat());
            for &li in self.by_content.get(&key).map_or(&[][..], |v| v.as_slice()) {
                if let Some(l) = self.labels.get(li as usize)
                    && !out.iter().any(|(f, _)| f == l.text)
                {
                    out.push((l.text.to_string(), *factor));
                }
            }
            // The title's own head decides; synonyms only when it reads as nothing.
            if out.len() > before && h == head {
                return out;
            }
        }
        if out.is_empty()
            && let Some(bare) = titles::manager_head_of(head)
            && bare != head
        {
            let bare_readings = self.comma_readings(bare, qualifier);
            out.extend(bare_readings.into_iter().map(|(f, w)| (f, w * swapped)));
        }
        out
    }

    /// The occupation whose Danish preferred label the text is, when exactly one occupation has
    /// it: a title written as ESCO names an occupation means that occupation, whatever field or
    /// entry-level job its words also suggest. Not when ESCO also lists a plain (not managerial or
    /// professional) text for an everyday job a group default stands for ("hjemmehjælper" is how
    /// goals name the care helper): there the everyday reading that goals and titles share stays
    /// first.
    fn preferred_owner(&self, text: &str) -> Option<u32> {
        let toks = tokenize(text);
        let key: String = toks.iter().map(|t| t.norm.as_str()).collect();
        let skey: String = toks.iter().map(|t| t.stem.as_str()).collect();
        // A managerial or professional title is no colloquial goal.
        let senior = toks
            .iter()
            .rev()
            .find(|t| !t.stop)
            .is_some_and(|t| is_senior_word(&t.norm));
        for ids in [self.exact.get(&key), self.exact_stemmed.get(&skey)]
            .into_iter()
            .flatten()
        {
            let labels: Vec<&Label> = ids
                .iter()
                .filter_map(|li| self.labels.get(*li as usize))
                .collect();
            let mut owners: Vec<u32> = labels
                .iter()
                .filter(|l| l.preferred)
                .map(|l| l.occ)
                .collect();
            owners.dedup();
            let [owner] = owners.as_slice() else {
                if owners.is_empty() {
                    continue;
                }
                return None;
            };
            let everyday = !senior
                && labels.iter().any(|l| {
                    self.canon_of(l.occ) != self.canon_of(*owner)
                        && self.in_default_cluster.get(l.occ as usize) == Some(&true)
                });
            return (!everyday).then(|| self.member_or_canon(*owner));
        }
        None
    }

    /// The occupation a rewritten form of the title names: its preferred-label owner, else its
    /// first exact-label reading.
    fn reading_of(&self, form: &str, limit: usize) -> Option<u32> {
        if let Some(o) = self.preferred_owner(form) {
            return Some(o);
        }
        let first = self.normalize_text(form, limit).into_iter().next()?;
        if first.kind != MatchKind::ExactLabel {
            return None;
        }
        let uuid = first.esco_uri.strip_prefix(ESCO_PREFIX)?;
        self.by_uuid.get(uuid).copied()
    }

    /// Puts an occupation first, scored just above the answer it displaces.
    fn promote(&self, out: &mut Vec<OccupationMatch>, occ: u32) {
        let Some(o) = self.occupations.get(occ as usize) else {
            return;
        };
        let uri = format!("{ESCO_PREFIX}{}", o.uuid);
        let top = out.first().map_or(0.0, |m| m.score);
        let mut m = match out.iter().position(|m| m.esco_uri == uri) {
            Some(0) => return,
            Some(i) => out.remove(i),
            None => match self.occ_match(occ, top, o.preferred, MatchKind::ExactLabel) {
                Some(m) => m,
                None => return,
            },
        };
        m.score = m.score.max((top + 0.001).min(0.99));
        out.insert(0, m);
    }

    /// Typeahead for one word: when nothing reads it with confidence it is being typed, and the
    /// labels it starts lead; otherwise they only fill the list, below the readings.
    fn complete_word(
        &self,
        out: &mut Vec<OccupationMatch>,
        word: &str,
        limit: usize,
        confident: bool,
    ) {
        if out.len() >= limit && confident {
            return;
        }
        let mut typed = self.typeahead(word, limit);
        if confident {
            typed.retain(|t| !out.iter().any(|o| same_answer(o, t)));
            // Completions fill the list without becoming a second reading of the word.
            let first = out.first().map_or(TYPEAHEAD_SCORE, |m| m.score);
            let floor = out
                .last()
                .map_or(TYPEAHEAD_SCORE, |m| m.score)
                .min(first * ALTERNATIVE_SHARE);
            for (i, mut t) in typed
                .into_iter()
                .take(limit - out.len().min(limit))
                .enumerate()
            {
                t.score = (floor - 0.001 * (i + 1) as f32).max(0.0);
                out.push(t);
            }
            return;
        }
        let floor = typed.last().map_or(TYPEAHEAD_SCORE, |m| m.score);
        out.retain(|o| !typed.iter().any(|t| same_answer(o, t)));
        let rest = std::mem::take(out);
        out.extend(typed);
        for (i, mut m) in rest.into_iter().enumerate() {
            m.score = m.score.min(floor - 0.001 * (i + 1) as f32).max(0.0);
            out.push(m);
        }
        out.truncate(limit);
    }

    /// A title whose everyday Danish meaning lies in another group than the ESCO label spelled the same way.
    fn usage_override(&self, text: &str) -> Option<OccupationMatch> {
        let key: String = text
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .flat_map(char::to_lowercase)
            .collect();
        let (term, isco) = USAGE_OVERRIDES.iter().find(|(term, _)| *term == key)?;
        let occ = *self.defaults.get(isco)?;
        self.occ_match(occ, 0.97, term, MatchKind::ExactLabel)
    }

    fn normalize_text(&self, text: &str, limit: usize) -> Vec<OccupationMatch> {
        let trimmed = text.trim();
        if trimmed.starts_with(ESCO_PREFIX)
            || (!trimmed.is_empty() && trimmed.bytes().all(|b| b.is_ascii_digit()))
        {
            return self.resolve_code(trimmed).into_iter().collect();
        }
        let capped: String = trimmed.chars().take(MAX_INPUT_CHARS).collect();
        let mut tokens = tokenize(&capped);
        tokens.truncate(MAX_TOKENS);
        if tokens.iter().all(|t| t.stop) {
            return Vec::new();
        }
        let mut tokens = self.merge_split_compounds(tokens);
        let mut acc = Acc::default();
        let mut fuzz_penalty = 0.0f32;

        // Spelling variants (ae/oe/aa) and typos are repaired per word first, so
        // every later stage sees the corrected form.
        let n_content = tokens.iter().filter(|t| !t.stop).count();
        // Bounded so that garbage input cannot make a call slow.
        let mut corrections = 0;
        for t in tokens.iter_mut().filter(|t| !t.stop) {
            if self.vocab_set.contains(&t.norm)
                || self.loanwords.contains(&t.norm)
                || self.vocab_stems.contains(&t.stem)
                || self.known_compound(&t.norm)
            {
                continue;
            }
            let folded = text::fold_digraphs(&t.norm);
            if folded != t.norm
                && (self.vocab_set.contains(&folded) || self.known_compound(&folded))
            {
                *t = Token::new(folded);
                continue;
            }
            // In a longer phrase a short unknown word is more likely ordinary
            // Danish than a misspelt job word.
            let len = t.norm.chars().count();
            if (n_content > 1 && len < 7) || len > 32 || corrections >= 4 {
                continue;
            }
            corrections += 1;
            if let Some((w, d)) = self.correct(&t.norm) {
                fuzz_penalty = fuzz_penalty.max(0.04 * d as f32 + 0.04);
                *t = Token::new(w.to_string());
                continue;
            }
            // A misspelt modifier in front of an intact head ("trckfører",
            // "skoelmedhjælper"): repair the modifier alone, it is short enough
            // that the whole word is beyond the edit budget of its parts.
            if let Some((m, head)) = split_head(&t.norm)
                && m.chars().count() >= 4
                && let Some((w, d)) = self.correct_within(&m, 1)
            {
                fuzz_penalty = fuzz_penalty.max(0.04 * d as f32 + 0.04);
                *t = Token::new(format!("{w}{head}"));
            }
        }
        let mut tokens = self.merge_split_compounds(tokens);
        mark_places(&mut tokens);
        acc.senior = tokens.iter().any(|t| !t.stop && is_senior_word(&t.norm));
        acc.manager = tokens.iter().any(|t| !t.stop && is_manager_word(&t.norm));
        let has_job_word = tokens.iter().any(|t| !t.stop && !t.place);
        let content: Vec<&Token> = tokens.iter().filter(|t| !t.stop).collect();
        let fuzzy = fuzz_penalty > 0.0;
        let kind_or_fuzzy = |k: MatchKind| if fuzzy { MatchKind::Fuzzy } else { k };

        // Exact label, all words and content words only.
        let full: String = tokens.iter().map(|t| t.norm.as_str()).collect();
        let ckey: String = content.iter().map(|t| t.norm.as_str()).collect();
        let skey: String = content.iter().map(|t| t.stem.as_str()).collect();
        let mut exact_hit = false;
        for (key, base) in [(&full, 1.0f32), (&ckey, 0.97)] {
            if let Some(ids) = self.exact.get(key.as_str()) {
                self.add_labels(
                    &mut acc,
                    ids,
                    base - fuzz_penalty,
                    kind_or_fuzzy(MatchKind::ExactLabel),
                );
                exact_hit = true;
            }
        }
        if !exact_hit && let Some(ids) = self.exact_stemmed.get(skey.as_str()) {
            self.add_labels(
                &mut acc,
                ids,
                0.93 - fuzz_penalty,
                kind_or_fuzzy(MatchKind::ExactLabel),
            );
            exact_hit = true;
        }

        // Compounds: the whole content as a modifier of a label, or split off a generic head.
        let multi = content.len() > 1;
        let mut compound_keys: Vec<(String, f32)> = vec![(ckey.clone(), 1.0)];
        if multi {
            for t in content.iter().filter(|t| !is_head(&t.norm)) {
                let f = if t.place && has_job_word {
                    0.85 * PLACE_FACTOR
                } else {
                    0.85
                };
                compound_keys.push((t.norm.clone(), f));
            }
        }
        for (key, factor) in &compound_keys {
            if multi
                && *factor < 0.9
                && let Some(ids) = self.exact.get(key.as_str())
            {
                self.add_labels(
                    &mut acc,
                    ids,
                    0.86 * factor - fuzz_penalty,
                    kind_or_fuzzy(MatchKind::ExactLabel),
                );
            }
            if let Some(ids) = self.modifiers.get(key.as_str()) {
                self.add_labels(
                    &mut acc,
                    ids,
                    0.84 * factor - fuzz_penalty,
                    kind_or_fuzzy(MatchKind::Compound),
                );
            }
            if let Some((modifier, _)) = split_head(key) {
                for m in modifier_variants(&modifier) {
                    if let Some(ids) = self.modifiers.get(m.as_str()) {
                        self.add_labels(
                            &mut acc,
                            ids,
                            0.86 * factor - fuzz_penalty,
                            kind_or_fuzzy(MatchKind::Compound),
                        );
                    }
                    if let Some(ids) = self.exact.get(m.as_str()) {
                        self.add_labels(
                            &mut acc,
                            ids,
                            0.82 * factor - fuzz_penalty,
                            kind_or_fuzzy(MatchKind::Compound),
                        );
                    }
                }
            }
        }

        // Lexicon: colloquial words and phrases mapped to ISCO groups.
        // Per group and token: the best lexicon weight that explains the token, so
        // that terms agreeing on a group across words add up ("pasning af børn").
        type Joint = (u32, [f32; MAX_TOKENS], Vec<&'static str>);
        let mut joint: HashMap<&'static str, Joint> = HashMap::default();
        for (entries, factor) in [(&self.lexicon, 1.0f32), (&self.competences, 0.7)] {
            for e in entries.iter() {
                let Some((quality, used_mask, only_places)) = Self::lex_matches(e, &tokens) else {
                    continue;
                };
                let used = used_mask.count_ones() as usize;
                // A term explaining only part of the text ("lager" in "driftsleder på
                // lager") must not outrank a label that explains all of it.
                let coverage = used as f32 / content.len().max(1) as f32;
                let n_words = e.words.iter().filter(|w| !w.2).count() as f32;
                let phrase_bonus = 0.03 * (n_words - 1.0).clamp(0.0, 2.0);
                let mut base = 0.84 * quality * (0.7 + 0.3 * coverage.min(1.0)) + phrase_bonus;
                if only_places && has_job_word {
                    base *= PLACE_FACTOR;
                }
                for (i, (code, w)) in e.codes.iter().enumerate() {
                    let s = (base * w * factor - fuzz_penalty).max(0.05);
                    acc.add(CandKey::Group(code), code, s, MatchKind::Lexicon, e.text);
                    if let Some(Some(o)) = e.occ.get(i) {
                        let h = acc.hints.entry(code).or_insert((f32::MIN, *o));
                        if s > h.0 {
                            *h = (s, *o);
                        }
                    }
                    if factor >= 1.0 && content.len() > 1 {
                        let j = joint
                            .entry(code)
                            .or_insert((0, [0.0; MAX_TOKENS], Vec::new()));
                        if !j.2.contains(&e.text) {
                            j.2.push(e.text);
                        }
                        for ti in 0..tokens.len().min(MAX_TOKENS) {
                            if used_mask & (1u32 << ti) != 0 {
                                j.0 |= 1u32 << ti;
                                j.1[ti] = j.1[ti].max(quality * w);
                            }
                        }
                    }
                }
            }
        }
        for (code, (mask, best, terms)) in joint {
            if mask.count_ones() < 2 {
                continue;
            }
            let sum: f32 = best.iter().sum();
            let s = 0.84 * sum / content.len().max(1) as f32 + 0.03 - fuzz_penalty;
            let matched = terms.join(" + ");
            acc.add(
                CandKey::Group(code),
                code,
                s.max(0.05),
                MatchKind::Lexicon,
                &matched,
            );
        }

        // Word overlap with labels: the weakest but broadest evidence.
        if !exact_hit {
            // Unknown compounds are scored through their parts ("budchauffør" -> bud + chauffør).
            let mut parts: Vec<Token> = Vec::new();
            for t in &content {
                match (self.vocab_set.contains(&t.norm), self.split_known(&t.norm)) {
                    (false, Some((a, b))) => {
                        parts.push(Token::new(a));
                        parts.push(Token::new(b));
                    }
                    _ => parts.push((*t).clone()),
                }
            }
            let part_refs: Vec<&Token> = parts.iter().collect();
            self.word_overlap(&mut acc, &part_refs, fuzz_penalty);
        }

        let words: Vec<&str> = tokens.iter().map(|t| t.norm.as_str()).collect();
        self.add_trigram_candidates(&mut acc, &words, TRIGRAM_MIN, fuzz_penalty);
        if acc.cands.is_empty() {
            // Nothing resembles the text closely: the nearest labels still beat an empty answer.
            self.add_trigram_candidates(&mut acc, &words, 0.0, fuzz_penalty);
        }
        self.rank(acc, limit)
    }

    /// Joins a compound written as two words ("lager fyr", "hjemme hjælper") when
    /// the joined form is a known word or a known modifier before a generic head,
    /// so every stage sees the word as one.
    fn merge_split_compounds(&self, tokens: Vec<Token>) -> Vec<Token> {
        let mut out: Vec<Token> = Vec::with_capacity(tokens.len());
        let mut it = tokens.into_iter().peekable();
        while let Some(t) = it.next() {
            if !t.stop
                && let Some(next) = it.peek()
                && !next.stop
                && !is_head(&t.norm)
            {
                let joined = format!("{}{}", t.norm, next.norm);
                let known = self.vocab_set.contains(&joined)
                    || (is_head(&next.norm)
                        && modifier_variants(&t.norm)
                            .iter()
                            .any(|v| self.vocab_set.contains(v)));
                if known {
                    it.next();
                    out.push(Token::new(joined));
                    continue;
                }
            }
            out.push(t);
        }
        out
    }

    /// A word not in the vocabulary but built from known parts is a new
    /// compound, not a typo: "correcting" it would change its meaning.
    fn known_compound(&self, word: &str) -> bool {
        if split_head(word).is_some_and(|(m, _)| {
            modifier_variants(&m)
                .iter()
                .any(|v| self.vocab_set.contains(v))
        }) {
            return true;
        }
        self.split_known(word).is_some()
    }

    /// Splits a compound into two vocabulary words (allowing a linking s/e),
    /// preferring the longest head.
    fn split_known(&self, word: &str) -> Option<(String, String)> {
        let idx: Vec<usize> = word.char_indices().map(|(i, _)| i).collect();
        for &i in idx.iter().skip(3) {
            let (a, b) = word.split_at(i);
            if b.chars().count() < 4 || !self.vocab_set.contains(b) {
                continue;
            }
            // The modifier comes back in its known form ("kokke" -> "kok").
            if let Some(v) = modifier_variants(a)
                .into_iter()
                .find(|v| self.vocab_set.contains(v))
            {
                return Some((v, b.to_string()));
            }
        }
        None
    }

    fn word_overlap(&self, acc: &mut Acc, content: &[&Token], fuzz_penalty: f32) {
        let mut qweights = Vec::new();
        let mut hits: HashMap<u32, f32> = HashMap::default();
        let mut label_hits: HashMap<u32, u32> = HashMap::default();
        for t in content {
            let w =
                if is_head(&t.norm) { 0.3 } else { 1.0 } * if t.place { PLACE_FACTOR } else { 1.0 };
            qweights.push(w);
            let n = t.stem.chars().count();
            if n < 3 {
                continue;
            }
            let mut matched_labels: HashSet<u32> = HashSet::default();
            let qchars: Vec<char> = t.stem.chars().collect();
            let rarest = qchars
                .windows(3)
                .map(|w| {
                    self.trigrams
                        .get(&[w[0], w[1], w[2]])
                        .map_or(&[][..], |v| v.as_slice())
                })
                .min_by_key(|v| v.len())
                .unwrap_or(&[]);
            for (st, ids) in rarest
                .iter()
                .filter_map(|&i| self.stem_vocab.get(i as usize))
            {
                let ok = st == &t.stem
                    || (n >= 4 && st.contains(t.stem.as_str()))
                    || (n == 3 && st.starts_with(t.stem.as_str()));
                if ok {
                    // Whole-word hits count more than a part of a compound.
                    let quality = if st == &t.stem { 1.0 } else { 0.8 };
                    for &li in ids {
                        if matched_labels.insert(li) {
                            *hits.entry(li).or_insert(0.0) += w * quality;
                            *label_hits.entry(li).or_insert(0) += 1;
                        }
                    }
                }
            }
        }
        let total: f32 = qweights.iter().sum();
        if total <= 0.0 {
            return;
        }
        for (li, h) in hits {
            let Some(l) = self.labels.get(li as usize) else {
                continue;
            };
            let Some(o) = self.occupations.get(l.occ as usize) else {
                continue;
            };
            let lcount = l.stems.len().max(1) as f32;
            let lcov = (label_hits.get(&li).copied().unwrap_or(0) as f32 / lcount).min(1.0);
            let qcov = (h / total).min(1.0);
            let pref = if l.preferred { 0.02 } else { 0.0 };
            let s = 0.68 * qcov * (0.55 + 0.45 * lcov) + pref - fuzz_penalty;
            if s > 0.1 {
                acc.add(
                    CandKey::Occ(self.canon_of(l.occ)),
                    o.isco,
                    s,
                    MatchKind::Words,
                    l.text,
                );
            }
        }
    }

    fn rank(&self, acc: Acc, limit: usize) -> Vec<OccupationMatch> {
        // Evidence comes in two independent families: ESCO labels and the
        // hand-written lexicon. Agreement between families is what counts.
        let mut label_support: HashMap<&'static str, f32> = HashMap::default();
        let mut lex_support: HashMap<&'static str, f32> = HashMap::default();
        for ((isco, stage), s) in &acc.support {
            let map = if *stage == MatchKind::Lexicon as u8 {
                &mut lex_support
            } else {
                &mut label_support
            };
            let e = map.entry(isco).or_insert(0.0);
            *e = e.max(*s);
        }
        // Group-only lexicon evidence folds into the best occupation of the same
        // group, so results stay diverse across groups.
        // The target is the occupation the text itself named (a label, compound or
        // corrected label), else the one a lexicon term named, else the group's
        // canonical occupation, else the best word-overlap occupation.
        let mut best_occ_in_group: HashMap<&'static str, (CandKey, f32)> = HashMap::default();
        let mut named_in_group: HashMap<&'static str, (CandKey, f32)> = HashMap::default();
        for (k, c) in &acc.cands {
            if let CandKey::Occ(o) = k
                && let Some(occ) = self.occupations.get(*o as usize)
            {
                let e = best_occ_in_group.entry(occ.isco).or_insert((*k, f32::MIN));
                if !c.similar && c.score > e.1 {
                    *e = (*k, c.score);
                }
                if !c.similar
                    && matches!(
                        c.kind,
                        MatchKind::ExactLabel | MatchKind::Compound | MatchKind::Fuzzy
                    )
                {
                    let e = named_in_group.entry(occ.isco).or_insert((*k, f32::MIN));
                    if c.score > e.1 {
                        *e = (*k, c.score);
                    }
                }
            }
        }
        let canonical = |isco: &'static str| -> Option<CandKey> {
            if let Some((k, _)) = named_in_group.get(isco) {
                return Some(*k);
            }
            acc.hints
                .get(isco)
                .map(|(_, o)| *o)
                .or_else(|| self.defaults.get(isco).copied())
                .map(CandKey::Occ)
        };
        let lex_groups: HashSet<&'static str> = acc
            .cands
            .keys()
            .filter_map(|k| match k {
                CandKey::Group(g) => Some(*g),
                _ => None,
            })
            .collect();
        let mut out: Vec<(OccupationMatch, Option<u32>)> = Vec::new();
        let mut group_scores: HashMap<CandKey, (f32, MatchKind, String, bool)> = HashMap::default();
        let mut put =
            |target: CandKey, score: f32, kind: MatchKind, matched: &str, similar: bool| {
                let e =
                    group_scores
                        .entry(target)
                        .or_insert((f32::MIN, kind, String::new(), similar));
                if score > e.0 {
                    *e = (score, kind, matched.to_string(), similar);
                }
            };
        if acc.manager {
            // "leder, lager": the field word's group stands for the group of those who lead that
            // field; the occupation is the one the title spells most alike, else the group's default.
            for (k, c) in &acc.cands {
                let CandKey::Group(field) = k else { continue };
                let Some(&(group, default)) = self.field_managers.get(field) else {
                    continue;
                };
                let target = acc
                    .cands
                    .iter()
                    .filter_map(|(k, c)| match k {
                        CandKey::Occ(o)
                            if (!c.similar || c.score >= SPELLED_ALIKE)
                                && c.kind != MatchKind::Words
                                && self.occupations.get(*o as usize).map(|o| o.isco)
                                    == Some(group) =>
                        {
                            Some((*o, c.score))
                        }
                        _ => None,
                    })
                    .max_by(|a, b| a.1.total_cmp(&b.1).then_with(|| b.0.cmp(&a.0)))
                    .map_or(default, |(o, _)| o);
                put(
                    CandKey::Occ(target),
                    c.score,
                    MatchKind::Lexicon,
                    &c.matched,
                    false,
                );
            }
        }
        for (k, c) in acc.cands {
            let target = match k {
                CandKey::Group(isco) => canonical(isco)
                    .or_else(|| best_occ_in_group.get(isco).map(|(ok, _)| *ok))
                    .unwrap_or(k),
                // Word overlap alone does not name an occupation: in a group the
                // lexicon points to, it stands for the group's canonical one.
                CandKey::Occ(o) if c.kind == MatchKind::Words => {
                    let isco = self.occupations.get(o as usize).map(|o| o.isco);
                    match isco {
                        Some(g) if lex_groups.contains(g) => canonical(g).unwrap_or(k),
                        _ => k,
                    }
                }
                _ => k,
            };
            put(target, c.score, c.kind, &c.matched, c.similar);
        }
        let mut best_evidence = 0.0f32;
        let mut spelled: Vec<bool> = Vec::with_capacity(group_scores.len());
        for (k, (score, kind, matched, similar)) in group_scores {
            let isco = match k {
                CandKey::Occ(o) => self.occupations.get(o as usize).map(|o| o.isco),
                CandKey::Group(g) => Some(g),
            };
            let Some(isco) = isco else { continue };
            let other = if kind == MatchKind::Lexicon {
                &label_support
            } else {
                &lex_support
            };
            let agree = other.get(isco).copied().unwrap_or(0.0);
            let entry_level = isco.as_bytes().first().is_some_and(|b| *b >= b'4');
            // A managerial or professional title reads its field words as the field, not as the
            // entry-level job of that field, and expects a managerial or professional occupation.
            let (score, prior) = if acc.senior {
                let damp = if kind == MatchKind::Lexicon && entry_level {
                    0.8
                } else {
                    1.0
                };
                (score * damp, senior_prior(isco, acc.manager))
            } else {
                (score, major_group_prior(isco))
            };
            // Raw evidence is scaled below 1.0 so agreement and the prior can still
            // separate candidates that share an exact label.
            let s = (0.8 * score + 0.15 * agree + 0.04 * prior).clamp(0.0, 0.99);
            if !similar {
                best_evidence = best_evidence.max(s);
            }
            let m = match k {
                CandKey::Occ(o) => self.occ_match(o, s, &matched, kind).map(|m| (m, Some(o))),
                CandKey::Group(g) => self.group_match(g, s, &matched, kind).map(|m| (m, None)),
            };
            if let Some(m) = m {
                out.push(m);
                spelled.push(similar);
            }
        }
        // Similar spellings fill the list below real evidence: they are not a second reading of
        // a text something else has read.
        if best_evidence > 0.0 {
            for ((m, _), _) in out.iter_mut().zip(&spelled).filter(|(_, s)| **s) {
                m.score = m.score.min(best_evidence * ALTERNATIVE_SHARE);
            }
        }
        out.sort_by(|a, b| {
            b.0.score
                .total_cmp(&a.0.score)
                .then_with(|| a.0.isco_code.cmp(&b.0.isco_code))
                .then_with(|| a.0.label.cmp(&b.0.label))
        });
        out.truncate(limit);
        // Only answers that will be shown bring their near-duplicates along.
        let mut alternatives = Vec::new();
        let first = out.first().map_or(0.0, |(m, _)| m.score);
        for (m, occ) in &out {
            if let Some(o) = occ
                && matches!(m.kind, MatchKind::ExactLabel | MatchKind::Compound)
            {
                for alt in self.alternatives(*o, &m.matched) {
                    alternatives.extend(self.occ_match(
                        alt,
                        (m.score - 0.001).min(first * ALTERNATIVE_SHARE),
                        &m.matched,
                        m.kind,
                    ));
                }
            }
        }
        let mut out: Vec<OccupationMatch> = out.into_iter().map(|(m, _)| m).collect();
        out.extend(alternatives);
        sort_matches(&mut out);
        let mut seen: HashSet<String> = HashSet::default();
        out.retain(|m| {
            seen.insert(if m.esco_uri.is_empty() {
                m.isco_code.clone()
            } else {
                m.esco_uri.clone()
            })
        });
        out.truncate(limit);
        out
    }

    /// ISCO unit groups that a personal competence ("god med børn", "fysisk stærk")
    /// points to, with weights in 0..=1, strongest first.
    pub fn competence_hints(&self, competence: &str) -> Vec<(String, f32)> {
        let capped: String = competence.chars().take(MAX_INPUT_CHARS).collect();
        let mut tokens = tokenize(&capped);
        tokens.truncate(MAX_TOKENS);
        let mut best: HashMap<&'static str, f32> = HashMap::default();
        let mut put = |code: &'static str, w: f32| {
            let e = best.entry(code).or_insert(0.0);
            if w > *e {
                *e = w;
            }
        };
        let mut any_competence = false;
        for e in &self.competences {
            if Self::lex_matches(e, &tokens).is_some() {
                any_competence = true;
                for (code, w) in &e.codes {
                    put(code, *w);
                }
            }
        }
        // Work vocabulary ("opvask", "truck") also hints, but less than a curated competence.
        let factor = if any_competence { 0.5 } else { 0.7 };
        for e in &self.lexicon {
            if Self::lex_matches(e, &tokens).is_some_and(|(q, _, _)| q >= 1.0) {
                for (code, w) in &e.codes {
                    put(code, w * factor);
                }
            }
        }
        let mut out: Vec<(String, f32)> =
            best.into_iter().map(|(c, w)| (c.to_string(), w)).collect();
        out.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn top(text: &str) -> String {
        Taxonomy::embedded()
            .normalize(text, 3)
            .first()
            .map(|m| m.isco_code.clone())
            .unwrap_or_default()
    }

    #[test]
    fn exact_and_split_compounds_agree() {
        assert_eq!(top("lagermedarbejder"), "9333");
        assert_eq!(top("lager medarbejder"), "9333");
        assert_eq!(top("Lager-medarbejder"), "9333");
    }

    #[test]
    fn codes_resolve() {
        let t = Taxonomy::embedded();
        assert_eq!(
            t.resolve_code("9412").map(|m| m.isco_code),
            Some("9412".to_string())
        );
        assert_eq!(
            t.resolve_code("941210").map(|m| m.isco_code),
            Some("9412".to_string())
        );
        assert!(t.resolve_code("12").is_none());
        assert!(t.resolve_code("abcd").is_none());
        assert!(t.isco_title("93").is_some());
    }

    #[test]
    fn field_managers_resolve() {
        // A table row whose group or occupation label is not in the data would be dropped silently.
        assert_eq!(
            Taxonomy::embedded().field_managers.len(),
            FIELD_MANAGERS.len()
        );
    }

    #[test]
    fn lexicon_codes_are_valid() {
        let t = Taxonomy::embedded();
        for e in t.lexicon.iter().chain(t.competences.iter()) {
            for (c, _) in &e.codes {
                assert!(t.isco_title(c).is_some(), "{c}");
            }
        }
        assert!(t.lexicon.len() > 250);
    }
}
