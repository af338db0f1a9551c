//! Scores `normalize` on a paraphrase file (`text<TAB>isco4[|isco4...]`, `#` comments): shared by the
//! paraphrase tests and the `paraphrases` example, so both count the same way.

use jobmatch_taxonomy::Taxonomy;

pub struct Miss {
    pub text: String,
    pub gold: Vec<String>,
    /// Distinct unit groups, best first (at most three).
    pub got: Vec<String>,
}

#[derive(Default)]
pub struct Score {
    pub n: usize,
    pub unit_at_1: usize,
    pub unit_at_3: usize,
    pub misses: Vec<Miss>,
}

impl Score {
    pub fn rate(&self, hits: usize) -> f64 {
        hits as f64 / self.n.max(1) as f64
    }
}

pub fn score(tax: &Taxonomy, src: &str) -> Score {
    let mut s = Score::default();
    for line in src
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
    {
        let Some((text, gold)) = line.split_once('\t') else {
            continue;
        };
        let gold: Vec<String> = gold.split('|').map(|g| g.trim().to_string()).collect();
        let mut got: Vec<String> = Vec::new();
        for m in tax.normalize(text, 10) {
            if !got.contains(&m.isco_code) {
                got.push(m.isco_code);
            }
        }
        s.n += 1;
        let hit1 = got.first().is_some_and(|p| gold.contains(p));
        s.unit_at_1 += usize::from(hit1);
        s.unit_at_3 += usize::from(got.iter().take(3).any(|p| gold.contains(p)));
        if !hit1 {
            got.truncate(3);
            s.misses.push(Miss {
                text: text.to_string(),
                gold,
                got,
            });
        }
    }
    s
}
