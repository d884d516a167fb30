//! The `pypi` provider as Terraform sees it: the provider block from
//! [`crate::provider`] and the registry of the types it serves from
//! [`crate::remote_auth`]. It stands on top of both so that neither imports
//! the other.

use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;

use crate::provider::config::Env;
use crate::provider::handle::ProviderHandle;
use crate::provider::ProviderBlock;
use crate::remote_auth::{RemoteAuth, RemoteAuthData, RemoteAuthList};
use crate::tfplugin::provider::ConfigureRequest;
use crate::tfplugin::{
    CallContext, DataSource, Diagnostics, ListResource, Provider, Resource, Schema, Value,
};

/// Type name of the one resource, data source and list resource.
const REMOTE_AUTH: &str = "pypi_remote_auth";

/// The `pypi` provider.
#[derive(Default)]
pub struct PypiProvider {
    /// The provider block and the handle ConfigureProvider fills.
    block: ProviderBlock,
}

impl PypiProvider {
    /// The provider reading the process environment.
    pub fn new() -> PypiProvider {
        PypiProvider::default()
    }
    /// The provider reading its environment through `env` (tests).
    pub fn with_env(env: Arc<Env>) -> PypiProvider {
        PypiProvider {
            block: ProviderBlock::with_env(env),
        }
    }
    /// The handle its types share.
    pub fn handle(&self) -> &ProviderHandle {
        self.block.handle()
    }
}

#[async_trait]
impl Provider for PypiProvider {
    fn schema(&self) -> Schema {
        self.block.schema()
    }

    async fn validate(&self, _ctx: &CallContext, config: Value) -> Diagnostics {
        self.block.validate(&config)
    }

    async fn configure(&self, _ctx: &CallContext, req: ConfigureRequest) -> Diagnostics {
        self.block.configure(&req)
    }

    fn resources(&self) -> BTreeMap<String, Arc<dyn Resource>> {
        let remote_auth: Arc<dyn Resource> = Arc::new(RemoteAuth::new(self.handle().clone()));
        BTreeMap::from([(REMOTE_AUTH.to_string(), remote_auth)])
    }

    fn data_sources(&self) -> BTreeMap<String, Arc<dyn DataSource>> {
        let remote_auth: Arc<dyn DataSource> = Arc::new(RemoteAuthData::new(self.handle().clone()));
        BTreeMap::from([(REMOTE_AUTH.to_string(), remote_auth)])
    }

    fn list_resources(&self) -> BTreeMap<String, Arc<dyn ListResource>> {
        let remote_auth: Arc<dyn ListResource> =
            Arc::new(RemoteAuthList::new(self.handle().clone()));
        BTreeMap::from([(REMOTE_AUTH.to_string(), remote_auth)])
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
