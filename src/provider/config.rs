//! The provider configuration as typed settings: each attribute from the
//! configuration, else from the Google provider's environment variables, and
//! the checks that need no network (ValidateProviderConfig).

use std::path::PathBuf;
use std::time::Duration;

use crate::google::auth;
use crate::google::endpoints::{is_clear_text_to_remote, normalize_root};
use crate::tfplugin::{Diagnostics, Value};

use super::duration::parse_duration;

/// Reads an environment variable; injected so that tests never race on the
/// process environment.
pub type Env = dyn Fn(&str) -> Option<String> + Send + Sync;

/// Default timeout of one HTTP request.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(60);

/// Where a setting's value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Setting {
    /// Neither configured nor in the environment.
    Unset,
    /// Configured from a value not known until apply.
    Unknown,
    /// Written in the provider block.
    Config(String),
    /// Taken from the named environment variable.
    Env(&'static str, String),
}

impl Setting {
    /// The value, when known.
    pub fn value(&self) -> Option<&str> {
        match self {
            Setting::Config(v) | Setting::Env(_, v) => Some(v),
            _ => None,
        }
    }
    /// True when set in the provider block itself.
    pub fn is_configured(&self) -> bool {
        matches!(self, Setting::Config(_))
    }
    /// Where the value came from, for messages.
    pub fn origin(&self, attribute: &str) -> String {
        match self {
            Setting::Env(var, _) => format!("the {var} environment variable"),
            _ => format!("`{attribute}`"),
        }
    }
}

/// Every provider attribute with its environment variables, in the Google
/// provider's order of precedence.
pub const ENV_FALLBACKS: &[(&str, &[&str])] = &[
    (
        "project",
        &[
            "GOOGLE_PROJECT",
            "GOOGLE_CLOUD_PROJECT",
            "GCLOUD_PROJECT",
            "CLOUDSDK_CORE_PROJECT",
        ],
    ),
    (
        "credentials",
        &[
            "GOOGLE_CREDENTIALS",
            "GOOGLE_CLOUD_KEYFILE_JSON",
            "GCLOUD_KEYFILE_JSON",
        ],
    ),
    ("access_token", &["GOOGLE_OAUTH_ACCESS_TOKEN"]),
    (
        "impersonate_service_account",
        &["GOOGLE_IMPERSONATE_SERVICE_ACCOUNT"],
    ),
    ("billing_project", &["GOOGLE_BILLING_PROJECT"]),
    ("user_project_override", &["USER_PROJECT_OVERRIDE"]),
    ("request_timeout", &[]),
    (
        "secret_manager_custom_endpoint",
        &["GOOGLE_SECRET_MANAGER_CUSTOM_ENDPOINT"],
    ),
    (
        "artifact_registry_custom_endpoint",
        &["GOOGLE_ARTIFACT_REGISTRY_CUSTOM_ENDPOINT"],
    ),
    (
        "resource_manager_custom_endpoint",
        &["GOOGLE_RESOURCE_MANAGER_CUSTOM_ENDPOINT"],
    ),
    (
        "service_usage_custom_endpoint",
        &["GOOGLE_SERVICE_USAGE_CUSTOM_ENDPOINT"],
    ),
    (
        "iam_credentials_custom_endpoint",
        &["GOOGLE_IAM_CREDENTIALS_CUSTOM_ENDPOINT"],
    ),
    // No environment variable: sending tokens in clear text must be written down.
    ("insecure_endpoints", &[]),
];

/// The endpoint attributes, in [`crate::google::Endpoints`] field order.
pub const ENDPOINT_ATTRIBUTES: [&str; 5] = [
    "secret_manager_custom_endpoint",
    "artifact_registry_custom_endpoint",
    "resource_manager_custom_endpoint",
    "service_usage_custom_endpoint",
    "iam_credentials_custom_endpoint",
];

