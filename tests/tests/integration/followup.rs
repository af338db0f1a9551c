//! Follow-up (issue 14) over gRPC: the calculator at its boundaries, a citizen's progression with flags on
//! constructed timelines and its tenancy, a jobcenter summary against hand-computed figures, and the
//! suppression of small counts in the published metrics, and the gain and calibrated likelihood on candidates.

use std::collections::HashMap;

use jobmatch_followup::config::DatedAmount;
use jobmatch_tests::v1::calculator_service_client::CalculatorServiceClient;
use jobmatch_tests::v1::follow_up_service_client::FollowUpServiceClient;
use jobmatch_tests::v1::{
    GainOptions, GetJobcenterSummaryRequest, GetProgressionRequest, HoursFrom, MatchCitizenRequest,
    MatchOptions, MonthlyGainRequest, OrdinaryHours, PlacementOutcome,
};
use jobmatch_tests::*;
use tonic::Code;
use tonic::transport::Channel;

fn calculator(s: &TestServer) -> CalculatorServiceClient<Channel> {
    CalculatorServiceClient::new(s.channel.clone())
}

fn followup(s: &TestServer) -> FollowUpServiceClient<Channel> {
    FollowUpServiceClient::new(s.channel.clone())
}

fn gain_request(rate: &str, month: &str, earnings: Option<f64>) -> MonthlyGainRequest {
    MonthlyGainRequest {
        benefit_rate: rate.into(),
        month: month.into(),
        monthly_benefit_kr: 12_000.0,
        earnings_kr: earnings,
        ..Default::default()
    }
}

#[tokio::test]
async fn the_calculator_answers_at_its_boundaries() {
    let dir = tempfile::tempdir().unwrap();
    // A test amount for the maximum unemployment-insurance rate (none ships): the threshold is 21,250 kr.
    let server = TestServer::start_with(dir, false, |c| {
        c.followup.calculator.max_ui_rate.push(DatedAmount {
            valid_from: "2025-01-01".into(),
            source: "test".into(),
            monthly_kr: 25_000.0,
        })
    })
    .await;
    let mut calc = calculator(&server);
    let ask = |r: MonthlyGainRequest| {
        let mut calc = calc.clone();
        async move { calc.monthly_gain(r).await.map(|g| g.into_inner()) }
    };

    // The README's worked example.
    let g = ask(gain_request("base", "2025-07", Some(10_000.0)))
        .await
        .unwrap();
    assert_eq!(
        (g.free_kr, g.deducted_kr, g.gain_kr),
        (5_000.0, 3_250.0, 6_750.0)
    );
    assert_eq!(g.rule_valid_from, "2025-07-01");
    assert!(g.amounts.iter().all(|a| !a.source.is_empty()), "{g:?}");
    // Zero hours: nothing earned, nothing deducted.
    let mut zero = gain_request("base", "2025-07", None);
    zero.hourly_wage_kr = 150.0;
    let g = ask(zero).await.unwrap();
    assert_eq!(
        (g.earnings_kr, g.deducted_kr, g.benefit_paid_kr),
        (0.0, 0.0, 12_000.0)
    );
    // Exactly the free amount.
    let g = ask(gain_request("base", "2025-07", Some(5_000.0)))
        .await
        .unwrap();
    assert_eq!((g.deducted_kr, g.gain_kr), (0.0, 5_000.0));
    // The month before and the month after the rule change, at 10 hours a week and 150 kr an hour (6,500 kr).
    let work = |month: &str| MonthlyGainRequest {
        hours_per_week: 10.0,
        hourly_wage_kr: 150.0,
        ..gain_request("base", month, None)
    };
    let june = ask(work("2025-06")).await.unwrap();
    let july = ask(work("2025-07")).await.unwrap();
    let hours = 10.0 * 52.0 / 12.0;
    assert_eq!(june.rule_valid_from, "2022-01-01");
    assert!(
        (june.deducted_kr - (6_500.0 - 29.0 * hours)).abs() < 0.01,
        "{june:?}"
    );
    assert_eq!(july.deducted_kr, 975.0);
    assert!(!july.krone_for_krone);
    assert!(july.gain_kr > june.gain_kr);
    // The krone-for-krone threshold: just below and above it.
    let below = ask(gain_request("base", "2025-07", Some(17_000.0)))
        .await
        .unwrap();
    assert!(!below.krone_for_krone);
    let above = ask(gain_request("base", "2025-07", Some(18_000.0)))
        .await
        .unwrap();
    assert!(above.krone_for_krone);
    assert_eq!(
        (above.benefit_paid_kr, above.income_kr),
        (3_250.0, 21_250.0)
    );
    // Refusals.
    let err = ask(gain_request("base", "2021-12", Some(1.0)))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::FailedPrecondition, "{err:?}");
    let err = ask(gain_request("gold", "2025-07", None))
        .await
        .unwrap_err();
    assert_invalid(&err, "benefit_rate");
    let err = calc
        .monthly_gain(gain_request("base", &"2".repeat(40), None))
        .await
        .unwrap_err();
    assert_invalid(&err, "month");
}

