//! Validation of interchange records (shared/docs/interchange-format.md). Each rule names the field it checks,
//! so a bad record is reported with field and reason and a gRPC caller gets field violations. Validation also
//! normalises what the format lets be derived: a missing location comes from the postcode, a missing
//! municipality code from the postcode, and the DB07 title from the code.

use std::fmt;

use jobmatch_proto::v1::{CitizenProfile, Company, GeoPoint, Need};
use jobmatch_refdata as refdata;

use crate::date;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldViolation {
    pub field: String,
    pub reason: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Violations(pub Vec<FieldViolation>);

impl Violations {
    fn add(&mut self, field: impl Into<String>, reason: impl Into<String>) {
        self.0.push(FieldViolation {
            field: field.into(),
            reason: reason.into(),
        });
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    pub fn first(&self) -> Option<&FieldViolation> {
        self.0.first()
    }
    fn into_result(self) -> Result<(), Violations> {
        if self.0.is_empty() { Ok(()) } else { Err(self) }
    }
}

impl fmt::Display for Violations {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, v) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{}: {}", v.field, v.reason)?;
        }
        Ok(())
    }
}

pub const SHIFTS: [&str; 4] = ["day", "evening", "night", "weekend"];
pub const PHYSICAL_LEVELS: [&str; 3] = ["light", "medium", "heavy"];
pub const DANISH_LEVELS: [&str; 4] = ["none", "basic", "good", "fluent"];
pub const STATUSES: [&str; 3] = ["open", "filled", "closed"];
pub const TRANSPORTS: [&str; 4] = ["car", "public", "bike", "walk"];
pub const EDUCATIONS: [&str; 4] = ["none", "vocational", "upper_secondary", "higher"];
/// Danish driving licence categories (færdselsloven).
pub const LICENCES: [&str; 16] = [
    "AM", "A1", "A2", "A", "B", "BE", "C1", "C1E", "C", "CE", "D1", "D1E", "D", "DE", "T", "LK",
];

/// Position of a value in an ordered enumeration (light < medium < heavy, none < basic < good < fluent).
pub fn level(levels: &[&str], value: &str) -> Option<usize> {
    levels.iter().position(|l| *l == value)
}

fn all_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

fn check_enum(v: &mut Violations, field: &str, value: &str, allowed: &[&str]) {
    if !allowed.contains(&value) {
        let shown: String = value.chars().take(40).collect();
        v.add(
            field,
            format!("'{shown}' is not one of {}", allowed.join(", ")),
        );
    }
}

fn check_text(v: &mut Violations, field: &str, value: &str, min: usize, max: usize) {
    let n = value.trim().chars().count();
    if n < min || value.chars().count() > max {
        v.add(field, format!("must be {min}-{max} characters"));
    }
}

// Denmark including Bornholm, with a margin; a point outside is a swapped or mistyped coordinate.
fn check_point(v: &mut Violations, field: &str, p: &GeoPoint) {
    if !(54.4..=57.9).contains(&p.lat) || !(7.8..=15.3).contains(&p.lon) {
        v.add(field, "lies outside Denmark (lat 54.4-57.9, lon 7.8-15.3)");
    }
}

pub fn check_cvr(v: &mut Violations, field: &str, cvr: &str) {
    if !refdata::cvr_is_valid(cvr) {
        let reason = if cvr.len() != 8 || !all_digits(cvr) {
            "must be 8 digits"
        } else if cvr.starts_with('0') {
            "must not start with 0"
        } else {
            "fails the modulus-11 check"
        };
        v.add(field, reason);
    }
}

