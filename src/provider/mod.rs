//! The `pypi` provider's configuration: the provider block's schema,
//! environment fallbacks, and the configured Google client its types share.
//! It knows the Google clients and the protocol framework, never the types
//! it serves (`crate::registry` puts the two together).
//!
//! - [`handle`]: the [`handle::ProviderHandle`] every type holds, filled by ConfigureProvider.
//! - [`schema`]: the provider block, with the Google provider's names.
//! - [`config`]: typed settings, environment fallbacks, offline validation.
//! - [`client`]: settings → credentials → [`GoogleClient`](crate::google::GoogleClient).

pub mod client;
pub mod config;
pub mod duration;
pub mod handle;
pub mod schema;
#[cfg(test)]
mod tests;

use std::sync::Arc;

use crate::tfplugin::provider::ConfigureRequest;
use crate::tfplugin::{Diagnostics, Schema, Value};

use self::config::{Env, ProviderConfig};
use self::handle::{Configured, ProviderHandle};

/// The `pypi` provider block: its schema, offline validation and
/// ConfigureProvider, which fills the [`ProviderHandle`] the types share.
pub struct ProviderBlock {
    /// Filled by ConfigureProvider, read by every resource.
    handle: ProviderHandle,
    /// Environment lookup (the process environment outside tests).
    env: Arc<Env>,
}

impl Default for ProviderBlock {
    fn default() -> ProviderBlock {
        ProviderBlock::new()
    }
}

impl ProviderBlock {
    /// The provider reading the process environment.
    pub fn new() -> ProviderBlock {
        ProviderBlock::with_env(Arc::new(|name: &str| std::env::var(name).ok()))
    }
    /// The provider reading its environment through `env` (tests).
    pub fn with_env(env: Arc<Env>) -> ProviderBlock {
        ProviderBlock {
            handle: ProviderHandle::default(),
            env,
        }
    }
    /// The handle its resources share.
    pub fn handle(&self) -> &ProviderHandle {
        &self.handle
    }
}

impl ProviderBlock {
    /// The provider block's schema.
    pub fn schema(&self) -> Schema {
        schema::provider_schema()
    }

    /// Validates the provider block (no remote calls; unknowns possible).
    pub fn validate(&self, config: &Value) -> Diagnostics {
        ProviderConfig::from_value(config, &*self.env).validate(&*self.env)
    }

    /// ConfigureProvider: builds the Google client and fills the handle.
    pub fn configure(&self, req: &ConfigureRequest) -> Diagnostics {
        let settings = ProviderConfig::from_value(&req.config, &*self.env);
        let project = settings.project.value().map(str::to_string);
        if !settings.is_known() {
            tracing::debug!(
                "provider configuration has unknown values; remote checks are skipped until apply"
            );
            return match client::placeholder_client(&settings, &req.terraform_version) {
                Ok(client) => {
                    self.handle.set(Configured {
                        client,
                        project,
                        complete: false,
                        fingerprint: settings.fingerprint(),
                    });
                    let mut diags = Diagnostics::default();
                    settings.warn_insecure_endpoints(&mut diags);
                    diags
                }
                Err(d) => d.into(),
            };
        }
        let mut diags = settings.validate(&*self.env);
        if diags.has_errors() {
            return diags;
        }
        settings.warn_insecure_endpoints(&mut diags);
        match client::build_client(&settings, &*self.env, &req.terraform_version) {
            Ok(client) => {
                tracing::debug!(
                    project = project.as_deref().unwrap_or(""),
                    impersonating = settings.impersonate_service_account.value().is_some(),
                    "provider configured"
                );
                self.handle.set(Configured {
                    client,
                    project,
                    complete: true,
                    fingerprint: settings.fingerprint(),
                });
                diags
            }
            Err(d) => {
                let mut diags = diags;
                diags.push(d);
                diags
            }
        }
    }
}
