//! From a validated [`ProviderConfig`] to the [`GoogleClient`] resources use:
//! token source (with impersonation), endpoints, billing header, timeouts.

use std::sync::Arc;

use crate::google::auth::{self, Impersonated, NoTokens, StaticToken, TokenSource};
use crate::google::{ClientConfig, Endpoints, GoogleClient};
use crate::tfplugin::Diagnostic;

use super::config::{CredentialChoice, Env, ProviderConfig, DEFAULT_REQUEST_TIMEOUT};

/// The User-Agent: this provider's version and the calling Terraform's.
pub fn user_agent(terraform_version: &str) -> String {
    let ours = format!("terraform-provider-pypi/{}", env!("CARGO_PKG_VERSION"));
    if terraform_version.is_empty() {
        ours
    } else {
        format!("Terraform/{terraform_version} {ours}")
    }
}

/// The endpoints: configured ones where given, Google's otherwise.
fn endpoints(config: &ProviderConfig) -> Endpoints {
    let defaults = Endpoints::default();
    let pick =
        |i: usize, default: String| config.endpoints[i].value().map_or(default, str::to_string);
    Endpoints {
        secret_manager: pick(0, defaults.secret_manager),
        artifact_registry: pick(1, defaults.artifact_registry),
        resource_manager: pick(2, defaults.resource_manager),
        service_usage: pick(3, defaults.service_usage),
        iam_credentials: pick(4, defaults.iam_credentials),
    }
}

/// The token source the configuration asks for (before impersonation).
fn token_source(config: &ProviderConfig, env: &Env) -> Result<Arc<dyn TokenSource>, Diagnostic> {
    let choice = config.credential_choice(env).map_err(|e| {
        Diagnostic::error("Invalid credentials", e)
            .at(crate::tfplugin::AttributePath::attr("credentials"))
    })?;
    Ok(match choice {
        CredentialChoice::AccessToken(token) => Arc::new(StaticToken::new(token)),
        CredentialChoice::Json(json, origin) => {
            Arc::new(auth::from_credentials_json(&json, &origin).map_err(|e| {
                Diagnostic::error("Invalid credentials", e)
                    .at(crate::tfplugin::AttributePath::attr("credentials"))
            })?)
        }
        CredentialChoice::ApplicationDefault => {
            Arc::new(auth::application_default(env).map_err(|e| {
                Diagnostic::error(
                    "No usable Application Default Credentials",
                    format!(
                        "{e}. Set `credentials` or `access_token` in the provider block, point \
                     GOOGLE_APPLICATION_CREDENTIALS at a credentials file, or run \
                     `gcloud auth application-default login`."
                    ),
                )
            })?)
        }
    })
}

/// Builds the client for a fully known configuration (no network call:
/// tokens are fetched on first use).
pub fn build_client(
    config: &ProviderConfig,
    env: &Env,
    terraform_version: &str,
) -> Result<GoogleClient, Diagnostic> {
    let tokens = token_source(config, env)?;
    let client_config = ClientConfig {
        endpoints: endpoints(config),
        user_project: config.user_project(),
        request_timeout: config.timeout().unwrap_or(DEFAULT_REQUEST_TIMEOUT),
        tokens,
        user_agent: user_agent(terraform_version),
        insecure_endpoints: config.insecure_endpoints_allowed() == Some(true),
    };
    let client = GoogleClient::new(client_config)
        .map_err(|e| Diagnostic::error("Cannot set up the HTTP client", e.to_string()))?;
    Ok(match config.impersonate_service_account.value() {
        // The token exchange itself is not billed to the user project, as in Google's libraries.
        Some(target) => client.with_tokens(Arc::new(Impersonated::new(
            client.with_user_project(None),
            target,
        ))),
        None => client,
    })
}

/// A client for a configuration with values unknown at plan time: Google's
/// endpoints (or the known custom ones) and no credentials, so that any call
/// made anyway fails with a clear message instead of a wrong identity.
pub fn placeholder_client(
    config: &ProviderConfig,
    terraform_version: &str,
) -> Result<GoogleClient, Diagnostic> {
    // Endpoints the real client would refuse are replaced by Google's: this
    // client sends nothing, and its construction must not fail at plan.
    let insecure_endpoints = config.insecure_endpoints_allowed() == Some(true);
    let mut endpoints = endpoints(config);
    let usable = endpoints
        .normalized()
        .is_ok_and(|e| insecure_endpoints || e.first_clear_text_to_remote().is_none());
    if !usable {
        endpoints = Endpoints::default();
    }
    let client_config = ClientConfig {
        endpoints,
        user_project: None,
        request_timeout: config.timeout().unwrap_or(DEFAULT_REQUEST_TIMEOUT),
        tokens: Arc::new(NoTokens::new(
            "the provider configuration depends on values that are not known until apply",
        )),
        user_agent: user_agent(terraform_version),
        insecure_endpoints,
    };
    GoogleClient::new(client_config)
        .map_err(|e| Diagnostic::error("Cannot set up the HTTP client", e.to_string()))
}
