//! Artifact Registry v1: repositories and their upstream credentials.

use std::collections::BTreeMap;

use reqwest::Method;
use serde::{Deserialize, Serialize};

use super::secretmanager::Permissions;
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

/// Update mask naming exactly the two leaves this provider owns, so that a
/// concurrent change to anything else in the repository is never overwritten.
const CREDENTIAL_LEAVES_MASK: &str =
    "remoteRepositoryConfig.upstreamCredentials.usernamePasswordCredentials.username,\
remoteRepositoryConfig.upstreamCredentials.usernamePasswordCredentials.passwordSecretVersion";

/// Update mask that clears the credentials as a whole.
const CREDENTIALS_MASK: &str = "remoteRepositoryConfig.upstreamCredentials";

/// The PATCH body: only the credentials part of a repository.
fn credentials_patch(credentials: Option<&UsernamePasswordCredentials>) -> serde_json::Value {
    let upstream = match credentials {
        Some(c) => serde_json::json!({
            "usernamePasswordCredentials": {
                "username": c.username,
                "passwordSecretVersion": c.password_secret_version,
            }
        }),
        None => serde_json::json!({}),
    };
    serde_json::json!({ "remoteRepositoryConfig": { "upstreamCredentials": upstream } })
}

impl GoogleClient {
    /// The Artifact Registry root.
    fn ar(&self) -> &str {
        &self.inner.config.endpoints.artifact_registry
    }
    /// GET a repository.
    pub async fn get_repository(&self, op: &Op, name: &str) -> Result<Repository, ApiError> {
        self.get(
            op,
            self.ar(),
            &format!("v1/{name}"),
            &[],
            "artifactregistry.repositories.get",
            name,
        )
        .await
    }
    /// PATCH the upstream credentials in place (update mask on the two leaf
    /// paths); `None` clears them. Answers the updated repository.
    pub async fn set_upstream_credentials(
        &self,
        op: &Op,
        name: &str,
        credentials: Option<&UsernamePasswordCredentials>,
    ) -> Result<Repository, ApiError> {
        let mask = if credentials.is_some() {
            CREDENTIAL_LEAVES_MASK
        } else {
            CREDENTIALS_MASK
        };
        let body = credentials_patch(credentials);
        let path = format!("v1/{name}");
        let query = [("updateMask", mask)];
        self.send_json(
            op,
            Method::PATCH,
            self.ar(),
            &path,
            &query,
            &body,
            "artifactregistry.repositories.patch",
            name,
        )
        .await
    }
    /// `:testIamPermissions` on a repository; returns the held subset.
    pub async fn test_repository_permissions(
        &self,
        op: &Op,
        name: &str,
        permissions: &[&str],
    ) -> Result<Vec<String>, ApiError> {
        let body = Permissions::asking(permissions);
        let path = format!("v1/{name}:testIamPermissions");
        let api_method = "artifactregistry.repositories.testIamPermissions";
        let held: Permissions = self
            .send_json(
                op,
                Method::POST,
                self.ar(),
                &path,
                &[],
                &body,
                api_method,
                name,
            )
            .await?;
        Ok(held.permissions)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mask_names_the_two_leaves() {
        assert_eq!(
            CREDENTIAL_LEAVES_MASK,
            "remoteRepositoryConfig.upstreamCredentials.usernamePasswordCredentials.username,remoteRepositoryConfig.upstreamCredentials.usernamePasswordCredentials.passwordSecretVersion"
        );
    }

    #[test]
    fn patch_bodies() {
        let c = UsernamePasswordCredentials {
            username: "__token__".into(),
            password_secret_version: "projects/p/secrets/s/versions/1".into(),
        };
        assert_eq!(
            credentials_patch(Some(&c)),
            serde_json::json!({"remoteRepositoryConfig":{"upstreamCredentials":{"usernamePasswordCredentials":{"username":"__token__","passwordSecretVersion":"projects/p/secrets/s/versions/1"}}}})
        );
        assert_eq!(
            credentials_patch(None),
            serde_json::json!({"remoteRepositoryConfig":{"upstreamCredentials":{}}})
        );
    }

    #[test]
    fn repository_keeps_unknown_fields_and_reads_credentials() {
        let json = serde_json::json!({"name":"projects/P/locations/L/repositories/R","format":"PYTHON","mode":"REMOTE_REPOSITORY","remoteRepositoryConfig":{"pythonRepository":{"publicRepository":"PYPI"},"upstreamCredentials":{"usernamePasswordCredentials":{"username":"__token__","passwordSecretVersion":"projects/SP/secrets/S/versions/V"}}},"registryUri":"x"});
        let repo: Repository = serde_json::from_value(json.clone()).expect("decodes");
        assert_eq!(
            repo.credentials().map(|c| c.username.as_str()),
            Some("__token__")
        );
        assert_eq!(serde_json::to_value(&repo).expect("encodes"), json);
    }
}
