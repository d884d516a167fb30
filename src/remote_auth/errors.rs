//! Turning API errors into diagnostics that name the operation, the resource
//! and the fix, using the roles Google's guide lists.

use crate::google::ApiError;
use crate::tfplugin::Diagnostic;

/// The step of the workflow an error happened in; picks the fix to suggest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Resource Manager `projects.get`.
    ProjectLookup,
    /// Reading the repository.
    GetRepository,
    /// Setting or clearing the repository's upstream credentials.
    PatchRepository,
    /// Reading, creating, updating or deleting the secret.
    Secret,
    /// Adding, reading, disabling or destroying a secret version.
    Version,
    /// Reading or writing the secret's IAM policy.
    SecretPolicy,
    /// Generating the Artifact Registry service agent.
    ServiceAgent,
}

/// Role names from Google's guide.
const SECRET_ADMIN: &str = "Secret Manager Admin (`roles/secretmanager.admin`)";
/// Role names from Google's guide.
const AR_ADMIN: &str = "Artifact Registry Admin (`roles/artifactregistry.admin`)";

/// A diagnostic for `err` during `operation` on `resource`.
pub fn api_error(step: Step, operation: &str, resource: &str, err: &ApiError) -> Diagnostic {
    let summary = format!("Failed to {operation}");
    let fix = fix_for(step, resource, err);
    Diagnostic::error(
        summary,
        format!("{operation} ({resource}) failed: {err}.\n\n{fix}"),
    )
}

/// What the user should do about `err`.
fn fix_for(step: Step, resource: &str, err: &ApiError) -> String {
    match err {
        ApiError::Cancelled => return "Terraform asked the provider to stop. The saved state records what exists; the next apply or destroy finishes or cleans up.".into(),
        ApiError::DeadlineExceeded { .. } => return "The operation ran out of time. Retry, or raise the matching entry of the `timeouts` block.".into(),
        ApiError::Auth(_) => return "Check the provider's credentials (`credentials`, `access_token`, Application Default Credentials or `impersonate_service_account`).".into(),
        ApiError::Transport { .. } => return "Google could not be reached. Check the network and any custom endpoint settings, then retry.".into(),
        _ => {}
    }
    if err.is_permission_denied() {
        return match step {
            Step::Secret | Step::Version | Step::SecretPolicy => format!(
                "The caller needs {SECRET_ADMIN} on the secret {resource} or on its project, as Google's guide lists (it grants creating secrets and versions and changing the secret's IAM policy)."
            ),
            Step::GetRepository | Step::PatchRepository => {
                format!("The caller needs {AR_ADMIN} on the repository or its project, as Google's guide lists.")
            }
            Step::ProjectLookup => "The caller needs `resourcemanager.projects.get` on the project (for example through Viewer, `roles/viewer`).".into(),
            Step::ServiceAgent => "The caller needs `serviceusage.services.use` on the project (for example Service Usage Admin, `roles/serviceusage.serviceUsageAdmin`), or create the agent once with `gcloud beta services identity create --service=artifactregistry.googleapis.com` and set `create_service_agent = false`.".into(),
        };
    }
    let message = match err {
        ApiError::Status { message, .. } => message.as_str(),
        _ => "",
    };
    match step {
        Step::SecretPolicy if err.status() == Some("INVALID_ARGUMENT") && message.contains("does not exist") => {
            "The project's Artifact Registry service agent does not exist yet. Set `create_service_agent = true` (the default), or create it with `gcloud beta services identity create --service=artifactregistry.googleapis.com --project=PROJECT`.".into()
        }
        Step::PatchRepository if is_upstream_refusal(err) => "Artifact Registry checks new upstream credentials against the upstream before accepting them, and refused these. Check that the secret version is ENABLED, that the service agent holds `roles/secretmanager.secretAccessor` on the secret (IAM changes can take a minute to propagate: re-running apply usually succeeds), and that the token is a valid PyPI API token.".into(),
        Step::GetRepository | Step::PatchRepository if err.is_not_found() => {
            "The repository does not exist. Create the PyPI remote repository first (for example with `google_artifact_registry_repository`).".into()
        }
        Step::ProjectLookup if err.is_not_found() => "The project does not exist or the caller cannot see it.".into(),
        _ => "Retry the operation; if it keeps failing, the message above says what Google refused.".into(),
    }
}

