//! Resource Manager: project numbers and project-level permission checks.

use serde::Deserialize;

use super::{ApiError, GoogleClient, Op};

/// The parts of a project this provider needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Project {
    /// e.g. `my-project`.
    pub project_id: String,
    /// e.g. `415104041262`.
    pub project_number: String,
}

/// The v1 `Project` fields read here.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ProjectV1 {
    /// Project ID.
    #[serde(default)]
    project_id: String,
    /// Project number: an int64, so a string on the wire (a number is accepted).
    #[serde(default)]
    project_number: Option<serde_json::Value>,
}

/// The bare project ID from `my-project` or `projects/my-project`.
pub(crate) fn project_id(project: &str) -> &str {
    project.strip_prefix("projects/").unwrap_or(project)
}

impl GoogleClient {
    /// The Resource Manager root.
    fn rm(&self) -> &str {
        &self.inner.config.endpoints.resource_manager
    }
    /// v1 `projects.get` (accepts an ID; answers the number).
    pub async fn get_project(&self, op: &Op, project: &str) -> Result<Project, ApiError> {
        let id = project_id(project);
        let resource = format!("projects/{id}");
        let api_method = "cloudresourcemanager.projects.get";
        let answer: ProjectV1 = self
            .get(
                op,
                self.rm(),
                &format!("v1/{resource}"),
                &[],
                api_method,
                &resource,
            )
            .await?;
        let number = match &answer.project_number {
            Some(serde_json::Value::String(s)) => s.clone(),
            Some(serde_json::Value::Number(n)) => n.to_string(),
            _ => String::new(),
        };
        if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ApiError::Decode {
                method: api_method.into(),
                resource,
                message: "the answer has no valid projectNumber".into(),
            });
        }
        let project_id = if answer.project_id.is_empty() {
            id.to_string()
        } else {
            answer.project_id
        };
        Ok(Project {
            project_id,
            project_number: number,
        })
    }
    /// v1 `projects:testIamPermissions`; returns the held subset.
    pub async fn test_project_permissions(
        &self,
        op: &Op,
        project: &str,
        permissions: &[&str],
    ) -> Result<Vec<String>, ApiError> {
        let resource = format!("projects/{}", project_id(project));
        let api_method = "cloudresourcemanager.projects.testIamPermissions";
        self.test_iam_permissions(op, self.rm(), &resource, permissions, api_method)
            .await
    }
}
