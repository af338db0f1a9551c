//! Times one MatchCitizen with many goals of unusual words against the demo data (what a hostile but honest
//! client can send), split by stage. `cargo run --release -p jobmatch-matching --example heavy`
use std::sync::Arc;
use std::time::Instant;

use jobmatch_indexer::{Change, Deadline, JobIndex};
use jobmatch_matching::{MatchRules, Matcher, Scope, TaxonomyResolver};
use jobmatch_proto::v1::{CitizenProfile, Company, Home, JobGoal, MatchOptions, Need};
use jobmatch_taxonomy::Taxonomy;

fn main() {
    let tax = Taxonomy::embedded();
    let index = Arc::new(JobIndex::open_in_ram(Arc::new(TaxonomyResolver::new(tax))).unwrap());
    let demo = jobmatch_demo::corpus(7, 20_000);
    let mut changes = Vec::new();
    for c in demo.companies {
        changes.push(Change::UpsertCompany(
            serde_json::from_value::<Company>(c).unwrap(),
        ));
    }
    for n in demo.needs {
        changes.push(Change::UpsertNeed(
            serde_json::from_value::<Need>(n).unwrap(),
        ));
    }
    index.apply(changes).unwrap();
    let matcher = Matcher::new(Arc::clone(&index), tax, MatchRules::default());
    let words = [
        "xqzvbrtlkmnpw",
        "fjordsværdigheder",
        "qwertyuiopåæø",
        "lagerrobotoperatørassistent",
        "zzzzzzyyyyxxxx",
        "kvantefysikerlærling",
        "abcdefghijklmnopqrs",
        "ølbryggerikonsulentvikar",
    ];
    let goal: String = words
        .iter()
        .cycle()
        .take(16)
        .cloned()
        .collect::<Vec<_>>()
        .join(" ");
    let goal: String = goal.chars().take(200).collect();
    let n_goals: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(10);
    let citizen = CitizenProfile {
        citizen_ref: "HEAVY-1".into(),
        municipality_code: "0751".into(),
        home: Some(Home {
            postcode: "8000".into(),
            ..Default::default()
        }),
        max_distance_km: 50.0,
        job_goals: (0..n_goals)
            .map(|i| JobGoal {
                text: format!(
                    "{i}{}",
                    &goal[..goal.char_indices().nth(195).map_or(goal.len(), |(i, _)| i)]
                ),
                occupation_code: None,
            })
            .collect(),
        competences: (0..50)
            .map(|i| format!("{i} {}", &goal[..90.min(goal.len())]))
            .collect(),
        danish_level: "fluent".into(),
        available_hours_per_week: 20,
        shifts_possible: vec!["day".into()],
        physical_capacity: "heavy".into(),
        ..Default::default()
    };
    for g in &citizen.job_goals[..1] {
        let t = Instant::now();
        let r = tax.normalize(&g.text, 6);
        println!(
            "normalize one goal: {:.1} ms ({} readings)",
            t.elapsed().as_secs_f64() * 1e3,
            r.len()
        );
    }
    let t = Instant::now();
    for c in &citizen.competences[..5] {
        tax.competence_hints(c);
    }
    println!(
        "5 competence hints: {:.1} ms",
        t.elapsed().as_secs_f64() * 1e3
    );
    let d = Deadline::none();
    for round in 0..3 {
        let t = Instant::now();
        let r = matcher.match_citizen(
            citizen.clone(),
            &MatchOptions::default(),
            &Scope::trusted(&citizen, &d),
        );
        println!(
            "round {round}: match {:.1} ms ({:?})",
            t.elapsed().as_secs_f64() * 1e3,
            r.map(|r| r.candidates.len())
        );
    }
}
