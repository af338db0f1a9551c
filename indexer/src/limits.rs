//! Size bounds of every string and list the API accepts, in one table. Every record and request is checked
//! against it before anything else looks at it, so no field can make a request slow, a response too large for
//! a stock gRPC client (4 MiB), or a cache grow without end. The README's bounds table is this table (a test
//! compares them), and another test checks that every string and repeated field of the API has a row here.
//!
//! The bounds are chosen so that the largest possible `MatchCitizen` answer (100 candidates) and
//! `SearchCompanies` page (100 hits) stay under 4 MiB even when every character takes four bytes.

use jobmatch_proto::v1::{
    CitizenProfile, Company, GetCompanyRequest, MatchOptions, Need, NormalizeOccupationRequest,
    PlacementOutcome, SearchCompaniesRequest,
};

use crate::validate::Violations;

/// The bound of one field: `Message.field` as in the proto, with at most `max_chars` characters (for a
/// repeated string: each item) and at most `max_items` items (for a repeated field).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bound {
    pub path: &'static str,
    pub max_chars: Option<usize>,
    pub max_items: Option<usize>,
    /// Text people write (names, titles, descriptions, goals, queries) may hold tabs and line breaks, as pasted
    /// text does; other control characters, and every control character in codes and keys, are refused.
    pub multiline: bool,
}

const fn text(path: &'static str, max_chars: usize) -> Bound {
    Bound {
        path,
        max_chars: Some(max_chars),
        max_items: None,
        multiline: false,
    }
}

const fn prose(path: &'static str, max_chars: usize) -> Bound {
    Bound {
        path,
        max_chars: Some(max_chars),
        max_items: None,
        multiline: true,
    }
}

const fn texts(path: &'static str, max_items: usize, max_chars: usize) -> Bound {
    Bound {
        path,
        max_chars: Some(max_chars),
        max_items: Some(max_items),
        multiline: false,
    }
}

const fn prose_texts(path: &'static str, max_items: usize, max_chars: usize) -> Bound {
    Bound {
        path,
        max_chars: Some(max_chars),
        max_items: Some(max_items),
        multiline: true,
    }
}

const fn items(path: &'static str, max_items: usize) -> Bound {
    Bound {
        path,
        max_chars: None,
        max_items: Some(max_items),
        multiline: false,
    }
}

/// Municipality codes: 98 municipalities.
const MUNICIPALITIES: usize = 98;
/// Identifiers and keys chosen by clients (need ids, citizen refs, cursors).
pub const KEY_CHARS: usize = 64;
/// Codes, dates and enumerations: their own format check says precisely what is wrong; this bound only keeps
/// the value small.
pub const FORMATTED: usize = 32;

pub mod address {
    use super::*;
    pub const STREET: Bound = prose("Address.street", 200);
    pub const POSTCODE: Bound = text("Address.postcode", FORMATTED);
    pub const CITY: Bound = prose("Address.city", 100);
    pub const MUNICIPALITY_CODE: Bound = text("Address.municipality_code", FORMATTED);
}

pub mod relation {
    use super::*;
    pub const MUNICIPALITY_CODE: Bound = text("JobcenterRelation.municipality_code", FORMATTED);
    pub const LAST_CONTACT: Bound = text("JobcenterRelation.last_contact", FORMATTED);
    pub const CONSULTANT: Bound = prose("JobcenterRelation.consultant", 100);
    pub const NOTES: Bound = prose("JobcenterRelation.notes", 1_000);
}

pub mod company {
    use super::*;
    pub const CVR: Bound = text("Company.cvr", FORMATTED);
    pub const P_NUMBER: Bound = text("Company.p_number", FORMATTED);
    pub const NAME: Bound = prose("Company.name", 200);
    pub const INDUSTRY_CODE: Bound = text("Company.industry_code", FORMATTED);
    pub const INDUSTRY_TEXT: Bound = prose("Company.industry_text", 200);
    pub const DESCRIPTION: Bound = prose("Company.description", 4_000);
    pub const JOBCENTER_RELATIONS: Bound = items("Company.jobcenter_relations", MUNICIPALITIES);
}

