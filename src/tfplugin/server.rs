//! The `tfplugin6.Provider` gRPC service: decodes each request with the right
//! schema, calls the [`Provider`] traits, and encodes the answer. Every
//! handler runs under a panic guard and is logged by name, type and duration,
//! never with its payload (payloads hold the PyPI token).

use std::collections::BTreeMap;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use futures::FutureExt;
use tokio_util::sync::CancellationToken;
use tonic::{Request, Response, Status};

use super::codec;
use super::convert::{
    decode_dynamic, decode_identity, diagnostics_to_proto, encode_dynamic, encode_identity,
    identity_schema_to_proto, normalize_returned_state, path_to_proto, schema_to_proto,
};
use super::diag::{Diagnostic, Diagnostics};
use super::proto::tfplugin6 as pb;
use super::proto::tfplugin6::provider_server::Provider as ProviderService;
use super::provider::{
    ApplyResponse, CallContext, ConfigureRequest, CreateRequest, DataSource, DeleteRequest,
    ImportRequest, ListEvent, ListResource, PlanRequest, PlanResponse, Provider, ReadRequest,
    Resource, UpdateRequest, UpgradeRequest, ValidateRequest,
};
use super::value::{Type, Value};

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

    fn ctx(&self, write_only_allowed: Option<bool>) -> CallContext {
        let stop = self.stop.lock().unwrap_or_else(|p| p.into_inner());
        CallContext {
            cancel: stop.child_token(),
            write_only_allowed,
        }
    }

    fn resource(&self, type_name: &str) -> Result<&Arc<dyn Resource>, Diagnostic> {
        self.resources
            .get(type_name)
            .ok_or_else(|| unknown_type("resource", type_name))
    }

    fn data_source(&self, type_name: &str) -> Result<&Arc<dyn DataSource>, Diagnostic> {
        self.data_sources
            .get(type_name)
            .ok_or_else(|| unknown_type("data source", type_name))
    }

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

