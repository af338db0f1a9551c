//! Danish text folding, light stemming and compound heads.

/// Words that carry no occupation meaning in a goal ("noget med børn",
/// "arbejde på et lager"). Heads such as "mand" are not stop words: they
/// are handled by compound splitting.
const STOP_WORDS: &[&str] = &[
    "af",
    "alt",
    "andet",
    "at",
    "arbejde",
    "arbejder",
    "arbejdet",
    "den",
    "der",
    "det",
    "de",
    "eller",
    "en",
    "et",
    "evt",
    "for",
    "fra",
    "fx",
    "gerne",
    "godt",
    "hos",
    "i",
    "indenfor",
    "inden",
    "jeg",
    "job",
    "kan",
    "kunne",
    "lidt",
    "med",
    "mere",
    "min",
    "mit",
    "måske",
    "nogen",
    "noget",
    "nogle",
    "og",
    "om",
    "område",
    "området",
    "omkring",
    "op",
    "på",
    "som",
    "stilling",
    "til",
    "ting",
    "under",
    "ud",
    "ved",
    "vil",
    "være",
    "helst",
    "branchen",
    "eks",
    "f",
    "sådan",
    "også",
    "bare",
    "type",
    "typen",
    "slags",
    "ufaglært",
    "faglært",
    "hjælpe",
    "mennesker",
    "ønsker",
    "søger",
    "drømmer",
    "arbejdsplads",
    "sted",
    "fuldtid",
    "deltid",
    "timer",
    "fast",
    "hvor",
    "man",
    "sig",
    "selv",
    "ny",
    "nyt",
    "nye",
    "mest",
    "helt",
    "gå",
    "stå",
    // English filler in loanword goals ("warehouse worker", "job as a cleaner").
    "worker",
    "work",
    "working",
    "the",
    "a",
    "as",
    "in",
    "of",
    "and",
];

/// Prepositions that introduce the place of work: in "kok på et hotel" the job is
/// the word before, the place only qualifies it.
const PLACE_PREPOSITIONS: &[&str] = &["på", "i", "hos", "ved"];

/// Definite and plural endings a whole-word lexicon term may take ("mark" ->
/// "marken", "dyr" -> "dyrene", "bus" -> "bussen").
const DEFINITE_ENDINGS: &[&str] = &["en", "et", "ene", "erne", "n", "t"];

/// Generic compound heads: the modifier in front of them names the job
/// ("lager" in "lagermand"), so they can be swapped for each other.
const HEADS: &[&str] = &[
    "medarbejdere",
    "medarbejder",
    "medhjælpere",
    "medhjælper",
    "assistenter",
    "assistent",
    "funktionær",
    "personale",
    "arbejdere",
    "arbejder",
    "arbejde",
    "hjælpere",
    "hjælper",
    "tekniker",
    "ansatte",
    "ansat",
    "hjælp",
    "manden",
    "mand",
    "mænd",
    "damer",
    "dame",
    "kone",
    "piger",
    "pige",
    "dreng",
    "fører",
    "kører",
    "folk",
    "jobbet",
    "job",
    "fyr",
];

const SUFFIXES: &[&str] = &[
    "erne", "ende", "ning", "ene", "ere", "ers", "ing", "er", "en", "et", "es", "e",
];

#[derive(Debug, Clone)]
pub(crate) struct Token {
    pub norm: String,
    pub stem: String,
    pub stop: bool,
    /// Modifier variants when the word ends in a generic head ("lager" for "lagermand").
    pub mods: Vec<String>,
    /// The word names the place of work after a preposition ("hotel" in "kok på
    /// et hotel"), set by `mark_places`.
    pub place: bool,
}

impl Token {
    pub fn new(norm: String) -> Token {
        let stop = STOP_WORDS.contains(&norm.as_str());
        let stem = stem(&norm);
        let mods = split_head(&norm)
            .map(|(m, _)| modifier_variants(&m))
            .unwrap_or_default();
        Token {
            norm,
            stem,
            stop,
            mods,
            place: false,
        }
    }
}

