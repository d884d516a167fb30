//! Artifact Registry v1: `projects.locations.repositories` and
//! `projects.locations.operations`. Create and delete answer finished
//! long-running operations; patch answers the repository.

mod model;
mod patch;
mod upstream;

pub use model::{normalize_body, validate_repository, validate_repository_id};

use crate::auth;
use crate::clock::now_rfc3339;
use crate::error::{ApiError, ApiResult};
use crate::iam::Policy;
use crate::path::field_mask;
use crate::router::{paginate, Ctx};
use crate::state::{Project, Repository, State};
use axum::http::Method;
use serde_json::{json, Value};

const OPERATION_METADATA: &str =
    "type.googleapis.com/google.devtools.artifactregistry.v1.OperationMetadata";
const REPOSITORY_TYPE: &str = "type.googleapis.com/google.devtools.artifactregistry.v1.Repository";

/// Routes `projects/{p}/locations/{l}/...` (`parts` starts at the project).
pub fn dispatch(state: &mut State, ctx: &Ctx, parts: &[&str]) -> ApiResult {
    let m = ctx.method;
    let custom = ctx.path.custom.as_deref();
    match (parts, custom) {
        ([p, "locations", l, "repositories"], None) if m == Method::GET => list(state, ctx, p, l),
        ([p, "locations", l, "repositories"], None) if m == Method::POST => {
            create(state, ctx, p, l)
        }
        ([p, "locations", l, "repositories", r], None) if m == Method::GET => {
            get(state, ctx, p, l, r)
        }
        ([p, "locations", l, "repositories", r], None) if m == Method::PATCH => {
            update(state, ctx, p, l, r)
        }
        ([p, "locations", l, "repositories", r], None) if m == Method::DELETE => {
            delete(state, ctx, p, l, r)
        }
        ([p, "locations", l, "repositories", r], Some("testIamPermissions"))
            if m == Method::POST =>
        {
            test_iam_permissions(state, ctx, p, l, r)
        }
        ([p, "locations", l, "repositories", r], Some("getIamPolicy"))
            if m == Method::GET || m == Method::POST =>
        {
            get_iam_policy(state, ctx, p, l, r)
        }
        ([p, "locations", l, "repositories", r], Some("setIamPolicy")) if m == Method::POST => {
            set_iam_policy(state, ctx, p, l, r)
        }
        ([p, "locations", l, "operations", o], None) if m == Method::GET => {
            get_operation(state, ctx, p, l, o)
        }
        _ => Err(ApiError::unknown_method(
            m.as_str(),
            &format!("/v1/projects/{}", parts.join("/")),
        )),
    }
}

fn repo_name(project: &str, location: &str, repo: &str) -> String {
    format!("projects/{project}/locations/{location}/repositories/{repo}")
}

fn not_found() -> ApiError {
    ApiError::not_found("Requested entity was not found.")
}

/// Resolves the project and checks `permission` on the repository (with
/// its policy when it exists) or on the location.
fn authorize(
    state: &State,
    ctx: &Ctx,
    project: &str,
    location: &str,
    repo: Option<&str>,
    permission: &str,
) -> Result<Project, ApiError> {
    let resource = match repo {
        Some(r) => repo_name(project, location, r),
        None => format!("projects/{project}/locations/{location}"),
    };
    let found = state
        .project(project)
        .cloned()
        .ok_or_else(|| ApiError::permission_denied(permission, &resource))?;
    let policy = repo.and_then(|r| {
        state
            .repositories
            .get(&(found.id.clone(), location.to_string(), r.to_string()))
            .map(|x| &x.policy)
    });
    auth::require(
        state.enforce,
        ctx.caller,
        &found,
        policy,
        permission,
        &resource,
    )?;
    Ok(found)
}

