//! The configuration documentation stays in step with `Config`:
//!
//! - README.md's configuration table (between `<!-- config-table:start -->` and `<!-- config-table:end -->`)
//!   lists exactly the keys of `Config::default()` serialized to JSON. A nested table is a key (`rules`) and
//!   its fields are dotted keys (`rules.hours_slack`); a list is one key (`rules.reasonableness`) and, when its
//!   items are tables, each item field is a key of its own with `[]` after the list
//!   (`rules.reasonableness[].valid_from`).
//! - config.example.toml sets every one of those keys, parses with `Config::load`, and equals the defaults.
//! - The documented precedence holds: defaults < TOML file (`--config` or `JOBMATCH_CONFIG`) < `JOBMATCH_*`
//!   environment variables < flags (checked through the real binary so the test never edits its own
//!   environment).
//!
//! Adding a field to `Config` (or to `MatchRules` / `ReasonablenessRule`) without a README row fails here.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use figment::providers::Format;
use jobmatch_server::Config;
use jobmatch_server::config::FlagOverrides;
use serde_json::Value;

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("workspace root")
}

/// Dotted keys of a JSON value; see the module doc for the convention.
fn flatten(prefix: &str, value: &Value, out: &mut BTreeSet<String>) {
    match value {
        Value::Object(map) => {
            // A nested table is a key of its own (`rules`); the items of a list are not (`rules.reasonableness[]`).
            if !prefix.is_empty() && !prefix.ends_with("[]") {
                out.insert(prefix.to_string());
            }
            for (k, v) in map {
                let key = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                flatten(&key, v, out);
            }
        }
        Value::Array(items) => {
            out.insert(prefix.to_string());
            for item in items {
                if item.is_object() {
                    flatten(&format!("{prefix}[]"), item, out);
                }
            }
        }
        _ => {
            out.insert(prefix.to_string());
        }
    }
}

fn config_keys() -> BTreeSet<String> {
    let json = serde_json::to_value(Config::default()).expect("Config serializes");
    let mut keys = BTreeSet::new();
    flatten("", &json, &mut keys);
    keys
}

/// First-column keys of the README's configuration table.
fn readme_keys() -> Vec<String> {
    let readme = std::fs::read_to_string(repo_root().join("README.md")).expect("README.md");
    let start = readme
        .find("<!-- config-table:start -->")
        .expect("README.md has <!-- config-table:start -->");
    let end = readme[start..]
        .find("<!-- config-table:end -->")
        .map(|e| start + e)
        .expect("README.md has <!-- config-table:end -->");
    let mut keys = Vec::new();
    for line in readme[start..end].lines() {
        let line = line.trim();
        if !line.starts_with('|') {
            continue;
        }
        let first = line
            .trim_start_matches('|')
            .split('|')
            .next()
            .unwrap_or("")
            .trim();
        // The header row and the separator row carry no backticked key.
        if let Some(key) = first.strip_prefix('`').and_then(|k| k.strip_suffix('`')) {
            keys.push(key.to_string());
        }
    }
    keys
}

#[test]
fn readme_table_lists_exactly_the_config_keys() {
    let documented = readme_keys();
    let mut seen = BTreeSet::new();
    for k in &documented {
        assert!(seen.insert(k.clone()), "README lists `{k}` twice");
    }
    let actual = config_keys();
    let missing: Vec<_> = actual.difference(&seen).collect();
    let extra: Vec<_> = seen.difference(&actual).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "README configuration table out of step with Config:\n  not documented: {missing:?}\n  documented but not in Config: {extra:?}"
    );
    // Sanity: the convention really covers the nested list.
    assert!(actual.contains("rules.reasonableness"));
    assert!(actual.contains("rules.reasonableness[].valid_from"));
}

fn example_path() -> PathBuf {
    repo_root().join("config.example.toml")
}

#[test]
fn example_config_sets_every_key() {
    // Read the file as plain data (no defaults merged in) to see which keys it sets itself.
    let json: Value = figment::Figment::from(figment::providers::Toml::file_exact(example_path()))
        .extract()
        .expect("config.example.toml is TOML");
    let mut keys = BTreeSet::new();
    flatten("", &json, &mut keys);
    let actual = config_keys();
    let missing: Vec<_> = actual.difference(&keys).collect();
    assert!(
        missing.is_empty(),
        "config.example.toml leaves out {missing:?}"
    );
}