pub mod need {
    use super::*;
    pub const NEED_ID: Bound = text("Need.need_id", KEY_CHARS);
    pub const CVR: Bound = text("Need.cvr", FORMATTED);
    pub const TITLE: Bound = prose("Need.title", 200);
    pub const OCCUPATION_CODES: Bound = texts("Need.occupation_codes", 10, 100);
    pub const DESCRIPTION: Bound = prose("Need.description", 4_000);
    pub const COMPETENCES_REQUIRED: Bound = prose_texts("Need.competences_required", 20, 80);
    pub const COMPETENCES_PREFERRED: Bound = prose_texts("Need.competences_preferred", 20, 80);
    pub const SHIFTS: Bound = texts("Need.shifts", 4, FORMATTED);
    pub const PHYSICAL_DEMAND: Bound = text("Need.physical_demand", FORMATTED);
    pub const DANISH_LEVEL: Bound = text("Need.danish_level", FORMATTED);
    pub const DRIVING_LICENCE: Bound = text("Need.driving_licence", FORMATTED);
    pub const VALID_UNTIL: Bound = text("Need.valid_until", FORMATTED);
    pub const STATUS: Bound = text("Need.status", FORMATTED);
}

pub mod citizen {
    use super::*;
    pub const CITIZEN_REF: Bound = text("CitizenProfile.citizen_ref", KEY_CHARS);
    pub const MUNICIPALITY_CODE: Bound = text("CitizenProfile.municipality_code", FORMATTED);
    pub const HOME_POSTCODE: Bound = text("Home.postcode", FORMATTED);
    pub const TRANSPORT: Bound = text("CitizenProfile.transport", FORMATTED);
    pub const JOB_GOALS: Bound = items("CitizenProfile.job_goals", 10);
    pub const GOAL_TEXT: Bound = prose("JobGoal.text", 200);
    pub const GOAL_CODE: Bound = text("JobGoal.occupation_code", 100);
    pub const COMPETENCES: Bound = prose_texts("CitizenProfile.competences", 50, 100);
    pub const EXPERIENCE: Bound = items("CitizenProfile.experience", 20);
    pub const EXPERIENCE_TITLE: Bound = prose("Experience.title", 200);
    pub const EDUCATION: Bound = text("CitizenProfile.education", FORMATTED);
    pub const DANISH_LEVEL: Bound = text("CitizenProfile.danish_level", FORMATTED);
    pub const DRIVING_LICENCES: Bound = texts("CitizenProfile.driving_licences", 16, FORMATTED);
    pub const SHIFTS_POSSIBLE: Bound = texts("CitizenProfile.shifts_possible", 4, FORMATTED);
    pub const PHYSICAL_CAPACITY: Bound = text("CitizenProfile.physical_capacity", FORMATTED);
    pub const CV_TEXT: Bound = prose("CitizenProfile.cv_text", 10_000);
}

pub mod requests {
    use super::*;
    pub const CVR: Bound = text("GetCompanyRequest.cvr", FORMATTED);
    pub const DELETE_CVR: Bound = text("DeleteCompanyRequest.cvr", FORMATTED);
    pub const GET_NEED_ID: Bound = text("GetNeedRequest.need_id", KEY_CHARS);
    pub const DELETE_NEED_ID: Bound = text("DeleteNeedRequest.need_id", KEY_CHARS);
    pub const CLOSE_NEED_ID: Bound = text("CloseNeedRequest.need_id", KEY_CHARS);
    pub const CLOSE_STATUS: Bound = text("CloseNeedRequest.status", FORMATTED);
    pub const QUERY: Bound = prose("SearchCompaniesRequest.query", 200);
    pub const SEARCH_MUNICIPALITIES: Bound = texts(
        "SearchCompaniesRequest.municipality_codes",
        MUNICIPALITIES,
        FORMATTED,
    );
    pub const SEARCH_INDUSTRIES: Bound = texts(
        "SearchCompaniesRequest.industry_code_prefixes",
        20,
        FORMATTED,
    );
    pub const NOT_CONTACTED_SINCE: Bound =
        text("SearchCompaniesRequest.not_contacted_since", FORMATTED);
    pub const JOBCENTER: Bound = text("SearchCompaniesRequest.jobcenter", FORMATTED);
    pub const CURSOR: Bound = text("SearchCompaniesRequest.cursor", KEY_CHARS);
    pub const NEAR_POSTCODE: Bound = text("Near.postcode", FORMATTED);
    pub const MATCH_MUNICIPALITIES: Bound =
        texts("MatchOptions.municipality_codes", MUNICIPALITIES, FORMATTED);
    pub const MATCH_INDUSTRIES: Bound = texts("MatchOptions.industry_code_prefixes", 20, FORMATTED);
    pub const NORMALIZE_TEXT: Bound = prose("NormalizeOccupationRequest.text", 200);
}

