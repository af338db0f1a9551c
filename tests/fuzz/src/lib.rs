//! Fuzzing jobmatch: the targets (every entry point that takes outside bytes), a generator of Unicode-hostile
//! inputs, and the loop the harness binary and the regression test share.

pub mod hostile;
pub mod targets;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Largest input the harness makes: beyond the 4 MiB a request may have, inputs only cost time.
pub const MAX_INPUT: usize = 64 << 10;

/// The seed corpus and the regression corpus of a target (inputs that once found a bug).
pub fn corpus_dirs(target: &str) -> [PathBuf; 2] {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    [
        root.join("corpus").join(target),
        root.join("regressions").join(target),
    ]
}

/// Every file of the target's corpora.
pub fn corpus(target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    for dir in corpus_dirs(target) {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        paths.sort();
        for p in paths {
            if let Ok(bytes) = std::fs::read(&p) {
                out.push((p, bytes));
            }
        }
    }
    out
}

/// When the input now running started (ms since `epoch`, 0 when none runs), for a watchdog thread.
/// The running input is kept too, so a watchdog can save the input of a hang.
pub struct Heartbeat {
    pub epoch: Instant,
    pub running_since_ms: std::sync::atomic::AtomicU64,
    pub input: std::sync::Mutex<(String, Vec<u8>)>,
}

impl Default for Heartbeat {
    fn default() -> Self {
        Heartbeat {
            epoch: Instant::now(),
            running_since_ms: Default::default(),
            input: Default::default(),
        }
    }
}

impl Heartbeat {
    fn beat(&self, target: &str, input: &[u8]) {
        if let Ok(mut current) = self.input.lock() {
            current.0.clear();
            current.0.push_str(target);
            current.1.clear();
            current.1.extend_from_slice(input);
        }
        let ms = self.epoch.elapsed().as_millis() as u64 + 1;
        self.running_since_ms
            .store(ms, std::sync::atomic::Ordering::Relaxed);
    }

    fn rest(&self) {
        self.running_since_ms
            .store(0, std::sync::atomic::Ordering::Relaxed);
    }

    /// How long the running input has been running, if one is.
    pub fn running_for(&self) -> Option<Duration> {
        let since = self
            .running_since_ms
            .load(std::sync::atomic::Ordering::Relaxed);
        (since > 0).then(|| {
            Duration::from_millis((self.epoch.elapsed().as_millis() as u64).saturating_sub(since))
        })
    }
}

/// Counts of a run.
#[derive(Debug, Default, Clone, Copy)]
pub struct RunStats {
    pub inputs: u64,
    pub elapsed: Duration,
    pub slowest: Duration,
}

/// Runs `iterations` inputs (or until `budget` is spent) through `target`: corpus files first, then fresh
/// and mutated inputs from `seed`. Returns on the first failure with the input that caused it.
pub fn fuzz(
    target: &str,
    seed: u64,
    iterations: u64,
    budget: Option<Duration>,
    heartbeat: &Heartbeat,
    mut on_progress: impl FnMut(&RunStats),
) -> Result<RunStats, (Vec<u8>, String)> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let seeds: Vec<Vec<u8>> = corpus(target).into_iter().map(|(_, b)| b).collect();
    let started = Instant::now();
    let mut stats = RunStats::default();
    let mut i = 0u64;
    while i < iterations && budget.is_none_or(|b| started.elapsed() < b) {
        let input = if (i as usize) < seeds.len() {
            seeds[i as usize].clone()
        } else if !seeds.is_empty() && rng.random_bool(0.5) {
            let s = &seeds[rng.random_range(0..seeds.len())];
            hostile::mutate(&mut rng, s, MAX_INPUT)
        } else {
            hostile::bytes(&mut rng, MAX_INPUT)
        };
        let t = Instant::now();
        heartbeat.beat(target, &input);
        let outcome = std::panic::catch_unwind(|| targets::run(target, &input));
        heartbeat.rest();
        let took = t.elapsed();
        stats.slowest = stats.slowest.max(took);
        if let Err(p) = outcome {
            let message = p
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            return Err((input, message));
        }
        i += 1;
        stats.inputs = i;
        if i.is_multiple_of(10_000) {
            stats.elapsed = started.elapsed();
            on_progress(&stats);
        }
    }
    stats.elapsed = started.elapsed();
    Ok(stats)
}
