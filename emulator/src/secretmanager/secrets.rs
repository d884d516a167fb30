//! Secret metadata methods: create, get, list, patch, delete and the
//! secret's IAM policy.

use super::{authorize, etag_mismatch, find_secret, find_secret_mut};
use crate::auth;
use crate::clock::now_rfc3339;
use crate::error::{ApiError, ApiResult};
use crate::iam::Policy;
use crate::path::field_mask;
use crate::router::{page_answer, Ctx};
use crate::state::{Secret, State};
use serde_json::{json, Map, Value};

/// `Secret` fields a caller may write (everything else is output-only or
/// unknown).
const WRITABLE: [&str; 10] = [
    "replication",
    "labels",
    "annotations",
    "topics",
    "expireTime",
    "ttl",
    "rotation",
    "versionAliases",
    "versionDestroyTtl",
    "customerManagedEncryption",
];

/// Output-only fields clients may echo back; ignored on input.
const OUTPUT_ONLY: [&str; 4] = ["name", "createTime", "etag", "policyMember"];

/// Fields that cannot change after creation.
const IMMUTABLE: [&str; 2] = ["replication", "customerManagedEncryption"];

/// Validates a secret id: 1-255 of letters, digits, `-` and `_`.
fn validate_secret_id(id: &str) -> Result<(), ApiError> {
    let ok = (1..=255).contains(&id.len())
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if ok {
        Ok(())
    } else {
        Err(ApiError::invalid(format!(
            "Invalid secret id {id:?}: a secret ID is a string with a maximum length of 255 \
             characters and can contain uppercase and lowercase letters, numerals, and the \
             hyphen (-) and underscore (_) characters."
        )))
    }
}

/// Builds a new secret from a `Secret` JSON body, validating every field.
pub fn build_secret(
    state: &mut State,
    project_number: &str,
    id: &str,
    body: &Value,
) -> Result<Secret, ApiError> {
    validate_secret_id(id)?;
    let mut fields = writable_fields(body)?;
    let replication = fields
        .remove("replication")
        .unwrap_or_else(|| json!({"automatic": {}}));
    validate_replication(&replication)?;
    fields.insert("replication".to_string(), replication);
    fields.remove("ttl");
    validate_fields(&fields)?;
    let etag = state.next_resource_etag();
    Ok(Secret {
        project_number: project_number.to_string(),
        id: id.to_string(),
        fields,
        create_time: now_rfc3339(),
        etag,
        versions: Vec::new(),
        policy: Policy::default(),
    })
}

/// Keeps the writable fields of a body; unknown names are rejected the way
/// Google's JSON transcoder does.
fn writable_fields(body: &Value) -> Result<Map<String, Value>, ApiError> {
    let object = match body {
        Value::Object(o) => o,
        Value::Null => return Ok(Map::new()),
        _ => {
            return Err(ApiError::invalid(
                "Invalid JSON payload received. Expected an object.",
            ))
        }
    };
    let mut out = Map::new();
    for (key, value) in object {
        if WRITABLE.contains(&key.as_str()) {
            if !value.is_null() {
                out.insert(key.clone(), value.clone());
            }
        } else if !OUTPUT_ONLY.contains(&key.as_str()) {
            return Err(ApiError::invalid(format!(
                "Invalid JSON payload received. Unknown name \"{key}\" at 'secret': Cannot find field."
            )));
        }
    }
    Ok(out)
}

fn validate_replication(replication: &Value) -> Result<(), ApiError> {
    let automatic = replication.get("automatic").filter(|v| !v.is_null());
    let user = replication.get("userManaged").filter(|v| !v.is_null());
    match (automatic, user) {
        (Some(a), None) if a.is_object() => Ok(()),
        (None, Some(u)) => {
            let replicas = u.get("replicas").and_then(Value::as_array);
            let ok = replicas.is_some_and(|r| {
                !r.is_empty()
                    && r.iter().all(|rep| {
                        rep.get("location")
                            .and_then(Value::as_str)
                            .is_some_and(|l| !l.is_empty())
                    })
            });
            if ok {
                Ok(())
            } else {
                Err(ApiError::invalid(
                    "Secret.replication.user_managed.replicas must list at least one replica with a location.",
                ))
            }
        }
        _ => Err(ApiError::invalid(
            "Secret.replication must set exactly one of automatic or user_managed.",
        )),
    }
}

fn validate_fields(fields: &Map<String, Value>) -> Result<(), ApiError> {
    if let Some(labels) = fields.get("labels") {
        let map = labels
            .as_object()
            .ok_or_else(|| ApiError::invalid("Secret.labels must be a map of strings."))?;
        if map.len() > 64 {
            return Err(ApiError::invalid(
                "No more than 64 labels can be assigned to a secret.",
            ));
        }
        for (k, v) in map {
            let value = v.as_str().unwrap_or("\u{0}");
            if !label_key_ok(k) || !label_value_ok(value) {
                return Err(ApiError::invalid(format!("Invalid label {k:?}.")));
            }
        }
    }
    if let Some(annotations) = fields.get("annotations") {
        let map = annotations
            .as_object()
            .ok_or_else(|| ApiError::invalid("Secret.annotations must be a map of strings."))?;
        let mut total = 0usize;
        for (k, v) in map {
            let value = v
                .as_str()
                .ok_or_else(|| ApiError::invalid("Annotation values must be strings."))?;
            if k.is_empty() || k.len() > 63 {
                return Err(ApiError::invalid(format!("Invalid annotation key {k:?}.")));
            }
            total += k.len() + value.len();
        }
        if total >= 16 * 1024 {
            return Err(ApiError::invalid(
                "The total size of annotation keys and values must be less than 16KiB.",
            ));
        }
    }
    Ok(())
}

fn label_key_ok(key: &str) -> bool {
    let mut chars = key.chars();
    chars.next().is_some_and(char::is_lowercase)
        && key.chars().count() <= 63
        && chars.all(|c| c.is_lowercase() || c.is_numeric() || c == '_' || c == '-')
}

fn label_value_ok(value: &str) -> bool {
    value.chars().count() <= 63
        && value
            .chars()
            .all(|c| c.is_lowercase() || c.is_numeric() || c == '_' || c == '-')
}

/// The `Secret` JSON.
pub fn render(secret: &Secret) -> Value {
    let mut out = Map::new();
    out.insert("name".into(), json!(secret.name()));
    for (k, v) in &secret.fields {
        let empty_map = v.as_object().is_some_and(Map::is_empty);
        if !empty_map || k == "replication" {
            out.insert(k.clone(), v.clone());
        }
    }
    out.insert("createTime".into(), json!(secret.create_time));
    out.insert("etag".into(), json!(secret.etag));
    Value::Object(out)
}

/// `POST v1/projects/{p}/secrets?secretId=`.
pub fn create(state: &mut State, ctx: &Ctx, project: &str) -> ApiResult {
    let found = authorize(state, ctx, project, None, "secretmanager.secrets.create")?;
    let id = ctx.param("secretId").unwrap_or("");
    let secret = build_secret(state, &found.number, id, ctx.body)?;
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
    find_secret(state, &found, secret)?.policy.render(requested)
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
    current
        .policy
        .set(ctx.body, counter, &|n| agents.iter().any(|a| a == n))
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
        .map(|s| &s.policy);
    auth::held_subset(state.enforce, ctx.caller, found, policy, ctx.body)
}
