//! Danish text analysis. Lowercasing and the Snowball Danish stemmer; æ, ø and å are kept as letters (no ASCII
//! folding) because folding would merge words such as "får" and "far".

use tantivy::tokenizer::{
    Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer, TextAnalyzer, TokenStream,
};

/// Name under which the Danish analyzer is registered on every opened index.
pub const DANISH: &str = "da";

pub fn danish_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(64))
        .filter(LowerCaser)
        .filter(Stemmer::new(Language::Danish))
        .build()
}

/// A token of a text with its byte offsets in the original and its analyzed (stemmed) form.
#[derive(Debug, Clone, PartialEq)]
pub struct AnalyzedToken {
    pub stem: String,
    pub lower: String,
    pub from: usize,
    pub to: usize,
}

/// Analyzes `text` as the index does, keeping offsets and the lowercased surface form (for prefix and typo
/// matching, which work on words, not stems).
pub fn analyze(text: &str) -> Vec<AnalyzedToken> {
    thread_local! {
        // Building an analyzer allocates its filters; one per thread is reused across calls.
        static ANALYZER: std::cell::RefCell<TextAnalyzer> = std::cell::RefCell::new(danish_analyzer());
    }
    ANALYZER.with_borrow_mut(|analyzer| analyze_with(analyzer, text))
}

fn analyze_with(analyzer: &mut TextAnalyzer, text: &str) -> Vec<AnalyzedToken> {
    let mut stream = analyzer.token_stream(text);
    let mut out = Vec::new();
    while let Some(tok) = stream.next() {
        let lower = text
            .get(tok.offset_from..tok.offset_to)
            .unwrap_or_default()
            .to_lowercase();
        out.push(AnalyzedToken {
            stem: tok.text.clone(),
            lower,
            from: tok.offset_from,
            to: tok.offset_to,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stems_danish_inflection_and_keeps_danish_letters() {
        let stems = |t: &str| analyze(t).into_iter().map(|a| a.stem).collect::<Vec<_>>();
        assert_eq!(stems("Lagerarbejderne"), stems("lagerarbejder"));
        assert_eq!(stems("børnehaver"), stems("børnehave"));
        assert!(stems("Færdig Søer Å").iter().any(|s| s.contains('æ')));
        assert!(stems("Færdig Søer Å").iter().any(|s| s.contains('å')));
    }
}
