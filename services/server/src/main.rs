use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand};

// Indexing and matching allocate many short strings; mimalloc is markedly faster than glibc malloc at that.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
use jobmatch_server::bench::{self, BenchCorpus};
use jobmatch_server::commands;
use jobmatch_server::config::{Config, FlagOverrides, LogFormat};
use jobmatch_server::{App, server, telemetry};

/// jobmatch: matches citizens to company placements with paid ordinary hours.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    /// TOML configuration file (keys as in the README's configuration table).
    #[arg(long, global = true, env = "JOBMATCH_CONFIG")]
    config: Option<PathBuf>,
    /// Data directory (overrides `data_dir`).
    #[arg(long, global = true)]
    data_dir: Option<PathBuf>,
    /// Log format (overrides `log_format`).
    #[arg(long, global = true, value_parser = ["text", "json"])]
    log_format: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the gRPC server (loads demo data into an empty index unless --no-demo).
    Serve {
        /// Listen address (overrides `listen`).
        #[arg(long)]
        listen: Option<std::net::SocketAddr>,
        /// Start with an empty index instead of the demo data.
        #[arg(long)]
        no_demo: bool,
    },
    /// Ingest JSON Lines files (interchange format) into the data directory's index. Stop the server first,
    /// or use the BulkUpsert RPC against a running one.
    Ingest {
        #[arg(long)]
        companies: Option<PathBuf>,
        #[arg(long)]
        needs: Option<PathBuf>,
    },
    /// Score match quality on a corpus folder (companies, needs, citizens, qrels), beside a BM25 baseline.
    Eval {
        #[arg(long, num_args = 1..)]
        corpus: Vec<PathBuf>,
        /// Write each citizen's ranking as JSON Lines to this file (with one corpus).
        #[arg(long)]
        dump: Option<PathBuf>,
    },
    /// Measure ingest, MatchCitizen and SearchCompanies in process, and the real server over gRPC with
    /// concurrent clients and its memory (use a release build).
    Bench {
        /// Corpus folder; without it a corpus is generated.
        #[arg(long)]
        corpus: Option<PathBuf>,
        /// Needs in the generated corpus.
        #[arg(long, default_value_t = 100_000)]
        needs: usize,
        /// Citizens to match (citizens.jsonl); invalid ones are counted and skipped.
        #[arg(long)]
        citizens: PathBuf,
        #[arg(long, default_value_t = 5)]
        rounds: usize,
        /// Data directory for the benchmark's index (default: a temporary one).
        #[arg(long)]
        index_dir: Option<PathBuf>,
        /// Concurrent gRPC clients to measure with.
        #[arg(long, value_delimiter = ',', default_value = "1,4,16")]
        clients: Vec<usize>,
        /// Also load an empty server over gRPC and report its memory after the load.
        #[arg(long)]
        load: bool,
    },
    /// Run the nightly rematch: start a run over the registered citizens (of one jobcenter, or all) and work
    /// on it until it ends, or join the run in progress with --join. Exit code 4 when a run is in progress
    /// and --join is not given. With the embedded store, stop the server first (or use RematchService).
    Rematch {
        /// Only this jobcenter's citizens (municipality code).
        #[arg(long)]
        jobcenter: Option<String>,
        /// Work on the run in progress (or start one when none is).
        #[arg(long)]
        join: bool,
        /// Citizens matched at a time (default: one per search thread).
        #[arg(long)]
        concurrency: Option<usize>,
    },
    /// Load JSON Lines files into a RUNNING server over gRPC (BulkUpsert, 50,000 records per transaction).
    /// Authenticates with --cert/--key (mTLS) or the bearer token in JOBMATCH_TOKEN (JWT). Exit code 3 when
    /// some records were rejected (the rest are in).
    Load {
        /// The server: host:port, or a URL (https:// for TLS).
        #[arg(long)]
        server: String,
        #[arg(long)]
        companies: Option<PathBuf>,
        #[arg(long)]
        needs: Option<PathBuf>,
        /// CA certificate (PEM) of the server's certificate; turns TLS on.
        #[arg(long)]
        ca: Option<PathBuf>,
        /// Client certificate (PEM), for mTLS.
        #[arg(long)]
        cert: Option<PathBuf>,
        /// Client key (PEM), for mTLS.
        #[arg(long)]
        key: Option<PathBuf>,
        /// The server's name in its certificate, when it is not the host given in --server.
        #[arg(long)]
        domain: Option<String>,
    },
    /// Write a snapshot of every record to Redis and trim the change log behind it (Redis backend).
    Snapshot,
    /// Write the generated demo data set as JSON Lines.
    DemoData {
        #[arg(long, default_value = "demo-data")]
        out: PathBuf,
        /// Write the generated benchmark corpus of this many needs instead (what `bench --needs` indexes).
        #[arg(long)]
        needs: Option<usize>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let log_format = cli.log_format.as_deref().map(|f| {
        if f == "json" {
            LogFormat::Json
        } else {
            LogFormat::Text
        }
    });
    let (listen, demo) = match &cli.command {
        Command::Serve { listen, no_demo } => (*listen, no_demo.then_some(false)),
        _ => (None, None),
    };
    let flags = FlagOverrides {
        listen,
        data_dir: cli.data_dir.clone(),
        demo_data: demo,
        log_format,
    };
    let config = match Config::load(cli.config.as_deref(), flags) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    // A benchmark logs only what goes wrong: a line per request would be measured too.
    let filter = match cli.command {
        Command::Bench { .. } => "warn",
        _ => config.log_filter.as_str(),
    };
    // A benchmark measures the matcher, not the exporter; everything else exports spans when configured.
    let export = match cli.command {
        Command::Bench { .. } => Default::default(),
        _ => config.telemetry.clone(),
    };
    let trace_export = match telemetry::init_with_export(config.log_format, filter, &export) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    if trace_export.exporting() {
        tracing::info!(endpoint = %export.otlp_endpoint, "exporting spans over OTLP");
    }
    let result = match cli.command {
        Command::Serve { .. } => run_server(config),
        Command::Ingest { companies, needs } => {
            if companies.is_none() && needs.is_none() {
                eprintln!("give --companies and/or --needs");
                return ExitCode::from(2);
            }
            match commands::ingest(
                &config.data_dir,
                config.writer_memory_mb,
                companies.as_deref(),
                needs.as_deref(),
            ) {
                Ok(true) => Ok(()),
                // Good records are in; exit 3 tells scripts that some were rejected.
                Ok(false) => return ExitCode::from(3),
                Err(e) => Err(e),
            }
        }
        Command::Eval { corpus, dump } => corpus.iter().try_for_each(|c| {
            let reports = commands::evaluate_with_dump(c, config.rules.clone(), dump.as_deref())?;
            commands::print_eval(c, &reports);
            Ok(())
        }),
        Command::Bench {
            corpus,
            needs,
            citizens,
            rounds,
            index_dir,
            clients,
            load,
        } => {
            let corpus = match corpus {
                Some(dir) => BenchCorpus::Folder(dir),
                None => BenchCorpus::Generated { needs, seed: 7 },
            };
            bench::bench(bench::BenchOptions {
                corpus,
                citizens,
                rounds,
                index_dir,
                load,
                clients,
            })
        }
        Command::Rematch {
            jobcenter,
            join,
            concurrency,
        } => match commands::rematch(config, jobcenter, join, concurrency) {
            Ok(true) => Ok(()),
            Ok(false) => return ExitCode::from(4),
            Err(e) => Err(e),
        },
        Command::Load {
            server,
            companies,
            needs,
            ca,
            cert,
            key,
            domain,
        } => {
            if companies.is_none() && needs.is_none() {
                eprintln!("give --companies and/or --needs");
                return ExitCode::from(2);
            }
            let options = jobmatch_server::client::LoadOptions {
                server,
                companies,
                needs,
                ca,
                cert,
                key,
                domain,
            };
            let loaded = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()
                .map_err(anyhow::Error::from)
                .and_then(|rt| rt.block_on(jobmatch_server::client::load(options)));
            match loaded {
                Ok(true) => Ok(()),
                Ok(false) => return ExitCode::from(3),
                Err(e) => Err(e),
            }
        }
        Command::Snapshot => commands::snapshot(config),
        Command::DemoData { out, needs } => commands::demo_data(&out, needs),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run_server(config: Config) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(config.listen).await?;
        let app = Arc::new(tokio::task::block_in_place(|| App::open(config))?);
        server::serve(app, listener, server::shutdown_signal()).await
    })
}
