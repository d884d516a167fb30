//! Who is calling and what they may do: bearer token → principal, a static
//! table of predefined roles → permissions, and the check each method runs
//! against the project policy plus the resource's own policy.

use crate::error::ApiError;
use crate::iam::Policy;
use crate::state::{Project, State};
use axum::http::HeaderMap;
use std::hash::{Hash, Hasher};

/// The authenticated caller of one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Caller {
    /// No seeded principals: any token acts as owner. Holds a token hash
    /// for the request log (never the token itself).
    Anyone(String),
    /// A seeded principal such as `user:alice@example.com`.
    Member(String),
}

impl Caller {
    /// How the request log names this caller.
    pub fn label(&self) -> &str {
        match self {
            Caller::Anyone(hash) | Caller::Member(hash) => hash,
        }
    }
}

/// Resolves the `Authorization: Bearer` header to a caller.
pub fn identify(headers: &HeaderMap, state: &State) -> Result<Caller, ApiError> {
    let token = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            let (scheme, token) = v.trim().split_once(' ')?;
            scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
        })
        .filter(|t| !t.is_empty())
        .ok_or_else(ApiError::unauthenticated)?;
    if !state.enforce {
        return Ok(Caller::Anyone(token_label(token)));
    }
    state
        .principals
        .get(token)
        .map(|member| Caller::Member(member.clone()))
        .ok_or_else(ApiError::invalid_credentials)
}

/// A stable, non-reversible label for a token, for logs and quotas.
pub fn token_label(token: &str) -> String {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    token.hash(&mut hasher);
    format!("token:{:016x}", hasher.finish())
}

/// Resolves `project` (id or number) and checks `permission` on `resource`
/// against the project policy plus the policy `resource_policy` finds for
/// the resolved project. An unknown project answers PERMISSION_DENIED on
/// `resource`, as Google does, so that callers cannot probe for projects.
pub fn authorize<'s>(
    state: &'s State,
    caller: &Caller,
    project: &str,
    resource: &str,
    permission: &str,
    resource_policy: impl FnOnce(&Project) -> Option<&'s Policy>,
) -> Result<Project, ApiError> {
    let found = state
        .project(project)
        .cloned()
        .ok_or_else(|| ApiError::permission_denied(permission, resource))?;
    let policy = resource_policy(&found);
    require(state.enforce, caller, &found, policy, permission, resource)?;
    Ok(found)
}

/// Fails with PERMISSION_DENIED unless the caller holds `permission`
/// through the project's policy or the resource's policy.
pub fn require(
    enforce: bool,
    caller: &Caller,
    project: &Project,
    resource_policy: Option<&Policy>,
    permission: &str,
    resource: &str,
) -> Result<(), ApiError> {
    if holds(enforce, caller, project, resource_policy, permission) {
        Ok(())
    } else {
        Err(ApiError::permission_denied(permission, resource))
    }
}

/// Whether the caller holds `permission` here.
pub fn holds(
    enforce: bool,
    caller: &Caller,
    project: &Project,
    resource_policy: Option<&Policy>,
    permission: &str,
) -> bool {
    match caller {
        Caller::Anyone(_) => !enforce,
        Caller::Member(member) => member_holds(
            member,
            project.policy.current(),
            resource_policy,
            permission,
        ),
    }
}

/// Whether `member` holds `permission` through unconditional bindings of
/// the project's policy or the resource's.
pub fn member_holds(
    member: &str,
    project_policy: &Policy,
    resource_policy: Option<&Policy>,
    permission: &str,
) -> bool {
    project_policy
        .roles_of(member)
        .chain(resource_policy.into_iter().flat_map(|p| p.roles_of(member)))
        .any(|role| role_grants(role, permission))
}

