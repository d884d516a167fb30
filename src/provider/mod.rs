//! The `pypi` provider: configuration schema, environment fallbacks, and the
//! configured Google client shared by its resources.
//!
//! - [`schema`]: the provider block, with the Google provider's names.
//! - [`config`]: typed settings, environment fallbacks, offline validation.
//! - [`client`]: settings → credentials → [`GoogleClient`].

pub mod client;
pub mod config;
pub mod duration;
pub mod schema;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};

use async_trait::async_trait;

use crate::google::GoogleClient;
use crate::tfplugin::provider::ConfigureRequest;
use crate::tfplugin::{
    CallContext, DataSource, Diagnostic, Diagnostics, ListResource, Provider, Resource, Schema,
    Value,
};

use self::config::{Env, ProviderConfig};

/// What ConfigureProvider produced, shared by every resource of one provider instance.
pub struct Configured {
    /// Client for every Google API call.
    pub client: GoogleClient,
    /// The provider's `project` (after environment fallbacks), if any.
    pub project: Option<String>,
    /// False when the configuration held values unknown at plan time: resources then skip remote checks.
    pub complete: bool,
}

/// A handle that resources hold from construction; filled by ConfigureProvider.
#[derive(Clone, Default)]
pub struct ProviderHandle(Arc<RwLock<Option<Arc<Configured>>>>);

impl ProviderHandle {
    /// The configured state, or an error diagnostic when ConfigureProvider has not run.
    pub fn get(&self) -> Result<Arc<Configured>, Diagnostic> {
        let guard = self
            .0
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        guard.clone().ok_or_else(|| {
            Diagnostic::error(
                "Provider not configured",
                "The pypi provider was used before Terraform configured it. This is a bug in the provider or in Terraform.",
            )
        })
    }
    /// Stores the configured state.
    pub fn set(&self, configured: Configured) {
        let mut guard = self
            .0
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        *guard = Some(Arc::new(configured));
    }
}

/// The `pypi` provider.
pub struct PypiProvider {
    /// Filled by ConfigureProvider, read by every resource.
    handle: ProviderHandle,
    /// Environment lookup (the process environment outside tests).
    env: Arc<Env>,
}

impl Default for PypiProvider {
    fn default() -> PypiProvider {
        PypiProvider::new()
    }
}

impl PypiProvider {
    /// The provider reading the process environment.
    pub fn new() -> PypiProvider {
        PypiProvider::with_env(Arc::new(|name: &str| std::env::var(name).ok()))
    }
    /// The provider reading its environment through `env` (tests).
    pub fn with_env(env: Arc<Env>) -> PypiProvider {
        PypiProvider {
            handle: ProviderHandle::default(),
            env,
        }
    }
    /// The handle its resources share.
    pub fn handle(&self) -> &ProviderHandle {
        &self.handle
    }
}

#[async_trait]
impl Provider for PypiProvider {
    fn schema(&self) -> Schema {
        schema::provider_schema()
    }

    async fn validate(&self, _ctx: &CallContext, config: Value) -> Diagnostics {
        ProviderConfig::from_value(&config, &*self.env).validate(&*self.env)
    }

    async fn configure(&self, _ctx: &CallContext, req: ConfigureRequest) -> Diagnostics {
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
                    });
                    Diagnostics::default()
                }
                Err(d) => d.into(),
            };
        }
        let diags = settings.validate(&*self.env);
        if diags.has_errors() {
            return diags;
        }
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

    fn resources(&self) -> BTreeMap<String, Arc<dyn Resource>> {
        let remote_auth: Arc<dyn Resource> = Arc::new(
            crate::resources::remote_auth::RemoteAuth::new(self.handle.clone()),
        );
        BTreeMap::from([("pypi_remote_auth".to_string(), remote_auth)])
    }

    fn data_sources(&self) -> BTreeMap<String, Arc<dyn DataSource>> {
        let remote_auth: Arc<dyn DataSource> = Arc::new(
            crate::datasources::remote_auth::RemoteAuthData::new(self.handle.clone()),
        );
        BTreeMap::from([("pypi_remote_auth".to_string(), remote_auth)])
    }

    fn list_resources(&self) -> BTreeMap<String, Arc<dyn ListResource>> {
        let remote_auth: Arc<dyn ListResource> = Arc::new(
            crate::list::remote_auth::RemoteAuthList::new(self.handle.clone()),
        );
        BTreeMap::from([("pypi_remote_auth".to_string(), remote_auth)])
    }
}

/// Runs the provider plugin (called by `main`).
pub fn main() -> std::process::ExitCode {
    crate::tfplugin::serve::serve_main(
        Arc::new(PypiProvider::new()),
        crate::tfplugin::serve::ServeOptions {
            provider_address: "pypiauth/pypi",
            name: "pypi",
        },
    )
}
