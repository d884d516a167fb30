//! Retiring versions nobody uses: ENABLED versions of a secret this
//! provider made that no user claims and this resource has no record of,
//! as a run killed before its bookkeeping reached Terraform leaves them.
//! Only a sole user sweeps, and only on fresh reads.

use crate::google::secretmanager::{Secret, SecretVersion};
use crate::tfplugin::Diagnostic;

use super::ids::SecretRef;
use super::model::PreviousVersionPolicy;
use super::private::{same_version_tail, Private};
use super::sharing;
use super::steps::{version_number, Env};

/// What a sweep needs of the configuration.
pub struct Sweep<'a> {
    /// The secret swept.
    pub secret: &'a SecretRef,
    /// What becomes of versions nobody uses (`KEEP`: nothing is swept).
    pub previous: PreviousVersionPolicy,
}

/// ENABLED versions of a secret this provider made that nobody claims and
/// this resource has no record of: left by a run killed before its
/// bookkeeping reached Terraform, or by another user that left. Candidates
/// only: [`sweep`] decides on fresh reads.
pub fn strays(
    want: &Sweep<'_>,
    secret: &Secret,
    versions: &[SecretVersion],
    me: &str,
    version: &str,
    private: &Private,
) -> Vec<String> {
    // Only a sole user sweeps (see `sweep`); a secret that had other users
    // when it was read has none to sweep now, which saves the fresh reads.
    if want.previous == PreviousVersionPolicy::Keep
        || !secret.annotations.contains_key(sharing::CREATED_BY_KEY)
        || !sharing::other_users(&secret.annotations, me).is_empty()
    {
        return Vec::new();
    }
    let others = sharing::claimed_by_others(&secret.annotations, me);
    versions
        .iter()
        .filter(|v| v.state == "ENABLED")
        .filter_map(|v| version_number(&v.name))
        .map(|n| want.secret.version_name(&n))
        .filter(|name| {
            !same_version_tail(name, version)
                && !private.created_version(name)
                && !version_number(name).is_some_and(|n| others.contains(&n))
        })
        .collect()
}

/// Retires `strays` when this resource is the secret's only user. The
/// versions are listed before the annotations are read: a user that joins
/// records itself before it adds a version, so any version of a newcomer
/// in the list has its user in the annotations read after it.
pub async fn sweep(
    env: &Env<'_>,
    want: &Sweep<'_>,
    me: &str,
    version: &str,
    strays: &[String],
) -> Result<(), Diagnostic> {
    let versions = env.list_versions(want.secret).await?;
    let Some(secret) = env.get_secret(want.secret).await? else {
        return Ok(());
    };
    if !sharing::other_users(&secret.annotations, me).is_empty() {
        return Ok(());
    }
    for name in strays {
        let still_enabled = versions.iter().any(|v| {
            v.state == "ENABLED"
                && same_version_tail(&v.name, name)
                && !same_version_tail(name, version)
        });
        if !still_enabled {
            continue;
        }
        tracing::info!(version = %name, "retiring a version of this secret that nothing uses");
        match want.previous {
            PreviousVersionPolicy::Destroy => env.destroy_version(name).await?,
            _ => env.disable_version(name).await?,
        }
    }
    Ok(())
}
