//! Scores `normalize` on a list of titles with the ESCO occupation each one should resolve to
//! (`text<TAB>esco_uri`, `#` comments, further columns ignored), at occupation level and at ISCO
//! unit-group level, so held-out title sets and external benchmarks are counted the same way.

use crate::{ESCO_PREFIX, Taxonomy};

/// How many answers are asked for: a consultant picks from a list of this length.
pub const EVAL_DEPTH: usize = 10;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TitleMiss {
    pub text: String,
    pub gold_uri: String,
    /// 1-based rank of the expected occupation within the first `EVAL_DEPTH` answers.
    pub rank: Option<usize>,
    /// Preferred label of the first answer, empty when there was none.
    pub first: String,
}

#[derive(Debug, Clone, Default)]
pub struct TitleScore {
    pub n: usize,
    pub at_1: usize,
    pub at_10: usize,
    pub reciprocal_rank_sum: f64,
    pub unit_at_1: usize,
    pub empty: usize,
    /// Rows whose URI is not an ESCO occupation of the embedded taxonomy; not counted in `n`.
    pub unknown_uris: Vec<String>,
    pub misses: Vec<TitleMiss>,
}

impl TitleScore {
    fn rate(&self, x: f64) -> f64 {
        if self.n == 0 { 0.0 } else { x / self.n as f64 }
    }
    pub fn acc_at_1(&self) -> f64 {
        self.rate(self.at_1 as f64)
    }
    pub fn acc_at_10(&self) -> f64 {
        self.rate(self.at_10 as f64)
    }
    pub fn mrr(&self) -> f64 {
        self.rate(self.reciprocal_rank_sum)
    }
    pub fn unit_acc_at_1(&self) -> f64 {
        self.rate(self.unit_at_1 as f64)
    }

    pub fn summary(&self) -> String {
        format!(
            "n={} acc@1={:.3} acc@10={:.3} mrr={:.3} unit_acc@1={:.3} empty={}",
            self.n,
            self.acc_at_1(),
            self.acc_at_10(),
            self.mrr(),
            self.unit_acc_at_1(),
            self.empty
        )
    }
}

impl Taxonomy {
    /// Scores a `text<TAB>esco_uri` list; see the module documentation.
    pub fn score_titles(&self, tsv: &str) -> TitleScore {
        let mut s = TitleScore::default();
        for line in tsv.lines() {
            let line = line.trim_end_matches('\r');
            if line.starts_with('#') || line.trim().is_empty() {
                continue;
            }
            let mut cols = line.split('\t');
            let (Some(text), Some(uri)) = (cols.next(), cols.next()) else {
                continue;
            };
            let uri = uri.trim();
            let Some(gold) = uri
                .strip_prefix(ESCO_PREFIX)
                .and_then(|u| self.by_uuid.get(u.trim_end_matches('/')))
                .and_then(|&o| self.occupations.get(o as usize))
            else {
                s.unknown_uris.push(uri.to_string());
                continue;
            };
            let answers = self.normalize(text, EVAL_DEPTH);
            s.n += 1;
            s.empty += usize::from(answers.is_empty());
            let rank = answers
                .iter()
                .position(|m| m.esco_uri == uri)
                .map(|i| i + 1);
            if let Some(r) = rank {
                s.at_10 += 1;
                s.reciprocal_rank_sum += 1.0 / r as f64;
            }
            s.at_1 += usize::from(rank == Some(1));
            s.unit_at_1 += usize::from(answers.first().is_some_and(|m| m.isco_code == gold.isco));
            if rank != Some(1) {
                s.misses.push(TitleMiss {
                    text: text.to_string(),
                    gold_uri: uri.to_string(),
                    rank,
                    first: answers.first().map(|m| m.label.clone()).unwrap_or_default(),
                });
            }
        }
        s
    }
}
