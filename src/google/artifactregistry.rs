//! Artifact Registry v1: repositories and their upstream credentials.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{ApiError, GoogleClient, Op};

/// A repository. Only the fields this provider reads are typed; the rest are kept.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Repository {
    /// `projects/{p}/locations/{l}/repositories/{r}`.
    #[serde(default)]
    pub name: String,
    /// e.g. `PYTHON`.
    #[serde(default)]
    pub format: String,
    /// e.g. `REMOTE_REPOSITORY`.
    #[serde(default)]
    pub mode: String,
    /// Remote settings, present for remote repositories.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remote_repository_config: Option<RemoteRepositoryConfig>,
    /// Fields this crate does not model.
    #[serde(flatten)]
    pub other: BTreeMap<String, serde_json::Value>,
}

/// `remoteRepositoryConfig`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct RemoteRepositoryConfig {
    /// Credentials used to reach the upstream.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upstream_credentials: Option<UpstreamCredentials>,
    /// Fields this crate does not model (pythonRepository, description, ...).
    #[serde(flatten)]
    pub other: BTreeMap<String, serde_json::Value>,
}

/// `upstreamCredentials`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct UpstreamCredentials {
    /// Username and secret version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username_password_credentials: Option<UsernamePasswordCredentials>,
}

/// `usernamePasswordCredentials`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct UsernamePasswordCredentials {
    /// e.g. `__token__`.
    #[serde(default)]
    pub username: String,
    /// `projects/{p}/secrets/{s}/versions/{v}`.
    #[serde(default)]
    pub password_secret_version: String,
}

impl Repository {
    /// The username/secret version pair, when credentials are set.
    pub fn credentials(&self) -> Option<&UsernamePasswordCredentials> {
        self.remote_repository_config
            .as_ref()?
            .upstream_credentials
            .as_ref()?
            .username_password_credentials
            .as_ref()
    }
}

impl GoogleClient {
    /// GET a repository.
    pub async fn get_repository(&self, op: &Op, name: &str) -> Result<Repository, ApiError> {
        let _ = (op, name);
        todo!()
    }
    /// PATCH the upstream credentials in place (update mask on the two leaf
    /// paths); `None` clears them. Answers the updated repository.
    pub async fn set_upstream_credentials(
        &self,
        op: &Op,
        name: &str,
        credentials: Option<&UsernamePasswordCredentials>,
    ) -> Result<Repository, ApiError> {
        let _ = (op, name, credentials);
        todo!()
    }
    /// `:testIamPermissions` on a repository; returns the held subset.
    pub async fn test_repository_permissions(&self, op: &Op, name: &str, permissions: &[&str]) -> Result<Vec<String>, ApiError> {
        let _ = (op, name, permissions);
        todo!()
    }
}
