//! Danish reference tables needed at run time: postcodes, municipalities (kommuner), DB07 industry codes,
//! plus the CVR check-digit rule and great-circle distance.
//!
//! The tables are derived by `data/derive.py` from the shared reference data and embedded in the binary, so
//! the service has no run-time file dependency; see `data/SOURCES.md` for provenance and licences.

use std::collections::HashMap;
use std::sync::LazyLock;

#[derive(Debug, Clone, PartialEq)]
pub struct Postcode {
    pub code: String,
    pub city: String,
    pub lat: f64,
    pub lon: f64,
    /// 4 digits, zero-padded (e.g. "0751").
    pub municipality_code: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Municipality {
    /// 4 digits, zero-padded (e.g. "0101").
    pub code: String,
    /// Short name as used in everyday speech, e.g. "Aarhus".
    pub name: String,
    /// Official name, e.g. "Aarhus Kommune".
    pub full_name: String,
    pub region: String,
    pub lat: f64,
    pub lon: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Industry {
    /// Code without dots, as given at its level: "C", "10", "101", "1011", "101100".
    pub code: String,
    pub title: String,
    /// Section letter A-U.
    pub section: String,
}

impl Industry {
    /// 0 = section, 1 = division, 2 = group, 3 = class (NACE), 4 = DB07 6-digit subclass.
    pub fn level(&self) -> u8 {
        match self.code.len() {
            1 => 0,
            2 => 1,
            3 => 2,
            4 => 3,
            _ => 4,
        }
    }
}

struct Table<T> {
    rows: Vec<T>,
    index: HashMap<String, usize>,
}

impl<T> Table<T> {
    fn get(&self, code: &str) -> Option<&T> {
        self.index.get(code).map(|&i| &self.rows[i])
    }
}

/// Rows of a derived TSV file, skipping the `#` header line.
fn tsv(text: &'static str) -> impl Iterator<Item = Vec<&'static str>> {
    text.lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| l.split('\t').collect())
}

fn num(s: &str) -> f64 {
    // The embedded files are generated and covered by tests, so a bad number is a build defect.
    s.parse()
        .unwrap_or_else(|_| panic!("bad number {s:?} in embedded refdata"))
}

fn build<T>(rows: Vec<T>, key: impl Fn(&T) -> &str) -> Table<T> {
    let index = rows
        .iter()
        .enumerate()
        .map(|(i, r)| (key(r).to_string(), i))
        .collect();
    Table { rows, index }
}

static POSTCODES: LazyLock<Table<Postcode>> = LazyLock::new(|| {
    let rows = tsv(include_str!("../data/postcodes.tsv"))
        .map(|f| Postcode {
            code: f[0].to_string(),
            city: f[1].to_string(),
            lat: num(f[2]),
            lon: num(f[3]),
            municipality_code: f[4].to_string(),
        })
        .collect();
    build(rows, |p: &Postcode| &p.code)
});

static MUNICIPALITIES: LazyLock<Table<Municipality>> = LazyLock::new(|| {
    let rows = tsv(include_str!("../data/municipalities.tsv"))
        .map(|f| Municipality {
            code: f[0].to_string(),
            name: f[1].to_string(),
            full_name: f[2].to_string(),
            region: f[3].to_string(),
            lat: num(f[4]),
            lon: num(f[5]),
        })
        .collect();
    build(rows, |m: &Municipality| &m.code)
});

static INDUSTRIES: LazyLock<Table<Industry>> = LazyLock::new(|| {
    let rows = tsv(include_str!("../data/db07.tsv"))
        .map(|f| Industry {
            code: f[0].to_string(),
            section: f[1].to_string(),
            title: f[2].to_string(),
        })
        .collect();
    build(rows, |i: &Industry| &i.code)
});

/// Look up a 4-digit postcode.
pub fn postcode(code: &str) -> Option<&'static Postcode> {
    POSTCODES.get(code.trim())
}

/// All postcodes, sorted by code.
pub fn postcodes() -> &'static [Postcode] {
    &POSTCODES.rows
}

/// Postcodes whose main municipality is `municipality_code`.
pub fn postcodes_in(municipality_code: &str) -> impl Iterator<Item = &'static Postcode> {
    let code = pad_municipality(municipality_code);
    postcodes()
        .iter()
        .filter(move |p| Some(p.municipality_code.as_str()) == code.as_deref())
}

