//! Google Cloud REST clients for the calls this provider makes: Secret
//! Manager, Artifact Registry, Resource Manager, Service Usage and IAM
//! Credentials. Knows nothing of Terraform.
//!
//! One [`GoogleClient`] holds one HTTP client, the credentials and the
//! endpoints; every call takes an [`Op`] (deadline + cancellation) and goes
//! through the retry policy in [`retry`] and the quota-adaptive pacing in
//! [`pacing`].

pub mod artifactregistry;
pub mod auth;
pub mod crypto;
pub mod endpoints;
pub mod error;
pub mod http;
pub mod iam;
pub mod iamcredentials;
pub mod op;
pub mod pacing;
pub mod resourcemanager;
pub mod retry;
pub mod rmw;
pub mod secretmanager;
pub mod serviceusage;
#[cfg(test)]
pub(crate) mod tests;
pub mod token_source;

pub use endpoints::Endpoints;
pub use error::ApiError;
pub use http::{ClientConfig, GoogleClient};
pub use op::Op;
