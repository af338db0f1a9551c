//! A citizen's placements as timelines of paid hours a week, with flags.

use jobmatch_store::PlacementOutcome;

use crate::config::FollowUpConfig;
use crate::dates;

/// What the progression needs besides the outcome, looked up by the caller.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PlacementContext {
    /// The agreed paid hours a week.
    pub target_hours: f64,
    /// Where the target comes from (the need's offered hours, or the citizen's available hours).
    pub target_source: String,
    /// The company's supported placements fill its reasonableness cap now.
    pub company_at_cap: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Point {
    pub date: String,
    pub hours_per_week: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Flag {
    /// no_paid_hours, hours_falling, internship_past_limit, company_at_cap.
    pub code: &'static str,
    /// Danish, for the jobformidler.
    pub message: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PlacementProgression {
    pub placement_id: String,
    pub cvr: String,
    pub need_id: Option<String>,
    pub kind: String,
    pub started: String,
    pub ended: Option<String>,
    pub running: bool,
    /// Whole weeks from the start to the end, or to today while running.
    pub weeks: u32,
    /// Paid hours a week from each date on, starting at the start (0 until the first recorded hours).
    pub points: Vec<Point>,
    pub current_hours: f64,
    pub target_hours: f64,
    pub target_source: String,
    pub flags: Vec<Flag>,
}

/// Paid hours a week in effect on `day` (0 before the first record).
pub fn hours_on(o: &PlacementOutcome, day: i64) -> f64 {
    o.paid_hours
        .iter()
        .rfind(|h| dates::parse(&h.from).is_some_and(|d| d <= day))
        .map_or(0.0, |h| h.hours_per_week)
}

/// The placement's hours as a step series from its start: a 0 at the start when the first record is later.
pub fn series(o: &PlacementOutcome) -> Vec<(i64, f64)> {
    let Some(start) = dates::parse(&o.started) else {
        return Vec::new();
    };
    let mut points = Vec::new();
    for h in &o.paid_hours {
        let Some(d) = dates::parse(&h.from) else {
            continue;
        };
        points.push((d.max(start), h.hours_per_week));
    }
    if points.first().is_none_or(|(d, _)| *d > start) {
        points.insert(0, (start, 0.0));
    }
    points
}

/// The day a placement ended, if it has by `today`.
fn end_day(o: &PlacementOutcome, today: i64) -> Option<i64> {
    o.ended
        .as_deref()
        .and_then(dates::parse)
        .filter(|&e| e <= today)
}

const INTERNSHIP_KINDS: [&str; 2] = ["internship", "combination"];

pub fn progression(
    config: &FollowUpConfig,
    outcomes: &[PlacementOutcome],
    context: impl Fn(&PlacementOutcome) -> PlacementContext,
    target_group: &str,
    today: i64,
) -> Vec<PlacementProgression> {
    let mut out: Vec<PlacementProgression> = outcomes
        .iter()
        .filter_map(|o| {
            let start = dates::parse(&o.started)?;
            let ended = end_day(o, today);
            let running = ended.is_none();
            let until = ended.unwrap_or(today).max(start);
            let weeks = ((until - start) / 7) as u32;
            let steps: Vec<(i64, f64)> =
                series(o).into_iter().filter(|(d, _)| *d <= until).collect();
            let current = steps.last().map_or(0.0, |s| s.1);
            let ctx = context(o);
            let mut flags = Vec::new();
            if running {
                flags.extend(flags_of(config, o, &steps, weeks, &ctx, target_group));
            }
            Some(PlacementProgression {
                placement_id: o.placement_id.clone(),
                cvr: o.cvr.clone(),
                need_id: o.need_id.clone(),
                kind: o.kind.clone(),
                started: o.started.clone(),
                ended: o.ended.clone(),
                running,
                weeks,
                points: steps
                    .iter()
                    .map(|&(d, h)| Point {
                        date: dates::format(d),
                        hours_per_week: h,
                    })
                    .collect(),
                current_hours: current,
                target_hours: ctx.target_hours,
                target_source: ctx.target_source,
                flags,
            })
        })
        .collect();
    out.sort_by(|a, b| {
        a.started
            .cmp(&b.started)
            .then(a.placement_id.cmp(&b.placement_id))
    });
    out
}

fn flags_of(
    config: &FollowUpConfig,
    o: &PlacementOutcome,
    steps: &[(i64, f64)],
    weeks: u32,
    ctx: &PlacementContext,
    target_group: &str,
) -> Vec<Flag> {
    let mut flags = Vec::new();
    let ever_paid = steps.iter().any(|s| s.1 > 0.0);
    if o.kind != "paid_hours" && !ever_paid && weeks >= config.no_paid_hours_after_weeks {
        flags.push(Flag {
            code: "no_paid_hours",
            message: format!(
                "ingen løntimer efter {weeks} uger (grænse for opfølgning: {} uger)",
                config.no_paid_hours_after_weeks
            ),
        });
    }
    let peak = steps.iter().map(|s| s.1).fold(0.0, f64::max);
    let current = steps.last().map_or(0.0, |s| s.1);
    if peak - current >= config.falling_hours_min_drop && peak > 0.0 {
        flags.push(Flag {
            code: "hours_falling",
            message: format!("løntimerne er faldet fra {peak} til {current} timer/uge"),
        });
    }
    if INTERNSHIP_KINDS.contains(&o.kind.as_str())
        && let Some(limit) = config.internship_limit(target_group, &o.started)
        && weeks > limit.weeks
    {
        let message = if weeks > limit.extendable_to_weeks {
            format!(
                "praktikken har varet {weeks} uger; grænsen for målgruppen {target_group} er {} uger{} ({})",
                limit.weeks,
                if limit.extendable_to_weeks > limit.weeks {
                    format!(
                        ", forlænget højst {} uger ad gangen ved helt særligt behov",
                        limit.extendable_to_weeks
                    )
                } else {
                    ", uden forlængelse".into()
                },
                limit.source
            )
        } else {
            format!(
                "praktikken har varet {weeks} uger; over {} uger for målgruppen {target_group} kræver forlængelse (højst {} uger) ({})",
                limit.weeks, limit.extendable_to_weeks, limit.source
            )
        };
        flags.push(Flag {
            code: "internship_past_limit",
            message,
        });
    }
    if o.kind != "paid_hours" && ctx.company_at_cap {
        flags.push(Flag {
            code: "company_at_cap",
            message: "virksomheden har nået rimelighedskravets loft: ingen plads til flere i praktik eller løntilskud (kun ordinære timer)".into(),
        });
    }
    flags
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcome(
        id: &str,
        kind: &str,
        started: &str,
        hours: &[(&str, f64)],
        ended: Option<&str>,
    ) -> PlacementOutcome {
        crate::testing::outcome(id, "c1", "12345678", kind, started, hours, ended)
    }

    fn day(s: &str) -> i64 {
        dates::parse(s).unwrap()
    }

    fn run(
        outcomes: &[PlacementOutcome],
        group: &str,
        today: &str,
        at_cap: bool,
    ) -> Vec<PlacementProgression> {
        let ctx = |_: &PlacementOutcome| PlacementContext {
            target_hours: 15.0,
            target_source: "test".into(),
            company_at_cap: at_cap,
        };
        progression(&FollowUpConfig::default(), outcomes, ctx, group, day(today))
    }

    fn codes(p: &PlacementProgression) -> Vec<&'static str> {
        p.flags.iter().map(|f| f.code).collect()
    }

    #[test]
    fn an_internship_without_paid_hours_is_flagged_after_four_weeks_not_before() {
        let o = [outcome("p1", "internship", "2026-01-05", &[], None)];
        assert!(codes(&run(&o, "aktivitetsparat", "2026-01-31", false)[0]).is_empty());
        let p = &run(&o, "aktivitetsparat", "2026-02-02", false)[0];
        assert_eq!(p.weeks, 4);
        assert_eq!(codes(p), ["no_paid_hours"]);
        // Paid hours, even a few, clear the flag.
        let paid = [outcome(
            "p1",
            "internship",
            "2026-01-05",
            &[("2026-01-19", 3.0)],
            None,
        )];
        assert!(codes(&run(&paid, "aktivitetsparat", "2026-02-02", false)[0]).is_empty());
    }

    #[test]
    fn falling_hours_are_flagged_and_the_timeline_starts_at_zero() {
        let o = [outcome(
            "p1",
            "combination",
            "2026-01-05",
            &[
                ("2026-01-19", 10.0),
                ("2026-02-02", 15.0),
                ("2026-03-02", 12.0),
            ],
            None,
        )];
        let p = &run(&o, "aktivitetsparat", "2026-03-09", false)[0];
        assert_eq!(codes(p), ["hours_falling"]);
        assert_eq!(p.points.len(), 4);
        assert_eq!(
            (p.points[0].date.as_str(), p.points[0].hours_per_week),
            ("2026-01-05", 0.0)
        );
        assert_eq!(p.current_hours, 12.0);
        // A fall smaller than the configured drop is not a fall worth acting on.
        let small = [outcome(
            "p1",
            "paid_hours",
            "2026-01-05",
            &[("2026-01-05", 10.0), ("2026-02-02", 9.5)],
            None,
        )];
        assert!(codes(&run(&small, "jobparat", "2026-03-09", false)[0]).is_empty());
        // Hours recorded after today are not counted yet.
        let p = &run(&o, "aktivitetsparat", "2026-02-10", false)[0];
        assert_eq!(p.current_hours, 15.0);
        assert!(codes(p).is_empty());
    }

    #[test]
    fn internship_limits_follow_the_target_group() {
        let o = [outcome(
            "p1",
            "internship",
            "2026-01-05",
            &[("2026-01-05", 5.0)],
            None,
        )];
        // Job-ready: 4 weeks, no extension.
        let p = &run(&o, "jobparat", "2026-02-09", false)[0];
        assert_eq!(p.weeks, 5);
        assert_eq!(codes(p), ["internship_past_limit"]);
        assert!(p.flags[0].message.contains("uden forlængelse"));
        // Activity-ready: 13 weeks; past them it needs an extension, past 26 it is over the limit.
        assert!(codes(&run(&o, "aktivitetsparat", "2026-02-09", false)[0]).is_empty());
        let p = &run(&o, "aktivitetsparat", "2026-04-13", false)[0];
        assert!(
            p.flags[0].message.contains("kræver forlængelse"),
            "{:?}",
            p.flags
        );
        let p = &run(&o, "aktivitetsparat", "2026-07-13", false)[0];
        assert!(
            p.flags[0].message.contains("særligt behov"),
            "{:?}",
            p.flags
        );
        // Paid hours only are no internship.
        let paid = [outcome(
            "p1",
            "paid_hours",
            "2026-01-05",
            &[("2026-01-05", 5.0)],
            None,
        )];
        assert!(codes(&run(&paid, "jobparat", "2026-07-13", false)[0]).is_empty());
    }

    #[test]
    fn a_company_at_its_cap_is_flagged_for_running_internships_only() {
        let running = [outcome(
            "p1",
            "wage_subsidy",
            "2026-01-05",
            &[("2026-01-05", 8.0)],
            None,
        )];
        assert_eq!(
            codes(&run(&running, "aktivitetsparat", "2026-01-12", true)[0]),
            ["company_at_cap"]
        );
        let ended = [outcome(
            "p1",
            "internship",
            "2025-01-05",
            &[],
            Some("2025-02-01"),
        )];
        let p = &run(&ended, "jobparat", "2026-01-12", true)[0];
        assert!(!p.running && p.flags.is_empty());
        assert_eq!(p.weeks, 3);
        let paid = [outcome(
            "p1",
            "paid_hours",
            "2026-01-05",
            &[("2026-01-05", 8.0)],
            None,
        )];
        assert!(codes(&run(&paid, "jobparat", "2026-01-12", true)[0]).is_empty());
    }
}