fn fold_char(c: char) -> Option<char> {
    let c = match c {
        'é' | 'è' | 'ê' | 'ë' => 'e',
        'á' | 'à' | 'â' => 'a',
        'ó' | 'ò' | 'ô' => 'o',
        'í' | 'ì' | 'î' | 'ï' => 'i',
        'ú' | 'ù' | 'û' | 'ü' => 'u',
        'ö' => 'ø',
        'ä' => 'æ',
        c => c,
    };
    c.is_alphanumeric().then_some(c)
}

/// Lowercases, folds accents (keeping æ/ø/å) and splits on everything that is
/// not a letter or digit, so hyphens and punctuation separate words.
pub(crate) fn tokenize(text: &str) -> Vec<Token> {
    let mut out = Vec::new();
    let mut cur = String::new();
    for c in text.chars().flat_map(char::to_lowercase) {
        match fold_char(c) {
            Some(c) => cur.push(c),
            None => {
                if !cur.is_empty() {
                    out.push(Token::new(std::mem::take(&mut cur)));
                }
            }
        }
    }
    if !cur.is_empty() {
        out.push(Token::new(cur));
    }
    out
}

/// Light Danish stemming: one inflectional/derivational suffix, then an
/// undoubled final consonant, so "pakke"/"pakning"/"pakker" share "pak".
pub(crate) fn stem(word: &str) -> String {
    let n = word.chars().count();
    let mut s = word;
    for suf in SUFFIXES {
        if let Some(rest) = word.strip_suffix(suf)
            && rest.chars().count() >= 3
            && n > suf.chars().count()
        {
            s = rest;
            break;
        }
    }
    let chars: Vec<char> = s.chars().collect();
    let len = chars.len();
    if len >= 4 && chars[len - 1] == chars[len - 2] && !"aeiouyæøå".contains(chars[len - 1]) {
        return chars[..len - 1].iter().collect();
    }
    s.to_string()
}

/// Marks content words that follow a place preposition when some content word
/// precedes it: "vagt i butik" is a guard, "arbejde i butik" a shop job.
pub(crate) fn mark_places(tokens: &mut [Token]) {
    let mut seen_content = false;
    let mut in_place = false;
    for t in tokens.iter_mut() {
        if t.stop {
            if seen_content && PLACE_PREPOSITIONS.contains(&t.norm.as_str()) {
                in_place = true;
            }
            continue;
        }
        t.place = in_place;
        seen_content = true;
    }
}

/// Whether `word` is `base` with a definite or plural ending, allowing the
/// doubled final consonant of short words ("bussen").
pub(crate) fn is_inflection_of(word: &str, base: &str) -> bool {
    let Some(rest) = word.strip_prefix(base) else {
        return false;
    };
    if DEFINITE_ENDINGS.contains(&rest) {
        // "-n"/"-t" only after a final -e ("kassen", "køkkenet" is "-et").
        return rest.len() > 1 || base.ends_with('e');
    }
    // After a doubled final consonant the plural -e/-er is safe too ("hække").
    let mut chars = rest.chars();
    match (base.chars().last(), chars.next()) {
        (Some(l), Some(c)) if l == c && !"aeiouyæøå".contains(l) => {
            matches!(chars.as_str(), "e" | "er" | "en" | "et" | "ene" | "erne")
        }
        _ => false,
    }
}

pub(crate) fn is_head(word: &str) -> bool {
    HEADS.contains(&word)
}

/// Splits a compound into (modifier, head) when it ends in a generic head and
/// the modifier has at least three letters.
pub(crate) fn split_head(word: &str) -> Option<(String, &'static str)> {
    for head in HEADS {
        if let Some(m) = word.strip_suffix(head)
            && m.chars().count() >= 3
        {
            return Some((m.to_string(), head));
        }
    }
    None
}