/// The provider configuration after environment fallbacks.
#[derive(Clone)]
pub struct ProviderConfig {
    /// `project`.
    pub project: Setting,
    /// `credentials`: JSON text or a path.
    pub credentials: Setting,
    /// `access_token`.
    pub access_token: Setting,
    /// `impersonate_service_account`.
    pub impersonate_service_account: Setting,
    /// `billing_project`.
    pub billing_project: Setting,
    /// `user_project_override`, as text (`true`, `1`, ...) when from the environment.
    pub user_project_override: Setting,
    /// `request_timeout`.
    pub request_timeout: Setting,
    /// The five `*_custom_endpoint` settings, in [`ENDPOINT_ATTRIBUTES`] order.
    pub endpoints: [Setting; 5],
    /// `insecure_endpoints`: `http://` endpoints on other machines allowed.
    pub insecure_endpoints: Setting,
}

/// `credentials` and `access_token` are secrets: Debug shows only where they came from.
impl std::fmt::Debug for ProviderConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProviderConfig")
            .field("project", &self.project)
            .field("credentials", &Redacted(&self.credentials))
            .field("access_token", &Redacted(&self.access_token))
            .field(
                "impersonate_service_account",
                &self.impersonate_service_account,
            )
            .field("billing_project", &self.billing_project)
            .field("user_project_override", &self.user_project_override)
            .field("request_timeout", &self.request_timeout)
            .field("endpoints", &self.endpoints)
            .field("insecure_endpoints", &self.insecure_endpoints)
            .finish()
    }
}

/// Debug of a secret [`Setting`]: its kind and origin, never its value.
struct Redacted<'a>(&'a Setting);

impl std::fmt::Debug for Redacted<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            Setting::Unset => f.write_str("Unset"),
            Setting::Unknown => f.write_str("Unknown"),
            Setting::Config(_) => f.write_str("Config([redacted])"),
            Setting::Env(var, _) => write!(f, "Env({var:?}, [redacted])"),
        }
    }
}

/// A string attribute with its environment fallbacks. An empty string counts
/// as unset, as in the Google provider.
fn read(config: &Value, attribute: &str, env: &Env) -> Setting {
    match config.attr(attribute) {
        Value::Unknown => return Setting::Unknown,
        Value::String(s) if !s.is_empty() => return Setting::Config(s.clone()),
        Value::Bool(b) => return Setting::Config(b.to_string()),
        _ => {}
    }
    let vars = ENV_FALLBACKS
        .iter()
        .find(|(a, _)| *a == attribute)
        .map_or(&[][..], |(_, v)| *v);
    for var in vars {
        if let Some(v) = env(var).filter(|v| !v.trim().is_empty()) {
            return Setting::Env(var, v);
        }
    }
    Setting::Unset
}

/// Go's `strconv.ParseBool`, which the Google provider applies to `USER_PROJECT_OVERRIDE`.
pub fn parse_bool(text: &str) -> Option<bool> {
    match text.trim() {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Some(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Some(false),
        _ => None,
    }
}

/// How the credentials will be obtained.
#[derive(Clone, PartialEq, Eq)]
pub enum CredentialChoice {
    /// A fixed access token.
    AccessToken(String),
    /// Credentials JSON text; the second field says where it came from.
    Json(String, String),
    /// Application Default Credentials.
    ApplicationDefault,
}

/// The token and the JSON are secrets: Debug shows only which choice and its origin.
impl std::fmt::Debug for CredentialChoice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CredentialChoice::AccessToken(_) => f.write_str("AccessToken([redacted])"),
            CredentialChoice::Json(_, origin) => write!(f, "Json([redacted], {origin:?})"),
            CredentialChoice::ApplicationDefault => f.write_str("ApplicationDefault"),
        }
    }
}

impl ProviderConfig {
    /// Reads every attribute of `config`, falling back to `env`.
    pub fn from_value(config: &Value, env: &Env) -> ProviderConfig {
        ProviderConfig {
            project: read(config, "project", env),
            credentials: read(config, "credentials", env),
            access_token: read(config, "access_token", env),
            impersonate_service_account: read(config, "impersonate_service_account", env),
            billing_project: read(config, "billing_project", env),
            user_project_override: read(config, "user_project_override", env),
            request_timeout: read(config, "request_timeout", env),
            endpoints: ENDPOINT_ATTRIBUTES.map(|a| read(config, a, env)),
            insecure_endpoints: read(config, "insecure_endpoints", env),
        }
    }

