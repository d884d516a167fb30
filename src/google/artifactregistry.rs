//! Artifact Registry v1: repositories and their upstream credentials.

use std::collections::BTreeMap;

use reqwest::Method;
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

/// One page of `repositories.list`.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct RepositoryPage {
    /// The repositories of this page (absent from the JSON when there are none).
    #[serde(default)]
    pub repositories: Vec<Repository>,
    /// Token of the next page; empty on the last.
    #[serde(default)]
    pub next_page_token: String,
}

/// One page of `locations.list`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct LocationPage {
    /// The locations of this page.
    #[serde(default)]
    locations: Vec<Location>,
    /// Token of the next page; empty on the last.
    #[serde(default)]
    next_page_token: String,
}

/// A location (`projects/P/locations/L`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Location {
    /// The location's ID, e.g. `us-central1`.
    #[serde(default)]
    location_id: String,
}

/// Largest page `repositories.list` serves (discovery document: "Maximum page size is 1,000").
pub const MAX_PAGE_SIZE: u32 = 1000;

/// Pages [`GoogleClient::list_repositories`] follows before giving up: a
/// server that keeps answering new tokens must not loop forever.
const MAX_PAGES: usize = 1000;

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
    /// One page of the repositories of `parent` (`projects/P/locations/L`).
    /// An empty `page_token` asks for the first page.
    pub async fn list_repositories_page(
        &self,
        op: &Op,
        parent: &str,
        page_size: u32,
        page_token: &str,
    ) -> Result<RepositoryPage, ApiError> {
        let path = format!("v1/{parent}/repositories");
        let size = page_size.clamp(1, MAX_PAGE_SIZE).to_string();
        let mut query = vec![("pageSize", size.as_str())];
        if !page_token.is_empty() {
            query.push(("pageToken", page_token));
        }
        self.get(
            op,
            self.ar(),
            &path,
            &query,
            "artifactregistry.repositories.list",
            parent,
        )
        .await
    }
    /// The IDs of every Artifact Registry location of `project`, following pages.
    pub async fn list_locations(&self, op: &Op, project: &str) -> Result<Vec<String>, ApiError> {
        let parent = format!("projects/{project}");
        let path = format!("v1/{parent}/locations");
        let mut all = Vec::new();
        let mut token = String::new();
        for _ in 0..MAX_PAGES {
            let mut query = vec![("pageSize", "100")];
            if !token.is_empty() {
                query.push(("pageToken", token.as_str()));
            }
            let page: LocationPage = self
                .get(
                    op,
                    self.ar(),
                    &path,
                    &query,
                    "artifactregistry.projects.locations.list",
                    &parent,
                )
                .await?;
            all.extend(
                page.locations
                    .into_iter()
                    .map(|l| l.location_id)
                    .filter(|id| !id.is_empty()),
            );
            if page.next_page_token.is_empty() || page.next_page_token == token {
                return Ok(all);
            }
            token = page.next_page_token;
        }
        Err(ApiError::Decode {
            method: "artifactregistry.projects.locations.list".into(),
            resource: parent,
            message: format!("more than {MAX_PAGES} pages of locations"),
        })
    }
    /// Every repository of `parent` (`projects/P/locations/L`), following pages.
    pub async fn list_repositories(
        &self,
        op: &Op,
        parent: &str,
    ) -> Result<Vec<Repository>, ApiError> {
        let mut all = Vec::new();
        let mut token = String::new();
        for _ in 0..MAX_PAGES {
            let page = self
                .list_repositories_page(op, parent, MAX_PAGE_SIZE, &token)
                .await?;
            all.extend(page.repositories);
            if page.next_page_token.is_empty() || page.next_page_token == token {
                return Ok(all);
            }
            token = page.next_page_token;
        }
        Err(ApiError::Decode {
            method: "artifactregistry.repositories.list".into(),
            resource: parent.into(),
            message: format!("more than {MAX_PAGES} pages of repositories"),
        })
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
            super::http::Replay::Always,
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
        let api_method = "artifactregistry.repositories.testIamPermissions";
        self.test_iam_permissions(op, self.ar(), name, permissions, api_method)
            .await
    }
}

#[cfg(test)]
pub(crate) mod tests {
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

    /// A client whose every endpoint is `root` (also used by the list resource's tests).
    pub(crate) fn test_client(root: &str) -> GoogleClient {
        crate::google::tests::client(root, None)
    }

    #[tokio::test]
    async fn list_follows_pages_until_the_token_is_empty() {
        use crate::google::tests::server::{reply, Server};
        let server = Server::start(vec![
            reply(
                200,
                r#"{"repositories":[{"name":"projects/p/locations/l/repositories/a","format":"PYTHON"}],"nextPageToken":"t2"}"#,
            ),
            reply(200, r#"{"nextPageToken":"t3"}"#),
            reply(
                200,
                r#"{"repositories":[{"name":"projects/p/locations/l/repositories/b","mode":"REMOTE_REPOSITORY"}]}"#,
            ),
        ])
        .await;
        let op = Op::new(
            std::time::Duration::from_secs(30),
            tokio_util::sync::CancellationToken::new(),
        );
        let all = test_client(&server.root)
            .list_repositories(&op, "projects/p/locations/l")
            .await
            .expect("listed");
        let names: Vec<&str> = all.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "projects/p/locations/l/repositories/a",
                "projects/p/locations/l/repositories/b"
            ]
        );
        let targets: Vec<String> = server.received().into_iter().map(|r| r.target).collect();
        assert_eq!(
            targets,
            [
                "/v1/projects/p/locations/l/repositories?alt=json&pageSize=1000",
                "/v1/projects/p/locations/l/repositories?alt=json&pageSize=1000&pageToken=t2",
                "/v1/projects/p/locations/l/repositories?alt=json&pageSize=1000&pageToken=t3",
            ]
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
