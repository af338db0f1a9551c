//! Follow-up of ordinary paid hours, as pure functions over the store's model types:
//!
//! - [`progression`]: a citizen's placements as timelines of paid hours a week against the agreed target, with
//!   the flags a jobformidler acts on (no paid hours after N weeks, hours falling, internship past its limit,
//!   company at its reasonableness cap);
//! - [`summary`]: a jobcenter's figures as of its last recorded outcome, calibration by decile, and the same
//!   counts as metrics rows with small counts suppressed ([`metrics`]);
//! - [`calculator`]: "does it pay to work", the month's offset of earnings against the cash benefit under the
//!   dated rules of [`config`];
//! - [`charts`]: the progression and the jobcenter's share with paid hours by month as SVG.
//!
//! The server (`services/server/src/followup.rs`) reads the store and the index and calls these.

pub mod calculator;
pub mod charts;
pub mod config;
pub mod dates;
pub mod metrics;
pub mod progression;
pub mod summary;

pub use config::FollowUpConfig;
