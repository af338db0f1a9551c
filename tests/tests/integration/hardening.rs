//! One test per class of finding of the hardening review (issue 9), each run against the real server over
//! gRPC. Every one of them failed on the code before the hardening.

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use jobmatch_tests::v1::{
    BulkUpsertRequest, DeleteCompanyRequest, GetCompanyRequest, JobGoal, MatchCitizenRequest,
    MatchOptions, NormalizeOccupationRequest, SearchCompaniesRequest,
};
use jobmatch_tests::*;
use prost::Message;
use tonic::Code;

/// The spaces that once cut a snippet inside a character: no-break, narrow no-break, thin, ideographic, next
/// line, line separator, Ogham space mark.
const SPACES: [char; 7] = [
    '\u{00A0}', '\u{202F}', '\u{2009}', '\u{3000}', '\u{0085}', '\u{2028}', '\u{1680}',
];

/// Text with `ws` between its words and the searched word far enough in that the snippet starts mid-text.
fn spaced(ws: char) -> String {
    [
        "Vi",
        "er",
        "en",
        "virksomhed",
        "i",
        "vækst",
        "med",
        "mange",
        "gode",
        "kolleger",
        "og",
        "et",
        "stort",
        "lager",
    ]
    .join(&ws.to_string())
}

fn search_req(query: &str) -> SearchCompaniesRequest {
    SearchCompaniesRequest {
        query: query.into(),
        page_size: 100,
        ..Default::default()
    }
}

async fn healthy(server: &TestServer) -> bool {
    use tonic_health::pb::HealthCheckRequest;
    use tonic_health::pb::health_client::HealthClient;
    let resp = HealthClient::new(server.channel.clone())
        .check(HealthCheckRequest {
            service: String::new(),
        })
        .await
        .unwrap()
        .into_inner();
    resp.status == tonic_health::pb::health_check_response::ServingStatus::Serving as i32
}

// ---- 1. One record takes the service down --------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn multibyte_spaces_before_a_match_never_take_the_server_down() {
    let server = TestServer::start(false).await;
    let mut cs = server.companies();
    let mut n = 0;
    for ws in SPACES {
        let text = spaced(ws);
        // Company name, company description, need title, need description: all 28 combinations.
        for field in 0..4 {
            n += 1;
            let key = cvr(900 + n);
            let mut c = company(&key, "Firma ApS", "521000", "8000");
            match field {
                0 => c.name = text.clone(),
                1 => c.description = Some(text.clone()),
                _ => {}
            }
            cs.upsert_company(c).await.unwrap();
            let mut need = need(&format!("WS-{n}"), &key, "Pakkeri", "9321");
            match field {
                2 => need.title = text.clone(),
                3 => need.description = text.clone(),
                _ => {}
            }
            cs.upsert_need(need).await.unwrap();
        }
    }
    for _ in 0..3 {
        let resp = server
            .search()
            .search_companies(search_req("lager"))
            .await
            .expect("search must answer")
            .into_inner();
        assert_eq!(resp.total_hits, 28);
        for h in &resp.hits {
            assert!(
                h.highlights
                    .iter()
                    .any(|hl| hl.fragment.contains("<b>lager</b>")),
                "{:?}",
                h.highlights
            );
        }
    }
    // Everything else still works, and nothing panicked.
    server
        .matcher()
        .match_citizen(MatchCitizenRequest {
            citizen: Some(citizen("WS-C", "8000", "lagermedarbejder")),
            options: None,
        })
        .await
        .unwrap();
    cs.upsert_company(company(&cvr(999), "Efter ApS", "521000", "8000"))
        .await
        .unwrap();
    assert_eq!(server.app.pool.stats().panics.load(Ordering::Relaxed), 0);
    assert!(healthy(&server).await);
}

