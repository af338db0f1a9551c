//! Prints the ranked matches for each argument, for eyeballing the ranking.
//! An argument starting with `c:` prints the competence hints instead.
use jobmatch_taxonomy::Taxonomy;

fn main() {
    let t = Taxonomy::embedded();
    for q in std::env::args().skip(1) {
        if let Some(c) = q.strip_prefix("c:") {
            let hints: Vec<String> = t
                .competence_hints(c)
                .into_iter()
                .map(|(isco, w)| format!("{isco}:{w:.2}"))
                .collect();
            println!("== {c}: {}", hints.join(" "));
            continue;
        }
        println!("== {q}");
        for m in t.normalize(&q, 6) {
            println!(
                "  {:.3} {} {:?} {:<40} [{}]",
                m.score, m.isco_code, m.kind, m.label, m.matched
            );
        }
    }
}
