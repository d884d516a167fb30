//! Resource Manager: project numbers and project-level permission checks.

use super::{ApiError, GoogleClient, Op};

/// The parts of a project this provider needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Project {
    /// e.g. `my-project`.
    pub project_id: String,
    /// e.g. `415104041262`.
    pub project_number: String,
}

impl GoogleClient {
    /// v1 `projects.get` (accepts an ID; answers the number).
    pub async fn get_project(&self, op: &Op, project: &str) -> Result<Project, ApiError> {
        let _ = (op, project);
        todo!()
    }
    /// v1 `projects:testIamPermissions`; returns the held subset.
    pub async fn test_project_permissions(&self, op: &Op, project: &str, permissions: &[&str]) -> Result<Vec<String>, ApiError> {
        let _ = (op, project, permissions);
        todo!()
    }
}
