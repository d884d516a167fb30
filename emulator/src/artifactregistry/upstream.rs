//! The upstream check Artifact Registry runs when remote credentials are
//! set: the password secret version must exist and be ENABLED, the
//! repository project's service agent must be able to access it (as IAM
//! has propagated), and the upstream must accept the token it holds.

use crate::auth::member_holds;
use crate::clock::unix_ms;
use crate::error::ApiError;
use crate::iam::ar_agent_email;
use crate::state::{Project, State, VersionState};
use serde_json::{Map, Value};

/// Verifies `creds` (a `usernamePasswordCredentials` object) for a
/// repository in `repo_project`.
pub fn check(
    state: &State,
    repo_project: &Project,
    creds: &Map<String, Value>,
) -> Result<(), ApiError> {
    let Some(version_name) = creds.get("passwordSecretVersion").and_then(Value::as_str) else {
        return Ok(());
    };
    let fail =
        |why: String| ApiError::precondition(format!("Failed to validate remote upstream: {why}"));
    let parts: Vec<&str> = version_name.split('/').collect();
    let (project, secret, version) = match parts.as_slice() {
        ["projects", p, "secrets", s, "versions", v]
            if !p.is_empty() && !s.is_empty() && !v.is_empty() =>
        {
            (*p, *s, *v)
        }
        _ => {
            return Err(ApiError::invalid(format!(
                "Invalid password secret version {version_name:?}: expected \
                 projects/{{project}}/secrets/{{secret}}/versions/{{version}}."
            )))
        }
    };
    let missing = || fail(format!("secret version {version_name} does not exist."));
    let secret_project = state.project(project).ok_or_else(missing)?;
    let entry = state
        .secrets
        .get(&(secret_project.number.clone(), secret.to_string()))
        .ok_or_else(missing)?;
    let found = if version == "latest" {
        entry.versions.last()
    } else {
        version
            .parse::<u64>()
            .ok()
            .and_then(|n| entry.versions.iter().find(|v| v.number == n))
    }
    .ok_or_else(missing)?;
    if found.state != VersionState::Enabled {
        return Err(fail(format!(
            "secret version {version_name} is in {} state; upstream credentials need an ENABLED version.",
            found.state.as_str()
        )));
    }
    let agent = ar_agent_email(&repo_project.number);
    if !repo_project.service_agent {
        return Err(fail(format!(
            "the Artifact Registry service agent {agent} does not exist; create it with \
             services.generateServiceIdentity for artifactregistry.googleapis.com."
        )));
    }
    let member = format!("serviceAccount:{agent}");
    // The agent's check runs inside Google: it sees policies as propagated.
    let (now, delay) = (unix_ms(), state.settings.iam_propagation_ms);
    if !member_holds(
        &member,
        secret_project.policy.as_seen(now, delay),
        Some(entry.policy.as_seen(now, delay)),
        "secretmanager.versions.access",
    ) {
        return Err(fail(format!(
            "the Artifact Registry service agent {agent} lacks permission \
             'secretmanager.versions.access' on secret version {version_name}; grant it \
             roles/secretmanager.secretAccessor on the secret."
        )));
    }
    // The upstream itself refuses tokens it does not know (PyPI revoked it).
    if state
        .settings
        .rejected_tokens_crc32c
        .contains(&crc32c::crc32c(&found.payload))
    {
        return Err(ApiError::invalid(
            "Failed to validate remote upstream: failed to fetch bearer token; upstream answered \
             403 Forbidden: this typically means your upstream credentials are invalid.",
        ));
    }
    Ok(())
}
