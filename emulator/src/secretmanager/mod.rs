//! Secret Manager v1, `projects.secrets` and `projects.secrets.versions`.
//! Names answer with the project number, as the real service does.

mod filter;
mod lookup;
pub mod model;
mod secrets;
mod versions;

use crate::error::{ApiError, ApiResult};
use crate::request::Ctx;
use crate::state::State;
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
