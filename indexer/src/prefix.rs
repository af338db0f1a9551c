//! Words that continue a prefix: "lager" finds "lagermedarbejder" and "lagerets" but not "lager" itself (the
//! exact word is matched, and scored, by its own term query).
//!
//! A byte automaton over the term dictionary, so no regular expression is ever built from a query: nothing a
//! client types can fail to parse or expand into a costly pattern.

use std::sync::Arc;

use tantivy::query::{AutomatonWeight, EnableScoring, Query, Weight};
use tantivy::schema::Field;
use tantivy_fst::Automaton;

#[derive(Debug, Clone)]
pub struct PrefixQuery {
    field: Field,
    prefix: Arc<Prefix>,
}

impl PrefixQuery {
    pub fn new(field: Field, prefix: &str) -> Self {
        PrefixQuery {
            field,
            prefix: Arc::new(Prefix(prefix.as_bytes().to_vec())),
        }
    }
}

impl Query for PrefixQuery {
    fn weight(&self, _: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        Ok(Box::new(AutomatonWeight::<Prefix>::new(
            self.field,
            Arc::clone(&self.prefix),
        )))
    }
}

/// Accepts the byte strings that start with the prefix and are longer than it.
#[derive(Debug)]
pub struct Prefix(Vec<u8>);

/// Bytes of the prefix matched so far; `len + 1` once past it; `DEAD` after a mismatch.
const DEAD: usize = usize::MAX;

impl Automaton for Prefix {
    type State = usize;

    fn start(&self) -> usize {
        0
    }

    fn is_match(&self, state: &usize) -> bool {
        *state == self.0.len() + 1
    }

    fn can_match(&self, state: &usize) -> bool {
        *state != DEAD
    }

    fn will_always_match(&self, state: &usize) -> bool {
        *state == self.0.len() + 1
    }

    fn accept(&self, state: &usize, byte: u8) -> usize {
        match *state {
            DEAD => DEAD,
            s if s < self.0.len() => {
                if self.0[s] == byte {
                    s + 1
                } else {
                    DEAD
                }
            }
            _ => self.0.len() + 1,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accepts(p: &str, word: &str) -> bool {
        let a = Prefix(p.as_bytes().to_vec());
        let s = word.bytes().fold(a.start(), |s, b| a.accept(&s, b));
        a.is_match(&s)
    }

    #[test]
    fn longer_words_with_the_prefix_only() {
        assert!(accepts("lager", "lagermedarbejder"));
        assert!(!accepts("lager", "lager"));
        assert!(!accepts("lager", "lage"));
        assert!(!accepts("lager", "slager"));
        // Any bytes are literal: a dotted capital I lowercases to i + U+0307, which once broke a regex.
        assert!(accepts("i\u{307}zmir", "i\u{307}zmirs"));
        assert!(accepts(".+(", ".+(x"));
    }
}
