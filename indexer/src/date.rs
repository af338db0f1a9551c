//! ISO 8601 calendar dates as the interchange format writes them (YYYY-MM-DD): the shared calendar crate's
//! arithmetic under the names the index uses.

pub use jobmatch_calendar::{format_days, is_valid, parse_days, today_days};
