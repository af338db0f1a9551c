//! Who is calling: every RPC is authenticated by a client certificate (mTLS) or a signed bearer token (JWT),
//! as configured, and the caller's jobcenter and rights come from that credential, never from a header the
//! client picks. `mode = "none"` runs open (the embedded default for a laptop): the tenant header is then
//! trusted, every right is granted, and the server says so at start-up, in `/readyz` and in health.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{DecodingKey, Validation};
use serde::{Deserialize, Serialize};
use tonic::Status;
use tonic::metadata::MetadataMap;

use crate::context::{TENANT_HEADER, parse_tenant};
use crate::error::ServiceError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AuthMode {
    /// No authentication: anyone who reaches the port may call, and names its jobcenter in a header.
    None,
    /// TLS with client certificates signed by `client_ca`; the certificate's common name (or first DNS name)
    /// is looked up in `clients_file`.
    Mtls,
    /// `authorization: Bearer <JWT>` signed by a key in `jwt_keys_file` (a JWKS), with issuer and audience
    /// checked; the claims carry the jobcenter and rights.
    Jwt,
}

/// `[auth]` in the configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AuthConfig {
    pub mode: AuthMode,
    /// Server certificate chain (PEM); with it the server speaks TLS in any mode. Paths: empty = not set.
    pub tls_cert: PathBuf,
    /// Server private key (PEM).
    pub tls_key: PathBuf,
    /// CA certificate(s) (PEM) that sign client certificates (mTLS).
    pub client_ca: PathBuf,
    /// TOML list of known clients (mTLS): `[[client]] name, jobcenter, rights`.
    pub clients_file: PathBuf,
    /// JSON Web Key Set with the keys that sign tokens (JWT).
    pub jwt_keys_file: PathBuf,
    /// Required `iss` claim (JWT).
    pub jwt_issuer: String,
    /// Required `aud` claim (JWT).
    pub jwt_audience: String,
}

impl Default for AuthConfig {
    fn default() -> Self {
        AuthConfig {
            mode: AuthMode::None,
            tls_cert: PathBuf::new(),
            tls_key: PathBuf::new(),
            client_ca: PathBuf::new(),
            clients_file: PathBuf::new(),
            jwt_keys_file: PathBuf::new(),
            jwt_issuer: "jobmatch".into(),
            jwt_audience: "jobmatch".into(),
        }
    }
}

/// What a client may do beyond reading shared company data and working on its own jobcenter's citizens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Right {
    /// Write companies and needs (single and bulk).
    Ingest,
    /// Start a nightly rematch run.
    Rematch,
    /// Read the audit trail of its own jobcenter (the data protection officer).
    Audit,
}

/// The authenticated caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// The client's name (certificate name or token subject); logged and audited.
    pub client: String,
    /// The jobcenter (municipality code) the client belongs to; `None` for a national system.
    pub jobcenter: Option<String>,
    pub rights: BTreeSet<Right>,
    /// Authenticated by nothing (mode none).
    pub open: bool,
}