#[test]
fn example_config_loads_and_equals_the_defaults() {
    let config = Config::load(Some(&example_path()), FlagOverrides::default())
        .expect("config.example.toml loads");
    // The file says every value is the built-in default (the later rule version is commented out).
    assert_eq!(config, Config::default());
}

fn jobmatch(args: &[&str], env: &[(&str, &str)]) -> (bool, String) {
    let out_dir = tempfile::tempdir().expect("tempdir");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_jobmatch"));
    // Start from a clean JOBMATCH_* environment so the caller's settings cannot leak in.
    for (k, _) in std::env::vars() {
        if k.starts_with("JOBMATCH_") {
            cmd.env_remove(k);
        }
    }
    cmd.args(args)
        .arg("demo-data")
        .arg("--out")
        .arg(out_dir.path())
        .env("RUST_LOG", "off")
        .current_dir(repo_root());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("run jobmatch");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn config_file_is_read_from_flag_and_environment() {
    let (ok, err) = jobmatch(&["--config", "config.example.toml"], &[]);
    assert!(ok, "--config config.example.toml: {err}");
    let (ok, err) = jobmatch(&[], &[("JOBMATCH_CONFIG", "config.example.toml")]);
    assert!(ok, "JOBMATCH_CONFIG=config.example.toml: {err}");
}

#[test]
fn precedence_is_defaults_file_environment_flags() {
    let dir = tempfile::tempdir().expect("tempdir");
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "writer_memory_mb = 1\n").expect("write");
    let bad = bad.to_str().expect("utf-8 path");

    // The file overrides the default (and is validated).
    let (ok, err) = jobmatch(&["--config", bad], &[]);
    assert!(!ok && err.contains("writer_memory_mb"), "{err}");
    // The environment overrides the file.
    let (ok, err) = jobmatch(&["--config", bad], &[("JOBMATCH_WRITER_MEMORY_MB", "64")]);
    assert!(ok, "environment should override the file: {err}");
    // Nested keys use `__`.
    let (ok, err) = jobmatch(&[], &[("JOBMATCH_RULES__DEFAULT_K", "1000")]);
    assert!(!ok && err.contains("rules.default_k"), "{err}");
    // Flags override the environment.
    let (ok, err) = jobmatch(&["--log-format", "json"], &[("JOBMATCH_LOG_FORMAT", "xml")]);
    assert!(
        ok,
        "--log-format should override JOBMATCH_LOG_FORMAT: {err}"
    );
}

#[test]
fn a_file_list_of_rules_replaces_the_default_list() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("rules.toml");
    std::fs::write(
        &path,
        "[[rules.reasonableness]]\nvalid_from = \"2030-01-01\"\nsource = \"test\"\n\
         first_band_per = 4\nfirst_band_employees = 40\nbeyond_per = 8\nminimum = 2\n",
    )
    .expect("write");
    let config = Config::load(Some(&path), FlagOverrides::default()).expect("loads");
    assert_eq!(
        config.rules.reasonableness.len(),
        1,
        "README: a file's list replaces the default list"
    );
    assert_eq!(config.rules.reasonableness[0].valid_from, "2030-01-01");
    // The other rules keep their defaults.
    assert_eq!(
        config.rules.hours_slack,
        Config::default().rules.hours_slack
    );
}

#[test]
fn otlp_endpoint_is_checked_at_start_up() {
    let load = |endpoint: &str| {
        let config = Config {
            telemetry: jobmatch_server::config::TelemetryConfig {
                otlp_endpoint: endpoint.into(),
                ..Default::default()
            },
            ..Default::default()
        };
        config.validate()
    };
    assert!(load("").is_ok(), "empty: no export");
    assert!(load("http://otel-collector.observability.svc:4317").is_ok());
    // The exporter connects lazily and would only log its failures: a bad address must stop the start.
    for bad in [
        "otel-collector:4317",
        "https://collector:4317",
        "http://",
        "not a uri",
    ] {
        let err = load(bad).expect_err(bad).to_string();
        assert!(err.contains("telemetry.otlp_endpoint"), "{bad}: {err}");
    }
}
