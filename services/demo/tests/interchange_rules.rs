//! Every generated record must pass the interchange-format rules (shared/docs/interchange-format.md), checked
//! here independently of the generator so that a generator bug cannot hide behind its own assumptions.

use std::collections::HashSet;

use jobmatch_demo::{DemoData, corpus, default_demo, placement_cap};
use serde_json::Value;

fn s<'a>(v: &'a Value, field: &str) -> Result<&'a str, String> {
    v[field]
        .as_str()
        .ok_or_else(|| format!("{field}: not a string"))
}

fn is_date(d: &str) -> bool {
    let b = d.as_bytes();
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && d[..4].parse::<u32>().is_ok()
        && matches!(d[5..7].parse::<u32>(), Ok(1..=12))
        && matches!(d[8..10].parse::<u32>(), Ok(1..=31))
}

fn digits(s: &str, n: usize) -> bool {
    s.len() == n && s.bytes().all(|b| b.is_ascii_digit())
}

fn check_company(c: &Value) -> Result<(), String> {
    let cvr = s(c, "cvr")?;
    if !jobmatch_refdata::cvr_is_valid(cvr) {
        return Err(format!("cvr {cvr}: fails modulus 11"));
    }
    if let Some(p) = c.get("p_number")
        && !p.as_str().is_some_and(|p| digits(p, 10))
    {
        return Err(format!("p_number {p}"));
    }
    let name = s(c, "name")?;
    if name.is_empty() || name.chars().count() > 200 {
        return Err("name length".into());
    }
    let code = s(c, "industry_code")?;
    let ind = jobmatch_refdata::industry(code).filter(|_| digits(code, 6));
    let ind = ind.ok_or_else(|| format!("industry_code {code}"))?;
    if s(c, "industry_text")? != ind.title {
        return Err("industry_text differs from DB07".into());
    }
    let a = &c["address"];
    if s(a, "street")?.is_empty() || !s(a, "street")?.chars().any(|ch| ch.is_ascii_digit()) {
        return Err("street without house number".into());
    }
    let pc = jobmatch_refdata::postcode(s(a, "postcode")?).ok_or("unknown postcode")?;
    let muni = s(a, "municipality_code")?;
    if !digits(muni, 4) || jobmatch_refdata::municipality(muni).is_none() {
        return Err(format!("municipality_code {muni}"));
    }
    if pc.municipality_code != muni || pc.city != s(a, "city")? {
        return Err("postcode, city and municipality disagree".into());
    }
    let (lat, lon) = (c["location"]["lat"].as_f64(), c["location"]["lon"].as_f64());
    let (lat, lon) = lat.zip(lon).ok_or("location")?;
    let d = jobmatch_refdata::haversine_km(lat, lon, pc.lat, pc.lon);
    if d >= 1.5 {
        return Err(format!("location {d:.2} km from its postcode"));
    }
    let employees = c["employees"].as_u64().ok_or("employees")?;
    let placed = c["supported_placements"]
        .as_u64()
        .ok_or("supported_placements")?;
    if placed > u64::from(placement_cap(employees as u32)) {
        return Err("supported_placements above the reasonableness cap".into());
    }
    if s(c, "description")?.is_empty() {
        return Err("description".into());
    }
    let rels = c["jobcenter_relations"]
        .as_array()
        .ok_or("jobcenter_relations")?;
    if rels.is_empty() {
        return Err("no jobcenter relation".into());
    }
    for r in rels {
        if s(r, "municipality_code")? != muni {
            return Err("relation to another jobcenter".into());
        }
        for f in [
            "partnership",
            "open_to_ordinary_hours",
            "open_to_internship",
        ] {
            r[f].as_bool().ok_or_else(|| format!("relation {f}"))?;
        }
        let last = s(r, "last_contact")?;
        if !is_date(last) || !(last.starts_with("2025") || last.starts_with("2026")) {
            return Err(format!("last_contact {last}"));
        }
        let initials = s(r, "consultant")?;
        if !(2..=3).contains(&initials.chars().count()) || !initials.chars().all(char::is_uppercase)
        {
            return Err(format!("consultant {initials}"));
        }
    }
    Ok(())
}

