//! SearchCompanies: filters, facets, pages, sorting, radius, Danish text analysis and highlights.

use std::collections::BTreeSet;

use jobmatch_tests::v1::{
    Company, GeoPoint, Near, SearchCompaniesRequest, SearchCompaniesResponse, SortOrder,
};
use jobmatch_tests::*;
use tonic::Code;

const A: u32 = 11; // Jensen Logistik, 8000, 521000, 30 emp, 0751 partner+open, contacted 2026-01-10, open need
const B: u32 = 12; // Hansen Restaurant, 8230, 561010, 12 emp, 0751 not partner, contacted 2025-06-01, closed need
const C: u32 = 13; // Børnehuset, 2100, 889130, 60 emp, no relations, open need
const D: u32 = 14; // Vejle Transport, 7100, 494100, 300 emp, 0630 partner+open, contacted 2026-03-01
const E: u32 = 15; // Odder Logistik, 8300, 521000, 5 emp, no relations, open need "Lagermedarbejder"
const F: u32 = 16; // Aarhus Café og Restaurant, 8200, 561010, 8 emp, 0751 partner, never contacted

fn rel(
    m: &str,
    partnership: bool,
    open: bool,
    last: &str,
) -> jobmatch_tests::v1::JobcenterRelation {
    let mut r = relation(m);
    r.partnership = partnership;
    r.open_to_ordinary_hours = open;
    r.last_contact = last.into();
    r
}

fn world() -> (Vec<Company>, Vec<jobmatch_tests::v1::Need>) {
    let mut a = company(&cvr(A), "Jensen Logistik ApS", "521000", "8000");
    a.employees = 30;
    a.description = Some("Pakning og forsendelse".into());
    a.jobcenter_relations = vec![rel("0751", true, true, "2026-01-10")];
    let mut b = company(&cvr(B), "Hansen Restaurant ApS", "561010", "8230");
    b.employees = 12;
    b.description = Some("Restaurant med eget køkken".into());
    b.jobcenter_relations = vec![rel("0751", false, false, "2025-06-01")];
    let mut c = company(&cvr(C), "Børnehuset Solstrålen", "889130", "2100");
    c.employees = 60;
    let mut d = company(&cvr(D), "Vejle Transport A/S", "494100", "7100");
    d.employees = 300;
    d.jobcenter_relations = vec![rel("0630", true, true, "2026-03-01")];
    let mut e = company(&cvr(E), "Odder Logistik ApS", "521000", "8300");
    e.employees = 5;
    let mut f = company(&cvr(F), "Aarhus Café og Restaurant", "561010", "8200");
    f.employees = 8;
    f.jobcenter_relations = vec![rel("0751", true, false, "")];

    let mut closed = need("S-B1", &cvr(B), "Kok", "5120");
    closed.status = "closed".into();
    let needs = vec![
        need("S-A1", &cvr(A), "Lagerarbejder", "9333"),
        closed,
        need("S-C1", &cvr(C), "Pædagogmedhjælper", "5311"),
        need("S-E1", &cvr(E), "Lagermedarbejder", "9333"),
    ];
    (vec![a, b, c, d, e, f], needs)
}

async fn start_world() -> (TestServer, Vec<Company>) {
    let server = TestServer::start(false).await;
    let (companies, needs) = world();
    let records = companies
        .iter()
        .cloned()
        .map(bulk_company)
        .chain(needs.into_iter().map(bulk_need))
        .collect();
    let resp = bulk_upsert(&server, records).await.unwrap();
    assert_eq!(resp.rejected, 0, "{resp:?}");
    (server, companies)
}

async fn search(server: &TestServer, req: SearchCompaniesRequest) -> SearchCompaniesResponse {
    let mut req = req;
    if req.page_size == 0 {
        req.page_size = 100;
    }
    server
        .search()
        .search_companies(request(req.clone()))
        .await
        .unwrap_or_else(|e| panic!("{req:?}: {e:?}"))
        .into_inner()
}

/// The request as the jobcenter it names would send it: relations are readable by their own jobcenter only.
fn request(req: SearchCompaniesRequest) -> tonic::Request<SearchCompaniesRequest> {
    match req.jobcenter.clone() {
        j if j.is_empty() => tonic::Request::new(req),
        j => as_tenant(req, &j),
    }
}

