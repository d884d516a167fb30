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
use crate::ids;
use crate::path::field_mask;
use crate::router::{page_answer, Ctx};
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
    let (at, rest) = match parts {
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

/// The `projects/{project}/locations/{location}` a request addresses, as
/// the caller spelled the project (id or number).
#[derive(Clone, Copy)]
struct At<'a> {
    /// Project id or number from the path.
    project: &'a str,
    /// Location from the path.
    location: &'a str,
}

impl At<'_> {
    /// The full name of repository `repo` here, as permission errors name it.
    fn repo_name(&self, repo: &str) -> String {
        format!(
            "projects/{}/locations/{}/repositories/{repo}",
            self.project, self.location
        )
    }

    /// The state key of repository `repo` here, once the project is resolved.
    fn key(&self, found: &Project, repo: &str) -> (String, String, String) {
        (found.id.clone(), self.location.into(), repo.into())
    }

    /// Resolves the project and checks `artifactregistry.repositories.{verb}`
    /// on the repository (with its policy when it exists) or, without
    /// `repo`, on the location.
    fn authorize(
        &self,
        state: &State,
        ctx: &Ctx,
        repo: Option<&str>,
        verb: &str,
    ) -> Result<Project, ApiError> {
        let resource = match repo {
            Some(r) => self.repo_name(r),
            None => format!("projects/{}/locations/{}", self.project, self.location),
        };
        let permission = format!("artifactregistry.repositories.{verb}");
        let policy = |found: &Project| {
            let key = self.key(found, repo?);
            state.repositories.get(&key).map(|r| &r.policy)
        };
        auth::authorize(
            state,
            ctx.caller,
            self.project,
            &resource,
            &permission,
            policy,
        )
    }
}

fn not_found() -> ApiError {
    ApiError::not_found("Requested entity was not found.")
}

/// Builds a repository from a normalised body; used by create and seeding.
pub fn build_repository(
    project: &Project,
    location: &str,
    id: &str,
    fields: serde_json::Map<String, Value>,
) -> Result<Repository, ApiError> {
    validate_repository_id(id)?;
    if location.is_empty() || !location.chars().all(ids::is_lowercase_id_char) {
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
fn create(state: &mut State, ctx: &Ctx, at: At) -> ApiResult {
    let found = at.authorize(state, ctx, None, "create")?;
    let id = ctx.param("repositoryId").unwrap_or("");
    let body = normalize_body(ctx.body)?;
    let repo = build_repository(&found, at.location, id, body.fields)?;
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
fn get(state: &mut State, ctx: &Ctx, at: At, repo: &str) -> ApiResult {
    let found = at.authorize(state, ctx, Some(repo), "get")?;
    state
        .repositories
        .get(&at.key(&found, repo))
        .map(model::render)
        .ok_or_else(not_found)
}

/// `GET v1/projects/{p}/locations/{l}/repositories`.
fn list(state: &mut State, ctx: &Ctx, at: At) -> ApiResult {
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
fn update(state: &mut State, ctx: &Ctx, at: At, repo: &str) -> ApiResult {
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
fn delete(state: &mut State, ctx: &Ctx, at: At, repo: &str) -> ApiResult {
    let found = at.authorize(state, ctx, Some(repo), "delete")?;
    state
        .repositories
        .remove(&at.key(&found, repo))
        .ok_or_else(not_found)?;
    let response = json!({"@type": "type.googleapis.com/google.protobuf.Empty"});
    Ok(finished_operation(state, &found.id, at.location, response))
}

/// `GET v1/projects/{p}/locations/{l}/operations/{o}`.
fn get_operation(state: &mut State, ctx: &Ctx, at: At, op: &str) -> ApiResult {
    let found = at.authorize(state, ctx, None, "get")?;
    let name = format!(
        "projects/{}/locations/{}/operations/{op}",
        found.id, at.location
    );
    state.operations.get(&name).cloned().ok_or_else(not_found)
}

/// `POST ...repositories/{r}:testIamPermissions`.
fn test_iam_permissions(state: &mut State, ctx: &Ctx, at: At, repo: &str) -> ApiResult {
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
fn get_iam_policy(state: &mut State, ctx: &Ctx, at: At, repo: &str) -> ApiResult {
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
fn set_iam_policy(state: &mut State, ctx: &Ctx, at: At, repo: &str) -> ApiResult {
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
