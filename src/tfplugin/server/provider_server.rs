//! The served provider: its types, fetched once and looked up by name, and
//! the cancellation that StopProvider pulls.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use tokio_util::sync::CancellationToken;

use crate::tfplugin::diag::Diagnostic;
use crate::tfplugin::proto::tfplugin6 as pb;
use crate::tfplugin::provider::{CallContext, DataSource, ListResource, Provider, Resource};
use crate::tfplugin::value::Type;

/// Largest request or response message: what terraform-plugin-go servers allow.
pub const MAX_MESSAGE_SIZE: usize = 256 * 1024 * 1024;

/// Serves one [`Provider`] as `tfplugin6.Provider`.
pub struct ProviderServer {
    /// The provider, for its schema, validation and configuration.
    pub(super) provider: Arc<dyn Provider>,
    /// Managed resource types, fetched once so every call sees the same instances.
    pub(super) resources: BTreeMap<String, Arc<dyn Resource>>,
    /// Data source types, fetched once.
    pub(super) data_sources: BTreeMap<String, Arc<dyn DataSource>>,
    /// List resource types, fetched once.
    pub(super) list_resources: BTreeMap<String, Arc<dyn ListResource>>,
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

    /// StopProvider: cancels every call in flight; later calls get a fresh token.
    pub(super) fn stop_calls(&self) {
        let mut stop = self.stop.lock().unwrap_or_else(|p| p.into_inner());
        stop.cancel();
        *stop = self.root.child_token();
    }

    /// A call context whose token StopProvider cancels.
    pub(super) fn ctx(&self, write_only_allowed: Option<bool>) -> CallContext {
        let stop = self.stop.lock().unwrap_or_else(|p| p.into_inner());
        CallContext {
            cancel: stop.child_token(),
            write_only_allowed,
        }
    }

    /// The managed resource type `type_name`.
    pub(super) fn resource(&self, type_name: &str) -> Result<&Arc<dyn Resource>, Diagnostic> {
        self.resources
            .get(type_name)
            .ok_or_else(|| unknown_type("resource", type_name))
    }

    /// The data source type `type_name`.
    pub(super) fn data_source(&self, type_name: &str) -> Result<&Arc<dyn DataSource>, Diagnostic> {
        self.data_sources
            .get(type_name)
            .ok_or_else(|| unknown_type("data source", type_name))
    }

    /// The list resource type `type_name`.
    pub(super) fn list_resource(
        &self,
        type_name: &str,
    ) -> Result<&Arc<dyn ListResource>, Diagnostic> {
        self.list_resources
            .get(type_name)
            .ok_or_else(|| unknown_type("list resource", type_name))
    }

    /// The identity object type of `type_name`, or an error when it has no identity schema.
    pub(super) fn identity_type(&self, type_name: &str) -> Result<Type, Diagnostic> {
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
    pub(super) fn maybe_identity_type(&self, resource: &Arc<dyn Resource>) -> Option<Type> {
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
pub(super) fn write_only_capability(c: Option<&pb::ClientCapabilities>) -> Option<bool> {
    c.map(|c| c.write_only_attributes_allowed)
}
