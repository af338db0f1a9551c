//! The records as the index stores them: stored types of their own, apart from the API's messages, so a renamed
//! or renumbered proto field never makes a stored index unreadable (the field names here are the interchange
//! format's, written out). A version number lets a later layout read an older one.

use jobmatch_proto::v1::{
    Address, Company, GeoPoint, HoursRange, JobcenterRelation, Need, OrdinaryHours,
};
use serde::{Deserialize, Serialize};

/// The layout written now.
pub const VERSION: u8 = 1;

fn version() -> u8 {
    VERSION
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredPoint {
    pub lat: f64,
    pub lon: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredAddress {
    pub street: String,
    pub postcode: String,
    pub city: String,
    pub municipality_code: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredRelation {
    pub municipality_code: String,
    pub partnership: bool,
    pub open_to_ordinary_hours: bool,
    pub open_to_internship: bool,
    pub last_contact: String,
    pub consultant: String,
    pub notes: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredCompany {
    #[serde(default = "version")]
    pub v: u8,
    pub cvr: String,
    pub p_number: Option<String>,
    pub name: String,
    pub industry_code: String,
    pub industry_text: Option<String>,
    pub address: Option<StoredAddress>,
    pub location: Option<StoredPoint>,
    pub employees: i32,
    pub supported_placements: i32,
    pub description: Option<String>,
    pub jobcenter_relations: Vec<StoredRelation>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredHours {
    pub min: i32,
    pub max: i32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredOrdinaryHours {
    pub offered: bool,
    pub from_start: bool,
    pub hours_per_week: i32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredNeed {
    #[serde(default = "version")]
    pub v: u8,
    pub need_id: String,
    pub cvr: String,
    pub title: String,
    pub occupation_codes: Vec<String>,
    pub description: String,
    pub competences_required: Vec<String>,
    pub competences_preferred: Vec<String>,
    pub hours_per_week: Option<StoredHours>,
    pub ordinary_hours: Option<StoredOrdinaryHours>,
    pub internship_possible: bool,
    pub combination_possible: bool,
    pub mentor_available: bool,
    pub shifts: Vec<String>,
    pub physical_demand: String,
    pub danish_level: String,
    pub driving_licence: Option<String>,
    pub positions: i32,
    pub valid_until: String,
    pub status: String,
    pub location: Option<StoredPoint>,
}

fn point(p: &GeoPoint) -> StoredPoint {
    StoredPoint {
        lat: p.lat,
        lon: p.lon,
    }
}

fn geo(p: StoredPoint) -> GeoPoint {
    GeoPoint {
        lat: p.lat,
        lon: p.lon,
    }
}

impl From<&Company> for StoredCompany {
    fn from(c: &Company) -> Self {
        StoredCompany {
            v: VERSION,
            cvr: c.cvr.clone(),
            p_number: c.p_number.clone(),
            name: c.name.clone(),
            industry_code: c.industry_code.clone(),
            industry_text: c.industry_text.clone(),
            address: c.address.as_ref().map(|a| StoredAddress {
                street: a.street.clone(),
                postcode: a.postcode.clone(),
                city: a.city.clone(),
                municipality_code: a.municipality_code.clone(),
            }),
            location: c.location.as_ref().map(point),
            employees: c.employees,
            supported_placements: c.supported_placements,
            description: c.description.clone(),
            jobcenter_relations: c
                .jobcenter_relations
                .iter()
                .map(|r| StoredRelation {
                    municipality_code: r.municipality_code.clone(),
                    partnership: r.partnership,
                    open_to_ordinary_hours: r.open_to_ordinary_hours,
                    open_to_internship: r.open_to_internship,
                    last_contact: r.last_contact.clone(),
                    consultant: r.consultant.clone(),
                    notes: r.notes.clone(),
                })
                .collect(),
        }
    }
}

impl From<StoredCompany> for Company {
    fn from(c: StoredCompany) -> Self {
        Company {
            cvr: c.cvr,
            p_number: c.p_number,
            name: c.name,
            industry_code: c.industry_code,
            industry_text: c.industry_text,
            address: c.address.map(|a| Address {
                street: a.street,
                postcode: a.postcode,
                city: a.city,
                municipality_code: a.municipality_code,
            }),
            location: c.location.map(geo),
            employees: c.employees,
            supported_placements: c.supported_placements,
            description: c.description,
            jobcenter_relations: c
                .jobcenter_relations
                .into_iter()
                .map(|r| JobcenterRelation {
                    municipality_code: r.municipality_code,
                    partnership: r.partnership,
                    open_to_ordinary_hours: r.open_to_ordinary_hours,
                    open_to_internship: r.open_to_internship,
                    last_contact: r.last_contact,
                    consultant: r.consultant,
                    notes: r.notes,
                })
                .collect(),
        }
    }
}

impl From<&Need> for StoredNeed {
    fn from(n: &Need) -> Self {
        StoredNeed {
            v: VERSION,
            need_id: n.need_id.clone(),
            cvr: n.cvr.clone(),
            title: n.title.clone(),
            occupation_codes: n.occupation_codes.clone(),
            description: n.description.clone(),
            competences_required: n.competences_required.clone(),
            competences_preferred: n.competences_preferred.clone(),
            hours_per_week: n.hours_per_week.map(|h| StoredHours {
                min: h.min,
                max: h.max,
            }),
            ordinary_hours: n.ordinary_hours.map(|o| StoredOrdinaryHours {
                offered: o.offered,
                from_start: o.from_start,
                hours_per_week: o.hours_per_week,
            }),
            internship_possible: n.internship_possible,
            combination_possible: n.combination_possible,
            mentor_available: n.mentor_available,
            shifts: n.shifts.clone(),
            physical_demand: n.physical_demand.clone(),
            danish_level: n.danish_level.clone(),
            driving_licence: n.driving_licence.clone(),
            positions: n.positions,
            valid_until: n.valid_until.clone(),
            status: n.status.clone(),
            location: n.location.as_ref().map(point),
        }
    }
}

impl From<StoredNeed> for Need {
    fn from(n: StoredNeed) -> Self {
        Need {
            need_id: n.need_id,
            cvr: n.cvr,
            title: n.title,
            occupation_codes: n.occupation_codes,
            description: n.description,
            competences_required: n.competences_required,
            competences_preferred: n.competences_preferred,
            hours_per_week: n.hours_per_week.map(|h| HoursRange {
                min: h.min,
                max: h.max,
            }),
            ordinary_hours: n.ordinary_hours.map(|o| OrdinaryHours {
                offered: o.offered,
                from_start: o.from_start,
                hours_per_week: o.hours_per_week,
            }),
            internship_possible: n.internship_possible,
            combination_possible: n.combination_possible,
            mentor_available: n.mentor_available,
            shifts: n.shifts,
            physical_demand: n.physical_demand,
            danish_level: n.danish_level,
            driving_licence: n.driving_licence,
            positions: n.positions,
            valid_until: n.valid_until,
            status: n.status,
            location: n.location.map(geo),
        }
    }
}

/// The bytes of a company as the index stores it.
pub fn company_bytes(c: &Company) -> Vec<u8> {
    serde_json::to_vec(&StoredCompany::from(c)).unwrap_or_default()
}

pub fn need_bytes(n: &Need) -> Vec<u8> {
    serde_json::to_vec(&StoredNeed::from(n)).unwrap_or_default()
}

pub fn read_company(bytes: &[u8]) -> Result<Company, serde_json::Error> {
    serde_json::from_slice::<StoredCompany>(bytes).map(Company::from)
}

pub fn read_need(bytes: &[u8]) -> Result<Need, serde_json::Error> {
    serde_json::from_slice::<StoredNeed>(bytes).map(Need::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_round_trip_and_keep_their_field_names() {
        let c = Company {
            cvr: "12345607".into(),
            name: "Lager ApS".into(),
            industry_code: "521000".into(),
            address: Some(Address {
                postcode: "8000".into(),
                municipality_code: "0751".into(),
                ..Default::default()
            }),
            location: Some(GeoPoint {
                lat: 56.1,
                lon: 10.2,
            }),
            jobcenter_relations: vec![JobcenterRelation {
                municipality_code: "0751".into(),
                notes: "n".into(),
                ..Default::default()
            }],
            ..Default::default()
        };
        assert_eq!(read_company(&company_bytes(&c)).unwrap(), c);
        let n = Need {
            need_id: "N-1".into(),
            cvr: "12345607".into(),
            hours_per_week: Some(HoursRange { min: 5, max: 10 }),
            ordinary_hours: Some(OrdinaryHours {
                offered: true,
                from_start: false,
                hours_per_week: 4,
            }),
            shifts: vec!["day".into()],
            ..Default::default()
        };
        assert_eq!(read_need(&need_bytes(&n)).unwrap(), n);
        // The stored layout is its own: its names are written out here, not taken from the API.
        let json = String::from_utf8(need_bytes(&n)).unwrap();
        for name in [
            "\"v\":1",
            "\"need_id\"",
            "\"hours_per_week\"",
            "\"ordinary_hours\"",
        ] {
            assert!(json.contains(name), "{json}");
        }
    }
}