/// Artifact Registry's refusal of upstream credentials it could not check
/// (a grant not yet visible to it, a disabled version, a token the upstream
/// rejects). Its status name is undocumented, so the message decides.
pub fn is_upstream_refusal(err: &ApiError) -> bool {
    matches!(err, ApiError::Status { http_status: 400, message, .. }
        if message.contains("Failed to validate remote upstream"))
}

/// An upstream refusal that waiting may heal: not one saying the upstream
/// rejected the token itself (Google's wording for that names the bearer
/// token fetch and invalid credentials), which no wait changes.
pub fn may_be_propagation(err: &ApiError) -> bool {
    let token_rejected = |m: &str| {
        let m = m.to_ascii_lowercase();
        m.contains("bearer token")
            || m.contains("credentials are invalid")
            || m.contains("unauthenticated")
    };
    is_upstream_refusal(err)
        && !matches!(err, ApiError::Status { message, .. } if token_rejected(message))
}

/// IAM's answer when a member names a service account that does not exist
/// (a project whose Artifact Registry service agent was never generated).
pub fn is_missing_agent(e: &ApiError) -> bool {
    match e {
        ApiError::Status {
            status, message, ..
        } => status == "INVALID_ARGUMENT" && message.contains("does not exist"),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(http: u16, status: &str, message: &str) -> ApiError {
        ApiError::Status {
            method: "m".into(),
            resource: "r".into(),
            http_status: http,
            status: status.into(),
            message: message.into(),
        }
    }

    #[test]
    fn only_refusals_that_time_may_heal_are_waited_out() {
        let grant = status(
            400,
            "FAILED_PRECONDITION",
            "Failed to validate remote upstream: the service agent lacks permission",
        );
        let token = status(400, "INVALID_ARGUMENT", "Failed to validate remote upstream: failed to fetch bearer token; this typically means your upstream credentials are invalid");
        assert!(may_be_propagation(&grant));
        assert!(is_upstream_refusal(&token) && !may_be_propagation(&token));
        assert!(!may_be_propagation(&status(403, "PERMISSION_DENIED", "no")));
    }

    #[test]
    fn permission_denied_on_the_secret_policy_names_the_role() {
        let d = api_error(
            Step::SecretPolicy,
            "grant access",
            "projects/p/secrets/s",
            &status(403, "PERMISSION_DENIED", "denied"),
        );
        assert!(d.summary.contains("grant access"));
        assert!(
            d.detail.contains("roles/secretmanager.admin")
                && d.detail.contains("projects/p/secrets/s"),
            "{}",
            d.detail
        );
    }

    #[test]
    fn upstream_validation_and_missing_agent_are_explained() {
        let d = api_error(
            Step::PatchRepository,
            "set credentials",
            "repo",
            &status(
                400,
                "FAILED_PRECONDITION",
                "Failed to validate remote upstream",
            ),
        );
        assert!(
            d.detail.contains("ENABLED") && d.detail.contains("secretAccessor"),
            "{}",
            d.detail
        );
        let d = api_error(
            Step::SecretPolicy,
            "grant",
            "s",
            &status(400, "INVALID_ARGUMENT", "Service account x does not exist."),
        );
        assert!(d.detail.contains("create_service_agent"), "{}", d.detail);
        let d = api_error(
            Step::PatchRepository,
            "set",
            "repo",
            &status(403, "PERMISSION_DENIED", "no"),
        );
        assert!(
            d.detail.contains("roles/artifactregistry.admin"),
            "{}",
            d.detail
        );
    }
}
