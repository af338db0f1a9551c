//! Ingest of malformed input, through BulkUpsert and through file ingest: every good record goes in, every bad
//! one is reported with position, field and reason; unknown extra fields only warn; nothing panics.

use std::sync::Arc;

use jobmatch_indexer::JobIndex;
use jobmatch_indexer::ingest::ingest_files;
use jobmatch_matching::TaxonomyResolver;
use jobmatch_taxonomy::Taxonomy;
use jobmatch_tests::v1::{
    BulkUpsertRequest, Company, GetCompanyRequest, GetNeedRequest, HoursRange, Need,
    SearchCompaniesRequest,
};
use jobmatch_tests::*;

fn good_a() -> Company {
    company(&cvr(101), "Alfa Lager ApS", "521000", "8000")
}
fn good_b() -> Company {
    company(&cvr(102), "Beta Restaurant ApS", "561010", "8230")
}

// ---- through BulkUpsert ----

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bulk_upsert_keeps_good_records_and_reports_bad_ones() {
    let server = TestServer::start(false).await;
    let mut bad_cvr_company = company(&bad_cvr(&cvr(103)), "Gamma ApS", "521000", "8000");
    bad_cvr_company.name = "Gamma ApS".into();
    let mut bad_postcode = company(&cvr(104), "Delta ApS", "521000", "8000");
    bad_postcode.address.as_mut().unwrap().postcode = "0000".into();
    let mut bad_enum = need("B-3", &cvr(101), "Lagerarbejder", "9333");
    bad_enum.physical_demand = "extreme".into();
    let orphan = need("B-4", &cvr(109), "Lagerarbejder", "9333");
    let mut bad_shift = need("B-5", &cvr(102), "Kok", "5120");
    bad_shift.shifts = vec!["morning".into()];
    let records = vec![
        bulk_company(good_a()),                                     // 1
        bulk_company(bad_cvr_company),                              // 2: cvr
        bulk_company(bad_postcode),                                 // 3: address.postcode
        bulk_company(good_b()),                                     // 4
        bulk_need(need("B-1", &cvr(101), "Lagerarbejder", "9333")), // 5
        bulk_need(bad_enum),                                        // 6: physical_demand
        bulk_need(orphan),                                          // 7: cvr (unknown company)
        BulkUpsertRequest { record: None },                         // 8: record
        bulk_need(bad_shift),                                       // 9: shifts[0]
        bulk_need(need("B-2", &cvr(102), "Kok", "5120")),           // 10
    ];
    let resp = bulk_upsert(&server, records).await.expect("BulkUpsert");
    assert_eq!(resp.companies_upserted, 2, "{resp:?}");
    assert_eq!(resp.needs_upserted, 2, "{resp:?}");
    assert_eq!(resp.rejected, 6, "{resp:?}");
    let mut got: Vec<(u64, String)> = resp
        .errors
        .iter()
        .map(|e| (e.line, e.field.clone()))
        .collect();
    got.sort();
    let want: Vec<(u64, String)> = [
        (2, "cvr"),
        (3, "address.postcode"),
        (6, "physical_demand"),
        (7, "cvr"),
        (8, "record"),
        (9, "shifts[0]"),
    ]
    .iter()
    .map(|(l, f)| (*l, f.to_string()))
    .collect();
    assert_eq!(got, want, "{resp:#?}");
    for e in &resp.errors {
        assert!(!e.reason.is_empty(), "error without a reason: {e:?}");
    }
    let e2 = resp.errors.iter().find(|e| e.line == 2).unwrap();
    assert_eq!(e2.kind, "company");
    assert!(e2.reason.contains("modulus"), "{e2:?}");
    let e7 = resp.errors.iter().find(|e| e.line == 7).unwrap();
    assert_eq!(e7.kind, "need");
    assert_eq!(e7.key, "B-4");

    // Good records are readable, bad ones are not there.
    let mut cs = server.companies();
    for n in ["B-1", "B-2"] {
        cs.get_need(GetNeedRequest { need_id: n.into() })
            .await
            .unwrap();
    }
    for n in ["B-3", "B-4", "B-5"] {
        let err = cs
            .get_need(GetNeedRequest { need_id: n.into() })
            .await
            .unwrap_err();
        assert_eq!(err.code(), tonic::Code::NotFound, "{n}");
    }
    let err = cs
        .get_company(GetCompanyRequest { cvr: cvr(104) })
        .await
        .unwrap_err();
    assert_eq!(err.code(), tonic::Code::NotFound);
    // Committed once at the end: searchable.
    let all = server
        .search()
        .search_companies(SearchCompaniesRequest::default())
        .await
        .unwrap()
        .into_inner();
    assert_eq!(all.total_hits, 2);
}