fn day(offset: i64) -> String {
    jobmatch_indexer::date::format_days(jobmatch_indexer::date::today_days() + offset)
}

fn outcome(
    id: &str,
    citizen: &str,
    cvr: &str,
    kind: &str,
    started: &str,
    hours: &[(&str, f64)],
) -> PlacementOutcome {
    PlacementOutcome {
        placement_id: id.into(),
        citizen_ref: citizen.into(),
        cvr: cvr.into(),
        need_id: None,
        kind: kind.into(),
        started: started.into(),
        paid_hours: hours
            .iter()
            .map(|(f, h)| HoursFrom {
                from: f.to_string(),
                hours_per_week: *h,
            })
            .collect(),
        ended: None,
    }
}

#[tokio::test]
async fn progression_flags_what_a_jobformidler_acts_on() {
    let server = TestServer::start(false).await;
    let mut cs = server.companies();
    // 4 employees allow 1 placement, and 1 is running: the company is at its cap.
    let mut full = company(&cvr(1), "Fuld Lager ApS", "521000", "8000");
    full.employees = 4;
    full.supported_placements = 1;
    cs.upsert_company(full).await.unwrap();
    cs.upsert_company(company(&cvr(2), "Åben Lager ApS", "521000", "8000"))
        .await
        .unwrap();
    let mut n = need("N-1", &cvr(1), "Lagermedarbejder", "9333");
    n.ordinary_hours = Some(OrdinaryHours {
        offered: true,
        from_start: false,
        hours_per_week: 15,
    });
    cs.upsert_need(n).await.unwrap();
    let mut registry = server.citizens();
    registry
        .upsert_citizen(as_tenant(
            citizen("C-PROG", "8000", "lagermedarbejder"),
            "0751",
        ))
        .await
        .unwrap();
    // Six weeks of internship without paid hours, at the full company, for the need offering 15 hours.
    let mut internship = outcome("P-1", "C-PROG", &cvr(1), "internship", &day(-42), &[]);
    internship.need_id = Some("N-1".into());
    // Paid hours that fell from 20 to 12 two weeks ago.
    let falling = outcome(
        "P-2",
        "C-PROG",
        &cvr(2),
        "paid_hours",
        &day(-70),
        &[(&day(-70), 20.0), (&day(-14), 12.0)],
    );
    for o in [internship, falling] {
        registry
            .record_placement_outcome(as_tenant(o, "0751"))
            .await
            .unwrap();
    }
    let request = |group: &str| GetProgressionRequest {
        citizen_ref: "C-PROG".into(),
        target_group: group.into(),
        charts: true,
    };
    let mut fu = followup(&server);
    let p = fu
        .get_progression(as_tenant(request(""), "0751"))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(p.target_group, "jobparat");
    let by_id: HashMap<&str, _> = p
        .placements
        .iter()
        .map(|x| (x.placement_id.as_str(), x))
        .collect();
    let codes =
        |id: &str| -> Vec<&str> { by_id[id].flags.iter().map(|f| f.code.as_str()).collect() };
    assert_eq!(
        codes("P-1"),
        ["no_paid_hours", "internship_past_limit", "company_at_cap"]
    );
    assert_eq!(by_id["P-1"].weeks, 6);
    assert_eq!(
        (
            by_id["P-1"].target_hours_per_week,
            by_id["P-1"].target_source.as_str()
        ),
        (15.0, "need")
    );
    assert_eq!(codes("P-2"), ["hours_falling"]);
    assert_eq!(by_id["P-2"].current_hours_per_week, 12.0);
    // Without a need, the target is the citizen's available hours.
    assert_eq!(
        (
            by_id["P-2"].target_hours_per_week,
            by_id["P-2"].target_source.as_str()
        ),
        (20.0, "citizen")
    );
    assert!(by_id["P-2"].chart_svg.starts_with("<svg"));
    // Activity-ready citizens may stay 13 weeks: no duration flag after 6.
    let p = fu
        .get_progression(as_tenant(request("aktivitetsparat"), "0751"))
        .await
        .unwrap()
        .into_inner();
    let first = p
        .placements
        .iter()
        .find(|x| x.placement_id == "P-1")
        .unwrap();
    assert!(
        first
            .flags
            .iter()
            .all(|f| f.code != "internship_past_limit"),
        "{first:?}"
    );
    // Another jobcenter does not see the citizen; an unknown target group is refused.
    let err = fu
        .get_progression(as_tenant(request(""), "0101"))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::NotFound);
    let err = fu.get_progression(request("")).await.unwrap_err();
    assert_eq!(err.code(), Code::PermissionDenied);
    let err = fu
        .get_progression(as_tenant(request("astronaut"), "0751"))
        .await
        .unwrap_err();
    assert_invalid(&err, "target_group");
}

