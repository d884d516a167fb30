//! [`At`]: the project and location a repository request addresses, with
//! the permission check every repository method starts with.

use crate::auth;
use crate::error::ApiError;
use crate::request::Ctx;
use crate::state::{Project, State};

/// The `projects/{project}/locations/{location}` a request addresses, as
/// the caller spelled the project (id or number).
#[derive(Clone, Copy)]
pub struct At<'a> {
    /// Project id or number from the path.
    pub project: &'a str,
    /// Location from the path.
    pub location: &'a str,
}

impl At<'_> {
    /// The full name of repository `repo` here, as permission errors name it.
    pub fn repo_name(&self, repo: &str) -> String {
        format!(
            "projects/{}/locations/{}/repositories/{repo}",
            self.project, self.location
        )
    }

    /// The state key of repository `repo` here, once the project is resolved.
    pub fn key(&self, found: &Project, repo: &str) -> (String, String, String) {
        (found.id.clone(), self.location.into(), repo.into())
    }

    /// Resolves the project and checks `artifactregistry.repositories.{verb}`
    /// on the repository (with its policy when it exists) or, without
    /// `repo`, on the location.
    pub fn authorize(
        &self,
        state: &State,
        ctx: &Ctx,
        repo: Option<&str>,
        verb: &str,
    ) -> Result<Project, ApiError> {
        let resource = match repo {
            Some(r) => self.repo_name(r),
            None => format!("projects/{}/locations/{}", self.project, self.location),
        };
        let permission = format!("artifactregistry.repositories.{verb}");
        let policy = |found: &Project| {
            let key = self.key(found, repo?);
            state.repositories.get(&key).map(|r| &r.policy)
        };
        auth::authorize(
            state,
            ctx.caller,
            self.project,
            &resource,
            &permission,
            policy,
        )
    }
}