/// Builds a repository from a normalised body; used by create and seeding.
pub fn build_repository(
    project: &Project,
    location: &str,
    id: &str,
    fields: serde_json::Map<String, Value>,
) -> Result<Repository, ApiError> {
    validate_repository_id(id)?;
    if location.is_empty()
        || !location
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        return Err(ApiError::invalid(format!("Invalid location {location:?}.")));
    }
    let mut fields = fields;
    if !fields.contains_key("mode") || fields["mode"] == json!("MODE_UNSPECIFIED") {
        fields.insert("mode".into(), json!("STANDARD_REPOSITORY"));
    }
    model::prune(&mut fields);
    validate_repository(&fields)?;
    let now = now_rfc3339();
    Ok(Repository {
        project_id: project.id.clone(),
        location: location.to_string(),
        id: id.to_string(),
        fields,
        create_time: now.clone(),
        update_time: now,
        policy: Policy::default(),
    })
}

fn finished_operation(
    state: &mut State,
    project_id: &str,
    location: &str,
    response: Value,
) -> Value {
    let name = format!(
        "projects/{project_id}/locations/{location}/operations/{}",
        state.uuid()
    );
    let op = json!({
        "name": name,
        "metadata": {"@type": OPERATION_METADATA},
        "done": true,
        "response": response,
    });
    state.operations.insert(name, op.clone());
    op
}

/// `POST v1/projects/{p}/locations/{l}/repositories?repositoryId=`.
fn create(state: &mut State, ctx: &Ctx, project: &str, location: &str) -> ApiResult {
    let found = authorize(
        state,
        ctx,
        project,
        location,
        None,
        "artifactregistry.repositories.create",
    )?;
    let id = ctx.param("repositoryId").unwrap_or("");
    let body = normalize_body(ctx.body)?;
    let repo = build_repository(&found, location, id, body.fields)?;
    let key = (found.id.clone(), location.to_string(), id.to_string());
    if state.repositories.contains_key(&key) {
        return Err(ApiError::already_exists("the repository already exists"));
    }
    if !body.skip_upstream_validation {
        if let Some(creds) = model::credentials(&repo.fields) {
            upstream::check(state, &found, creds)?;
        }
    }
    let mut response = model::render(&repo);
    response["@type"] = json!(REPOSITORY_TYPE);
    state.repositories.insert(key, repo);
    Ok(finished_operation(state, &found.id, location, response))
}

/// `GET v1/projects/{p}/locations/{l}/repositories/{r}`.
fn get(state: &mut State, ctx: &Ctx, project: &str, location: &str, repo: &str) -> ApiResult {
    let found = authorize(
        state,
        ctx,
        project,
        location,
        Some(repo),
        "artifactregistry.repositories.get",
    )?;
    state
        .repositories
        .get(&(found.id, location.to_string(), repo.to_string()))
        .map(model::render)
        .ok_or_else(not_found)
}

/// `GET v1/projects/{p}/locations/{l}/repositories`.
fn list(state: &mut State, ctx: &Ctx, project: &str, location: &str) -> ApiResult {
    let found = authorize(
        state,
        ctx,
        project,
        location,
        None,
        "artifactregistry.repositories.list",
    )?;
    let items: Vec<Value> = state
        .repositories
        .values()
        .filter(|r| r.project_id == found.id && r.location == location)
        .map(model::render)
        .collect();
    let (page, next) = paginate(ctx, items)?;
    let mut out = json!({});
    if !page.is_empty() {
        out["repositories"] = Value::Array(page);
    }
    if let Some(token) = next {
        out["nextPageToken"] = json!(token);
    }
    Ok(out)
}

