//! TaxonomyService.NormalizeOccupation: colloquial goals, typeahead input, limits.

use jobmatch_tests::v1::NormalizeOccupationRequest;
use jobmatch_tests::*;

fn req(text: &str, limit: u32) -> NormalizeOccupationRequest {
    NormalizeOccupationRequest {
        text: text.into(),
        limit,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn normalize_occupation() {
    let server = TestServer::start(false).await;
    let mut t = server.taxonomy();

    let resp = t
        .normalize_occupation(req("lagermand", 5))
        .await
        .unwrap()
        .into_inner();
    let first = resp
        .occupations
        .first()
        .expect("an occupation for 'lagermand'");
    assert_eq!(first.isco_code, "9333", "{:?}", resp.occupations);
    assert!(
        !first.label.is_empty() && !first.isco_title.is_empty(),
        "{first:?}"
    );
    assert!(!first.kind.is_empty());
    assert!(resp.occupations.len() <= 5);
    let scores: Vec<f32> = resp.occupations.iter().map(|o| o.score).collect();
    assert!(
        scores.windows(2).all(|w| w[0] >= w[1]),
        "not ranked: {scores:?}"
    );

    let resp = t
        .normalize_occupation(req("noget med børn", 0))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        resp.occupations.first().map(|o| o.isco_code.as_str()),
        Some("5311"),
        "{:?}",
        resp.occupations
    );
    assert!(resp.occupations.len() <= 10, "default limit is 10");

    let resp = t
        .normalize_occupation(req("9333", 3))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        resp.occupations.first().map(|o| o.isco_code.as_str()),
        Some("9333"),
        "code input"
    );

    // Typeahead: every prefix of a word answers, none errors.
    for text in [
        "l", "la", "lag", "lage", "lager", "lagerm", "lagerma", "pæd", "ø", "", "  ", "sosu-",
        "køre tr",
    ] {
        t.normalize_occupation(req(text, 10))
            .await
            .unwrap_or_else(|e| panic!("typeahead {text:?}: {e:?}"));
    }
    let resp = t
        .normalize_occupation(req("lagerm", 10))
        .await
        .unwrap()
        .into_inner();
    assert!(
        resp.occupations.iter().any(|o| o.isco_code == "9333"),
        "'lagerm' should suggest 9333: {:?}",
        resp.occupations
    );

    let resp = t
        .normalize_occupation(req("lager", 50))
        .await
        .unwrap()
        .into_inner();
    assert!(resp.occupations.len() <= 50);
    let err = t.normalize_occupation(req("lager", 51)).await.unwrap_err();
    assert_invalid(&err, "limit");
    let err = t
        .normalize_occupation(req(&"a".repeat(201), 5))
        .await
        .unwrap_err();
    assert_invalid(&err, "text");
}
