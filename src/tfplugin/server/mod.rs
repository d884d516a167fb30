//! The `tfplugin6.Provider` gRPC service: decodes each request with the right
//! schema, calls the [`Provider`](crate::tfplugin::Provider) traits, and encodes the answer. Every unary
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
mod provider_server;
mod resource_rpcs;
mod unary;
mod upgrade_rpcs;

use tonic::{Request, Response, Status};

use super::proto::tfplugin6 as pb;
use super::proto::tfplugin6::provider_server::Provider as ProviderService;

pub use provider_server::{ProviderServer, MAX_MESSAGE_SIZE};

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
        self.stop_calls();
        Ok(Response::new(pb::stop_provider::Response {
            error: String::new(),
        }))
    }
}
