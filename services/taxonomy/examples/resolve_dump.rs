//! Prints, per input line (`text<TAB>code` or `text`), the occupation the matcher would read:
//! with a code, the best match inside the coded group (as services/matching does); without, the top
//! match. Output: text, code, isco, kind, label, uri. For consistency analysis.
use std::io::BufRead;

use jobmatch_taxonomy::Taxonomy;

fn main() {
    let t = Taxonomy::embedded();
    for line in std::io::stdin().lock().lines().map_while(Result::ok) {
        let (text, code) = line.split_once('\t').unwrap_or((line.as_str(), ""));
        let ms = t.normalize(text, 10);
        let m = if code.len() >= 4 {
            let unit = &code[..4];
            ms.iter()
                .find(|m| m.isco_code == unit && !m.esco_uri.is_empty())
                .cloned()
                .or_else(|| t.resolve_code(unit))
        } else {
            ms.first().cloned()
        };
        match m {
            Some(m) => println!(
                "{text}\t{code}\t{}\t{:?}\t{}\t{}\t{:.3}",
                m.isco_code, m.kind, m.label, m.esco_uri, m.score
            ),
            None => println!("{text}\t{code}\t\t\t\t\t"),
        }
    }
}