fn cvrs(resp: &SearchCompaniesResponse) -> BTreeSet<String> {
    resp.hits
        .iter()
        .map(|h| h.company.as_ref().unwrap().cvr.clone())
        .collect()
}

fn set(ns: &[u32]) -> BTreeSet<String> {
    ns.iter().map(|n| cvr(*n)).collect()
}

#[track_caller]
fn assert_facets_sum(resp: &SearchCompaniesResponse) {
    let names: BTreeSet<&str> = resp.facets.iter().map(|f| f.name.as_str()).collect();
    for want in ["db07_section", "municipality", "size_band"] {
        assert!(names.contains(want), "facet {want} missing: {names:?}");
    }
    for f in &resp.facets {
        let sum: u64 = f.values.iter().map(|v| v.count).sum();
        assert_eq!(
            sum, resp.total_hits,
            "facet {} counts {:?}",
            f.name, f.values
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn filters() {
    let (server, _) = start_world().await;
    let all = search(&server, SearchCompaniesRequest::default()).await;
    assert_eq!(all.total_hits, 6);
    assert_eq!(cvrs(&all), set(&[A, B, C, D, E, F]));

    let cases: Vec<(&str, SearchCompaniesRequest, Vec<u32>)> = vec![
        (
            "municipality 0751",
            SearchCompaniesRequest {
                municipality_codes: vec!["0751".into()],
                ..Default::default()
            },
            vec![A, B, F],
        ),
        (
            "municipality 0101 or 0630",
            SearchCompaniesRequest {
                municipality_codes: vec!["0101".into(), "0630".into()],
                ..Default::default()
            },
            vec![C, D],
        ),
        (
            "industry 56",
            SearchCompaniesRequest {
                industry_code_prefixes: vec!["56".into()],
                ..Default::default()
            },
            vec![B, F],
        ),
        (
            "industry 5210",
            SearchCompaniesRequest {
                industry_code_prefixes: vec!["5210".into()],
                ..Default::default()
            },
            vec![A, E],
        ),
        (
            "industry 8891 or 4941",
            SearchCompaniesRequest {
                industry_code_prefixes: vec!["8891".into(), "4941".into()],
                ..Default::default()
            },
            vec![C, D],
        ),
        (
            "employees 10..=60",
            SearchCompaniesRequest {
                min_employees: Some(10),
                max_employees: Some(60),
                ..Default::default()
            },
            vec![A, B, C],
        ),
        (
            "employees >= 100",
            SearchCompaniesRequest {
                min_employees: Some(100),
                ..Default::default()
            },
            vec![D],
        ),
        (
            "employees <= 8",
            SearchCompaniesRequest {
                max_employees: Some(8),
                ..Default::default()
            },
            vec![E, F],
        ),
        (
            "has open needs",
            SearchCompaniesRequest {
                has_open_needs: Some(true),
                ..Default::default()
            },
            vec![A, C, E],
        ),
        (
            "no open needs",
            SearchCompaniesRequest {
                has_open_needs: Some(false),
                ..Default::default()
            },
            vec![B, D, F],
        ),
        (
            "open to ordinary hours for 0751",
            SearchCompaniesRequest {
                open_to_ordinary_hours: Some(true),
                jobcenter: "0751".into(),
                ..Default::default()
            },
            vec![A],
        ),
        (
            "partnership with 0751",
            SearchCompaniesRequest {
                partnership: Some(true),
                jobcenter: "0751".into(),
                ..Default::default()
            },
            vec![A, F],
        ),
        (
            "partnership with 0630",
            SearchCompaniesRequest {
                partnership: Some(true),
                jobcenter: "0630".into(),
                ..Default::default()
            },
            vec![D],
        ),
        (
            "not contacted by 0751 since 2026-01-01",
            SearchCompaniesRequest {
                not_contacted_since: "2026-01-01".into(),
                jobcenter: "0751".into(),
                ..Default::default()
            },
            vec![B, C, D, E, F],
        ),
        (
            "not contacted by 0751 since 2026-02-01",
            SearchCompaniesRequest {
                not_contacted_since: "2026-02-01".into(),
                jobcenter: "0751".into(),
                ..Default::default()
            },
            vec![A, B, C, D, E, F],
        ),
        (
            "near 8000 (postcode), 30 km",
            SearchCompaniesRequest {
                near: Some(Near {
                    postcode: "8000".into(),
                    radius_km: 30.0,
                    ..Default::default()
                }),
                ..Default::default()
            },
            vec![A, B, E, F],
        ),
        (
            "near Vejle (point), 10 km",
            SearchCompaniesRequest {
                near: Some(Near {
                    point: Some(GeoPoint {
                        lat: 55.69053,
                        lon: 9.50663,
                    }),
                    radius_km: 10.0,
                    ..Default::default()
                }),
                ..Default::default()
            },
            vec![D],
        ),
        (
            "combined: 0751, open needs",
            SearchCompaniesRequest {
                municipality_codes: vec!["0751".into()],
                has_open_needs: Some(true),
                ..Default::default()
            },
            vec![A],
        ),
    ];
    let mut failures = Vec::new();
    for (name, req, want) in cases {
        let resp = search(&server, req).await;
        if cvrs(&resp) != set(&want) || resp.total_hits != want.len() as u64 {
            failures.push(format!(
                "{name}: want {:?}, got {:?} (total {})",
                set(&want),
                cvrs(&resp),
                resp.total_hits
            ));
        }
        assert_facets_sum(&resp);
    }
    assert!(
        failures.is_empty(),
        "filter failures:\n{}",
        failures.join("\n")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_search_requests() {
    let (server, _) = start_world().await;
    let mut s = server.search();
    let cases: Vec<(SearchCompaniesRequest, &str)> = vec![
        (
            SearchCompaniesRequest {
                municipality_codes: vec!["9999".into()],
                ..Default::default()
            },
            "municipality_codes[0]",
        ),
        (
            SearchCompaniesRequest {
                industry_code_prefixes: vec!["5x".into()],
                ..Default::default()
            },
            "industry_code_prefixes[0]",
        ),
        (
            SearchCompaniesRequest {
                not_contacted_since: "last year".into(),
                jobcenter: "0751".into(),
                ..Default::default()
            },
            "not_contacted_since",
        ),
        (
            SearchCompaniesRequest {
                min_employees: Some(10),
                max_employees: Some(5),
                ..Default::default()
            },
            "min_employees",
        ),
        (
            SearchCompaniesRequest {
                page_size: 101,
                ..Default::default()
            },
            "page_size",
        ),
        (
            SearchCompaniesRequest {
                sort: SortOrder::Distance as i32,
                ..Default::default()
            },
            "sort",
        ),
        (
            SearchCompaniesRequest {
                near: Some(Near {
                    postcode: "0000".into(),
                    radius_km: 10.0,
                    ..Default::default()
                }),
                ..Default::default()
            },
            "near.postcode",
        ),
        (
            SearchCompaniesRequest {
                near: Some(Near {
                    postcode: "8000".into(),
                    radius_km: 0.0,
                    ..Default::default()
                }),
                ..Default::default()
            },
            "near.radius_km",
        ),
        (
            SearchCompaniesRequest {
                near: Some(Near {
                    point: Some(GeoPoint {
                        lat: 91.0,
                        lon: 0.0,
                    }),
                    radius_km: 5.0,
                    ..Default::default()
                }),
                ..Default::default()
            },
            "near.point",
        ),
        (
            SearchCompaniesRequest {
                cursor: "garbage".into(),
                ..Default::default()
            },
            "cursor",
        ),
    ];
    for (req, field) in cases {
        let err = s.search_companies(request(req.clone())).await.unwrap_err();
        assert_invalid(&err, field);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cursor_pagination() {
    let (server, _) = start_world().await;
    let big = search(
        &server,
        SearchCompaniesRequest {
            page_size: 100,
            ..Default::default()
        },
    )
    .await;
    assert_eq!(big.hits.len(), 6);
    assert!(big.next_cursor.is_empty(), "one page holds everything");
    let mut seen: Vec<String> = Vec::new();
    let mut cursor = String::new();
    let mut pages = 0;
    loop {
        let page = search(
            &server,
            SearchCompaniesRequest {
                page_size: 4,
                cursor: cursor.clone(),
                ..Default::default()
            },
        )
        .await;
        pages += 1;
        assert!(page.hits.len() <= 4);
        assert_eq!(page.total_hits, 6, "total is stable across pages");
        for h in &page.hits {
            let c = h.company.as_ref().unwrap().cvr.clone();
            assert!(!seen.contains(&c), "{c} on two pages");
            seen.push(c);
        }
        if page.next_cursor.is_empty() {
            break;
        }
        cursor = page.next_cursor;
        assert!(pages < 10, "pagination does not end");
    }
    assert_eq!(pages, 2);
    let big_order: Vec<String> = big
        .hits
        .iter()
        .map(|h| h.company.as_ref().unwrap().cvr.clone())
        .collect();
    assert_eq!(
        seen, big_order,
        "pages together equal one big page, in order"
    );

    // A cursor only continues its own query.
    let first = search(
        &server,
        SearchCompaniesRequest {
            page_size: 2,
            ..Default::default()
        },
    )
    .await;
    assert!(!first.next_cursor.is_empty());
    let err = server
        .search()
        .search_companies(SearchCompaniesRequest {
            page_size: 2,
            query: "lager".into(),
            cursor: first.next_cursor.clone(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_invalid(&err, "cursor");
    let err = server
        .search()
        .search_companies(SearchCompaniesRequest {
            page_size: 2,
            cursor: format!("{}x", first.next_cursor),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sort_by_distance_and_last_contact() {
    let (server, companies) = start_world().await;
    let resp = search(
        &server,
        SearchCompaniesRequest {
            near: Some(Near {
                postcode: "8000".into(),
                radius_km: 300.0,
                ..Default::default()
            }),
            sort: SortOrder::Distance as i32,
            ..Default::default()
        },
    )
    .await;
    assert_eq!(resp.total_hits, 6);
    let d: Vec<f64> = resp
        .hits
        .iter()
        .map(|h| h.distance_km.expect("distance with near"))
        .collect();
    assert!(
        d.windows(2).all(|w| w[0] <= w[1]),
        "distances not ascending: {d:?}"
    );
    assert_eq!(
        resp.hits[0].company.as_ref().unwrap().cvr,
        cvr(A),
        "the 8000 company is nearest"
    );
    assert!(d[0] < 1.0);

    // Longest since last contact by 0751 first; never contacted before any date.
    let resp = search(
        &server,
        SearchCompaniesRequest {
            sort: SortOrder::LastContact as i32,
            jobcenter: "0751".into(),
            ..Default::default()
        },
    )
    .await;
    let last = |cvr_: &str| -> String {
        let c = companies.iter().find(|c| c.cvr == cvr_).unwrap();
        c.jobcenter_relations
            .iter()
            .filter(|r| r.municipality_code == "0751")
            .map(|r| r.last_contact.clone())
            .max()
            .unwrap_or_default()
    };
    let dates: Vec<String> = resp
        .hits
        .iter()
        .map(|h| last(&h.company.as_ref().unwrap().cvr))
        .collect();
    // "" (never) sorts before every date.
    assert!(
        dates.windows(2).all(|w| w[0] <= w[1]),
        "last contact order wrong: {dates:?}"
    );
    assert_eq!(dates.last().map(String::as_str), Some("2026-01-10"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn radius_uses_exact_distance_not_the_bounding_box() {
    let (server, companies) = start_world().await;
    // Put Odder (E) in the corner of the search box: inside the box, outside the circle.
    let odder = jobmatch_refdata::postcode("8300").unwrap();
    let r = 5.0;
    let lat = odder.lat - 0.8 * r / 111.0;
    let lon = odder.lon - 0.8 * r / (111.32 * lat.to_radians().cos());
    let dist_e = jobmatch_refdata::haversine_km(lat, lon, odder.lat, odder.lon);
    assert!(dist_e > r && dist_e < 6.0, "fixture geometry: {dist_e}");
    let near = |radius_km| Near {
        point: Some(GeoPoint { lat, lon }),
        radius_km,
        ..Default::default()
    };
    let inside = search(
        &server,
        SearchCompaniesRequest {
            near: Some(near(r)),
            ..Default::default()
        },
    )
    .await;
    assert!(
        !cvrs(&inside).contains(&cvr(E)),
        "E at {dist_e:.2} km returned for radius {r}"
    );
    let wider = search(
        &server,
        SearchCompaniesRequest {
            near: Some(near(6.0)),
            ..Default::default()
        },
    )
    .await;
    assert!(
        cvrs(&wider).contains(&cvr(E)),
        "E at {dist_e:.2} km missing for radius 6"
    );

    // Every hit lies within the radius, and every company within it is a hit.
    let center = jobmatch_refdata::postcode("8000").unwrap();
    for radius in [8.0, 10.0, 26.0, 80.0] {
        let resp = search(
            &server,
            SearchCompaniesRequest {
                near: Some(Near {
                    postcode: "8000".into(),
                    radius_km: radius,
                    ..Default::default()
                }),
                ..Default::default()
            },
        )
        .await;
        for h in &resp.hits {
            let dkm = h.distance_km.unwrap();
            assert!(dkm <= radius + 0.05, "hit at {dkm} km for radius {radius}");
        }
        let want: BTreeSet<String> = companies
            .iter()
            .filter(|c| {
                let pc = jobmatch_refdata::postcode(&c.address.as_ref().unwrap().postcode).unwrap();
                jobmatch_refdata::haversine_km(center.lat, center.lon, pc.lat, pc.lon) <= radius
            })
            .map(|c| c.cvr.clone())
            .collect();
        assert_eq!(cvrs(&resp), want, "radius {radius}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn danish_text_search() {
    let (server, _) = start_world().await;
    let q = |text: &str| SearchCompaniesRequest {
        query: text.into(),
        ..Default::default()
    };

    let typo = search(&server, q("resturant")).await;
    assert!(
        cvrs(&typo).contains(&cvr(B)),
        "typo 'resturant': {:?}",
        cvrs(&typo)
    );
    assert!(cvrs(&typo).contains(&cvr(F)));
    assert!(!cvrs(&typo).contains(&cvr(C)), "børnehave is no restaurant");

    let stem = search(&server, q("lagerarbejdere")).await;
    assert!(
        cvrs(&stem).contains(&cvr(A)),
        "stemming 'lagerarbejdere' -> 'Lagerarbejder': {:?}",
        cvrs(&stem)
    );

    let prefix = search(&server, q("lager")).await;
    assert!(
        cvrs(&prefix).contains(&cvr(E)),
        "compound prefix 'lager' -> 'Lagermedarbejder': {:?}",
        cvrs(&prefix)
    );
    assert!(cvrs(&prefix).contains(&cvr(A)));
    assert!(!cvrs(&prefix).contains(&cvr(B)));
    assert_facets_sum(&prefix);
    for h in &prefix.hits {
        assert!(
            h.highlights
                .iter()
                .any(|hl| hl.fragment.contains("<b>") && hl.fragment.contains("</b>")),
            "no <b> highlight for {}: {:?}",
            h.company.as_ref().unwrap().name,
            h.highlights
        );
    }

    let name = search(&server, q("Solstrålen")).await;
    assert_eq!(cvrs(&name), set(&[C]));
    let nothing = search(&server, q("zzqxv")).await;
    assert_eq!(nothing.total_hits, 0);
    assert!(nothing.hits.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_data_lager_near_aarhus() {
    let server = TestServer::start(true).await;
    let resp = search(
        &server,
        SearchCompaniesRequest {
            query: "lager".into(),
            near: Some(Near {
                postcode: "8000".into(),
                radius_km: 30.0,
                ..Default::default()
            }),
            page_size: 20,
            ..Default::default()
        },
    )
    .await;
    assert!(
        resp.total_hits > 0,
        "no warehouse companies near Aarhus in the demo data"
    );
    assert!(!resp.hits.is_empty());
    let warehouse = resp
        .hits
        .iter()
        .filter(|h| {
            let c = h.company.as_ref().unwrap();
            let text = format!(
                "{} {} {}",
                c.name,
                c.industry_text.clone().unwrap_or_default(),
                c.description.clone().unwrap_or_default()
            )
            .to_lowercase();
            c.industry_code.starts_with("52") || text.contains("lager")
        })
        .count();
    assert!(
        warehouse * 2 >= resp.hits.len(),
        "mostly warehouse hits expected, got {warehouse}/{}",
        resp.hits.len()
    );
    for h in &resp.hits {
        assert!(h.distance_km.unwrap() <= 30.05);
        assert!(
            h.highlights.iter().any(|hl| hl.fragment.contains("<b>")),
            "{:?}",
            h.highlights
        );
    }
    assert_facets_sum(&resp);
}
