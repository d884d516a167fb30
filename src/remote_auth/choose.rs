//! Choosing the version the repository should use: one that already holds
//! the token when there is one (reused rather than stored again), otherwise
//! a new one, added without ever repeating an unanswered `:addVersion`.

use std::collections::HashSet;

use crate::google::secretmanager::{Secret, SecretVersion};
use crate::tfplugin::Diagnostic;

use super::desired::Desired;
use super::private::Private;
use super::sharing;
use super::steps::{version_number, Env};

/// At most this many stored versions are read back to find one holding the
/// token, so a secret with a long history costs a bounded number of calls.
const MAX_PAYLOAD_READS: usize = 4;

/// The version [`choose_version`] settled on.
pub struct Chosen {
    /// Its full name.
    pub name: String,
    /// This resource counts it as its own (it retires it once superseded).
    pub own: bool,
    /// The adding marker was written for it: the claim that follows clears it.
    pub marked: bool,
}

/// The version to use, and whether it is one this resource should count as
/// its own. Reuses, in order: the version this resource last set (when the
/// token did not change), then any ENABLED version proven to hold the token
/// among the one in use, the ones this resource added or claims, and, on a
/// secret this provider created, versions nobody claims (left by a run that
/// was killed after adding them). Only when none holds it is one added.
pub async fn choose_version(
    env: &Env<'_>,
    want: &Desired<'_>,
    secret: &Secret,
    versions: &[SecretVersion],
    in_use: Option<&str>,
    private: &Private,
) -> Result<Chosen, Diagnostic> {
    let me = want.repo.name();
    let enabled: HashSet<String> = versions
        .iter()
        .filter(|v| v.state == "ENABLED")
        .filter_map(|v| version_number(&v.name))
        .collect();
    let last = private.version.as_deref().and_then(version_number);
    if !want.new_token {
        if let Some(n) = last.as_ref().filter(|n| enabled.contains(*n)) {
            return Ok(Chosen {
                name: want.secret.version_name(n),
                own: false,
                marked: false,
            });
        }
    }
    let others = sharing::claimed_by_others(&secret.annotations, &me);
    let provider_made = secret.annotations.contains_key(sharing::CREATED_BY_KEY);
    let created: HashSet<String> = private
        .created_versions
        .iter()
        .filter_map(|v| version_number(v))
        .collect();
    // A version counts as this resource's own (later retired by it) when it
    // added it, or when this provider made the secret and no other user
    // claims the version (a run killed before its bookkeeping reached
    // Terraform leaves exactly such versions).
    let sole = sharing::other_users(&secret.annotations, &me).is_empty();
    // Versions above the marker an earlier run wrote before adding one (a
    // secret made by hand; see `sharing`) that nobody else claims: that run
    // may have been killed before it could claim what it added.
    let adding_after = sharing::adding_after(&secret.annotations, &me);
    let above_marker =
        |n: &str| adding_after.is_some_and(|after| n.parse::<u64>().is_ok_and(|n| n > after));
    let own = |n: &str| {
        created.contains(n)
            || (provider_made && sole && !others.iter().any(|o| o == n))
            || (above_marker(n) && !others.iter().any(|o| o == n))
    };
    let mut candidates: Vec<(String, bool)> = Vec::new();
    let mut push = |n: Option<String>| {
        if let Some(n) = n.filter(|n| enabled.contains(n)) {
            if !candidates.iter().any(|(c, _)| *c == n) {
                let mine = own(&n);
                candidates.push((n, mine));
            }
        }
    };
    push(last.clone());
    push(in_use.map(str::to_string));
    for c in sharing::my_claims(&secret.annotations, &me) {
        push(Some(c));
    }
    for v in private.created_versions.iter().rev() {
        push(version_number(v));
    }
    for v in versions.iter().rev() {
        push(version_number(&v.name).filter(|n| above_marker(n) && !others.contains(n)));
    }
    if provider_made && sole {
        for v in versions.iter().rev() {
            push(version_number(&v.name).filter(|n| !others.contains(n)));
        }
    }
    for (n, own) in candidates.into_iter().take(MAX_PAYLOAD_READS) {
        let name = want.secret.version_name(&n);
        if env.version_holds(&name, want.token).await {
            tracing::info!(version = %name, "an enabled version already holds the token: using it");
            return Ok(Chosen {
                name,
                own,
                marked: false,
            });
        }
    }
    let known: HashSet<String> = versions
        .iter()
        .filter_map(|v| version_number(&v.name))
        .collect();
    if !provider_made {
        // On a secret made by hand nothing else tells this resource's
        // versions from a person's: the marker goes on before the version.
        let after = known
            .iter()
            .filter_map(|n| n.parse::<u64>().ok())
            .max()
            .unwrap_or(0);
        env.update_annotations(want.secret, |a| sharing::mark_adding(a, &me, after))
            .await?;
    }
    let added = env
        .add_version(want.secret, want.token, &known, &me)
        .await?;
    Ok(Chosen {
        name: added,
        own: true,
        marked: !provider_made,
    })
}
