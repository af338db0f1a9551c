//! SearchCompanies above the exact bound: the page stays exact, the total and facets are estimated from a
//! sample and flagged. Run in process on a real (in-RAM) index with a low bound, so it needs few companies.

use std::sync::Arc;

use jobmatch_indexer::search::{CompanyQuery, search_companies_bounded};
use jobmatch_indexer::{Change, Deadline, JobIndex};
use jobmatch_matching::TaxonomyResolver;
use jobmatch_taxonomy::Taxonomy;
use jobmatch_tests::*;

const COMPANIES: u32 = 2_000;

fn index() -> JobIndex {
    let index =
        JobIndex::open_in_ram(Arc::new(TaxonomyResolver::new(Taxonomy::embedded()))).unwrap();
    // Ascending CVR numbers in ingest order: ties then go the same way by CVR (exact) and by id (estimated).
    let postcodes = ["8000", "8200", "2100", "5000", "9000"];
    let industries = ["521000", "561010", "889130", "494100"];
    let names = ["Lager", "Restaurant", "Børnehus", "Transport og lager"];
    let changes = (0..COMPANIES)
        .map(|i| {
            let k = i as usize;
            let mut c = company(
                &cvr(i),
                &format!("{} {i}", names[k % names.len()]),
                industries[(k / 3) % industries.len()],
                postcodes[(k / 7) % postcodes.len()],
            );
            c.employees = (k % 300) as i32;
            if k.is_multiple_of(37) {
                let mut r = relation("0751");
                r.partnership = true;
                c.jobcenter_relations = vec![r];
            }
            Change::UpsertCompany(c)
        })
        .collect();
    let report = index.apply(changes).unwrap();
    assert_eq!(report.rejected().count(), 0);
    index
}

#[test]
fn above_the_bound_the_page_is_exact_and_the_counts_estimated() {
    let index = index();
    let d = Deadline::none();
    for (text, size) in [("lager", 20), ("", 30), ("restaurant", 7)] {
        let q = CompanyQuery {
            text: text.into(),
            page_size: size,
            offset: 10,
            ..Default::default()
        };
        let exact = search_companies_bounded(&index, &q, &d, usize::MAX).unwrap();
        let sampled = search_companies_bounded(&index, &q, &d, 100).unwrap();
        assert!(!exact.estimated && sampled.estimated, "{text:?}");
        let cvrs = |r: &jobmatch_indexer::search::SearchResult| -> Vec<String> {
            r.hits.iter().map(|h| h.company.cvr.clone()).collect()
        };
        assert_eq!(cvrs(&sampled), cvrs(&exact), "{text:?}: the page is exact");
        assert_eq!(sampled.next_offset, exact.next_offset);
        let off = (sampled.total as f64 - exact.total as f64).abs() / exact.total as f64;
        assert!(
            off < 0.1,
            "{text:?}: total {} vs {}",
            sampled.total,
            exact.total
        );
        for ((name, est), (_, ex)) in sampled.facets.iter().zip(&exact.facets) {
            let sum = |v: &Vec<jobmatch_indexer::search::FacetCount>| {
                v.iter().map(|f| f.count).sum::<u64>()
            };
            let off = (sum(est) as f64 - sum(ex) as f64).abs() / sum(ex).max(1) as f64;
            assert!(
                off < 0.1,
                "{text:?} facet {name}: {} vs {}",
                sum(est),
                sum(ex)
            );
        }
    }
}

#[test]
fn filters_that_drop_most_matches_still_fill_the_page() {
    let index = index();
    let d = Deadline::none();
    // One company in 37 is a partner of jobcenter 0751: a filter the index cannot answer, so the page must be
    // found among more matches than the first ones looked at.
    let q = CompanyQuery {
        text: "lager".into(),
        partnership: Some(true),
        jobcenter: Some("0751".into()),
        page_size: 8,
        offset: 4,
        ..Default::default()
    };
    let exact = search_companies_bounded(&index, &q, &d, usize::MAX).unwrap();
    let sampled = search_companies_bounded(&index, &q, &d, 50).unwrap();
    assert!(sampled.estimated);
    let cvrs = |r: &jobmatch_indexer::search::SearchResult| -> Vec<String> {
        r.hits.iter().map(|h| h.company.cvr.clone()).collect()
    };
    assert_eq!(exact.hits.len(), 8);
    assert_eq!(cvrs(&sampled), cvrs(&exact));
    assert!(
        sampled
            .hits
            .iter()
            .all(|h| h.company.jobcenter_relations.iter().all(|r| r.partnership))
    );
}
