//! The stable fuzzing harness: runs fuzz targets on generated and mutated Unicode-hostile inputs for as long
//! as asked, and saves any input that panics, breaks an invariant or hangs.
//!
//!   cargo run --release -p jobmatch-fuzz -- --target all --iterations 1000000
//!   cargo run --release -p jobmatch-fuzz -- --target snippet --seconds 3600 --seed 7

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::Parser;
use jobmatch_fuzz::targets::TARGETS;

#[derive(Parser)]
#[command(about = "Fuzz jobmatch's entry points on a stable toolchain")]
struct Args {
    /// A target name, or "all" (one after the other).
    #[arg(long, default_value = "all")]
    target: String,
    /// Inputs per target.
    #[arg(long, default_value_t = 1_000_000)]
    iterations: u64,
    /// Time budget per target in seconds (stops at whichever comes first).
    #[arg(long)]
    seconds: Option<u64>,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// An input taking longer than this is a hang: saved, and the run stops.
    #[arg(long, default_value_t = 10)]
    hang_seconds: u64,
    /// Where failing inputs are written.
    #[arg(long, default_value = "target/fuzz-findings")]
    out: PathBuf,
    /// List the targets and exit.
    #[arg(long)]
    list: bool,
}

fn main() -> ExitCode {
    let args = Args::parse();
    if args.list {
        TARGETS.iter().for_each(|t| println!("{t}"));
        return ExitCode::SUCCESS;
    }
    let targets: Vec<&str> = if args.target == "all" {
        TARGETS.to_vec()
    } else {
        vec![args.target.as_str()]
    };
    // The watchdog: an input running longer than the limit is a hang. The input is written first, so a
    // hang leaves it behind like a crash does.
    let heartbeat = Arc::new(jobmatch_fuzz::Heartbeat::default());
    {
        let heartbeat = Arc::clone(&heartbeat);
        let limit = Duration::from_secs(args.hang_seconds);
        let out = args.out.clone();
        std::thread::spawn(move || {
            loop {
                std::thread::sleep(Duration::from_millis(200));
                if heartbeat.running_for().is_some_and(|d| d > limit) {
                    if let Ok(last) = heartbeat.input.lock() {
                        let path = out.join(&last.0).join("hang");
                        let _ = std::fs::create_dir_all(out.join(&last.0));
                        let _ = std::fs::write(&path, &last.1);
                        eprintln!("HANG in {}: input saved to {}", last.0, path.display());
                    }
                    std::process::exit(2);
                }
            }
        });
    }
    let mut failed = false;
    for target in targets {
        let t0 = Instant::now();
        eprintln!("== {target}: up to {} inputs", args.iterations);
        let result = jobmatch_fuzz::fuzz(
            target,
            args.seed,
            args.iterations,
            args.seconds.map(Duration::from_secs),
            &heartbeat,
            |s| {
                if s.inputs.is_multiple_of(100_000) {
                    eprintln!(
                        "   {target}: {} inputs, {:.0} /s",
                        s.inputs,
                        s.inputs as f64 / s.elapsed.as_secs_f64()
                    );
                }
            },
        );
        match result {
            Ok(s) => println!(
                "{target}: {} inputs in {:.1} s ({:.0} /s), slowest input {:.1} ms, no failure",
                s.inputs,
                t0.elapsed().as_secs_f64(),
                s.inputs as f64 / t0.elapsed().as_secs_f64(),
                s.slowest.as_secs_f64() * 1000.0
            ),
            Err((input, message)) => {
                failed = true;
                let _ = std::fs::create_dir_all(args.out.join(target));
                let path = args
                    .out
                    .join(target)
                    .join(format!("crash-{:016x}", fxhash(&input)));
                if let Ok(mut f) = std::fs::File::create(&path) {
                    let _ = f.write_all(&input);
                }
                println!(
                    "{target}: FAILED: {message}\n   input saved to {}",
                    path.display()
                );
            }
        }
    }
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

fn fxhash(b: &[u8]) -> u64 {
    b.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &x| {
        (h ^ u64::from(x)).wrapping_mul(0x0100_0000_01b3)
    })
}