pub mod outcome {
    use super::*;
    pub const PLACEMENT_ID: Bound = text("PlacementOutcome.placement_id", KEY_CHARS);
    pub const CITIZEN_REF: Bound = text("PlacementOutcome.citizen_ref", KEY_CHARS);
    pub const CVR: Bound = text("PlacementOutcome.cvr", FORMATTED);
    pub const NEED_ID: Bound = text("PlacementOutcome.need_id", KEY_CHARS);
    pub const KIND: Bound = text("PlacementOutcome.kind", FORMATTED);
    pub const STARTED: Bound = text("PlacementOutcome.started", FORMATTED);
    /// Two years of weekly changes.
    pub const PAID_HOURS: Bound = items("PlacementOutcome.paid_hours", 104);
    pub const ENDED: Bound = text("PlacementOutcome.ended", FORMATTED);
    pub const HOURS_FROM: Bound = text("HoursFrom.from", FORMATTED);
}

pub mod registry {
    use super::*;
    pub const GET_CITIZEN_REF: Bound = text("GetCitizenRequest.citizen_ref", KEY_CHARS);
    pub const DELETE_CITIZEN_REF: Bound = text("DeleteCitizenRequest.citizen_ref", KEY_CHARS);
    pub const MATCHES_CITIZEN_REF: Bound = text("GetMatchesRequest.citizen_ref", KEY_CHARS);
    pub const OUTCOMES_CITIZEN_REF: Bound =
        text("ListPlacementOutcomesRequest.citizen_ref", KEY_CHARS);
    pub const MATCH_NEED_ID: Bound = text("MatchNeedRequest.need_id", KEY_CHARS);
    pub const RUN_JOBCENTER: Bound = text("StartRunRequest.jobcenter", FORMATTED);
    pub const RUN_ID: Bound = text("GetRunRequest.run_id", KEY_CHARS);
    pub const AUDIT_CITIZEN_REF: Bound = text("ReadAuditRequest.citizen_ref", KEY_CHARS);
    pub const AUDIT_FROM: Bound = text("ReadAuditRequest.from", FORMATTED);
    pub const AUDIT_TO: Bound = text("ReadAuditRequest.to", FORMATTED);
}

pub mod followup {
    use super::*;
    pub const PROGRESSION_CITIZEN_REF: Bound = text("GetProgressionRequest.citizen_ref", KEY_CHARS);
    pub const PROGRESSION_TARGET_GROUP: Bound =
        text("GetProgressionRequest.target_group", FORMATTED);
    pub const SUMMARY_MUNICIPALITY: Bound =
        text("GetJobcenterSummaryRequest.municipality_code", FORMATTED);
    pub const SUMMARY_FROM: Bound = text("GetJobcenterSummaryRequest.from", FORMATTED);
    pub const SUMMARY_TO: Bound = text("GetJobcenterSummaryRequest.to", FORMATTED);
    pub const GAIN_RATE: Bound = text("MonthlyGainRequest.benefit_rate", FORMATTED);
    pub const GAIN_MONTH: Bound = text("MonthlyGainRequest.month", FORMATTED);
    pub const OPTIONS_GAIN_RATE: Bound = text("GainOptions.benefit_rate", FORMATTED);
    pub const OPTIONS_GAIN_MONTH: Bound = text("GainOptions.month", FORMATTED);
}

