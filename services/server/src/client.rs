//! `jobmatch load`: a client that streams JSON Lines files into a running server over `BulkUpsert` (what the
//! Helm chart's ingest Job runs). Authenticates with a client certificate (mTLS) or the bearer token in
//! `JOBMATCH_TOKEN` (JWT).

use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use jobmatch_proto::v1::bulk_upsert_request::Record;
use jobmatch_proto::v1::company_service_client::CompanyServiceClient;
use jobmatch_proto::v1::{BulkUpsertRequest, Company, Need};
use tonic::metadata::MetadataValue;
use tonic::transport::{Certificate, ClientTlsConfig, Endpoint, Identity};

/// Records per `BulkUpsert` stream: each stream is one transaction, so a batch fails or lands whole.
const BATCH: usize = 50_000;

pub struct LoadOptions {
    /// `host:port` or a URL (`https://` for TLS).
    pub server: String,
    pub companies: Option<PathBuf>,
    pub needs: Option<PathBuf>,
    /// CA that signs the server's certificate; turns TLS on.
    pub ca: Option<PathBuf>,
    /// Client certificate and key (mTLS).
    pub cert: Option<PathBuf>,
    pub key: Option<PathBuf>,
    /// Server name in its certificate, when it differs from the host.
    pub domain: Option<String>,
}

fn read(path: &Path) -> anyhow::Result<Vec<u8>> {
    std::fs::read(path).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
}

async fn channel(o: &LoadOptions) -> anyhow::Result<tonic::transport::Channel> {
    let tls = o.ca.is_some() || o.cert.is_some();
    let url = if o.server.contains("://") {
        o.server.clone()
    } else {
        format!("{}://{}", if tls { "https" } else { "http" }, o.server)
    };
    let mut endpoint = Endpoint::from_shared(url)?.connect_timeout(Duration::from_secs(10));
    if tls {
        let mut config = ClientTlsConfig::new();
        if let Some(ca) = &o.ca {
            config = config.ca_certificate(Certificate::from_pem(read(ca)?));
        }
        match (&o.cert, &o.key) {
            (Some(c), Some(k)) => config = config.identity(Identity::from_pem(read(c)?, read(k)?)),
            (None, None) => {}
            _ => anyhow::bail!("--cert and --key go together"),
        }
        if let Some(d) = &o.domain {
            config = config.domain_name(d.clone());
        }
        endpoint = endpoint.tls_config(config)?;
    }
    Ok(endpoint.connect().await?)
}

/// The records of one file; a line that is not a record of the kind is reported and skipped.
fn records(path: &Path, company: bool, bad: &mut u64) -> anyhow::Result<Vec<BulkUpsertRequest>> {
    let file = std::fs::File::open(path).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    let mut out = Vec::new();
    for (i, line) in std::io::BufReader::new(file).lines().enumerate() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        let record = if company {
            jobmatch_indexer::ingest::parse_record::<Company>(&line, "cvr")
                .map(|(c, _)| Record::Company(c))
        } else {
            jobmatch_indexer::ingest::parse_record::<Need>(&line, "need_id")
                .map(|(n, _)| Record::Need(n))
        };
        match record {
            Ok(r) => out.push(BulkUpsertRequest { record: Some(r) }),
            Err(e) => {
                *bad += 1;
                eprintln!("{}:{}: {}: {}", path.display(), i + 1, e.field, e.reason);
            }
        }
    }
    Ok(out)
}

/// Loads the files; Ok(false) when some records were rejected (the rest are in).
pub async fn load(o: LoadOptions) -> anyhow::Result<bool> {
    let token = std::env::var("JOBMATCH_TOKEN")
        .ok()
        .filter(|t| !t.is_empty())
        .map(|t| MetadataValue::try_from(format!("Bearer {t}")))
        .transpose()
        .map_err(|_| anyhow::anyhow!("JOBMATCH_TOKEN is not a valid header value"))?;
    let mut client = CompanyServiceClient::new(channel(&o).await?);
    let mut rejected = 0u64;
    let mut all = Vec::new();
    // Companies first, so every need finds its company.
    if let Some(p) = &o.companies {
        all.extend(records(p, true, &mut rejected)?);
    }
    if let Some(p) = &o.needs {
        all.extend(records(p, false, &mut rejected)?);
    }
    let total = all.len();
    let started = Instant::now();
    let (mut companies, mut needs) = (0u64, 0u64);
    let mut rest = all.into_iter().peekable();
    while rest.peek().is_some() {
        let batch: Vec<_> = rest.by_ref().take(BATCH).collect();
        let mut req = tonic::Request::new(tokio_stream::iter(batch));
        req.set_timeout(Duration::from_secs(600));
        if let Some(t) = &token {
            req.metadata_mut().insert("authorization", t.clone());
        }
        let resp = client.bulk_upsert(req).await?.into_inner();
        companies += resp.companies_upserted;
        needs += resp.needs_upserted;
        rejected += resp.rejected;
        for e in resp.errors.iter().take(20) {
            eprintln!("rejected {}: {}: {}", e.key, e.field, e.reason);
        }
    }
    println!(
        "loaded {companies} companies and {needs} needs of {total} records, rejected {rejected}, in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    Ok(rejected == 0)
}