/// Validates and normalises a company. Returns warnings (derived fields) on success.
pub fn company(c: &mut Company) -> Result<Vec<String>, Violations> {
    let mut v = Violations::default();
    let mut warnings = Vec::new();
    check_cvr(&mut v, "cvr", &c.cvr);
    if let Some(p) = &c.p_number
        && !p.is_empty()
        && !(p.len() == 10 && all_digits(p))
    {
        v.add("p_number", "must be 10 digits");
    }
    check_text(&mut v, "name", &c.name, 1, 200);
    if !(c.industry_code.len() == 6 && all_digits(&c.industry_code)) {
        v.add("industry_code", "must be a 6-digit DB07 code");
    } else if let Some(ind) = refdata::industry(&c.industry_code) {
        if c.industry_text.as_deref().unwrap_or("").trim().is_empty() {
            c.industry_text = Some(ind.title.clone());
        }
    } else {
        v.add(
            "industry_code",
            format!("'{}' is not a DB07 code", c.industry_code),
        );
    }
    match c.address.as_mut() {
        None => v.add("address", "is required"),
        Some(a) => match refdata::postcode(&a.postcode) {
            None => v.add(
                "address.postcode",
                format!("'{}' is not a Danish postcode", short(&a.postcode)),
            ),
            Some(pc) => {
                if a.municipality_code.is_empty() {
                    a.municipality_code = pc.municipality_code.clone();
                    warnings
                        .push("address.municipality_code derived from the postcode".to_string());
                } else if refdata::municipality(&a.municipality_code).is_none() {
                    v.add(
                        "address.municipality_code",
                        "is not a Danish municipality code (4 digits, e.g. 0751)",
                    );
                }
                if a.city.is_empty() {
                    a.city = pc.city.clone();
                }
                match &c.location {
                    None => {
                        c.location = Some(GeoPoint {
                            lat: pc.lat,
                            lon: pc.lon,
                        });
                        warnings.push("location derived from the postcode".to_string());
                    }
                    Some(p) => check_point(&mut v, "location", p),
                }
            }
        },
    }
    if c.employees < 0 {
        v.add("employees", "must be >= 0");
    }
    if c.supported_placements < 0 {
        v.add("supported_placements", "must be >= 0");
    }
    if c.description
        .as_deref()
        .is_some_and(|d| d.chars().count() > 10_000)
    {
        v.add("description", "must be at most 10000 characters");
    }
    for (i, r) in c.jobcenter_relations.iter().enumerate() {
        if refdata::municipality(&r.municipality_code).is_none() {
            v.add(
                format!("jobcenter_relations[{i}].municipality_code"),
                "is not a Danish municipality code",
            );
        }
        if !r.last_contact.is_empty() && !date::is_valid(&r.last_contact) {
            v.add(
                format!("jobcenter_relations[{i}].last_contact"),
                "must be an ISO date (YYYY-MM-DD)",
            );
        }
    }
    v.into_result().map(|()| warnings)
}

/// Validates and normalises a need on its own; that its company exists is checked where the catalog is known.
pub fn need(n: &mut Need) -> Result<Vec<String>, Violations> {
    let mut v = Violations::default();
    let warnings = Vec::new();
    if n.need_id.is_empty()
        || n.need_id.chars().count() > 64
        || n.need_id.chars().any(char::is_control)
    {
        v.add("need_id", "must be 1-64 printable characters");
    }
    check_cvr(&mut v, "cvr", &n.cvr);
    check_text(&mut v, "title", &n.title, 1, 200);
    for (i, code) in n.occupation_codes.iter().enumerate() {
        let ok = (matches!(code.len(), 4 | 6) && all_digits(code))
            || code.starts_with("http://data.europa.eu/esco/occupation/");
        if !ok {
            v.add(
                format!("occupation_codes[{i}]"),
                "must be an ISCO-08 (4 digits), DISCO-08 (6 digits) or ESCO occupation URI",
            );
        }
    }
    if n.description.chars().count() > 10_000 {
        v.add("description", "must be at most 10000 characters");
    }
    match &n.hours_per_week {
        None => v.add("hours_per_week", "is required"),
        Some(h) => {
            if !(1..=37).contains(&h.min) || !(1..=37).contains(&h.max) || h.min > h.max {
                v.add("hours_per_week", "min and max must be 1-37 with min <= max");
            }
        }
    }
    if let Some(o) = &n.ordinary_hours
        && !(0..=37).contains(&o.hours_per_week)
    {
        v.add("ordinary_hours.hours_per_week", "must be 0-37");
    }
    if n.shifts.is_empty() {
        v.add(
            "shifts",
            "must list at least one of day, evening, night, weekend",
        );
    }
    for (i, s) in n.shifts.iter().enumerate() {
        check_enum(&mut v, &format!("shifts[{i}]"), s, &SHIFTS);
    }
    check_enum(
        &mut v,
        "physical_demand",
        &n.physical_demand,
        &PHYSICAL_LEVELS,
    );
    check_enum(&mut v, "danish_level", &n.danish_level, &DANISH_LEVELS);
    if let Some(l) = n.driving_licence.as_deref()
        && !l.is_empty()
    {
        check_enum(&mut v, "driving_licence", l, &LICENCES);
    }
    if n.positions < 1 {
        v.add("positions", "must be >= 1");
    }
    if !date::is_valid(&n.valid_until) {
        v.add("valid_until", "must be an ISO date (YYYY-MM-DD)");
    }
    check_enum(&mut v, "status", &n.status, &STATUSES);
    if let Some(p) = &n.location {
        check_point(&mut v, "location", p);
    }
    v.into_result().map(|()| warnings)
}

