//! Official job titles: a character-trigram candidate generator over every ESCO label, the heads that
//! mark a managerial or professional title, the management groups of ISCO-08 that head each field, a
//! small English-to-Danish title vocabulary, and the prefix index behind typeahead.

use rustc_hash::FxHashMap as HashMap;

/// Heads of managerial and professional titles. A title ending in one of them names the person who
/// leads or advises in a field, not the entry-level job of that field ("lagerchef" is not "lagerarbejder").
const SENIOR_HEADS: &[&str] = &[
    "chef",
    "leder",
    "direktør",
    "direktor",
    "manager",
    "bestyrer",
    "forstander",
    "inspektør",
    "ansvarlig",
    "koordinator",
    "konsulent",
    "rådgiver",
    "ingeniør",
    "analytiker",
    "arkitekt",
    "udvikler",
    "controller",
    "officer",
    "director",
    "mester",
    "formand",
];

/// The managerial subset of `SENIOR_HEADS`: these lead a field, the others practise a profession.
const MANAGER_HEADS: &[&str] = &[
    "chef",
    "leder",
    "direktør",
    "direktor",
    "manager",
    "bestyrer",
    "forstander",
    "ansvarlig",
    "director",
    "formand",
];

fn ends_in(word: &str, heads: &[&str]) -> bool {
    heads
        .iter()
        .any(|h| word == *h || (word.len() > h.len() + 2 && word.ends_with(h)))
}

/// A word that is itself a senior head or a compound ending in one.
pub(crate) fn is_senior_word(word: &str) -> bool {
    ends_in(word, SENIOR_HEADS)
}

pub(crate) fn is_manager_word(word: &str) -> bool {
    ends_in(word, MANAGER_HEADS)
}

/// ISCO-08 files the people who lead a field in a management (or supervisor) unit group of its own.
/// When a managerial title names its field with an everyday word ("leder, lager"), the field word's
/// unit group stands for this one. (field unit group, management unit group, ESCO preferred label of
/// the occupation the management group means when nothing more specific is named.)
pub(crate) const FIELD_MANAGERS: &[(&str, &str, &str)] = &[
    ("5321", "1343", "plejehjemsleder"),
    ("5322", "1343", "plejehjemsleder"),
    ("3412", "1344", "socialchef"),
    ("5311", "1341", "dagtilbudsleder"),
    ("2342", "1341", "dagtilbudsleder"),
    ("5312", "1345", "grundskoleleder"),
    ("2341", "1345", "grundskoleleder"),
    ("9333", "1324", "lagerchef"),
    ("4321", "1324", "lagerchef"),
    ("8322", "1324", "distributionschef"),
    ("8332", "1324", "distributionschef"),
    ("5223", "1420", "butikschef"),
    ("5230", "1420", "butikschef"),
    ("9334", "1420", "butikschef"),
    ("5120", "3434", "køkkenchef"),
    ("9412", "3434", "køkkenchef"),
    ("5131", "1412", "restaurantleder"),
    ("5132", "1412", "restaurantleder"),
    ("9111", "5151", "chef for rengøringspersonale og stuepiger"),
    ("9112", "5151", "chef for rengøringspersonale og stuepiger"),
    ("4222", "1349", "kundeservicechef"),
    ("5244", "3341", "ansvarlig for kontaktcenter"),
    ("4110", "3341", "kontorfuldmægtig"),
    ("9321", "1321", "produktionschef"),
    ("9329", "1321", "produktionschef"),
    ("8160", "1321", "produktionschef"),
    ("9313", "3123", "arbejdsleder inden for bygge og anlæg"),
    ("7112", "3123", "arbejdsleder inden for murerarbejder"),
    ("7115", "3123", "arbejdsleder inden for tømrerarbejder"),
    ("5414", "5414", "chef for sikkerhedspersonale"),
];

