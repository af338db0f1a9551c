//! Validation of interchange records (shared/docs/interchange-format.md). Each rule names the field it checks,
//! so a bad record is reported with field and reason and a gRPC caller gets field violations. Validation also
//! normalises what the format lets be derived: a missing location comes from the postcode, a missing
//! municipality code from the postcode, and the DB07 title from the code.

use std::fmt;

use jobmatch_proto::v1::{CitizenProfile, Company, GeoPoint, Need, PlacementOutcome};
use jobmatch_refdata as refdata;

use crate::date;
use crate::limits::{self, MAX_VIOLATIONS};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldViolation {
    pub field: String,
    pub reason: String,
}

/// The problems of one record or request. At most [`MAX_VIOLATIONS`] are listed; one last entry counts the
/// rest, so an error stays small whatever the input.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Violations(pub Vec<FieldViolation>, usize);

impl Violations {
    pub fn add(&mut self, field: impl Into<String>, reason: impl Into<String>) {
        if self.0.len() < MAX_VIOLATIONS {
            self.0.push(FieldViolation {
                field: field.into(),
                reason: reason.into(),
            });
            return;
        }
        self.1 += 1;
        let more = FieldViolation {
            field: String::new(),
            reason: format!(
                "and {} more problem{}",
                self.1,
                if self.1 == 1 { "" } else { "s" }
            ),
        };
        if self.0.len() == MAX_VIOLATIONS {
            self.0.push(more);
        } else if let Some(last) = self.0.last_mut() {
            *last = more;
        }
    }
    pub fn single(field: impl Into<String>, reason: impl Into<String>) -> Self {
        let mut v = Violations::default();
        v.add(field, reason);
        v
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    pub fn first(&self) -> Option<&FieldViolation> {
        self.0.first()
    }
    pub fn into_result(self) -> Result<(), Violations> {
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

fn required(v: &mut Violations, field: &str, value: &str) {
    if value.trim().is_empty() {
        v.add(field, "is required");
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
    limits::company(c, &mut v);
    check_cvr(&mut v, "cvr", &c.cvr);
    if let Some(p) = &c.p_number
        && !p.is_empty()
        && !(p.len() == 10 && all_digits(p))
    {
        v.add("p_number", "must be 10 digits");
    }
    required(&mut v, "name", &c.name);
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
    let mut seen = std::collections::HashSet::new();
    for (i, r) in c.jobcenter_relations.iter().enumerate() {
        if !seen.insert(r.municipality_code.as_str()) {
            v.add(
                format!("jobcenter_relations[{i}].municipality_code"),
                "a jobcenter has at most one relation to a company",
            );
        }
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
    limits::need(n, &mut v);
    if n.need_id.trim().is_empty() || n.need_id.trim() != n.need_id {
        v.add("need_id", "is required, without leading or trailing spaces");
    }
    check_cvr(&mut v, "cvr", &n.cvr);
    required(&mut v, "title", &n.title);
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

/// True when `s` looks like a CPR number anywhere in it, however it is written (see [`crate::cpr`]).
pub fn looks_like_cpr(s: &str) -> bool {
    crate::cpr::contains_cpr(s)
}

/// A pseudonymous reference is an opaque id from the jobcenter's system: ASCII letters, digits and a few
/// separators, so that it can be logged and keyed on as it is.
pub fn is_plain_ref(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= limits::KEY_CHARS
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':' | b'/'))
}

/// Checks a citizen reference on its own (also used by the citizen registry).
pub fn citizen_ref(v: &mut Violations, field: &str, r: &str) {
    if looks_like_cpr(r) {
        v.add(
            field,
            "looks like a CPR number; send the pseudonymous reference, never a CPR number",
        );
    } else if !is_plain_ref(r) {
        v.add(
            field,
            "must be 1-64 characters of A-Z, a-z, 0-9 and - _ . : /",
        );
    }
}

/// Validates a citizen profile given to MatchCitizen. Fills a missing home point from the postcode.
pub fn citizen(c: &mut CitizenProfile) -> Result<Vec<String>, Violations> {
    let mut v = Violations::default();
    let warnings = Vec::new();
    limits::citizen(c, &mut v);
    citizen_ref(&mut v, "citizen_ref", &c.citizen_ref);
    // Free text is the citizen's own words, where a CPR number can slip in; it must not reach the service.
    let cpr = "contains what looks like a CPR number; remove it";
    for (i, g) in c.job_goals.iter().enumerate() {
        if looks_like_cpr(&g.text) {
            v.add(format!("job_goals[{i}].text"), cpr);
        }
    }
    for (i, t) in c.competences.iter().enumerate() {
        if looks_like_cpr(t) {
            v.add(format!("competences[{i}]"), cpr);
        }
    }
    for (i, e) in c.experience.iter().enumerate() {
        if looks_like_cpr(&e.title) {
            v.add(format!("experience[{i}].title"), cpr);
        }
    }
    if c.cv_text.as_deref().is_some_and(looks_like_cpr) {
        v.add("cv_text", cpr);
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
    v.into_result().map(|()| warnings)
}

pub const PLACEMENT_KINDS: [&str; 4] = ["internship", "paid_hours", "combination", "wage_subsidy"];

/// Validates a placement outcome: a citizen reference, a known-shaped company, a kind, dates in order and
/// hours of 0-37 a week.
pub fn placement_outcome(o: &PlacementOutcome) -> Result<(), Violations> {
    let mut v = Violations::default();
    limits::placement_outcome(o, &mut v);
    if !is_plain_ref(&o.placement_id) {
        v.add(
            "placement_id",
            "must be 1-64 characters of A-Z, a-z, 0-9 and - _ . : /",
        );
    }
    citizen_ref(&mut v, "citizen_ref", &o.citizen_ref);
    check_cvr(&mut v, "cvr", &o.cvr);
    check_enum(&mut v, "kind", &o.kind, &PLACEMENT_KINDS);
    if !date::is_valid(&o.started) {
        v.add("started", "must be an ISO date (YYYY-MM-DD)");
    }
    let mut last = o.started.as_str();
    for (i, h) in o.paid_hours.iter().enumerate() {
        if !date::is_valid(&h.from) {
            v.add(
                format!("paid_hours[{i}].from"),
                "must be an ISO date (YYYY-MM-DD)",
            );
        } else if h.from.as_str() < last {
            v.add(
                format!("paid_hours[{i}].from"),
                "must not be before the start or the previous change",
            );
        } else {
            last = h.from.as_str();
        }
        if !(0.0..=37.0).contains(&h.hours_per_week) {
            v.add(format!("paid_hours[{i}].hours_per_week"), "must be 0-37");
        }
    }
    if let Some(e) = &o.ended {
        if !date::is_valid(e) {
            v.add("ended", "must be an ISO date (YYYY-MM-DD)");
        } else if e.as_str() < o.started.as_str() {
            v.add("ended", "must not be before the start");
        }
    }
    v.into_result()
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

    #[test]
    fn refs_are_plain_ascii() {
        for ok in ["AAR-2026-0042", "DC00001", "a/b:c_d.e"] {
            assert!(is_plain_ref(ok), "{ok}");
        }
        for bad in ["", "AAR\n", "AAR 1", "Ærø-1", &"x".repeat(65)] {
            assert!(!is_plain_ref(bad), "{bad}");
        }
    }
}
