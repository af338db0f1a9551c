//! MatchCitizen: hard conditions, goal reading, the Danish explanation, hours potential and ranking rules.

use jobmatch_tests::v1::{
    CitizenProfile, GeoPoint, HoursRange, JobGoal, MatchCitizenRequest, MatchCitizenResponse,
    MatchOptions, Need, OrdinaryHours,
};
use jobmatch_tests::*;

const HOME: &str = "8000";

async fn server_with(
    needs: Vec<Need>,
    company_edit: impl Fn(&mut jobmatch_tests::v1::Company),
) -> TestServer {
    let server = TestServer::start(false).await;
    let mut c = company(
        &cvr(900),
        "Aarhus Lager og Børnepasning ApS",
        "521000",
        HOME,
    );
    c.employees = 40;
    company_edit(&mut c);
    let mut records = vec![bulk_company(c)];
    records.extend(needs.into_iter().map(bulk_need));
    let resp = bulk_upsert(&server, records).await.unwrap();
    assert_eq!(resp.rejected, 0, "{resp:?}");
    server
}

async fn run(
    server: &TestServer,
    citizen: CitizenProfile,
    options: MatchOptions,
) -> MatchCitizenResponse {
    server
        .matcher()
        .match_citizen(MatchCitizenRequest {
            citizen: Some(citizen),
            options: Some(options),
        })
        .await
        .unwrap_or_else(|e| panic!("MatchCitizen: {e:?}"))
        .into_inner()
}

fn ids(resp: &MatchCitizenResponse) -> Vec<String> {
    resp.candidates
        .iter()
        .map(|c| c.need.as_ref().unwrap().need_id.clone())
        .collect()
}

fn excluded(resp: &MatchCitizenResponse, reason: &str) -> u64 {
    resp.excluded
        .iter()
        .filter(|e| e.reason == reason)
        .map(|e| e.count)
        .sum()
}

fn warehouse(id: &str) -> Need {
    need(id, &cvr(900), "Lagerarbejder", "9333")
}

