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

/// Releases the secret. This user's annotation goes first; the decisions
/// then rest on the secret as it is after that write, so that when several
/// users let go at the same time (a parallel destroy) the last one out sees
/// nobody left: it deletes the secret when this provider created it, or
/// else removes the binding nobody in its project needs any more. Versions
/// this resource created that no remaining user's repository uses are
/// destroyed. Every step is idempotent: a failed release is finished by the
/// next destroy.
pub async fn release(env: &Env<'_>, r: Release<'_>) -> Result<(), Diagnostic> {
    if env.get_secret(r.secret).await?.is_none() {
        return Ok(());
    }
    let me = r.me.to_string();
    env.update_annotations(r.secret, |a| sharing::remove_user(a, &me))
        .await?;
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
    let mut elsewhere = Vec::new();
    let mut in_use = Vec::new();
    for other in &others {
        if let Some(p) = sharing::project_of(other) {
            if env.same_project(p, r.project).await {
                needed = true;
            } else {
                elsewhere.push(other.clone());
            }
        }
        if let Ok(Some(repo)) = env.get_repository(other).await {
            if let Some(c) = repo.credentials() {
                in_use.push(c.password_secret_version.clone());
            }
        }
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
    let marker = env
        .project_number(r.project)
        .await
        .ok()
        .map(|n| sharing::bound_key(&n));
    let bound_by_provider = (mine && r.private.added_binding)
        || marker
            .as_ref()
            .is_some_and(|k| secret.annotations.contains_key(k));
    if needed || !bound_by_provider {
        return Ok(());
    }
    env.remove_binding(r.secret, r.member).await?;
    if let Some(k) = &marker {
        // Only users already known to live elsewhere may remain: a user of
        // this project that arrived meanwhile keeps the marker.
        env.update_annotations(r.secret, |a| {
            let arrived = sharing::other_users(a, &me)
                .iter()
                .any(|u| !elsewhere.iter().any(|e| e == u));
            !arrived && a.remove(k).is_some()
        })
        .await?;
    }
    regrant_for_arrivals(env, &r, &me, &elsewhere).await
}

/// A user of this project that recorded itself while the binding was being
/// removed may have found the binding still there and relied on it: grant
/// it again for that user.
async fn regrant_for_arrivals(
    env: &Env<'_>,
    r: &Release<'_>,
    me: &str,
    elsewhere: &[String],
) -> Result<(), Diagnostic> {
    let Some(secret) = env.get_secret(r.secret).await? else {
        return Ok(());
    };
    let mut arrived = false;
    for u in sharing::other_users(&secret.annotations, me) {
        if elsewhere.iter().any(|e| e == u) {
            continue;
        }
        if let Some(p) = sharing::project_of(u) {
            arrived |= env.same_project(p, r.project).await;
        }
    }
    if arrived && env.add_binding(r.secret, r.member).await? {
        if let Ok(n) = env.project_number(r.project).await {
            let key = sharing::bound_key(&n);
            let member = r.member.to_string();
            env.update_annotations(r.secret, |a| {
                a.insert(key.clone(), member.clone()).as_ref() != Some(&member)
            })
            .await?;
        }
    }
    Ok(())
}
