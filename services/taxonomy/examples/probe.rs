//! Prints the ranked matches for each argument, for eyeballing the ranking.
use jobmatch_taxonomy::Taxonomy;

fn main() {
    let t = Taxonomy::embedded();
    for q in std::env::args().skip(1) {
        println!("== {q}");
        for m in t.normalize(&q, 6) {
            println!(
                "  {:.3} {} {:?} {:<40} [{}]",
                m.score, m.isco_code, m.kind, m.label, m.matched
            );
        }
    }
}
