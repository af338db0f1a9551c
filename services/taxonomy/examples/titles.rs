//! Occupation-level accuracy of `normalize` on a `text<TAB>esco_uri` file: Acc@1, Acc@10, MRR and
//! ISCO unit-group Acc@1.
//!
//! Usage: cargo run --release -p jobmatch-taxonomy --example titles -- FILE [--misses]

use jobmatch_taxonomy::Taxonomy;

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(path) = args.next() else {
        eprintln!("usage: titles FILE.tsv [--misses]");
        std::process::exit(2);
    };
    let show_misses = args.any(|a| a == "--misses");
    let src = match std::fs::read_to_string(&path) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{path}: {e}");
            std::process::exit(1);
        }
    };
    let s = Taxonomy::embedded().score_titles(&src);
    if show_misses {
        for m in &s.misses {
            let rank = m.rank.map_or("-".to_string(), |r| r.to_string());
            println!(
                "{}\trank={rank}\tfirst={}\twant={}",
                m.text, m.first, m.gold_uri
            );
        }
    }
    for u in &s.unknown_uris {
        eprintln!("not an ESCO occupation of the embedded taxonomy: {u}");
    }
    println!("{path}: {}", s.summary());
}
