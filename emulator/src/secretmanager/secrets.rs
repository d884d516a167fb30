//! Secret metadata methods: create, get, list, patch, delete and the
//! secret's IAM policy.

use super::lookup::{authorize, etag_mismatch, find_secret, find_secret_mut};
use super::model::{
    new_secret_fields, render, validate_fields, writable_fields, IMMUTABLE, WRITABLE,
};
use crate::auth;
use crate::clock::unix_ms;
use crate::error::{ApiError, ApiResult};
use crate::path::field_mask;
use crate::request::{page_answer, Ctx};
use crate::state::{Secret, State};
use serde_json::{json, Value};

/// `POST v1/projects/{p}/secrets?secretId=`.
pub fn create(state: &mut State, ctx: &Ctx, project: &str) -> ApiResult {
    let found = authorize(state, ctx, project, None, "secretmanager.secrets.create")?;
    let id = ctx.param("secretId").unwrap_or("");
    let fields = new_secret_fields(id, ctx.body)?;
    let etag = state.next_resource_etag();
    let secret = Secret::new(&found.number, id, fields, etag);
    let key = (found.number.clone(), id.to_string());
    if state.secrets.contains_key(&key) {
        return Err(ApiError::already_exists(format!(
            "Secret [projects/{}/secrets/{id}] already exists.",
            found.number
        )));
    }
    let out = render(&secret);
    state.secrets.insert(key, secret);
    Ok(out)
}

/// `GET v1/projects/{p}/secrets/{s}`.
pub fn get(state: &mut State, ctx: &Ctx, project: &str, secret: &str) -> ApiResult {
    let found = authorize(
        state,
        ctx,
        project,
        Some(secret),
        "secretmanager.secrets.get",
    )?;
    state
        .secrets
        .get(&(found.number.clone(), secret.to_string()))
        .map(render)
        .ok_or_else(|| {
            ApiError::not_found(format!(
                "Secret [projects/{}/secrets/{secret}] not found.",
                found.number
            ))
        })
}

/// `GET v1/projects/{p}/secrets`.
pub fn list(state: &mut State, ctx: &Ctx, project: &str) -> ApiResult {
    let found = authorize(state, ctx, project, None, "secretmanager.secrets.list")?;
    let items: Vec<Value> = state
        .secrets
        .values()
        .filter(|s| s.project_number == found.number)
        .map(render)
        .collect();
    page_answer(ctx, "secrets", items, true)
}

/// `PATCH v1/projects/{p}/secrets/{s}?updateMask=`.
pub fn patch(state: &mut State, ctx: &Ctx, project: &str, secret: &str) -> ApiResult {
    let found = authorize(
        state,
        ctx,
        project,
        Some(secret),
        "secretmanager.secrets.update",
    )?;
    let mask = ctx
        .param("updateMask")
        .filter(|m| !m.is_empty())
        .ok_or_else(|| ApiError::invalid("update_mask is required and must not be empty."))?;
    let paths = field_mask(mask);
    let fields = writable_fields(ctx.body)?;
    let sent_etag = ctx.body.get("etag").and_then(Value::as_str).unwrap_or("");
    let etag = state.next_resource_etag();
    let current = find_secret_mut(state, &found, secret)?;
    if !sent_etag.is_empty() && sent_etag != current.etag {
        return Err(etag_mismatch("Secret"));
    }
    let mut updated = current.fields.clone();
    for path in &paths {
        let top = path.split('.').next().unwrap_or("");
        if IMMUTABLE.contains(&top) {
            return Err(ApiError::invalid(format!(
                "The field {path} is immutable and cannot be updated."
            )));
        }
        if !WRITABLE.contains(&top)
            || (path.contains('.') && top != "labels" && top != "annotations")
        {
            return Err(ApiError::invalid(format!(
                "Invalid update_mask path: {path}"
            )));
        }
        match path.split_once('.') {
            None => match fields.get(top) {
                Some(v) => {
                    updated.insert(top.to_string(), v.clone());
                }
                None => {
                    updated.remove(top);
                }
            },
            Some((map, key)) => {
                let value = fields.get(map).and_then(|m| m.get(key)).cloned();
                let entry = updated.entry(map.to_string()).or_insert_with(|| json!({}));
                if let Some(obj) = entry.as_object_mut() {
                    match value {
                        Some(v) => obj.insert(key.to_string(), v),
                        None => obj.remove(key),
                    };
                }
            }
        }
    }
    updated.remove("ttl");
    validate_fields(&updated)?;
    current.fields = updated;
    current.etag = etag;
    Ok(render(current))
}

/// `DELETE v1/projects/{p}/secrets/{s}` (optional `etag` query).
pub fn delete(state: &mut State, ctx: &Ctx, project: &str, secret: &str) -> ApiResult {
    let found = authorize(
        state,
        ctx,
        project,
        Some(secret),
        "secretmanager.secrets.delete",
    )?;
    let current = find_secret(state, &found, secret)?;
    if let Some(etag) = ctx.param("etag").filter(|e| !e.is_empty()) {
        if etag != current.etag {
            return Err(etag_mismatch("Secret"));
        }
    }
    state
        .secrets
        .remove(&(found.number.clone(), secret.to_string()));
    Ok(json!({}))
}

/// `GET|POST v1/projects/{p}/secrets/{s}:getIamPolicy`.
pub fn get_iam_policy(state: &mut State, ctx: &Ctx, project: &str, secret: &str) -> ApiResult {
    let found = authorize(
        state,
        ctx,
        project,
        Some(secret),
        "secretmanager.secrets.getIamPolicy",
    )?;
    let requested = ctx.requested_policy_version()?;
    find_secret(state, &found, secret)?
        .policy
        .current()
        .render(requested)
}

/// `POST v1/projects/{p}/secrets/{s}:setIamPolicy`.
pub fn set_iam_policy(state: &mut State, ctx: &Ctx, project: &str, secret: &str) -> ApiResult {
    let found = authorize(
        state,
        ctx,
        project,
        Some(secret),
        "secretmanager.secrets.setIamPolicy",
    )?;
    let counter = state.next_counter();
    let agents = state.agent_numbers();
    let current = find_secret_mut(state, &found, secret)?;
    let agent_exists = |n: &str| agents.iter().any(|a| a == n);
    current
        .policy
        .set(ctx.body, counter, &agent_exists, unix_ms())
}

/// `POST v1/projects/{p}/secrets/{s}:testIamPermissions`.
pub fn test_iam_permissions(
    state: &mut State,
    ctx: &Ctx,
    project: &str,
    secret: &str,
) -> ApiResult {
    let found = state
        .project(project)
        .ok_or_else(|| ApiError::forbidden("The caller does not have permission"))?;
    let policy = state
        .secrets
        .get(&(found.number.clone(), secret.to_string()))
        .map(|s| s.policy.current());
    auth::held_subset(state.enforce, ctx.caller, found, policy, ctx.body)
}
