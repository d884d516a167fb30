//! The shared HTTP layer: one reqwest client, auth header injection, the
//! `X-Goog-User-Project` header, error decoding and retries.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio_util::sync::CancellationToken;

use super::auth::TokenSource;

/// Service roots, each like `https://secretmanager.googleapis.com/` (no API version).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoints {
    /// Secret Manager root.
    pub secret_manager: String,
    /// Artifact Registry root.
    pub artifact_registry: String,
    /// Resource Manager root (v1 and v3 paths are appended).
    pub resource_manager: String,
    /// Service Usage root (v1beta1 paths are appended).
    pub service_usage: String,
    /// IAM Credentials root (impersonation).
    pub iam_credentials: String,
}

impl Default for Endpoints {
    fn default() -> Endpoints {
        Endpoints {
            secret_manager: "https://secretmanager.googleapis.com/".into(),
            artifact_registry: "https://artifactregistry.googleapis.com/".into(),
            resource_manager: "https://cloudresourcemanager.googleapis.com/".into(),
            service_usage: "https://serviceusage.googleapis.com/".into(),
            iam_credentials: "https://iamcredentials.googleapis.com/".into(),
        }
    }
}

/// Everything needed to build a [`GoogleClient`].
#[derive(Clone)]
pub struct ClientConfig {
    /// Where each service lives.
    pub endpoints: Endpoints,
    /// Sent as `X-Goog-User-Project` when set (billing_project / user_project_override).
    pub user_project: Option<String>,
    /// Timeout of a single HTTP request (not of the whole operation).
    pub request_timeout: Duration,
    /// Supplies bearer tokens.
    pub tokens: Arc<dyn TokenSource>,
    /// Sent as User-Agent.
    pub user_agent: String,
}

/// The deadline and cancellation an API call runs under: a resource's
/// timeout plus Terraform's StopProvider.
#[derive(Debug, Clone)]
pub struct Op {
    /// Retries stop once this passes.
    pub deadline: Instant,
    /// Cancelled by StopProvider.
    pub cancel: CancellationToken,
}

impl Op {
    /// An operation that may run for `timeout`.
    pub fn new(timeout: Duration, cancel: CancellationToken) -> Op {
        Op { deadline: Instant::now() + timeout, cancel }
    }
}

/// Cheap-to-clone handle on the Google APIs.
#[derive(Clone)]
pub struct GoogleClient {
    /// Shared state behind the handle.
    pub(crate) inner: Arc<ClientInner>,
}

/// What every clone of a [`GoogleClient`] shares.
pub(crate) struct ClientInner {
    /// The one HTTP client (connection pool).
    pub(crate) http: reqwest::Client,
    /// Configuration it was built from.
    pub(crate) config: ClientConfig,
}

impl GoogleClient {
    /// Builds the client. Fails only if the TLS stack cannot be set up.
    pub fn new(config: ClientConfig) -> Result<GoogleClient, super::ApiError> {
        let _ = config;
        todo!("google http")
    }
    /// The endpoints in use.
    pub fn endpoints(&self) -> &Endpoints {
        &self.inner.config.endpoints
    }
}