/// A good need and one that breaks exactly one hard condition: only the good one comes back and the bad one
/// is counted under `reason`.
async fn check_hard_condition(reason: &str, bad: Need, citizen_edit: impl Fn(&mut CitizenProfile)) {
    let server = server_with(vec![warehouse("OK-1"), bad], |_| {}).await;
    let mut c = citizen("MC-1", HOME, "lagermand");
    citizen_edit(&mut c);
    let resp = run(
        &server,
        c,
        MatchOptions {
            k: 50,
            explain: true,
            ..Default::default()
        },
    )
    .await;
    assert_eq!(
        ids(&resp),
        vec!["OK-1".to_string()],
        "{reason}: {:?}",
        resp.excluded
    );
    assert_eq!(
        excluded(&resp, reason),
        1,
        "{reason} not counted: {:?}",
        resp.excluded
    );
    let total: u64 = resp.excluded.iter().map(|e| e.count).sum();
    assert_eq!(total, 1, "only one exclusion expected: {:?}", resp.excluded);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hard_condition_not_open() {
    let mut n = warehouse("BAD");
    n.status = "filled".into();
    check_hard_condition("not_open", n, |_| {}).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hard_condition_expired_is_not_open() {
    let mut n = warehouse("BAD");
    n.valid_until = "2020-01-01".into();
    check_hard_condition("not_open", n, |_| {}).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hard_condition_too_far() {
    // In the corner of the 30 km search box around 8000: about 39 km away.
    let home = jobmatch_refdata::postcode(HOME).unwrap();
    let mut n = warehouse("BAD");
    n.location = Some(GeoPoint {
        lat: home.lat + 0.25,
        lon: home.lon + 0.45,
    });
    let d = jobmatch_refdata::haversine_km(home.lat, home.lon, home.lat + 0.25, home.lon + 0.45);
    assert!(d > 30.0, "{d}");
    check_hard_condition("too_far", n, |_| {}).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn far_away_need_never_returned() {
    let mut n = warehouse("FAR");
    n.location = Some(GeoPoint {
        lat: 57.05171,
        lon: 9.83505,
    }); // Aalborg, ~100 km
    let server = server_with(vec![warehouse("OK-1"), n], |_| {}).await;
    let resp = run(
        &server,
        citizen("MC-2", HOME, "lagermand"),
        MatchOptions {
            k: 50,
            ..Default::default()
        },
    )
    .await;
    assert_eq!(ids(&resp), vec!["OK-1".to_string()]);
    // The radius option narrows, never widens.
    let mut c = citizen("MC-2", HOME, "lagermand");
    c.max_distance_km = 10.0;
    let resp = run(
        &server,
        c,
        MatchOptions {
            radius_km: Some(200.0),
            ..Default::default()
        },
    )
    .await;
    assert_eq!(ids(&resp), vec!["OK-1".to_string()]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hard_condition_driving_licence() {
    let mut n = warehouse("BAD");
    n.driving_licence = Some("C".into());
    check_hard_condition("driving_licence", n, |c| {
        c.driving_licences = vec!["B".into()]
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hard_condition_physical_demand() {
    let mut n = warehouse("BAD");
    n.physical_demand = "heavy".into();
    check_hard_condition("physical_demand", n, |c| {
        c.physical_capacity = "medium".into()
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hard_condition_shifts() {
    let mut n = warehouse("BAD");
    n.shifts = vec!["night".into(), "weekend".into()];
    check_hard_condition("shifts", n, |c| {
        c.shifts_possible = vec!["day".into(), "evening".into()]
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hard_condition_min_hours() {
    // Minimum 26 > 20 available + 5 slack.
    let mut n = warehouse("BAD");
    n.hours_per_week = Some(HoursRange { min: 26, max: 30 });
    check_hard_condition("min_hours", n, |c| c.available_hours_per_week = 20).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn min_hours_within_slack_is_allowed() {
    let mut n = warehouse("EDGE");
    n.hours_per_week = Some(HoursRange { min: 25, max: 30 });
    let server = server_with(vec![n], |_| {}).await;
    let mut c = citizen("MC-3", HOME, "lagermand");
    c.available_hours_per_week = 20;
    let resp = run(&server, c, MatchOptions::default()).await;
    assert_eq!(
        ids(&resp),
        vec!["EDGE".to_string()],
        "25 <= 20 + 5 must be allowed"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hard_condition_danish_level() {
    let mut n = warehouse("BAD");
    n.danish_level = "good".into();
    check_hard_condition("danish_level", n, |c| c.danish_level = "basic".into()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn colloquial_typo_and_code_only_goals() {
    let cleaning = {
        let mut n = need("CLEAN", &cvr(900), "Rengøringsassistent", "9112");
        n.description = "Rengøring af kontorer".into();
        n
    };
    let childcare = {
        let mut n = need("CHILD", &cvr(900), "Pædagogmedhjælper", "5311");
        n.description = "Vi passer børn i vuggestue og børnehave".into();
        n
    };
    let server = server_with(vec![warehouse("WARE"), cleaning, childcare], |_| {}).await;
    let top = |resp: &MatchCitizenResponse| ids(resp).first().cloned().unwrap_or_default();

    let resp = run(
        &server,
        citizen("G-1", HOME, "noget med børn"),
        MatchOptions::default(),
    )
    .await;
    assert_eq!(top(&resp), "CHILD", "'noget med børn': {:?}", ids(&resp));
    assert!(
        resp.goal_occupations.iter().any(|o| o.isco_code == "5311"),
        "{:?}",
        resp.goal_occupations
    );

    let resp = run(
        &server,
        citizen("G-2", HOME, "rengøringsasistent"),
        MatchOptions::default(),
    )
    .await;
    assert_eq!(top(&resp), "CLEAN", "typo goal: {:?}", ids(&resp));

    let mut c = citizen("G-3", HOME, " ");
    c.job_goals = vec![JobGoal {
        text: String::new(),
        occupation_code: Some("9333".into()),
    }];
    let resp = run(&server, c, MatchOptions::default()).await;
    assert_eq!(top(&resp), "WARE", "code-only goal: {:?}", ids(&resp));
    assert!(!ids(&resp).contains(&"CHILD".to_string()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn danish_explanation() {
    let server = server_with(vec![warehouse("WARE")], |_| {}).await;
    let resp = run(
        &server,
        citizen("X-1", HOME, "lagermand"),
        MatchOptions {
            explain: true,
            ..Default::default()
        },
    )
    .await;
    let c = resp.candidates.first().expect("a candidate");
    assert!(c.explanation.contains("Jobmål"), "{}", c.explanation);
    assert!(c.explanation.contains("km"), "{}", c.explanation);
    assert!(c.explanation.contains("lagermand"), "{}", c.explanation);
    assert_eq!(c.rank, 1);
    assert_eq!(c.cvr, cvr(900));
    assert!(!c.company_name.is_empty());
    let b = c.breakdown.as_ref().expect("breakdown");
    assert_eq!(b.need_isco_code, "9333");
    assert!(
        matches!(b.fit_level.as_str(), "exact_goal" | "unit_group"),
        "{b:?}"
    );
    let hp = c.hours_potential.as_ref().expect("hours potential");
    assert!(
        hp.low <= hp.expected_hours_per_week && hp.expected_hours_per_week <= hp.high,
        "{hp:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cpr_shaped_citizen_ref_refused() {
    let server = server_with(vec![warehouse("WARE")], |_| {}).await;
    for cpr in ["010190-1234", "0101901234"] {
        let err = server
            .matcher()
            .match_citizen(MatchCitizenRequest {
                citizen: Some(citizen(cpr, HOME, "lagermand")),
                options: None,
            })
            .await
            .unwrap_err();
        assert_invalid(&err, "citizen.citizen_ref");
        assert!(
            !err.message().contains("1234"),
            "the CPR number is echoed back: {}",
            err.message()
        );
    }
    let err = server
        .matcher()
        .match_citizen(MatchCitizenRequest {
            citizen: Some(citizen("ok-ref", HOME, "lagermand")),
            options: Some(MatchOptions {
                k: 1000,
                ..Default::default()
            }),
        })
        .await
        .unwrap_err();
    assert_invalid(&err, "options.k");
}

async fn expected_hours(server: &TestServer, n: &Need, previous: bool) -> f64 {
    server.companies().upsert_need(n.clone()).await.unwrap();
    let mut c = citizen("HP-1", HOME, "lagermand");
    c.available_hours_per_week = 30;
    c.previous_ordinary_hours = previous;
    let resp = run(server, c, MatchOptions::default()).await;
    let cand = resp
        .candidates
        .iter()
        .find(|c| c.need.as_ref().unwrap().need_id == n.need_id)
        .expect("the need is a candidate");
    cand.hours_potential
        .as_ref()
        .unwrap()
        .expected_hours_per_week
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hours_potential_is_monotone() {
    let server = server_with(vec![], |c| c.jobcenter_relations = vec![relation("0751")]).await;
    let mut n = warehouse("HP");
    n.ordinary_hours = Some(OrdinaryHours {
        offered: true,
        from_start: false,
        hours_per_week: 5,
    });
    let e1 = expected_hours(&server, &n, false).await;
    n.ordinary_hours = Some(OrdinaryHours {
        offered: true,
        from_start: false,
        hours_per_week: 15,
    });
    let e2 = expected_hours(&server, &n, false).await;
    n.ordinary_hours = Some(OrdinaryHours {
        offered: true,
        from_start: true,
        hours_per_week: 15,
    });
    let e3 = expected_hours(&server, &n, false).await;
    let e4 = expected_hours(&server, &n, true).await;
    assert!(e1 > 0.0, "paid hours offered give an expectation: {e1}");
    assert!(e2 >= e1, "more offered hours: {e1} -> {e2}");
    assert!(e3 >= e2, "from start: {e2} -> {e3}");
    assert!(e4 >= e3, "earlier ordinary hours: {e3} -> {e4}");
    assert!(e4 > e1, "all together must raise it: {e1} -> {e4}");
    assert!(e4 <= 37.0);
    // No paid hours offered never beats offered paid hours.
    n.ordinary_hours = Some(OrdinaryHours::default());
    let e0 = expected_hours(&server, &n, false).await;
    assert!(e0 <= e1, "no paid hours {e0} vs 5 offered {e1}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paid_hours_first_among_equal_fit() {
    let mut paid = warehouse("Z-PAID");
    paid.ordinary_hours = Some(OrdinaryHours {
        offered: true,
        from_start: true,
        hours_per_week: 10,
    });
    // "A-" sorts first by id, so a tie-break by id alone would put the unpaid one first.
    let unpaid = warehouse("A-UNPAID");
    let server = server_with(vec![unpaid, paid], |_| {}).await;
    let resp = run(
        &server,
        citizen("P-1", HOME, "lagermand"),
        MatchOptions::default(),
    )
    .await;
    assert_eq!(
        ids(&resp),
        vec!["Z-PAID".to_string(), "A-UNPAID".to_string()]
    );
    assert!(resp.candidates[0].score > resp.candidates[1].score);
    assert_eq!(
        resp.candidates[0].breakdown.as_ref().unwrap().paid_hours,
        1.0
    );
    // ordinary_hours_only leaves the unpaid one out as a request filter.
    let resp = run(
        &server,
        citizen("P-1", HOME, "lagermand"),
        MatchOptions {
            ordinary_hours_only: true,
            ..Default::default()
        },
    )
    .await;
    assert_eq!(ids(&resp), vec!["Z-PAID".to_string()]);
    assert_eq!(excluded(&resp, "request_filter"), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reasonableness_rule() {
    // 5 employees: cap 1; one supported placement already there.
    let internship_only = warehouse("INTERN");
    let mut paid = warehouse("PAID");
    paid.ordinary_hours = Some(OrdinaryHours {
        offered: true,
        from_start: true,
        hours_per_week: 10,
    });
    let server = server_with(vec![internship_only, paid], |c| {
        c.employees = 5;
        c.supported_placements = 1;
    })
    .await;
    let resp = run(
        &server,
        citizen("R-1", HOME, "lagermand"),
        MatchOptions {
            explain: true,
            ..Default::default()
        },
    )
    .await;
    // The engine advises: the internship-only need stays, below the one with paid hours, flagged.
    assert_eq!(
        ids(&resp),
        vec!["PAID".to_string(), "INTERN".to_string()],
        "{:?}",
        resp.excluded
    );
    assert_eq!(excluded(&resp, "reasonableness_rule"), 0);
    for c in &resp.candidates {
        assert_eq!(c.breakdown.as_ref().unwrap().reasonableness, 0.0);
        assert!(
            c.explanation.contains("rimelighedskravet"),
            "{}",
            c.explanation
        );
    }
    assert!(resp.candidates[0].score - resp.candidates[1].score > 5.0);

    // Below the cap the internship is fine.
    let server = server_with(vec![warehouse("INTERN")], |c| {
        c.employees = 10; // cap 2
        c.supported_placements = 1;
    })
    .await;
    let resp = run(
        &server,
        citizen("R-2", HOME, "lagermand"),
        MatchOptions::default(),
    )
    .await;
    assert_eq!(ids(&resp), vec!["INTERN".to_string()]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn devset_citizens_through_grpc() {
    let Some(dir) = devset_dir() else {
        eprintln!("SKIPPED devset_citizens_through_grpc: ../shared/data/devset is missing");
        return;
    };
    let server = TestServer::start(false).await;
    let loaded = load_devset(&server, &dir).await;
    assert!(
        loaded.companies_upserted > 1000 && loaded.needs_upserted > 1000,
        "{loaded:?}"
    );
    let mut with_candidates = 0;
    let citizens = devset_citizens(&dir);
    for c in citizens.iter().take(20) {
        let resp = run(
            &server,
            c.clone(),
            MatchOptions {
                k: 10,
                explain: true,
                ..Default::default()
            },
        )
        .await;
        if !resp.candidates.is_empty() {
            with_candidates += 1;
        }
        for cand in &resp.candidates {
            assert!(
                cand.distance_km <= c.max_distance_km + 0.1,
                "{} km > {}",
                cand.distance_km,
                c.max_distance_km
            );
            assert!(!cand.explanation.is_empty());
            assert!(cand.hours_potential.is_some());
        }
        let scores: Vec<f64> = resp.candidates.iter().map(|c| c.score).collect();
        assert!(
            scores.windows(2).all(|w| w[0] >= w[1]),
            "not ranked: {scores:?}"
        );
    }
    assert!(
        with_candidates >= 15,
        "only {with_candidates}/20 devset citizens got candidates"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hours_potential_monotone_from_zero_offered_hours() {
    let server = server_with(vec![], |_| {}).await;
    let mut n = warehouse("HP0");
    n.hours_per_week = Some(HoursRange { min: 10, max: 20 });
    n.ordinary_hours = Some(OrdinaryHours {
        offered: true,
        from_start: true,
        hours_per_week: 0,
    });
    let e0 = expected_hours(&server, &n, false).await;
    for h in 1..=12 {
        n.ordinary_hours = Some(OrdinaryHours {
            offered: true,
            from_start: true,
            hours_per_week: h,
        });
        let e = expected_hours(&server, &n, false).await;
        assert!(
            e >= e0,
            "offering {h} paid hours gives {e} < {e0} for 0 hours"
        );
    }
}