/// `PATCH v1/projects/{p}/locations/{l}/repositories/{r}?updateMask=`.
fn update(state: &mut State, ctx: &Ctx, project: &str, location: &str, repo: &str) -> ApiResult {
    let found = authorize(
        state,
        ctx,
        project,
        location,
        Some(repo),
        "artifactregistry.repositories.update",
    )?;
    let key = (found.id.clone(), location.to_string(), repo.to_string());
    let current = state.repositories.get(&key).ok_or_else(not_found)?;
    let body = normalize_body(ctx.body)?;
    let mask = ctx
        .param("updateMask")
        .filter(|m| !m.trim().is_empty())
        .map(field_mask);
    let fields = patch::apply(&current.fields, &body.fields, mask)?;
    validate_repository(&fields)?;
    let new_creds = model::credentials(&fields);
    let changed = new_creds != model::credentials(&current.fields);
    if changed && !body.skip_upstream_validation {
        if let Some(creds) = new_creds {
            upstream::check(state, &found, creds)?;
        }
    }
    let entry = state.repositories.get_mut(&key).ok_or_else(not_found)?;
    entry.fields = fields;
    entry.update_time = now_rfc3339();
    Ok(model::render(entry))
}

/// `DELETE v1/projects/{p}/locations/{l}/repositories/{r}`.
fn delete(state: &mut State, ctx: &Ctx, project: &str, location: &str, repo: &str) -> ApiResult {
    let found = authorize(
        state,
        ctx,
        project,
        location,
        Some(repo),
        "artifactregistry.repositories.delete",
    )?;
    let key = (found.id.clone(), location.to_string(), repo.to_string());
    state.repositories.remove(&key).ok_or_else(not_found)?;
    let response = json!({"@type": "type.googleapis.com/google.protobuf.Empty"});
    Ok(finished_operation(state, &found.id, location, response))
}

/// `GET v1/projects/{p}/locations/{l}/operations/{o}`.
fn get_operation(
    state: &mut State,
    ctx: &Ctx,
    project: &str,
    location: &str,
    op: &str,
) -> ApiResult {
    let found = authorize(
        state,
        ctx,
        project,
        location,
        None,
        "artifactregistry.repositories.get",
    )?;
    let name = format!("projects/{}/locations/{location}/operations/{op}", found.id);
    state.operations.get(&name).cloned().ok_or_else(not_found)
}

/// `POST ...repositories/{r}:testIamPermissions`.
fn test_iam_permissions(
    state: &mut State,
    ctx: &Ctx,
    project: &str,
    location: &str,
    repo: &str,
) -> ApiResult {
    let found = state
        .project(project)
        .ok_or_else(|| ApiError::forbidden("The caller does not have permission"))?;
    let policy = state
        .repositories
        .get(&(found.id.clone(), location.to_string(), repo.to_string()))
        .map(|r| &r.policy);
    auth::held_subset(state.enforce, ctx.caller, found, policy, ctx.body)
}

/// `GET ...repositories/{r}:getIamPolicy`.
fn get_iam_policy(
    state: &mut State,
    ctx: &Ctx,
    project: &str,
    location: &str,
    repo: &str,
) -> ApiResult {
    let found = authorize(
        state,
        ctx,
        project,
        location,
        Some(repo),
        "artifactregistry.repositories.getIamPolicy",
    )?;
    let requested = ctx.requested_policy_version()?;
    state
        .repositories
        .get(&(found.id, location.to_string(), repo.to_string()))
        .ok_or_else(not_found)?
        .policy
        .render(requested)
}

/// `POST ...repositories/{r}:setIamPolicy`.
fn set_iam_policy(
    state: &mut State,
    ctx: &Ctx,
    project: &str,
    location: &str,
    repo: &str,
) -> ApiResult {
    let found = authorize(
        state,
        ctx,
        project,
        location,
        Some(repo),
        "artifactregistry.repositories.setIamPolicy",
    )?;
    let counter = state.next_counter();
    let agents = state.agent_numbers();
    state
        .repositories
        .get_mut(&(found.id, location.to_string(), repo.to_string()))
        .ok_or_else(not_found)?
        .policy
        .set(ctx.body, counter, &|n| agents.iter().any(|a| a == n))
}
