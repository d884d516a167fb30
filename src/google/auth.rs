//! Where bearer tokens come from: a fixed access token, a credentials JSON
//! (service account, authorized user, external account / workload identity
//! federation, impersonated service account), or Application Default
//! Credentials; optionally impersonating a service account.

use async_trait::async_trait;

/// Supplies a current OAuth2 access token. Implementations cache and refresh.
#[async_trait]
pub trait TokenSource: Send + Sync {
    /// A valid access token. The error text must never contain secrets.
    async fn token(&self) -> Result<String, super::ApiError>;
}
