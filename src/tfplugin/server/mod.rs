//! The `tfplugin6.Provider` gRPC service: decodes each request with the right
//! schema, calls the [`Provider`] traits, and encodes the answer. Every unary
//! RPC goes through `unary::serve` (panic guard, errors as diagnostics,
//! logging by name, type and duration, never with its payload: payloads hold
//! the PyPI token); the handlers live by what they serve:
//!
//! - `provider_rpcs`: metadata, schemas, provider configuration;
//! - `resource_rpcs`: managed resources (validate, read, plan, apply, import);
//! - `upgrade_rpcs`: state and identity stored by an earlier version;
//! - `data_source_rpcs`: data sources;
//! - `list`: list resources, the one streaming RPC.

mod data_source_rpcs;
mod list;
mod provider_rpcs;
mod resource_rpcs;
mod unary;
mod upgrade_rpcs;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use tokio_util::sync::CancellationToken;
use tonic::{Request, Response, Status};

use super::diag::Diagnostic;
use super::proto::tfplugin6 as pb;
use super::proto::tfplugin6::provider_server::Provider as ProviderService;
use super::provider::{CallContext, DataSource, ListResource, Provider, Resource};
use super::value::Type;

/// Largest request or response message: what terraform-plugin-go servers allow.
pub const MAX_MESSAGE_SIZE: usize = 256 * 1024 * 1024;

/// Serves one [`Provider`] as `tfplugin6.Provider`.
pub struct ProviderServer {
    /// The provider, for its schema, validation and configuration.
    provider: Arc<dyn Provider>,
    /// Managed resource types, fetched once so every call sees the same instances.
    resources: BTreeMap<String, Arc<dyn Resource>>,
    /// Data source types, fetched once.
    data_sources: BTreeMap<String, Arc<dyn DataSource>>,
    /// List resource types, fetched once.
    list_resources: BTreeMap<String, Arc<dyn ListResource>>,
    /// Cancelled when the server shuts down; parent of every stop token.
    root: CancellationToken,
    /// Parent of the calls' tokens; StopProvider cancels it and puts a fresh one here.
    stop: Mutex<CancellationToken>,
}

impl ProviderServer {
    /// A server for `provider`; `root` is cancelled when the process shuts down.
    pub fn new(provider: Arc<dyn Provider>, root: CancellationToken) -> ProviderServer {
        let resources = provider.resources();
        let data_sources = provider.data_sources();
        let list_resources = provider.list_resources();
        let stop = Mutex::new(root.child_token());
        ProviderServer {
            provider,
            resources,
            data_sources,
            list_resources,
            root,
            stop,
        }
    }

    /// The tonic service with the message size limits Terraform needs.
    pub fn into_service(self) -> pb::provider_server::ProviderServer<ProviderServer> {
        pb::provider_server::ProviderServer::new(self)
            .max_decoding_message_size(MAX_MESSAGE_SIZE)
            .max_encoding_message_size(MAX_MESSAGE_SIZE)
    }

    /// A call context whose token StopProvider cancels.
    fn ctx(&self, write_only_allowed: Option<bool>) -> CallContext {
        let stop = self.stop.lock().unwrap_or_else(|p| p.into_inner());
        CallContext {
            cancel: stop.child_token(),
            write_only_allowed,
        }
    }

    /// The managed resource type `type_name`.
    fn resource(&self, type_name: &str) -> Result<&Arc<dyn Resource>, Diagnostic> {
        self.resources
            .get(type_name)
            .ok_or_else(|| unknown_type("resource", type_name))
    }

    /// The data source type `type_name`.
    fn data_source(&self, type_name: &str) -> Result<&Arc<dyn DataSource>, Diagnostic> {
        self.data_sources
            .get(type_name)
            .ok_or_else(|| unknown_type("data source", type_name))
    }

    /// The list resource type `type_name`.
    fn list_resource(&self, type_name: &str) -> Result<&Arc<dyn ListResource>, Diagnostic> {
        self.list_resources
            .get(type_name)
            .ok_or_else(|| unknown_type("list resource", type_name))
    }

    /// The identity object type of `type_name`, or an error when it has no identity schema.
    fn identity_type(&self, type_name: &str) -> Result<Type, Diagnostic> {
        self.resource(type_name)?
            .identity_schema()
            .map(|s| s.object_type())
            .ok_or_else(|| {
                Diagnostic::error(
                    "Resource has no identity",
                    format!("The resource type {type_name} does not support resource identity."),
                )
            })
    }

    /// The identity object type when the resource has an identity schema;
    /// without one, identity values are neither decoded nor sent.
    fn maybe_identity_type(&self, resource: &Arc<dyn Resource>) -> Option<Type> {
        resource.identity_schema().map(|s| s.object_type())
    }
}

/// The error for a request naming a type this provider does not serve.
fn unknown_type(kind: &str, type_name: &str) -> Diagnostic {
    Diagnostic::error(
        format!("Unknown {kind} type"),
        format!("This provider has no {kind} type named {type_name:?}. Check the type name and the provider version."),
    )
}

