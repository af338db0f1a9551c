//! One jobcenter summary and two charts from the demo data, for the issue note and the README:
//!
//! ```sh
//! cargo run -p jobmatch-followup --example demo_report
//! ```
//!
//! The demo data set has companies and needs but no citizens or placements, so this draws placements at the
//! demo companies of the municipality with the most of them: deterministic (ChaCha8, seed 14), with paid hours
//! more likely where the need offers them and for citizens with earlier hours. The figures show what the
//! summary computes, not anything about real jobcenters. Writes services/followup/examples-out/.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::Path;

use jobmatch_followup::config::FollowUpConfig;
use jobmatch_followup::progression::{PlacementContext, progression};
use jobmatch_followup::summary::{Period, calibration_by_decile, summarize};
use jobmatch_followup::{charts, dates, metrics};
use jobmatch_matching::potential::{CompanyRecord, calibrated_likelihood};
use jobmatch_store::{HoursFrom, PlacementOutcome};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::Value;

const CITIZENS: usize = 120;

fn main() {
    let demo = jobmatch_demo::default_demo();
    let mut per_municipality: HashMap<String, Vec<&Value>> = HashMap::new();
    for c in &demo.companies {
        let m = c["address"]["municipality_code"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        per_municipality.entry(m).or_default().push(c);
    }
    let (jobcenter, companies) = per_municipality
        .iter()
        .max_by_key(|(m, cs)| (cs.len(), std::cmp::Reverse((*m).clone())))
        .expect("demo companies");
    let cvrs: Vec<&str> = companies.iter().filter_map(|c| c["cvr"].as_str()).collect();
    let needs: Vec<&Value> = demo
        .needs
        .iter()
        .filter(|n| n["cvr"].as_str().is_some_and(|c| cvrs.contains(&c)))
        .collect();

    let mut rng = ChaCha8Rng::seed_from_u64(14);
    let first = dates::parse("2025-09-01").unwrap();
    let last_start = dates::parse("2026-09-30").unwrap();
    let as_of = dates::parse("2026-11-20").unwrap();
    let mut outcomes = Vec::new();
    let mut earlier_hours = HashMap::new();
    for i in 0..CITIZENS {
        let citizen = format!("DEMO-{i:03}");
        let had_hours = rng.random_bool(0.3);
        earlier_hours.insert(citizen.clone(), had_hours);
        let need = needs[rng.random_range(0..needs.len())];
        let offered = need["ordinary_hours"]["hours_per_week"]
            .as_f64()
            .unwrap_or(0.0);
        let kind = if offered > 0.0 {
            if rng.random_bool(0.5) {
                "paid_hours"
            } else {
                "combination"
            }
        } else if rng.random_bool(0.2) {
            "wage_subsidy"
        } else {
            "internship"
        };
        let started = rng.random_range(first..=last_start);
        let p_paid: f64 =
            0.15 + if had_hours { 0.4 } else { 0.0 } + if offered > 0.0 { 0.3 } else { 0.0 };
        let mut paid_hours = Vec::new();
        if kind == "paid_hours" || rng.random_bool(p_paid.min(0.95)) {
            let from = started
                + if kind == "paid_hours" {
                    0
                } else {
                    7 * rng.random_range(1..=8)
                };
            let hours = if offered > 0.0 {
                offered
            } else {
                f64::from(rng.random_range(4..=12))
            };
            paid_hours.push((from, hours));
            let change = from + 7 * rng.random_range(4..=12);
            let r: f64 = rng.random();
            if r < 0.4 {
                paid_hours.push((
                    change,
                    (hours + f64::from(rng.random_range(3..=10))).min(37.0),
                ));
            } else if r < 0.55 {
                paid_hours.push((
                    change,
                    (hours - f64::from(rng.random_range(2..=6))).max(0.0),
                ));
            }
        }
        let ended = rng
            .random_bool(0.5)
            .then(|| started + 7 * rng.random_range(4..=26))
            .filter(|&e| e <= as_of);
        outcomes.push(PlacementOutcome {
            placement_id: format!("PL-{i:03}"),
            citizen_ref: citizen,
            jobcenter: jobcenter.clone(),
            cvr: need["cvr"].as_str().unwrap().to_string(),
            need_id: need["need_id"].as_str().map(str::to_string),
            kind: kind.into(),
            started: dates::format(started),
            paid_hours: paid_hours
                .into_iter()
                .filter(|(d, _)| *d <= as_of && ended.is_none_or(|e| *d <= e))
                .map(|(d, h)| HoursFrom {
                    from: dates::format(d),
                    hours_per_week: h,
                })
                .collect(),
            ended: ended.map(dates::format),
        });
    }

    let mut summary = summarize(jobcenter, &outcomes, Period::default());
    // Calibration as the server computes it: each placement predicted from the records without its own outcome.
    let mut records: HashMap<&str, CompanyRecord> = HashMap::new();
    for o in &outcomes {
        let r = records.entry(o.cvr.as_str()).or_default();
        r.placements += 1;
        r.with_paid_hours += u32::from(o.gave_paid_hours());
    }
    let overall = CompanyRecord {
        placements: outcomes.len() as u32,
        with_paid_hours: outcomes.iter().filter(|o| o.gave_paid_hours()).count() as u32,
    };
    let pairs: Vec<(f64, bool)> = outcomes
        .iter()
        .map(|o| {
            let y = o.gave_paid_hours();
            let p = calibrated_likelihood(
                earlier_hours[&o.citizen_ref],
                false,
                records[o.cvr.as_str()].without(y),
                overall.without(y),
            )
            .0;
            (p, y)
        })
        .collect();
    summary.calibration = calibration_by_decile(&pairs);

    let mut text = String::new();
    let pct = |x: Option<f64>| x.map_or("-".to_string(), |v| format!("{:.0} %", v * 100.0));
    writeln!(
        text,
        "Jobcenter {} (demo data, {} drawn placements at {} demo companies)",
        summary.jobcenter,
        outcomes.len(),
        cvrs.len()
    )
    .unwrap();
    writeln!(
        text,
        "as of (last recorded outcome): {}",
        summary.as_of.clone().unwrap_or_default()
    )
    .unwrap();
    writeln!(text, "placements started: {}", summary.placements_started).unwrap();
    writeln!(
        text,
        "with paid hours: {} ({})",
        summary.placements_with_paid_hours,
        pct(summary.share_with_paid_hours)
    )
    .unwrap();
    for h in &summary.hours_after {
        writeln!(
            text,
            "median paid hours/week after {} weeks: {} (of {} placements running then)",
            h.weeks,
            h.median_hours
                .map_or("-".to_string(), |m| format!("{m:.1}")),
            h.placements
        )
        .unwrap();
    }
    writeln!(
        text,
        "citizens whose hours grew: {} of {} ({})",
        summary.citizens_hours_grew,
        summary.citizens,
        pct(summary.share_hours_grew)
    )
    .unwrap();
    writeln!(
        text,
        "companies giving paid hours for the first time: {}",
        summary.companies_first_paid_hours.len()
    )
    .unwrap();
    writeln!(text, "\nmonth    running  with paid hours").unwrap();
    for m in &summary.by_month {
        writeln!(
            text,
            "{}  {:>7}  {:>4} ({})",
            m.month,
            m.active,
            m.with_paid_hours,
            pct(m.share)
        )
        .unwrap();
    }
    writeln!(
        text,
        "\ncalibration by decile (predicted likelihood vs observed share with paid hours)"
    )
    .unwrap();
    for b in &summary.calibration {
        writeln!(
            text,
            "decile {:>2}: {:>3} placements, predicted {:>4.0} %, observed {:>4.0} %",
            b.decile,
            b.placements,
            b.mean_predicted * 100.0,
            b.observed_share * 100.0
        )
        .unwrap();
    }
    writeln!(text, "\nmetrics (counts below 5 suppressed):").unwrap();
    for r in metrics::metric_rows(&summary, 5) {
        let value = r.value.map_or("suppressed".to_string(), |v| v.to_string());
        writeln!(
            text,
            "{}{{jobcenter=\"{}\"}} {value}",
            r.name, r.labels[0].1
        )
        .unwrap();
    }

    let out = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples-out");
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(out.join("summary.txt"), &text).unwrap();
    let svg = charts::share_by_month_svg(jobcenter, &summary.by_month).unwrap();
    std::fs::write(out.join("share-by-month.svg"), svg).unwrap();
    // The progression chart of the first placement whose hours changed.
    let config = FollowUpConfig::default();
    let chosen = outcomes
        .iter()
        .find(|o| o.paid_hours.len() >= 2 && o.kind != "paid_hours")
        .unwrap();
    let p = progression(
        &config,
        std::slice::from_ref(chosen),
        |_| PlacementContext {
            target_hours: 20.0,
            target_source: "citizen".into(),
            company_at_cap: false,
        },
        "aktivitetsparat",
        as_of,
    );
    let svg = charts::progression_svg(&p[0], &dates::format(as_of)).unwrap();
    std::fs::write(out.join("progression.svg"), svg).unwrap();
    print!("{text}");
    println!(
        "\nflags of {}: {:?}",
        p[0].placement_id,
        p[0].flags.iter().map(|f| f.code).collect::<Vec<_>>()
    );
    println!("wrote {}", out.display());
}
