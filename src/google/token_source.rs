//! The bearer token of each request: the [`TokenSource`] the HTTP layer asks,
//! and the two sources that need no credentials (a fixed token, and none).
//! The sources backed by credentials are in the `auth` module.

use std::sync::Arc;

use async_trait::async_trait;

use super::error::ApiError;

/// Supplies a current OAuth2 access token. Implementations cache and refresh.
#[async_trait]
pub trait TokenSource: Send + Sync {
    /// A valid access token. The error text must never contain secrets.
    async fn token(&self) -> Result<String, ApiError>;
}

/// The `access_token` of the provider configuration, used as it is.
pub struct StaticToken {
    /// The token; never printed.
    token: String,
}

impl StaticToken {
    /// Wraps a fixed token.
    pub fn new(token: impl Into<String>) -> StaticToken {
        StaticToken {
            token: token.into(),
        }
    }
}

impl std::fmt::Debug for StaticToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("StaticToken([redacted])")
    }
}

#[async_trait]
impl TokenSource for StaticToken {
    async fn token(&self) -> Result<String, ApiError> {
        Ok(self.token.clone())
    }
}

/// A source that always fails with a fixed reason: used while the provider
/// configuration is not known yet (plan with unknown values), so that a call
/// made anyway gets a clear error instead of using the wrong identity.
#[derive(Debug)]
pub struct NoTokens {
    /// Why there is no token.
    reason: String,
}

impl NoTokens {
    /// A source failing with `reason`.
    pub fn new(reason: impl Into<String>) -> NoTokens {
        NoTokens {
            reason: reason.into(),
        }
    }
}

#[async_trait]
impl TokenSource for NoTokens {
    async fn token(&self) -> Result<String, ApiError> {
        Err(ApiError::Auth(self.reason.clone()))
    }
}

/// Shares one token source behind an `Arc`.
pub fn shared<T: TokenSource + 'static>(source: T) -> Arc<dyn TokenSource> {
    Arc::new(source)
}
