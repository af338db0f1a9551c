//! Authentication, tenancy from the credential, rights, and the audit trail read back by the data protection
//! officer: mTLS with certificates made here (rcgen), and JWTs signed with a key in a JWKS file.

use std::path::Path;

use jobmatch_server::auth::AuthMode;
use jobmatch_tests::v1::audit_service_client::AuditServiceClient;
use jobmatch_tests::v1::citizen_service_client::CitizenServiceClient;
use jobmatch_tests::v1::company_service_client::CompanyServiceClient;
use jobmatch_tests::v1::{GetCitizenRequest, GetCompanyRequest, ReadAuditRequest};
use jobmatch_tests::*;
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
};
use tonic::Code;
use tonic::transport::{Certificate, Channel, ClientTlsConfig, Endpoint, Identity};

struct Pki {
    ca_pem: String,
    issuer: Issuer<'static, KeyPair>,
}

fn ca(name: &str) -> Pki {
    let key = KeyPair::generate().unwrap();
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.distinguished_name.push(DnType::CommonName, name);
    let cert = params.self_signed(&key).unwrap();
    Pki {
        ca_pem: cert.pem(),
        issuer: Issuer::new(params, key),
    }
}

/// (certificate PEM, key PEM) signed by `pki`.
fn leaf(pki: &Pki, name: &str, server: bool) -> (String, String) {
    let key = KeyPair::generate().unwrap();
    let sans = if server {
        vec!["localhost".to_string()]
    } else {
        vec![]
    };
    let mut params = CertificateParams::new(sans).unwrap();
    params.distinguished_name.push(DnType::CommonName, name);
    params.extended_key_usages = vec![if server {
        ExtendedKeyUsagePurpose::ServerAuth
    } else {
        ExtendedKeyUsagePurpose::ClientAuth
    }];
    let cert = params.signed_by(&key, &pki.issuer).unwrap();
    (cert.pem(), key.serialize_pem())
}

fn write(dir: &Path, name: &str, text: &str) -> std::path::PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

const CLIENTS: &str = r#"
[[client]]
name = "aarhus-dpo"
jobcenter = "0751"
rights = ["audit"]

[[client]]
name = "aarhus"
jobcenter = "0751"

[[client]]
name = "copenhagen"
jobcenter = "0101"

[[client]]
name = "national-ingest"
rights = ["ingest"]
"#;

