//! Stored state and identity written by an earlier provider version, brought
//! to the current schema: UpgradeResourceState and UpgradeResourceIdentity.

use super::provider_server::ProviderServer;
use crate::tfplugin::codec;
use crate::tfplugin::convert::{
    decode_dynamic, encode_dynamic, encode_identity, normalize_returned_state,
};
use crate::tfplugin::diag::{Diagnostic, Diagnostics};
use crate::tfplugin::proto::tfplugin6 as pb;
use crate::tfplugin::provider::UpgradeRequest;
use crate::tfplugin::value::Value;

/// UpgradeResourceState: stored JSON state, upgraded by the resource, read
/// with the current schema.
pub(super) async fn upgrade_resource_state(
    server: &ProviderServer,
    req: pb::upgrade_resource_state::Request,
) -> Result<pb::upgrade_resource_state::Response, Diagnostics> {
    let resource = server.resource(&req.type_name)?;
    let schema = resource.schema();
    let ty = schema.block.object_type();
    let raw = req.raw_state.unwrap_or_default();
    if raw.json.is_empty() {
        if !raw.flatmap.is_empty() {
            return Err(Diagnostic::error(
                "Unsupported legacy state format",
                format!(
                    "The stored state of this {} was written in the flatmap format of Terraform 0.11 or \
                     earlier, which this provider cannot read. Remove it from state and import it again.",
                    req.type_name
                ),
            )
            .into());
        }
        let upgraded_state = Some(encode_dynamic(&Value::Null, &ty, "the upgraded state")?);
        return Ok(pb::upgrade_resource_state::Response {
            upgraded_state,
            diagnostics: Vec::new(),
        });
    }
    let raw_json: serde_json::Value = serde_json::from_slice(&raw.json).map_err(|e| {
        Diagnostic::error(
            "Stored state is not valid JSON",
            format!(
                "Terraform sent stored state for {} that is not JSON ({e}).",
                req.type_name
            ),
        )
    })?;
    let upgraded = resource
        .upgrade(UpgradeRequest {
            version: req.version,
            raw_json,
        })
        .await?;
    let bytes = serde_json::to_vec(&upgraded).map_err(|e| {
        Diagnostic::error(
            "Upgraded state could not be encoded",
            format!("Please report this bug ({e})."),
        )
    })?;
    // Like terraform-plugin-framework, attributes a later release removed
    // from the schema are dropped instead of making the state unreadable.
    let mut value = codec::decode_json_dropping_removed_attributes(&bytes, &ty).map_err(|e| {
        Diagnostic::error(
            "Stored state does not match the schema",
            format!(
                "The stored state of this {} could not be read with the current schema ({e}). \
                 Please report this bug.",
                req.type_name
            ),
        )
    })?;
    normalize_returned_state(&schema.block, &mut value);
    let upgraded_state = Some(encode_dynamic(&value, &ty, "the upgraded state")?);
    Ok(pb::upgrade_resource_state::Response {
        upgraded_state,
        diagnostics: Vec::new(),
    })
}

/// UpgradeResourceIdentity: only the current identity version is known.
pub(super) async fn upgrade_resource_identity(
    server: &ProviderServer,
    req: pb::upgrade_resource_identity::Request,
) -> Result<pb::upgrade_resource_identity::Response, Diagnostics> {
    let resource = server.resource(&req.type_name)?;
    let schema = resource.identity_schema().ok_or_else(|| {
        Diagnostic::error(
            "Resource has no identity",
            format!(
                "The resource type {} does not support resource identity.",
                req.type_name
            ),
        )
    })?;
    if req.version != schema.version {
        return Err(Diagnostic::error(
            "Unsupported identity version",
            format!(
                "The stored identity of this {} was written at identity version {}; this provider knows \
                 version {}.",
                req.type_name, req.version, schema.version
            ),
        )
        .into());
    }
    let ty = schema.object_type();
    let json = req.raw_identity.map(|r| r.json).unwrap_or_default();
    let value = decode_dynamic(
        Some(&pb::DynamicValue {
            msgpack: Vec::new(),
            json,
        }),
        &ty,
        "the stored identity",
    )?;
    let upgraded_identity = encode_identity(Some(&value), &ty, "the upgraded identity")?;
    Ok(pb::upgrade_resource_identity::Response {
        upgraded_identity,
        diagnostics: Vec::new(),
    })
}
