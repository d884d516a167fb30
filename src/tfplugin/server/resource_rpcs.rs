//! The managed-resource RPCs: validate, read, plan, apply and import. Each
//! decodes the request's values with the resource's schema, calls the
//! [`Resource`] trait, and encodes what it returns with the same schema.

use super::provider_server::{write_only_capability, ProviderServer};
use crate::tfplugin::convert::{
    decode_dynamic, decode_identity, diagnostics_to_proto, encode_dynamic, encode_identity,
    normalize_returned_state, path_to_proto,
};
use crate::tfplugin::diag::Diagnostics;
use crate::tfplugin::proto::tfplugin6 as pb;
use crate::tfplugin::provider::{
    ApplyResponse, CallContext, CreateRequest, DeleteRequest, ImportRequest, PlanRequest,
    PlanResponse, ReadRequest, Resource, UpdateRequest, ValidateRequest,
};
use crate::tfplugin::value::Value;

/// ValidateResourceConfig.
pub(super) async fn validate_resource_config(
    server: &ProviderServer,
    req: pb::validate_resource_config::Request,
) -> Result<pb::validate_resource_config::Response, Diagnostics> {
    let resource = server.resource(&req.type_name)?;
    let ty = resource.schema().block.object_type();
    let config = decode_dynamic(req.config.as_ref(), &ty, "the configuration")?;
    let ctx = server.ctx(write_only_capability(req.client_capabilities.as_ref()));
    let diags = resource.validate(&ctx, ValidateRequest { config }).await;
    Ok(pb::validate_resource_config::Response {
        diagnostics: diagnostics_to_proto(&diags),
    })
}

/// ReadResource.
pub(super) async fn read_resource(
    server: &ProviderServer,
    req: pb::read_resource::Request,
) -> Result<pb::read_resource::Response, Diagnostics> {
    let resource = server.resource(&req.type_name)?;
    let schema = resource.schema();
    let ty = schema.block.object_type();
    let id_ty = server.maybe_identity_type(resource);
    let current_state = decode_dynamic(req.current_state.as_ref(), &ty, "the current state")?;
    let current_identity = match &id_ty {
        Some(t) => decode_identity(req.current_identity.as_ref(), t, "the current identity")?,
        None => None,
    };
    let ctx = server.ctx(write_only_capability(req.client_capabilities.as_ref()));
    let mut out = resource
        .read(
            &ctx,
            ReadRequest {
                current_state,
                private: req.private,
                current_identity,
            },
        )
        .await;
    normalize_returned_state(&schema.block, &mut out.new_state);
    let new_identity = match &id_ty {
        Some(t) => encode_identity(out.new_identity.as_ref(), t, "the new identity")?,
        None => None,
    };
    Ok(pb::read_resource::Response {
        new_state: Some(encode_dynamic(&out.new_state, &ty, "the read state")?),
        diagnostics: diagnostics_to_proto(&out.diagnostics),
        private: out.private,
        deferred: None,
        new_identity,
    })
}

/// PlanResourceChange; a destroy is planned here without asking the resource.
pub(super) async fn plan_resource_change(
    server: &ProviderServer,
    req: pb::plan_resource_change::Request,
) -> Result<pb::plan_resource_change::Response, Diagnostics> {
    let resource = server.resource(&req.type_name)?;
    let schema = resource.schema();
    let ty = schema.block.object_type();
    let id_ty = server.maybe_identity_type(resource);
    let prior_state = decode_dynamic(req.prior_state.as_ref(), &ty, "the prior state")?;
    let proposed_new_state = decode_dynamic(
        req.proposed_new_state.as_ref(),
        &ty,
        "the proposed new state",
    )?;
    let config = decode_dynamic(req.config.as_ref(), &ty, "the configuration")?;
    let prior_identity = match &id_ty {
        Some(t) => decode_identity(req.prior_identity.as_ref(), t, "the prior identity")?,
        None => None,
    };
    let ctx = server.ctx(write_only_capability(req.client_capabilities.as_ref()));
    let plan = PlanRequest {
        prior_state,
        proposed_new_state,
        config,
        prior_private: req.prior_private,
        prior_identity,
    };
    let mut out = if plan.proposed_new_state.is_null() {
        // Destroy: nothing to compute; the private data goes on to apply.
        PlanResponse {
            planned_state: Value::Null,
            planned_private: plan.prior_private,
            ..PlanResponse::default()
        }
    } else {
        resource.plan(&ctx, plan).await
    };
    normalize_returned_state(&schema.block, &mut out.planned_state);
    let planned_identity = match &id_ty {
        Some(t) => encode_identity(out.planned_identity.as_ref(), t, "the planned identity")?,
        None => None,
    };
    Ok(pb::plan_resource_change::Response {
        planned_state: Some(encode_dynamic(
            &out.planned_state,
            &ty,
            "the planned state",
        )?),
        requires_replace: out.requires_replace.iter().map(path_to_proto).collect(),
        planned_private: out.planned_private,
        diagnostics: diagnostics_to_proto(&out.diagnostics),
        legacy_type_system: false,
        deferred: None,
        planned_identity,
    })
}

