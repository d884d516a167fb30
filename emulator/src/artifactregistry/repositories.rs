//! Repository methods: create and delete (answered as finished
//! long-running operations), get, list, patch (the upstream check runs when
//! credentials change), the repository's IAM policy, and `operations.get`.

use super::at::At;
use super::model::{self, normalize_body, validate_repository};
use super::{patch, upstream};
use crate::auth;
use crate::clock::now_rfc3339;
use crate::error::{ApiError, ApiResult};
use crate::path::field_mask;
use crate::request::{page_answer, Ctx};
use crate::state::{Repository, State};
use serde_json::{json, Value};

const OPERATION_METADATA: &str =
    "type.googleapis.com/google.devtools.artifactregistry.v1.OperationMetadata";
const REPOSITORY_TYPE: &str = "type.googleapis.com/google.devtools.artifactregistry.v1.Repository";

fn not_found() -> ApiError {
    ApiError::not_found("Requested entity was not found.")
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
pub fn create(state: &mut State, ctx: &Ctx, at: At) -> ApiResult {
    let found = at.authorize(state, ctx, None, "create")?;
    let id = ctx.param("repositoryId").unwrap_or("");
    let body = normalize_body(ctx.body)?;
    let fields = model::new_repository_fields(at.location, id, body.fields)?;
    let repo = Repository::new(&found.id, at.location, id, fields);
    let key = at.key(&found, id);
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
    Ok(finished_operation(state, &found.id, at.location, response))
}

/// `GET v1/projects/{p}/locations/{l}/repositories/{r}`.
pub fn get(state: &mut State, ctx: &Ctx, at: At, repo: &str) -> ApiResult {
    let found = at.authorize(state, ctx, Some(repo), "get")?;
    state
        .repositories
        .get(&at.key(&found, repo))
        .map(model::render)
        .ok_or_else(not_found)
}

/// `GET v1/projects/{p}/locations/{l}/repositories`.
pub fn list(state: &mut State, ctx: &Ctx, at: At) -> ApiResult {
    let found = at.authorize(state, ctx, None, "list")?;
    let items: Vec<Value> = state
        .repositories
        .values()
        .filter(|r| r.project_id == found.id && r.location == at.location)
        .map(model::render)
        .collect();
    page_answer(ctx, "repositories", items, false)
}

/// `PATCH v1/projects/{p}/locations/{l}/repositories/{r}?updateMask=`.
pub fn update(state: &mut State, ctx: &Ctx, at: At, repo: &str) -> ApiResult {
    let found = at.authorize(state, ctx, Some(repo), "update")?;
    let key = at.key(&found, repo);
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
pub fn delete(state: &mut State, ctx: &Ctx, at: At, repo: &str) -> ApiResult {
    let found = at.authorize(state, ctx, Some(repo), "delete")?;
    state
        .repositories
        .remove(&at.key(&found, repo))
        .ok_or_else(not_found)?;
    let response = json!({"@type": "type.googleapis.com/google.protobuf.Empty"});
    Ok(finished_operation(state, &found.id, at.location, response))
}

/// `GET v1/projects/{p}/locations/{l}/operations/{o}`.
pub fn get_operation(state: &mut State, ctx: &Ctx, at: At, op: &str) -> ApiResult {
    let found = at.authorize(state, ctx, None, "get")?;
    let name = format!(
        "projects/{}/locations/{}/operations/{op}",
        found.id, at.location
    );
    state.operations.get(&name).cloned().ok_or_else(not_found)
}

/// `POST ...repositories/{r}:testIamPermissions`.
pub fn test_iam_permissions(state: &mut State, ctx: &Ctx, at: At, repo: &str) -> ApiResult {
    let found = state
        .project(at.project)
        .ok_or_else(|| ApiError::forbidden("The caller does not have permission"))?;
    let policy = state
        .repositories
        .get(&at.key(found, repo))
        .map(|r| &r.policy);
    auth::held_subset(state.enforce, ctx.caller, found, policy, ctx.body)
}

/// `GET ...repositories/{r}:getIamPolicy`.
pub fn get_iam_policy(state: &mut State, ctx: &Ctx, at: At, repo: &str) -> ApiResult {
    let found = at.authorize(state, ctx, Some(repo), "getIamPolicy")?;
    let requested = ctx.requested_policy_version()?;
    state
        .repositories
        .get(&at.key(&found, repo))
        .ok_or_else(not_found)?
        .policy
        .render(requested)
}

/// `POST ...repositories/{r}:setIamPolicy`.
pub fn set_iam_policy(state: &mut State, ctx: &Ctx, at: At, repo: &str) -> ApiResult {
    let found = at.authorize(state, ctx, Some(repo), "setIamPolicy")?;
    let counter = state.next_counter();
    let agents = state.agent_numbers();
    state
        .repositories
        .get_mut(&at.key(&found, repo))
        .ok_or_else(not_found)?
        .policy
        .set(ctx.body, counter, &|n| agents.iter().any(|a| a == n))
}