/// English workplace title words and the Danish form they take inside a Danish compound title, so that
/// "warehouse manager" reads as "lagerchef". Only words common in Danish job adverts are listed.
pub(crate) const ENGLISH_WORDS: &[(&str, &str)] = &[
    ("manager", "chef"),
    ("director", "direktør"),
    ("head", "chef"),
    ("chief", "chef"),
    ("lead", "leder"),
    ("leader", "leder"),
    ("supervisor", "leder"),
    ("assistant", "assistent"),
    ("consultant", "konsulent"),
    ("advisor", "rådgiver"),
    ("adviser", "rådgiver"),
    ("coordinator", "koordinator"),
    ("developer", "udvikler"),
    ("engineer", "ingeniør"),
    ("designer", "designer"),
    ("analyst", "analytiker"),
    ("officer", "medarbejder"),
    ("specialist", "specialist"),
    ("technician", "tekniker"),
    ("operator", "operatør"),
    ("planner", "planlægger"),
    ("agent", "agent"),
    ("clerk", "assistent"),
    ("accountant", "bogholder"),
    ("bookkeeper", "bogholder"),
    ("auditor", "revisor"),
    ("lawyer", "advokat"),
    ("nurse", "sygeplejerske"),
    ("teacher", "lærer"),
    ("buyer", "indkøber"),
    ("cook", "kok"),
    ("driver", "chauffør"),
    ("cleaner", "rengøringsassistent"),
    ("receptionist", "receptionist"),
    ("warehouse", "lager"),
    ("sales", "salgs"),
    ("purchasing", "indkøbs"),
    ("procurement", "indkøbs"),
    ("operations", "drifts"),
    ("production", "produktions"),
    ("plant", "fabriks"),
    ("factory", "fabriks"),
    ("office", "kontor"),
    ("store", "butiks"),
    ("shop", "butiks"),
    ("kitchen", "køkken"),
    ("restaurant", "restaurant"),
    ("hotel", "hotel"),
    ("customer", "kunde"),
    ("service", "service"),
    ("quality", "kvalitets"),
    ("finance", "økonomi"),
    ("financial", "økonomi"),
    ("hr", "hr"),
    ("it", "it"),
    ("project", "projekt"),
    ("product", "produkt"),
    ("marketing", "marketing"),
    ("process", "proces"),
    ("maintenance", "vedligeholdelses"),
    ("mechanical", "maskin"),
    ("electrical", "el"),
    ("physiotherapist", "fysioterapeut"),
    ("pharmacist", "farmaceut"),
    ("psychologist", "psykolog"),
    ("communications", "kommunikations"),
    ("communication", "kommunikations"),
    ("event", "event"),
    ("risk", "risiko"),
    ("security", "sikkerheds"),
    ("safety", "sikkerheds"),
    ("logistics", "logistik"),
    ("transport", "transport"),
    ("research", "forsknings"),
    ("development", "udviklings"),
    ("software", "software"),
    ("web", "web"),
    ("data", "data"),
    ("network", "netværks"),
    ("test", "test"),
    ("export", "eksport"),
    ("import", "import"),
    ("payroll", "løn"),
    ("construction", "bygge"),
    ("site", "bygge"),
    ("account", "kunde"),
    ("graphic", "grafisk"),
    ("social", "social"),
];

/// Reads an English title as the Danish compound it stands for, modifiers joined in front of the head
/// ("warehouse manager" -> "lagerchef", "sales assistant" -> "salgsassistent"). None unless every
/// word is known.
pub(crate) fn english_compound(words: &[&str]) -> Option<String> {
    // "head of sales" puts the head first; Danish compounds put it last ("salgschef").
    let mut order: Vec<&str> = words.to_vec();
    if order.len() > 1 && ["head", "director", "chief", "manager"].contains(&order[0]) {
        order.rotate_left(1);
    }
    let mut out = String::new();
    for w in &order {
        let (_, d) = ENGLISH_WORDS.iter().find(|(e, _)| e == w)?;
        out.push_str(d);
    }
    // A single English word that Danish also uses ("controller", "designer") is read as it stands.
    (words.len() > 1 || words.first() != Some(&out.as_str())).then_some(out)
}

/// Managerial heads that Danish titles use interchangeably ("salgsleder" is a "salgschef"): the
/// same title with the other head, for a word ending in one of them.
pub(crate) fn swap_manager_head(word: &str) -> Vec<String> {
    const SWAPS: &[(&str, &[&str])] = &[
        ("leder", &["chef", "direktør"]),
        ("chef", &["leder"]),
        ("manager", &["chef"]),
        ("direktør", &["chef"]),
    ];
    for (head, others) in SWAPS {
        if let Some(stem) = word.strip_suffix(head)
            && stem.chars().count() >= 2
        {
            return others.iter().map(|o| format!("{stem}{o}")).collect();
        }
    }
    Vec::new()
}

/// Heads that name the same managerial role in Danish titles, for a title whose head is one of
/// them on its own ("leder, turistbureau" is also "chef for turistbureau", "bestyrer af ...").
pub(crate) fn manager_synonyms(head: &str) -> Vec<String> {
    const SYNONYMS: &[(&str, &[&str])] = &[
        ("leder", &["chef", "bestyrer", "direktør"]),
        ("chef", &["leder", "bestyrer", "direktør"]),
        ("bestyrer", &["leder", "chef"]),
        ("direktør", &["chef", "leder"]),
    ];
    SYNONYMS
        .iter()
        .find(|(h, _)| *h == head)
        .map(|(_, others)| others.iter().map(|o| o.to_string()).collect())
        .unwrap_or_default()
}

/// The managerial head a compound title ends in ("afdelingsleder" -> "leder").
pub(crate) fn manager_head_of(word: &str) -> Option<&'static str> {
    MANAGER_HEADS
        .iter()
        .find(|h| word.len() > h.len() + 2 && word.ends_with(*h))
        .copied()
}

