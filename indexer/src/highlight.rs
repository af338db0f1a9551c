//! Highlighted snippets. Tantivy's snippet generator only knows the exact terms of a query, while company
//! search also matches compounds by prefix and typos by edit distance; so the snippet marks words the same way
//! the query matched them.

use std::collections::HashSet;

use crate::analysis::{self, AnalyzedToken};

/// The words of a free-text query, in the forms search matches them.
#[derive(Debug, Clone, Default)]
pub struct QueryTerms {
    pub words: Vec<QueryWord>,
}

#[derive(Debug, Clone)]
pub struct QueryWord {
    pub stem: String,
    /// Lowercased surface form; matches as a prefix of compounds ("lager" in "lagermedarbejder").
    pub prefix: Option<String>,
    /// Edit distance allowed for typos (0 for short words).
    pub typo_distance: u8,
}

/// Shortest word whose surface form may match compounds by prefix.
pub const PREFIX_MIN_CHARS: usize = 4;

/// Distinct words of a query that take part; the rest of a long text adds cost and little meaning.
pub const MAX_QUERY_WORDS: usize = 16;

impl QueryTerms {
    pub fn parse(text: &str) -> QueryTerms {
        let mut seen = HashSet::new();
        let words = analysis::analyze(text)
            .into_iter()
            .filter(|t| seen.insert(t.stem.clone()))
            .take(MAX_QUERY_WORDS)
            .map(|t| {
                let chars = t.lower.chars().count();
                QueryWord {
                    prefix: (chars >= PREFIX_MIN_CHARS).then(|| t.lower.clone()),
                    typo_distance: match chars {
                        0..=4 => 0,
                        5..=8 => 1,
                        _ => 2,
                    },
                    stem: t.stem,
                }
            })
            .collect();
        QueryTerms { words }
    }

    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }

    fn matches(&self, tok: &AnalyzedToken) -> bool {
        self.words.iter().any(|w| {
            tok.stem == w.stem
                || w.prefix
                    .as_ref()
                    .is_some_and(|p| tok.lower.starts_with(p.as_str()))
                || (w.typo_distance > 0
                    && tok.stem.chars().count() >= 4
                    && strsim::damerau_levenshtein(&tok.stem, &w.stem)
                        <= usize::from(w.typo_distance))
        })
    }
}

/// A fragment of at most about `max_chars` characters around the first match, with matches in `<b>`, or None
/// when nothing in `text` matches.
pub fn snippet(text: &str, terms: &QueryTerms, max_chars: usize) -> Option<String> {
    if terms.is_empty() {
        return None;
    }
    let tokens = analysis::analyze(text);
    let hits: Vec<&AnalyzedToken> = tokens.iter().filter(|t| terms.matches(t)).collect();
    let first = hits.first()?;
    let lead = max_chars / 4;
    let mut start = text[..first.from]
        .char_indices()
        .rev()
        .nth(lead)
        .map(|(i, _)| i)
        .unwrap_or(0);
    // Start at a word boundary so the fragment does not open mid-word. The boundary is after the whole space
    // character: many spaces (no-break, thin, ideographic) are several bytes long.
    if start > 0
        && let Some((ws, c)) = text[start..first.from]
            .char_indices()
            .find(|(_, c)| c.is_whitespace())
    {
        start += ws + c.len_utf8();
    }
    let end = text[start..]
        .char_indices()
        .nth(max_chars)
        .map(|(i, _)| start + i)
        .unwrap_or(text.len());
    let mut out = String::new();
    if start > 0 {
        out.push('…');
    }
    let mut pos = start;
    for h in hits.iter().filter(|h| h.from >= start && h.to <= end) {
        out.push_str(&escape(&text[pos..h.from]));
        out.push_str("<b>");
        out.push_str(&escape(&text[h.from..h.to]));
        out.push_str("</b>");
        pos = h.to;
    }
    out.push_str(&escape(&text[pos..end]));
    if end < text.len() {
        out.push('…');
    }
    Some(out)
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks_stems_compounds_and_typos() {
        let t = QueryTerms::parse("lager");
        assert_eq!(
            snippet("Vi søger en lagermedarbejder", &t, 100).unwrap(),
            "Vi søger en <b>lagermedarbejder</b>"
        );
        let t = QueryTerms::parse("rengøringsassistenter");
        assert!(
            snippet("Rengøringsassistent søges", &t, 100)
                .unwrap()
                .contains("<b>Rengøringsassistent</b>")
        );
        let t = QueryTerms::parse("slagtere");
        assert!(
            snippet("Slagter og <pølsemager>", &t, 100)
                .unwrap()
                .contains("&lt;pølsemager&gt;")
        );
        assert!(snippet("Intet her", &QueryTerms::parse("lager"), 100).is_none());
        // Multi-byte spaces a few words before the match once cut the fragment inside a character.
        for ws in [
            '\u{00A0}', '\u{202F}', '\u{2009}', '\u{3000}', '\u{0085}', '\u{2028}', '\u{1680}',
        ] {
            let text =
                format!("Vi{ws}har{ws}mange{ws}gode{ws}kolleger{ws}og{ws}et{ws}stort{ws}lager");
            for max in [8, 12, 20, 40, 160] {
                let s = snippet(&text, &QueryTerms::parse("lager"), max).unwrap();
                assert!(s.contains("<b>lager</b>"), "{s}");
            }
        }
        let t = QueryTerms::parse("resturant");
        assert!(
            snippet("Restaurant i Aarhus", &t, 100)
                .unwrap()
                .contains("<b>Restaurant</b>")
        );
    }
}