/// Whether the client announced write-only attribute support; `None` when
/// the request carried no capabilities.
fn write_only_capability(c: Option<&pb::ClientCapabilities>) -> Option<bool> {
    c.map(|c| c.write_only_attributes_allowed)
}

#[tonic::async_trait]
impl ProviderService for ProviderServer {
    async fn get_metadata(
        &self,
        request: Request<pb::get_metadata::Request>,
    ) -> Result<Response<pb::get_metadata::Response>, Status> {
        unary::serve(self, request, provider_rpcs::get_metadata).await
    }

    async fn get_provider_schema(
        &self,
        request: Request<pb::get_provider_schema::Request>,
    ) -> Result<Response<pb::get_provider_schema::Response>, Status> {
        unary::serve(self, request, provider_rpcs::get_provider_schema).await
    }

    async fn get_resource_identity_schemas(
        &self,
        request: Request<pb::get_resource_identity_schemas::Request>,
    ) -> Result<Response<pb::get_resource_identity_schemas::Response>, Status> {
        unary::serve(self, request, provider_rpcs::get_resource_identity_schemas).await
    }

    async fn validate_provider_config(
        &self,
        request: Request<pb::validate_provider_config::Request>,
    ) -> Result<Response<pb::validate_provider_config::Response>, Status> {
        unary::serve(self, request, provider_rpcs::validate_provider_config).await
    }

    async fn validate_resource_config(
        &self,
        request: Request<pb::validate_resource_config::Request>,
    ) -> Result<Response<pb::validate_resource_config::Response>, Status> {
        unary::serve(self, request, resource_rpcs::validate_resource_config).await
    }

    async fn validate_data_resource_config(
        &self,
        request: Request<pb::validate_data_resource_config::Request>,
    ) -> Result<Response<pb::validate_data_resource_config::Response>, Status> {
        unary::serve(
            self,
            request,
            data_source_rpcs::validate_data_resource_config,
        )
        .await
    }

    async fn validate_list_resource_config(
        &self,
        request: Request<pb::validate_list_resource_config::Request>,
    ) -> Result<Response<pb::validate_list_resource_config::Response>, Status> {
        unary::serve(self, request, list::validate_list_resource_config).await
    }

    async fn upgrade_resource_state(
        &self,
        request: Request<pb::upgrade_resource_state::Request>,
    ) -> Result<Response<pb::upgrade_resource_state::Response>, Status> {
        unary::serve(self, request, upgrade_rpcs::upgrade_resource_state).await
    }

    async fn upgrade_resource_identity(
        &self,
        request: Request<pb::upgrade_resource_identity::Request>,
    ) -> Result<Response<pb::upgrade_resource_identity::Response>, Status> {
        unary::serve(self, request, upgrade_rpcs::upgrade_resource_identity).await
    }

    async fn configure_provider(
        &self,
        request: Request<pb::configure_provider::Request>,
    ) -> Result<Response<pb::configure_provider::Response>, Status> {
        unary::serve(self, request, provider_rpcs::configure_provider).await
    }

    async fn read_resource(
        &self,
        request: Request<pb::read_resource::Request>,
    ) -> Result<Response<pb::read_resource::Response>, Status> {
        unary::serve(self, request, resource_rpcs::read_resource).await
    }

    async fn plan_resource_change(
        &self,
        request: Request<pb::plan_resource_change::Request>,
    ) -> Result<Response<pb::plan_resource_change::Response>, Status> {
        unary::serve(self, request, resource_rpcs::plan_resource_change).await
    }

    async fn apply_resource_change(
        &self,
        request: Request<pb::apply_resource_change::Request>,
    ) -> Result<Response<pb::apply_resource_change::Response>, Status> {
        unary::serve(self, request, resource_rpcs::apply_resource_change).await
    }

    async fn import_resource_state(
        &self,
        request: Request<pb::import_resource_state::Request>,
    ) -> Result<Response<pb::import_resource_state::Response>, Status> {
        unary::serve(self, request, resource_rpcs::import_resource_state).await
    }

    async fn read_data_source(
        &self,
        request: Request<pb::read_data_source::Request>,
    ) -> Result<Response<pb::read_data_source::Response>, Status> {
        unary::serve(self, request, data_source_rpcs::read_data_source).await
    }

    async fn get_functions(
        &self,
        request: Request<pb::get_functions::Request>,
    ) -> Result<Response<pb::get_functions::Response>, Status> {
        unary::serve(self, request, provider_rpcs::get_functions).await
    }

    async fn list_resource(
        &self,
        request: Request<pb::list_resource::Request>,
    ) -> Result<Response<list::ListStream>, Status> {
        Ok(Response::new(
            list::list_resource(self, request.into_inner()).await,
        ))
    }

    async fn stop_provider(
        &self,
        _request: Request<pb::stop_provider::Request>,
    ) -> Result<Response<pb::stop_provider::Response>, Status> {
        tracing::debug!(tf_rpc = "StopProvider", "Received request");
        let mut stop = self.stop.lock().unwrap_or_else(|p| p.into_inner());
        stop.cancel();
        *stop = self.root.child_token();
        Ok(Response::new(pb::stop_provider::Response {
            error: String::new(),
        }))
    }
}
