//! Service Usage v1beta1: generating the Artifact Registry service agent.

use reqwest::Method;
use serde::Deserialize;

use super::retry::{self, RetryPolicy};
use super::{ApiError, GoogleClient, Op};

/// The service whose agent this provider needs.
const ARTIFACT_REGISTRY_SERVICE: &str = "artifactregistry.googleapis.com";

/// A long-running operation as Service Usage answers it.
#[derive(Debug, Default, Deserialize)]
struct Operation {
    /// `operations/...`, polled with `operations.get` on the same v1beta1 surface that started it.
    #[serde(default)]
    name: String,
    /// True once `response` or `error` is set.
    #[serde(default)]
    done: bool,
    /// `ServiceIdentity` (`email`, `uniqueId`) when it succeeded.
    #[serde(default)]
    response: Option<ServiceIdentity>,
    /// `google.rpc.Status` when it failed.
    #[serde(default)]
    error: Option<OperationError>,
}

/// The `ServiceIdentity` in an operation's response.
#[derive(Debug, Default, Deserialize)]
struct ServiceIdentity {
    /// The agent's email; some answers leave it out.
    #[serde(default)]
    email: String,
}

/// The `google.rpc.Status` of a failed operation (numeric code).
#[derive(Debug, Default, Deserialize)]
struct OperationError {
    /// Canonical code number.
    #[serde(default)]
    code: i32,
    /// The service's message.
    #[serde(default)]
    message: String,
}

/// Canonical code names by number (google/rpc/code.proto).
fn code_name(code: i32) -> &'static str {
    const NAMES: [&str; 17] = [
        "OK",
        "CANCELLED",
        "UNKNOWN",
        "INVALID_ARGUMENT",
        "DEADLINE_EXCEEDED",
        "NOT_FOUND",
        "ALREADY_EXISTS",
        "PERMISSION_DENIED",
        "RESOURCE_EXHAUSTED",
        "FAILED_PRECONDITION",
        "ABORTED",
        "OUT_OF_RANGE",
        "UNIMPLEMENTED",
        "INTERNAL",
        "UNAVAILABLE",
        "DATA_LOSS",
        "UNAUTHENTICATED",
    ];
    usize::try_from(code)
        .ok()
        .and_then(|i| NAMES.get(i))
        .copied()
        .unwrap_or("UNKNOWN")
}

/// The HTTP status Google pairs with a canonical code, so that
/// `is_not_found()` and friends work on operation errors too.
fn http_for_code(code: i32) -> u16 {
    match code {
        3 | 9 | 11 => 400,
        16 => 401,
        7 => 403,
        5 => 404,
        6 | 10 => 409,
        8 => 429,
        1 => 499,
        12 => 501,
        14 => 503,
        4 => 504,
        _ => 500,
    }
}

/// The email Google gives the Artifact Registry service agent of a project.
pub fn artifact_registry_agent_email(project_number: &str) -> String {
    format!("service-{project_number}@gcp-sa-artifactregistry.iam.gserviceaccount.com")
}

impl GoogleClient {
    /// `services/artifactregistry.googleapis.com:generateServiceIdentity`;
    /// polls the operation when it is not done; returns the agent's email.
    pub async fn generate_artifact_registry_service_identity(
        &self,
        op: &Op,
        project: &str,
    ) -> Result<String, ApiError> {
        let root = self.inner.config.endpoints.service_usage.clone();
        let id = super::resourcemanager::project_id(project);
        let resource = format!("projects/{id}/services/{ARTIFACT_REGISTRY_SERVICE}");
        let path = format!("v1beta1/{resource}:generateServiceIdentity");
        let api_method = "serviceusage.services.generateServiceIdentity";
        let mut operation: Operation = self
            .send_json(
                op,
                Method::POST,
                &root,
                &path,
                &[],
                &serde_json::json!({}),
                api_method,
                &resource,
                super::http::Replay::Always,
            )
            .await?;
        let polling = RetryPolicy {
            initial: std::time::Duration::from_secs(1),
            ..self.inner.retry
        };
        let mut polls: u32 = 0;
        while !operation.done {
            if operation.name.is_empty() {
                return Err(ApiError::Decode {
                    method: api_method.into(),
                    resource,
                    message: "an unfinished operation without a name".into(),
                });
            }
            let wait = polling.delay(polls).max(polling.initial / 2);
            polls = polls.saturating_add(1);
            if !retry::fits_before_deadline(op, wait) {
                return Err(ApiError::DeadlineExceeded {
                    method: api_method.into(),
                    resource,
                    last: format!("operation {} still running", operation.name),
                });
            }
            retry::sleep_unless_cancelled(op, wait).await?;
            let name = operation.name.clone();
            operation = self
                .get(
                    op,
                    &root,
                    &format!("v1beta1/{name}"),
                    &[],
                    "serviceusage.operations.get",
                    &name,
                )
                .await?;
        }
        if let Some(error) = operation.error {
            let status = code_name(error.code).to_string();
            return Err(ApiError::Status {
                method: api_method.into(),
                resource,
                http_status: http_for_code(error.code),
                status,
                message: error.message,
            });
        }
        match operation
            .response
            .map(|r| r.email)
            .filter(|e| !e.is_empty())
        {
            Some(email) => Ok(email),
            // Some answers carry no email; Google's naming rule gives it.
            None => Ok(artifact_registry_agent_email(
                &self.get_project(op, id).await?.project_number,
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_names() {
        assert_eq!(code_name(7), "PERMISSION_DENIED");
        assert_eq!(code_name(16), "UNAUTHENTICATED");
        assert_eq!(code_name(99), "UNKNOWN");
        assert_eq!(code_name(-1), "UNKNOWN");
    }

    #[test]
    fn agent_email() {
        assert_eq!(
            artifact_registry_agent_email("123"),
            "service-123@gcp-sa-artifactregistry.iam.gserviceaccount.com"
        );
    }
}
