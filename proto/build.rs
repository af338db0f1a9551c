//! Compiles `jobmatch/v1/*.proto` with protox (pure Rust), so a fresh machine needs no protoc.

use std::{env, path::PathBuf};

use prost::Message;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let files = [
        "jobmatch/v1/records.proto",
        "jobmatch/v1/followup.proto",
        "jobmatch/v1/service.proto",
    ];
    for f in files {
        println!("cargo:rerun-if-changed={f}");
    }
    let fds = protox::compile(files, ["."])?;
    let out = PathBuf::from(env::var("OUT_DIR")?);
    std::fs::write(out.join("jobmatch_descriptor.bin"), fds.encode_to_vec())?;

    // Records derive serde so JSON Lines parse straight into the messages the API carries: the interchange
    // format and the proto3 JSON of these messages are the same thing.
    let serde_attr = "#[derive(serde::Serialize, serde::Deserialize)] #[serde(default)]";
    // Fuzzing builds every message from arbitrary bytes (tests/fuzz); the derive exists only with the feature.
    let mut builder = tonic_prost_build::configure()
        .build_client(true)
        .build_server(true)
        .type_attribute(
            ".",
            "#[cfg_attr(feature = \"arbitrary\", derive(arbitrary::Arbitrary))]",
        );
    for m in [
        "GeoPoint",
        "Address",
        "JobcenterRelation",
        "Company",
        "HoursRange",
        "OrdinaryHours",
        "Need",
        "Home",
        "JobGoal",
        "Experience",
        "CitizenProfile",
        "PlacementOutcome",
        "HoursFrom",
    ] {
        builder = builder.type_attribute(format!("jobmatch.v1.{m}"), serde_attr);
    }
    builder.compile_fds(fds)?;
    Ok(())
}
