//! Bulk ingest of JSON Lines files in the interchange format. Every line is parsed and validated on its own:
//! broken JSON, a wrong type, a failed rule or a need for an unknown company is reported with line, field and
//! reason, and every good record still goes in. The whole load is one transaction: nothing of it is visible or
//! durable before its commit at the end, and a load that fails half-way leaves no trace.

use std::io::BufRead;
use std::path::Path;
use std::time::{Duration, Instant};

use jobmatch_proto::v1::{Company, Need};
use serde::de::DeserializeOwned;

use crate::IndexError;
use crate::index::{Change, JobIndex, Transaction};

/// Records prepared and applied per batch.
const CHUNK: usize = 2_000;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineError {
    /// File name (or "stream") and 1-based line.
    pub source: String,
    pub line: u64,
    pub kind: &'static str,
    pub key: String,
    pub field: String,
    pub reason: String,
}

impl std::fmt::Display for LineError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let field = if self.field.is_empty() {
            "-"
        } else {
            &self.field
        };
        let key = if self.key.is_empty() { "?" } else { &self.key };
        write!(
            f,
            "{}:{}: {} {}: {}: {}",
            self.source, self.line, self.kind, key, field, self.reason
        )
    }
}

/// A parse failure of one record: the field (JSON path, empty for the whole line) and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub field: String,
    pub reason: String,
    /// The record's key, when the line got far enough to show one.
    pub key: String,
}

/// Parses one JSON record into a message. Nulls count as absent (as in proto3 JSON); unknown fields are
/// returned as warnings, never errors (interchange format, "Fields may be added").
pub fn parse_record<T: DeserializeOwned>(
    line: &str,
    key_field: &str,
) -> Result<(T, Vec<String>), ParseError> {
    // Fast path: straight from the text, no intermediate value. Only a line that fails here takes the slow
    // path below, which finds the failing field's path and accepts nulls in non-optional fields.
    let mut unknown = Vec::new();
    let mut on_unknown = |path: serde_ignored::Path<'_>| unknown.push(path.to_string());
    let mut json = serde_json::Deserializer::from_str(line);
    if let Ok(record) = T::deserialize(serde_ignored::Deserializer::new(&mut json, &mut on_unknown))
        && json.end().is_ok()
    {
        return Ok((record, unknown));
    }
    parse_record_slow(line, key_field)
}

fn parse_record_slow<T: DeserializeOwned>(
    line: &str,
    key_field: &str,
) -> Result<(T, Vec<String>), ParseError> {
    let mut value: serde_json::Value = serde_json::from_str(line).map_err(|e| ParseError {
        field: String::new(),
        reason: format!("invalid JSON: {e}"),
        key: String::new(),
    })?;
    let key = value
        .get(key_field)
        .and_then(|v| v.as_str())
        .unwrap_or_default()
        .chars()
        .take(64)
        .collect();
    if !value.is_object() {
        return Err(ParseError {
            field: String::new(),
            reason: "a record must be a JSON object".into(),
            key,
        });
    }
    strip_nulls(&mut value);
    let mut unknown = Vec::new();
    let mut on_unknown = |path: serde_ignored::Path<'_>| unknown.push(path.to_string());
    let de = serde_ignored::Deserializer::new(value, &mut on_unknown);
    let record = serde_path_to_error::deserialize(de).map_err(|e| ParseError {
        field: e.path().to_string().trim_start_matches('.').to_string(),
        reason: e.inner().to_string(),
        key,
    })?;
    Ok((record, unknown))
}

fn strip_nulls(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::Object(map) => {
            map.retain(|_, v| !v.is_null());
            map.values_mut().for_each(strip_nulls);
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(strip_nulls),
        _ => {}
    }
}

/// Progress of a running ingest, for a progress bar.
pub trait Progress {
    fn start(&mut self, _what: &str, _total_bytes: u64) {}
    fn advance(&mut self, _bytes: u64) {}
    fn finish(&mut self) {}
}

impl Progress for () {}

#[derive(Debug, Default)]
pub struct IngestSummary {
    pub companies: u64,
    pub needs: u64,
    pub errors: Vec<LineError>,
    pub warnings: Vec<String>,
    pub elapsed: Duration,
}

impl IngestSummary {
    pub fn records_per_second(&self) -> f64 {
        let n = (self.companies + self.needs + self.errors.len() as u64) as f64;
        n / self.elapsed.as_secs_f64().max(1e-9)
    }
}

/// Ingests companies first, then needs, so needs can refer to companies of the same load.
pub fn ingest_files(
    index: &JobIndex,
    companies: Option<&Path>,
    needs: Option<&Path>,
    progress: &mut dyn Progress,
) -> Result<IngestSummary, IndexError> {
    let started = Instant::now();
    let mut summary = IngestSummary::default();
    let mut tx = index.begin();
    if let Some(path) = companies {
        ingest_file(&mut tx, path, &COMPANIES, &mut summary, progress)?;
    }
    if let Some(path) = needs {
        ingest_file(&mut tx, path, &NEEDS, &mut summary, progress)?;
    }
    tx.commit(None)?;
    summary.elapsed = started.elapsed();
    Ok(summary)
}

