//! IAM Credentials v1: `generateAccessToken`, the call behind service account
//! impersonation.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::{ApiError, GoogleClient, Op};

/// `GenerateAccessTokenRequest`.
#[derive(Serialize)]
struct GenerateRequest<'a> {
    /// OAuth scopes of the new token.
    scope: &'a [&'a str],
    /// Lifetime as a protobuf Duration string, e.g. `3600s`.
    lifetime: String,
}

/// `GenerateAccessTokenResponse`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct GenerateResponse {
    /// The token.
    #[serde(default)]
    access_token: String,
}

impl GoogleClient {
    /// `POST v1/projects/-/serviceAccounts/{email}:generateAccessToken` on the
    /// IAM Credentials root, authenticated as this client's principal.
    pub async fn generate_access_token(
        &self,
        op: &Op,
        service_account: &str,
        scopes: &[&str],
        lifetime: Duration,
    ) -> Result<String, ApiError> {
        let root = self.inner.config.endpoints.iam_credentials.clone();
        let resource = format!("projects/-/serviceAccounts/{service_account}");
        let body = GenerateRequest {
            scope: scopes,
            lifetime: format!("{}s", lifetime.as_secs()),
        };
        let api_method = "iamcredentials.serviceAccounts.generateAccessToken";
        let verb = "generateAccessToken";
        let answer: GenerateResponse = self
            .post_verb(
                op,
                &root,
                &resource,
                verb,
                &body,
                api_method,
                super::http::Replay::Always,
            )
            .await?;
        if answer.access_token.is_empty() {
            return Err(ApiError::Decode {
                method: api_method.into(),
                resource,
                message: "the answer has no accessToken".into(),
            });
        }
        Ok(answer.access_token)
    }
}
