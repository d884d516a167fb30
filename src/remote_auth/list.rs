//! The `pypi_remote_auth` list resource: finds the PyPI remote repositories
//! of one project (one location, or all of them) that already have upstream credentials (for
//! example configured by hand), so `terraform query -generate-config-out`
//! can import them. The resource object of each result is exactly the state
//! an import's Read builds, from the same code.

use std::time::Duration;

use async_trait::async_trait;
use serde::Deserialize;
use tokio::sync::mpsc::Sender;

use super::errors::{api_error, Step};
use super::ids::{self, RepositoryRef};
use super::instance::Instance;
use super::model::{self, Model};
use super::read;
use super::steps::Env;
use crate::google::artifactregistry::Repository;
use crate::google::ApiError;
use crate::provider::handle::ProviderHandle;
use crate::tfplugin::provider::ListEvent;
use crate::tfplugin::schema::StringKind;
use crate::tfplugin::typed::{self, Attr};
use crate::tfplugin::{
    Attribute, AttributePath, Block, CallContext, Diagnostic, Diagnostics, ListResource, Presence,
    Schema, Type, Value,
};

/// How long one query may take, all pages and lookups included.
const LIST_TIMEOUT: Duration = Duration::from_secs(10 * 60);
/// Repositories asked for per page: small enough that a `limit` stops early.
const PAGE_SIZE: u32 = 100;
/// Pages followed before giving up on a server that never stops answering tokens.
const MAX_PAGES: usize = 10_000;

/// The list block's `config`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct ListConfig {
    /// Project to search; the provider's `project` when null.
    pub project: Attr<String>,
    /// Location to search; every location of the project when null.
    pub location: Attr<String>,
    /// Also list PyPI remote repositories that have no upstream credentials yet.
    pub include_without_credentials: Attr<bool>,
}

impl ListConfig {
    /// Decodes the config (anything but an object reads as all-null).
    fn from_value(v: &Value) -> Result<ListConfig, Diagnostic> {
        typed::from_object_or_default(v)
            .map_err(|e| e.into_bug_diagnostic("Unexpected list configuration"))
    }
}

/// The `pypi_remote_auth` list resource type.
pub struct RemoteAuthList {
    /// The configuration handle and the caches.
    instance: Instance,
}

impl RemoteAuthList {
    /// A list resource bound to the provider's configuration handle.
    pub fn new(handle: ProviderHandle) -> RemoteAuthList {
        RemoteAuthList {
            instance: Instance::new(handle),
        }
    }
}

/// The schema of the list block's `config`.
pub fn schema() -> Schema {
    Schema {
        version: 0,
        block: Block {
            description: "Finds the Artifact Registry PyPI remote repositories (`mode = REMOTE_REPOSITORY`, `format = PYTHON`) of one project (one location, or every location when `location` is omitted) whose upstream credentials are set, for example configured by hand, so that `terraform query -generate-config-out` can import them as `pypi_remote_auth` resources. Requires Terraform 1.14 or later.".into(),
            description_kind: StringKind::Markdown,
            attributes: vec![
                Attribute::new("project", Type::String, Presence::Optional, "Project ID to search. Defaults to the provider's `project`."),
                Attribute::new("location", Type::String, Presence::Optional, "Location to search, e.g. `us-central1` or `europe`. When omitted, every location of the project is searched (Artifact Registry's `locations.list`, then each location)."),
                Attribute::new("include_without_credentials", Type::Bool, Presence::Optional, "Also list PyPI remote repositories without upstream credentials (their resource object then holds only the repository). Default `false`."),
            ],
            ..Block::default()
        },
    }
}

/// Offline checks of a configuration; unknown values pass.
pub fn validate(c: &ListConfig) -> Diagnostics {
    let mut d = Diagnostics::default();
    if let Some(Err(e)) = c.project.known().map(|p| ids::check_project_id(p)) {
        d.attr_error("project", "Invalid project ID", e);
    }
    if let Some(Err(e)) = c.location.known().map(|l| ids::check_location(l)) {
        d.attr_error("location", "Invalid location", e);
    }
    d
}

/// The diagnostic for a failed `repositories.list`.
fn list_error(parent: &str, e: &ApiError) -> Diagnostic {
    if e.is_permission_denied() {
        return Diagnostic::error(
            "Failed to list the repositories",
            format!("list the repositories ({parent}) failed: {e}.\n\nThe caller needs `artifactregistry.repositories.list` on the project (for example Artifact Registry Reader, `roles/artifactregistry.reader`)."),
        )
        .at(AttributePath::attr("project"));
    }
    let d = api_error(Step::GetRepository, "list the repositories", parent, e);
    if e.is_not_found() || e.status() == Some("INVALID_ARGUMENT") {
        d.at(AttributePath::attr("location"))
    } else {
        d
    }
}

