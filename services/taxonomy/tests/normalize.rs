//! Behavioural tests of the public API on general Danish phrasings.

use jobmatch_taxonomy::{MatchKind, Taxonomy};

fn top_codes(text: &str, k: usize) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for m in Taxonomy::embedded().normalize(text, 10) {
        if !out.contains(&m.isco_code) {
            out.push(m.isco_code);
        }
    }
    out.truncate(k);
    out
}

fn top(text: &str) -> String {
    top_codes(text, 1).pop().unwrap_or_default()
}

#[test]
fn colloquial_goals() {
    let cases = [
        ("lagermand", "9333"),
        ("noget med børn", "5311"),
        ("rengørings medarbejder", "9112"),
        ("sosu hjælper", "5322"),
        ("træfældning", "9215"),
        ("tage opvasken", "9412"),
        ("sidde i kassen", "5230"),
        ("køre truck", "8344"),
        ("arbejde på et lager", "9333"),
        ("lave mad", "5120"),
        ("passe børn", "5311"),
        ("gøre rent", "9112"),
        ("fylde varer op", "9334"),
        ("skraldemand", "9611"),
        ("feje gader", "9613"),
    ];
    for (text, code) in cases {
        assert_eq!(top(text), code, "{text}");
    }
}

#[test]
fn company_titles() {
    assert_eq!(top("Ekspedient"), "5223");
    assert_eq!(top("Flyttemand"), "9333");
    assert!(top_codes("Anlægsarbejde", 2).contains(&"9313".to_string()));
    assert_eq!(top("Opfyldning"), "9334");
}

#[test]
fn typos_and_spelling_variants() {
    let m = Taxonomy::embedded().normalize("butiksasisstent", 3);
    assert_eq!(m.first().map(|m| m.isco_code.as_str()), Some("5223"));
    assert_eq!(m.first().map(|m| m.kind), Some(MatchKind::Fuzzy));
    assert_eq!(top("koekkenmedhjaelper"), "9412");
    assert_eq!(top("Rengøringsasistent"), "9112");
}

#[test]
fn exact_beats_fuzzy_and_scores_are_ranked() {
    let t = Taxonomy::embedded();
    let exact = t.normalize("butiksassistent", 1);
    let fuzzy = t.normalize("butiksasistent", 1);
    assert!(exact[0].score > fuzzy[0].score);
    assert_eq!(exact[0].kind, MatchKind::ExactLabel);
    let all = t.normalize("køkken", 10);
    assert!(all.windows(2).all(|w| w[0].score >= w[1].score));
    assert!(all.iter().all(|m| (0.0..=1.0).contains(&m.score)));
    for m in &all {
        assert!(
            m.esco_uri.is_empty()
                || m.esco_uri
                    .starts_with("http://data.europa.eu/esco/occupation/")
        );
        assert_eq!(m.isco_code.len(), 4);
        assert!(!m.isco_title.is_empty());
    }
}

#[test]
fn deduplicated_by_occupation() {
    let all = Taxonomy::embedded().normalize("lager medarbejder", 20);
    let mut keys: Vec<String> = all
        .iter()
        .map(|m| {
            if m.esco_uri.is_empty() {
                m.isco_code.clone()
            } else {
                m.esco_uri.clone()
            }
        })
        .collect();
    let n = keys.len();
    keys.sort();
    keys.dedup();
    assert_eq!(keys.len(), n);
}

#[test]
fn codes_and_uris() {
    let t = Taxonomy::embedded();
    let m = t.resolve_code("5311").expect("isco");
    assert_eq!(m.kind, MatchKind::Code);
    assert_eq!(
        t.resolve_code("531110").map(|m| m.isco_code),
        Some("5311".into())
    );
    let uri = t.normalize("lagerarbejder", 1)[0].esco_uri.clone();
    assert_eq!(
        t.resolve_code(&uri).map(|m| m.isco_code),
        Some("9333".into())
    );
    assert_eq!(t.normalize("9412", 5)[0].isco_code, "9412");
    assert!(
        t.resolve_code("http://data.europa.eu/esco/occupation/nope")
            .is_none()
    );
    assert!(t.resolve_code("9999").is_none());
    assert_eq!(t.isco_title("9"), Some("Andet manuelt arbejde"));
    assert!(t.occupation_count() > 2500);
}