impl Principal {
    pub fn require(&self, right: Right) -> Result<(), ServiceError> {
        if self.open || self.rights.contains(&right) {
            Ok(())
        } else {
            Err(ServiceError::PermissionDenied(format!(
                "client '{}' lacks the '{}' right",
                self.client,
                serde_json::to_value(right)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default()
            )))
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AuthSetupError {
    #[error("auth.{field}: {reason}")]
    Invalid { field: &'static str, reason: String },
    #[error("auth.{field}: cannot read {path}: {source}")]
    Read {
        field: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct ClientEntry {
    name: String,
    #[serde(default)]
    jobcenter: Option<String>,
    #[serde(default)]
    rights: BTreeSet<Right>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ClientsFile {
    #[serde(default)]
    client: Vec<ClientEntry>,
}

#[derive(Debug, Deserialize)]
struct Claims {
    sub: String,
    #[serde(default)]
    jobcenter: Option<String>,
    #[serde(default)]
    rights: BTreeSet<Right>,
}

struct JwtKeys {
    /// Keys by `kid`; a token without `kid` is tried against each.
    keys: Vec<(Option<String>, DecodingKey, jsonwebtoken::Algorithm)>,
    issuer: String,
    audience: String,
}

enum Verifier {
    Open,
    Mtls(HashMap<String, Principal>),
    Jwt(JwtKeys),
}

/// Checks credentials. Cheap to clone (shared).
#[derive(Clone)]
pub struct Authenticator {
    verifier: Arc<Verifier>,
    mode: AuthMode,
}

/// A configured path, if set.
pub fn set(path: &Path) -> Option<&Path> {
    (!path.as_os_str().is_empty()).then_some(path)
}

fn read(field: &'static str, path: &Path) -> Result<Vec<u8>, AuthSetupError> {
    let path = set(path).ok_or_else(|| AuthSetupError::Invalid {
        field,
        reason: "is required in this mode".into(),
    })?;
    std::fs::read(path).map_err(|source| AuthSetupError::Read {
        field,
        path: path.to_path_buf(),
        source,
    })
}

fn check_jobcenter(field: &'static str, code: &Option<String>) -> Result<(), AuthSetupError> {
    match code {
        Some(c) if jobmatch_refdata::municipality(c).is_none() => Err(AuthSetupError::Invalid {
            field,
            reason: format!("'{c}' is not a Danish municipality code"),
        }),
        _ => Ok(()),
    }
}

fn parse_clients(bytes: &[u8]) -> Result<HashMap<String, Principal>, AuthSetupError> {
    let text = std::str::from_utf8(bytes).map_err(|_| AuthSetupError::Invalid {
        field: "clients_file",
        reason: "is not UTF-8".into(),
    })?;
    let file: ClientsFile = toml::from_str(text).map_err(|e| AuthSetupError::Invalid {
        field: "clients_file",
        reason: e.to_string(),
    })?;
    let mut clients = HashMap::new();
    for entry in file.client {
        check_jobcenter("clients_file", &entry.jobcenter)?;
        let principal = Principal {
            client: entry.name.clone(),
            jobcenter: entry.jobcenter,
            rights: entry.rights,
            open: false,
        };
        if clients.insert(entry.name.clone(), principal).is_some() {
            return Err(AuthSetupError::Invalid {
                field: "clients_file",
                reason: format!("client '{}' is listed twice", entry.name),
            });
        }
    }
    Ok(clients)
}

fn parse_jwks(bytes: &[u8], config: &AuthConfig) -> Result<JwtKeys, AuthSetupError> {
    let bad = |reason: String| AuthSetupError::Invalid {
        field: "jwt_keys_file",
        reason,
    };
    let set: JwkSet = serde_json::from_slice(bytes).map_err(|e| bad(e.to_string()))?;
    let mut keys = Vec::new();
    for jwk in &set.keys {
        let alg = jwk
            .common
            .key_algorithm
            .ok_or_else(|| bad("every key needs its \"alg\"".into()))?;
        let alg: jsonwebtoken::Algorithm = alg
            .to_string()
            .parse()
            .map_err(|_| bad(format!("algorithm {alg} cannot sign tokens")))?;
        let key = DecodingKey::from_jwk(jwk).map_err(|e| bad(e.to_string()))?;
        keys.push((jwk.common.key_id.clone(), key, alg));
    }
    if keys.is_empty() {
        return Err(bad("holds no keys".into()));
    }
    Ok(JwtKeys {
        keys,
        issuer: config.jwt_issuer.clone(),
        audience: config.jwt_audience.clone(),
    })
}

fn unauthenticated(reason: &str) -> Status {
    Status::unauthenticated(reason.to_string())
}

impl Authenticator {
    pub fn new(config: &AuthConfig) -> Result<Authenticator, AuthSetupError> {
        let verifier = match config.mode {
            AuthMode::None => Verifier::Open,
            AuthMode::Mtls => {
                if set(&config.tls_cert).is_none() || set(&config.tls_key).is_none() {
                    return Err(AuthSetupError::Invalid {
                        field: "tls_cert",
                        reason: "mTLS needs the server's tls_cert and tls_key".into(),
                    });
                }
                read("client_ca", &config.client_ca)?;
                Verifier::Mtls(parse_clients(&read("clients_file", &config.clients_file)?)?)
            }
            AuthMode::Jwt => Verifier::Jwt(parse_jwks(
                &read("jwt_keys_file", &config.jwt_keys_file)?,
                config,
            )?),
        };
        Ok(Authenticator {
            verifier: Arc::new(verifier),
            mode: config.mode,
        })
    }

    pub fn mode(&self) -> AuthMode {
        self.mode
    }

    pub fn is_open(&self) -> bool {
        self.mode == AuthMode::None
    }

    /// The caller of one request, from its TLS session (`extensions`) or its token (`meta`).
    pub fn authenticate(
        &self,
        meta: &MetadataMap,
        extensions: &tonic::Extensions,
    ) -> Result<Principal, Status> {
        match &*self.verifier {
            Verifier::Open => Ok(Principal {
                client: "anonymous".into(),
                jobcenter: None,
                rights: BTreeSet::new(),
                open: true,
            }),
            Verifier::Mtls(clients) => {
                let certs = extensions
                    .get::<tonic::transport::server::TlsConnectInfo<
                        tonic::transport::server::TcpConnectInfo,
                    >>()
                    .and_then(|info| info.peer_certs())
                    .ok_or_else(|| unauthenticated("a client certificate is required"))?;
                let leaf = certs
                    .first()
                    .ok_or_else(|| unauthenticated("a client certificate is required"))?;
                let name = certificate_name(leaf.as_ref())
                    .ok_or_else(|| unauthenticated("the client certificate names no client"))?;
                clients.get(&name).cloned().ok_or_else(|| {
                    unauthenticated("the client certificate names an unknown client")
                })
            }
            Verifier::Jwt(keys) => {
                let token = bearer(meta)?;
                verify_jwt(keys, token)
            }
        }
    }

    /// The jobcenter a request acts for: the credential's. In open mode the tenant header names it; with
    /// authentication a header that names another jobcenter is refused, so a client cannot pick a tenant.
    pub fn tenant(
        &self,
        principal: &Principal,
        meta: &MetadataMap,
    ) -> Result<Option<String>, ServiceError> {
        let header = parse_tenant(meta)?;
        if principal.open {
            return Ok(header);
        }
        match (header, &principal.jobcenter) {
            (Some(h), Some(own)) if &h != own => Err(ServiceError::PermissionDenied(format!(
                "the {TENANT_HEADER} header names another jobcenter than the credential"
            ))),
            (Some(_), None) => Err(ServiceError::PermissionDenied(format!(
                "a national client acts for no jobcenter: drop the {TENANT_HEADER} header"
            ))),
            (_, own) => Ok(own.clone()),
        }
    }
}

fn bearer(meta: &MetadataMap) -> Result<&str, Status> {
    let value = meta
        .get("authorization")
        .ok_or_else(|| unauthenticated("an 'authorization: Bearer <token>' header is required"))?;
    let value = value
        .to_str()
        .map_err(|_| unauthenticated("the authorization header is not ASCII"))?;
    let token = value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("bearer "))
        .ok_or_else(|| unauthenticated("the authorization header must be 'Bearer <token>'"))?;
    Ok(token.trim())
}

fn verify_jwt(keys: &JwtKeys, token: &str) -> Result<Principal, Status> {
    // A token's header is checked before any key is tried, so garbage costs no signature work.
    let header =
        jsonwebtoken::decode_header(token).map_err(|_| unauthenticated("malformed token"))?;
    let mut last = unauthenticated("no key verifies the token");
    for (kid, key, alg) in &keys.keys {
        if header.alg != *alg || (header.kid.is_some() && header.kid != *kid) {
            continue;
        }
        let mut validation = Validation::new(*alg);
        validation.set_issuer(&[&keys.issuer]);
        validation.set_audience(&[&keys.audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        match jsonwebtoken::decode::<Claims>(token, key, &validation) {
            Ok(data) => {
                let claims = data.claims;
                if let Some(code) = &claims.jobcenter
                    && jobmatch_refdata::municipality(code).is_none()
                {
                    return Err(unauthenticated(
                        "the token's jobcenter is not a municipality code",
                    ));
                }
                if claims.sub.is_empty() || claims.sub.len() > 128 {
                    return Err(unauthenticated("the token's subject must be 1-128 bytes"));
                }
                return Ok(Principal {
                    client: claims.sub,
                    jobcenter: claims.jobcenter,
                    rights: claims.rights,
                    open: false,
                });
            }
            Err(e) => {
                last = unauthenticated(match e.kind() {
                    jsonwebtoken::errors::ErrorKind::ExpiredSignature => "the token has expired",
                    jsonwebtoken::errors::ErrorKind::InvalidIssuer => "the token's issuer is wrong",
                    jsonwebtoken::errors::ErrorKind::InvalidAudience => {
                        "the token's audience is wrong"
                    }
                    jsonwebtoken::errors::ErrorKind::InvalidSignature => {
                        "the token's signature does not verify"
                    }
                    _ => "the token is not valid",
                });
            }
        }
    }
    Err(last)
}

/// The client name in a certificate: its subject's common name, else its first DNS name.
fn certificate_name(der: &[u8]) -> Option<String> {
    let (_, cert) = x509_parser::parse_x509_certificate(der).ok()?;
    if let Some(cn) = cert
        .subject()
        .iter_common_name()
        .next()
        .and_then(|cn| cn.as_str().ok())
    {
        return Some(cn.to_string());
    }
    let san = cert.subject_alternative_name().ok()??;
    san.value.general_names.iter().find_map(|n| match n {
        x509_parser::extensions::GeneralName::DNSName(d) => Some(d.to_string()),
        _ => None,
    })
}

/// The server's TLS settings, when it has a certificate: mTLS adds the client CA and requires client
/// certificates.
pub fn server_tls(
    config: &AuthConfig,
) -> Result<Option<tonic::transport::ServerTlsConfig>, AuthSetupError> {
    let (Some(_), Some(_)) = (set(&config.tls_cert), set(&config.tls_key)) else {
        return Ok(None);
    };
    let cert = read("tls_cert", &config.tls_cert)?;
    let key = read("tls_key", &config.tls_key)?;
    let mut tls = tonic::transport::ServerTlsConfig::new()
        .identity(tonic::transport::Identity::from_pem(cert, key));
    if config.mode == AuthMode::Mtls {
        let ca = read("client_ca", &config.client_ca)?;
        tls = tls
            .client_ca_root(tonic::transport::Certificate::from_pem(ca))
            .client_auth_optional(false);
    }
    Ok(Some(tls))
}

/// Path check used by config validation: a configured file must exist.
pub fn check_files(config: &AuthConfig) -> Result<(), AuthSetupError> {
    for (field, path) in [
        ("tls_cert", &config.tls_cert),
        ("tls_key", &config.tls_key),
        ("client_ca", &config.client_ca),
        ("clients_file", &config.clients_file),
        ("jwt_keys_file", &config.jwt_keys_file),
    ] {
        if let Some(p) = set(path)
            && !p.is_file()
        {
            return Err(AuthSetupError::Invalid {
                field,
                reason: format!("{} is not a file", p.display()),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clients_file_is_checked() {
        let ok = parse_clients(
            br#"
[[client]]
name = "aarhus"
jobcenter = "0751"
rights = ["audit"]
[[client]]
name = "national-ingest"
rights = ["ingest", "rematch"]
"#,
        )
        .unwrap();
        assert_eq!(ok["aarhus"].jobcenter.as_deref(), Some("0751"));
        assert!(ok["national-ingest"].rights.contains(&Right::Rematch));
        assert!(parse_clients(b"[[client]]\nname = \"x\"\njobcenter = \"9999\"\n").is_err());
        assert!(parse_clients(b"[[client]]\nname = \"x\"\nrights = [\"root\"]\n").is_err());
        assert!(parse_clients(b"[[client]]\nname = \"x\"\n[[client]]\nname = \"x\"\n").is_err());
    }

    #[test]
    fn rights_are_required_unless_open() {
        let mut p = Principal {
            client: "c".into(),
            jobcenter: None,
            rights: BTreeSet::new(),
            open: false,
        };
        let err = p.require(Right::Ingest).unwrap_err().to_string();
        assert!(err.contains("'ingest'"), "{err}");
        p.open = true;
        assert!(p.require(Right::Ingest).is_ok());
    }
}
