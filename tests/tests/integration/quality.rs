//! Devset quality regression guard: the matcher's nDCG@10 and recall@20 on the shared devset, and no hard
//! condition violated (shared/docs/ranking-evaluation.md).

use jobmatch_matching::MatchRules;
use jobmatch_tests::devset_dir;

#[test]
fn devset_quality_does_not_regress() {
    let Some(dir) = devset_dir() else {
        eprintln!(
            "SKIPPED devset_quality_does_not_regress: {} is missing",
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../../shared/data/devset")
                .display()
        );
        return;
    };
    let reports =
        jobmatch_server::commands::evaluate(&dir, MatchRules::default()).expect("evaluate");
    let ours = &reports[0];
    eprintln!(
        "devset: {} citizens, nDCG@10 {:.3}, recall@20 {:.3}, violations {:.3}, paid first {:.3} ({})",
        ours.citizens,
        ours.ndcg_at_10,
        ours.recall_at_20,
        ours.violation_rate,
        ours.paid_first,
        ours.method
    );
    assert!(ours.citizens >= 100, "{} citizens evaluated", ours.citizens);
    assert!(
        !ours.method.contains("failed"),
        "some citizens failed: {}",
        ours.method
    );
    assert_eq!(
        ours.violation_rate, 0.0,
        "hard-condition violations in the rankings"
    );
    assert!(
        ours.ndcg_at_10 >= 0.88,
        "nDCG@10 {:.3} < 0.88",
        ours.ndcg_at_10
    );
    assert!(
        ours.recall_at_20 >= 0.88,
        "recall@20 {:.3} < 0.88",
        ours.recall_at_20
    );
    if let Some(base) = reports.get(1) {
        assert!(
            ours.ndcg_at_10 > base.ndcg_at_10,
            "no better than the BM25 baseline {:.3}",
            base.ndcg_at_10
        );
    }
}
