//! Service Usage v1beta1: generating the Artifact Registry service agent.

use super::{ApiError, GoogleClient, Op};

impl GoogleClient {
    /// `services/artifactregistry.googleapis.com:generateServiceIdentity`;
    /// polls the operation when it is not done; returns the agent's email.
    pub async fn generate_artifact_registry_service_identity(&self, op: &Op, project: &str) -> Result<String, ApiError> {
        let _ = (op, project);
        todo!()
    }
}