// ---- through file ingest ----

const NEEDS_GOOD_A: &str = r#"{"need_id": "F-1", "cvr": "CVR_A", "title": "Lagerarbejder", "occupation_codes": ["9333"], "description": "Lager", "hours_per_week": {"min": 10, "max": 20}, "ordinary_hours": {"offered": false, "from_start": false, "hours_per_week": 0}, "shifts": ["day"], "physical_demand": "light", "danish_level": "none", "driving_licence": null, "positions": 1, "valid_until": "2099-12-31", "status": "open"}"#;

#[test]
fn file_ingest_reports_line_field_and_reason() {
    let dir = tempfile::tempdir().unwrap();
    let a = cvr(201);
    let b = cvr(202);
    let company_line = |c: &Company| serde_json::to_string(c).unwrap();
    let mut ca = company(&a, "Alfa Lager ApS", "521000", "8000");
    ca.description = Some("Lagermedarbejder".into());
    let mut unknown_extra: serde_json::Value =
        serde_json::to_value(company(&b, "Beta Restaurant ApS", "561010", "8230")).unwrap();
    unknown_extra["instagram"] = serde_json::json!("@beta");
    let mut wrong_type: serde_json::Value =
        serde_json::to_value(company(&cvr(203), "Gamma ApS", "521000", "8000")).unwrap();
    wrong_type["employees"] = serde_json::json!("many");
    let mut bad_postcode = company(&cvr(204), "Delta ApS", "521000", "8000");
    bad_postcode.address.as_mut().unwrap().postcode = "9999".into();
    let companies = [
        company_line(&ca), // 1
        company_line(&company(
            &bad_cvr(&cvr(205)),
            "Epsilon ApS",
            "521000",
            "8000",
        )), // 2: cvr
        company_line(&bad_postcode), // 3: address.postcode
        String::new(),     // 4: blank, skipped
        unknown_extra.to_string(), // 5: good, warning
        r#"{"cvr": "1234"#.to_string(), // 6: broken JSON
        wrong_type.to_string(), // 7: employees
        "[1, 2, 3]".to_string(), // 8: not an object
    ]
    .join("\n");
    let mut bad_enum: Need = need("F-2", &a, "Lagerarbejder", "9333");
    bad_enum.danish_level = "perfekt".into();
    let mut bad_hours = need("F-4", &b, "Kok", "5120");
    bad_hours.hours_per_week = Some(HoursRange { min: 30, max: 10 });
    let needs = [
        NEEDS_GOOD_A.replace("CVR_A", &a),         // 1
        serde_json::to_string(&bad_enum).unwrap(), // 2: danish_level
        serde_json::to_string(&need("F-3", &cvr(299), "Kok", "5120")).unwrap(), // 3: cvr (unknown company)
        serde_json::to_string(&bad_hours).unwrap(),                             // 4: hours_per_week
        serde_json::to_string(&need("F-5", &b, "Kok", "5120")).unwrap(),        // 5
        "{not json".to_string(),                                                // 6
    ]
    .join("\n");
    let cpath = dir.path().join("companies.jsonl");
    let npath = dir.path().join("needs.jsonl");
    std::fs::write(&cpath, companies).unwrap();
    std::fs::write(&npath, needs).unwrap();

    let resolver = Arc::new(TaxonomyResolver::new(Taxonomy::embedded()));
    let index = JobIndex::open(&dir.path().join("index"), resolver, 64 << 20).unwrap();
    let summary = ingest_files(&index, Some(&cpath), Some(&npath), &mut ()).unwrap();
    assert_eq!(summary.companies, 2, "{summary:#?}");
    assert_eq!(summary.needs, 2, "{summary:#?}");
    let mut got: Vec<(String, u64, String)> = summary
        .errors
        .iter()
        .map(|e| (e.source.clone(), e.line, e.field.clone()))
        .collect();
    got.sort();
    let want: Vec<(String, u64, String)> = [
        ("companies.jsonl", 2, "cvr"),
        ("companies.jsonl", 3, "address.postcode"),
        ("companies.jsonl", 6, ""),
        ("companies.jsonl", 7, "employees"),
        ("companies.jsonl", 8, ""),
        ("needs.jsonl", 2, "danish_level"),
        ("needs.jsonl", 3, "cvr"),
        ("needs.jsonl", 4, "hours_per_week"),
        ("needs.jsonl", 6, ""),
    ]
    .iter()
    .map(|(s, l, f)| (s.to_string(), *l, f.to_string()))
    .collect();
    assert_eq!(got, want, "{:#?}", summary.errors);
    for e in &summary.errors {
        assert!(!e.reason.is_empty(), "{e:?}");
    }
    let broken = summary
        .errors
        .iter()
        .find(|e| e.source == "companies.jsonl" && e.line == 6)
        .unwrap();
    assert!(broken.reason.contains("invalid JSON"), "{broken:?}");
    let enum_err = summary
        .errors
        .iter()
        .find(|e| e.source == "needs.jsonl" && e.line == 2)
        .unwrap();
    assert!(enum_err.reason.contains("perfekt"), "{enum_err:?}");
    // Unknown extra field: a warning naming it, and the record is in.
    assert!(
        summary
            .warnings
            .iter()
            .any(|w| w.contains("companies.jsonl:5") && w.contains("instagram")),
        "{:#?}",
        summary.warnings
    );
    let snapshot = index.snapshot();
    let catalog = &snapshot.catalog;
    assert!(catalog.company(&a).is_some());
    assert!(catalog.company(&b).is_some());
    assert!(catalog.company(&cvr(203)).is_none());
    assert!(catalog.need("F-1").is_some());
    assert!(catalog.need("F-5").is_some());
    assert!(catalog.need("F-2").is_none());
    assert!(catalog.need("F-3").is_none());
}