/// `projects/P/locations/L/repositories/R (secret S version V)`.
pub fn display_name(repo: &RepositoryRef, repository: &Repository) -> String {
    let creds = repository
        .credentials()
        .filter(|c| !c.password_secret_version.is_empty());
    match creds {
        None => format!("{} (no upstream credentials)", repo.name()),
        Some(c) => match ids::parse_version_name(&c.password_secret_version) {
            Some(v) => format!(
                "{} (secret {} version {})",
                repo.name(),
                v.secret.id,
                v.version
            ),
            None => format!(
                "{} (secret version {})",
                repo.name(),
                c.password_secret_version
            ),
        },
    }
}

/// Whether `repository` is a result: a PyPI remote repository, with
/// credentials unless `without_credentials` asks for all of them.
pub fn selected(repository: &Repository, without_credentials: bool) -> bool {
    read::is_pypi_remote(repository)
        && (without_credentials
            || repository
                .credentials()
                .is_some_and(|c| !c.password_secret_version.is_empty()))
}

/// The resource object of a result: what `import` followed by Read stores.
async fn resource_object(
    env: &Env<'_>,
    repo: &RepositoryRef,
    repository: &Repository,
) -> Result<Value, Diagnostic> {
    let mut state = Model::for_repository(repo);
    read::fill_from_repository(env, repo, repository, &mut state).await?;
    Ok(state.to_value())
}

/// One result for `repository` of `project`/`location`.
async fn event(
    env: &Env<'_>,
    project: &str,
    location: &str,
    repository: &Repository,
    include_resource: bool,
) -> ListEvent {
    // The ID comes from the name; project and location from the query, so
    // that a project number in Google's answer never reaches the identity.
    let id = repository
        .name
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .to_string();
    let repo = RepositoryRef {
        project: project.to_string(),
        location: location.to_string(),
        id,
    };
    let mut ev = ListEvent {
        identity: model::identity(&repo),
        display_name: display_name(&repo, repository),
        resource_object: None,
        diagnostics: Diagnostics::default(),
    };
    if include_resource {
        match resource_object(env, &repo, repository).await {
            Ok(object) => ev.resource_object = Some(object),
            Err(d) => ev.diagnostics.push(d),
        }
    }
    ev
}

#[async_trait]
impl ListResource for RemoteAuthList {
    fn schema(&self) -> Schema {
        schema()
    }

    async fn validate(&self, _ctx: &CallContext, config: Value) -> Diagnostics {
        match ListConfig::from_value(&config) {
            Ok(c) => validate(&c),
            Err(d) => d.into(),
        }
    }

    async fn list(
        &self,
        ctx: &CallContext,
        config: Value,
        include_resource: bool,
        limit: i64,
        events: Sender<ListEvent>,
    ) -> Diagnostics {
        let c = match ListConfig::from_value(&config) {
            Ok(c) => c,
            Err(d) => return d.into(),
        };
        let mut diags = validate(&c);
        if diags.has_errors() {
            return diags;
        }
        let configured = match self.instance.configured() {
            Ok(configured) => configured,
            Err(d) => return d.into(),
        };
        let Some(project) = c.project.known().or(configured.project.as_ref()).cloned() else {
            diags.attr_error(
                "project",
                "Missing project",
                "Set `project` in the list block's `config`, or `project` in the provider block.",
            );
            return diags;
        };
        let without_credentials = c.include_without_credentials.known() == Some(&true);
        // Terraform stops reading after `limit` results; a non-positive limit sets none.
        let max = u64::try_from(limit)
            .ok()
            .filter(|n| *n > 0)
            .unwrap_or(u64::MAX);
        let env = self.instance.env(&configured, ctx, LIST_TIMEOUT);
        let locations = match c.location.known() {
            Some(l) => vec![l.clone()],
            None => match env.client.list_locations(&env.op, &project).await {
                Ok(all) => all,
                Err(e) => {
                    diags.push(list_error(&format!("projects/{project}"), &e));
                    return diags;
                }
            },
        };
        let mut sent = 0u64;
        for location in &locations {
            let search = Search {
                env: &env,
                project: &project,
                location,
                without_credentials,
                include_resource,
                max,
            };
            match search.run(&events, ctx, &mut sent).await {
                Ok(Flow::Continue) => {}
                Ok(Flow::Stop) => return diags,
                Err(d) => {
                    diags.push(d);
                    return diags;
                }
            }
        }
        diags
    }
}

/// Whether a listing should go on to the next location.
enum Flow {
    /// This location is done.
    Continue,
    /// Terraform has what it wants (limit reached, cancelled, gone).
    Stop,
}