/// The compounds a modifier and a head can form: joined as they are, with a linking -s- or -e-,
/// or with a doubled final consonant and -e- ("skat" + "rådgiver" is "skatterådgiver").
pub(crate) fn linked_compounds(modifier: &str, head: &str) -> Vec<String> {
    let mut out = vec![format!("{modifier}{head}")];
    if !modifier.ends_with('s') {
        out.push(format!("{modifier}s{head}"));
    }
    if !modifier.ends_with('e') {
        out.push(format!("{modifier}e{head}"));
        if let Some(last) = modifier.chars().last()
            && !"aeiouyæøå".contains(last)
        {
            out.push(format!("{modifier}{last}e{head}"));
        }
    }
    out
}

/// Packs three characters into one key.
fn gram_key(a: char, b: char, c: char) -> u64 {
    (u64::from(a as u32) << 42) | (u64::from(b as u32) << 21) | u64::from(c as u32)
}

/// Distinct character trigrams of a word sequence, with a space on each side of every word so that
/// word starts and ends count ("lager" and "lagerchef" share " la", "lag", "age", "ger").
pub(crate) fn trigrams(words: &[&str], out: &mut Vec<u64>) {
    out.clear();
    let mut chars: Vec<char> = vec![' '];
    for w in words {
        chars.extend(w.chars());
        chars.push(' ');
    }
    for w in chars.windows(3) {
        out.push(gram_key(w[0], w[1], w[2]));
    }
    out.sort_unstable();
    out.dedup();
}

/// Inverted index from character trigrams to labels.
pub(crate) struct GramIndex {
    postings: HashMap<u64, Vec<u32>>,
    /// Number of distinct trigrams of each label.
    sizes: Vec<u16>,
}

impl GramIndex {
    pub fn build<'a>(labels: impl Iterator<Item = Vec<&'a str>>) -> GramIndex {
        let mut postings: HashMap<u64, Vec<u32>> = HashMap::default();
        let mut sizes = Vec::new();
        let mut grams = Vec::new();
        for (i, words) in labels.enumerate() {
            trigrams(&words, &mut grams);
            sizes.push(grams.len().min(u16::MAX as usize) as u16);
            for g in &grams {
                postings.entry(*g).or_default().push(i as u32);
            }
        }
        GramIndex { postings, sizes }
    }

    /// Labels by Dice similarity of their trigram sets to the query's, best first, at least `min`.
    pub fn search(&self, words: &[&str], min: f32, limit: usize) -> Vec<(u32, f32)> {
        let mut grams = Vec::new();
        trigrams(words, &mut grams);
        if grams.is_empty() {
            return Vec::new();
        }
        // A dense counter: common trigrams ("er ", "ing") reach thousands of labels, where hashing
        // each hit would cost more than clearing one small array.
        let mut counts = vec![0u16; self.sizes.len()];
        let mut touched: Vec<u32> = Vec::new();
        for g in &grams {
            for &id in self.postings.get(g).map_or(&[][..], |v| v.as_slice()) {
                if let Some(c) = counts.get_mut(id as usize) {
                    if *c == 0 {
                        touched.push(id);
                    }
                    *c = c.saturating_add(1);
                }
            }
        }
        let q = grams.len() as f32;
        let mut out: Vec<(u32, f32)> = touched
            .into_iter()
            .filter_map(|id| {
                let l = f32::from(*self.sizes.get(id as usize)?);
                let c = f32::from(counts[id as usize]);
                let dice = 2.0 * c / (q + l);
                (dice >= min).then_some((id, dice))
            })
            .collect();
        out.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        out.truncate(limit);
        out
    }
}

/// Sorted word-start suffixes of every label, for typeahead: "chef for rengøringspersonale" is found by
/// a prefix of "chef" and of "rengøringspersonale", not by one of "personale".
pub(crate) struct PrefixIndex {
    /// (text from a word start to the end of the label, label id, whether it is the label's start).
    entries: Vec<(String, u32, bool)>,
}

impl PrefixIndex {
    pub fn build<'a>(labels: impl Iterator<Item = Vec<&'a str>>) -> PrefixIndex {
        let mut entries = Vec::new();
        for (i, words) in labels.enumerate() {
            for start in 0..words.len() {
                entries.push((words[start..].join(" "), i as u32, start == 0));
            }
        }
        entries.sort();
        PrefixIndex { entries }
    }

    /// Labels with a word starting with `prefix`, as (label id, whether the label itself starts with it).
    pub fn find(&self, prefix: &str, max: usize) -> Vec<(u32, bool)> {
        let start = self.entries.partition_point(|e| e.0.as_str() < prefix);
        self.entries[start..]
            .iter()
            .take_while(|e| e.0.starts_with(prefix))
            .take(max)
            .map(|e| (e.1, e.2))
            .collect()
    }
}
