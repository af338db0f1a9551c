//! The Tantivy side of jobmatch: the schema and Danish analysis, validation of interchange records, the
//! in-memory catalog of current records, the index writer (which applies a change log), JSON Lines ingest,
//! and company search.

pub mod analysis;
pub mod catalog;
pub mod collect;
pub mod cpr;
pub mod date;
pub mod deadline;
mod error;
pub mod highlight;
pub mod idvec;
pub mod index;
pub mod ingest;
pub mod limits;
pub mod needbits;
pub mod prefix;
pub mod schema;
pub mod search;
pub mod stored;
pub mod validate;

pub use catalog::{Catalog, CompanyMeta, NeedMeta, NeedOccupation};
pub use deadline::{Deadline, Expired};
pub use error::IndexError;
pub use index::{
    ApplyReport, Change, JobIndex, OccupationResolver, PreparedChange, RejectedChange, Snapshot,
    Transaction,
};
pub use validate::{FieldViolation, Violations};

/// Geographic helpers shared by search and matching.
pub mod geo {
    pub use jobmatch_refdata::haversine_km;

    /// Bounding box (min_lat, max_lat, min_lon, max_lon) that contains the circle of `radius_km` around a point;
    /// Tantivy has no geo query, so radius filters first cut by this box on fast fields, then by exact distance.
    pub fn bounding_box(lat: f64, lon: f64, radius_km: f64) -> (f64, f64, f64, f64) {
        let dlat = radius_km / 111.0;
        let cos = lat.to_radians().cos().max(0.01);
        let dlon = radius_km / (111.320 * cos);
        (lat - dlat, lat + dlat, lon - dlon, lon + dlon)
    }

    /// A grid of `lat` x `lon` degrees, at most `max` of whose squares a radius may need before a filter by
    /// them costs more terms than it saves.
    struct Grid {
        lat: f64,
        lon: f64,
        max: usize,
    }

    impl Grid {
        fn index(&self, lat: f64, lon: f64) -> (i64, i64) {
            (
                (lat / self.lat).floor() as i64,
                (lon / self.lon).floor() as i64,
            )
        }

        /// The squares that cover the circle's bounding box, or None when there would be more than `max`.
        fn covering(&self, lat: f64, lon: f64, radius_km: f64) -> Option<Vec<(i64, i64)>> {
            let (min_lat, max_lat, min_lon, max_lon) = bounding_box(lat, lon, radius_km);
            let ((la0, lo0), (la1, lo1)) =
                (self.index(min_lat, min_lon), self.index(max_lat, max_lon));
            let n = usize::try_from((la1 - la0 + 1) * (lo1 - lo0 + 1)).ok()?;
            (n <= self.max).then(|| {
                (la0..=la1)
                    .flat_map(|a| (lo0..=lo1).map(move |o| (a, o)))
                    .collect()
            })
        }
    }

    /// Search cells: about 11 km north-south and 9 km east-west in Denmark.
    const CELLS: Grid = Grid {
        lat: 0.1,
        lon: 0.15,
        max: MAX_CELLS,
    };
    /// Beyond this many cells a radius covers most of the country and the cell filter is not worth its terms.
    pub const MAX_CELLS: usize = 600;

    /// Areas for occupation retrieval: about 28 km north-south and 25 km east-west in Denmark. Coarser than
    /// the search cells, because matching asks for several occupation groups at once and each area is one
    /// term per group.
    const AREAS: Grid = Grid {
        lat: 0.25,
        lon: 0.4,
        max: MAX_AREAS,
    };
    /// Beyond this many areas the plain occupation terms are cheaper than the per-area ones.
    pub const MAX_AREAS: usize = 48;

    /// The grid cell term of a point.
    pub fn cell(lat: f64, lon: f64) -> String {
        let (a, o) = CELLS.index(lat, lon);
        format!("c:{a}:{o}")
    }

    /// The cell terms that cover the circle's bounding box, or None when there would be more than `MAX_CELLS`.
    pub fn cells_covering(lat: f64, lon: f64, radius_km: f64) -> Option<Vec<String>> {
        let cells = CELLS.covering(lat, lon, radius_km)?;
        Some(
            cells
                .into_iter()
                .map(|(a, o)| format!("c:{a}:{o}"))
                .collect(),
        )
    }

    /// The retrieval term of an ISCO group term ("4:9333") in the area of a point: a need's occupation and
    /// place in one term, so a match reads only the postings of needs near the citizen.
    pub fn group_area(group: &str, lat: f64, lon: f64) -> String {
        let (a, o) = AREAS.index(lat, lon);
        format!("{group}@{a}:{o}")
    }

    /// The [`group_area`] terms of `group` that cover the circle's bounding box, or None when there would be
    /// more than `MAX_AREAS`.
    pub fn group_areas_covering(
        group: &str,
        lat: f64,
        lon: f64,
        radius_km: f64,
    ) -> Option<Vec<String>> {
        let areas = AREAS.covering(lat, lon, radius_km)?;
        Some(
            areas
                .into_iter()
                .map(|(a, o)| format!("{group}@{a}:{o}"))
                .collect(),
        )
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn group_areas_cover_the_bounding_box() {
            for (lat, lon, radius) in [
                (55.68, 12.57, 25.0),
                (56.15, 10.2, 50.0),
                (57.05, 9.92, 5.0),
            ] {
                let areas = group_areas_covering("4:9333", lat, lon, radius).unwrap();
                let (min_lat, max_lat, min_lon, max_lon) = bounding_box(lat, lon, radius);
                for i in 0..=20 {
                    for j in 0..=20 {
                        let plat = min_lat + (max_lat - min_lat) * f64::from(i) / 20.0;
                        let plon = min_lon + (max_lon - min_lon) * f64::from(j) / 20.0;
                        assert!(
                            areas.contains(&group_area("4:9333", plat, plon)),
                            "{plat},{plon}"
                        );
                    }
                }
            }
            assert!(group_areas_covering("4:9333", 56.0, 10.0, 400.0).is_none());
        }

        #[test]
        fn cells_cover_the_circle() {
            let (lat, lon) = (56.15, 10.2);
            let cells = cells_covering(lat, lon, 30.0).unwrap();
            for (dlat, dlon) in [
                (0.26, 0.0),
                (-0.26, 0.0),
                (0.0, 0.47),
                (0.0, -0.47),
                (0.18, 0.3),
            ] {
                let (plat, plon) = (lat + dlat, lon + dlon);
                if haversine_km(lat, lon, plat, plon) <= 30.0 {
                    assert!(cells.contains(&cell(plat, plon)), "{plat},{plon}");
                }
            }
            assert!(cells_covering(lat, lon, 500.0).is_none());
        }
    }
}
