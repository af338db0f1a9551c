//! The size bounds stay documented and complete:
//!
//! - README.md's bounds table (between `<!-- limits-table:start -->` and `<!-- limits-table:end -->`) lists
//!   exactly the bounds of `jobmatch_indexer::limits::ALL`, with the same numbers.
//! - Every string and every repeated field of every message a client sends (the input of each RPC and every
//!   message inside it, read from the API's own descriptor set) has a bound. A new field without one fails
//!   here.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use jobmatch_indexer::limits::{ALL, Bound};
use prost::Message;
use prost_types::field_descriptor_proto::{Label, Type};

fn readme_rows() -> BTreeMap<String, (String, String)> {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../README.md"))
            .expect("README.md");
    let start = readme
        .find("<!-- limits-table:start -->")
        .expect("limits table start marker");
    let end = readme
        .find("<!-- limits-table:end -->")
        .expect("limits table end marker");
    readme[start..end]
        .lines()
        .filter(|l| l.starts_with("| `"))
        .map(|l| {
            let cols: Vec<&str> = l.split('|').map(str::trim).collect();
            (
                cols[1].trim_matches('`').to_string(),
                (cols[2].to_string(), cols[3].to_string()),
            )
        })
        .collect()
}

fn shown(b: &Bound) -> (String, String) {
    let chars = b.max_chars.map_or("-".to_string(), |c| c.to_string());
    let items = b.max_items.map_or("-".to_string(), |c| c.to_string());
    (chars, items)
}

#[test]
fn readme_table_lists_exactly_the_bounds() {
    let documented = readme_rows();
    let actual: BTreeMap<String, (String, String)> =
        ALL.iter().map(|b| (b.path.to_string(), shown(b))).collect();
    let missing: Vec<_> = actual
        .keys()
        .filter(|k| !documented.contains_key(*k))
        .collect();
    let extra: Vec<_> = documented
        .keys()
        .filter(|k| !actual.contains_key(*k))
        .collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "README bounds table out of step with limits::ALL:\n  not documented: {missing:?}\n  documented but not a bound: {extra:?}"
    );
    for (path, numbers) in &actual {
        assert_eq!(&documented[path], numbers, "README row of {path}");
    }
}

#[test]
fn every_string_and_list_a_client_sends_has_a_bound() {
    let fds = prost_types::FileDescriptorSet::decode(jobmatch_proto::FILE_DESCRIPTOR_SET)
        .expect("descriptor set");
    let mut messages = BTreeMap::new();
    let mut inputs = Vec::new();
    for file in &fds.file {
        for m in &file.message_type {
            messages.insert(format!(".{}.{}", file.package(), m.name()), m.clone());
        }
        for s in &file.service {
            inputs.extend(s.method.iter().map(|m| m.input_type().to_string()));
        }
    }
    // Every message reachable from an RPC's input.
    let mut seen = BTreeSet::new();
    while let Some(name) = inputs.pop() {
        if !seen.insert(name.clone()) {
            continue;
        }
        if let Some(m) = messages.get(&name) {
            for f in &m.field {
                if f.r#type() == Type::Message {
                    inputs.push(f.type_name().to_string());
                }
            }
        }
    }
    let bounded: BTreeSet<&str> = ALL.iter().map(|b| b.path).collect();
    let mut unbounded = Vec::new();
    for name in &seen {
        let Some(m) = messages.get(name) else {
            continue;
        };
        for f in &m.field {
            let repeated = f.label() == Label::Repeated;
            if f.r#type() == Type::String || repeated {
                let path = format!("{}.{}", m.name(), f.name());
                if !bounded.contains(path.as_str()) {
                    unbounded.push(path);
                }
            }
        }
    }
    assert!(
        unbounded.is_empty(),
        "fields a client sends without a bound in limits::ALL: {unbounded:?}"
    );
    assert!(seen.len() >= 15, "only {} input messages found", seen.len());
}