/// One location's listing.
struct Search<'a> {
    env: &'a Env<'a>,
    project: &'a str,
    location: &'a str,
    without_credentials: bool,
    include_resource: bool,
    /// At most this many results in all.
    max: u64,
}

impl Search<'_> {
    /// Streams this location's selected repositories, counting in `sent`.
    async fn run(
        &self,
        events: &tokio::sync::mpsc::Sender<ListEvent>,
        ctx: &CallContext,
        sent: &mut u64,
    ) -> Result<Flow, Diagnostic> {
        let parent = format!("projects/{}/locations/{}", self.project, self.location);
        let mut token = String::new();
        for _ in 0..MAX_PAGES {
            if events.is_closed() || ctx.cancel.is_cancelled() {
                return Ok(Flow::Stop);
            }
            let page = self
                .env
                .client
                .list_repositories_page(&self.env.op, &parent, PAGE_SIZE, &token)
                .await
                .map_err(|e| list_error(&parent, &e))?;
            for repository in page
                .repositories
                .iter()
                .filter(|r| selected(r, self.without_credentials))
            {
                if *sent >= self.max {
                    return Ok(Flow::Stop);
                }
                let ev = event(
                    self.env,
                    self.project,
                    self.location,
                    repository,
                    self.include_resource,
                )
                .await;
                if events.send(ev).await.is_err() {
                    // Terraform has all it wants (limit reached) or went away.
                    return Ok(Flow::Stop);
                }
                *sent += 1;
            }
            if page.next_page_token.is_empty() || page.next_page_token == token {
                return Ok(Flow::Continue);
            }
            token = page.next_page_token;
        }
        Err(Diagnostic::error(
            "Too many pages",
            format!("Listing the repositories of {parent} returned more than {MAX_PAGES} pages."),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repository(json: serde_json::Value) -> Repository {
        serde_json::from_value(json).expect("repository")
    }

    fn repo_ref() -> RepositoryRef {
        RepositoryRef {
            project: "demo-project".into(),
            location: "us".into(),
            id: "pypi".into(),
        }
    }

    #[test]
    fn only_pypi_remotes_with_credentials_are_selected_unless_asked() {
        let with = repository(
            serde_json::json!({"name":"projects/p/locations/us/repositories/pypi","format":"PYTHON","mode":"REMOTE_REPOSITORY","remoteRepositoryConfig":{"upstreamCredentials":{"usernamePasswordCredentials":{"username":"__token__","passwordSecretVersion":"projects/123/secrets/tok/versions/4"}}}}),
        );
        let without = repository(
            serde_json::json!({"name":"n","format":"PYTHON","mode":"REMOTE_REPOSITORY"}),
        );
        let empty_version = repository(
            serde_json::json!({"name":"n","format":"PYTHON","mode":"REMOTE_REPOSITORY","remoteRepositoryConfig":{"upstreamCredentials":{"usernamePasswordCredentials":{"username":"__token__"}}}}),
        );
        let npm = repository(
            serde_json::json!({"name":"n","format":"NPM","mode":"REMOTE_REPOSITORY","remoteRepositoryConfig":{"upstreamCredentials":{"usernamePasswordCredentials":{"username":"u","passwordSecretVersion":"projects/1/secrets/s/versions/1"}}}}),
        );
        let standard = repository(
            serde_json::json!({"name":"n","format":"PYTHON","mode":"STANDARD_REPOSITORY"}),
        );
        assert!(selected(&with, false) && selected(&with, true));
        assert!(!selected(&without, false) && selected(&without, true));
        assert!(!selected(&empty_version, false) && selected(&empty_version, true));
        assert!(!selected(&npm, true) && !selected(&standard, true));
        assert_eq!(
            display_name(&repo_ref(), &with),
            "projects/demo-project/locations/us/repositories/pypi (secret tok version 4)"
        );
        assert_eq!(
            display_name(&repo_ref(), &without),
            "projects/demo-project/locations/us/repositories/pypi (no upstream credentials)"
        );
    }

    #[test]
    fn config_checks_point_at_their_attribute() {
        let bad = ListConfig {
            project: Attr::Known("Bad".into()),
            location: Attr::Known("US".into()),
            include_without_credentials: Attr::Null,
        };
        let d = validate(&bad);
        let paths: Vec<Option<AttributePath>> = d.0.iter().map(|x| x.attribute.clone()).collect();
        assert_eq!(
            paths,
            [
                Some(AttributePath::attr("project")),
                Some(AttributePath::attr("location"))
            ]
        );
        let unknown = ListConfig {
            project: Attr::Unknown,
            location: Attr::Known("us-central1".into()),
            include_without_credentials: Attr::Known(true),
        };
        assert!(validate(&unknown).0.is_empty());
        let decoded = ListConfig::from_value(&Value::Object(
            [
                ("location".to_string(), Value::String("us".into())),
                ("include_without_credentials".to_string(), Value::Bool(true)),
                ("project".to_string(), Value::Null),
            ]
            .into_iter()
            .collect(),
        ))
        .expect("decodes");
        assert_eq!(decoded.include_without_credentials, Attr::Known(true));
        assert!(decoded.project.is_null());
    }

    /// A provider handle configured with a client of the canned `server`.
    fn configured(server: &crate::google::tests::server::Server) -> ProviderHandle {
        let handle = ProviderHandle::default();
        handle.set(crate::provider::handle::Configured {
            client: crate::google::artifactregistry::tests::test_client(&server.root),
            project: Some("demo-project".into()),
            complete: true,
            fingerprint: "test".into(),
        });
        handle
    }

    /// `repositories.list` answer with PyPI remotes `ids`, all with credentials.
    fn page(ids: &[&str], next: &str) -> String {
        let repos: Vec<serde_json::Value> = ids
            .iter()
            .map(|id| serde_json::json!({"name": format!("projects/demo-project/locations/us/repositories/{id}"),"format":"PYTHON","mode":"REMOTE_REPOSITORY","remoteRepositoryConfig":{"upstreamCredentials":{"usernamePasswordCredentials":{"username":"__token__","passwordSecretVersion":format!("projects/123/secrets/{id}/versions/1")}}}}))
            .collect();
        serde_json::json!({"repositories": repos, "nextPageToken": next}).to_string()
    }

    fn us() -> Value {
        Value::Object(
            [("location".to_string(), Value::String("us".into()))]
                .into_iter()
                .collect(),
        )
    }

    #[tokio::test]
    async fn limit_stops_before_the_next_page_and_objects_are_import_states() {
        use crate::google::tests::server::{reply, Server};
        let server = Server::start(vec![
            reply(200, &page(&["a", "b"], "t2")),
            reply(200, r#"{"projectId":"demo-project","projectNumber":"123"}"#),
        ])
        .await;
        let list = RemoteAuthList::new(configured(&server));
        let (tx, mut rx) = tokio::sync::mpsc::channel(10);
        let d = list.list(&CallContext::default(), us(), true, 1, tx).await;
        assert!(d.0.is_empty(), "{d:?}");
        let first = rx.recv().await.expect("one event");
        assert!(rx.recv().await.is_none(), "limit 1 gives one event");
        assert_eq!(
            first.identity.attr("repository"),
            &Value::String("a".into())
        );
        let object = first.resource_object.expect("resource object");
        assert_eq!(object.attr("secret_id"), &Value::String("a".into()));
        assert_eq!(
            object.attr("secret_project"),
            &Value::String("demo-project".into()),
            "the project number in the version name is turned into the ID"
        );
        assert_eq!(object.attr("token"), &Value::Null);
        let targets: Vec<String> = server.received().into_iter().map(|r| r.target).collect();
        assert!(
            !targets.iter().any(|t| t.contains("pageToken")),
            "no second page after the limit: {targets:?}"
        );
    }

    #[tokio::test]
    async fn a_gone_receiver_stops_the_listing() {
        use crate::google::tests::server::{reply, Server};
        let server = Server::start(vec![reply(200, &page(&["a", "b"], "t2"))]).await;
        let list = RemoteAuthList::new(configured(&server));
        let (tx, rx) = tokio::sync::mpsc::channel(1);
        drop(rx);
        let d = list.list(&CallContext::default(), us(), false, 0, tx).await;
        assert!(d.0.is_empty(), "{d:?}");
        assert!(
            server.received().is_empty(),
            "nothing is fetched for nobody"
        );

        let (tx, mut rx) = tokio::sync::mpsc::channel(10);
        let d = list.list(&CallContext::default(), us(), false, 0, tx).await;
        assert!(d.0.is_empty(), "{d:?}");
        let mut n = 0;
        while rx.recv().await.is_some() {
            n += 1;
        }
        // The canned server repeats its page: the pages are followed until
        // the token stops changing, then listing ends.
        assert_eq!(n, 4, "two pages of two results");
    }

    #[tokio::test]
    async fn listing_before_configure_is_an_error_not_a_panic() {
        let list = RemoteAuthList::new(ProviderHandle::default());
        let (tx, _rx) = tokio::sync::mpsc::channel(1);
        let config = Value::Object(
            [("location".to_string(), Value::String("us".into()))]
                .into_iter()
                .collect(),
        );
        let d = list
            .list(&CallContext::default(), config, true, 10, tx)
            .await;
        assert!(d.has_errors());
    }
}
