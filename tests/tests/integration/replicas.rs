//! Shared state (issue 10): replicas that follow one change log in a real Redis, the citizen registry, the
//! rematch, placement outcomes, MatchNeed, and what happens when Redis is away. Each test starts its own
//! `redis-server` on a free port; the registry and rematch tests also run on the embedded store.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use jobmatch_store::testing::{RedisServer, traces};
use jobmatch_tests::v1::{
    CitizenProfile, DeleteCitizenRequest, GetCitizenRequest, GetCompanyRequest, GetMatchesRequest,
    GetNeedRequest, HoursFrom, ListPlacementOutcomesRequest, MatchCitizenRequest, MatchNeedRequest,
    MatchOptions, PlacementOutcome, RunProgress, SearchCompaniesRequest, StartRunRequest,
};
use jobmatch_tests::*;
use tokio_stream::StreamExt;
use tonic::Code;

async fn replica(redis: &RedisServer, prefix: &str) -> TestServer {
    let dir = tempfile::tempdir().unwrap();
    replica_in(dir, redis, prefix).await
}

async fn replica_in(dir: tempfile::TempDir, redis: &RedisServer, prefix: &str) -> TestServer {
    let s = TestServer::start_with(dir, false, with_redis(&redis.url(), prefix)).await;
    s.wait_serving().await;
    s
}