/// True when `s` looks like a CPR number: ddmmyy-xxxx, or 10 digits whose first six are a valid date.
pub fn looks_like_cpr(s: &str) -> bool {
    let digits: String = s.chars().filter(|c| !matches!(c, '-' | ' ')).collect();
    if digits.len() != 10 || !all_digits(&digits) {
        return false;
    }
    // ddmmyy-xxxx with a dash is CPR-shaped whatever the date; bare digits count when the date is real.
    if s.len() == 11 && s.as_bytes().get(6) == Some(&b'-') {
        return true;
    }
    let dd: i64 = digits[0..2].parse().unwrap_or(0);
    let mm: i64 = digits[2..4].parse().unwrap_or(0);
    let yy: &str = &digits[4..6];
    // Either century will do: a valid day and month is enough to refuse.
    ["19", "20"]
        .iter()
        .any(|c| date::is_valid(&format!("{c}{yy}-{mm:02}-{dd:02}")))
}

/// Validates a citizen profile given to MatchCitizen. Fills a missing home point from the postcode.
pub fn citizen(c: &mut CitizenProfile) -> Result<Vec<String>, Violations> {
    let mut v = Violations::default();
    let warnings = Vec::new();
    if c.citizen_ref.is_empty() || c.citizen_ref.chars().count() > 64 {
        v.add("citizen_ref", "must be 1-64 characters");
    } else if looks_like_cpr(&c.citizen_ref) {
        v.add(
            "citizen_ref",
            "looks like a CPR number; send the pseudonymous reference, never a CPR number",
        );
    }
    if refdata::municipality(&c.municipality_code).is_none() {
        v.add(
            "municipality_code",
            "is not a Danish municipality code (4 digits, e.g. 0751)",
        );
    }
    match c.home.as_mut() {
        None => v.add("home", "is required"),
        Some(h) => match (h.lat, h.lon) {
            (Some(lat), Some(lon)) => check_point(&mut v, "home", &GeoPoint { lat, lon }),
            _ => match refdata::postcode(&h.postcode) {
                Some(pc) => {
                    h.lat = Some(pc.lat);
                    h.lon = Some(pc.lon);
                }
                None => v.add(
                    "home.postcode",
                    format!("'{}' is not a Danish postcode", short(&h.postcode)),
                ),
            },
        },
    }
    if !(c.max_distance_km > 0.0 && c.max_distance_km <= 500.0) {
        v.add("max_distance_km", "must be > 0 and <= 500");
    }
    if !c.transport.is_empty() {
        check_enum(&mut v, "transport", &c.transport, &TRANSPORTS);
    }
    if c.job_goals.len() > 20 {
        v.add("job_goals", "at most 20 goals");
    }
    for (i, g) in c.job_goals.iter().enumerate() {
        if g.text.chars().count() > 200 {
            v.add(
                format!("job_goals[{i}].text"),
                "must be at most 200 characters",
            );
        }
    }
    if c.competences.len() > 100 {
        v.add("competences", "at most 100 competences");
    }
    if !c.education.is_empty() {
        check_enum(&mut v, "education", &c.education, &EDUCATIONS);
    }
    check_enum(&mut v, "danish_level", &c.danish_level, &DANISH_LEVELS);
    if !(1..=37).contains(&c.available_hours_per_week) {
        v.add("available_hours_per_week", "must be 1-37");
    }
    for (i, s) in c.shifts_possible.iter().enumerate() {
        check_enum(&mut v, &format!("shifts_possible[{i}]"), s, &SHIFTS);
    }
    check_enum(
        &mut v,
        "physical_capacity",
        &c.physical_capacity,
        &PHYSICAL_LEVELS,
    );
    if c.cv_text
        .as_deref()
        .is_some_and(|t| t.chars().count() > 20_000)
    {
        v.add("cv_text", "must be at most 20000 characters");
    }
    v.into_result().map(|()| warnings)
}

fn short(s: &str) -> String {
    s.chars().take(20).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpr_shapes_are_refused() {
        assert!(looks_like_cpr("010190-1234"));
        assert!(looks_like_cpr("0101901234"));
        assert!(!looks_like_cpr("DC00001"));
        assert!(!looks_like_cpr("9999991234"));
        assert!(!looks_like_cpr("12345"));
    }
}