/// A gauge's value in the server's Prometheus page, by name and jobcenter.
fn gauge(page: &str, name: &str, jc: &str) -> f64 {
    let prefix = format!("jobmatch_followup_{name}{{jobcenter=\"{jc}\"}} ");
    let line = page
        .lines()
        .find(|l| l.starts_with(&prefix))
        .unwrap_or_else(|| panic!("{name} of {jc} not published"));
    line[prefix.len()..]
        .trim()
        .parse()
        .expect("a number or NaN")
}

#[tokio::test]
async fn the_summary_matches_hand_computed_figures_and_small_counts_stay_out_of_metrics() {
    let server = TestServer::start(false).await;
    let mut registry = server.citizens();
    // Jobcenter 0751 (Aarhus): six citizens, one placement each, all in January 2026.
    // c1..c3 get paid hours (c1 and c2 growing), c4..c6 none.
    let hours: [&[(&str, f64)]; 6] = [
        &[("2026-01-19", 10.0), ("2026-02-16", 20.0)],
        &[("2026-01-05", 5.0), ("2026-02-02", 8.0)],
        &[("2026-01-05", 15.0)],
        &[],
        &[],
        &[],
    ];
    for (i, h) in hours.iter().enumerate() {
        let r = format!("C-SUM-{i}");
        registry
            .upsert_citizen(as_tenant(citizen(&r, "8000", "lagermedarbejder"), "0751"))
            .await
            .unwrap();
        registry
            .record_placement_outcome(as_tenant(
                outcome(
                    &format!("P-{i}"),
                    &r,
                    &cvr(10 + i as u32),
                    "combination",
                    "2026-01-05",
                    h,
                ),
                "0751",
            ))
            .await
            .unwrap();
    }
    // Jobcenter 0101 (København): two citizens only.
    for i in 0..2 {
        let r = format!("C-KBH-{i}");
        registry
            .upsert_citizen(as_tenant(citizen(&r, "1050", "lagermedarbejder"), "0101"))
            .await
            .unwrap();
        registry
            .record_placement_outcome(as_tenant(
                outcome(
                    &format!("K-{i}"),
                    &r,
                    &cvr(20),
                    "internship",
                    "2026-01-05",
                    &[("2026-01-05", 3.0)],
                ),
                "0101",
            ))
            .await
            .unwrap();
    }
    let mut fu = followup(&server);
    let s = fu
        .get_jobcenter_summary(as_tenant(
            GetJobcenterSummaryRequest {
                chart: true,
                ..Default::default()
            },
            "0751",
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(s.as_of, "2026-02-16");
    assert_eq!((s.placements_started, s.placements_with_paid_hours), (6, 3));
    assert_eq!(s.share_with_paid_hours, Some(0.5));
    // Week 4 (2026-02-02): 10, 8, 15 and three zeros: median (0 + 8) / 2 = 4.
    assert_eq!(
        (
            s.hours_after[0].placements,
            s.hours_after[0].median_hours_per_week
        ),
        (6, Some(4.0))
    );
    // Week 8 (2026-03-02) is after the last recorded date: nothing yet.
    assert_eq!(s.hours_after[1].placements, 0);
    assert_eq!((s.citizens, s.citizens_hours_grew), (6, 2));
    assert_eq!(s.companies_first_paid_hours.len(), 3);
    let months: Vec<(&str, u64, u64)> = s
        .by_month
        .iter()
        .map(|m| (m.month.as_str(), m.active, m.with_paid_hours))
        .collect();
    assert_eq!(months, [("2026-01", 6, 3), ("2026-02", 6, 3)]);
    assert!(s.chart_svg.starts_with("<svg") && s.chart_svg.contains("50 % af 6"));
    // Fewer than ten placements: no deciles.
    assert!(s.calibration.is_empty());
    // Only the caller's own jobcenter.
    let err = fu
        .get_jobcenter_summary(as_tenant(
            GetJobcenterSummaryRequest {
                municipality_code: "0101".into(),
                ..Default::default()
            },
            "0751",
        ))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::PermissionDenied);
    fu.get_jobcenter_summary(as_tenant(GetJobcenterSummaryRequest::default(), "0101"))
        .await
        .unwrap();

    // What /metrics serves: the server installed the Prometheus recorder at start.
    let page = jobmatch_server::monitoring::render().expect("the Prometheus recorder");
    let gauge = |name: &str, jc: &str| gauge(&page, name, jc);
    assert_eq!(gauge("placements_started", "0751"), 6.0);
    assert_eq!(gauge("citizens_followed", "0751"), 6.0);
    // 3 with paid hours and 2 grown are below 5: suppressed, as is everything of 0101's two placements.
    assert!(gauge("placements_with_paid_hours", "0751").is_nan());
    assert!(gauge("citizens_hours_grew", "0751").is_nan());
    assert!(gauge("placements_started", "0101").is_nan());
    // No label but the jobcenter, and no citizen reference anywhere.
    for line in page.lines().filter(|l| l.starts_with("jobmatch_followup_")) {
        let labels =
            &line[line.find('{').expect("labelled") + 1..line.find('}').expect("labelled")];
        assert!(
            labels.starts_with("jobcenter=") && !labels.contains(','),
            "{line}"
        );
        assert!(!line.contains("C-"), "{line}");
    }
}

#[tokio::test]
async fn candidates_carry_the_gain_of_their_expected_hours_and_the_calibrated_likelihood() {
    let server = TestServer::start(false).await;
    let mut cs = server.companies();
    cs.upsert_company(company(&cvr(3), "Timer Lager ApS", "521000", "8000"))
        .await
        .unwrap();
    let mut n = need("N-GAIN", &cvr(3), "Lagermedarbejder", "9333");
    n.ordinary_hours = Some(OrdinaryHours {
        offered: true,
        from_start: true,
        hours_per_week: 15,
    });
    cs.upsert_need(n).await.unwrap();
    let mut c = citizen("C-GAIN", "8000", "lagermedarbejder");
    c.previous_ordinary_hours = true;
    let request = |gain: Option<GainOptions>| MatchCitizenRequest {
        citizen: Some(c.clone()),
        options: Some(MatchOptions {
            gain,
            ..Default::default()
        }),
    };
    let mut m = server.matcher();
    let plain = m
        .match_citizen(as_tenant(request(None), "0751"))
        .await
        .unwrap()
        .into_inner();
    let first = &plain.candidates[0];
    assert!(first.gain.is_none());
    let potential = first.hours_potential.as_ref().unwrap();
    // Earlier ordinary hours: 22 % + 55 points, no recorded outcomes yet.
    assert_eq!(potential.likelihood, 0.77);
    assert!(
        potential.reasons.iter().any(|r| r.contains("tabel 4-4")),
        "{:?}",
        potential.reasons
    );
    let with = m
        .match_citizen(as_tenant(
            request(Some(GainOptions {
                benefit_rate: "base".into(),
                monthly_benefit_kr: 12_000.0,
                hourly_wage_kr: 150.0,
                month: "2026-01".into(),
            })),
            "0751",
        ))
        .await
        .unwrap()
        .into_inner();
    let first = &with.candidates[0];
    let hours = first
        .hours_potential
        .as_ref()
        .unwrap()
        .expected_hours_per_week;
    assert!(hours > 0.0);
    let gain = first.gain.as_ref().unwrap();
    let earnings = hours * 52.0 / 12.0 * 150.0;
    assert!((gain.earnings_kr - earnings).abs() < 0.01, "{gain:?}");
    assert!((gain.deducted_kr - 0.65 * (earnings - 5_000.0).max(0.0)).abs() < 0.01);
    let err = m
        .match_citizen(as_tenant(
            request(Some(GainOptions {
                benefit_rate: "gold".into(),
                ..Default::default()
            })),
            "0751",
        ))
        .await
        .unwrap_err();
    assert_invalid(&err, "options.gain.benefit_rate");
}

#[tokio::test]
async fn health_reports_the_new_services_serving() {
    use tonic_health::pb::HealthCheckRequest;
    use tonic_health::pb::health_check_response::ServingStatus;
    use tonic_health::pb::health_client::HealthClient;
    let server = TestServer::start(false).await;
    let mut h = HealthClient::new(server.channel.clone());
    for service in [
        "jobmatch.v1.FollowUpService",
        "jobmatch.v1.CalculatorService",
    ] {
        let status = h
            .check(HealthCheckRequest {
                service: service.into(),
            })
            .await
            .unwrap_or_else(|e| panic!("health of {service}: {e:?}"))
            .into_inner()
            .status;
        assert_eq!(status, ServingStatus::Serving as i32, "{service}");
    }
}
