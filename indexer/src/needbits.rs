//! A need's hard-condition values packed into one u64 fast field, so matching can test every condition for a
//! document with one column read while collecting, instead of intersecting many term lists.
//!
//! Layout: bits 0-1 physical demand (light 0, medium 1, heavy 2); bits 2-3 Danish level (none 0 .. fluent 3);
//! bits 4-9 minimum hours (0-37); bits 10-13 shifts (day, evening, night, weekend); bit 14 status is open;
//! bits 16-20 driving licence (0 none, else 1 + its index in `validate::LICENCES`).

use jobmatch_proto::v1::{CitizenProfile, Need};

use crate::validate::{DANISH_LEVELS, LICENCES, PHYSICAL_LEVELS, SHIFTS, level};

pub fn pack(n: &Need) -> u64 {
    let physical = level(&PHYSICAL_LEVELS, &n.physical_demand).unwrap_or(2) as u64;
    let danish = level(&DANISH_LEVELS, &n.danish_level).unwrap_or(3) as u64;
    let min_hours = n.hours_per_week.map(|h| h.min.clamp(0, 63)).unwrap_or(0) as u64;
    let shifts = n
        .shifts
        .iter()
        .filter_map(|s| level(&SHIFTS, s))
        .fold(0u64, |m, i| m | (1 << i));
    let open = u64::from(n.status == "open");
    let licence = n
        .driving_licence
        .as_deref()
        .filter(|l| !l.is_empty())
        .map(|l| level(&LICENCES, l).map_or(31, |i| i as u64 + 1))
        .unwrap_or(0);
    physical | danish << 2 | min_hours << 4 | shifts << 10 | open << 14 | licence << 16
}

/// A hard condition a packed need fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    NotOpen,
    Licence,
    Physical,
    Shifts,
    Hours,
    Danish,
}

/// What a citizen can take, in the same terms, tested against packed needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CitizenMask {
    physical: u64,
    danish: u64,
    max_min_hours: u64,
    shifts: u64,
    /// Bit i set when the citizen holds licence LICENCES[i].
    licences: u64,
    only_open: bool,
}

impl CitizenMask {
    pub fn new(c: &CitizenProfile, hours_slack: i32, only_open: bool) -> Self {
        CitizenMask {
            physical: level(&PHYSICAL_LEVELS, &c.physical_capacity).unwrap_or(0) as u64,
            danish: level(&DANISH_LEVELS, &c.danish_level).unwrap_or(0) as u64,
            max_min_hours: (c.available_hours_per_week + hours_slack).max(0) as u64,
            shifts: c
                .shifts_possible
                .iter()
                .filter_map(|s| level(&SHIFTS, s))
                .fold(0, |m, i| m | (1 << i)),
            licences: c
                .driving_licences
                .iter()
                .filter_map(|l| level(&LICENCES, l))
                .fold(0, |m, i| m | (1 << i)),
            only_open,
        }
    }

    /// The first condition `bits` fails, in the order the matcher reports them, or None when it allows them.
    pub fn first_failure(&self, bits: u64) -> Option<Failure> {
        let licence = (bits >> 16) & 0x1f;
        if self.only_open && (bits >> 14) & 1 == 0 {
            Some(Failure::NotOpen)
        } else if licence != 0 && !(licence <= 16 && self.licences & (1 << (licence - 1)) != 0) {
            Some(Failure::Licence)
        } else if bits & 0b11 > self.physical {
            Some(Failure::Physical)
        } else if (bits >> 10) & 0xf & self.shifts == 0 {
            Some(Failure::Shifts)
        } else if (bits >> 4) & 0x3f > self.max_min_hours {
            Some(Failure::Hours)
        } else if (bits >> 2) & 0b11 > self.danish {
            Some(Failure::Danish)
        } else {
            None
        }
    }

    pub fn allows(&self, bits: u64) -> bool {
        let licence = (bits >> 16) & 0x1f;
        bits & 0b11 <= self.physical
            && (bits >> 2) & 0b11 <= self.danish
            && (bits >> 4) & 0x3f <= self.max_min_hours
            && (bits >> 10) & 0xf & self.shifts != 0
            && (!self.only_open || (bits >> 14) & 1 == 1)
            && (licence == 0 || (licence <= 16 && self.licences & (1 << (licence - 1)) != 0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jobmatch_proto::v1::HoursRange;

    #[test]
    fn mask_agrees_with_each_condition() {
        let need = Need {
            physical_demand: "medium".into(),
            danish_level: "good".into(),
            hours_per_week: Some(HoursRange { min: 20, max: 30 }),
            shifts: vec!["night".into()],
            status: "open".into(),
            driving_licence: Some("C".into()),
            ..Default::default()
        };
        let bits = pack(&need);
        let citizen = CitizenProfile {
            physical_capacity: "medium".into(),
            danish_level: "good".into(),
            available_hours_per_week: 15,
            shifts_possible: vec!["night".into(), "day".into()],
            driving_licences: vec!["B".into(), "C".into()],
            ..Default::default()
        };
        assert!(CitizenMask::new(&citizen, 5, true).allows(bits));
        let fails = [
            CitizenProfile {
                physical_capacity: "light".into(),
                ..citizen.clone()
            },
            CitizenProfile {
                danish_level: "basic".into(),
                ..citizen.clone()
            },
            CitizenProfile {
                available_hours_per_week: 14,
                ..citizen.clone()
            },
            CitizenProfile {
                shifts_possible: vec!["day".into()],
                ..citizen.clone()
            },
            CitizenProfile {
                driving_licences: vec!["B".into()],
                ..citizen.clone()
            },
        ];
        let expected = [
            Failure::Physical,
            Failure::Danish,
            Failure::Hours,
            Failure::Shifts,
            Failure::Licence,
        ];
        for (c, why) in fails.iter().zip(expected) {
            let mask = CitizenMask::new(c, 5, true);
            assert!(!mask.allows(bits), "{c:?}");
            assert_eq!(mask.first_failure(bits), Some(why), "{c:?}");
        }
        assert_eq!(
            CitizenMask::new(&citizen, 5, true).first_failure(bits),
            None
        );
        let closed = pack(&Need {
            status: "closed".into(),
            ..need
        });
        assert!(!CitizenMask::new(&citizen, 5, true).allows(closed));
        assert!(CitizenMask::new(&citizen, 5, false).allows(closed));
    }
}
