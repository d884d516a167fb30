//! The reads the resources of one run share, as [`Env`] methods: project
//! numbers (one lookup per project), and the versions and policy of a secret
//! as reads that report on state see them (see [`super::shared`] for why
//! converge never uses these).

use std::sync::Arc;

use crate::google::iam::Policy;
use crate::google::secretmanager::SecretVersion;
use crate::google::ApiError;
use crate::tfplugin::Diagnostic;

use super::errors::{api_error, Step};
use super::ids;
use super::steps::Env;

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
                self.client
                    .get_project(&self.op, project)
                    .await
                    .map(|p| p.project_number)
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