// ---- 2. İ gives INTERNAL --------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dotted_capital_i_is_text_like_any_other() {
    let server = TestServer::start(false).await;
    server
        .companies()
        .upsert_company(company(&cvr(1), "İzmir Kebab ApS", "561010", "8000"))
        .await
        .unwrap();
    for q in ["İzmir", "İZMİR kebab", "İnşaat işçisi"] {
        server
            .search()
            .search_companies(search_req(q))
            .await
            .unwrap_or_else(|e| panic!("{q}: {e:?}"));
    }
    let resp = server
        .search()
        .search_companies(search_req("İzmir"))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(resp.total_hits, 1);
    server
        .matcher()
        .match_citizen(MatchCitizenRequest {
            citizen: Some(citizen("I-1", "8000", "İnşaat işçisi")),
            options: None,
        })
        .await
        .unwrap();
    server
        .taxonomy()
        .normalize_occupation(NormalizeOccupationRequest {
            text: "İnşaat işçisi".into(),
            limit: 5,
        })
        .await
        .unwrap();
}

// ---- 3. Unbounded work ----------------------------------------------------------------------------------

/// A valid profile that costs as much as the bounds allow: ten long goals of words nobody knows.
fn heavy_citizen(i: usize) -> jobmatch_tests::v1::CitizenProfile {
    let words = [
        "xqzvbrtlkmnpw",
        "fjordsværdigheder",
        "qwertyuiopåæø",
        "lagerrobotoperatørassistent",
        "kvantefysikerlærling",
        "ølbryggerikonsulentvikar",
    ];
    let goal: String = words
        .iter()
        .cycle()
        .take(14)
        .cloned()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .take(190)
        .collect();
    let mut c = citizen(&format!("HEAVY-{i}"), "8000", "x");
    c.job_goals = (0..10)
        .map(|g| JobGoal {
            text: format!("{i}{g} {goal}"),
            occupation_code: None,
        })
        .collect();
    c.competences = (0..50).map(|k| format!("{i}{k} {}", &goal[..60])).collect();
    c
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expensive_requests_stop_at_their_deadline_and_lists_are_bounded() {
    let server = TestServer::start(true).await;
    server
        .companies()
        .upsert_company(company(&cvr(1), "Koder ApS", "521000", "8000"))
        .await
        .unwrap();
    // 100,000 occupation codes once held the catalog's write lock for seconds.
    let mut n = need("CODES-1", &cvr(1), "Lager", "9333");
    n.occupation_codes = vec!["9333".into(); 100_000];
    let err = server.companies().upsert_need(n).await.unwrap_err();
    assert_invalid(&err, "occupation_codes");
    let mut c = citizen("MANY-1", "8000", "lager");
    c.job_goals = vec![c.job_goals[0].clone(); 20];
    let err = server
        .matcher()
        .match_citizen(MatchCitizenRequest {
            citizen: Some(c),
            options: None,
        })
        .await
        .unwrap_err();
    assert_invalid(&err, "citizen.job_goals");

    // Six costly matches with 50 ms deadlines: each stops at its deadline instead of holding a thread.
    let mut calls = Vec::new();
    for i in 0..6 {
        let mut m = server.matcher();
        calls.push(tokio::spawn(async move {
            let mut req = tonic::Request::new(MatchCitizenRequest {
                citizen: Some(heavy_citizen(i)),
                options: None,
            });
            req.set_timeout(Duration::from_millis(50));
            m.match_citizen(req).await
        }));
    }
    for c in calls {
        if let Err(e) = c.await.unwrap() {
            // The server's answer or the client's own timer, whichever comes first.
            assert!(
                matches!(e.code(), Code::DeadlineExceeded | Code::Cancelled),
                "{e:?}"
            );
        }
    }
    let stats = server.app.pool.stats();
    let started = Instant::now();
    while stats.running.load(Ordering::Relaxed) + stats.queued() > 0 {
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "abandoned work still holds the pool"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    server
        .matcher()
        .match_citizen(MatchCitizenRequest {
            citizen: Some(citizen("AFTER-1", "8000", "lagermedarbejder")),
            options: None,
        })
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn caches_stay_within_their_budget() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start_with(dir, false, |c| c.cache_mb = 1).await;
    let mut m = server.matcher();
    for i in 0..120 {
        let mut c = citizen(&format!("CACHE-{i}"), "8000", "lagermedarbejder");
        c.competences = (0..50)
            .map(|k| format!("{i:04}-{k:02} {}", "omhyggelig og mødestabil ".repeat(3)))
            .collect();
        m.match_citizen(MatchCitizenRequest {
            citizen: Some(c),
            options: None,
        })
        .await
        .unwrap();
    }
    // Two caches of 1 MiB each (goal readings, competence hints); 6,000 distinct competences were sent.
    let held = server.app.matcher.cache_bytes();
    assert!(held <= 2 << 20, "caches hold {held} bytes");
    assert!(
        held > 1 << 19,
        "caches hold only {held} bytes: not exercised"
    );
}

// ---- 4. Unbounded memory and size -----------------------------------------------------------------------

/// A string of `n` characters of four bytes each, starting with `head`.
fn wide(head: &str, n: usize) -> String {
    let mut s = head.to_string();
    s.extend(std::iter::repeat_n('𝔸', n - head.chars().count()));
    s
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_largest_records_still_fit_a_stock_client() {
    let server = TestServer::start(false).await;
    let esco = "http://data.europa.eu/esco/occupation/bea705fe-06ac-4147-b8e0-6e8ac1208d8f";
    let mut records = Vec::new();
    for i in 0..100u32 {
        let key = cvr(2000 + i);
        let mut c = company(&key, &wide("Lager ", 200), "521000", "8000");
        c.industry_text = Some(wide("", 200));
        c.description = Some(wide("lager ", 4000));
        let a = c.address.as_mut().unwrap();
        a.street = wide("", 200);
        a.city = wide("", 100);
        let mut r = relation("0751");
        r.consultant = wide("", 100);
        r.notes = wide("", 1000);
        c.jobcenter_relations = vec![r];
        records.push(bulk_company(c));
        let mut n = need(&wide(&format!("N{i:03}"), 64), &key, "x", "9333");
        n.title = wide("Lagermedarbejder ", 200);
        n.description = wide("lager ", 4000);
        n.occupation_codes = vec![esco.to_string(); 10];
        n.competences_required = (0..20).map(|_| wide("", 80)).collect();
        n.competences_preferred = (0..20).map(|_| wide("", 80)).collect();
        records.push(bulk_need(n));
    }
    let resp = bulk_upsert(&server, records).await.unwrap();
    assert_eq!(resp.rejected, 0, "{:?}", resp.errors.first());
    // Fields without a bound once let five records make every search answer too large to read.
    let mut poisoned = company(&cvr(3000), "Gift ApS", "521000", "8000");
    let mut r = relation("0751");
    r.notes = "x".repeat(1_000_000);
    poisoned.jobcenter_relations = vec![r];
    poisoned.industry_text = Some("y".repeat(100_000));
    let err = server
        .companies()
        .upsert_company(poisoned)
        .await
        .unwrap_err();
    assert_invalid(&err, "jobcenter_relations[0].notes");
    assert_invalid(&err, "industry_text");

    // Stock clients refuse answers over 4 MiB; the bounds keep the largest pages under it.
    let resp = server
        .search()
        .search_companies(as_tenant(search_req("lager"), "0751"))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(resp.hits.len(), 100);
    assert!(resp.encoded_len() < 4 << 20, "{}", resp.encoded_len());
    let mut c = citizen("BIG-1", "8000", "lagermedarbejder");
    c.job_goals = (0..10)
        .map(|i| JobGoal {
            text: wide(&format!("lagermedarbejder {i} "), 200),
            occupation_code: None,
        })
        .collect();
    let resp = server
        .matcher()
        .match_citizen(as_tenant(
            MatchCitizenRequest {
                citizen: Some(c),
                options: Some(MatchOptions {
                    k: 100,
                    explain: true,
                    ..Default::default()
                }),
            },
            "0751",
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(resp.candidates.len(), 100);
    assert!(resp.encoded_len() < 4 << 20, "{}", resp.encoded_len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_stay_small_and_huge_requests_are_resource_exhausted() {
    let server = TestServer::start(false).await;
    let mut n = need("MANY-ERR", &cvr(1), &"t".repeat(5000), "bad");
    n.competences_required = vec!["c".repeat(500); 20];
    n.competences_preferred = vec!["c".repeat(500); 20];
    n.shifts = vec!["nat".into(); 4];
    let err = server.companies().upsert_need(n).await.unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument, "{err:?}");
    assert!(err.message().len() <= 1_010, "{}", err.message().len());
    let violations = field_violations(&err);
    assert!((2..=21).contains(&violations.len()), "{}", violations.len());
    assert!(violations.last().unwrap().1.contains("more problem"));

    let mut c = company(&cvr(2), "Stor ApS", "521000", "8000");
    c.description = Some("x".repeat(8 << 20));
    let err = server.companies().upsert_company(c).await.unwrap_err();
    assert_eq!(err.code(), Code::ResourceExhausted, "{err:?}");
    // The connection is still good.
    server
        .companies()
        .upsert_company(company(&cvr(3), "Lille ApS", "521000", "8000"))
        .await
        .unwrap();
}

// ---- 5. Bulk loads that lie or leak ---------------------------------------------------------------------

fn companies_from(start: u32, n: u32) -> Vec<BulkUpsertRequest> {
    (start..start + n)
        .map(|i| bulk_company(company(&cvr(i), &format!("Bulk {i} ApS"), "521000", "8000")))
        .collect()
}

async fn exists(server: &TestServer, key: &str) -> bool {
    match server
        .companies()
        .get_company(GetCompanyRequest { cvr: key.into() })
        .await
    {
        Ok(_) => true,
        Err(e) if e.code() == Code::NotFound => false,
        Err(e) => panic!("{e:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_undecodable_frame_fails_the_whole_stream() {
    let server = TestServer::start(false).await;
    let mut frames: Vec<Vec<u8>> = companies_from(100, 500)
        .iter()
        .map(|r| r.encode_to_vec())
        .collect();
    // Field 1 (company) claims 127 bytes and brings 3.
    frames.insert(250, vec![0x0a, 0x7f, 1, 2, 3]);
    let err = raw_bulk_upsert(&server, frames).await.unwrap_err();
    assert_invalid(&err, "records[251]");
    assert!(err.message().contains("nothing was written"), "{err:?}");
    assert!(!exists(&server, &cvr(100)).await);
    assert!(!exists(&server, &cvr(599)).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broken_stream_leaves_no_trace_not_even_after_other_writes_and_a_restart() {
    let server = TestServer::start(false).await;
    // Stream A completes; stream B sends 300 records, then its client goes away.
    let good = companies_from(100, 300);
    let broken = tokio_stream::StreamExt::chain(
        tokio_stream::iter(companies_from(1000, 300)),
        tokio_stream::pending(),
    );
    let mut cs = server.companies();
    let b = tokio::spawn(async move {
        tokio::time::timeout(Duration::from_millis(800), cs.bulk_upsert(broken)).await
    });
    let a = bulk_upsert(&server, good).await.unwrap();
    assert_eq!(a.companies_upserted, 300);
    assert!(
        b.await.unwrap().is_err(),
        "the broken stream's client gave up"
    );
    // An unrelated write commits after the broken stream.
    server
        .companies()
        .upsert_company(company(&cvr(5000), "Anden ApS", "521000", "8000"))
        .await
        .unwrap();
    for key in [cvr(1000), cvr(1150), cvr(1299)] {
        assert!(
            !exists(&server, &key).await,
            "{key} of the broken stream is visible"
        );
    }
    assert!(exists(&server, &cvr(100)).await && exists(&server, &cvr(399)).await);

    let dir = server.stop().await;
    let server = TestServer::start_in(dir, false).await;
    for key in [cvr(1000), cvr(1150), cvr(1299)] {
        assert!(
            !exists(&server, &key).await,
            "{key} of the broken stream is durable"
        );
    }
    assert!(exists(&server, &cvr(100)).await && exists(&server, &cvr(5000)).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stream_has_its_own_deadline_and_size_bound() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start_with(dir, false, |c| {
        c.request_timeout_ms = 300;
        c.bulk_timeout_ms = 30_000;
        c.bulk_max_records = 50;
    })
    .await;
    // Longer than a unary call may take, shorter than a stream may.
    let slow = tokio_stream::StreamExt::throttle(
        tokio_stream::iter(companies_from(100, 20)),
        Duration::from_millis(50),
    );
    let resp = server
        .companies()
        .bulk_upsert(slow)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(resp.companies_upserted, 20);
    let err = bulk_upsert(&server, companies_from(200, 51))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::ResourceExhausted, "{err:?}");
    assert!(!exists(&server, &cvr(200)).await);
}

// ---- 6. Deleted data comes back -------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_data_is_loaded_once_per_installation() {
    let server = TestServer::start(true).await;
    let demo = jobmatch_demo_cvrs();
    assert!(demo.len() >= 100);
    for key in &demo {
        server
            .companies()
            .delete_company(DeleteCompanyRequest { cvr: key.clone() })
            .await
            .unwrap();
    }
    let dir = server.stop().await;
    let server = TestServer::start_in(dir, true).await;
    let resp = server
        .search()
        .search_companies(SearchCompaniesRequest::default())
        .await
        .unwrap()
        .into_inner();
    assert_eq!(resp.total_hits, 0, "deleted demo data came back");
}

fn jobmatch_demo_cvrs() -> Vec<String> {
    jobmatch_demo::default_demo()
        .companies
        .iter()
        .filter_map(|c| c.get("cvr").and_then(|v| v.as_str()).map(str::to_string))
        .collect()
}

// ---- 7. Tenancy fails open ------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tenancy_fails_closed() {
    let server = TestServer::start(false).await;
    let key = cvr(1);
    let mut c = company(&key, "Delt Lager ApS", "521000", "8000");
    let mut own = relation("0751");
    own.notes = "privat note fra Aarhus".into();
    own.consultant = "AB".into();
    own.partnership = true;
    let mut other = relation("0101");
    other.notes = "privat note fra København".into();
    c.jobcenter_relations = vec![other, own];
    server.companies().upsert_company(c.clone()).await.unwrap();

    for bad in ["abc", "07511", "", " 0751", "0751,0101", "9999"] {
        let mut req = tonic::Request::new(search_req("lager"));
        req.metadata_mut()
            .insert("x-jobmatch-tenant", bad.parse().unwrap());
        let err = server.search().search_companies(req).await.unwrap_err();
        assert_invalid(&err, "x-jobmatch-tenant");
        let mut req = tonic::Request::new(GetCompanyRequest { cvr: key.clone() });
        req.metadata_mut()
            .insert("x-jobmatch-tenant", bad.parse().unwrap());
        let err = server.companies().get_company(req).await.unwrap_err();
        assert_invalid(&err, "x-jobmatch-tenant");
    }
    // Without a tenant: no jobcenter's relation.
    let hit = server
        .search()
        .search_companies(search_req("lager"))
        .await
        .unwrap()
        .into_inner();
    assert!(
        hit.hits[0]
            .company
            .as_ref()
            .unwrap()
            .jobcenter_relations
            .is_empty()
    );
    let got = server
        .companies()
        .get_company(GetCompanyRequest { cvr: key.clone() })
        .await
        .unwrap()
        .into_inner();
    assert!(got.jobcenter_relations.is_empty());
    // With one: its own only.
    let got = server
        .companies()
        .get_company(as_tenant(GetCompanyRequest { cvr: key.clone() }, "0751"))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(got.jobcenter_relations.len(), 1);
    assert_eq!(got.jobcenter_relations[0].notes, "privat note fra Aarhus");
    // The body cannot widen what the header allows.
    let wider = SearchCompaniesRequest {
        jobcenter: "0101".into(),
        ..search_req("lager")
    };
    let err = server
        .search()
        .search_companies(as_tenant(wider.clone(), "0751"))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::PermissionDenied);
    let err = server.search().search_companies(wider).await.unwrap_err();
    assert_eq!(err.code(), Code::PermissionDenied);
    let filter = SearchCompaniesRequest {
        partnership: Some(true),
        ..search_req("")
    };
    let err = server
        .search()
        .search_companies(filter.clone())
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::PermissionDenied);
    let resp = server
        .search()
        .search_companies(as_tenant(filter, "0751"))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(resp.total_hits, 1);

    // A jobcenter writes its own relation and keeps the others'.
    let mut mine = c.clone();
    let mut r = relation("0751");
    r.notes = "ny note".into();
    mine.jobcenter_relations = vec![r];
    server
        .companies()
        .upsert_company(as_tenant(mine.clone(), "0751"))
        .await
        .unwrap();
    let theirs = server
        .companies()
        .get_company(as_tenant(GetCompanyRequest { cvr: key.clone() }, "0101"))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        theirs.jobcenter_relations[0].notes,
        "privat note fra København"
    );
    mine.jobcenter_relations.push(relation("0101"));
    let err = server
        .companies()
        .upsert_company(as_tenant(mine, "0751"))
        .await
        .unwrap_err();
    assert_invalid(&err, "jobcenter_relations[1].municipality_code");

    // A jobcenter matches its own citizens only.
    let err = server
        .matcher()
        .match_citizen(as_tenant(
            MatchCitizenRequest {
                citizen: Some(citizen("KBH-1", "2100", "lager")),
                options: None,
            },
            "0751",
        ))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::PermissionDenied);
}

// ---- 8. CPR and logs ------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cpr_numbers_are_refused_however_written() {
    let server = TestServer::start(false).await;
    let mut m = server.matcher();
    for r in [
        "010190-1234\n",
        "010190\u{2011}1234",
        "010190\u{2013}1234",
        "010190\u{00A0}1234",
        "０１０１９０－１２３４",
        "CPR 010190-1234",
        "x0101901234",
    ] {
        let err = m
            .match_citizen(MatchCitizenRequest {
                citizen: Some(citizen(r, "8000", "lager")),
                options: None,
            })
            .await
            .unwrap_err();
        assert_invalid(&err, "citizen.citizen_ref");
        assert!(!err.message().contains("1234"), "the number is echoed back");
    }
    // A line break would let a reference forge a log line.
    let err = m
        .match_citizen(MatchCitizenRequest {
            citizen: Some(citizen("AAR-1\nforged audit", "8000", "lager")),
            options: None,
        })
        .await
        .unwrap_err();
    assert_invalid(&err, "citizen.citizen_ref");
    let mut c = citizen("AAR-2", "8000", "lager");
    c.job_goals[0].text = "lager, mit cpr er 010190 1234".into();
    let err = m
        .match_citizen(MatchCitizenRequest {
            citizen: Some(c),
            options: None,
        })
        .await
        .unwrap_err();
    assert_invalid(&err, "citizen.job_goals[0].text");

    // A CPR-shaped request id is not used (nor logged): the server answers with an id of its own.
    let mut req = tonic::Request::new(GetCompanyRequest { cvr: cvr(1) });
    req.metadata_mut()
        .insert("x-request-id", "010190-1234".parse().unwrap());
    let err = server.companies().get_company(req).await.unwrap_err();
    let id = err
        .metadata()
        .get("x-request-id")
        .unwrap()
        .to_str()
        .unwrap();
    assert_ne!(id, "010190-1234");
    let mut req = tonic::Request::new(GetCompanyRequest { cvr: cvr(1) });
    req.metadata_mut()
        .insert("x-request-id", "readme-1".parse().unwrap());
    let err = server.companies().get_company(req).await.unwrap_err();
    assert_eq!(err.metadata().get("x-request-id").unwrap(), "readme-1");
}
