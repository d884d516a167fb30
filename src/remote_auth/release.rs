//! Letting go of a secret: on destroy, and for the old secret after a move.
//! Removes only what this resource (or, through the secret's annotations,
//! this provider) added and nobody else still relies on. Decisions rest on
//! the secret's own annotations and one policy change; other users'
//! repositories are read only when they would keep the secret or the
//! binding alive, to prune the ones that are gone or use another secret, and
//! each stale user is pruned once, so a destroy of N sharers costs O(N).

use crate::tfplugin::Diagnostic;

use super::ids::{self, SecretRef};
use super::private::Private;
use super::shared::lock;
use super::sharing::{self, User};
use super::steps::{version_number, Env};

/// How long after a create refused for want of propagation its destroy
/// keeps the secret and grant for the replacement (see [`release`]).
pub const ADOPTION_WINDOW_SECS: i64 = 3600;

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
    /// Bookkeeping of what this resource created there.
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
/// nobody left: it deletes the secret when this provider created it (with
/// the etag of that read: a user arriving meanwhile makes it decide again),
/// or else removes the binding nobody in its project needs any more.
/// Versions this resource created that no remaining user claims are
/// destroyed. Every step is idempotent: a failed release is finished by the
/// next destroy.
///
/// A create refused only because its fresh grant had not reached Artifact
/// Registry yet keeps the secret and the binding when destroyed within
/// [`ADOPTION_WINDOW_SECS`]: Terraform replaces a failed create by
/// destroying and creating it again, and deleting them would restart the
/// very wait for the grant to propagate that made the create fail. The
/// versions holding its token are destroyed; the secret (marked as made by
/// this provider) is what the replacement adopts, and what the next release
/// of the secret deletes. Any other unfinished create is cleaned up fully,
/// and so is one destroyed later than the window (a destroy, not a
/// replacement).
pub async fn release(env: &Env<'_>, r: Release<'_>) -> Result<(), Diagnostic> {
    let me = r.me.to_string();
    // The versions this resource added as its entry records them (private
    // state alone does not survive every killed run), read as it goes.
    let recorded = std::sync::Mutex::new(Vec::new());
    let Some(mut secret) = env
        .update_annotations(r.secret, |a| {
            *lock(&recorded) = sharing::my_added(a, &me);
            sharing::remove_user(a, &me)
        })
        .await?
    else {
        return Ok(());
    };
    let recorded: Vec<String> = lock(&recorded)
        .iter()
        .map(|n| r.secret.version_name(n))
        .collect();
    let mine = r.private.secret.as_deref() == Some(r.secret.name().as_str());
    let incomplete = mine
        && r.private.version.is_none()
        && r.private
            .awaiting_grant_since
            .is_some_and(|t| super::private::unix_now().saturating_sub(t) < ADOPTION_WINDOW_SECS);
    let number = env.project_number(r.project).await.ok();
    let marker = number.as_deref().map(sharing::bound_key);
    loop {
        let created_here = (mine && r.private.created_secret)
            || secret.annotations.contains_key(sharing::CREATED_BY_KEY);
        let bound_here = (mine && r.private.added_binding)
            || marker
                .as_ref()
                .is_some_and(|k| secret.annotations.contains_key(k));
        let others = other_users(&secret, &me);
        let blockers: Vec<User> = if created_here {
            others.clone()
        } else if bound_here {
            same_project(env, &others, r.project).await
        } else {
            Vec::new()
        };
        let stale = stale_users(env, r.secret, &blockers).await;
        if !stale.is_empty() {
            tracing::info!(count = stale.len(), secret = %r.secret.name(), "pruning users of the secret whose repository is gone or uses another secret");
            let Some(s) = env
                .update_annotations(r.secret, |a| {
                    // Every stale user goes, not only the first (no short circuit).
                    let removed = stale.iter().filter(|u| sharing::remove_user(a, u)).count();
                    removed > 0
                })
                .await?
            else {
                return Ok(());
            };
            secret = s;
            continue;
        }
        if others.is_empty() && created_here && !incomplete {
            if env.delete_secret(r.secret, &secret.etag).await? {
                return Ok(());
            }
            tracing::info!(secret = %r.secret.name(), "the secret changed while deciding to delete it; deciding again");
            match env.get_secret(r.secret).await? {
                Some(s) => secret = s,
                None => return Ok(()),
            }
            continue;
        }
        break;
    }

    let claimed = sharing::claimed_by_others(&secret.annotations, &me);
    let from_private = if mine {
        r.private.created_versions.as_slice()
    } else {
        &[]
    };
    let mut added: Vec<&String> = Vec::new();
    for v in from_private.iter().chain(&recorded) {
        if !added
            .iter()
            .any(|a| super::private::same_version_tail(a, v))
        {
            added.push(v);
        }
    }
    for v in added {
        let in_secret = ids::parse_version_name(v).is_some_and(|x| x.secret.id == r.secret.id);
        let n = version_number(v).unwrap_or_default();
        if in_secret && !claimed.contains(&n) {
            env.destroy_version(v).await?;
        }
    }
    if incomplete {
        return Ok(());
    }
    let others = other_users(&secret, &me);
    let bound_here = (mine && r.private.added_binding)
        || marker
            .as_ref()
            .is_some_and(|k| secret.annotations.contains_key(k));
    let needed = !same_project(env, &others, r.project).await.is_empty();
    if needed || !bound_here {
        return Ok(());
    }
    env.remove_binding(r.secret, r.member).await?;
    let known: Vec<String> = others.iter().map(|u| u.repository.clone()).collect();
    if let Some(k) = &marker {
        // Only users already known to live elsewhere may remain: a user of
        // this project that arrived meanwhile keeps the marker.
        env.update_annotations(r.secret, |a| {
            let arrived = sharing::other_users(a, &me)
                .iter()
                .any(|u| !known.contains(u));
            !arrived && a.remove(k).is_some()
        })
        .await?;
    }
    regrant_for_arrivals(env, &r, &me, &known).await
}

