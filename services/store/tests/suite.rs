//! One suite, two backends: every test runs against a real `redis-server` (started on a free port) and against
//! the embedded redb store. Redis-only behaviour (the change log, Redis dying mid-run) follows.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use jobmatch_proto::v1::{CitizenProfile, Home, JobGoal};
use jobmatch_store::testing::RedisServer;
use jobmatch_store::*;

fn citizen(r: &str, jobcenter: &str) -> CitizenProfile {
    CitizenProfile {
        citizen_ref: r.into(),
        municipality_code: jobcenter.into(),
        home: Some(Home {
            postcode: "8000".into(),
            ..Default::default()
        }),
        max_distance_km: 20.0,
        job_goals: vec![JobGoal {
            text: "lagermedarbejder".into(),
            occupation_code: None,
        }],
        ..Default::default()
    }
}

fn matches(
    r: &str,
    run: &str,
    needs: &[(&str, f64)],
    prev: Option<&StoredMatches>,
) -> StoredMatches {
    let candidates: Vec<StoredCandidate> = needs
        .iter()
        .enumerate()
        .map(|(i, (n, h))| StoredCandidate {
            rank: i as u32 + 1,
            need_id: n.to_string(),
            cvr: "12345607".into(),
            company_name: "Lager ApS".into(),
            title: "Lagermedarbejder".into(),
            score: 100.0 - i as f64,
            distance_km: 3.0,
            fit_level: "exact_goal".into(),
            expected_hours_per_week: *h,
            hours_low: 0.0,
            hours_high: *h,
            explanation: "test".into(),
        })
        .collect();
    StoredMatches {
        citizen_ref: r.into(),
        jobcenter: "0751".into(),
        run_id: run.into(),
        computed_at: now_rfc3339(),
        diff: MatchDiff::between(prev, &candidates),
        candidates,
    }
}

fn outcome(r: &str, id: &str, cvr: &str, paid: f64) -> PlacementOutcome {
    PlacementOutcome {
        placement_id: id.into(),
        citizen_ref: r.into(),
        jobcenter: "0751".into(),
        cvr: cvr.into(),
        need_id: None,
        kind: "combination".into(),
        started: "2026-09-01".into(),
        paid_hours: vec![HoursFrom {
            from: "2026-09-01".into(),
            hours_per_week: paid,
        }],
        ended: None,
    }
}

struct Backend {
    store: Arc<dyn Store>,
    redis: Option<RedisServer>,
    _dir: tempfile::TempDir,
}

