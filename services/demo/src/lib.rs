//! Deterministic Danish demo data in the interchange format (companies.jsonl, needs.jsonl).
//!
//! The same generator serves two purposes: a small, realistic demo set ([`default_demo`]) loaded into an empty
//! index so a newcomer gets sensible Danish results, and large synthetic corpora for benchmarks ([`corpus`]).
//! Output depends only on the seed and the arguments (ChaCha8, no hash-order iteration).

mod archetypes;

use std::collections::HashSet;
use std::io::{BufWriter, Write};
use std::ops::RangeInclusive;
use std::path::Path;
use std::sync::LazyLock;

use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{Value, json};

use archetypes::{ANCHORS, ARCHETYPES, Archetype, Job, Licence, MUNICIPALITIES, URBAN};

/// Generated records, each exactly as a line of companies.jsonl / needs.jsonl.
#[derive(Debug, Clone, PartialEq)]
pub struct DemoData {
    pub companies: Vec<Value>,
    pub needs: Vec<Value>,
}

impl DemoData {
    /// Write both files as JSON Lines (one record per line, UTF-8).
    pub fn write_jsonl(&self, companies: &Path, needs: &Path) -> std::io::Result<()> {
        write_lines(companies, &self.companies)?;
        write_lines(needs, &self.needs)
    }
}

fn write_lines(path: &Path, records: &[Value]) -> std::io::Result<()> {
    let mut w = BufWriter::new(std::fs::File::create(path)?);
    for r in records {
        serde_json::to_writer(&mut w, r)?;
        w.write_all(b"\n")?;
    }
    w.flush()
}

/// Seed of the shipped demo set; changing it changes what the README's grpcurl examples return.
pub const DEFAULT_SEED: u64 = 2026;

/// The demo set the service loads on an empty index: seed 2026, 400 companies, 0-4 needs each.
pub fn default_demo() -> DemoData {
    generate(DEFAULT_SEED, 400, 0..=4)
}

/// `companies` companies, each with a number of needs drawn uniformly from `needs_per_company`.
pub fn generate(seed: u64, companies: usize, needs_per_company: RangeInclusive<usize>) -> DemoData {
    let mut g = Generator::new(seed);
    let mut data = DemoData {
        companies: Vec::with_capacity(companies),
        needs: Vec::with_capacity(
            companies * (needs_per_company.start() + needs_per_company.end()) / 2,
        ),
    };
    for i in 0..companies {
        g.company(i, &needs_per_company, &mut data);
    }
    data
}

/// A benchmark corpus with exactly `needs` needs (0-4 per company, so about `needs / 2` companies).
pub fn corpus(seed: u64, needs: usize) -> DemoData {
    let mut g = Generator::new(seed);
    let mut data = DemoData {
        companies: Vec::with_capacity(needs / 2 + 8),
        needs: Vec::with_capacity(needs + 4),
    };
    let mut i = 0;
    while data.needs.len() < needs {
        g.company(i, &(0..=4), &mut data);
        i += 1;
    }
    data.needs.truncate(needs);
    data
}

/// Most people in internship or wage subsidy a company may have (the reasonableness rule, BEK 2636/2021 § 65):
/// one per 5 employees up to 50, always at least one, plus one per 10 beyond 50.
pub fn placement_cap(employees: u32) -> u32 {
    (employees.min(50) / 5).max(1) + employees.saturating_sub(50) / 10
}

// ---------------------------------------------------------------------------------------------------------
// Embedded source tables (see data/SOURCES.md)

struct Occupation {
    preferred_en: &'static str,
    isco: &'static str,
    /// Only the tests read these: they check that every ESCO title an archetype uses is a real label.
    #[cfg_attr(not(test), allow(dead_code))]
    labels_da: Vec<&'static str>,
}

static OCCUPATIONS: LazyLock<Vec<Occupation>> = LazyLock::new(|| {
    include_str!("../data/occupations.tsv")
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            let mut labels_da = vec![f[3]];
            labels_da.extend(
                f.get(4)
                    .into_iter()
                    .flat_map(|a| a.split('|'))
                    .filter(|a| !a.is_empty()),
            );
            Occupation {
                preferred_en: f[0],
                isco: f[2],
                labels_da,
            }
        })
        .collect()
});

