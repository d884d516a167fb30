//! The reads the resources of one run share, as [`Env`] methods: project
//! numbers (one lookup per project), the kind of a repository as the plan
//! checks it, and the versions and policy of a secret as reads that report
//! on state see them (see [`super::shared`] for why converge never uses
//! these). Project numbers and repository kinds are also kept for the
//! other provider processes of the run ([`super::run_cache`]).

use std::sync::Arc;

use crate::google::iam::Policy;
use crate::google::secretmanager::SecretVersion;
use crate::google::ApiError;
use crate::tfplugin::Diagnostic;

use super::errors::{api_error, Step};
use super::ids;
use super::run_cache::Fact;
use super::steps::Env;

/// What the plan's check learns of a repository.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RepositoryKind {
    /// It does not exist.
    Missing,
    /// A PyPI remote repository: what this resource configures.
    PypiRemote,
    /// Another kind of repository.
    Other {
        /// Its `mode`.
        mode: String,
        /// Its `format`.
        format: String,
    },
}

impl Env<'_> {
    /// The project's number: one lookup per project per provider instance,
    /// however many resources ask at once.
    pub async fn project_number(&self, project: &str) -> Result<String, Diagnostic> {
        if ids::is_project_number(project) {
            return Ok(project.to_string());
        }
        self.caches
            .project_numbers
            .get_or_fetch(project, || async {
                let run = &self.caches.run;
                if let Some(number) = run.get(self.run_scope, Fact::ProjectNumber, project) {
                    return Ok(number);
                }
                let number = self
                    .client
                    .get_project(&self.op, project)
                    .await?
                    .project_number;
                run.put(self.run_scope, Fact::ProjectNumber, project, &number);
                Ok::<_, ApiError>(number)
            })
            .await
            .map_err(|e| {
                api_error(
                    Step::ProjectLookup,
                    "look up the project number",
                    &format!("projects/{project}"),
                    &e,
                )
            })
    }

    /// Whether the repository `name` exists and is a PyPI remote. A format
    /// and mode never change, so an earlier walk's "PyPI remote" is taken
    /// as the answer; "missing" and "other" are always asked afresh.
    pub async fn repository_kind(&self, name: &str) -> Result<RepositoryKind, Diagnostic> {
        let run = &self.caches.run;
        if run.get(self.run_scope, Fact::PypiRemote, name).is_some() {
            return Ok(RepositoryKind::PypiRemote);
        }
        let kind = match self.get_repository(name).await? {
            None => RepositoryKind::Missing,
            Some(r) if r.mode == "REMOTE_REPOSITORY" && r.format == "PYTHON" => {
                RepositoryKind::PypiRemote
            }
            Some(r) => RepositoryKind::Other {
                mode: r.mode,
                format: r.format,
            },
        };
        if kind == RepositoryKind::PypiRemote {
            run.put(
                self.run_scope,
                Fact::PypiRemote,
                name,
                "PYTHON REMOTE_REPOSITORY",
            );
        }
        Ok(kind)
    }

    /// The secret's versions as a read that reports on state sees them:
    /// shared by every resource of this run that uses the secret.
    pub async fn shared_versions(&self, secret: &str) -> Result<Arc<Vec<SecretVersion>>, ApiError> {
        self.caches
            .secret_versions
            .get_or_fetch(secret, || async {
                self.client
                    .list_secret_versions(&self.op, secret)
                    .await
                    .map(Arc::new)
            })
            .await
    }

    /// The secret's policy as a read that reports on state sees it: shared
    /// by every resource of this run that uses the secret.
    pub async fn shared_policy(&self, secret: &str) -> Result<Arc<Policy>, ApiError> {
        self.caches
            .secret_policies
            .get_or_fetch(secret, || async {
                self.client
                    .get_secret_iam_policy(&self.op, secret)
                    .await
                    .map(Arc::new)
            })
            .await
    }
}