fn unknown_type(kind: &str, type_name: &str) -> Diagnostic {
    Diagnostic::error(
        format!("Unknown {kind} type"),
        format!("This provider has no {kind} type named {type_name:?}. Check the type name and the provider version."),
    )
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

fn write_only_capability(c: Option<&pb::ClientCapabilities>) -> Option<bool> {
    c.map(|c| c.write_only_attributes_allowed)
}

/// Answers that carry diagnostics, so an error or panic can become one.
trait WithDiagnostics: Default {
    fn diagnostics_mut(&mut self) -> &mut Vec<pb::Diagnostic>;
}

macro_rules! with_diagnostics {
    ($($ty:ty),* $(,)?) => {$(
        impl WithDiagnostics for $ty {
            fn diagnostics_mut(&mut self) -> &mut Vec<pb::Diagnostic> {
                &mut self.diagnostics
            }
        }
    )*};
}

with_diagnostics!(
    pb::get_metadata::Response,
    pb::get_provider_schema::Response,
    pb::get_resource_identity_schemas::Response,
    pb::validate_provider_config::Response,
    pb::validate_resource_config::Response,
    pb::validate_data_resource_config::Response,
    pb::validate_list_resource_config::Response,
    pb::upgrade_resource_state::Response,
    pb::upgrade_resource_identity::Response,
    pb::configure_provider::Response,
    pb::read_resource::Response,
    pb::plan_resource_change::Response,
    pb::apply_resource_change::Response,
    pb::import_resource_state::Response,
    pb::read_data_source::Response,
    pb::get_functions::Response,
);

/// The diagnostic a panicking handler turns into.
fn panic_diagnostic(rpc: &str, type_name: &str) -> Diagnostic {
    let subject = if type_name.is_empty() {
        String::new()
    } else {
        format!(" for {type_name}")
    };
    Diagnostic::error(
        format!("The provider panicked in {rpc}{subject}; please report this bug"),
        "The provider hit an internal error and could not finish this operation. Remote objects may have been \
         partially changed; run a plan to see the current state. Please report this bug to the provider's maintainers \
         with the provider log (TF_LOG_PROVIDER=DEBUG).",
    )
}

/// Runs one handler: logs it, turns an `Err` or a panic into error diagnostics.
async fn guard<R, F>(rpc: &'static str, type_name: &str, handler: F) -> Result<Response<R>, Status>
where
    R: WithDiagnostics,
    F: Future<Output = Result<R, Diagnostics>>,
{
    let started = Instant::now();
    tracing::debug!(tf_rpc = rpc, tf_type_name = type_name, "Received request");
    let outcome = AssertUnwindSafe(handler).catch_unwind().await;
    let mut response = match outcome {
        Ok(Ok(response)) => response,
        Ok(Err(diags)) => {
            let mut response = R::default();
            response
                .diagnostics_mut()
                .extend(diagnostics_to_proto(&diags));
            response
        }
        Err(_) => {
            tracing::error!(
                tf_rpc = rpc,
                tf_type_name = type_name,
                "Handler panicked; answered with an error diagnostic"
            );
            let mut response = R::default();
            response
                .diagnostics_mut()
                .push(super::convert::diagnostic_to_proto(&panic_diagnostic(
                    rpc, type_name,
                )));
            response
        }
    };
    let errors = response
        .diagnostics_mut()
        .iter()
        .filter(|d| d.severity == pb::diagnostic::Severity::Error as i32)
        .count();
    tracing::debug!(
        tf_rpc = rpc,
        tf_type_name = type_name,
        tf_req_duration_ms = started.elapsed().as_millis() as u64,
        diagnostic_error_count = errors,
        "Served request"
    );
    Ok(Response::new(response))
}

fn server_capabilities() -> pb::ServerCapabilities {
    pb::ServerCapabilities {
        plan_destroy: false,
        get_provider_schema_optional: false,
        move_resource_state: false,
        generate_resource_config: false,
    }
}

impl ProviderServer {
    async fn get_provider_schema_impl(
        &self,
    ) -> Result<pb::get_provider_schema::Response, Diagnostics> {
        Ok(pb::get_provider_schema::Response {
            provider: Some(schema_to_proto(&self.provider.schema())),
            resource_schemas: self
                .resources
                .iter()
                .map(|(n, r)| (n.clone(), schema_to_proto(&r.schema())))
                .collect(),
            data_source_schemas: self
                .data_sources
                .iter()
                .map(|(n, d)| (n.clone(), schema_to_proto(&d.schema())))
                .collect(),
            list_resource_schemas: self
                .list_resources
                .iter()
                .map(|(n, l)| (n.clone(), schema_to_proto(&l.schema())))
                .collect(),
            server_capabilities: Some(server_capabilities()),
            ..Default::default()
        })
    }

    async fn upgrade_resource_state_impl(
        &self,
        req: pb::upgrade_resource_state::Request,
    ) -> Result<pb::upgrade_resource_state::Response, Diagnostics> {
        let resource = self.resource(&req.type_name)?;
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
        let mut value =
            codec::decode_json_dropping_removed_attributes(&bytes, &ty).map_err(|e| {
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

    async fn upgrade_resource_identity_impl(
        &self,
        req: pb::upgrade_resource_identity::Request,
    ) -> Result<pb::upgrade_resource_identity::Response, Diagnostics> {
        let resource = self.resource(&req.type_name)?;
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

    async fn read_resource_impl(
        &self,
        req: pb::read_resource::Request,
    ) -> Result<pb::read_resource::Response, Diagnostics> {
        let resource = self.resource(&req.type_name)?;
        let schema = resource.schema();
        let ty = schema.block.object_type();
        let id_ty = self.maybe_identity_type(resource);
        let current_state = decode_dynamic(req.current_state.as_ref(), &ty, "the current state")?;
        let current_identity = match &id_ty {
            Some(t) => decode_identity(req.current_identity.as_ref(), t, "the current identity")?,
            None => None,
        };
        let ctx = self.ctx(write_only_capability(req.client_capabilities.as_ref()));
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

    async fn plan_resource_change_impl(
        &self,
        req: pb::plan_resource_change::Request,
    ) -> Result<pb::plan_resource_change::Response, Diagnostics> {
        let resource = self.resource(&req.type_name)?;
        let schema = resource.schema();
        let ty = schema.block.object_type();
        let id_ty = self.maybe_identity_type(resource);
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
        let ctx = self.ctx(write_only_capability(req.client_capabilities.as_ref()));
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

    async fn apply_resource_change_impl(
        &self,
        req: pb::apply_resource_change::Request,
    ) -> Result<pb::apply_resource_change::Response, Diagnostics> {
        let resource = self.resource(&req.type_name)?;
        let schema = resource.schema();
        let ty = schema.block.object_type();
        let id_ty = self.maybe_identity_type(resource);
        let prior_state = decode_dynamic(req.prior_state.as_ref(), &ty, "the prior state")?;
        let planned_state = decode_dynamic(req.planned_state.as_ref(), &ty, "the planned state")?;
        let config = decode_dynamic(req.config.as_ref(), &ty, "the configuration")?;
        let planned_identity = match &id_ty {
            Some(t) => decode_identity(req.planned_identity.as_ref(), t, "the planned identity")?,
            None => None,
        };
        // ApplyResourceChange carries no client capabilities; Terraform only
        // gets here after a plan that accepted write-only values.
        let ctx = self.ctx(None);
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

    async fn import_resource_state_impl(
        &self,
        req: pb::import_resource_state::Request,
    ) -> Result<pb::import_resource_state::Response, Diagnostics> {
        let resource = self.resource(&req.type_name)?;
        let schema = resource.schema();
        let ty = schema.block.object_type();
        let identity = if req
            .identity
            .as_ref()
            .and_then(|i| i.identity_data.as_ref())
            .is_some()
        {
            let id_ty = self.identity_type(&req.type_name)?;
            decode_identity(req.identity.as_ref(), &id_ty, "the import identity")?
        } else {
            None
        };
        let ctx = self.ctx(write_only_capability(req.client_capabilities.as_ref()));
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
        let identity = match self.maybe_identity_type(resource) {
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

    async fn read_data_source_impl(
        &self,
        req: pb::read_data_source::Request,
    ) -> Result<pb::read_data_source::Response, Diagnostics> {
        let data_source = self.data_source(&req.type_name)?;
        let schema = data_source.schema();
        let ty = schema.block.object_type();
        let config = decode_dynamic(req.config.as_ref(), &ty, "the configuration")?;
        let ctx = self.ctx(write_only_capability(req.client_capabilities.as_ref()));
        let (mut state, diags) = data_source.read(&ctx, config).await;
        normalize_returned_state(&schema.block, &mut state);
        Ok(pb::read_data_source::Response {
            state: Some(encode_dynamic(&state, &ty, "the data source state")?),
            diagnostics: diagnostics_to_proto(&diags),
            deferred: None,
        })
    }
}

/// A list stream event that carries only diagnostics.
fn diagnostics_event(diags: &Diagnostics) -> pb::list_resource::Event {
    pb::list_resource::Event {
        diagnostic: diagnostics_to_proto(diags),
        ..Default::default()
    }
}

#[tonic::async_trait]
impl ProviderService for ProviderServer {
    async fn get_metadata(
        &self,
        _request: Request<pb::get_metadata::Request>,
    ) -> Result<Response<pb::get_metadata::Response>, Status> {
        guard("GetMetadata", "", async {
            Ok(pb::get_metadata::Response {
                server_capabilities: Some(server_capabilities()),
                resources: self
                    .resources
                    .keys()
                    .map(|n| pb::get_metadata::ResourceMetadata {
                        type_name: n.clone(),
                    })
                    .collect(),
                data_sources: self
                    .data_sources
                    .keys()
                    .map(|n| pb::get_metadata::DataSourceMetadata {
                        type_name: n.clone(),
                    })
                    .collect(),
                list_resources: self
                    .list_resources
                    .keys()
                    .map(|n| pb::get_metadata::ListResourceMetadata {
                        type_name: n.clone(),
                    })
                    .collect(),
                ..Default::default()
            })
        })
        .await
    }

    async fn get_provider_schema(
        &self,
        _request: Request<pb::get_provider_schema::Request>,
    ) -> Result<Response<pb::get_provider_schema::Response>, Status> {
        guard("GetProviderSchema", "", self.get_provider_schema_impl()).await
    }

    async fn get_resource_identity_schemas(
        &self,
        _request: Request<pb::get_resource_identity_schemas::Request>,
    ) -> Result<Response<pb::get_resource_identity_schemas::Response>, Status> {
        guard("GetResourceIdentitySchemas", "", async {
            let identity_schemas = self
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
        })
        .await
    }

    async fn validate_provider_config(
        &self,
        request: Request<pb::validate_provider_config::Request>,
    ) -> Result<Response<pb::validate_provider_config::Response>, Status> {
        let req = request.into_inner();
        guard("ValidateProviderConfig", "", async {
            let ty = self.provider.schema().block.object_type();
            let config = decode_dynamic(req.config.as_ref(), &ty, "the provider configuration")?;
            let diags = self.provider.validate(&self.ctx(None), config).await;
            Ok(pb::validate_provider_config::Response {
                diagnostics: diagnostics_to_proto(&diags),
            })
        })
        .await
    }

    async fn validate_resource_config(
        &self,
        request: Request<pb::validate_resource_config::Request>,
    ) -> Result<Response<pb::validate_resource_config::Response>, Status> {
        let req = request.into_inner();
        guard("ValidateResourceConfig", &req.type_name, async {
            let resource = self.resource(&req.type_name)?;
            let ty = resource.schema().block.object_type();
            let config = decode_dynamic(req.config.as_ref(), &ty, "the configuration")?;
            let ctx = self.ctx(write_only_capability(req.client_capabilities.as_ref()));
            let diags = resource.validate(&ctx, ValidateRequest { config }).await;
            Ok(pb::validate_resource_config::Response {
                diagnostics: diagnostics_to_proto(&diags),
            })
        })
        .await
    }

    async fn validate_data_resource_config(
        &self,
        request: Request<pb::validate_data_resource_config::Request>,
    ) -> Result<Response<pb::validate_data_resource_config::Response>, Status> {
        let req = request.into_inner();
        guard("ValidateDataResourceConfig", &req.type_name, async {
            let data_source = self.data_source(&req.type_name)?;
            let ty = data_source.schema().block.object_type();
            let config = decode_dynamic(req.config.as_ref(), &ty, "the configuration")?;
            let diags = data_source.validate(&self.ctx(None), config).await;
            Ok(pb::validate_data_resource_config::Response {
                diagnostics: diagnostics_to_proto(&diags),
            })
        })
        .await
    }

    async fn validate_list_resource_config(
        &self,
        request: Request<pb::validate_list_resource_config::Request>,
    ) -> Result<Response<pb::validate_list_resource_config::Response>, Status> {
        let req = request.into_inner();
        guard("ValidateListResourceConfig", &req.type_name, async {
            let list = self.list_resource(&req.type_name)?;
            let ty = list.schema().block.object_type();
            let config = decode_dynamic(req.config.as_ref(), &ty, "the list configuration")?;
            let diags = list.validate(&self.ctx(None), config).await;
            Ok(pb::validate_list_resource_config::Response {
                diagnostics: diagnostics_to_proto(&diags),
            })
        })
        .await
    }

    async fn upgrade_resource_state(
        &self,
        request: Request<pb::upgrade_resource_state::Request>,
    ) -> Result<Response<pb::upgrade_resource_state::Response>, Status> {
        let req = request.into_inner();
        let type_name = req.type_name.clone();
        guard(
            "UpgradeResourceState",
            &type_name,
            self.upgrade_resource_state_impl(req),
        )
        .await
    }

    async fn upgrade_resource_identity(
        &self,
        request: Request<pb::upgrade_resource_identity::Request>,
    ) -> Result<Response<pb::upgrade_resource_identity::Response>, Status> {
        let req = request.into_inner();
        let type_name = req.type_name.clone();
        guard(
            "UpgradeResourceIdentity",
            &type_name,
            self.upgrade_resource_identity_impl(req),
        )
        .await
    }

    async fn configure_provider(
        &self,
        request: Request<pb::configure_provider::Request>,
    ) -> Result<Response<pb::configure_provider::Response>, Status> {
        let req = request.into_inner();
        guard("ConfigureProvider", "", async {
            let ty = self.provider.schema().block.object_type();
            let config = decode_dynamic(req.config.as_ref(), &ty, "the provider configuration")?;
            let ctx = self.ctx(write_only_capability(req.client_capabilities.as_ref()));
            let configure = ConfigureRequest {
                terraform_version: req.terraform_version,
                config,
            };
            let diags = self.provider.configure(&ctx, configure).await;
            Ok(pb::configure_provider::Response {
                diagnostics: diagnostics_to_proto(&diags),
            })
        })
        .await
    }

    async fn read_resource(
        &self,
        request: Request<pb::read_resource::Request>,
    ) -> Result<Response<pb::read_resource::Response>, Status> {
        let req = request.into_inner();
        let type_name = req.type_name.clone();
        guard("ReadResource", &type_name, self.read_resource_impl(req)).await
    }

    async fn plan_resource_change(
        &self,
        request: Request<pb::plan_resource_change::Request>,
    ) -> Result<Response<pb::plan_resource_change::Response>, Status> {
        let req = request.into_inner();
        let type_name = req.type_name.clone();
        guard(
            "PlanResourceChange",
            &type_name,
            self.plan_resource_change_impl(req),
        )
        .await
    }

    async fn apply_resource_change(
        &self,
        request: Request<pb::apply_resource_change::Request>,
    ) -> Result<Response<pb::apply_resource_change::Response>, Status> {
        let req = request.into_inner();
        let type_name = req.type_name.clone();
        guard(
            "ApplyResourceChange",
            &type_name,
            self.apply_resource_change_impl(req),
        )
        .await
    }

    async fn import_resource_state(
        &self,
        request: Request<pb::import_resource_state::Request>,
    ) -> Result<Response<pb::import_resource_state::Response>, Status> {
        let req = request.into_inner();
        let type_name = req.type_name.clone();
        guard(
            "ImportResourceState",
            &type_name,
            self.import_resource_state_impl(req),
        )
        .await
    }

    async fn read_data_source(
        &self,
        request: Request<pb::read_data_source::Request>,
    ) -> Result<Response<pb::read_data_source::Response>, Status> {
        let req = request.into_inner();
        let type_name = req.type_name.clone();
        guard(
            "ReadDataSource",
            &type_name,
            self.read_data_source_impl(req),
        )
        .await
    }

    async fn list_resource(
        &self,
        request: Request<pb::list_resource::Request>,
    ) -> Result<Response<tonic::codegen::BoxStream<pb::list_resource::Event>>, Status> {
        let req = request.into_inner();
        let started = Instant::now();
        tracing::debug!(tf_rpc = "ListResource", tf_type_name = %req.type_name, "Received request");
        let (out_tx, out_rx) =
            tokio::sync::mpsc::channel::<Result<pb::list_resource::Event, Status>>(16);
        // Setup errors (unknown type, bad config) go out as a single event.
        let setup = AssertUnwindSafe(async {
            let list = self.list_resource(&req.type_name)?.clone();
            let ty = list.schema().block.object_type();
            let config = decode_dynamic(req.config.as_ref(), &ty, "the list configuration")?;
            Ok::<_, Diagnostic>((list, config))
        })
        .catch_unwind()
        .await;
        let (list, config) = match setup {
            Ok(Ok(ok)) => ok,
            Ok(Err(d)) => {
                let _ = out_tx.send(Ok(diagnostics_event(&d.into()))).await;
                return Ok(Response::new(Box::pin(
                    tokio_stream::wrappers::ReceiverStream::new(out_rx),
                )));
            }
            Err(_) => {
                let d = panic_diagnostic("ListResource", &req.type_name);
                let _ = out_tx.send(Ok(diagnostics_event(&d.into()))).await;
                return Ok(Response::new(Box::pin(
                    tokio_stream::wrappers::ReceiverStream::new(out_rx),
                )));
            }
        };
        let ctx = self.ctx(None);
        let type_name = req.type_name.clone();
        let (ev_tx, mut ev_rx) = tokio::sync::mpsc::channel::<ListEvent>(16);
        // Converting events needs the resource schemas: build a converter
        // that owns what it needs so the task is 'static.
        let converter = ListConverter {
            resource: self.resources.get(&type_name).cloned(),
            identity: self
                .resources
                .get(&type_name)
                .and_then(|r| r.identity_schema())
                .map(|s| s.object_type()),
        };
        let forward_tx = out_tx.clone();
        let forward_type = type_name.clone();
        tokio::spawn(async move {
            while let Some(event) = ev_rx.recv().await {
                let event = converter.convert(&forward_type, event);
                if forward_tx.send(Ok(event)).await.is_err() {
                    break;
                }
            }
        });
        let include = req.include_resource_object;
        let limit = req.limit;
        tokio::spawn(async move {
            let run = AssertUnwindSafe(list.list(&ctx, config, include, limit, ev_tx))
                .catch_unwind()
                .await;
            let diags = match run {
                Ok(d) => d,
                Err(_) => {
                    tracing::error!(tf_rpc = "ListResource", tf_type_name = %type_name, "Handler panicked");
                    panic_diagnostic("ListResource", &type_name).into()
                }
            };
            if !diags.0.is_empty() {
                let _ = out_tx.send(Ok(diagnostics_event(&diags))).await;
            }
            tracing::debug!(
                tf_rpc = "ListResource",
                tf_type_name = %type_name,
                tf_req_duration_ms = started.elapsed().as_millis() as u64,
                "Served request"
            );
        });
        Ok(Response::new(Box::pin(
            tokio_stream::wrappers::ReceiverStream::new(out_rx),
        )))
    }

    async fn get_functions(
        &self,
        _request: Request<pb::get_functions::Request>,
    ) -> Result<Response<pb::get_functions::Response>, Status> {
        guard("GetFunctions", "", async {
            Ok(pb::get_functions::Response::default())
        })
        .await
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

/// Owns what converting list events needs, so the forwarding task is `'static`.
struct ListConverter {
    /// The managed resource of the same type name (for the resource object schema).
    resource: Option<Arc<dyn Resource>>,
    /// Its identity type.
    identity: Option<Type>,
}

impl ListConverter {
    fn convert(&self, type_name: &str, event: ListEvent) -> pb::list_resource::Event {
        let mut diags = event.diagnostics;
        let mut identity = None;
        let mut resource_object = None;
        match (&self.resource, &self.identity) {
            (Some(resource), Some(id_ty)) => {
                match encode_identity(Some(&event.identity), id_ty, "an identity") {
                    Ok(i) => identity = i,
                    Err(d) => diags.push(d),
                }
                if let Some(mut object) = event.resource_object {
                    let schema = resource.schema();
                    normalize_returned_state(&schema.block, &mut object);
                    match encode_dynamic(&object, &schema.block.object_type(), "a resource object") {
                        Ok(dv) => resource_object = Some(dv),
                        Err(d) => diags.push(d),
                    }
                }
            }
            _ => diags.push(Diagnostic::error(
                "List resource has no identity",
                format!("The list resource {type_name} needs a managed resource of the same name with an identity schema."),
            )),
        }
        pb::list_resource::Event {
            identity,
            display_name: event.display_name,
            resource_object,
            diagnostic: diagnostics_to_proto(&diags),
        }
    }
}