fn occupation(preferred_en: &str) -> &'static Occupation {
    OCCUPATIONS
        .iter()
        .find(|o| o.preferred_en == preferred_en)
        .unwrap_or_else(|| panic!("occupation {preferred_en:?} missing from data/occupations.tsv"))
}

fn word_list(text: &'static str) -> Vec<&'static str> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect()
}

static LAST_NAMES: LazyLock<Vec<&str>> =
    LazyLock::new(|| word_list(include_str!("../data/last_names.txt")));
static FIRST_NAMES: LazyLock<Vec<&str>> =
    LazyLock::new(|| word_list(include_str!("../data/first_names.txt")));
static STREETS: LazyLock<Vec<&str>> =
    LazyLock::new(|| word_list(include_str!("../data/street_names.txt")));

/// Suffixes from Faker's da_DK provider plus I/S and K/S; ApS twice because it is by far the most common form.
const COMPANY_SUFFIXES: &[&str] = &["ApS", "A/S", "ApS", "I/S", "K/S"];

// ---------------------------------------------------------------------------------------------------------

/// Per-municipality postcodes, resolved once so company generation is a few array lookups.
struct Place {
    code: &'static str,
    urban: bool,
    postcodes: Vec<&'static jobmatch_refdata::Postcode>,
}

static PLACES: LazyLock<Vec<Place>> = LazyLock::new(|| {
    MUNICIPALITIES
        .iter()
        .map(|&(code, _)| {
            let postcodes: Vec<_> = jobmatch_refdata::postcodes_in(code).collect();
            assert!(
                !postcodes.is_empty(),
                "municipality {code} has no postcodes"
            );
            Place {
                code,
                urban: URBAN.contains(&code),
                postcodes,
            }
        })
        .collect()
});

struct Generator {
    rng: ChaCha8Rng,
    cvrs: HashSet<u32>,
    next_need: usize,
    muni_weights: Vec<u32>,
    arch_weights: Vec<u32>,
    arch_weights_urban: Vec<u32>,
}

fn pick_weighted(rng: &mut ChaCha8Rng, weights: &[u32]) -> usize {
    let total: u32 = weights.iter().sum();
    let mut x = rng.random_range(0..total);
    for (i, &w) in weights.iter().enumerate() {
        if x < w {
            return i;
        }
        x -= w;
    }
    unreachable!("x < total")
}

