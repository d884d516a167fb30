//! Where bearer tokens come from: a fixed access token, a credentials JSON
//! (service account, authorized user, external account / workload identity
//! federation, impersonated service account), or Application Default
//! Credentials; optionally impersonating a service account.
//!
//! The credential types themselves come from Google's `google-cloud-auth`
//! 1.x crate rather than `gcp_auth`: both weigh about the same (~180 crates
//! with reqwest and rustls), but only `google-cloud-auth` understands
//! `external_account` (workload identity federation, which CI systems such as
//! GitHub Actions use) and `impersonated_service_account` files, and it is
//! maintained next to Google's own client libraries. Impersonation requested
//! through the provider's `impersonate_service_account` is done here instead
//! ([`Impersonated`]): the crate cannot send `generateAccessToken` to a custom
//! IAM Credentials endpoint, and `iam_credentials_custom_endpoint` must work.
//!
//! Error texts never contain a token, a key or a credentials file's content.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use google_cloud_auth::credentials::{
    external_account, external_account_authorized_user, impersonated, mds, service_account,
    user_account, AccessTokenCredentials,
};
use tokio_util::sync::CancellationToken;

use super::{ApiError, GoogleClient, Op};

// The token-source side lives in a leaf module the HTTP layer can import
// without reaching up to the credentials; re-exported so callers keep one path.
pub use super::token_source::{shared, NoTokens, StaticToken, TokenSource};

/// The one OAuth scope every call here needs.
pub const CLOUD_PLATFORM_SCOPE: &str = "https://www.googleapis.com/auth/cloud-platform";

/// How long impersonated tokens are asked to live.
const IMPERSONATION_LIFETIME: Duration = Duration::from_secs(3600);

/// An impersonated token is replaced this long before it expires, so that a
/// request never starts with a token about to run out.
const REFRESH_MARGIN: Duration = Duration::from_secs(300);

/// Bound of one `generateAccessToken` exchange, retries included.
const IMPERSONATION_DEADLINE: Duration = Duration::from_secs(120);

/// What to build `google-cloud-auth` credentials from.
#[derive(Clone)]
enum Recipe {
    /// A credentials JSON of a supported `type`.
    Json(serde_json::Value),
    /// The metadata server, at an overridden host when given.
    Metadata(Option<String>),
}

/// The JSON holds private keys and refresh tokens: only its `type` is shown.
impl std::fmt::Debug for Recipe {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Recipe::Json(value) => f
                .debug_tuple("Json")
                .field(
                    &value
                        .get("type")
                        .and_then(|t| t.as_str())
                        .unwrap_or_default(),
                )
                .finish(),
            Recipe::Metadata(endpoint) => f.debug_tuple("Metadata").field(endpoint).finish(),
        }
    }
}

/// Tokens from `google-cloud-auth` credentials (which cache and refresh them).
///
/// The credentials are built on the first `token()` call, not before: the
/// crate starts fetching a token in a background task as soon as they are
/// built, and validation and plans with unknown values must not touch the
/// network.
pub struct GoogleAuthTokens {
    /// How to build the credentials.
    recipe: Recipe,
    /// What they are, for error messages, e.g. `service account key (credentials)`.
    description: String,
    /// The credentials once built, or why they could not be.
    credentials: tokio::sync::OnceCell<Result<AccessTokenCredentials, String>>,
}

/// Shows what the credentials are, never their content or a token.
impl std::fmt::Debug for GoogleAuthTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GoogleAuthTokens")
            .field("recipe", &self.recipe)
            .field("description", &self.description)
            .field("built", &self.credentials.initialized())
            .finish()
    }
}

#[async_trait]
impl TokenSource for GoogleAuthTokens {
    async fn token(&self) -> Result<String, ApiError> {
        let built = self
            .credentials
            .get_or_init(|| async { self.build() })
            .await;
        let credentials = built.as_ref().map_err(|e| ApiError::Auth(e.clone()))?;
        match credentials.access_token().await {
            Ok(t) => Ok(t.token),
            Err(e) => Err(ApiError::Auth(format!(
                "cannot get an access token from the {}: {e}",
                self.description
            ))),
        }
    }
}

impl GoogleAuthTokens {
    /// What the credentials are, e.g. `service account key (credentials)`.
    pub fn description(&self) -> &str {
        &self.description
    }