/// Every bound, in the order of the README table.
pub const ALL: &[Bound] = &[
    company::CVR,
    company::P_NUMBER,
    company::NAME,
    company::INDUSTRY_CODE,
    company::INDUSTRY_TEXT,
    company::DESCRIPTION,
    company::JOBCENTER_RELATIONS,
    address::STREET,
    address::POSTCODE,
    address::CITY,
    address::MUNICIPALITY_CODE,
    relation::MUNICIPALITY_CODE,
    relation::LAST_CONTACT,
    relation::CONSULTANT,
    relation::NOTES,
    need::NEED_ID,
    need::CVR,
    need::TITLE,
    need::OCCUPATION_CODES,
    need::DESCRIPTION,
    need::COMPETENCES_REQUIRED,
    need::COMPETENCES_PREFERRED,
    need::SHIFTS,
    need::PHYSICAL_DEMAND,
    need::DANISH_LEVEL,
    need::DRIVING_LICENCE,
    need::VALID_UNTIL,
    need::STATUS,
    citizen::CITIZEN_REF,
    citizen::MUNICIPALITY_CODE,
    citizen::HOME_POSTCODE,
    citizen::TRANSPORT,
    citizen::JOB_GOALS,
    citizen::GOAL_TEXT,
    citizen::GOAL_CODE,
    citizen::COMPETENCES,
    citizen::EXPERIENCE,
    citizen::EXPERIENCE_TITLE,
    citizen::EDUCATION,
    citizen::DANISH_LEVEL,
    citizen::DRIVING_LICENCES,
    citizen::SHIFTS_POSSIBLE,
    citizen::PHYSICAL_CAPACITY,
    citizen::CV_TEXT,
    requests::CVR,
    requests::DELETE_CVR,
    requests::GET_NEED_ID,
    requests::DELETE_NEED_ID,
    requests::CLOSE_NEED_ID,
    requests::CLOSE_STATUS,
    requests::QUERY,
    requests::SEARCH_MUNICIPALITIES,
    requests::SEARCH_INDUSTRIES,
    requests::NOT_CONTACTED_SINCE,
    requests::JOBCENTER,
    requests::CURSOR,
    requests::NEAR_POSTCODE,
    requests::MATCH_MUNICIPALITIES,
    requests::MATCH_INDUSTRIES,
    requests::NORMALIZE_TEXT,
    outcome::PLACEMENT_ID,
    outcome::CITIZEN_REF,
    outcome::CVR,
    outcome::NEED_ID,
    outcome::KIND,
    outcome::STARTED,
    outcome::PAID_HOURS,
    outcome::ENDED,
    outcome::HOURS_FROM,
    registry::GET_CITIZEN_REF,
    registry::DELETE_CITIZEN_REF,
    registry::MATCHES_CITIZEN_REF,
    registry::OUTCOMES_CITIZEN_REF,
    registry::MATCH_NEED_ID,
    registry::RUN_JOBCENTER,
    registry::RUN_ID,
    registry::AUDIT_CITIZEN_REF,
    registry::AUDIT_FROM,
    registry::AUDIT_TO,
    followup::PROGRESSION_CITIZEN_REF,
    followup::PROGRESSION_TARGET_GROUP,
    followup::SUMMARY_MUNICIPALITY,
    followup::SUMMARY_FROM,
    followup::SUMMARY_TO,
    followup::GAIN_RATE,
    followup::GAIN_MONTH,
    followup::OPTIONS_GAIN_RATE,
    followup::OPTIONS_GAIN_MONTH,
];

/// Violations reported for one record or request; the rest are counted in one last entry, so an error (and
/// the `grpc-message` header carrying it) stays small whatever the input.
pub const MAX_VIOLATIONS: usize = 20;

fn bad_control(c: char, multiline: bool) -> bool {
    // U+0085 (next line) is a line break in text pasted from some systems, like \n.
    c.is_control() && !(multiline && matches!(c, '\n' | '\r' | '\t' | '\u{85}'))
}

impl Bound {
    /// The field name as violations report it: the part after `Message.`.
    pub fn field(&self) -> &'static str {
        self.path.split_once('.').map_or(self.path, |(_, f)| f)
    }

    /// Checks one string against the bound, naming it `field` in the violation.
    pub fn check_str(&self, v: &mut Violations, field: &str, value: &str) {
        let Some(max) = self.max_chars else { return };
        // Counting stops at the bound: a huge value costs no more than a long one.
        if value.chars().nth(max).is_some() {
            v.add(field, format!("must be at most {max} characters"));
        } else if value.chars().any(|c| bad_control(c, self.multiline)) {
            let allowed = if self.multiline {
                " other than tab and line breaks"
            } else {
                ""
            };
            v.add(
                field,
                format!("must not contain control characters{allowed}"),
            );
        }
    }

    /// Checks the number of items of a list.
    pub fn check_len(&self, v: &mut Violations, field: &str, len: usize) -> bool {
        match self.max_items {
            Some(max) if len > max => {
                v.add(field, format!("at most {max} items"));
                false
            }
            _ => true,
        }
    }

    /// Checks a list of strings: its length, then each item (named `field[i]`).
    pub fn check_list(&self, v: &mut Violations, field: &str, values: &[String]) {
        if self.check_len(v, field, values.len()) {
            for (i, s) in values.iter().enumerate() {
                self.check_str(v, &format!("{field}[{i}]"), s);
            }
        }
    }

    fn check(&self, v: &mut Violations, value: &str) {
        self.check_str(v, self.field(), value);
    }
}