    /// A digest naming this configuration, every setting included (the
    /// credentials and access token too, only as input to SHA-256): answers
    /// kept for one configuration are never used by another, such as a
    /// provider block with other credentials or endpoints.
    pub fn fingerprint(&self) -> String {
        let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
        ctx.update(b"pypi-provider-configuration-v1");
        for setting in self.settings() {
            // Length-prefixed, so that no two configurations feed the same bytes.
            let text = setting.value().unwrap_or("");
            let tag: &[u8] = match setting {
                Setting::Unset => b"u",
                Setting::Unknown => b"?",
                Setting::Config(_) => b"c",
                Setting::Env(..) => b"e",
            };
            ctx.update(tag);
            ctx.update(&(text.len() as u64).to_le_bytes());
            ctx.update(text.as_bytes());
        }
        ctx.finish().as_ref()[..16]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    /// True when no setting waits for a value known only at apply.
    pub fn is_known(&self) -> bool {
        self.settings().all(|s| *s != Setting::Unknown)
    }

    /// Every setting, endpoints last.
    fn settings(&self) -> impl Iterator<Item = &Setting> {
        [
            &self.project,
            &self.credentials,
            &self.access_token,
            &self.impersonate_service_account,
            &self.billing_project,
            &self.user_project_override,
            &self.request_timeout,
            &self.insecure_endpoints,
        ]
        .into_iter()
        .chain(self.endpoints.iter())
    }

    /// Every check that needs no network; errors point at the attribute.
    /// Unknown values are skipped (they are checked again at apply).
    pub fn validate(&self, env: &Env) -> Diagnostics {
        let mut diags = Diagnostics::default();
        if self.credentials.is_configured() && self.access_token.is_configured() {
            diags.attr_error(
                "credentials",
                "Conflicting credentials",
                "Set either `credentials` or `access_token` in the provider block, not both.",
            );
        } else if let Err(e) = self.credential_choice(env) {
            diags.attr_error(
                "credentials",
                "Invalid credentials",
                format!(
                    "{e}. Give the contents of, or the path to, a Google credentials JSON file."
                ),
            );
        }
        if let Err(e) = self.timeout() {
            diags.attr_error("request_timeout", "Invalid request_timeout", e);
        }
        if let Err(e) = self.user_project_override_value() {
            diags.attr_error("user_project_override", "Invalid user_project_override", e);
        }
        for (attribute, setting) in ENDPOINT_ATTRIBUTES.iter().zip(&self.endpoints) {
            let Some(value) = setting.value() else {
                continue;
            };
            match normalize_root(value) {
                Err(e) => diags.attr_error(
                    attribute,
                    "Invalid endpoint",
                    format!("{} from {}: {e}. Give a service root such as `https://host/` or `http://127.0.0.1:8085/`.", attribute, setting.origin(attribute)),
                ),
                // An unknown opt-in is checked again at apply.
                Ok(root)
                    if is_clear_text_to_remote(&root)
                        && self.insecure_endpoints_allowed() == Some(false) =>
                {
                    diags.attr_error(
                        attribute,
                        "Unencrypted endpoint",
                        format!(
                            "{attribute} from {} is {root}: plain http:// to a host that is not this machine's \
                             loopback (127.0.0.0/8, ::1, localhost), so the Google access token and the PyPI token \
                             would travel in clear text. Use https://, or, for a test set-up only, set \
                             `insecure_endpoints = true` in the provider block.",
                            setting.origin(attribute)
                        ),
                    );
                }
                Ok(_) => {}
            }
        }
        for (attribute, setting) in [
            ("project", &self.project),
            ("billing_project", &self.billing_project),
            (
                "impersonate_service_account",
                &self.impersonate_service_account,
            ),
        ] {
            if setting
                .value()
                .is_some_and(|v| v.trim() != v || v.contains(char::is_whitespace))
            {
                diags.attr_error(
                    attribute,
                    format!("Invalid {attribute}"),
                    format!(
                        "The value from {} contains spaces.",
                        setting.origin(attribute)
                    ),
                );
            }
        }
        if self.user_project_override_value() == Ok(true)
            && self.billing_project.value().is_none()
            && self.project.value().is_none()
            && self.billing_project != Setting::Unknown
            && self.project != Setting::Unknown
        {
            diags.attr_warning(
                "user_project_override",
                "user_project_override has no project to bill",
                "Set `billing_project` (or `project`); until then no X-Goog-User-Project header is sent.",
            );
        }
        diags
    }

    /// `insecure_endpoints`, defaulted to false; `None` while unknown.
    pub fn insecure_endpoints_allowed(&self) -> Option<bool> {
        match &self.insecure_endpoints {
            Setting::Unknown => None,
            setting => Some(setting.value().and_then(parse_bool) == Some(true)),
        }
    }

    /// ConfigureProvider's warning when `insecure_endpoints` is set: what it
    /// allows, and which endpoints it applies to.
    pub fn warn_insecure_endpoints(&self, diags: &mut Diagnostics) {
        if self.insecure_endpoints_allowed() != Some(true) {
            return;
        }
        let affected: Vec<String> = ENDPOINT_ATTRIBUTES
            .iter()
            .zip(&self.endpoints)
            .filter_map(|(attribute, setting)| {
                let root = normalize_root(setting.value()?).ok()?;
                is_clear_text_to_remote(&root).then(|| format!("{attribute} ({root})"))
            })
            .collect();
        let applies = if affected.is_empty() {
            "No endpoint uses it now.".to_string()
        } else {
            format!("It applies to {}.", affected.join(", "))
        };
        diags.attr_warning(
            "insecure_endpoints",
            "Endpoints without TLS are allowed",
            format!(
                "`insecure_endpoints = true` lets `http://` endpoints on other machines be used: requests to them \
                 send the Google access token and the PyPI token in clear text. Use it for test set-ups only. \
                 {applies}"
            ),
        );
    }

    /// The request timeout, defaulted.
    pub fn timeout(&self) -> Result<Duration, String> {
        let Some(text) = self.request_timeout.value() else {
            return Ok(DEFAULT_REQUEST_TIMEOUT);
        };
        let d = parse_duration(text).map_err(|e| format!("request_timeout {e}"))?;
        if d.is_zero() {
            return Err("request_timeout must be longer than zero".into());
        }
        Ok(d)
    }

    /// `user_project_override`, defaulted to false.
    pub fn user_project_override_value(&self) -> Result<bool, String> {
        match self.user_project_override.value() {
            None => Ok(false),
            Some(text) => parse_bool(text).ok_or_else(|| {
                format!(
                    "{} is {text:?}; use true or false",
                    self.user_project_override.origin("user_project_override")
                )
            }),
        }
    }

    /// The `X-Goog-User-Project` to send: only with `user_project_override`,
    /// the billing project, else the provider's project (Google provider rules).
    pub fn user_project(&self) -> Option<String> {
        if self.user_project_override_value() != Ok(true) {
            return None;
        }
        self.billing_project
            .value()
            .or(self.project.value())
            .map(str::to_string)
    }

    /// Which credentials to use, in the Google provider's precedence:
    /// `access_token`, then `credentials` (JSON text or a file), then ADC;
    /// a value written in the provider block beats one from the environment.
    /// Reads a credentials file; the error never quotes its content.
    pub fn credential_choice(&self, env: &Env) -> Result<CredentialChoice, String> {
        let token_first = self.access_token.is_configured() || !self.credentials.is_configured();
        if let Some(token) = self.access_token.value().filter(|_| token_first) {
            return Ok(CredentialChoice::AccessToken(token.to_string()));
        }
        let Some(value) = self.credentials.value() else {
            return Ok(CredentialChoice::ApplicationDefault);
        };
        let origin = self.credentials.origin("credentials");
        let json = if value.trim_start().starts_with('{') {
            value.to_string()
        } else {
            auth::read_credentials_file(&expand_home(value.trim(), env))
                .map_err(|e| format!("{e} (from {origin})"))?
        };
        // Built once here so that a bad file is reported at validation, without a network call.
        auth::from_credentials_json(&json, &origin)?;
        Ok(CredentialChoice::Json(json, origin))
    }
}

/// `~/x` → `$HOME/x`, as the Google provider's path handling does.
fn expand_home(path: &str, env: &Env) -> PathBuf {
    match (path.strip_prefix("~/"), env("HOME")) {
        (Some(rest), Some(home)) if !home.is_empty() => PathBuf::from(home).join(rest),
        _ => PathBuf::from(path),
    }
}
