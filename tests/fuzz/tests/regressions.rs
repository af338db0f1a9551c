//! Replays every corpus input of every fuzz target (the seeds and the inputs that once found a bug), then a
//! short random slice of each target. The full runs (a million inputs and more) are `jobmatch-fuzz` and the
//! cargo-fuzz project; this is what every CI run repeats.

use jobmatch_fuzz::targets::TARGETS;

/// Random inputs per target in CI.
const SLICE: u64 = 1_500;

#[test]
fn corpus_inputs_pass_every_target() {
    // FUZZ_LOG=error (or any filter) shows the service's log while inputs replay: why an answer was INTERNAL.
    if let Ok(filter) = std::env::var("FUZZ_LOG") {
        jobmatch_server::telemetry::init(jobmatch_server::config::LogFormat::Text, &filter);
    }
    let mut replayed = 0;
    for target in TARGETS {
        for (path, input) in jobmatch_fuzz::corpus(target) {
            if let Err(p) = std::panic::catch_unwind(|| jobmatch_fuzz::targets::run(target, &input))
            {
                let msg = p.downcast_ref::<String>().cloned().unwrap_or_default();
                panic!("{target}: {} fails: {msg}", path.display());
            }
            replayed += 1;
        }
    }
    assert!(
        replayed >= 20,
        "only {replayed} corpus inputs: is the corpus missing?"
    );
}

#[test]
fn a_short_random_slice_of_every_target() {
    let heartbeat = jobmatch_fuzz::Heartbeat::default();
    for target in TARGETS {
        // A different seed every run (the date), so CI covers new ground over time; printed to reproduce.
        let seed = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() / 86_400)
            .unwrap_or(0);
        let stats = jobmatch_fuzz::fuzz(target, seed, SLICE, None, &heartbeat, |_| {})
            .unwrap_or_else(|(input, msg)| {
                panic!(
                    "{target} (seed {seed}) failed on {} bytes {:?}: {msg}",
                    input.len(),
                    String::from_utf8_lossy(&input[..input.len().min(200)])
                )
            });
        assert_eq!(stats.inputs, SLICE);
    }
}