/// Polls until `f` holds (bounded): another replica applies a write within moments, not at once.
async fn eventually(what: &str, mut f: impl AsyncFnMut() -> bool) {
    let started = Instant::now();
    while !f().await {
        assert!(started.elapsed() < Duration::from_secs(10), "never: {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn has_company(s: &TestServer, key: &str) -> bool {
    s.companies()
        .get_company(GetCompanyRequest { cvr: key.into() })
        .await
        .is_ok()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_replicas_see_each_others_writes_and_read_their_own() {
    let redis = RedisServer::start(false);
    let a = replica(&redis, "two").await;
    let b = replica(&redis, "two").await;
    let key = cvr(1);
    a.companies()
        .upsert_company(company(&key, "Fælles Lager ApS", "521000", "8000"))
        .await
        .unwrap();
    // Read your own write: the replica that took the write has applied it when it answers.
    assert!(has_company(&a, &key).await);
    eventually("B applies A's company", async || {
        has_company(&b, &key).await
    })
    .await;
    b.companies()
        .upsert_need(need("R-1", &key, "Lagermedarbejder", "9333"))
        .await
        .unwrap();
    eventually("A applies B's need", async || {
        a.companies()
            .get_need(GetNeedRequest {
                need_id: "R-1".into(),
            })
            .await
            .is_ok()
    })
    .await;
    // A bulk stream on one replica is one transaction on every replica.
    let records: Vec<_> = (10..410)
        .map(|i| bulk_company(company(&cvr(i), &format!("Bulk {i} ApS"), "812100", "8000")))
        .collect();
    let resp = bulk_upsert(&a, records).await.unwrap();
    assert_eq!(resp.companies_upserted, 400);
    eventually("B holds the whole stream", async || {
        b.search()
            .search_companies(SearchCompaniesRequest {
                query: "bulk".into(),
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner()
            .total_hits
            == 400
    })
    .await;
    // A write refused by validation answers at once and reaches no log.
    let err = b
        .companies()
        .upsert_company(company(&bad_cvr(&cvr(2)), "Forkert ApS", "521000", "8000"))
        .await
        .unwrap_err();
    assert_invalid(&err, "cvr");
    // A need for a company no replica knows is refused the same way on every replica.
    let err = a
        .companies()
        .upsert_need(need("R-2", &cvr(999), "Kok", "5120"))
        .await
        .unwrap_err();
    assert_invalid(&err, "cvr");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restarted_and_new_replicas_catch_up_also_from_a_snapshot() {
    let redis = RedisServer::start(false);
    let a = replica(&redis, "catch").await;
    let b = replica(&redis, "catch").await;
    let b_dir = b.stop().await;
    // B misses these.
    for i in 0..50 {
        a.companies()
            .upsert_company(company(&cvr(100 + i), "Mens B sov ApS", "521000", "8000"))
            .await
            .unwrap();
    }
    a.companies()
        .delete_company(jobmatch_tests::v1::DeleteCompanyRequest { cvr: cvr(100) })
        .await
        .unwrap();
    let b = replica_in(b_dir, &redis, "catch").await;
    assert!(!has_company(&b, &cvr(100)).await);
    assert!(
        has_company(&b, &cvr(149)).await,
        "a restarted replica catches up before it serves"
    );

    // A snapshot lets the log be trimmed; a new replica starts from it and the log's tail.
    let r = a.app.replication.as_ref().unwrap();
    let (_, records) = r.snapshot(Duration::ZERO).await.unwrap();
    assert_eq!(records, 49);
    a.companies()
        .upsert_company(company(&cvr(500), "Efter snapshot ApS", "521000", "8000"))
        .await
        .unwrap();
    assert!(
        r.log.len().await.unwrap() < 50,
        "the log is trimmed behind the snapshot"
    );
    let c = replica(&redis, "catch").await;
    assert!(has_company(&c, &cvr(120)).await, "from the snapshot");
    assert!(has_company(&c, &cvr(500)).await, "from the log's tail");
    assert!(
        !has_company(&c, &cvr(100)).await,
        "deleted before the snapshot"
    );
    drop(b);
}

/// Starts a run through RematchService and follows its progress stream to the end.
async fn run_rematch(s: &TestServer, tenant: &str) -> RunProgress {
    let mut stream = s
        .rematch()
        .start_run(as_tenant(StartRunRequest::default(), tenant))
        .await
        .unwrap()
        .into_inner();
    let mut last = None;
    while let Some(p) = tokio::time::timeout(Duration::from_secs(60), stream.next())
        .await
        .expect("progress within a minute")
    {
        last = Some(p.unwrap());
    }
    last.expect("progress")
}

fn registered(i: usize, postcode: &str, goal: &str) -> CitizenProfile {
    let mut c = citizen(&format!("AAR-{i:04}"), postcode, goal);
    c.municipality_code = "0751".into();
    c
}

/// The registry, the rematch and erasure, on one server of the given backend.
async fn registry_round_trip(server: &TestServer, redis: Option<&RedisServer>) {
    let mut cs = server.citizens();
    let c = registered(1, "8000", "lagermedarbejder");
    // No tenant, or another tenant: refused, and another jobcenter's citizen is simply not there.
    let err = cs.upsert_citizen(c.clone()).await.unwrap_err();
    assert_eq!(err.code(), Code::PermissionDenied);
    let err = cs
        .upsert_citizen(as_tenant(c.clone(), "0101"))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::PermissionDenied);
    let mut cpr = c.clone();
    cpr.citizen_ref = "010190-1234".into();
    let err = cs.upsert_citizen(as_tenant(cpr, "0751")).await.unwrap_err();
    assert_invalid(&err, "citizen_ref");
    assert!(
        cs.upsert_citizen(as_tenant(c.clone(), "0751"))
            .await
            .unwrap()
            .into_inner()
            .created
    );
    for i in 2..=12 {
        let goal = if i % 2 == 0 {
            "lagermedarbejder"
        } else {
            "rengøring"
        };
        cs.upsert_citizen(as_tenant(registered(i, "8000", goal), "0751"))
            .await
            .unwrap();
    }
    let got = cs
        .get_citizen(as_tenant(
            GetCitizenRequest {
                citizen_ref: c.citizen_ref.clone(),
            },
            "0751",
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(got.job_goals[0].text, "lagermedarbejder");
    let err = cs
        .get_citizen(as_tenant(
            GetCitizenRequest {
                citizen_ref: c.citizen_ref.clone(),
            },
            "0101",
        ))
        .await
        .unwrap_err();
    assert_eq!(
        err.code(),
        Code::NotFound,
        "another jobcenter's citizen is not revealed"
    );
    let err = cs
        .get_matches(as_tenant(
            GetMatchesRequest {
                citizen_ref: c.citizen_ref.clone(),
            },
            "0751",
        ))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::NotFound, "no run yet");

    // First run: everything is new.
    let run = run_rematch(server, "0751").await;
    assert_eq!(
        (run.state.as_str(), run.total, run.done, run.failed),
        ("completed", 12, 12, 0),
        "{run:?}"
    );
    let m = cs
        .get_matches(as_tenant(
            GetMatchesRequest {
                citizen_ref: c.citizen_ref.clone(),
            },
            "0751",
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(m.run_id, run.run_id);
    assert!(!m.candidates.is_empty());
    let diff = m.diff.unwrap();
    assert!(diff.previous_run_id.is_empty());
    assert_eq!(diff.new_need_ids.len(), m.candidates.len());
    // A new need at a company near the citizen: the next run reports it as new, and nothing else.
    server
        .companies()
        .upsert_need(need("NEW-1", &cvr(1), "Lagermedarbejder", "9333"))
        .await
        .unwrap();
    let run2 = run_rematch(server, "0751").await;
    assert_eq!(run2.state, "completed");
    let m2 = cs
        .get_matches(as_tenant(
            GetMatchesRequest {
                citizen_ref: c.citizen_ref.clone(),
            },
            "0751",
        ))
        .await
        .unwrap()
        .into_inner();
    let diff2 = m2.diff.unwrap();
    assert_eq!(diff2.previous_run_id, run.run_id);
    assert_eq!(diff2.new_need_ids, ["NEW-1"], "{diff2:?}");

    // Outcomes, then erasure of every trace.
    let outcome = PlacementOutcome {
        placement_id: "P-1".into(),
        citizen_ref: c.citizen_ref.clone(),
        cvr: cvr(1),
        need_id: Some("NEW-1".into()),
        kind: "combination".into(),
        started: "2026-09-01".into(),
        paid_hours: vec![HoursFrom {
            from: "2026-10-01".into(),
            hours_per_week: 6.0,
        }],
        ended: None,
    };
    cs.record_placement_outcome(as_tenant(outcome.clone(), "0751"))
        .await
        .unwrap();
    let err = cs
        .record_placement_outcome(as_tenant(outcome, "0101"))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::NotFound);
    let listed = cs
        .list_placement_outcomes(as_tenant(
            ListPlacementOutcomesRequest {
                citizen_ref: c.citizen_ref.clone(),
            },
            "0751",
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(listed.outcomes.len(), 1);
    let erased = cs
        .delete_citizen(as_tenant(
            DeleteCitizenRequest {
                citizen_ref: c.citizen_ref.clone(),
            },
            "0751",
        ))
        .await
        .unwrap()
        .into_inner();
    assert!(
        erased.profile && erased.matches && erased.outcomes == 1,
        "{erased:?}"
    );
    let err = cs
        .get_citizen(as_tenant(
            GetCitizenRequest {
                citizen_ref: c.citizen_ref.clone(),
            },
            "0751",
        ))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::NotFound);
    if let Some(redis) = redis {
        assert_eq!(
            traces(redis, &c.citizen_ref),
            Vec::<String>::new(),
            "traces left in Redis"
        );
        assert!(
            !traces(redis, "AAR-0002").is_empty(),
            "the scan sees what is there"
        );
    }
    // The audit trail keeps the record of the erasure itself.
    let trail: Vec<String> = server
        .app
        .store
        .read_audit(&jobmatch_store::AuditQuery {
            jobcenter: "0751".into(),
            citizen_ref: Some(c.citizen_ref.clone()),
            from_ms: 0,
            to_ms: u64::MAX,
            limit: 100,
        })
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.method)
        .collect();
    assert!(trail.iter().any(|m| m == "DeleteCitizen"), "{trail:?}");
}

async fn warehouse_world(server: &TestServer) {
    let mut records = vec![bulk_company(company(
        &cvr(1),
        "Lager Nord ApS",
        "521000",
        "8000",
    ))];
    records.push(bulk_company(company(
        &cvr(2),
        "Rengøring Syd ApS",
        "812100",
        "8000",
    )));
    for i in 0..8 {
        records.push(bulk_need(need(
            &format!("L-{i}"),
            &cvr(1),
            "Lagermedarbejder",
            "9333",
        )));
        records.push(bulk_need(need(
            &format!("C-{i}"),
            &cvr(2),
            "Rengøringsassistent",
            "9112",
        )));
    }
    let resp = bulk_upsert(server, records).await.unwrap();
    assert_eq!(resp.rejected, 0, "{resp:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_registry_and_rematch_work_on_redis() {
    let redis = RedisServer::start(false);
    let server = replica(&redis, "reg").await;
    warehouse_world(&server).await;
    registry_round_trip(&server, Some(&redis)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_registry_and_rematch_work_on_the_embedded_store() {
    let server = TestServer::start(false).await;
    warehouse_world(&server).await;
    registry_round_trip(&server, None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_run_is_refused_and_a_dead_workers_citizens_are_taken_over() {
    let redis = RedisServer::start(false);
    let configure = |c: &mut jobmatch_server::Config| {
        with_redis(&redis.url(), "runs")(c);
        c.rematch.reclaim_after_ms = 300;
    };
    let a = TestServer::start_with(tempfile::tempdir().unwrap(), false, configure).await;
    a.wait_serving().await;
    let b = TestServer::start_with(tempfile::tempdir().unwrap(), false, |c| {
        with_redis(&redis.url(), "runs")(c);
        c.rematch.reclaim_after_ms = 300;
    })
    .await;
    b.wait_serving().await;
    warehouse_world(&a).await;
    for i in 0..40 {
        a.citizens()
            .upsert_citizen(as_tenant(registered(i, "8000", "lagermedarbejder"), "0751"))
            .await
            .unwrap();
    }
    let run = jobmatch_server::rematch::start(&a.app, Some("0751".into()))
        .await
        .unwrap();
    // A second run while this one is in progress is refused.
    let err = a
        .rematch()
        .start_run(as_tenant(StartRunRequest::default(), "0751"))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::FailedPrecondition);
    // A worker takes ten citizens and dies with them.
    let taken = a
        .app
        .store
        .claim_work(&run.run_id, "doomed", 10, Duration::from_secs(60))
        .await
        .unwrap();
    assert!(
        !taken.is_empty(),
        "the replicas' workers took everything first"
    );
    // Both replicas' workers share the rest, and take the dead worker's citizens over.
    let started = Instant::now();
    let status = loop {
        let s = a.app.store.run_status(&run.run_id).await.unwrap().unwrap();
        if s.state != "running" {
            break s;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "run stuck: {s:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(
        (status.state.as_str(), status.done, status.failed),
        ("completed", 40, 0)
    );
    for t in &taken {
        let m = a
            .app
            .store
            .latest_matches(&t.citizen_ref)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(m.run_id, run.run_id);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn match_need_agrees_with_match_citizen() {
    let server = TestServer::start(true).await;
    // Citizens of Aarhus with the demo data's common goals, living around the city.
    let goals = [
        "lagermedarbejder",
        "rengøring",
        "kok",
        "butiksassistent",
        "chauffør",
        "pakkeri",
        "køkkenhjælp",
        "noget med børn",
        "gartner",
        "social- og sundhedshjælper",
    ];
    let postcodes = [
        "8000", "8200", "8210", "8220", "8230", "8240", "8260", "8270",
    ];
    let mut citizens = Vec::new();
    for i in 0..40 {
        let mut c = registered(i, postcodes[i % postcodes.len()], goals[i % goals.len()]);
        c.max_distance_km = 25.0;
        c.physical_capacity = ["light", "medium", "heavy"][i % 3].into();
        c.available_hours_per_week = [10, 20, 30][i % 3];
        server
            .citizens()
            .upsert_citizen(as_tenant(c.clone(), "0751"))
            .await
            .unwrap();
        citizens.push(c);
    }
    // Every pair a citizen's own list holds, with its score.
    let mut pairs: HashMap<(String, String), f64> = HashMap::new();
    for c in &citizens {
        let resp = server
            .matcher()
            .match_citizen(as_tenant(
                MatchCitizenRequest {
                    citizen: Some(c.clone()),
                    options: Some(MatchOptions {
                        k: 10,
                        ..Default::default()
                    }),
                },
                "0751",
            ))
            .await
            .unwrap()
            .into_inner();
        for cand in resp.candidates {
            pairs.insert(
                (cand.need.unwrap().need_id, c.citizen_ref.clone()),
                cand.score,
            );
        }
    }
    assert!(pairs.len() > 100, "only {} pairs", pairs.len());
    let mut needs: Vec<&String> = pairs.keys().map(|(n, _)| n).collect();
    needs.sort();
    needs.dedup();
    for need_id in needs.iter().take(40) {
        let resp = server
            .matcher()
            .match_need(as_tenant(
                MatchNeedRequest {
                    need_id: need_id.to_string(),
                    k: 200,
                },
                "0751",
            ))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(resp.considered, 40);
        let listed: HashMap<&str, f64> = resp
            .candidates
            .iter()
            .map(|c| (c.citizen_ref.as_str(), c.score))
            .collect();
        for ((n, citizen), score) in &pairs {
            if n == *need_id {
                let got = listed.get(citizen.as_str()).unwrap_or_else(|| {
                    panic!("{citizen} lists {n}, but {n}'s list lacks {citizen}")
                });
                assert!(
                    (got - score).abs() < 1e-6,
                    "{citizen}/{n}: {got} vs {score}"
                );
            }
        }
    }
    // Another jobcenter's call sees none of these citizens; without a tenant it is refused.
    let first = needs[0].to_string();
    let other = server
        .matcher()
        .match_need(as_tenant(
            MatchNeedRequest {
                need_id: first.clone(),
                k: 20,
            },
            "0101",
        ))
        .await
        .unwrap()
        .into_inner();
    assert!(other.candidates.is_empty() && other.considered == 0);
    let err = server
        .matcher()
        .match_need(MatchNeedRequest {
            need_id: first,
            k: 20,
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::PermissionDenied);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_companys_record_of_paid_hours_raises_its_candidates() {
    let server = TestServer::start(false).await;
    warehouse_world(&server).await;
    let c = registered(1, "8000", "lagermedarbejder");
    server
        .citizens()
        .upsert_citizen(as_tenant(c.clone(), "0751"))
        .await
        .unwrap();
    let expected = |resp: &jobmatch_tests::v1::MatchCitizenResponse| {
        resp.candidates
            .iter()
            .find(|x| x.cvr == cvr(1))
            .map(|x| (x.hours_potential.clone().unwrap(), x.score))
            .unwrap()
    };
    let matched = async || {
        server
            .matcher()
            .match_citizen(as_tenant(
                MatchCitizenRequest {
                    citizen: Some(c.clone()),
                    options: None,
                },
                "0751",
            ))
            .await
            .unwrap()
            .into_inner()
    };
    let (before, score_before) = expected(&matched().await);
    for p in 0..6 {
        let outcome = PlacementOutcome {
            placement_id: format!("P-{p}"),
            citizen_ref: c.citizen_ref.clone(),
            cvr: cvr(1),
            need_id: None,
            kind: "paid_hours".into(),
            started: "2026-01-05".into(),
            paid_hours: vec![HoursFrom {
                from: "2026-01-05".into(),
                hours_per_week: 10.0,
            }],
            ended: Some("2026-06-30".into()),
        };
        server
            .citizens()
            .record_placement_outcome(as_tenant(outcome, "0751"))
            .await
            .unwrap();
    }
    let (after, score_after) = expected(&matched().await);
    assert!(
        score_after > score_before,
        "{score_after} vs {score_before}"
    );
    assert!(after.high >= before.high);
    assert!(
        after.reasons.iter().any(|r| r.contains("6 af 6")),
        "{:?}",
        after.reasons
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_redis_away_reads_go_on_and_writes_fail_fast() {
    let mut redis = RedisServer::start(true);
    let server = replica(&redis, "away").await;
    warehouse_world(&server).await;
    server
        .citizens()
        .upsert_citizen(as_tenant(registered(1, "8000", "lagermedarbejder"), "0751"))
        .await
        .unwrap();
    redis.kill();
    // Search and match answer from the local index.
    let hits = server
        .search()
        .search_companies(SearchCompaniesRequest {
            query: "lager".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert!(hits.total_hits > 0);
    server
        .matcher()
        .match_citizen(as_tenant(
            MatchCitizenRequest {
                citizen: Some(registered(2, "8000", "lagermedarbejder")),
                options: None,
            },
            "0751",
        ))
        .await
        .unwrap();
    // Writes and citizen data fail fast with UNAVAILABLE and say why.
    let t = Instant::now();
    let err = server
        .companies()
        .upsert_company(company(&cvr(77), "Ingen Redis ApS", "521000", "8000"))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::Unavailable, "{err:?}");
    assert!(
        err.message().contains("nothing was written"),
        "{}",
        err.message()
    );
    assert!(
        t.elapsed() < Duration::from_secs(5),
        "took {:?}",
        t.elapsed()
    );
    let err = server
        .citizens()
        .get_citizen(as_tenant(
            GetCitizenRequest {
                citizen_ref: "AAR-0001".into(),
            },
            "0751",
        ))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::Unavailable);
    // Back again: writes work, and nothing acknowledged before was lost (AOF).
    redis.restart();
    eventually("writes work again", async || {
        server
            .companies()
            .upsert_company(company(&cvr(78), "Redis igen ApS", "521000", "8000"))
            .await
            .is_ok()
    })
    .await;
    server
        .citizens()
        .get_citizen(as_tenant(
            GetCitizenRequest {
                citizen_ref: "AAR-0001".into(),
            },
            "0751",
        ))
        .await
        .unwrap();
    // The match answered while Redis was away was audited in the local spool, and reaches Redis now.
    eventually("the spooled audit entry reaches Redis", async || {
        server
            .app
            .store
            .read_audit(&jobmatch_store::AuditQuery {
                jobcenter: "0751".into(),
                citizen_ref: Some(registered(2, "8000", "lagermedarbejder").citizen_ref),
                from_ms: 0,
                to_ms: u64::MAX,
                limit: 10,
            })
            .await
            .is_ok_and(|t| t.iter().any(|e| e.method == "MatchCitizen"))
    })
    .await;
}