/// Look up a municipality; accepts "751" as well as "0751" since systems often drop the leading zero.
pub fn municipality(code: &str) -> Option<&'static Municipality> {
    MUNICIPALITIES.get(&pad_municipality(code)?)
}

/// All 98 municipalities, sorted by code.
pub fn municipalities() -> &'static [Municipality] {
    &MUNICIPALITIES.rows
}

fn pad_municipality(code: &str) -> Option<String> {
    let code = code.trim();
    (!code.is_empty() && code.len() <= 4 && code.bytes().all(|b| b.is_ascii_digit()))
        .then(|| format!("{code:0>4}"))
}

/// Exact DB07 code at any level: "C", "10", "101", "1011", "101100". Dotted forms ("10.11.00") are accepted.
pub fn industry(code: &str) -> Option<&'static Industry> {
    let code = code.trim();
    if code.contains('.') {
        INDUSTRIES.get(&code.replace('.', ""))
    } else {
        INDUSTRIES.get(code)
    }
}

/// All DB07 entries, every level, in classification order.
pub fn industries() -> &'static [Industry] {
    &INDUSTRIES.rows
}

/// The section (A-U) a 2-6 digit DB07 code belongs to; the code itself need only have a known division.
pub fn db07_section(code: &str) -> Option<&'static Industry> {
    let code = code.trim().replace('.', "");
    if !(2..=6).contains(&code.len()) || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    // "999999" (Uoplyst) sits outside the sections; its exact row must win over division 99.
    if let Some(exact) = industry(&code) {
        return industry(&exact.section);
    }
    // Sections are defined by division ranges, so the first two digits decide.
    let division = industry(&code[..2])?;
    industry(&division.section)
}

/// Great-circle distance in kilometres (mean Earth radius 6371.0088 km).
pub fn haversine_km(lat1: f64, lon1: f64, lat2: f64, lon2: f64) -> f64 {
    const R: f64 = 6371.0088;
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let dp = p2 - p1;
    let dl = (lon2 - lon1).to_radians();
    let a = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * R * a.sqrt().min(1.0).asin()
}

/// CVR weights from the Danish Business Authority's modulus-11 rule.
const CVR_WEIGHTS: [u32; 8] = [2, 7, 6, 5, 4, 3, 2, 1];

/// 8 ASCII digits, first not 0, weighted sum divisible by 11.
pub fn cvr_is_valid(cvr: &str) -> bool {
    let b = cvr.as_bytes();
    if b.len() != 8 || b[0] == b'0' || !b.iter().all(u8::is_ascii_digit) {
        return false;
    }
    let sum: u32 = b
        .iter()
        .zip(CVR_WEIGHTS)
        .map(|(d, w)| u32::from(d - b'0') * w)
        .sum();
    sum.is_multiple_of(11)
}