// ---- hostile input never panics the server ----

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_input_gets_statuses_not_panics() {
    let server = TestServer::start(false).await;
    let mut cs = server.companies();
    let huge = "æ".repeat(200_000);

    // Empty records.
    let err = cs.upsert_company(Company::default()).await.unwrap_err();
    assert_invalid(&err, "cvr");
    let err = cs.upsert_need(Need::default()).await.unwrap_err();
    assert_invalid(&err, "need_id");

    // Huge strings.
    let mut c = company(&cvr(301), &huge, "521000", "8000");
    c.description = Some(huge.clone());
    let err = cs.upsert_company(c).await.unwrap_err();
    assert_invalid(&err, "name");
    let mut c = company(&cvr(302), "Ok ApS", "521000", "8000");
    c.address.as_mut().unwrap().postcode = huge.clone();
    let err = cs.upsert_company(c).await.unwrap_err();
    assert_invalid(&err, "address.postcode");

    // Negative numbers.
    let mut c = company(&cvr(303), "Neg ApS", "521000", "8000");
    c.employees = -5;
    c.supported_placements = i32::MIN;
    let err = cs.upsert_company(c).await.unwrap_err();
    assert_invalid(&err, "employees");
    assert_invalid(&err, "supported_placements");

    cs.upsert_company(company(&cvr(304), "Ok Lager ApS", "521000", "8000"))
        .await
        .unwrap();
    let mut n = need("H-1", &cvr(304), "Lager", "9333");
    n.positions = -1;
    n.hours_per_week = Some(HoursRange {
        min: -10,
        max: i32::MAX,
    });
    let err = cs.upsert_need(n).await.unwrap_err();
    assert_invalid(&err, "positions");
    assert_invalid(&err, "hours_per_week");

    // Empty and huge lookups and searches.
    let err = cs
        .get_company(GetCompanyRequest { cvr: String::new() })
        .await
        .unwrap_err();
    assert_invalid(&err, "cvr");
    // Any error status will do here (see huge_unknown_key_is_not_found for the exact code).
    cs.get_company(GetCompanyRequest { cvr: huge.clone() })
        .await
        .unwrap_err();
    let err = server
        .search()
        .search_companies(SearchCompaniesRequest {
            query: huge.clone(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_invalid(&err, "query");
    let mut m = server.matcher();
    let mut citizen = citizen("HX1", "8000", &"x".repeat(5000));
    citizen.available_hours_per_week = -3;
    citizen.max_distance_km = -1.0;
    let err = m
        .match_citizen(jobmatch_tests::v1::MatchCitizenRequest {
            citizen: Some(citizen),
            options: None,
        })
        .await
        .unwrap_err();
    assert_invalid(&err, "citizen.available_hours_per_week");
    assert_invalid(&err, "citizen.max_distance_km");
    assert_invalid(&err, "citizen.job_goals[0].text");
    let err = m
        .match_citizen(jobmatch_tests::v1::MatchCitizenRequest::default())
        .await
        .unwrap_err();
    assert_invalid(&err, "citizen");
    let err = server
        .search()
        .search_companies(SearchCompaniesRequest {
            query: "\u{0}".into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_invalid(&err, "query");
    for text in ["", " ", "%%%***", "\t", "a"] {
        server
            .search()
            .search_companies(SearchCompaniesRequest {
                query: text.into(),
                ..Default::default()
            })
            .await
            .unwrap_or_else(|e| panic!("query {text:?}: {e:?}"));
    }

    // Still alive and well.
    cs.get_company(GetCompanyRequest { cvr: cvr(304) })
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn huge_key_is_refused_by_its_bound() {
    let server = TestServer::start(false).await;
    let huge = "æ".repeat(200_000);
    let err = server
        .companies()
        .get_company(GetCompanyRequest { cvr: huge.clone() })
        .await
        .unwrap_err();
    assert_invalid(&err, "cvr");
    let err = server
        .companies()
        .get_need(GetNeedRequest { need_id: huge })
        .await
        .unwrap_err();
    assert_invalid(&err, "need_id");
}

// ---- schema upgrade ----

/// An index written before the last field was added to the schema (the state every data directory of the
/// previous release is in) is rebuilt from its stored records when opened: nothing to re-ingest, the commit's
/// change-log position is kept, and the new field is there for matching to use.
#[test]
fn an_index_of_an_earlier_schema_is_rebuilt_from_its_records() {
    use jobmatch_indexer::schema::{Fields, KIND_COMPANY, KIND_NEED};
    use jobmatch_indexer::stored;
    use tantivy::schema::Schema;
    use tantivy::{Index, TantivyDocument};

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("index");
    std::fs::create_dir_all(&path).unwrap();
    let (current, fields) = Fields::schema();
    let mut earlier = Schema::builder();
    for (field, entry) in current.fields() {
        if field != fields.isco_area {
            earlier.add_field(entry.clone());
        }
    }
    let (a, b) = (good_a(), good_b());
    let needs = [
        need("U-1", &a.cvr, "Lagerarbejder", "9333"),
        need("U-2", &b.cvr, "Kok", "5120"),
    ];
    {
        let index = Index::create_in_dir(&path, earlier.build()).unwrap();
        use jobmatch_indexer::analysis;
        index
            .tokenizers()
            .register(analysis::DANISH, analysis::danish_analyzer());
        let mut writer = index.writer::<TantivyDocument>(15_000_000).unwrap();
        let add = |id: u64, kind: &str, key: &str, bytes: Vec<u8>| {
            let mut doc = TantivyDocument::default();
            doc.add_u64(fields.id, id);
            doc.add_text(fields.key, format!("{kind}:{key}"));
            doc.add_text(fields.kind, kind);
            doc.add_bytes(fields.record, &bytes);
            writer.add_document(doc).unwrap();
        };
        // A need may come before its company in the store.
        add(3, KIND_NEED, "U-1", stored::need_bytes(&needs[0]));
        add(1, KIND_COMPANY, &a.cvr, stored::company_bytes(&a));
        add(2, KIND_COMPANY, &b.cvr, stored::company_bytes(&b));
        add(4, KIND_NEED, "U-2", stored::need_bytes(&needs[1]));
        let mut commit = writer.prepare_commit().unwrap();
        commit.set_payload("change-log:42");
        commit.commit().unwrap();
    }

    let resolver = Arc::new(TaxonomyResolver::new(Taxonomy::embedded()));
    let index = JobIndex::open(&path, resolver, 64 << 20).expect("the earlier index is rebuilt");
    assert_eq!(index.commit_payload().as_deref(), Some("change-log:42"));
    let snapshot = index.snapshot();
    assert_eq!(snapshot.catalog.company_count(), 2);
    assert_eq!(snapshot.catalog.need_count(), 2);
    assert_eq!(
        snapshot.need_record("U-1").unwrap().unwrap().title,
        "Lagerarbejder"
    );
    assert_eq!(
        snapshot.company_record(&b.cvr).unwrap().unwrap().name,
        b.name
    );
    // The need is reachable by its group-and-area term.
    let lager = snapshot.catalog.need("U-1").unwrap();
    let term = jobmatch_indexer::geo::group_area("4:9333", lager.lat, lager.lon);
    let hits = snapshot
        .searcher
        .search(
            &tantivy::query::TermQuery::new(
                tantivy::Term::from_field_text(fields.isco_area, &term),
                tantivy::schema::IndexRecordOption::Basic,
            ),
            &tantivy::collector::Count,
        )
        .unwrap();
    assert_eq!(hits, 1, "{term}");
    assert!(!dir.path().join("index.rebuilding").exists());
    assert!(!dir.path().join("index.previous").exists());
    drop(index);
    // Opened again: no second rebuild, same records.
    let resolver = Arc::new(TaxonomyResolver::new(Taxonomy::embedded()));
    let again = JobIndex::open(&path, resolver, 64 << 20).unwrap();
    assert_eq!(again.snapshot().catalog.need_count(), 2);
}

/// Matching reads a group's needs by their group-and-area terms instead of the group's postings for the whole
/// country; for any place and radius that must find exactly the group's needs inside the radius's box, which
/// is what the whole-country read kept.
#[test]
fn group_area_terms_find_exactly_the_groups_needs_in_the_box() {
    use jobmatch_indexer::collect::NeedIds;
    use jobmatch_indexer::geo;
    use jobmatch_indexer::{Change, schema::Fields};
    use rand::{Rng, SeedableRng};
    use tantivy::query::{BooleanQuery, Occur, Query, TermQuery};

    let dir = tempfile::tempdir().unwrap();
    let resolver = Arc::new(TaxonomyResolver::new(Taxonomy::embedded()));
    let index = JobIndex::open(&dir.path().join("index"), resolver, 64 << 20).unwrap();
    let postcodes = jobmatch_refdata::postcodes();
    let mut rng = rand::rngs::StdRng::seed_from_u64(5);
    let mut changes = Vec::new();
    let cvrs: Vec<String> = (0..300).map(|i| cvr(1000 + i)).collect();
    for c in &cvrs {
        let pc = &postcodes[rng.random_range(0..postcodes.len())];
        changes.push(Change::UpsertCompany(company(
            c,
            "Firma ApS",
            "521000",
            &pc.code,
        )));
    }
    let groups = ["9333", "9334", "5120", "4321"];
    for i in 0..3000 {
        let c = &cvrs[rng.random_range(0..cvrs.len())];
        let isco = groups[rng.random_range(0..groups.len())];
        changes.push(Change::UpsertNeed(need(
            &format!("G-{i}"),
            c,
            "Medarbejder",
            isco,
        )));
    }
    let report = index.apply(changes).unwrap();
    assert_eq!(report.rejected().count(), 0);
    let snapshot = index.snapshot();
    let (_, fields) = Fields::schema();

    let mut found = 0;
    for _ in 0..40 {
        let pc = &postcodes[rng.random_range(0..postcodes.len())];
        for radius in [2.0, 15.0, 30.0, 70.0] {
            for group in ["4:9333", "3:933", "4:5120"] {
                let bbox = geo::bounding_box(pc.lat, pc.lon, radius);
                let (min_lat, max_lat, min_lon, max_lon) = bbox;
                let level = if group.starts_with("4:") { 4 } else { 3 };
                let code: u16 = group[2..].parse().unwrap();
                let mut want: Vec<u64> = snapshot
                    .catalog
                    .needs()
                    .filter(|n| n.occupations.iter().any(|o| o.group(level) == code))
                    .filter(|n| {
                        (min_lat..=max_lat).contains(&n.lat) && (min_lon..=max_lon).contains(&n.lon)
                    })
                    .map(|n| n.id)
                    .collect();
                let areas = geo::group_areas_covering(group, pc.lat, pc.lon, radius).unwrap();
                let any: Vec<(Occur, Box<dyn Query>)> = areas
                    .iter()
                    .map(|a| {
                        let q: Box<dyn Query> = Box::new(TermQuery::new(
                            tantivy::Term::from_field_text(fields.isco_area, a),
                            tantivy::schema::IndexRecordOption::Basic,
                        ));
                        (Occur::Should, q)
                    })
                    .collect();
                let collector = NeedIds {
                    bbox,
                    mask: None,
                    scoring: false,
                };
                let mut got: Vec<u64> = snapshot
                    .searcher
                    .search(&BooleanQuery::new(any), &collector)
                    .unwrap()
                    .into_iter()
                    .map(|(_, id)| id)
                    .collect();
                want.sort_unstable();
                got.sort_unstable();
                assert_eq!(got, want, "{group} within {radius} km of {}", pc.code);
                found += got.len();
            }
        }
    }
    assert!(
        found > 1000,
        "the places and radii must reach needs: {found}"
    );
}

/// A schema rebuild cut off between its two renames leaves the complete new index in `index.rebuilding`, the
/// old one in `index.previous` and no `index`: the next open finishes the swap instead of starting empty.
#[test]
fn an_interrupted_index_swap_is_finished_at_open() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("index");
    let open = || {
        let resolver = Arc::new(TaxonomyResolver::new(Taxonomy::embedded()));
        JobIndex::open(&path, resolver, 64 << 20).unwrap()
    };
    {
        let index = open();
        let a = good_a();
        let report = index
            .apply(vec![
                jobmatch_indexer::Change::UpsertCompany(a.clone()),
                jobmatch_indexer::Change::UpsertNeed(need("S-1", &a.cvr, "Lagerarbejder", "9333")),
            ])
            .unwrap();
        assert_eq!(report.rejected().count(), 0);
    }
    std::fs::rename(&path, dir.path().join("index.rebuilding")).unwrap();
    std::fs::create_dir_all(dir.path().join("index.previous")).unwrap();
    assert_eq!(
        open().snapshot().catalog.need_count(),
        1,
        "the swap is finished"
    );
    assert!(!dir.path().join("index.previous").exists());
    assert!(!dir.path().join("index.rebuilding").exists());
    // Cut off after the second rename: only the old copy is left to remove.
    std::fs::create_dir_all(dir.path().join("index.previous")).unwrap();
    assert_eq!(open().snapshot().catalog.need_count(), 1);
    assert!(!dir.path().join("index.previous").exists());
}