/// ApplyResourceChange, dispatched to create, update or delete.
pub(super) async fn apply_resource_change(
    server: &ProviderServer,
    req: pb::apply_resource_change::Request,
) -> Result<pb::apply_resource_change::Response, Diagnostics> {
    let resource = server.resource(&req.type_name)?;
    let schema = resource.schema();
    let ty = schema.block.object_type();
    let id_ty = server.maybe_identity_type(resource);
    let prior_state = decode_dynamic(req.prior_state.as_ref(), &ty, "the prior state")?;
    let planned_state = decode_dynamic(req.planned_state.as_ref(), &ty, "the planned state")?;
    let config = decode_dynamic(req.config.as_ref(), &ty, "the configuration")?;
    let planned_identity = match &id_ty {
        Some(t) => decode_identity(req.planned_identity.as_ref(), t, "the planned identity")?,
        None => None,
    };
    // ApplyResourceChange carries no client capabilities; Terraform only
    // gets here after a plan that accepted write-only values.
    let ctx = server.ctx(None);
    let mut out = dispatch_apply(
        resource.as_ref(),
        &ctx,
        prior_state,
        planned_state,
        config,
        req.planned_private,
        planned_identity,
    )
    .await;
    normalize_returned_state(&schema.block, &mut out.new_state);
    let new_identity = match &id_ty {
        Some(t) => encode_identity(out.new_identity.as_ref(), t, "the new identity")?,
        None => None,
    };
    Ok(pb::apply_resource_change::Response {
        new_state: Some(encode_dynamic(&out.new_state, &ty, "the new state")?),
        private: out.private,
        diagnostics: diagnostics_to_proto(&out.diagnostics),
        legacy_type_system: false,
        new_identity,
    })
}

/// ApplyResourceChange as the resource trait sees it: a null prior state is
/// a create, a null planned state a destroy, anything else an update.
async fn dispatch_apply(
    resource: &dyn Resource,
    ctx: &CallContext,
    prior_state: Value,
    planned_state: Value,
    config: Value,
    planned_private: Vec<u8>,
    planned_identity: Option<Value>,
) -> ApplyResponse {
    if planned_state.is_null() {
        let out = resource
            .delete(
                ctx,
                DeleteRequest {
                    prior_state: prior_state.clone(),
                    private: planned_private.clone(),
                    identity: planned_identity.clone(),
                },
            )
            .await;
        if !out.diagnostics.has_errors() {
            return ApplyResponse {
                diagnostics: out.diagnostics,
                ..ApplyResponse::default()
            };
        }
        return ApplyResponse {
            new_state: prior_state,
            private: out.private.unwrap_or(planned_private),
            new_identity: out.identity.or(planned_identity),
            diagnostics: out.diagnostics,
        };
    }
    if prior_state.is_null() {
        return resource
            .create(
                ctx,
                CreateRequest {
                    planned_state,
                    config,
                    planned_private,
                    planned_identity,
                },
            )
            .await;
    }
    resource
        .update(
            ctx,
            UpdateRequest {
                prior_state,
                planned_state,
                config,
                planned_private,
                planned_identity,
            },
        )
        .await
}

/// ImportResourceState.
pub(super) async fn import_resource_state(
    server: &ProviderServer,
    req: pb::import_resource_state::Request,
) -> Result<pb::import_resource_state::Response, Diagnostics> {
    let resource = server.resource(&req.type_name)?;
    let schema = resource.schema();
    let ty = schema.block.object_type();
    let identity = if req
        .identity
        .as_ref()
        .and_then(|i| i.identity_data.as_ref())
        .is_some()
    {
        let id_ty = server.identity_type(&req.type_name)?;
        decode_identity(req.identity.as_ref(), &id_ty, "the import identity")?
    } else {
        None
    };
    let ctx = server.ctx(write_only_capability(req.client_capabilities.as_ref()));
    let mut out = resource
        .import(
            &ctx,
            ImportRequest {
                id: req.id,
                identity,
            },
        )
        .await;
    let mut response = pb::import_resource_state::Response {
        diagnostics: diagnostics_to_proto(&out.diagnostics),
        ..Default::default()
    };
    if out.diagnostics.has_errors() {
        return Ok(response);
    }
    normalize_returned_state(&schema.block, &mut out.state);
    let identity = match server.maybe_identity_type(resource) {
        Some(t) => encode_identity(out.identity.as_ref(), &t, "the imported identity")?,
        None => None,
    };
    response
        .imported_resources
        .push(pb::import_resource_state::ImportedResource {
            type_name: req.type_name,
            state: Some(encode_dynamic(&out.state, &ty, "the imported state")?),
            private: out.private,
            identity,
        });
    Ok(response)
}