/// The recorded users other than `me`.
fn other_users(secret: &crate::google::secretmanager::Secret, me: &str) -> Vec<User> {
    sharing::users(&secret.annotations)
        .into_iter()
        .filter(|u| u.repository != me)
        .collect()
}

/// The users whose repository lives in `project` (same service agent).
async fn same_project(env: &Env<'_>, users: &[User], project: &str) -> Vec<User> {
    let mut out = Vec::new();
    for u in users {
        if let Some(p) = sharing::project_of(&u.repository) {
            if env.same_project(p, project).await {
                out.push(u.clone());
            }
        }
    }
    out
}

/// Among `users`, read in turn until one still uses the secret, those whose
/// repository is gone or points elsewhere. Read failures count as live (keeping is the safe side).
async fn stale_users(env: &Env<'_>, secret: &SecretRef, users: &[User]) -> Vec<String> {
    let mut stale = Vec::new();
    for u in users {
        let live = match env.get_repository(&u.repository).await {
            Ok(None) => false,
            Ok(Some(repo)) => match repo.credentials() {
                Some(c) => points_at(env, &c.password_secret_version, secret).await,
                // No credentials: a create of that user may still be under way.
                None => true,
            },
            Err(_) => true,
        };
        if live {
            break;
        }
        stale.push(u.repository.clone());
    }
    stale
}

/// A user of this project that recorded itself while the binding was being
/// removed may have found the binding still there and relied on it: grant
/// it again for that user.
async fn regrant_for_arrivals(
    env: &Env<'_>,
    r: &Release<'_>,
    me: &str,
    known: &[String],
) -> Result<(), Diagnostic> {
    let Some(secret) = env.get_secret(r.secret).await? else {
        return Ok(());
    };
    let arrivals: Vec<User> = other_users(&secret, me)
        .into_iter()
        .filter(|u| !known.contains(&u.repository))
        .collect();
    if same_project(env, &arrivals, r.project).await.is_empty() {
        return Ok(());
    }
    if let Ok(n) = env.project_number(r.project).await {
        let key = sharing::bound_key(&n);
        let member = r.member.to_string();
        env.update_annotations(r.secret, |a| {
            a.insert(key.clone(), member.clone()).as_ref() != Some(&member)
        })
        .await?;
    }
    env.grant(r.secret, r.member, r.project, false).await?;
    Ok(())
}