fn check_need(n: &Value, cvrs: &HashSet<&str>) -> Result<(), String> {
    let id = s(n, "need_id")?;
    if id.is_empty() || id.len() > 64 {
        return Err("need_id length".into());
    }
    if !cvrs.contains(s(n, "cvr")?) {
        return Err("cvr names no generated company".into());
    }
    if s(n, "title")?.is_empty() || s(n, "description")?.is_empty() {
        return Err("title/description".into());
    }
    if let Some(codes) = n.get("occupation_codes") {
        let codes = codes.as_array().ok_or("occupation_codes")?;
        if codes.is_empty()
            || !codes
                .iter()
                .all(|c| c.as_str().is_some_and(|c| digits(c, 4)))
        {
            return Err(format!("occupation_codes {codes:?}"));
        }
    }
    for f in ["competences_required", "competences_preferred"] {
        let list = n[f].as_array().ok_or_else(|| f.to_string())?;
        if !list
            .iter()
            .all(|c| c.as_str().is_some_and(|c| !c.is_empty()))
        {
            return Err(format!("{f} entries"));
        }
    }
    if n["competences_required"].as_array().unwrap().is_empty() {
        return Err("no required competence".into());
    }
    let h = &n["hours_per_week"];
    let (min, max) = (
        h["min"].as_u64().ok_or("min")?,
        h["max"].as_u64().ok_or("max")?,
    );
    if !(1..=37).contains(&min) || !(1..=37).contains(&max) || min > max {
        return Err(format!("hours_per_week {min}-{max}"));
    }
    let o = &n["ordinary_hours"];
    let offered = o["offered"].as_bool().ok_or("offered")?;
    let from_start = o["from_start"].as_bool().ok_or("from_start")?;
    let paid = o["hours_per_week"].as_u64().ok_or("ordinary hours")?;
    if paid > 37 || offered != (paid > 0) || (from_start && !offered) {
        return Err(format!("ordinary_hours {o}"));
    }
    let internship = n["internship_possible"]
        .as_bool()
        .ok_or("internship_possible")?;
    let combination = n["combination_possible"]
        .as_bool()
        .ok_or("combination_possible")?;
    n["mentor_available"].as_bool().ok_or("mentor_available")?;
    if combination && !(internship && offered) {
        return Err("combination without internship and paid hours".into());
    }
    let shifts = n["shifts"].as_array().ok_or("shifts")?;
    let mut seen = HashSet::new();
    if shifts.is_empty()
        || !shifts.iter().all(|x| {
            x.as_str().is_some_and(|x| {
                ["day", "evening", "night", "weekend"].contains(&x) && seen.insert(x)
            })
        })
    {
        return Err(format!("shifts {shifts:?}"));
    }
    if !["light", "medium", "heavy"].contains(&s(n, "physical_demand")?) {
        return Err("physical_demand".into());
    }
    if !["none", "basic", "good", "fluent"].contains(&s(n, "danish_level")?) {
        return Err("danish_level".into());
    }
    match &n["driving_licence"] {
        Value::Null => {}
        Value::String(l) if ["B", "C", "D"].contains(&l.as_str()) => {}
        other => return Err(format!("driving_licence {other}")),
    }
    if n["positions"].as_u64().ok_or("positions")? < 1 {
        return Err("positions".into());
    }
    let until = s(n, "valid_until")?;
    if !is_date(until) || !until.starts_with("2027") {
        return Err(format!("valid_until {until}"));
    }
    if !["open", "filled", "closed"].contains(&s(n, "status")?) {
        return Err("status".into());
    }
    Ok(())
}

fn check_all(d: &DemoData) {
    let mut cvrs = HashSet::new();
    for (i, c) in d.companies.iter().enumerate() {
        check_company(c).unwrap_or_else(|e| panic!("company line {}: {e}\n{c}", i + 1));
        assert!(
            cvrs.insert(c["cvr"].as_str().unwrap()),
            "duplicate cvr on line {}",
            i + 1
        );
    }
    let mut ids = HashSet::new();
    for (i, n) in d.needs.iter().enumerate() {
        check_need(n, &cvrs).unwrap_or_else(|e| panic!("need line {}: {e}\n{n}", i + 1));
        assert!(
            ids.insert(n["need_id"].as_str().unwrap()),
            "duplicate need_id on line {}",
            i + 1
        );
    }
}

#[test]
fn default_demo_passes_the_interchange_rules() {
    let d = default_demo();
    check_all(&d);
    assert!(d.needs.len() > 500, "{}", d.needs.len());
    let open = d.needs.iter().filter(|n| n["status"] == "open").count();
    assert!(open * 10 > d.needs.len() * 8, "mostly open");
    let coded = d
        .needs
        .iter()
        .filter(|n| n.get("occupation_codes").is_some())
        .count();
    assert!(
        (d.needs.len() * 4 / 10..d.needs.len() * 6 / 10).contains(&coded),
        "about half coded"
    );
    let munis: HashSet<&str> = d
        .companies
        .iter()
        .map(|c| c["address"]["municipality_code"].as_str().unwrap())
        .collect();
    for m in [
        "0751", "0101", "0461", "0851", "0630", "0147", "0561", "0730",
    ] {
        assert!(munis.contains(m), "no company in {m}");
    }
}

#[test]
fn benchmark_corpus_of_100k_needs_passes_the_interchange_rules() {
    let d = corpus(42, 100_000);
    assert_eq!(d.needs.len(), 100_000);
    check_all(&d);
}

#[test]
fn write_jsonl_round_trips() {
    let d = jobmatch_demo::generate(5, 30, 1..=2);
    let dir = std::env::temp_dir().join(format!("jobmatch-demo-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (cp, np) = (dir.join("companies.jsonl"), dir.join("needs.jsonl"));
    d.write_jsonl(&cp, &np).unwrap();
    let read = |p: &std::path::Path| -> Vec<Value> {
        std::fs::read_to_string(p)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    };
    assert_eq!(read(&cp), d.companies);
    assert_eq!(read(&np), d.needs);
    std::fs::remove_dir_all(&dir).unwrap();
}