fn opt(v: &mut Violations, b: &Bound, value: &Option<String>) {
    if let Some(s) = value {
        b.check(v, s);
    }
}

/// Size bounds of a company record.
pub fn company(c: &Company, v: &mut Violations) {
    company::CVR.check(v, &c.cvr);
    opt(v, &company::P_NUMBER, &c.p_number);
    company::NAME.check(v, &c.name);
    company::INDUSTRY_CODE.check(v, &c.industry_code);
    opt(v, &company::INDUSTRY_TEXT, &c.industry_text);
    opt(v, &company::DESCRIPTION, &c.description);
    if let Some(a) = &c.address {
        address::STREET.check_str(v, "address.street", &a.street);
        address::POSTCODE.check_str(v, "address.postcode", &a.postcode);
        address::CITY.check_str(v, "address.city", &a.city);
        address::MUNICIPALITY_CODE.check_str(v, "address.municipality_code", &a.municipality_code);
    }
    let rel = company::JOBCENTER_RELATIONS;
    if rel.check_len(v, rel.field(), c.jobcenter_relations.len()) {
        for (i, r) in c.jobcenter_relations.iter().enumerate() {
            let f = |name: &str| format!("jobcenter_relations[{i}].{name}");
            relation::MUNICIPALITY_CODE.check_str(v, &f("municipality_code"), &r.municipality_code);
            relation::LAST_CONTACT.check_str(v, &f("last_contact"), &r.last_contact);
            relation::CONSULTANT.check_str(v, &f("consultant"), &r.consultant);
            relation::NOTES.check_str(v, &f("notes"), &r.notes);
        }
    }
}

/// Size bounds of a need record.
pub fn need(n: &Need, v: &mut Violations) {
    need::NEED_ID.check(v, &n.need_id);
    need::CVR.check(v, &n.cvr);
    need::TITLE.check(v, &n.title);
    need::OCCUPATION_CODES.check_list(v, "occupation_codes", &n.occupation_codes);
    need::DESCRIPTION.check(v, &n.description);
    need::COMPETENCES_REQUIRED.check_list(v, "competences_required", &n.competences_required);
    need::COMPETENCES_PREFERRED.check_list(v, "competences_preferred", &n.competences_preferred);
    need::SHIFTS.check_list(v, "shifts", &n.shifts);
    need::PHYSICAL_DEMAND.check(v, &n.physical_demand);
    need::DANISH_LEVEL.check(v, &n.danish_level);
    opt(v, &need::DRIVING_LICENCE, &n.driving_licence);
    need::VALID_UNTIL.check(v, &n.valid_until);
    need::STATUS.check(v, &n.status);
}

/// Size bounds of a citizen profile.
pub fn citizen(c: &CitizenProfile, v: &mut Violations) {
    citizen::CITIZEN_REF.check(v, &c.citizen_ref);
    citizen::MUNICIPALITY_CODE.check(v, &c.municipality_code);
    if let Some(h) = &c.home {
        citizen::HOME_POSTCODE.check_str(v, "home.postcode", &h.postcode);
    }
    citizen::TRANSPORT.check(v, &c.transport);
    let goals = citizen::JOB_GOALS;
    if goals.check_len(v, goals.field(), c.job_goals.len()) {
        for (i, g) in c.job_goals.iter().enumerate() {
            citizen::GOAL_TEXT.check_str(v, &format!("job_goals[{i}].text"), &g.text);
            if let Some(code) = &g.occupation_code {
                citizen::GOAL_CODE.check_str(v, &format!("job_goals[{i}].occupation_code"), code);
            }
        }
    }
    citizen::COMPETENCES.check_list(v, "competences", &c.competences);
    let exp = citizen::EXPERIENCE;
    if exp.check_len(v, exp.field(), c.experience.len()) {
        for (i, e) in c.experience.iter().enumerate() {
            citizen::EXPERIENCE_TITLE.check_str(v, &format!("experience[{i}].title"), &e.title);
        }
    }
    citizen::EDUCATION.check(v, &c.education);
    citizen::DANISH_LEVEL.check(v, &c.danish_level);
    citizen::DRIVING_LICENCES.check_list(v, "driving_licences", &c.driving_licences);
    citizen::SHIFTS_POSSIBLE.check_list(v, "shifts_possible", &c.shifts_possible);
    citizen::PHYSICAL_CAPACITY.check(v, &c.physical_capacity);
    opt(v, &citizen::CV_TEXT, &c.cv_text);
}

