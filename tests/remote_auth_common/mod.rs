//! Shared helpers for the `pypi_remote_auth` end-to-end tests: the HCL they
//! write (`hcl`), the Terraform runs and what they print or store
//! (`terraform`), the emulator's seeds and own REST API, never through the
//! provider (`emulator`), and the objects of one resource with the
//! assertions Google's guide implies (`target`).
//!
//! Each `tests/remote_auth_*.rs` file includes this module next to the
//! harness (`mod support; mod remote_auth_common;`), so not every helper,
//! nor every file's re-export below, is used by every test binary.
#![allow(dead_code, unused_imports)]

mod emulator;
mod hcl;
mod target;
mod terraform;

pub use emulator::*;
pub use hcl::*;
pub use target::*;
pub use terraform::*;

/// Project the harness's emulator always starts with.
pub const PROJECT: &str = "demo-project";
/// Number of [`PROJECT`], which names its Artifact Registry service agent.
pub const PROJECT_NUMBER: &str = "123456789012";
/// Location every test repository lives in.
pub const LOCATION: &str = "us-central1";
/// Role Google's guide grants the service agent on the secret.
pub const ACCESSOR_ROLE: &str = "roles/secretmanager.secretAccessor";

/// The Artifact Registry service agent's email for a project number.
pub fn agent_email(project_number: &str) -> String {
    format!("service-{project_number}@gcp-sa-artifactregistry.iam.gserviceaccount.com")
}

/// The IAM member of the Artifact Registry service agent for a project number.
pub fn agent_member(project_number: &str) -> String {
    format!("serviceAccount:{}", agent_email(project_number))
}
