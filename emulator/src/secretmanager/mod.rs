//! Secret Manager v1, `projects.secrets` and `projects.secrets.versions`.
//! Names answer with the project number, as the real service does.

mod secrets;
mod versions;

pub use secrets::build_secret;
pub use versions::push_version;

use crate::auth;
use crate::error::{ApiError, ApiResult};
use crate::router::Ctx;
use crate::state::{Project, Secret, State};
use axum::http::Method;

/// Routes `projects/{p}/secrets/...` (`parts` starts at the project).
pub fn dispatch(state: &mut State, ctx: &Ctx, parts: &[&str]) -> ApiResult {
    let m = ctx.method;
    let custom = ctx.path.custom.as_deref();
    match (parts, custom) {
        ([p, "secrets"], None) if m == Method::GET => secrets::list(state, ctx, p),
        ([p, "secrets"], None) if m == Method::POST => secrets::create(state, ctx, p),
        ([p, "secrets", s], None) if m == Method::GET => secrets::get(state, ctx, p, s),
        ([p, "secrets", s], None) if m == Method::PATCH => secrets::patch(state, ctx, p, s),
        ([p, "secrets", s], None) if m == Method::DELETE => secrets::delete(state, ctx, p, s),
        ([p, "secrets", s], Some("addVersion")) if m == Method::POST => {
            versions::add(state, ctx, p, s)
        }
        ([p, "secrets", s], Some("getIamPolicy")) if m == Method::GET || m == Method::POST => {
            secrets::get_iam_policy(state, ctx, p, s)
        }
        ([p, "secrets", s], Some("setIamPolicy")) if m == Method::POST => {
            secrets::set_iam_policy(state, ctx, p, s)
        }
        ([p, "secrets", s], Some("testIamPermissions")) if m == Method::POST => {
            secrets::test_iam_permissions(state, ctx, p, s)
        }
        ([p, "secrets", s, "versions"], None) if m == Method::GET => {
            versions::list(state, ctx, p, s)
        }
        ([p, "secrets", s, "versions", v], None) if m == Method::GET => {
            versions::get(state, ctx, p, s, v)
        }
        ([p, "secrets", s, "versions", v], Some("access")) if m == Method::GET => {
            versions::access(state, ctx, p, s, v)
        }
        ([p, "secrets", s, "versions", v], Some(op @ ("enable" | "disable" | "destroy")))
            if m == Method::POST =>
        {
            versions::transition(state, ctx, p, s, v, op)
        }
        _ => Err(ApiError::unknown_method(
            m.as_str(),
            &format!(
                "/v1/projects/{}{}",
                parts[1..].join("/"),
                custom.map(|c| format!(":{c}")).unwrap_or_default()
            ),
        )),
    }
}

/// Resolves the project of a request and checks `permission` against the
/// project policy plus the secret's policy (when the secret exists).
/// Unknown projects answer PERMISSION_DENIED, as Google does.
fn authorize(
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
        state.secrets.get(&key).map(|s| &s.policy)
    })
}

/// Secret `secret` of the resolved project, or Google's 404 for it.
fn find_secret<'s>(
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
fn find_secret_mut<'s>(
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
fn secret_not_found(number: &str, secret: &str) -> ApiError {
    ApiError::not_found(format!(
        "Secret [projects/{number}/secrets/{secret}] not found or has no versions."
    ))
}

/// The 409 answered when a sent etag is stale.
fn etag_mismatch(kind: &str) -> ApiError {
    ApiError::aborted(format!(
        "The etag provided in the request does not match the current etag of the {kind}."
    ))
}
