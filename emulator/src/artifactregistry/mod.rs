//! Artifact Registry v1: `projects.locations.list`,
//! `projects.locations.repositories` and `projects.locations.operations`. Create and delete answer finished
//! long-running operations; patch answers the repository.

mod at;
mod locations;
pub mod model;
mod patch;
mod repositories;
mod upstream;

use crate::error::{ApiError, ApiResult};
use crate::request::Ctx;
use crate::state::State;
use at::At;
use axum::http::Method;
use repositories::{
    create, delete, get, get_iam_policy, get_operation, list, set_iam_policy, test_iam_permissions,
    update,
};

/// Routes `projects/{p}/locations/{l}/...` (`parts` starts at the project).
pub fn dispatch(state: &mut State, ctx: &Ctx, parts: &[&str]) -> ApiResult {
    let m = ctx.method;
    let custom = ctx.path.custom.as_deref();
    let (at, rest) = match parts {
        [project, "locations"] if m == Method::GET && custom.is_none() => {
            return locations::list(state, ctx, project)
        }
        [project, "locations", location, rest @ ..] => (At { project, location }, rest),
        _ => return Err(unknown(ctx, parts)),
    };
    match (rest, custom) {
        (["repositories"], None) if m == Method::GET => list(state, ctx, at),
        (["repositories"], None) if m == Method::POST => create(state, ctx, at),
        (["repositories", r], None) if m == Method::GET => get(state, ctx, at, r),
        (["repositories", r], None) if m == Method::PATCH => update(state, ctx, at, r),
        (["repositories", r], None) if m == Method::DELETE => delete(state, ctx, at, r),
        (["repositories", r], Some("testIamPermissions")) if m == Method::POST => {
            test_iam_permissions(state, ctx, at, r)
        }
        (["repositories", r], Some("getIamPolicy")) if m == Method::GET || m == Method::POST => {
            get_iam_policy(state, ctx, at, r)
        }
        (["repositories", r], Some("setIamPolicy")) if m == Method::POST => {
            set_iam_policy(state, ctx, at, r)
        }
        (["operations", o], None) if m == Method::GET => get_operation(state, ctx, at, o),
        _ => Err(unknown(ctx, parts)),
    }
}

/// The error for a path or method this API does not have.
fn unknown(ctx: &Ctx, parts: &[&str]) -> ApiError {
    ApiError::unknown_method(
        ctx.method.as_str(),
        &format!("/v1/projects/{}", parts.join("/")),
    )
}