/// The predefined roles the emulator models, as permission predicates.
pub fn role_grants(role: &str, permission: &str) -> bool {
    let (service, rest) = permission.split_once('.').unwrap_or((permission, ""));
    let verb = permission.rsplit('.').next().unwrap_or("");
    let read = matches!(verb, "get" | "list");
    match role {
        "roles/owner" => true,
        "roles/editor" => !verb.eq("setIamPolicy") && permission != "secretmanager.versions.access",
        "roles/viewer" => read || verb == "getIamPolicy",
        "roles/secretmanager.admin" => service == "secretmanager" || is_project_read(permission),
        "roles/secretmanager.secretAccessor" => permission == "secretmanager.versions.access",
        "roles/secretmanager.secretVersionAdder" => permission == "secretmanager.versions.add",
        "roles/secretmanager.secretVersionManager" => matches!(
            permission,
            "secretmanager.versions.add"
                | "secretmanager.versions.enable"
                | "secretmanager.versions.disable"
                | "secretmanager.versions.destroy"
                | "secretmanager.versions.get"
                | "secretmanager.versions.list"
        ),
        "roles/secretmanager.viewer" => {
            service == "secretmanager" && read && rest != "versions.access"
        }
        "roles/artifactregistry.admin" => {
            service == "artifactregistry" || is_project_read(permission)
        }
        "roles/artifactregistry.repoAdmin" => {
            service == "artifactregistry"
                && !matches!(
                    permission,
                    "artifactregistry.repositories.create"
                        | "artifactregistry.repositories.setIamPolicy"
                )
        }
        "roles/artifactregistry.writer" => matches!(
            permission,
            "artifactregistry.locations.get"
                | "artifactregistry.locations.list"
                | "artifactregistry.repositories.get"
                | "artifactregistry.repositories.list"
                | "artifactregistry.repositories.downloadArtifacts"
                | "artifactregistry.repositories.uploadArtifacts"
        ),
        "roles/artifactregistry.reader" => matches!(
            permission,
            "artifactregistry.locations.get"
                | "artifactregistry.locations.list"
                | "artifactregistry.repositories.get"
                | "artifactregistry.repositories.list"
                | "artifactregistry.repositories.downloadArtifacts"
        ),
        "roles/resourcemanager.projectIamAdmin" => matches!(
            permission,
            "resourcemanager.projects.getIamPolicy" | "resourcemanager.projects.setIamPolicy"
        ),
        "roles/iam.securityAdmin" => matches!(verb, "getIamPolicy" | "setIamPolicy"),
        "roles/serviceusage.serviceUsageAdmin" | "roles/serviceusage.serviceUsageConsumer" => {
            service == "serviceusage"
        }
        _ => false,
    }
}

fn is_project_read(permission: &str) -> bool {
    matches!(
        permission,
        "resourcemanager.projects.get" | "resourcemanager.projects.list"
    )
}

/// The `testIamPermissions` answer: the subset of `permissions` held.
pub fn held_subset(
    enforce: bool,
    caller: &Caller,
    project: &Project,
    resource_policy: Option<&Policy>,
    body: &serde_json::Value,
) -> Result<serde_json::Value, ApiError> {
    let requested = match body.get("permissions") {
        None | Some(serde_json::Value::Null) => Vec::new(),
        Some(serde_json::Value::Array(items)) => items
            .iter()
            .map(|p| {
                p.as_str()
                    .map(str::to_string)
                    .ok_or_else(|| ApiError::invalid("permissions must be strings"))
            })
            .collect::<Result<Vec<_>, _>>()?,
        Some(_) => return Err(ApiError::invalid("permissions must be a list of strings")),
    };
    let held: Vec<String> = requested
        .into_iter()
        .filter(|p| holds(enforce, caller, project, resource_policy, p))
        .collect();
    if held.is_empty() {
        Ok(serde_json::json!({}))
    } else {
        Ok(serde_json::json!({ "permissions": held }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_table_matches_predefined_roles() {
        assert!(role_grants("roles/owner", "secretmanager.versions.access"));
        assert!(!role_grants(
            "roles/editor",
            "secretmanager.versions.access"
        ));
        assert!(!role_grants(
            "roles/editor",
            "secretmanager.secrets.setIamPolicy"
        ));
        assert!(role_grants("roles/viewer", "secretmanager.secrets.get"));
        assert!(!role_grants("roles/viewer", "secretmanager.versions.add"));
        assert!(role_grants(
            "roles/secretmanager.secretAccessor",
            "secretmanager.versions.access"
        ));
        assert!(!role_grants(
            "roles/secretmanager.secretAccessor",
            "secretmanager.versions.get"
        ));
        assert!(!role_grants(
            "roles/secretmanager.viewer",
            "secretmanager.versions.access"
        ));
        assert!(role_grants(
            "roles/artifactregistry.admin",
            "artifactregistry.repositories.update"
        ));
        assert!(!role_grants(
            "roles/artifactregistry.reader",
            "artifactregistry.repositories.update"
        ));
        assert!(role_grants(
            "roles/artifactregistry.reader",
            "artifactregistry.locations.list"
        ));
        assert!(!role_grants(
            "roles/secretmanager.secretAccessor",
            "artifactregistry.locations.list"
        ));
        assert!(!role_grants("roles/unknown", "secretmanager.secrets.get"));
    }

    #[test]
    fn token_label_hides_token() {
        let label = token_label("pypi-SECRET-token");
        assert!(!label.contains("SECRET"));
        assert_eq!(label, token_label("pypi-SECRET-token"));
    }
}
