//! What the secret and version methods share: the permission check on a
//! secret, finding it, and the errors Google answers when it is missing or
//! an etag is stale.

use crate::auth;
use crate::error::ApiError;
use crate::request::Ctx;
use crate::state::{Project, Secret, State};

/// Resolves the project of a request and checks `permission` against the
/// project policy plus the secret's policy (when the secret exists).
/// Unknown projects answer PERMISSION_DENIED, as Google does.
pub fn authorize(
    state: &State,
    ctx: &Ctx,
    project: &str,
    secret: Option<&str>,
    permission: &str,
) -> Result<Project, ApiError> {
    let resource = match secret {
        Some(s) => format!("projects/{project}/secrets/{s}"),
        None => format!("projects/{project}"),
    };
    auth::authorize(state, ctx.caller, project, &resource, permission, |found| {
        let key = (found.number.clone(), secret?.to_string());
        state.secrets.get(&key).map(|s| s.policy.current())
    })
}

/// Secret `secret` of the resolved project, or Google's 404 for it.
pub fn find_secret<'s>(
    state: &'s State,
    found: &Project,
    secret: &str,
) -> Result<&'s Secret, ApiError> {
    state
        .secrets
        .get(&(found.number.clone(), secret.to_string()))
        .ok_or_else(|| secret_not_found(&found.number, secret))
}

/// Mutable [`find_secret`].
pub fn find_secret_mut<'s>(
    state: &'s mut State,
    found: &Project,
    secret: &str,
) -> Result<&'s mut Secret, ApiError> {
    state
        .secrets
        .get_mut(&(found.number.clone(), secret.to_string()))
        .ok_or_else(|| secret_not_found(&found.number, secret))
}

/// The 404 Google answers for a missing secret.
pub fn secret_not_found(number: &str, secret: &str) -> ApiError {
    ApiError::not_found(format!(
        "Secret [projects/{number}/secrets/{secret}] not found or has no versions."
    ))
}

/// The error answered when a sent etag is stale: Secret Manager answers
/// 400 FAILED_PRECONDITION for secret and version etags (its etag docs),
/// unlike IAM policy etags (409 ABORTED, `iam.rs`).
pub fn etag_mismatch(kind: &str) -> ApiError {
    ApiError::precondition(format!(
        "The etag provided in the request does not match the current etag of the {kind}."
    ))
}
