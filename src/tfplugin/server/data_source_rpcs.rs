//! The data-source RPCs: ValidateDataResourceConfig and ReadDataSource.

use super::provider_server::{write_only_capability, ProviderServer};
use crate::tfplugin::convert::{
    decode_dynamic, diagnostics_to_proto, encode_dynamic, normalize_returned_state,
};
use crate::tfplugin::diag::Diagnostics;
use crate::tfplugin::proto::tfplugin6 as pb;

/// ValidateDataResourceConfig.
pub(super) async fn validate_data_resource_config(
    server: &ProviderServer,
    req: pb::validate_data_resource_config::Request,
) -> Result<pb::validate_data_resource_config::Response, Diagnostics> {
    let data_source = server.data_source(&req.type_name)?;
    let ty = data_source.schema().block.object_type();
    let config = decode_dynamic(req.config.as_ref(), &ty, "the configuration")?;
    let diags = data_source.validate(&server.ctx(None), config).await;
    Ok(pb::validate_data_resource_config::Response {
        diagnostics: diagnostics_to_proto(&diags),
    })
}

/// ReadDataSource.
pub(super) async fn read_data_source(
    server: &ProviderServer,
    req: pb::read_data_source::Request,
) -> Result<pb::read_data_source::Response, Diagnostics> {
    let data_source = server.data_source(&req.type_name)?;
    let schema = data_source.schema();
    let ty = schema.block.object_type();
    let config = decode_dynamic(req.config.as_ref(), &ty, "the configuration")?;
    let ctx = server.ctx(write_only_capability(req.client_capabilities.as_ref()));
    let (mut state, diags) = data_source.read(&ctx, config).await;
    normalize_returned_state(&schema.block, &mut state);
    Ok(pb::read_data_source::Response {
        state: Some(encode_dynamic(&state, &ty, "the data source state")?),
        diagnostics: diagnostics_to_proto(&diags),
        deferred: None,
    })
}
