//! The Tantivy side of jobmatch: the schema and Danish analysis, validation of interchange records, the
//! in-memory catalog of current records, the index writer (which applies a change log), JSON Lines ingest,
//! and company search.

pub mod analysis;
pub mod catalog;
pub mod date;
mod error;
pub mod highlight;
pub mod index;
pub mod ingest;
pub mod schema;
pub mod search;
pub mod validate;

pub use catalog::{Catalog, CompanyEntry, NeedEntry, NeedOccupation};
pub use error::IndexError;
pub use index::{ApplyReport, Change, JobIndex, OccupationResolver, RejectedChange};
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
}