fn pick<T: Copy>(rng: &mut ChaCha8Rng, items: &[T]) -> T {
    *items.choose(rng).expect("non-empty table")
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// Days since 1970-01-01 to (year, month, day), proleptic Gregorian (H. Hinnant's algorithm); avoids a date
/// crate for the few dates we print.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// 2025-01-01 as days since the epoch.
const DAY_2025_01_01: i64 = 20_089;

impl Generator {
    fn new(seed: u64) -> Self {
        let arch_weights: Vec<u32> = ARCHETYPES.iter().map(|a| a.weight).collect();
        let arch_weights_urban = ARCHETYPES
            .iter()
            .map(|a| if a.rural { 0 } else { a.weight })
            .collect();
        Generator {
            rng: ChaCha8Rng::seed_from_u64(seed),
            cvrs: HashSet::new(),
            next_need: 1,
            muni_weights: MUNICIPALITIES.iter().map(|m| m.1).collect(),
            arch_weights,
            arch_weights_urban,
        }
    }

    fn cvr(&mut self) -> String {
        loop {
            let prefix = self.rng.random_range(1_000_000..10_000_000u32);
            // Prefixes whose remainder would need check digit 10 are never issued, so skip them.
            let Some(check) = jobmatch_refdata::cvr_check_digit(&prefix.to_string()) else {
                continue;
            };
            let cvr = prefix * 10 + u32::from(check);
            if self.cvrs.insert(cvr) {
                return cvr.to_string();
            }
        }
    }

    fn date_between(&mut self, from_day: i64, days: i64) -> String {
        let (y, m, d) = civil_from_days(from_day + self.rng.random_range(0..days));
        format!("{y:04}-{m:02}-{d:02}")
    }

    fn street(&mut self) -> String {
        let name = pick(&mut self.rng, &STREETS);
        let number = self.rng.random_range(1..=160);
        // Faker's Danish street names are stems ("Dompap", "Arne Jacobsens"); add a suffix the way real
        // names are formed: joined for simple stems, separate after a genitive or a multi-word name.
        let street = if name.ends_with('s') || name.contains(' ') {
            format!(
                "{name} {}",
                pick(&mut self.rng, &["Vej", "Allé", "Gade", "Plads"])
            )
        } else {
            format!(
                "{name}{}",
                pick(
                    &mut self.rng,
                    &["vej", "vej", "gade", "allé", "stræde", "parken"]
                )
            )
        };
        if self.rng.random_bool(0.08) {
            format!("{street} {number}{}", pick(&mut self.rng, &["A", "B", "C"]))
        } else {
            format!("{street} {number}")
        }
    }

    fn initials(&mut self) -> String {
        let first = pick(&mut self.rng, &FIRST_NAMES);
        let last = pick(&mut self.rng, &LAST_NAMES);
        let mut s: String = first.chars().take(1).collect();
        if self.rng.random_bool(0.4) {
            let middle = pick(&mut self.rng, &LAST_NAMES);
            s.extend(middle.chars().take(1));
        }
        s.extend(last.chars().take(1));
        s.to_uppercase()
    }

    fn company_name(&mut self, a: &Archetype, city: &str, street: &str) -> String {
        let last = pick(&mut self.rng, &LAST_NAMES);
        let suffix = pick(&mut self.rng, COMPANY_SUFFIXES);
        let roll = self.rng.random_range(0..100);
        if !a.institution_names.is_empty() && roll < 30 {
            let street_stem = street.rsplit_once(' ').map_or(street, |(s, _)| s);
            return pick(&mut self.rng, a.institution_names)
                .replace("{city}", city)
                .replace("{street}", street_stem);
        }
        match roll {
            0..45 => format!("{last} {} {suffix}", pick(&mut self.rng, a.name_words)),
            45..70 => format!("{last} {suffix}"),
            70..85 => {
                let other = pick(&mut self.rng, &LAST_NAMES);
                format!("{last} & {other} {suffix}")
            }
            85..93 => format!("{last} & Søn {suffix}"),
            _ => format!("{city} {} {suffix}", pick(&mut self.rng, a.name_words)),
        }
    }

    fn employees(&mut self, a: &Archetype) -> u32 {
        match pick_weighted(&mut self.rng, &a.size) {
            0 => self.rng.random_range(1..=9),
            1 => self.rng.random_range(10..=49),
            2 => self.rng.random_range(50..=99),
            _ => self.rng.random_range(100..=500),
        }
    }

    fn company(
        &mut self,
        index: usize,
        needs_per_company: &RangeInclusive<usize>,
        out: &mut DemoData,
    ) {
        let anchor = ANCHORS.get(index);
        let place = match anchor {
            Some(&(code, _)) => PLACES
                .iter()
                .find(|p| p.code == code)
                .expect("anchor municipality"),
            None => &PLACES[pick_weighted(&mut self.rng, &self.muni_weights)],
        };
        let archetype = match anchor {
            Some(&(_, key)) => ARCHETYPES
                .iter()
                .find(|a| a.key == key)
                .expect("anchor archetype"),
            None if place.urban => {
                &ARCHETYPES[pick_weighted(&mut self.rng, &self.arch_weights_urban)]
            }
            None => &ARCHETYPES[pick_weighted(&mut self.rng, &self.arch_weights)],
        };
        let pc = pick(&mut self.rng, &place.postcodes);
        let cvr = self.cvr();
        let street = self.street();
        // Names use the municipality ("Aarhus"), not the postal district ("Aarhus N"), as firms name themselves.
        let town = jobmatch_refdata::municipality(place.code)
            .map_or(pc.city.as_str(), |m| m.name.as_str());
        let name = self.company_name(archetype, town, &street);
        let db07 = pick(&mut self.rng, archetype.db07);
        let industry_text = jobmatch_refdata::industry(db07)
            .unwrap_or_else(|| panic!("DB07 {db07} missing"))
            .title
            .as_str();
        let employees = self.employees(archetype);
        let cap = placement_cap(employees);
        let supported = if self.rng.random_bool(0.12) {
            cap
        } else {
            self.rng.random_range(0..=cap)
        };
        // Jitter within ~1.2 km so companies sharing a postcode do not sit on one point.
        let r_km = 1.2 * self.rng.random::<f64>().sqrt();
        let angle = self.rng.random_range(0.0..std::f64::consts::TAU);
        let lat = pc.lat + r_km * angle.cos() / 111.32;
        let lon = pc.lon + r_km * angle.sin() / (111.32 * pc.lat.to_radians().cos());
        let round5 = |x: f64| (x * 1e5).round() / 1e5;

        let size_word = match employees {
            0..10 => "Lille",
            10..50 => "Mellemstor",
            _ => "Stor",
        };
        let owner = pick(
            &mut self.rng,
            &[
                "familieejet",
                "veletableret",
                "lokal",
                "voksende",
                "erfaren",
            ],
        );
        let blurb = pick(&mut self.rng, archetype.blurbs);
        let closing = pick(
            &mut self.rng,
            &[
                "Vi tager gerne imod folk i virksomhedspraktik.",
                "Vi har gode erfaringer med løntilskud og praktik.",
                "Vi lægger vægt på et godt arbejdsmiljø og oplæring.",
                "Der er altid en fast kollega til at tage imod nye.",
            ],
        );
        let description = format!(
            "{industry_text}. {blurb} {size_word}, {owner} virksomhed i {} med {employees} ansatte. {closing}",
            pc.city,
        );

        let mut relation = json!({
            "municipality_code": place.code,
            "partnership": self.rng.random_bool(0.3),
            "open_to_ordinary_hours": self.rng.random_bool(0.7),
            "open_to_internship": self.rng.random_bool(0.75),
            "last_contact": self.date_between(DAY_2025_01_01, 700),
            "consultant": self.initials(),
        });
        if self.rng.random_bool(0.3) {
            relation["notes"] = json!(pick(
                &mut self.rng,
                &[
                    "Gode erfaringer med praktikforløb.",
                    "Kontaktperson er driftslederen.",
                    "Ønsker kandidater der kan starte hurtigt.",
                    "Har tidligere ansat efter løntilskud.",
                    "Mulighed for fleksible timer.",
                ],
            ));
        }

        let mut company = json!({
            "cvr": cvr,
            "name": name,
            "industry_code": db07,
            "industry_text": industry_text,
            "address": {
                "street": street,
                "postcode": pc.code,
                "city": pc.city,
                "municipality_code": place.code,
            },
            "location": { "lat": round5(lat), "lon": round5(lon) },
            "employees": employees,
            "supported_placements": supported,
            "description": description,
            "jobcenter_relations": [relation],
        });
        if self.rng.random_bool(0.6) {
            company["p_number"] =
                json!(format!("10{:08}", self.rng.random_range(0..100_000_000u32)));
        }
        out.companies.push(company);

        let (lo, hi) = (*needs_per_company.start(), *needs_per_company.end());
        let mut n = if lo <= hi {
            self.rng.random_range(lo..=hi)
        } else {
            0
        };
        if anchor.is_some() {
            // Anchors exist to be found: give them a need whenever the range allows one.
            n = n.max(hi.min(1));
        }
        let weights: Vec<u32> = archetype.jobs.iter().map(|j| j.weight).collect();
        for k in 0..n {
            let job = if anchor.is_some() && k == 0 {
                &archetype.jobs[0]
            } else {
                &archetype.jobs[pick_weighted(&mut self.rng, &weights)]
            };
            let need = self.need(&cvr, job, anchor.is_some() && k == 0);
            out.needs.push(need);
        }
    }

    fn need(&mut self, cvr: &str, job: &Job, anchor: bool) -> Value {
        let need_id = format!("DEMO-{:06}", self.next_need);
        self.next_need += 1;
        let occ = occupation(job.occ);
        let title = if anchor {
            pick(&mut self.rng, &["Lagermedarbejder", "Lagerarbejder"]).to_string()
        } else if job.colloquial.is_empty() || self.rng.random_bool(0.6) {
            capitalise(pick(&mut self.rng, job.esco_titles))
        } else {
            pick(&mut self.rng, job.colloquial).to_string()
        };

        let mut tasks: Vec<&str> = job
            .tasks
            .choose_multiple(&mut self.rng, 3)
            .copied()
            .collect();
        if anchor && !tasks.iter().any(|t| t.contains("lager")) {
            tasks[0] = job.tasks[0];
        }
        let n_req = self.rng.random_range(1..=3.min(job.competences.len()));
        let shuffled: Vec<&str> = job
            .competences
            .choose_multiple(&mut self.rng, job.competences.len())
            .copied()
            .collect();
        let required = &shuffled[..n_req];
        let n_pref = self.rng.random_range(0..=2.min(shuffled.len() - n_req));
        let mut preferred: Vec<&str> = shuffled[n_req..n_req + n_pref].to_vec();
        if self.rng.random_bool(0.3) {
            preferred.push(pick(
                &mut self.rng,
                &[
                    "erfaring fra lignende job",
                    "mødestabil",
                    "godt humør",
                    "fleksibel",
                ],
            ));
            preferred.dedup();
        }

        let shifts = pick(&mut self.rng, job.shifts);
        let physical = pick(&mut self.rng, job.physical);
        let danish = pick(&mut self.rng, job.danish);
        let licence: Option<&str> = match job.licence {
            Licence::None => None,
            Licence::SometimesB => self.rng.random_bool(0.25).then_some("B"),
            Licence::RequiredB => Some("B"),
            Licence::RequiredC => Some("C"),
            Licence::RequiredD => Some("D"),
        };

        let min = pick(&mut self.rng, &[5u32, 8, 10, 10, 15, 15, 20, 20, 25, 30]);
        let max = (min + self.rng.random_range(0..=20)).min(37);
        let offered = self.rng.random_bool(0.45);
        let (from_start, paid_hours) = if offered {
            (self.rng.random_bool(0.4), self.rng.random_range(1..=max))
        } else {
            (false, 0)
        };
        let internship = !offered || self.rng.random_bool(0.8);
        // Combination means internship tasks plus paid hours in other tasks, so it needs both.
        let combination = internship && offered && self.rng.random_bool(0.6);
        let mentor = self.rng.random_bool(0.5);

        let mut description = format!(
            "Vi søger en {} til {}. ",
            title.to_lowercase(),
            join_da(&tasks)
        );
        description.push_str(match shifts {
            ["day"] => "Arbejdet ligger i dagtimerne.",
            ["evening"] => "Arbejdet ligger om aftenen.",
            ["night"] => "Arbejdet ligger om natten.",
            s if s.contains(&"weekend") => "Arbejdet ligger også i weekender.",
            _ => "Arbejdet ligger i skiftende vagter.",
        });
        description.push_str(match physical {
            "heavy" => " Jobbet er fysisk krævende med tunge løft.",
            "medium" => " Du er meget på benene.",
            _ => " Arbejdet er fysisk let.",
        });
        if internship {
            description.push_str(" Forløbet kan starte som virksomhedspraktik.");
        }
        if offered {
            description.push_str(if from_start {
                " Der er løntimer fra start."
            } else {
                " Der er mulighed for løntimer efter en periode."
            });
        }
        if mentor {
            description.push_str(" Du får en fast mentor, som hjælper dig godt i gang.");
        }
        match danish {
            "none" => description.push_str(" Du behøver ikke tale dansk."),
            "fluent" => description.push_str(" Du taler og skriver flydende dansk."),
            _ => {}
        }
        if let Some(l) = licence {
            description.push_str(&format!(" Kørekort {l} er et krav."));
        }

        let status = match self.rng.random_range(0..100) {
            0..86 => "open",
            86..95 => "filled",
            _ => "closed",
        };
        let positions = pick(&mut self.rng, &[1u32, 1, 1, 1, 1, 2, 2, 3, 4, 5]);

        let mut need = json!({
            "need_id": need_id,
            "cvr": cvr,
            "title": title,
            "description": description,
            "competences_required": required,
            "competences_preferred": preferred,
            "hours_per_week": { "min": min, "max": max },
            "ordinary_hours": { "offered": offered, "from_start": from_start, "hours_per_week": paid_hours },
            "internship_possible": internship,
            "combination_possible": combination,
            "mentor_available": mentor,
            "shifts": shifts,
            "physical_demand": physical,
            "danish_level": danish,
            "driving_licence": licence,
            "positions": positions,
            "valid_until": self.date_between(DAY_2025_01_01 + 730, 365),
            "status": status,
        });
        // About half the ads carry a code, as in real systems where many are entered as free text only.
        if self.rng.random_bool(0.5) {
            need["occupation_codes"] = json!([occ.isco]);
        }
        need
    }
}

/// "a", "a og b", "a, b og c".
fn join_da(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [one] => (*one).to_string(),
        [rest @ .., last] => format!("{} og {last}", rest.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placement_cap_follows_the_rule() {
        for (e, cap) in [
            (0, 1),
            (9, 1),
            (10, 2),
            (14, 2),
            (24, 4),
            (50, 10),
            (59, 10),
            (60, 11),
            (500, 55),
        ] {
            assert_eq!(placement_cap(e), cap, "employees {e}");
        }
    }

    #[test]
    fn dates_are_civil() {
        assert_eq!(civil_from_days(DAY_2025_01_01), (2025, 1, 1));
        assert_eq!(civil_from_days(DAY_2025_01_01 + 730), (2027, 1, 1));
        assert_eq!(civil_from_days(DAY_2025_01_01 + 730 + 364), (2027, 12, 31));
        assert_eq!(civil_from_days(DAY_2025_01_01 + 59), (2025, 3, 1));
    }

    #[test]
    fn archetype_tables_are_consistent() {
        for a in ARCHETYPES {
            for code in a.db07 {
                let i = jobmatch_refdata::industry(code).unwrap_or_else(|| panic!("{code}"));
                assert_eq!(code.len(), 6, "{code}");
                assert!(!i.title.is_empty());
            }
            assert!(
                a.size.iter().sum::<u32>() > 0 && !a.jobs.is_empty() && !a.name_words.is_empty()
            );
            for j in a.jobs {
                let occ = occupation(j.occ);
                assert_eq!(occ.isco.len(), 4, "{}", j.occ);
                for t in j.esco_titles {
                    assert!(
                        occ.labels_da.contains(t),
                        "{t:?} is not an ESCO label of {}",
                        j.occ
                    );
                }
                assert!(j.tasks.len() >= 3, "{}", j.occ);
                assert!(
                    !j.competences.is_empty() && !j.shifts.is_empty() && !j.physical.is_empty()
                );
            }
        }
        for (code, _) in MUNICIPALITIES {
            assert!(jobmatch_refdata::municipality(code).is_some(), "{code}");
        }
        assert_eq!(PLACES.len(), MUNICIPALITIES.len());
    }

    #[test]
    fn generation_is_deterministic() {
        assert_eq!(generate(7, 50, 0..=3), generate(7, 50, 0..=3));
        assert_ne!(generate(7, 50, 0..=3), generate(8, 50, 0..=3));
        let c = corpus(3, 1234);
        assert_eq!(c.needs.len(), 1234);
        assert_eq!(generate(1, 0, 0..=4).companies.len(), 0);
        assert!(generate(1, 20, 0..=0).needs.is_empty());
    }

    #[test]
    fn demo_has_warehouse_jobs_near_aarhus() {
        let d = default_demo();
        assert_eq!(d.companies.len(), 400);
        let aarhus_area = ["0751", "0746", "0730", "0710", "0727", "0706"];
        let cvrs: HashSet<&str> = d
            .companies
            .iter()
            .filter(|c| aarhus_area.contains(&c["address"]["municipality_code"].as_str().unwrap()))
            .filter(|c| {
                c["industry_code"] == "521000"
                    || c["industry_code"].as_str().unwrap().starts_with("46")
            })
            .map(|c| c["cvr"].as_str().unwrap())
            .collect();
        assert!(cvrs.len() >= 5, "{}", cvrs.len());
        let lager: Vec<&Value> = d
            .needs
            .iter()
            .filter(|n| cvrs.contains(n["cvr"].as_str().unwrap()))
            .filter(|n| {
                n["title"]
                    .as_str()
                    .unwrap()
                    .to_lowercase()
                    .contains("lager")
            })
            .filter(|n| n["description"].as_str().unwrap().contains("lager"))
            .collect();
        assert!(lager.len() >= 5, "{}", lager.len());
        let archetypes: HashSet<&str> = d
            .companies
            .iter()
            .map(|c| c["industry_code"].as_str().unwrap())
            .collect();
        assert!(archetypes.len() >= 30, "{}", archetypes.len());
    }
}