/// Replaces ASCII transliterations (aa, ae, oe) with å, æ, ø.
pub(crate) fn fold_digraphs(word: &str) -> String {
    word.replace("aa", "å")
        .replace("ae", "æ")
        .replace("oe", "ø")
}

/// Optimal string alignment distance (Damerau-Levenshtein without repeated
/// edits of a substring); returns `max + 1` as soon as it must exceed `max`.
pub(crate) fn osa_distance(a: &str, b: &str, max: usize) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    if a.len().abs_diff(b.len()) > max {
        return max + 1;
    }
    let w = b.len() + 1;
    let mut prev2 = vec![0usize; w];
    let mut prev: Vec<usize> = (0..w).collect();
    let mut cur = vec![0usize; w];
    for i in 1..=a.len() {
        cur[0] = i;
        let mut row_min = cur[0];
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(prev2[j - 2] + 1);
            }
            cur[j] = v;
            row_min = row_min.min(v);
        }
        if row_min > max {
            return max + 1;
        }
        std::mem::swap(&mut prev2, &mut prev);
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()].min(max + 1)
}

pub(crate) fn modifier_variants(modifier: &str) -> Vec<String> {
    // Danish compounds insert a linking -s- or -e- ("rengøringsassistent", "skraldemand").
    // A linking -e- may follow a doubled consonant ("kokkeelev" -> "kok").
    let mut v = vec![modifier.to_string()];
    for link in ['s', 'e'] {
        if let Some(m) = modifier.strip_suffix(link)
            && m.chars().count() >= 3
        {
            v.push(m.to_string());
            let c: Vec<char> = m.chars().collect();
            let n = c.len();
            if link == 'e' && n >= 3 && c[n - 1] == c[n - 2] && !"aeiouyæøå".contains(c[n - 1]) {
                v.push(c[..n - 1].iter().collect());
            }
        }
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stems_share_roots() {
        assert_eq!(stem("pakke"), stem("pakning"));
        assert_eq!(stem("kassen"), stem("kasse"));
        assert_eq!(stem("fælde"), stem("fældning"));
    }

    #[test]
    fn tokenizes_danish() {
        let t = tokenize("Sosu-hjælper, Café 😀 ÆØÅ");
        let n: Vec<&str> = t.iter().map(|t| t.norm.as_str()).collect();
        assert_eq!(n, vec!["sosu", "hjælper", "cafe", "æøå"]);
    }

    #[test]
    fn distance() {
        assert_eq!(osa_distance("lagerarbjeder", "lagerarbejder", 2), 1);
        assert_eq!(osa_distance("abc", "abc", 1), 0);
        assert_eq!(osa_distance("kasse", "kiste", 1), 2);
    }

    #[test]
    fn inflections_of_whole_words() {
        assert!(is_inflection_of("marken", "mark"));
        assert!(is_inflection_of("bussen", "bus"));
        assert!(is_inflection_of("hække", "hæk"));
        assert!(is_inflection_of("kassen", "kasse"));
        assert!(!is_inflection_of("bære", "bær"));
        assert!(!is_inflection_of("bærer", "bær"));
        assert!(!is_inflection_of("marked", "mark"));
    }

    #[test]
    fn places_follow_a_job_word() {
        let mut t = tokenize("kok på et hotel");
        mark_places(&mut t);
        assert!(!t[0].place && t[3].place);
        let mut t = tokenize("arbejde på et lager");
        mark_places(&mut t);
        assert!(t.iter().all(|t| !t.place));
    }

    #[test]
    fn linking_e_after_doubled_consonant() {
        assert!(modifier_variants("kokke").contains(&"kok".to_string()));
        assert!(modifier_variants("skralde").contains(&"skrald".to_string()));
    }

    #[test]
    fn heads_split() {
        assert_eq!(
            split_head("lagermand").map(|x| x.0),
            Some("lager".to_string())
        );
        assert_eq!(split_head("mand"), None);
    }
}