async fn tls_channel(
    addr: std::net::SocketAddr,
    ca_pem: &str,
    identity: Option<(String, String)>,
) -> Result<Channel, tonic::transport::Error> {
    let mut tls = ClientTlsConfig::new()
        .ca_certificate(Certificate::from_pem(ca_pem))
        .domain_name("localhost");
    if let Some((cert, key)) = identity {
        tls = tls.identity(Identity::from_pem(cert, key));
    }
    Endpoint::from_shared(format!("https://{addr}"))?
        .tls_config(tls)?
        .connect()
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mtls_names_the_client_and_its_jobcenter() {
    let dir = tempfile::tempdir().unwrap();
    let pki = ca("jobmatch test ca");
    let (server_cert, server_key) = leaf(&pki, "jobmatch", true);
    let files = tempfile::tempdir().unwrap();
    let paths = (
        write(files.path(), "server.crt", &server_cert),
        write(files.path(), "server.key", &server_key),
        write(files.path(), "ca.crt", &pki.ca_pem),
        write(files.path(), "clients.toml", CLIENTS),
    );
    let server = TestServer::start_with(dir, false, move |c| {
        c.auth.mode = AuthMode::Mtls;
        c.auth.tls_cert = paths.0;
        c.auth.tls_key = paths.1;
        c.auth.client_ca = paths.2;
        c.auth.clients_file = paths.3;
    })
    .await;
    let addr = server.addr;

    // Without a client certificate the TLS handshake is refused.
    let refused = match tls_channel(addr, &pki.ca_pem, None).await {
        Err(_) => true,
        Ok(ch) => CompanyServiceClient::new(ch)
            .get_company(GetCompanyRequest { cvr: cvr(1) })
            .await
            .is_err(),
    };
    assert!(refused, "a call without a client certificate must fail");

    // A certificate from another CA is refused too.
    let other = ca("someone else");
    let foreign = leaf(&other, "aarhus", false);
    let refused = match tls_channel(addr, &pki.ca_pem, Some(foreign)).await {
        Err(_) => true,
        Ok(ch) => CompanyServiceClient::new(ch)
            .get_company(GetCompanyRequest { cvr: cvr(1) })
            .await
            .is_err(),
    };
    assert!(refused, "a certificate of another CA must fail");

    // A valid certificate of a client nobody registered: UNAUTHENTICATED.
    let ch = tls_channel(addr, &pki.ca_pem, Some(leaf(&pki, "stranger", false)))
        .await
        .unwrap();
    let err = CompanyServiceClient::new(ch)
        .get_company(GetCompanyRequest { cvr: cvr(1) })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::Unauthenticated, "{err:?}");

    let aarhus = tls_channel(addr, &pki.ca_pem, Some(leaf(&pki, "aarhus", false)))
        .await
        .unwrap();
    let copenhagen = tls_channel(addr, &pki.ca_pem, Some(leaf(&pki, "copenhagen", false)))
        .await
        .unwrap();
    let ingest = tls_channel(
        addr,
        &pki.ca_pem,
        Some(leaf(&pki, "national-ingest", false)),
    )
    .await
    .unwrap();
    let dpo = tls_channel(addr, &pki.ca_pem, Some(leaf(&pki, "aarhus-dpo", false)))
        .await
        .unwrap();

    // Writing companies needs the ingest right.
    let c = company(&cvr(1), "Jensen Lager ApS", "521000", "8000");
    let err = CompanyServiceClient::new(aarhus.clone())
        .upsert_company(c.clone())
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::PermissionDenied, "{err:?}");
    CompanyServiceClient::new(ingest.clone())
        .upsert_company(c)
        .await
        .unwrap();
    // Company data is shared: every authenticated client reads it.
    CompanyServiceClient::new(copenhagen.clone())
        .get_company(GetCompanyRequest { cvr: cvr(1) })
        .await
        .unwrap();

    // The jobcenter comes from the certificate: no header needed, and a header naming another is refused.
    let profile = citizen("AUTH-1", "8000", "lagermedarbejder");
    CitizenServiceClient::new(aarhus.clone())
        .upsert_citizen(profile.clone())
        .await
        .unwrap();
    let err = CitizenServiceClient::new(copenhagen.clone())
        .upsert_citizen(as_tenant(profile.clone(), "0751"))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::PermissionDenied, "{err:?}");

    // Another jobcenter's citizen looks exactly like one that does not exist.
    let other = CitizenServiceClient::new(copenhagen.clone())
        .get_citizen(GetCitizenRequest {
            citizen_ref: "AUTH-1".into(),
        })
        .await
        .unwrap_err();
    let missing = CitizenServiceClient::new(copenhagen.clone())
        .get_citizen(GetCitizenRequest {
            citizen_ref: "AUTH-404".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(other.code(), Code::NotFound);
    assert_eq!(
        other.message().replace("AUTH-1", "X"),
        missing.message().replace("AUTH-404", "X")
    );
    // A national client reaches no citizen.
    let err = CitizenServiceClient::new(ingest.clone())
        .get_citizen(GetCitizenRequest {
            citizen_ref: "AUTH-1".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::PermissionDenied);
    CitizenServiceClient::new(aarhus.clone())
        .get_citizen(GetCitizenRequest {
            citizen_ref: "AUTH-1".into(),
        })
        .await
        .unwrap();

    // The audit trail: only with the audit right, and only the caller's own jobcenter.
    let err = AuditServiceClient::new(aarhus.clone())
        .read_audit(ReadAuditRequest::default())
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::PermissionDenied);
    let trail = AuditServiceClient::new(dpo.clone())
        .read_audit(ReadAuditRequest {
            citizen_ref: "AUTH-1".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let seen: Vec<(String, String, String)> = trail
        .entries
        .iter()
        .map(|e| (e.client.clone(), e.method.clone(), e.outcome.clone()))
        .collect();
    assert_eq!(
        seen,
        vec![
            ("aarhus".into(), "UpsertCitizen".into(), "ok".into()),
            ("aarhus".into(), "GetCitizen".into(), "ok".into()),
        ],
        "copenhagen's attempts are in copenhagen's trail, not aarhus'"
    );
    assert!(trail.entries.iter().all(|e| e.jobcenter == "0751"));
    // Copenhagen's failed look at AUTH-1 is recorded in its own trail (read there by a DPO of 0101).
    let cph = server
        .app
        .store
        .read_audit(&jobmatch_store::AuditQuery {
            jobcenter: "0101".into(),
            citizen_ref: Some("AUTH-1".into()),
            from_ms: 0,
            to_ms: u64::MAX,
            limit: 10,
        })
        .await
        .unwrap();
    assert_eq!(cph.len(), 1);
    assert_eq!(cph[0].outcome, "not_found");
    // Company reads are not audited.
    assert!(trail.entries.iter().all(|e| e.method != "GetCompany"));
}

fn jwks(secret: &[u8]) -> String {
    use base64_url::encode;
    format!(
        r#"{{"keys":[{{"kty":"oct","kid":"k1","alg":"HS256","k":"{}"}}]}}"#,
        encode(secret)
    )
}

mod base64_url {
    /// RFC 4648 base64url without padding, as JWKs write keys.
    pub fn encode(bytes: &[u8]) -> String {
        const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let mut out = String::new();
        for chunk in bytes.chunks(3) {
            let n = chunk
                .iter()
                .enumerate()
                .fold(0u32, |n, (i, b)| n | (u32::from(*b) << (16 - 8 * i)));
            let chars = chunk.len() + 1;
            for i in 0..chars {
                out.push(A[((n >> (18 - 6 * i)) & 63) as usize] as char);
            }
        }
        out
    }
}

fn token(secret: &[u8], claims: serde_json::Value) -> String {
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256);
    header.kid = Some("k1".into());
    jsonwebtoken::encode(
        &header,
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(secret),
    )
    .unwrap()
}

fn code<T>(r: Result<tonic::Response<T>, tonic::Status>) -> Result<(), Code> {
    r.map(|_| ()).map_err(|e| e.code())
}

fn bearer<T>(message: T, token: &str) -> tonic::Request<T> {
    let mut r = tonic::Request::new(message);
    r.metadata_mut()
        .insert("authorization", format!("Bearer {token}").parse().unwrap());
    r
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jwt_tokens_are_checked_and_carry_the_tenant() {
    let secret = b"a test secret of thirty-two bytes!!";
    let files = tempfile::tempdir().unwrap();
    let keys = write(files.path(), "jwks.json", &jwks(secret));
    let server = TestServer::start_with(tempfile::tempdir().unwrap(), false, move |c| {
        c.auth.mode = AuthMode::Jwt;
        c.auth.jwt_keys_file = keys;
        c.auth.jwt_issuer = "test-idp".into();
        c.auth.jwt_audience = "jobmatch".into();
    })
    .await;
    let exp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        + 600;
    let good = token(
        secret,
        serde_json::json!({"sub": "aarhus-system", "iss": "test-idp", "aud": "jobmatch", "exp": exp, "jobcenter": "0751"}),
    );
    let mut companies = server.companies();
    let get = || GetCompanyRequest { cvr: cvr(1) };

    // No token, a malformed one, a wrong signature, an expired one, another audience: UNAUTHENTICATED.
    assert_eq!(
        code(companies.get_company(get()).await),
        Err(Code::Unauthenticated)
    );
    for bad in [
        "not-a-token".to_string(),
        token(
            b"another secret entirely, 32 bytes",
            serde_json::json!({"sub": "x", "iss": "test-idp", "aud": "jobmatch", "exp": exp}),
        ),
        token(
            secret,
            serde_json::json!({"sub": "x", "iss": "test-idp", "aud": "jobmatch", "exp": 1_000_000}),
        ),
        token(
            secret,
            serde_json::json!({"sub": "x", "iss": "test-idp", "aud": "someone-else", "exp": exp}),
        ),
        token(
            secret,
            serde_json::json!({"sub": "x", "iss": "evil", "aud": "jobmatch", "exp": exp}),
        ),
        token(
            secret,
            serde_json::json!({"sub": "x", "iss": "test-idp", "aud": "jobmatch", "exp": exp, "jobcenter": "9999"}),
        ),
    ] {
        let err = companies
            .get_company(bearer(get(), &bad))
            .await
            .unwrap_err();
        assert_eq!(err.code(), Code::Unauthenticated, "{bad}: {err:?}");
    }
    // A good token reads company data (NOT_FOUND here: the index is empty), but may not write it.
    assert_eq!(
        code(companies.get_company(bearer(get(), &good)).await),
        Err(Code::NotFound)
    );
    let c = company(&cvr(1), "Jensen Lager ApS", "521000", "8000");
    assert_eq!(
        code(companies.upsert_company(bearer(c.clone(), &good)).await),
        Err(Code::PermissionDenied)
    );
    let ingest = token(
        secret,
        serde_json::json!({"sub": "national", "iss": "test-idp", "aud": "jobmatch", "exp": exp, "rights": ["ingest"]}),
    );
    assert_eq!(
        code(companies.upsert_company(bearer(c, &ingest)).await),
        Ok(())
    );

    // The tenant is the token's.
    let mut citizens = server.citizens();
    citizens
        .upsert_citizen(bearer(citizen("JWT-1", "8000", "lagermedarbejder"), &good))
        .await
        .unwrap();
    let err = citizens
        .upsert_citizen(bearer(citizen("JWT-2", "1050", "lagermedarbejder"), &good))
        .await
        .unwrap_err();
    assert_eq!(
        err.code(),
        Code::PermissionDenied,
        "a citizen of another jobcenter"
    );
    // Health answers without a token (Kubernetes probes carry none).
    let mut health = tonic_health::pb::health_client::HealthClient::new(server.channel.clone());
    health
        .check(tonic_health::pb::HealthCheckRequest {
            service: String::new(),
        })
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn open_mode_keeps_the_header_tenant_and_audits_to_the_store() {
    let server = TestServer::start(false).await;
    assert!(server.app.auth.is_open());
    let mut citizens = server.citizens();
    citizens
        .upsert_citizen(as_tenant(
            citizen("OPEN-1", "8000", "lagermedarbejder"),
            "0751",
        ))
        .await
        .unwrap();
    let trail = AuditServiceClient::new(server.channel.clone())
        .read_audit(as_tenant(ReadAuditRequest::default(), "0751"))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(trail.entries.len(), 1);
    assert_eq!(trail.entries[0].client, "anonymous");
    assert_eq!(trail.entries[0].citizen_ref, "OPEN-1");
    let err = AuditServiceClient::new(server.channel.clone())
        .read_audit(as_tenant(
            ReadAuditRequest {
                from: "2026-13-01".into(),
                ..Default::default()
            },
            "0751",
        ))
        .await
        .unwrap_err();
    assert_invalid(&err, "from");
}