    /// Builds the credentials (spawns the crate's refresh task).
    fn build(&self) -> Result<AccessTokenCredentials, String> {
        // The crate's HTTP clients and its JWT signer take rustls' process
        // default provider and panic without one.
        super::crypto::install();
        let scopes = [CLOUD_PLATFORM_SCOPE];
        let (built, kind) = match &self.recipe {
            Recipe::Metadata(endpoint) => {
                let mut builder = mds::Builder::default().with_scopes(scopes);
                if let Some(endpoint) = endpoint {
                    builder = builder.with_endpoint(endpoint.clone());
                }
                (builder.build_access_token_credentials(), "metadata server")
            }
            Recipe::Json(value) => {
                let kind = value
                    .get("type")
                    .and_then(|t| t.as_str())
                    .unwrap_or_default();
                let value = value.clone();
                let built = match kind {
                    "service_account" => service_account::Builder::new(value)
                        .with_access_specifier(service_account::AccessSpecifier::from_scopes(
                            scopes,
                        ))
                        .build_access_token_credentials(),
                    "authorized_user" => user_account::Builder::new(value)
                        .with_scopes(scopes)
                        .build_access_token_credentials(),
                    "external_account" => external_account::Builder::new(value)
                        .with_scopes(scopes)
                        .build_access_token_credentials(),
                    "external_account_authorized_user" => {
                        external_account_authorized_user::Builder::new(value)
                            .build_access_token_credentials()
                    }
                    _ => impersonated::Builder::new(value)
                        .with_scopes(scopes)
                        .build_access_token_credentials(),
                };
                (built, describe(kind))
            }
        };
        built.map_err(|e| {
            let why = if e.is_missing_field() {
                "a required field is missing or empty"
            } else if e.is_parsing() {
                "a field has the wrong form"
            } else if e.is_not_supported() {
                "this variant is not supported"
            } else {
                "they cannot be loaded"
            };
            format!("the {kind} in {} are not usable: {why}", self.description)
        })
    }
}

/// Fields each credentials type cannot work without, checked up front so
/// that ValidateProviderConfig can point at the problem without a network call.
fn required_fields(kind: &str) -> Option<&'static [&'static str]> {
    Some(match kind {
        "service_account" => &["client_email", "private_key"],
        "authorized_user" => &["client_id", "client_secret", "refresh_token"],
        "external_account" => &["audience", "subject_token_type", "token_url"],
        "external_account_authorized_user" => &[
            "audience",
            "client_id",
            "client_secret",
            "refresh_token",
            "token_url",
        ],
        "impersonated_service_account" => {
            &["service_account_impersonation_url", "source_credentials"]
        }
        _ => return None,
    })
}

/// Human name of a credentials type.
fn describe(kind: &str) -> &'static str {
    match kind {
        "service_account" => "service account key",
        "authorized_user" => "authorized user credentials",
        "external_account" => "workload identity federation (external_account) credentials",
        "external_account_authorized_user" => "external account authorized user credentials",
        "impersonated_service_account" => "impersonated service account credentials",
        _ => "credentials",
    }
}

/// Checks the text of a credentials JSON file and makes a token source of it
/// (no network call until the first token). `origin` says where it came from
/// (e.g. `credentials`, a path) for messages. The error never quotes the JSON.
pub fn from_credentials_json(json: &str, origin: &str) -> Result<GoogleAuthTokens, String> {
    let value: serde_json::Value = serde_json::from_str(json).map_err(|e| {
        format!(
            "the credentials from {origin} are not valid JSON (line {}, column {})",
            e.line(),
            e.column()
        )
    })?;
    let Some(object) = value.as_object() else {
        return Err(format!(
            "the credentials from {origin} are not a JSON object"
        ));
    };
    let kind = object
        .get("type")
        .and_then(|t| t.as_str())
        .unwrap_or_default()
        .to_string();
    let Some(required) = required_fields(&kind) else {
        let shown = if kind.is_empty() {
            "no \"type\"".to_string()
        } else {
            format!("type {kind:?}")
        };
        return Err(format!(
            "the credentials from {origin} have {shown}; supported are service_account, authorized_user, \
             external_account, external_account_authorized_user and impersonated_service_account"
        ));
    };
    let missing: Vec<&str> = required
        .iter()
        .copied()
        .filter(|f| !object.contains_key(*f))
        .collect();
    if !missing.is_empty() {
        return Err(format!(
            "the {} from {origin} lack {}",
            describe(&kind),
            missing.join(", ")
        ));
    }
    Ok(GoogleAuthTokens {
        recipe: Recipe::Json(value),
        description: format!("{} ({origin})", describe(&kind)),
        credentials: tokio::sync::OnceCell::new(),
    })
}

/// Reads a credentials file, with an error that names the path but not the content.
pub fn read_credentials_file(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| {
        let why = match e.kind() {
            std::io::ErrorKind::NotFound => "no such file".to_string(),
            std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
            std::io::ErrorKind::InvalidData => "not UTF-8 text".to_string(),
            _ => e.to_string(),
        };
        format!("cannot read the credentials file {}: {why}", path.display())
    })
}

