//! The jobmatch server: configuration, the gRPC adapters and the commands of the `jobmatch` binary.

pub mod app;
pub mod audit;
pub mod auth;
pub mod bare;
pub mod bench;
pub mod citizens;
pub mod client;
pub mod commands;
pub mod config;
pub mod context;
pub mod error;
pub mod followup;
pub mod grpc;
pub mod monitoring;
pub mod pool;
pub mod rematch;
pub mod replica;
pub mod server;
pub mod telemetry;

pub use app::App;
pub use config::Config;
