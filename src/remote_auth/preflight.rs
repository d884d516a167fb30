//! Preflight at plan: one `testIamPermissions` per project, secret and
//! repository (cached per provider instance) to warn about permissions the
//! apply will need, instead of failing half-way through it.
//!
//! Each resource is asked once for every permission any plan may need there
//! (creating a secret or using an existing one), and the answer is kept:
//! later plans, and plans running at the same time for other resources,
//! pick what they need from it without asking again.

use std::sync::Arc;

use tokio::sync::OnceCell;

use crate::tfplugin::Diagnostic;

use super::ids::{RepositoryRef, SecretRef};
use super::steps::{lock, Env};

/// What the apply does on the repository.
const REPOSITORY_PERMISSIONS: [&str; 2] = [
    "artifactregistry.repositories.get",
    "artifactregistry.repositories.update",
];
/// What the apply does on an existing secret.
const SECRET_PERMISSIONS: [&str; 5] = [
    "secretmanager.secrets.get",
    "secretmanager.secrets.update",
    "secretmanager.versions.add",
    "secretmanager.secrets.getIamPolicy",
    "secretmanager.secrets.setIamPolicy",
];
/// What the apply needs on the repository's project (its number).
const PROJECT_LOOKUP: &str = "resourcemanager.projects.get";
/// What creating the secret and then using it needs on the secret's project.
const SECRET_CREATION_PERMISSIONS: [&str; 5] = [
    "secretmanager.secrets.create",
    "secretmanager.secrets.update",
    "secretmanager.versions.add",
    "secretmanager.secrets.getIamPolicy",
    "secretmanager.secrets.setIamPolicy",
];

/// Which API a test goes to.
#[derive(Debug, Clone, Copy)]
enum Target {
    /// A repository.
    Repository,
    /// A secret.
    Secret,
    /// A project.
    Project,
}

impl Target {
    /// Everything any plan may ask about a resource of this kind: the one
    /// question sent, whatever subset the current plan needs.
    fn all_permissions(self) -> Vec<&'static str> {
        match self {
            Target::Repository => REPOSITORY_PERMISSIONS.to_vec(),
            Target::Secret => SECRET_PERMISSIONS.to_vec(),
            Target::Project => std::iter::once(PROJECT_LOOKUP)
                .chain(SECRET_CREATION_PERMISSIONS)
                .collect(),
        }
    }
}

/// Runs the checks concurrently and answers a warning when permissions are missing.
pub async fn check(
    env: &Env<'_>,
    repo: &RepositoryRef,
    secret: &SecretRef,
    secret_exists: bool,
) -> Option<Diagnostic> {
    let mut project_perms: Vec<&str> = vec![PROJECT_LOOKUP];
    let mut secret_project_perms: Vec<&str> = Vec::new();
    if !secret_exists {
        if secret.project == repo.project {
            project_perms.extend(SECRET_CREATION_PERMISSIONS);
        } else {
            secret_project_perms = SECRET_CREATION_PERMISSIONS.to_vec();
        }
    }
    let secret_name = secret.name();
    let repo_name = repo.name();
    let (a, b, c, d) = tokio::join!(
        missing(env, Target::Repository, &repo_name, &REPOSITORY_PERMISSIONS),
        async {
            if secret_exists {
                missing(env, Target::Secret, &secret_name, &SECRET_PERMISSIONS).await
            } else {
                Vec::new()
            }
        },
        missing(env, Target::Project, &repo.project, &project_perms),
        async {
            if secret_project_perms.is_empty() {
                Vec::new()
            } else {
                missing(env, Target::Project, &secret.project, &secret_project_perms).await
            }
        },
    );
    let missing: Vec<String> = a.into_iter().chain(b).chain(c).chain(d).collect();
    if missing.is_empty() {
        return None;
    }
    Some(Diagnostic::warning(
        "The caller may lack permissions this apply needs",
        format!(
            "testIamPermissions reports these permissions missing: {}.\n\nGoogle's guide grants them with Artifact Registry Admin (`roles/artifactregistry.admin`) on the repository or its project and Secret Manager Admin (`roles/secretmanager.admin`) on the secret or its project. Without them the apply stops part-way; the state then records what exists.",
            missing.join(", ")
        ),
    ))
}

/// The permissions of `wanted` the caller lacks on `resource`, as
/// `permission on resource`. A failing test (the caller may not even be
/// allowed to ask) answers nothing: a preflight never blocks a plan.
async fn missing(env: &Env<'_>, target: Target, resource: &str, wanted: &[&str]) -> Vec<String> {
    match held(env, target, resource).await {
        Some(held) => wanted
            .iter()
            .filter(|w| !held.iter().any(|h| h == *w))
            .map(|w| format!("{w} on {resource}"))
            .collect(),
        None => Vec::new(),
    }
}

/// What the caller holds on `resource` out of [`Target::all_permissions`]:
/// asked once per provider instance; concurrent callers wait for that one
/// answer. A failed test is not kept, so a later plan may ask again.
async fn held(env: &Env<'_>, target: Target, resource: &str) -> Option<Vec<String>> {
    let cell: Arc<OnceCell<Vec<String>>> = lock(&env.caches.preflight)
        .entry(format!("{target:?}:{resource}"))
        .or_default()
        .clone();
    let answer = cell
        .get_or_try_init(|| async {
            let all = target.all_permissions();
            match target {
                Target::Repository => {
                    env.client
                        .test_repository_permissions(&env.op, resource, &all)
                        .await
                }
                Target::Secret => {
                    env.client
                        .test_secret_permissions(&env.op, resource, &all)
                        .await
                }
                Target::Project => {
                    env.client
                        .test_project_permissions(&env.op, resource, &all)
                        .await
                }
            }
        })
        .await;
    match answer {
        Ok(held) => Some(held.clone()),
        Err(e) => {
            tracing::debug!(error = %e, resource, "preflight permission test failed; skipped");
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_question_per_kind_covers_every_subset_a_plan_asks() {
        let project = Target::Project.all_permissions();
        assert!(project.contains(&PROJECT_LOOKUP));
        assert!(SECRET_CREATION_PERMISSIONS
            .iter()
            .all(|p| project.contains(p)));
        assert_eq!(
            Target::Secret.all_permissions(),
            SECRET_PERMISSIONS.to_vec()
        );
        assert_eq!(
            Target::Repository.all_permissions(),
            REPOSITORY_PERMISSIONS.to_vec()
        );
    }
}
