//! Letting go of a secret: on destroy, and for the old secret after a move.
//! Removes only what this resource (or, through the secret's annotations,
//! this provider) added and nobody else still relies on.

use crate::tfplugin::Diagnostic;

use super::ids::{self, SecretRef};
use super::private::{same_version_tail, Private};
use super::sharing;
use super::steps::Env;

/// What to release.
pub struct Release<'a> {
    /// The secret.
    pub secret: &'a SecretRef,
    /// This resource's repository name (its user key).
    pub me: &'a str,
    /// The repository's project (whose service agent was bound).
    pub project: &'a str,
    /// The service agent's IAM member.
    pub member: &'a str,
    /// Bookkeeping of what this resource created.
    pub private: &'a Private,
}

/// True when the repository credentials' version lives in `secret`.
pub async fn points_at(env: &Env<'_>, version: &str, secret: &SecretRef) -> bool {
    match ids::parse_version_name(version) {
        Some(v) => {
            v.secret.id == secret.id && env.same_project(&v.secret.project, &secret.project).await
        }
        None => false,
    }
}

/// Releases the secret: deletes it when this provider created it and no
/// other user remains; otherwise removes the binding when no other user in
/// the same project needs it, destroys the versions this resource created
/// that no other user's repository uses, and removes this user's annotation.
pub async fn release(env: &Env<'_>, r: Release<'_>) -> Result<(), Diagnostic> {
    let Some(secret) = env.get_secret(r.secret).await? else {
        return Ok(());
    };
    let others: Vec<String> = sharing::other_users(&secret.annotations, r.me)
        .into_iter()
        .map(str::to_string)
        .collect();
    let mine = r.private.secret.as_deref() == Some(r.secret.name().as_str());
    let created_here = (mine && r.private.created_secret)
        || secret.annotations.contains_key(sharing::CREATED_BY_KEY);
    if others.is_empty() && created_here {
        return env.delete_secret(r.secret).await;
    }

    let mut needed = false;
    let mut in_use = Vec::new();
    for other in &others {
        if let Some(p) = sharing::project_of(other) {
            if env.same_project(p, r.project).await {
                needed = true;
            }
        }
        if let Ok(Some(repo)) = env.get_repository(other).await {
            if let Some(c) = repo.credentials() {
                in_use.push(c.password_secret_version.clone());
            }
        }
    }
    let marker = env
        .project_number(r.project)
        .await
        .ok()
        .map(|n| sharing::bound_key(&n));
    let bound_by_provider = (mine && r.private.added_binding)
        || marker
            .as_ref()
            .is_some_and(|k| secret.annotations.contains_key(k));
    if !needed && bound_by_provider {
        env.remove_binding(r.secret, r.member).await?;
    }
    if mine {
        for v in &r.private.created_versions {
            let same_secret =
                ids::parse_version_name(v).is_some_and(|x| x.secret.id == r.secret.id);
            if same_secret && !in_use.iter().any(|u| same_version_tail(u, v)) {
                env.destroy_version(v).await?;
            }
        }
    }
    let me = r.me.to_string();
    env.update_annotations(r.secret, |a| {
        let mut changed = sharing::remove_user(a, &me);
        if !needed {
            if let Some(k) = &marker {
                changed |= a.remove(k).is_some();
            }
        }
        changed
    })
    .await
}
