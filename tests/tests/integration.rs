//! The one integration-test binary (one binary links once): every feature is a module under integration/.
//! Each test starts its own real server on a free port (see jobmatch_tests::TestServer).

mod integration {
    pub mod auth;
    pub mod crud;
    pub mod followup;
    pub mod hardening;
    pub mod health;
    pub mod ingest;
    pub mod matching;
    pub mod quality;
    pub mod replicas;
    pub mod search;
    pub mod search_estimate;
    pub mod taxonomy;
}