/// A kind of record in a JSON Lines file: its name in reports, its key field and the change it becomes.
pub struct RecordKind<T> {
    pub kind: &'static str,
    pub key_field: &'static str,
    pub to_change: fn(T) -> Change,
}

pub const COMPANIES: RecordKind<Company> = RecordKind {
    kind: "company",
    key_field: "cvr",
    to_change: Change::UpsertCompany,
};
pub const NEEDS: RecordKind<Need> = RecordKind {
    kind: "need",
    key_field: "need_id",
    to_change: Change::UpsertNeed,
};

/// Ingests JSON Lines from any reader into a transaction; `source` names it in errors.
pub fn ingest_reader<T: DeserializeOwned>(
    tx: &mut Transaction<'_>,
    reader: impl BufRead,
    source: &str,
    record: &RecordKind<T>,
    summary: &mut IngestSummary,
    progress: &mut dyn Progress,
) -> Result<(), IndexError> {
    let RecordKind {
        kind,
        key_field,
        to_change,
    } = *record;
    let mut batch: Vec<Change> = Vec::with_capacity(CHUNK);
    let mut lines: Vec<u64> = Vec::with_capacity(CHUNK);
    let mut line_no = 0u64;
    for line in reader.split(b'\n') {
        line_no += 1;
        let raw = line?;
        progress.advance(raw.len() as u64 + 1);
        let text = match std::str::from_utf8(&raw) {
            Ok(t) => t.trim(),
            Err(_) => {
                summary.errors.push(LineError {
                    source: source.to_string(),
                    line: line_no,
                    kind,
                    key: String::new(),
                    field: String::new(),
                    reason: "line is not UTF-8".into(),
                });
                continue;
            }
        };
        if text.is_empty() {
            continue;
        }
        match parse_record::<T>(text, key_field) {
            Ok((record, unknown)) => {
                for u in unknown {
                    summary
                        .warnings
                        .push(format!("{source}:{line_no}: unknown field '{u}' ignored"));
                }
                batch.push(to_change(record));
                lines.push(line_no);
            }
            Err(e) => summary.errors.push(LineError {
                source: source.to_string(),
                line: line_no,
                kind,
                key: e.key,
                field: e.field,
                reason: e.reason,
            }),
        }
        if batch.len() >= CHUNK {
            apply_batch(tx, &mut batch, &mut lines, source, summary)?;
        }
    }
    apply_batch(tx, &mut batch, &mut lines, source, summary)
}

fn ingest_file<T: DeserializeOwned>(
    tx: &mut Transaction<'_>,
    path: &Path,
    record: &RecordKind<T>,
    summary: &mut IngestSummary,
    progress: &mut dyn Progress,
) -> Result<(), IndexError> {
    let file = std::fs::File::open(path)?;
    let total = file.metadata().map(|m| m.len()).unwrap_or(0);
    let source = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    progress.start(&source, total);
    let reader = std::io::BufReader::with_capacity(1 << 20, file);
    let result = ingest_reader(tx, reader, &source, record, summary, progress);
    progress.finish();
    result
}

fn apply_batch(
    tx: &mut Transaction<'_>,
    batch: &mut Vec<Change>,
    lines: &mut Vec<u64>,
    source: &str,
    summary: &mut IngestSummary,
) -> Result<(), IndexError> {
    if batch.is_empty() {
        return Ok(());
    }
    let prepared = tx.prepare_all(std::mem::take(batch));
    let report = tx.apply(prepared)?;
    summary.companies += report.companies_upserted;
    summary.needs += report.needs_upserted;
    for outcome in &report.outcomes {
        if let Ok(crate::index::Outcome::Upserted { warnings, key, .. }) = outcome {
            summary
                .warnings
                .extend(warnings.iter().map(|w| format!("{source}: {key}: {w}")));
        }
    }
    for r in report.rejected() {
        let line = lines.get(r.position).copied().unwrap_or(0);
        let (field, reason) = first_violation(&r.error);
        summary.errors.push(LineError {
            source: source.to_string(),
            line,
            kind: r.kind,
            key: r.key.clone(),
            field,
            reason,
        });
    }
    lines.clear();
    Ok(())
}

/// The field and reason of an error, for a one-line report (all violations joined when there are several).
pub fn first_violation(e: &IndexError) -> (String, String) {
    match e {
        IndexError::Invalid { violations, .. } if violations.0.len() == 1 => (
            violations.0[0].field.clone(),
            violations.0[0].reason.clone(),
        ),
        IndexError::Invalid { violations, .. } => (
            violations
                .first()
                .map(|f| f.field.clone())
                .unwrap_or_default(),
            violations.to_string(),
        ),
        other => (String::new(), other.to_string()),
    }
}
