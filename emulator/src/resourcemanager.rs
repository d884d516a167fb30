//! Resource Manager v1 and v3 `projects.get` plus the project IAM methods.
//! v1 answers `projectNumber`; v3 names projects by number.

use crate::auth;
use crate::clock::unix_ms;
use crate::error::{ApiError, ApiResult};
use crate::request::Ctx;
use crate::state::{Project, State};
use axum::http::Method;
use serde_json::json;

/// Routes `v1|v3 projects/{p}` and its custom methods.
pub fn dispatch(state: &mut State, ctx: &Ctx, project: &str) -> ApiResult {
    let m = ctx.method;
    let v3 = ctx.path.version == "v3";
    match ctx.path.custom.as_deref() {
        None if m == Method::GET => get(state, ctx, project, v3),
        Some("getIamPolicy") if m == Method::POST || m == Method::GET => {
            let found = authorize(
                state,
                ctx,
                project,
                v3,
                "resourcemanager.projects.getIamPolicy",
            )?;
            found
                .policy
                .current()
                .render(ctx.requested_policy_version()?)
        }
        Some("setIamPolicy") if m == Method::POST => {
            let found = authorize(
                state,
                ctx,
                project,
                v3,
                "resourcemanager.projects.setIamPolicy",
            )?;
            let counter = state.next_counter();
            let agents = state.agent_numbers();
            let target = state
                .project_mut(&found.number)
                .ok_or_else(|| ApiError::forbidden("The caller does not have permission"))?;
            let agent_exists = |n: &str| agents.iter().any(|a| a == n);
            target
                .policy
                .set(ctx.body, counter, &agent_exists, unix_ms())
        }
        Some("testIamPermissions") if m == Method::POST => {
            let found = state
                .project(project)
                .ok_or_else(|| denied(project, v3, "resourcemanager.projects.get"))?;
            auth::held_subset(state.enforce, ctx.caller, found, None, ctx.body)
        }
        _ => Err(ApiError::unknown_method(
            m.as_str(),
            &format!("/{}/projects/{project}", ctx.path.version),
        )),
    }
}

fn denied(project: &str, v3: bool, permission: &str) -> ApiError {
    if v3 {
        ApiError::permission_denied(
            permission,
            &format!("//cloudresourcemanager.googleapis.com/projects/{project}"),
        )
    } else {
        ApiError::forbidden("The caller does not have permission")
    }
}

/// Finds the project (unknown → 403, as the real service answers) and
/// checks `permission` on it.
fn authorize(
    state: &State,
    ctx: &Ctx,
    project: &str,
    v3: bool,
    permission: &str,
) -> Result<Project, ApiError> {
    let found = state
        .project(project)
        .cloned()
        .ok_or_else(|| denied(project, v3, permission))?;
    if !auth::holds(state.enforce, ctx.caller, &found, None, permission) {
        return Err(denied(project, v3, permission));
    }
    Ok(found)
}

fn get(state: &mut State, ctx: &Ctx, project: &str, v3: bool) -> ApiResult {
    let p = authorize(state, ctx, project, v3, "resourcemanager.projects.get")?;
    if v3 {
        let mut out = json!({
            "name": format!("projects/{}", p.number),
            "projectId": p.id,
            "state": "ACTIVE",
            "displayName": p.id,
            "createTime": p.create_time,
            "updateTime": p.create_time,
        });
        if let Some(parent) = &p.parent {
            out["parent"] = json!(parent);
        }
        Ok(out)
    } else {
        let mut out = json!({
            "projectNumber": p.number,
            "projectId": p.id,
            "lifecycleState": "ACTIVE",
            "name": p.id,
            "createTime": p.create_time,
        });
        if let Some((kind, id)) = p.parent.as_deref().and_then(|x| x.split_once('/')) {
            let kind = kind.trim_end_matches('s');
            out["parent"] = json!({"type": kind, "id": id});
        }
        Ok(out)
    }
}