fn backends() -> Vec<Backend> {
    let redis = RedisServer::start(false);
    let dir = tempfile::tempdir().unwrap();
    let r: Arc<dyn Store> = Arc::new(RedisStore::connect(&redis.url(), "jm").unwrap());
    let dir2 = tempfile::tempdir().unwrap();
    let e: Arc<dyn Store> = Arc::new(EmbeddedStore::open(&dir2.path().join("store.redb")).unwrap());
    vec![
        Backend {
            store: r,
            redis: Some(redis),
            _dir: dir,
        },
        Backend {
            store: e,
            redis: None,
            _dir: dir2,
        },
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn citizens_are_registered_moved_and_erased_without_a_trace() {
    for b in backends() {
        let s = &b.store;
        assert!(
            s.upsert_citizen(&citizen("C-1", "0751")).await.unwrap(),
            "{}",
            s.backend()
        );
        assert!(!s.upsert_citizen(&citizen("C-1", "0751")).await.unwrap());
        s.upsert_citizen(&citizen("C-2", "0751")).await.unwrap();
        s.upsert_citizen(&citizen("C-3", "0101")).await.unwrap();
        assert_eq!(s.citizen_refs(Some("0751")).await.unwrap(), ["C-1", "C-2"]);
        assert_eq!(s.citizen_refs(None).await.unwrap(), ["C-1", "C-2", "C-3"]);
        // Moving to another jobcenter moves the citizen between the lists.
        s.upsert_citizen(&citizen("C-2", "0101")).await.unwrap();
        assert_eq!(s.citizen_refs(Some("0751")).await.unwrap(), ["C-1"]);
        assert_eq!(s.citizen_refs(Some("0101")).await.unwrap(), ["C-2", "C-3"]);
        assert_eq!(
            s.get_citizen("C-1")
                .await
                .unwrap()
                .unwrap()
                .municipality_code,
            "0751"
        );
        let of: Vec<String> = s
            .citizens_of("0101")
            .await
            .unwrap()
            .into_iter()
            .map(|c| c.citizen_ref)
            .collect();
        assert_eq!(of, ["C-2", "C-3"]);

        // Give C-1 matches, outcomes and a place in a run, then erase it.
        s.record_outcome(&outcome("C-1", "P-1", "11111111", 6.0))
            .await
            .unwrap();
        s.record_outcome(&outcome("C-1", "P-2", "11111111", 0.0))
            .await
            .unwrap();
        s.record_outcome(&outcome("C-3", "P-9", "11111111", 4.0))
            .await
            .unwrap();
        let run = s
            .start_run(&RunSpec {
                jobcenter: None,
                lock_ttl: Duration::from_secs(60),
            })
            .await
            .unwrap();
        let items = s
            .claim_work(&run.run_id, "w1", 10, Duration::from_secs(60))
            .await
            .unwrap();
        let item = items
            .iter()
            .find(|i| i.citizen_ref == "C-1")
            .unwrap()
            .clone();
        assert!(
            s.complete_work(
                &run.run_id,
                &item,
                &matches("C-1", &run.run_id, &[("N-1", 4.0)], None)
            )
            .await
            .unwrap()
        );
        assert!(s.latest_matches("C-1").await.unwrap().is_some());
        assert_eq!(
            s.company_evidence().await.unwrap()["11111111"],
            CompanyEvidence {
                placements: 3,
                with_paid_hours: 2
            }
        );

        let erased = s.erase_citizen("C-1").await.unwrap();
        assert_eq!(
            erased,
            Erased {
                profile: true,
                matches: true,
                outcomes: 2
            }
        );
        assert!(s.get_citizen("C-1").await.unwrap().is_none());
        assert!(s.latest_matches("C-1").await.unwrap().is_none());
        assert!(s.outcomes_of("C-1").await.unwrap().is_empty());
        assert_eq!(s.citizen_refs(None).await.unwrap(), ["C-2", "C-3"]);
        // The company's record keeps only the other citizen's placement.
        assert_eq!(
            s.company_evidence().await.unwrap()["11111111"],
            CompanyEvidence {
                placements: 1,
                with_paid_hours: 1
            }
        );
        if let Some(redis) = &b.redis {
            assert_eq!(
                jobmatch_store::testing::traces(redis, "C-1"),
                Vec::<String>::new(),
                "traces of C-1 in Redis"
            );
            assert!(
                !jobmatch_store::testing::traces(redis, "C-3").is_empty(),
                "the scan finds what is there"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outcomes_replace_by_placement_and_move_the_company_record() {
    for b in backends() {
        let s = &b.store;
        s.record_outcome(&outcome("C-1", "P-1", "11111111", 0.0))
            .await
            .unwrap();
        assert_eq!(
            s.company_evidence().await.unwrap()["11111111"],
            CompanyEvidence {
                placements: 1,
                with_paid_hours: 0
            }
        );
        // Paid hours arrive: the same placement, now with hours.
        let mut o = outcome("C-1", "P-1", "11111111", 0.0);
        o.paid_hours.push(HoursFrom {
            from: "2026-10-01".into(),
            hours_per_week: 8.0,
        });
        s.record_outcome(&o).await.unwrap();
        assert_eq!(
            s.company_evidence().await.unwrap()["11111111"],
            CompanyEvidence {
                placements: 1,
                with_paid_hours: 1
            }
        );
        // Recorded against the wrong company first: moving it moves the record.
        o.cvr = "22222222".into();
        s.record_outcome(&o).await.unwrap();
        let ev = s.company_evidence().await.unwrap();
        assert!(!ev.contains_key("11111111"), "{ev:?} ({})", s.backend());
        assert_eq!(
            ev["22222222"],
            CompanyEvidence {
                placements: 1,
                with_paid_hours: 1
            }
        );
        let all = s.outcomes_of("C-1").await.unwrap();
        assert_eq!(all.len(), 1);
        assert_eq!(all[0].paid_hours.len(), 2);
    }
}

/// Works a run to its end with `workers` concurrent workers; returns how often each citizen was stored.
async fn work(s: Arc<dyn Store>, run_id: &str, workers: usize) -> HashMap<String, u32> {
    let mut tasks = Vec::new();
    for w in 0..workers {
        let s = Arc::clone(&s);
        let run_id = run_id.to_string();
        tasks.push(tokio::spawn(async move {
            let mut stored = Vec::new();
            loop {
                let items = s
                    .claim_work(&run_id, &format!("w{w}"), 7, Duration::from_secs(60))
                    .await
                    .unwrap();
                if items.is_empty() {
                    let st = s
                        .heartbeat_run(&run_id, Duration::from_secs(60))
                        .await
                        .unwrap();
                    if st.state != "running" {
                        break;
                    }
                    tokio::time::sleep(Duration::from_millis(5)).await;
                    continue;
                }
                for i in items {
                    let prev = s.latest_matches(&i.citizen_ref).await.unwrap();
                    let m = matches(&i.citizen_ref, &run_id, &[("N-1", 5.0)], prev.as_ref());
                    if s.complete_work(&run_id, &i, &m).await.unwrap() {
                        stored.push(i.citizen_ref.clone());
                    }
                }
            }
            stored
        }));
    }
    let mut count = HashMap::new();
    for t in tasks {
        for r in t.await.unwrap() {
            *count.entry(r).or_insert(0) += 1;
        }
    }
    count
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_shares_its_work_refuses_a_second_run_and_completes() {
    for b in backends() {
        let s = &b.store;
        for i in 0..60 {
            s.upsert_citizen(&citizen(
                &format!("R-{i:02}"),
                if i % 3 == 0 { "0101" } else { "0751" },
            ))
            .await
            .unwrap();
        }
        let spec = RunSpec {
            jobcenter: Some("0751".into()),
            lock_ttl: Duration::from_secs(60),
        };
        let run = s.start_run(&spec).await.unwrap();
        assert_eq!(run.total, 40);
        assert!(matches!(
            s.start_run(&spec).await,
            Err(StoreError::RunInProgress(_))
        ));
        assert_eq!(s.current_run().await.unwrap().unwrap().run_id, run.run_id);
        let stored = work(Arc::clone(s), &run.run_id, 3).await;
        assert_eq!(stored.len(), 40, "{}", s.backend());
        assert!(
            stored.values().all(|&n| n == 1),
            "a citizen stored twice: {stored:?}"
        );
        let st = s.run_status(&run.run_id).await.unwrap().unwrap();
        assert_eq!(
            (st.state.as_str(), st.done, st.failed),
            ("completed", 40, 0)
        );
        assert_eq!(st.new_candidates, 40);
        assert!(s.current_run().await.unwrap().is_none());
        // The next run sees the first one's result as "previous".
        let run2 = s.start_run(&spec).await.unwrap();
        work(Arc::clone(s), &run2.run_id, 2).await;
        let m = s.latest_matches("R-01").await.unwrap().unwrap();
        assert_eq!(m.run_id, run2.run_id);
        assert_eq!(m.diff.previous_run_id.as_deref(), Some(run.run_id.as_str()));
        assert!(m.diff.new_need_ids.is_empty());
        assert_eq!(
            s.run_status(&run2.run_id)
                .await
                .unwrap()
                .unwrap()
                .new_candidates,
            0
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dead_workers_citizens_are_claimed_by_another() {
    for b in backends() {
        let s = &b.store;
        for i in 0..20 {
            s.upsert_citizen(&citizen(&format!("D-{i:02}"), "0751"))
                .await
                .unwrap();
        }
        let run = s
            .start_run(&RunSpec {
                jobcenter: None,
                lock_ttl: Duration::from_secs(60),
            })
            .await
            .unwrap();
        // Worker "dead" takes ten and never finishes them.
        let taken = s
            .claim_work(&run.run_id, "dead", 10, Duration::from_secs(60))
            .await
            .unwrap();
        assert_eq!(taken.len(), 10);
        tokio::time::sleep(Duration::from_millis(150)).await;
        let mut stored = 0;
        loop {
            let items = s
                .claim_work(&run.run_id, "alive", 8, Duration::from_millis(100))
                .await
                .unwrap();
            if items.is_empty() {
                break;
            }
            for i in items {
                stored += usize::from(
                    s.complete_work(
                        &run.run_id,
                        &i,
                        &matches(&i.citizen_ref, &run.run_id, &[], None),
                    )
                    .await
                    .unwrap(),
                );
            }
        }
        assert_eq!(stored, 20, "{}", s.backend());
        // The dead worker wakes up and finishes an item it once took: nothing is stored twice.
        assert!(
            !s.complete_work(
                &run.run_id,
                &taken[0],
                &matches(&taken[0].citizen_ref, &run.run_id, &[], None)
            )
            .await
            .unwrap()
        );
        let st = s
            .heartbeat_run(&run.run_id, Duration::from_secs(60))
            .await
            .unwrap();
        assert_eq!((st.state.as_str(), st.done), ("completed", 20));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_citizen_erased_during_a_run_does_not_come_back() {
    for b in backends() {
        let s = &b.store;
        s.upsert_citizen(&citizen("E-1", "0751")).await.unwrap();
        s.upsert_citizen(&citizen("E-2", "0751")).await.unwrap();
        let run = s
            .start_run(&RunSpec {
                jobcenter: None,
                lock_ttl: Duration::from_secs(60),
            })
            .await
            .unwrap();
        let items = s
            .claim_work(&run.run_id, "w", 10, Duration::from_secs(60))
            .await
            .unwrap();
        s.erase_citizen("E-1").await.unwrap();
        for i in &items {
            let m = matches(&i.citizen_ref, &run.run_id, &[("N-1", 2.0)], None);
            let stored = s.complete_work(&run.run_id, i, &m).await.unwrap();
            assert_eq!(
                stored,
                i.citizen_ref == "E-2",
                "{} ({})",
                i.citizen_ref,
                s.backend()
            );
        }
        assert!(s.latest_matches("E-1").await.unwrap().is_none());
        let st = s
            .heartbeat_run(&run.run_id, Duration::from_secs(60))
            .await
            .unwrap();
        assert_eq!(st.state, "completed");
        assert_eq!(st.done + st.failed, st.total);
        if let Some(redis) = &b.redis {
            assert_eq!(
                jobmatch_store::testing::traces(redis, "E-1"),
                Vec::<String>::new()
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_lock_frees_the_next_run() {
    for b in backends() {
        let s = &b.store;
        s.upsert_citizen(&citizen("L-1", "0751")).await.unwrap();
        let short = RunSpec {
            jobcenter: None,
            lock_ttl: Duration::from_millis(100),
        };
        let first = s.start_run(&short).await.unwrap();
        tokio::time::sleep(Duration::from_millis(200)).await;
        // Nobody renewed the lock: the run is abandoned and a new one may start.
        let second = s.start_run(&short).await.unwrap();
        assert_ne!(first.run_id, second.run_id);
        let st = s
            .heartbeat_run(&first.run_id, Duration::from_secs(60))
            .await
            .unwrap();
        assert_eq!(st.state, "abandoned", "{}", s.backend());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_killed_and_restarted_mid_run_loses_no_citizen() {
    let mut redis = RedisServer::start(true);
    let s: Arc<dyn Store> = Arc::new(RedisStore::connect(&redis.url(), "jm").unwrap());
    for i in 0..200 {
        s.upsert_citizen(&citizen(&format!("K-{i:03}"), "0751"))
            .await
            .unwrap();
    }
    let run = s
        .start_run(&RunSpec {
            jobcenter: None,
            lock_ttl: Duration::from_secs(60),
        })
        .await
        .unwrap();
    let mut stored: HashMap<String, u32> = HashMap::new();
    let mut errors = 0;
    let mut killed = false;
    loop {
        if !killed && stored.len() >= 80 {
            redis.restart(); // SIGKILL, then start again on the same AOF
            killed = true;
        }
        // A worker pauses while Redis is away and goes on when it is back.
        let items = match s
            .claim_work(&run.run_id, "w", 16, Duration::from_secs(60))
            .await
        {
            Ok(i) => i,
            Err(_) => {
                errors += 1;
                assert!(errors < 200, "Redis did not come back");
                tokio::time::sleep(Duration::from_millis(20)).await;
                continue;
            }
        };
        if items.is_empty() {
            break;
        }
        for i in items {
            let m = matches(&i.citizen_ref, &run.run_id, &[("N-1", 1.0)], None);
            match s.complete_work(&run.run_id, &i, &m).await {
                Ok(true) => *stored.entry(i.citizen_ref).or_insert(0) += 1,
                Ok(false) => {}
                Err(_) => errors += 1,
            }
        }
    }
    assert!(killed);
    assert_eq!(stored.len(), 200, "citizens lost");
    assert!(stored.values().all(|&n| n == 1), "a citizen stored twice");
    let st = s
        .heartbeat_run(&run.run_id, Duration::from_secs(60))
        .await
        .unwrap();
    assert_eq!((st.state.as_str(), st.done), ("completed", 200));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_change_log_keeps_transactions_whole_and_trims_behind_snapshots() {
    let redis = RedisServer::start(false);
    let store = RedisStore::connect(&redis.url(), "jm").unwrap();
    let log = RedisChangeLog::new(&store, 0).unwrap();
    // An entry from long ago, which the snapshot lets go.
    let _: String = redis::cmd("XADD")
        .arg("jm:changes")
        .arg("1-0")
        .arg("kind")
        .arg("single")
        .arg("payload")
        .arg("old")
        .query(&mut redis.connection())
        .unwrap();
    let one = log.append(vec![b"a".to_vec()]).await.unwrap();
    let many = log
        .append(vec![b"b1".to_vec(), b"b2".to_vec(), b"b3".to_vec()])
        .await
        .unwrap();
    let records = log.read_after("1-0", 100, None).await.unwrap();
    assert_eq!(records.len(), 5);
    assert_eq!(
        records[0],
        LogRecord::Single {
            id: one.clone(),
            payload: b"a".to_vec()
        }
    );
    let LogRecord::Commit {
        id,
        txn,
        first,
        chunks,
    } = &records[4]
    else {
        panic!("{:?}", records[4]);
    };
    assert_eq!((id, *chunks), (&many, 3));
    assert_eq!(
        log.read_chunks(txn, first, id).await.unwrap(),
        vec![b"b1".to_vec(), b"b2".to_vec(), b"b3".to_vec()]
    );
    assert!(
        log.read_after(&many, 10, Some(Duration::from_millis(50)))
            .await
            .unwrap()
            .is_empty()
    );
    log.write_snapshot(&many, vec![b"state".to_vec()], Duration::ZERO)
        .await
        .unwrap();
    assert_eq!(
        log.read_snapshot().await.unwrap(),
        Some((many.clone(), vec![b"state".to_vec()]))
    );
    let first = log.first_id().await.unwrap().unwrap();
    // Gone: the ancient entry. Kept: everything from the snapshot's millisecond on.
    assert!(first != "1-0" && !id_after(&first, &many), "{first}");
    assert_eq!(log.last_id().await.unwrap(), Some(many));
}

fn audit(jobcenter: &str, citizen_ref: &str, at_ms: u64, method: &str) -> AuditEntry {
    AuditEntry {
        at_ms,
        client: "c".into(),
        jobcenter: jobcenter.into(),
        citizen_ref: citizen_ref.into(),
        method: method.into(),
        outcome: "ok".into(),
        request_id: "r".into(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_audit_trail_is_kept_per_jobcenter_and_read_by_citizen_and_period() {
    for b in backends() {
        let s = &b.store;
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis() as u64;
        s.append_audit(&[
            audit("0751", "A-1", now, "GetCitizen"),
            audit("0751", "A-2", now, "GetCitizen"),
            audit("0101", "A-1", now, "GetCitizen"),
        ])
        .await
        .unwrap();
        s.append_audit(&[audit("0751", "A-1", now, "DeleteCitizen")])
            .await
            .unwrap();
        let q = |citizen: Option<&str>, limit| AuditQuery {
            jobcenter: "0751".into(),
            citizen_ref: citizen.map(str::to_string),
            from_ms: now - 60_000,
            to_ms: now + 60_000,
            limit,
        };
        let all = s.read_audit(&q(None, 100)).await.unwrap();
        assert_eq!(all.len(), 3, "{}", s.backend());
        let one: Vec<String> = s
            .read_audit(&q(Some("A-1"), 100))
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.method)
            .collect();
        assert_eq!(one, vec!["GetCitizen", "DeleteCitizen"], "{}", s.backend());
        assert_eq!(s.read_audit(&q(None, 2)).await.unwrap().len(), 2);
        let mut earlier = q(None, 100);
        earlier.to_ms = now - 30_000;
        assert!(s.read_audit(&earlier).await.unwrap().is_empty());
        // Erasing a citizen leaves the trail of who touched the reference: that is what is audited.
        s.erase_citizen("A-1").await.unwrap();
        assert_eq!(s.read_audit(&q(Some("A-1"), 100)).await.unwrap().len(), 2);
    }
}