/// The check digit completing a 7-digit CVR prefix, or `None` when no digit works (remainder 10) or the
/// prefix is malformed. Used to generate valid synthetic CVR numbers.
pub fn cvr_check_digit(prefix7: &str) -> Option<u8> {
    let b = prefix7.as_bytes();
    if b.len() != 7 || b[0] == b'0' || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let sum: u32 = b
        .iter()
        .zip(CVR_WEIGHTS)
        .map(|(d, w)| u32::from(d - b'0') * w)
        .sum();
    // Last weight is 1, so the check digit is whatever brings the sum to a multiple of 11.
    let check = (11 - sum % 11) % 11;
    (check < 10).then_some(check as u8)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn aarhus_c_is_in_aarhus_municipality() {
        let p = postcode("8000").unwrap();
        assert_eq!(p.city, "Aarhus C");
        assert_eq!(p.municipality_code, "0751");
        assert!((p.lat - 56.15).abs() < 0.05 && (p.lon - 10.2).abs() < 0.1);
        let m = municipality(&p.municipality_code).unwrap();
        assert_eq!(m.name, "Aarhus");
        assert_eq!(m.region, "Region Midtjylland");
        assert_eq!(municipality("751"), Some(m));
        assert_eq!(postcode("1050").unwrap().municipality_code, "0101");
        assert_eq!(postcode("5000").unwrap().municipality_code, "0461");
        assert!(postcode("0000").is_none());
        assert!(postcode("").is_none());
    }

    #[test]
    fn tables_are_complete_and_consistent() {
        assert_eq!(municipalities().len(), 98);
        assert!(postcodes().len() > 1000);
        let codes: HashSet<_> = postcodes().iter().map(|p| &p.code).collect();
        assert_eq!(codes.len(), postcodes().len(), "postcodes unique");
        for p in postcodes() {
            assert_eq!(p.code.len(), 4);
            let m = municipality(&p.municipality_code).unwrap();
            assert!(haversine_km(p.lat, p.lon, m.lat, m.lon) <= 100.0, "{p:?}");
            assert!(
                (54.4..58.0).contains(&p.lat) && (7.0..15.8).contains(&p.lon),
                "{p:?}"
            );
        }
        for m in municipalities() {
            assert_eq!(m.code.len(), 4);
            assert!(m.region.starts_with("Region "));
        }
        assert!(postcodes_in("0751").any(|p| p.code == "8210"));
        assert!(postcodes_in("0751").all(|p| p.municipality_code == "0751"));
        let ind: HashSet<_> = industries().iter().map(|i| &i.code).collect();
        assert_eq!(ind.len(), industries().len(), "DB07 codes unique");
    }

    #[test]
    fn db07_lookups_at_every_level() {
        let i = industry("521000").unwrap();
        assert_eq!(i.title, "Oplagrings- og pakhusvirksomhed");
        assert_eq!(i.section, "H");
        assert_eq!(i.level(), 4);
        assert_eq!(
            industry("812100").unwrap().title,
            "Almindelig rengøring i bygninger"
        );
        assert_eq!(industry("561010").unwrap().title, "Restauranter");
        assert_eq!(industry("889130").unwrap().title, "Børnehaver");
        assert_eq!(industry("52.10.00"), Some(i));
        assert_eq!(industry("C").unwrap().title, "Fremstillingsvirksomhed");
        assert_eq!(industry("10").unwrap().level(), 1);
        assert_eq!(industry("101").unwrap().level(), 2);
        assert_eq!(industry("1011").unwrap().level(), 3);
        assert!(industry("123456").is_none());
        let six = industries().iter().filter(|i| i.level() == 4).count();
        assert!(six > 700, "{six}");
    }

    #[test]
    fn db07_section_of_codes() {
        assert_eq!(db07_section("521000").unwrap().code, "H");
        assert_eq!(
            db07_section("521000").unwrap().title,
            "Transport og godshåndtering"
        );
        assert_eq!(db07_section("47").unwrap().code, "G");
        assert_eq!(db07_section("8121").unwrap().code, "N");
        assert_eq!(db07_section("101100").unwrap().code, "C");
        assert_eq!(db07_section("011").unwrap().code, "A");
        assert!(db07_section("H").is_none());
        assert!(db07_section("4").is_none());
        assert!(db07_section("1234567").is_none());
        assert!(db07_section("00").is_none());
        assert!(db07_section("999999").is_none(), "unknown is not section U");
    }

    #[test]
    fn cvr_modulus_11() {
        // Round-trip the generator against the validator rather than trusting hand arithmetic.
        for prefix in ["1766619", "2465697", "7395322", "1000000", "9999999"] {
            match cvr_check_digit(prefix) {
                Some(d) => {
                    let cvr = format!("{prefix}{d}");
                    assert!(cvr_is_valid(&cvr), "{cvr}");
                    let wrong = format!("{prefix}{}", (d + 1) % 10);
                    assert!(!cvr_is_valid(&wrong), "{wrong}");
                }
                None => (0..10).for_each(|d| assert!(!cvr_is_valid(&format!("{prefix}{d}")))),
            }
        }
        // From the shared devset.
        assert!(cvr_is_valid("17666193"));
        assert!(cvr_is_valid("24656977"));
        assert!(cvr_is_valid("73953227"));
        assert!(!cvr_is_valid("17666194"));
        assert!(!cvr_is_valid("07666193"), "leading zero");
        assert!(!cvr_is_valid("1766619"));
        assert!(!cvr_is_valid("176661933"));
        assert!(!cvr_is_valid("1766619a"));
        assert!(!cvr_is_valid(""));
        assert_eq!(cvr_check_digit("012345"), None);
    }

    #[test]
    fn haversine_aarhus_copenhagen() {
        let a = postcode("8000").unwrap();
        let k = postcode("1050").unwrap();
        let d = haversine_km(a.lat, a.lon, k.lat, k.lon);
        assert!((150.0..165.0).contains(&d), "{d}");
        assert!(haversine_km(a.lat, a.lon, a.lat, a.lon).abs() < 1e-9);
        let back = haversine_km(k.lat, k.lon, a.lat, a.lon);
        assert!((d - back).abs() < 1e-9);
    }
}