/// Size bounds of a search request.
pub fn search(r: &SearchCompaniesRequest, v: &mut Violations) {
    requests::QUERY.check(v, &r.query);
    requests::SEARCH_MUNICIPALITIES.check_list(v, "municipality_codes", &r.municipality_codes);
    requests::SEARCH_INDUSTRIES.check_list(v, "industry_code_prefixes", &r.industry_code_prefixes);
    requests::NOT_CONTACTED_SINCE.check(v, &r.not_contacted_since);
    requests::JOBCENTER.check(v, &r.jobcenter);
    requests::CURSOR.check(v, &r.cursor);
    if let Some(n) = &r.near {
        requests::NEAR_POSTCODE.check_str(v, "near.postcode", &n.postcode);
    }
}

/// Size bounds of match options (the citizen is checked by [`citizen`]).
pub fn match_options(o: &MatchOptions, v: &mut Violations) {
    requests::MATCH_MUNICIPALITIES.check_list(
        v,
        "options.municipality_codes",
        &o.municipality_codes,
    );
    requests::MATCH_INDUSTRIES.check_list(
        v,
        "options.industry_code_prefixes",
        &o.industry_code_prefixes,
    );
}

/// Size bounds of a placement outcome.
pub fn placement_outcome(o: &PlacementOutcome, v: &mut Violations) {
    outcome::PLACEMENT_ID.check(v, &o.placement_id);
    outcome::CITIZEN_REF.check(v, &o.citizen_ref);
    outcome::CVR.check(v, &o.cvr);
    opt(v, &outcome::NEED_ID, &o.need_id);
    outcome::KIND.check(v, &o.kind);
    outcome::STARTED.check(v, &o.started);
    if outcome::PAID_HOURS.check_len(v, "paid_hours", o.paid_hours.len()) {
        for (i, h) in o.paid_hours.iter().enumerate() {
            outcome::HOURS_FROM.check_str(v, &format!("paid_hours[{i}].from"), &h.from);
        }
    }
    opt(v, &outcome::ENDED, &o.ended);
}

pub fn normalize(r: &NormalizeOccupationRequest, v: &mut Violations) {
    requests::NORMALIZE_TEXT.check(v, &r.text);
}

pub fn get_company(r: &GetCompanyRequest, v: &mut Violations) {
    requests::CVR.check(v, &r.cvr);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_are_listed_once() {
        let mut paths: Vec<&str> = ALL.iter().map(|b| b.path).collect();
        paths.sort_unstable();
        let n = paths.len();
        paths.dedup();
        assert_eq!(paths.len(), n, "a bound is listed twice");
    }

    #[test]
    fn long_and_control_text_is_refused_with_the_field() {
        let mut v = Violations::default();
        company::NAME.check(&mut v, &"x".repeat(201));
        company::NAME.check(&mut v, "a\u{0}b");
        company::DESCRIPTION.check(&mut v, "line one\nline two\ttab");
        company::DESCRIPTION.check(&mut v, "bell \u{7}");
        need::NEED_ID.check(&mut v, "N-1\t");
        let fields: Vec<&str> = v.0.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["name", "name", "description", "need_id"]);
    }

    #[test]
    fn violations_are_capped() {
        let mut v = Violations::default();
        let many: Vec<String> = (0..500).map(|_| "x".repeat(200)).collect();
        need::COMPETENCES_REQUIRED.check_list(&mut v, "competences_required", &many[..20]);
        for _ in 0..10 {
            need::TITLE.check(&mut v, &many[0]);
            need::DESCRIPTION.check(&mut v, &"y".repeat(5000));
        }
        assert_eq!(v.0.len(), MAX_VIOLATIONS + 1);
        assert!(v.0.last().unwrap().reason.contains("more"));
    }
}