#[test]
fn competence_hints() {
    let t = Taxonomy::embedded();
    let h = t.competence_hints("god med børn");
    assert_eq!(h.first().map(|x| x.0.as_str()), Some("5311"));
    let h = t.competence_hints("Fysisk stærk");
    assert!(h.iter().any(|(c, _)| c == "9333"));
    assert!(h.iter().any(|(c, _)| c == "9313"));
    assert!(h.iter().all(|(_, w)| (0.0..=1.0).contains(w)));
    assert!(t.competence_hints("").is_empty());
}

#[test]
fn hostile_input_does_not_panic() {
    let t = Taxonomy::embedded();
    let long = "lager ".repeat(2000);
    let inputs = [
        "",
        " ",
        "-",
        "😀😀😀",
        "i på med",
        "ÆØÅ æøå",
        "a",
        "ééééé",
        "\u{0}\t\n",
        long.as_str(),
        "12345678901234567890",
    ];
    for s in inputs {
        let _ = t.normalize(s, 5);
        let _ = t.competence_hints(s);
        let _ = t.resolve_code(s);
        let _ = t.isco_title(s);
    }
    assert!(t.normalize("", 5).is_empty());
    assert!(t.normalize("lager", 0).is_empty());
    assert_eq!(
        t.normalize(&long, 3).first().map(|m| m.isco_code.as_str()),
        Some("9333")
    );
}

fn top_uri(text: &str) -> String {
    Taxonomy::embedded()
        .normalize(text, 3)
        .first()
        .map(|m| m.esco_uri.clone())
        .unwrap_or_default()
}

#[test]
fn same_job_same_occupation() {
    // ESCO near-duplicates that share labels answer as one occupation.
    assert_eq!(top_uri("barnepige"), top_uri("babysitter"));
    assert_eq!(top_uri("au pair"), top_uri("barnepige"));
    assert_eq!(top_uri("portier"), top_uri("hotelportier"));
    // Colloquial group-level goals land on the group's canonical occupation.
    let lager = top_uri("Lagermedarbejder");
    assert!(!lager.is_empty());
    for text in ["lagermand", "arbejde på lager", "lagerarbejde"] {
        assert_eq!(top_uri(text), lager, "{text}");
    }
    assert_eq!(top_uri("ekspedient"), top_uri("Butiksassistent"));
    // A lexicon term can name the occupation inside its group.
    assert_eq!(top_uri("flyttearbejde"), top_uri("flyttemand"));
    assert_ne!(top_uri("flyttemand"), lager);
}

#[test]
fn temperament_competences_hint() {
    let t = Taxonomy::embedded();
    let has = |c: &str, code: &str| t.competence_hints(c).iter().any(|(g, _)| g == code);
    assert!(has("rolig", "5414"));
    assert!(has("rolig", "4222"));
    assert!(has("omsorg", "5311"));
    assert!(has("tunge løft", "9333"));
    assert!(has("god til at lave mad", "9412"));
    assert!(t.competence_hints("mødestabil").is_empty());
}

#[test]
fn everyday_usage_overrides_a_misfiled_esco_label() {
    let tax = jobmatch_taxonomy::Taxonomy::embedded();
    for text in ["Butiksmedhjælper", "butiks medhjælper", "butiks-medhjælper"] {
        let top = tax.normalize(text, 3);
        assert_eq!(
            top.first().map(|m| m.isco_code.as_str()),
            Some("5223"),
            "{text}: {top:?}"
        );
    }
    // Other shop words are read as before.
    assert_eq!(tax.normalize("vareopfylder", 1)[0].isco_code, "9334");
}
