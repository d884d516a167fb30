//! The provider-wide RPCs: what the provider serves (metadata, schemas,
//! functions) and its own configuration (validate, configure).

use super::provider_server::{write_only_capability, ProviderServer};
use crate::tfplugin::convert::{
    decode_dynamic, diagnostics_to_proto, identity_schema_to_proto, schema_to_proto,
};
use crate::tfplugin::diag::Diagnostics;
use crate::tfplugin::proto::tfplugin6 as pb;
use crate::tfplugin::provider::ConfigureRequest;

/// What this server does not do: destroy planning, optional schema
/// fetching, state moves, config generation.
fn server_capabilities() -> pb::ServerCapabilities {
    pb::ServerCapabilities {
        plan_destroy: false,
        get_provider_schema_optional: false,
        move_resource_state: false,
        generate_resource_config: false,
    }
}

/// GetMetadata: the type names served, without their schemas.
pub(super) async fn get_metadata(
    server: &ProviderServer,
    _req: pb::get_metadata::Request,
) -> Result<pb::get_metadata::Response, Diagnostics> {
    Ok(pb::get_metadata::Response {
        server_capabilities: Some(server_capabilities()),
        resources: server
            .resources
            .keys()
            .map(|n| pb::get_metadata::ResourceMetadata {
                type_name: n.clone(),
            })
            .collect(),
        data_sources: server
            .data_sources
            .keys()
            .map(|n| pb::get_metadata::DataSourceMetadata {
                type_name: n.clone(),
            })
            .collect(),
        list_resources: server
            .list_resources
            .keys()
            .map(|n| pb::get_metadata::ListResourceMetadata {
                type_name: n.clone(),
            })
            .collect(),
        ..Default::default()
    })
}

/// GetProviderSchema: the provider's schema and every type's.
pub(super) async fn get_provider_schema(
    server: &ProviderServer,
    _req: pb::get_provider_schema::Request,
) -> Result<pb::get_provider_schema::Response, Diagnostics> {
    Ok(pb::get_provider_schema::Response {
        provider: Some(schema_to_proto(&server.provider.schema())),
        resource_schemas: server
            .resources
            .iter()
            .map(|(n, r)| (n.clone(), schema_to_proto(&r.schema())))
            .collect(),
        data_source_schemas: server
            .data_sources
            .iter()
            .map(|(n, d)| (n.clone(), schema_to_proto(&d.schema())))
            .collect(),
        list_resource_schemas: server
            .list_resources
            .iter()
            .map(|(n, l)| (n.clone(), schema_to_proto(&l.schema())))
            .collect(),
        server_capabilities: Some(server_capabilities()),
        ..Default::default()
    })
}

/// GetResourceIdentitySchemas: the identity schema of each resource that has one.
pub(super) async fn get_resource_identity_schemas(
    server: &ProviderServer,
    _req: pb::get_resource_identity_schemas::Request,
) -> Result<pb::get_resource_identity_schemas::Response, Diagnostics> {
    let identity_schemas = server
        .resources
        .iter()
        .filter_map(|(n, r)| {
            r.identity_schema()
                .map(|s| (n.clone(), identity_schema_to_proto(&s)))
        })
        .collect();
    Ok(pb::get_resource_identity_schemas::Response {
        identity_schemas,
        diagnostics: Vec::new(),
    })
}

/// ValidateProviderConfig.
pub(super) async fn validate_provider_config(
    server: &ProviderServer,
    req: pb::validate_provider_config::Request,
) -> Result<pb::validate_provider_config::Response, Diagnostics> {
    let ty = server.provider.schema().block.object_type();
    let config = decode_dynamic(req.config.as_ref(), &ty, "the provider configuration")?;
    let diags = server.provider.validate(&server.ctx(None), config).await;
    Ok(pb::validate_provider_config::Response {
        diagnostics: diagnostics_to_proto(&diags),
    })
}

/// ConfigureProvider.
pub(super) async fn configure_provider(
    server: &ProviderServer,
    req: pb::configure_provider::Request,
) -> Result<pb::configure_provider::Response, Diagnostics> {
    let ty = server.provider.schema().block.object_type();
    let config = decode_dynamic(req.config.as_ref(), &ty, "the provider configuration")?;
    let ctx = server.ctx(write_only_capability(req.client_capabilities.as_ref()));
    let configure = ConfigureRequest {
        terraform_version: req.terraform_version,
        config,
    };
    let diags = server.provider.configure(&ctx, configure).await;
    Ok(pb::configure_provider::Response {
        diagnostics: diagnostics_to_proto(&diags),
    })
}

/// GetFunctions: this framework serves no provider functions.
pub(super) async fn get_functions(
    _server: &ProviderServer,
    _req: pb::get_functions::Request,
) -> Result<pb::get_functions::Response, Diagnostics> {
    Ok(pb::get_functions::Response::default())
}
