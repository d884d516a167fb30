//! Preflight at plan: one `testIamPermissions` per project, secret and
//! repository (cached per provider instance) to warn about permissions the
//! apply will need, instead of failing half-way through it.

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
/// What the apply needs on the repository's project.
const PROJECT_PERMISSIONS: [&str; 1] = ["resourcemanager.projects.get"];

/// Which test goes to which resource.
#[derive(Debug, Clone, Copy)]
enum Target {
    /// A repository.
    Repository,
    /// A secret.
    Secret,
    /// A project.
    Project,
}

/// Runs the checks concurrently and answers a warning when permissions are missing.
pub async fn check(
    env: &Env<'_>,
    repo: &RepositoryRef,
    secret: &SecretRef,
    secret_exists: bool,
) -> Option<Diagnostic> {
    let mut project_perms: Vec<&str> = PROJECT_PERMISSIONS.to_vec();
    let mut secret_project_perms: Vec<&str> = Vec::new();
    if !secret_exists {
        let mut wanted = vec!["secretmanager.secrets.create"];
        wanted.extend(
            SECRET_PERMISSIONS
                .iter()
                .filter(|p| **p != "secretmanager.secrets.get"),
        );
        if secret.project == repo.project {
            project_perms.extend(wanted);
        } else {
            secret_project_perms = wanted;
        }
    }
    let secret_name = secret.name();
    let repo_name = repo.name();
    let (a, b, c, d) = tokio::join!(
        test(env, Target::Repository, &repo_name, &REPOSITORY_PERMISSIONS),
        async {
            if secret_exists {
                test(env, Target::Secret, &secret_name, &SECRET_PERMISSIONS).await
            } else {
                Vec::new()
            }
        },
        test(env, Target::Project, &repo.project, &project_perms),
        async {
            if secret_project_perms.is_empty() {
                Vec::new()
            } else {
                test(env, Target::Project, &secret.project, &secret_project_perms).await
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

/// One cached test; answers the missing permissions as `permission on resource`.
/// A failing test (the caller may not even be allowed to ask) answers nothing:
/// a preflight never blocks a plan.
async fn test(env: &Env<'_>, target: Target, resource: &str, wanted: &[&str]) -> Vec<String> {
    let key = format!("{target:?}:{resource}:{}", wanted.join(","));
    if let Some(hit) = lock(&env.caches.preflight).get(&key) {
        return hit.clone();
    }
    let held = match target {
        Target::Repository => {
            env.client
                .test_repository_permissions(&env.op, resource, wanted)
                .await
        }
        Target::Secret => {
            env.client
                .test_secret_permissions(&env.op, resource, wanted)
                .await
        }
        Target::Project => {
            env.client
                .test_project_permissions(&env.op, resource, wanted)
                .await
        }
    };
    let missing: Vec<String> = match held {
        Ok(held) => wanted
            .iter()
            .filter(|w| !held.iter().any(|h| h == *w))
            .map(|w| format!("{w} on {resource}"))
            .collect(),
        Err(e) => {
            tracing::debug!(error = %e, resource, "preflight permission test failed; skipped");
            return Vec::new();
        }
    };
    lock(&env.caches.preflight).insert(key, missing.clone());
    missing
}
