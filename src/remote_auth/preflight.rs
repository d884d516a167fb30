//! Preflight at plan: warns about permissions the apply will need, instead
//! of failing half-way through it, with as few questions as possible.
//!
//! Google's guide grants the two admin roles on the project, so the first
//! (and usually only) question is one `testIamPermissions` on the project
//! asking for everything the apply may do there: the project lookup, the
//! repository update, and creating or using the secret. Only what the
//! project does not grant is asked again of the repository and the secret
//! (read too, since only an existing secret needs no `create`), where a
//! narrower grant may hold it. Answers are kept per provider
//! instance: other resources planned by the same run, at the same time or
//! later, pick what they need from them without asking again; and for the
//! run's later provider processes (the apply walk plans again), in
//! [`super::run_cache`].

use crate::google::ApiError;
use crate::tfplugin::Diagnostic;

use super::ids::{RepositoryRef, SecretRef};
use super::run_cache::Fact;
use super::steps::Env;

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
/// What creating the secret needs beyond using it.
const SECRET_CREATION: &str = "secretmanager.secrets.create";
/// What the apply needs on the repository's project (its number).
const PROJECT_LOOKUP: &str = "resourcemanager.projects.get";

/// Which API a question goes to.
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
                .chain(REPOSITORY_PERMISSIONS)
                .chain(std::iter::once(SECRET_CREATION))
                .chain(SECRET_PERMISSIONS)
                .collect(),
        }
    }
}

/// Asks the questions and answers a warning when permissions are missing.
pub async fn check(env: &Env<'_>, repo: &RepositoryRef, secret: &SecretRef) -> Option<Diagnostic> {
    let (repo_project, secret_project) =
        tokio::join!(held(env, Target::Project, &repo.project), async {
            if secret.project == repo.project {
                None
            } else {
                Some(held(env, Target::Project, &secret.project).await)
            }
        },);
    // A question that could not be asked (the caller may not even be allowed
    // to ask) answers nothing: a preflight never blocks a plan.
    let Ok(on_repo_project) = repo_project else {
        return None;
    };
    let on_secret_project = match secret_project {
        None => on_repo_project.clone(),
        Some(Ok(p)) => p,
        Some(Err(_)) => return None,
    };
    let lacks = |held: &[String], wanted: &[&str]| -> Vec<&'static str> {
        Target::Project
            .all_permissions()
            .into_iter()
            .filter(|p| wanted.contains(p) && !held.iter().any(|h| h == p))
            .collect()
    };
    let mut missing: Vec<String> = lacks(&on_repo_project, &[PROJECT_LOOKUP])
        .into_iter()
        .map(|p| format!("{p} on projects/{}", repo.project))
        .collect();

    let repo_lacks = lacks(&on_repo_project, &REPOSITORY_PERMISSIONS);
    let mut secret_wanted = SECRET_PERMISSIONS.to_vec();
    secret_wanted.push(SECRET_CREATION);
    let secret_lacks = lacks(&on_secret_project, &secret_wanted);
    let repo_name = repo.name();
    let secret_name = secret.name();
    let (on_repo, on_secret) = tokio::join!(
        async {
            if repo_lacks.is_empty() {
                Ok(Vec::new())
            } else {
                held(env, Target::Repository, &repo_name).await
            }
        },
        async {
            if secret_lacks.is_empty() {
                return None;
            }
            // Whether the secret exists decides whether creating it counts;
            // a test on a secret that does not exist may still answer.
            let (found, on_secret) = tokio::join!(
                env.get_secret(secret),
                held(env, Target::Secret, &secret_name)
            );
            Some((matches!(found, Ok(Some(_))), on_secret))
        },
    );
    if let Ok(on_repo) = on_repo {
        missing.extend(
            repo_lacks
                .iter()
                .filter(|p| !on_repo.iter().any(|h| h == *p))
                .map(|p| format!("{p} on {repo_name}")),
        );
    }
    match on_secret {
        None => {}
        // The secret exists: using it is what counts, wherever granted.
        Some((true, Ok(on_secret))) => missing.extend(
            secret_lacks
                .iter()
                .filter(|p| **p != SECRET_CREATION && !on_secret.iter().any(|h| h == *p))
                .map(|p| format!("{p} on {secret_name}")),
        ),
        Some((true, Err(_))) => {}
        // The apply creates it (or the caller cannot even read it): the
        // project must grant creating and using it.
        Some((false, _)) => missing.extend(
            secret_lacks
                .iter()
                .map(|p| format!("{p} on projects/{}", secret.project)),
        ),
    }
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

/// What the caller holds on `resource` out of [`Target::all_permissions`]:
/// asked once per provider instance; concurrent callers wait for that one
/// answer. A failed question is not kept, so a later plan may ask again.
async fn held(env: &Env<'_>, target: Target, resource: &str) -> Result<Vec<String>, ApiError> {
    let all = target.all_permissions();
    let key = format!("{target:?}:{resource}");
    let answer = env
        .caches
        .preflight
        .get_or_fetch(&key, || async {
            let run = &env.caches.run;
            let kept = run.get(env.run_scope, Fact::Permissions, &key);
            if let Some(held) = kept.and_then(|k| serde_json::from_str::<Vec<String>>(&k).ok()) {
                return Ok(held);
            }
            let held = match target {
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
            }?;
            if let Ok(text) = serde_json::to_string(&held) {
                run.put(env.run_scope, Fact::Permissions, &key, &text);
            }
            Ok(held)
        })
        .await;
    if let Err(e) = &answer {
        tracing::debug!(error = %e, resource, "preflight permission test failed");
    }
    answer
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_project_question_covers_everything_the_narrower_ones_ask() {
        let project = Target::Project.all_permissions();
        for p in Target::Repository
            .all_permissions()
            .into_iter()
            .chain(Target::Secret.all_permissions())
            .chain([PROJECT_LOOKUP, SECRET_CREATION])
        {
            assert!(project.contains(&p), "{p}");
        }
    }
}