/// Application Default Credentials, as Google's libraries find them:
/// `GOOGLE_APPLICATION_CREDENTIALS`, then gcloud's
/// `application_default_credentials.json` (under `CLOUDSDK_CONFIG` or
/// `~/.config/gcloud`), then the metadata server. `env` reads the environment
/// so that tests do not race on the process environment.
pub fn application_default(
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<GoogleAuthTokens, String> {
    if let Some(path) = env("GOOGLE_APPLICATION_CREDENTIALS").filter(|p| !p.trim().is_empty()) {
        let text = read_credentials_file(Path::new(&path))
            .map_err(|e| format!("{e} (named by GOOGLE_APPLICATION_CREDENTIALS)"))?;
        return from_credentials_json(
            &text,
            &format!("GOOGLE_APPLICATION_CREDENTIALS file {path}"),
        );
    }
    if let Some(path) = gcloud_adc_path(env) {
        if path.is_file() {
            let text = read_credentials_file(&path)?;
            return from_credentials_json(
                &text,
                &format!("gcloud application default credentials {}", path.display()),
            );
        }
    }
    let endpoint = env("GCE_METADATA_HOST")
        .filter(|h| !h.trim().is_empty())
        .map(|h| format!("http://{}", h.trim()));
    Ok(GoogleAuthTokens {
        recipe: Recipe::Metadata(endpoint),
        credentials: tokio::sync::OnceCell::new(),
        description: "metadata server (no credentials, access_token, GOOGLE_APPLICATION_CREDENTIALS or gcloud \
                      application default credentials were found; run `gcloud auth application-default login` \
                      outside Google Cloud)"
            .to_string(),
    })
}

/// gcloud's ADC file: `$CLOUDSDK_CONFIG/application_default_credentials.json`,
/// else `$HOME/.config/gcloud/application_default_credentials.json`.
fn gcloud_adc_path(env: &dyn Fn(&str) -> Option<String>) -> Option<PathBuf> {
    let dir = match env("CLOUDSDK_CONFIG").filter(|d| !d.is_empty()) {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(env("HOME").filter(|h| !h.is_empty())?)
            .join(".config")
            .join("gcloud"),
    };
    Some(dir.join("application_default_credentials.json"))
}

/// A token cached by [`Impersonated`].
struct CachedToken {
    /// The impersonated access token.
    token: String,
    /// When to ask for a new one.
    refresh_at: Instant,
}

/// Tokens of a service account, minted by IAM Credentials `generateAccessToken`
/// with the source credentials of `client`, cached until shortly before expiry.
pub struct Impersonated {
    /// Client authenticated as the source principal, pointed at IAM Credentials.
    client: GoogleClient,
    /// Email of the service account to act as.
    target: String,
    /// The current token; the async mutex makes concurrent callers share one refresh.
    cache: tokio::sync::Mutex<Option<CachedToken>>,
}

impl Impersonated {
    /// Impersonates `target` using `client`'s credentials.
    pub fn new(client: GoogleClient, target: impl Into<String>) -> Impersonated {
        Impersonated {
            client,
            target: target.into(),
            cache: tokio::sync::Mutex::new(None),
        }
    }
}

#[async_trait]
impl TokenSource for Impersonated {
    async fn token(&self) -> Result<String, ApiError> {
        let mut cache = self.cache.lock().await;
        if let Some(cached) = cache.as_ref() {
            if Instant::now() < cached.refresh_at {
                return Ok(cached.token.clone());
            }
        }
        let started = Instant::now();
        let op = Op::new(IMPERSONATION_DEADLINE, CancellationToken::new());
        let token = self
            .client
            .generate_access_token(
                &op,
                &self.target,
                &[CLOUD_PLATFORM_SCOPE],
                IMPERSONATION_LIFETIME,
            )
            .await
            .map_err(|e| {
                ApiError::Auth(format!(
                    "cannot impersonate service account {}: {e}",
                    self.target
                ))
            })?;
        let refresh_at = started + IMPERSONATION_LIFETIME.saturating_sub(REFRESH_MARGIN);
        *cache = Some(CachedToken {
            token: token.clone(),
            refresh_at,
        });
        Ok(token)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| map.get(k).cloned()
    }

    const SECRETISH: &str = "do-not-print-me";

    #[test]
    fn each_json_type_is_recognised() {
        let cases = [
            serde_json::json!({"type":"service_account","client_email":"sa@p.iam.gserviceaccount.com","private_key":"-----BEGIN PRIVATE KEY-----\nMII\n-----END PRIVATE KEY-----\n","project_id":"p"}),
            serde_json::json!({"type":"authorized_user","client_id":"c","client_secret":"s","refresh_token":"r"}),
            serde_json::json!({"type":"external_account","audience":"//iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/p/providers/g","subject_token_type":"urn:ietf:params:oauth:token-type:jwt","token_url":"https://sts.googleapis.com/v1/token","credential_source":{"file":"/tmp/token"}}),
            serde_json::json!({"type":"impersonated_service_account","service_account_impersonation_url":"https://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/t@p.iam.gserviceaccount.com:generateAccessToken","source_credentials":{"type":"authorized_user","client_id":"c","client_secret":"s","refresh_token":"r"}}),
        ];
        for json in cases {
            let kind = json["type"].as_str().unwrap_or_default().to_string();
            let source = from_credentials_json(&json.to_string(), "credentials")
                .unwrap_or_else(|e| panic!("{kind}: {e}"));
            assert!(source.description().starts_with(describe(&kind)), "{kind}");
        }
    }

    #[test]
    fn bad_json_is_refused_without_quoting_it() {
        let bad = [
            format!("{{\"type\": \"service_account\", \"private_key\": \"{SECRETISH}\""),
            format!("[\"{SECRETISH}\"]"),
            format!("{{\"type\": \"service_account\", \"private_key\": \"{SECRETISH}\"}}"),
            format!("{{\"type\": 7, \"private_key\": \"{SECRETISH}\"}}"),
        ];
        for text in bad {
            let e = from_credentials_json(&text, "credentials").expect_err("refused");
            assert!(!e.contains(SECRETISH), "{e}");
        }
        let e = from_credentials_json(
            &format!("{{\"type\":\"service_account\",\"private_key\":\"{SECRETISH}\"}}"),
            "x",
        )
        .expect_err("refused");
        assert!(e.contains("lack client_email"), "{e}");
        let e =
            from_credentials_json(r#"{"type":"gdch_service_account"}"#, "x").expect_err("refused");
        assert!(
            e.contains("gdch_service_account") && e.contains("supported are"),
            "{e}"
        );
    }

    #[test]
    fn debug_never_shows_the_credentials() {
        let json = serde_json::json!({"type":"authorized_user","client_id":"c","client_secret":SECRETISH,"refresh_token":SECRETISH});
        let source = from_credentials_json(&json.to_string(), "credentials").expect("accepted");
        let shown = format!("{source:?}");
        assert!(!shown.contains(SECRETISH), "{shown}");
        assert!(shown.contains("authorized_user"), "{shown}");
    }

    #[test]
    fn adc_prefers_google_application_credentials() {
        let dir = tempfile::tempdir().expect("tempdir");
        let key = dir.path().join("key.json");
        std::fs::write(
            &key,
            r#"{"type":"authorized_user","client_id":"c","client_secret":"s","refresh_token":"r"}"#,
        )
        .expect("write");
        let gcloud = dir.path().join("gcloud");
        std::fs::create_dir_all(&gcloud).expect("mkdir");
        std::fs::write(
            gcloud.join("application_default_credentials.json"),
            r#"{"type":"external_account","audience":"a","subject_token_type":"t","token_url":"https://sts.googleapis.com/v1/token","credential_source":{"file":"/tmp/t"}}"#,
        )
        .expect("write");
        let key_path = key.to_string_lossy().to_string();
        let gcloud_path = gcloud.to_string_lossy().to_string();
        let env = env_of(&[
            ("GOOGLE_APPLICATION_CREDENTIALS", &key_path),
            ("CLOUDSDK_CONFIG", &gcloud_path),
        ]);
        let source = application_default(&env).expect("found");
        assert!(
            source
                .description()
                .contains("GOOGLE_APPLICATION_CREDENTIALS"),
            "{}",
            source.description()
        );

        let env = env_of(&[("CLOUDSDK_CONFIG", &gcloud_path)]);
        let source = application_default(&env).expect("found");
        assert!(
            source.description().contains("gcloud application default"),
            "{}",
            source.description()
        );
        assert!(
            source.description().contains("workload identity"),
            "{}",
            source.description()
        );

        let empty = dir.path().join("empty").to_string_lossy().to_string();
        let env = env_of(&[("CLOUDSDK_CONFIG", &empty)]);
        assert!(application_default(&env)
            .expect("metadata server")
            .description()
            .starts_with("metadata server"));
    }

    #[test]
    fn adc_with_a_missing_file_is_an_error_naming_it() {
        let env = env_of(&[("GOOGLE_APPLICATION_CREDENTIALS", "/nonexistent/key.json")]);
        let e = application_default(&env).expect_err("refused");
        assert!(
            e.contains("/nonexistent/key.json") && e.contains("GOOGLE_APPLICATION_CREDENTIALS"),
            "{e}"
        );
    }

    #[tokio::test]
    async fn static_and_unavailable_sources() {
        assert_eq!(
            StaticToken::new("t").token().await.ok().as_deref(),
            Some("t")
        );
        assert!(!format!("{:?}", StaticToken::new(SECRETISH)).contains(SECRETISH));
        let e = NoTokens::new("not configured")
            .token()
            .await
            .expect_err("fails");
        assert!(e.to_string().contains("not configured"));
    }
}
