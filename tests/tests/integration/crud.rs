//! Upsert / get / delete round trips, idempotent re-upserts, CloseNeed, cascading DeleteCompany, error codes.

use jobmatch_tests::v1::{
    CloseNeedRequest, DeleteCompanyRequest, DeleteNeedRequest, GetCompanyRequest, GetNeedRequest,
    SearchCompaniesRequest,
};
use jobmatch_tests::*;
use tonic::Code;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn company_round_trip_and_idempotent_upsert() {
    let server = TestServer::start(false).await;
    let mut cs = server.companies();
    let key = cvr(1);
    let mut c = company(&key, "Jensen Lager ApS", "521000", "8000");
    c.description = Some("Lagerarbejde og pakning".into());
    c.employees = 42;
    c.jobcenter_relations = vec![relation("0751")];

    let r = cs.upsert_company(c.clone()).await.unwrap().into_inner();
    assert_eq!(r.key, key);
    assert!(r.created, "first upsert creates");

    let got = cs
        .get_company(as_tenant(GetCompanyRequest { cvr: key.clone() }, "0751"))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(got.name, c.name);
    assert_eq!(got.employees, 42);
    assert_eq!(got.description, c.description);
    assert_eq!(got.industry_code, "521000");
    assert_eq!(got.address.as_ref().unwrap().municipality_code, "0751");
    assert!(got.location.is_some(), "location derived from the postcode");
    assert_eq!(got.jobcenter_relations.len(), 1);

    // Re-upsert with a change: not created, updated in place, no duplicate in search.
    c.name = "Jensen Lager og Logistik ApS".into();
    let r = cs.upsert_company(c.clone()).await.unwrap().into_inner();
    assert!(!r.created, "re-upsert must not create");
    let r = cs.upsert_company(c.clone()).await.unwrap().into_inner();
    assert!(!r.created);
    let got = cs
        .get_company(GetCompanyRequest { cvr: key.clone() })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(got.name, "Jensen Lager og Logistik ApS");
    let res = server
        .search()
        .search_companies(SearchCompaniesRequest {
            query: "jensen".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(res.total_hits, 1, "{res:?}");
    assert_eq!(res.hits.len(), 1);
    let res = server
        .search()
        .search_companies(SearchCompaniesRequest::default())
        .await
        .unwrap()
        .into_inner();
    assert_eq!(res.total_hits, 1, "one company, however often upserted");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn need_round_trip_close_and_delete() {
    let server = TestServer::start(false).await;
    let mut cs = server.companies();
    let key = cvr(2);
    cs.upsert_company(company(&key, "Hansen Lager ApS", "521000", "8000"))
        .await
        .unwrap();
    let n = need("N-1", &key, "Lagerarbejder", "9333");
    let r = cs.upsert_need(n.clone()).await.unwrap().into_inner();
    assert_eq!(r.key, "N-1");
    assert!(r.created);
    let r = cs.upsert_need(n.clone()).await.unwrap().into_inner();
    assert!(!r.created, "re-upsert of a need");
    let got = cs
        .get_need(GetNeedRequest {
            need_id: "N-1".into(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(got.title, "Lagerarbejder");
    assert_eq!(got.cvr, key);
    assert_eq!(got.occupation_codes, vec!["9333".to_string()]);
    assert_eq!(got.status, "open");

    let hit = |resp: jobmatch_tests::v1::SearchCompaniesResponse| resp.hits[0].open_needs;
    let s = server
        .search()
        .search_companies(SearchCompaniesRequest::default())
        .await
        .unwrap()
        .into_inner();
    assert_eq!(hit(s), 1);

    // CloseNeed: kept, status closed, no longer open.
    let closed = cs
        .close_need(CloseNeedRequest {
            need_id: "N-1".into(),
            status: String::new(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(closed.status, "closed");
    let got = cs
        .get_need(GetNeedRequest {
            need_id: "N-1".into(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(got.status, "closed");
    let s = server
        .search()
        .search_companies(SearchCompaniesRequest::default())
        .await
        .unwrap()
        .into_inner();
    assert_eq!(hit(s), 0, "a closed need is not open");
    let filled = cs
        .close_need(CloseNeedRequest {
            need_id: "N-1".into(),
            status: "filled".into(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(filled.status, "filled");
    let err = cs
        .close_need(CloseNeedRequest {
            need_id: "N-1".into(),
            status: "gone".into(),
        })
        .await
        .unwrap_err();
    assert_invalid(&err, "status");
    let err = cs
        .close_need(CloseNeedRequest {
            need_id: "nope".into(),
            status: String::new(),
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::NotFound);

    // DeleteNeed.
    let d = cs
        .delete_need(DeleteNeedRequest {
            need_id: "N-1".into(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(d.key, "N-1");
    assert_eq!(d.deleted, 1);
    let err = cs
        .get_need(GetNeedRequest {
            need_id: "N-1".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::NotFound);
    let err = cs
        .delete_need(DeleteNeedRequest {
            need_id: "N-1".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::NotFound, "deleting a missing need");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delete_company_removes_its_needs() {
    let server = TestServer::start(false).await;
    let mut cs = server.companies();
    let a = cvr(3);
    let b = cvr(4);
    cs.upsert_company(company(&a, "Alfa ApS", "521000", "8000"))
        .await
        .unwrap();
    cs.upsert_company(company(&b, "Beta ApS", "521000", "8000"))
        .await
        .unwrap();
    for (id, c) in [("A-1", &a), ("A-2", &a), ("B-1", &b)] {
        cs.upsert_need(need(id, c, "Lagerarbejder", "9333"))
            .await
            .unwrap();
    }
    let d = cs
        .delete_company(DeleteCompanyRequest { cvr: a.clone() })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(d.key, a);
    assert_eq!(d.deleted, 3, "the company and its two needs");
    for id in ["A-1", "A-2"] {
        let err = cs
            .get_need(GetNeedRequest { need_id: id.into() })
            .await
            .unwrap_err();
        assert_eq!(err.code(), Code::NotFound, "{id} survived its company");
    }
    cs.get_need(GetNeedRequest {
        need_id: "B-1".into(),
    })
    .await
    .unwrap();
    let err = cs
        .get_company(GetCompanyRequest { cvr: a.clone() })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::NotFound);
    let err = cs
        .delete_company(DeleteCompanyRequest { cvr: a.clone() })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::NotFound);
    // The deleted company's needs are not matched.
    let resp = server
        .matcher()
        .match_citizen(jobmatch_tests::v1::MatchCitizenRequest {
            citizen: Some(citizen("DEL1", "8000", "lagermand")),
            options: None,
        })
        .await
        .unwrap()
        .into_inner();
    let ids: Vec<String> = resp
        .candidates
        .iter()
        .map(|c| c.need.as_ref().unwrap().need_id.clone())
        .collect();
    assert_eq!(ids, vec!["B-1".to_string()]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_records_name_the_field() {
    let server = TestServer::start(false).await;
    let mut cs = server.companies();
    let key = cvr(5);

    let err = cs
        .upsert_company(company(&bad_cvr(&key), "Alfa ApS", "521000", "8000"))
        .await
        .unwrap_err();
    assert_invalid(&err, "cvr");
    let mut c = company(&key, "Alfa ApS", "521000", "8000");
    c.industry_code = "123456".into();
    assert_invalid(&cs.upsert_company(c).await.unwrap_err(), "industry_code");
    let mut c = company(&key, "Alfa ApS", "521000", "8000");
    c.address.as_mut().unwrap().postcode = "0001".into();
    assert_invalid(&cs.upsert_company(c).await.unwrap_err(), "address.postcode");
    let mut c = company(&key, "Alfa ApS", "521000", "8000");
    c.jobcenter_relations = vec![relation("0751")];
    c.jobcenter_relations[0].last_contact = "yesterday".into();
    assert_invalid(
        &cs.upsert_company(c).await.unwrap_err(),
        "jobcenter_relations[0].last_contact",
    );
    let mut c = company(&key, "Alfa ApS", "521000", "8000");
    c.location = Some(jobmatch_tests::v1::GeoPoint {
        lat: 10.27,
        lon: 56.15,
    });
    assert_invalid(&cs.upsert_company(c).await.unwrap_err(), "location");

    cs.upsert_company(company(&key, "Alfa ApS", "521000", "8000"))
        .await
        .unwrap();
    let mut n = need("V-1", &key, "Lager", "9333");
    n.status = "maybe".into();
    assert_invalid(&cs.upsert_need(n).await.unwrap_err(), "status");
    let mut n = need("V-1", &key, "Lager", "9333");
    n.driving_licence = Some("Z".into());
    assert_invalid(&cs.upsert_need(n).await.unwrap_err(), "driving_licence");
    let mut n = need("V-1", &key, "Lager", "9333");
    n.occupation_codes = vec!["93".into()];
    assert_invalid(&cs.upsert_need(n).await.unwrap_err(), "occupation_codes[0]");
    let mut n = need("V-1", &key, "Lager", "9333");
    n.valid_until = "2099-02-30".into();
    assert_invalid(&cs.upsert_need(n).await.unwrap_err(), "valid_until");
    let n = need("V-1", &cvr(6), "Lager", "9333");
    assert_invalid(&cs.upsert_need(n).await.unwrap_err(), "cvr");

    // NOT_FOUND codes.
    let err = cs
        .get_company(GetCompanyRequest { cvr: cvr(7) })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::NotFound);
    let err = cs
        .get_need(GetNeedRequest {
            need_id: "V-1".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(
        err.code(),
        Code::NotFound,
        "the invalid need was not stored"
    );
    let err = cs
        .get_need(GetNeedRequest {
            need_id: String::new(),
        })
        .await
        .unwrap_err();
    assert_invalid(&err, "need_id");
}
