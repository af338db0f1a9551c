//! The jobcenter summary as Prometheus-style gauges: counts per jobcenter only, no citizen, company or
//! placement in any label, and a count below the configured minimum (5) not published, so that no figure can
//! point at a few identifiable people.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use metrics::{Key, KeyName, Metadata, SharedString, Unit};

use crate::summary::Summary;

#[derive(Debug, Clone, PartialEq)]
pub struct MetricRow {
    pub name: &'static str,
    /// Always exactly one label: the jobcenter's municipality code.
    pub labels: Vec<(&'static str, String)>,
    /// None when suppressed (below the minimum count).
    pub value: Option<f64>,
}

pub const METRIC_NAMES: [&str; 5] = [
    "jobmatch_followup_placements_started",
    "jobmatch_followup_placements_with_paid_hours",
    "jobmatch_followup_citizens_followed",
    "jobmatch_followup_citizens_hours_grew",
    "jobmatch_followup_companies_first_paid_hours",
];

/// The summary's counts as rows; a count below `min_count` is suppressed.
pub fn metric_rows(summary: &Summary, min_count: u64) -> Vec<MetricRow> {
    let counts = [
        summary.placements_started,
        summary.placements_with_paid_hours,
        summary.citizens,
        summary.citizens_hours_grew,
        summary.companies_first_paid_hours.len() as u64,
    ];
    METRIC_NAMES
        .iter()
        .zip(counts)
        .map(|(&name, n)| MetricRow {
            name,
            labels: vec![("jobcenter", summary.jobcenter.clone())],
            value: (n >= min_count).then_some(n as f64),
        })
        .collect()
}

/// Sets the gauges through the `metrics` facade (whatever recorder the process installed, e.g. the Prometheus
/// exporter). A suppressed count is set to NaN rather than left alone, so an earlier published value does not
/// linger after the count fell below the minimum.
pub fn publish(rows: &[MetricRow]) {
    for r in rows {
        let labels: Vec<metrics::Label> = r
            .labels
            .iter()
            .map(|(k, v)| metrics::Label::new(*k, v.clone()))
            .collect();
        metrics::gauge!(r.name, labels).set(r.value.unwrap_or(f64::NAN));
    }
}

/// A recorder that keeps the last value of every gauge, by name and labels (`key=value`, comma-separated):
/// lets tests, here and in the integration tests, see what `publish` hands to the exporter.
#[derive(Debug, Clone, Default)]
pub struct GaugeCapture(Arc<Mutex<HashMap<(String, String), f64>>>);

impl GaugeCapture {
    pub fn value(&self, name: &str, labels: &str) -> Option<f64> {
        let seen = self.0.lock().unwrap_or_else(|e| e.into_inner());
        seen.get(&(name.to_string(), labels.to_string())).copied()
    }

    /// Every (name, labels) set so far.
    pub fn keys(&self) -> Vec<(String, String)> {
        let seen = self.0.lock().unwrap_or_else(|e| e.into_inner());
        seen.keys().cloned().collect()
    }
}

struct CapturedGauge(GaugeCapture, metrics::Key);

impl metrics::GaugeFn for CapturedGauge {
    fn increment(&self, _: f64) {}
    fn decrement(&self, _: f64) {}
    fn set(&self, value: f64) {
        let labels: Vec<String> = self
            .1
            .labels()
            .map(|l| format!("{}={}", l.key(), l.value()))
            .collect();
        let mut seen = self.0.0.lock().unwrap_or_else(|e| e.into_inner());
        seen.insert((self.1.name().to_string(), labels.join(",")), value);
    }
}

impl metrics::Recorder for GaugeCapture {
    fn describe_counter(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
    fn describe_gauge(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
    fn describe_histogram(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
    fn register_counter(&self, _: &Key, _: &Metadata<'_>) -> metrics::Counter {
        metrics::Counter::noop()
    }
    fn register_gauge(&self, key: &Key, _: &Metadata<'_>) -> metrics::Gauge {
        metrics::Gauge::from_arc(Arc::new(CapturedGauge(self.clone(), key.clone())))
    }
    fn register_histogram(&self, _: &Key, _: &Metadata<'_>) -> metrics::Histogram {
        metrics::Histogram::noop()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary(started: u64, paid: u64) -> Summary {
        Summary {
            jobcenter: "0751".into(),
            placements_started: started,
            placements_with_paid_hours: paid,
            citizens: started,
            citizens_hours_grew: 4,
            companies_first_paid_hours: vec!["12345678".into(); 5],
            ..Default::default()
        }
    }

    #[test]
    fn counts_below_five_are_suppressed_and_five_is_shown() {
        let rows = metric_rows(&summary(12, 5), 5);
        let v: Vec<Option<f64>> = rows.iter().map(|r| r.value).collect();
        assert_eq!(v, [Some(12.0), Some(5.0), Some(12.0), None, Some(5.0)]);
        let rows = metric_rows(&summary(4, 0), 5);
        assert!(rows[..2].iter().all(|r| r.value.is_none()));
    }

    #[test]
    fn rows_carry_the_jobcenter_and_nothing_personal() {
        let mut s = summary(20, 10);
        s.companies_first_paid_hours = vec!["87654321".into(); 6];
        for r in metric_rows(&s, 5) {
            assert_eq!(r.labels, [("jobcenter", "0751".to_string())]);
            assert!(r.name.starts_with("jobmatch_followup_"));
            assert!(!format!("{r:?}").contains("87654321"));
        }
    }

    #[test]
    fn published_gauges_reach_the_installed_recorder() {
        let capture = GaugeCapture::default();
        metrics::with_local_recorder(&capture, || publish(&metric_rows(&summary(7, 2), 5)));
        let started = capture.value("jobmatch_followup_placements_started", "jobcenter=0751");
        assert_eq!(started, Some(7.0));
        let paid = capture.value(
            "jobmatch_followup_placements_with_paid_hours",
            "jobcenter=0751",
        );
        assert!(paid.is_some_and(f64::is_nan));
        assert_eq!(capture.keys().len(), 5);
    }
}
