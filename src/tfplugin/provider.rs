//! What a provider implements to be served by this framework. The server
//! (`server/`) decodes each RPC's DynamicValues with the right schema,
//! calls these traits, and encodes the answers; implementations only ever
//! see [`Value`]s and [`Diagnostics`].

use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;
use tokio_util::sync::CancellationToken;

use super::diag::Diagnostics;
use super::schema::{IdentitySchema, Schema};
use super::value::Value;

/// Per-call context handed to every handler.
#[derive(Debug, Clone, Default)]
pub struct CallContext {
    /// Cancelled when Terraform sends StopProvider (Ctrl-C) or the server shuts down.
    pub cancel: CancellationToken,
    /// The client announced support for write-only attributes (Terraform/OpenTofu 1.11+).
    /// `None` when the request carried no client capabilities.
    pub write_only_allowed: Option<bool>,
}

/// ConfigureProvider input.
#[derive(Debug, Clone)]
pub struct ConfigureRequest {
    /// Version of the Terraform core calling, e.g. `1.15.5`.
    pub terraform_version: String,
    /// Provider configuration; may contain unknowns at plan time.
    pub config: Value,
}

/// ValidateResourceConfig input.
#[derive(Debug, Clone)]
pub struct ValidateRequest {
    /// Configuration; unknowns possible.
    pub config: Value,
}

/// PlanResourceChange input.
#[derive(Debug, Clone)]
pub struct PlanRequest {
    /// Prior state (null on create).
    pub prior_state: Value,
    /// Terraform's proposed new state (null on destroy).
    pub proposed_new_state: Value,
    /// Configuration (null on destroy); write-only values are visible here.
    pub config: Value,
    /// Prior private data.
    pub prior_private: Vec<u8>,
    /// Prior identity, when the resource has one in state.
    pub prior_identity: Option<Value>,
}

/// PlanResourceChange output.
#[derive(Debug, Clone, Default)]
pub struct PlanResponse {
    /// The planned state.
    pub planned_state: Value,
    /// Attribute paths whose change forces replacement.
    pub requires_replace: Vec<super::diag::AttributePath>,
    /// Private data carried to apply.
    pub planned_private: Vec<u8>,
    /// Planned identity (may be unknown on create).
    pub planned_identity: Option<Value>,
    /// Errors and warnings.
    pub diagnostics: Diagnostics,
}

/// ApplyResourceChange for a create (the prior state was null).
#[derive(Debug, Clone)]
pub struct CreateRequest {
    /// Planned state.
    pub planned_state: Value,
    /// Configuration; write-only values are visible here.
    pub config: Value,
    /// Private data from plan.
    pub planned_private: Vec<u8>,
    /// Planned identity (may be unknown).
    pub planned_identity: Option<Value>,
}

/// ApplyResourceChange for an in-place update.
#[derive(Debug, Clone)]
pub struct UpdateRequest {
    /// Prior state.
    pub prior_state: Value,
    /// Planned state.
    pub planned_state: Value,
    /// Configuration; write-only values are visible here.
    pub config: Value,
    /// Private data from plan.
    pub planned_private: Vec<u8>,
    /// Planned identity.
    pub planned_identity: Option<Value>,
}

/// ApplyResourceChange for a destroy (the planned state was null).
#[derive(Debug, Clone)]
pub struct DeleteRequest {
    /// State of the object to destroy.
    pub prior_state: Value,
    /// Private data from plan (the prior private data).
    pub private: Vec<u8>,
    /// Identity of the object, when Terraform sent one.
    pub identity: Option<Value>,
}

/// The outcome of a destroy. Without errors the framework answers a null
/// state; with errors it keeps the prior state (the object still exists),
/// with `private` and `identity` when given, else the ones it received.
#[derive(Debug, Clone, Default)]
pub struct DeleteResponse {
    /// Private data to keep with the state when the destroy failed.
    pub private: Option<Vec<u8>>,
    /// Identity to keep with the state when the destroy failed.
    pub identity: Option<Value>,
    /// Errors and warnings.
    pub diagnostics: Diagnostics,
}

/// ApplyResourceChange output. On error, `new_state` is the partial state that exists.
#[derive(Debug, Clone, Default)]
pub struct ApplyResponse {
    /// New state (null after delete).
    pub new_state: Value,
    /// Private data to store.
    pub private: Vec<u8>,
    /// New identity.
    pub new_identity: Option<Value>,
    /// Errors and warnings.
    pub diagnostics: Diagnostics,
}

/// ReadResource input.
#[derive(Debug, Clone)]
pub struct ReadRequest {
    /// State to refresh.
    pub current_state: Value,
    /// Private data in state.
    pub private: Vec<u8>,
    /// Identity in state.
    pub current_identity: Option<Value>,
}

/// ReadResource output. A null `new_state` removes the resource from state.
#[derive(Debug, Clone, Default)]
pub struct ReadResponse {
    /// Refreshed state, or null when the remote object is gone.
    pub new_state: Value,
    /// Private data (replaces the stored one: echo it back when unchanged).
    pub private: Vec<u8>,
    /// Identity.
    pub new_identity: Option<Value>,
    /// Errors and warnings.
    pub diagnostics: Diagnostics,
}

/// ImportResourceState input: either an ID string or an identity.
#[derive(Debug, Clone)]
pub struct ImportRequest {
    /// The ID given to `terraform import` or an `import` block (empty with identity).
    pub id: String,
    /// The identity given to an `import` block.
    pub identity: Option<Value>,
}

/// ImportResourceState output.
#[derive(Debug, Clone, Default)]
pub struct ImportResponse {
    /// State to hand to the following ReadResource.
    pub state: Value,
    /// Private data for the following ReadResource.
    pub private: Vec<u8>,
    /// Identity of the imported object.
    pub identity: Option<Value>,
    /// Errors and warnings.
    pub diagnostics: Diagnostics,
}

/// UpgradeResourceState input.
#[derive(Debug, Clone)]
pub struct UpgradeRequest {
    /// Schema version that wrote the stored state.
    pub version: i64,
    /// Stored state, decoded from JSON against the current schema's type when possible.
    pub raw_json: serde_json::Value,
}

/// One result of a list resource query.
#[derive(Debug, Clone)]
pub struct ListEvent {
    /// Identity of the found object (required).
    pub identity: Value,
    /// Human-readable name.
    pub display_name: String,
    /// Full resource object, when requested.
    pub resource_object: Option<Value>,
    /// Problems with this result.
    pub diagnostics: Diagnostics,
}

/// A managed resource type.
#[async_trait]
pub trait Resource: Send + Sync + 'static {
    /// Schema of the resource.
    fn schema(&self) -> Schema;
    /// Identity schema, when the resource supports identity.
    fn identity_schema(&self) -> Option<IdentitySchema> {
        None
    }
    /// Static and (where values are known) remote checks of a configuration.
    async fn validate(&self, ctx: &CallContext, req: ValidateRequest) -> Diagnostics;
    /// Plans a create or an update. A destroy is planned by the framework
    /// (null planned state, prior private data kept) without calling this.
    async fn plan(&self, ctx: &CallContext, req: PlanRequest) -> PlanResponse;
    /// Creates the object; on error, `new_state` is the partial state that exists (or null).
    async fn create(&self, ctx: &CallContext, req: CreateRequest) -> ApplyResponse;
    /// Updates the object in place; on error, `new_state` is the state that exists.
    async fn update(&self, ctx: &CallContext, req: UpdateRequest) -> ApplyResponse;
    /// Destroys the object.
    async fn delete(&self, ctx: &CallContext, req: DeleteRequest) -> DeleteResponse;
    /// Refreshes state from the remote objects.
    async fn read(&self, ctx: &CallContext, req: ReadRequest) -> ReadResponse;
    /// Starts an import from an ID or identity.
    async fn import(&self, ctx: &CallContext, req: ImportRequest) -> ImportResponse;
    /// Upgrades stored state to the current schema version. The default
    /// accepts state written at the current version unchanged.
    async fn upgrade(&self, req: UpgradeRequest) -> Result<serde_json::Value, Diagnostics> {
        let current = self.schema().version;
        if req.version == current {
            Ok(req.raw_json)
        } else {
            Err(super::diag::Diagnostic::error(
                "Unsupported state version",
                format!(
                    "State was written at schema version {}, this provider knows {current}.",
                    req.version
                ),
            )
            .into())
        }
    }
}

/// A data source type.
#[async_trait]
pub trait DataSource: Send + Sync + 'static {
    /// Schema of the data source.
    fn schema(&self) -> Schema;
    /// Validates a configuration.
    async fn validate(&self, _ctx: &CallContext, _config: Value) -> Diagnostics {
        Diagnostics::default()
    }
    /// Reads the data source; returns its state.
    async fn read(&self, ctx: &CallContext, config: Value) -> (Value, Diagnostics);
}

/// A list resource type (`terraform query`, protocol 6.9+). Its name must
/// match a managed resource type that has an identity schema.
#[async_trait]
pub trait ListResource: Send + Sync + 'static {
    /// Schema of the list block's `config`.
    fn schema(&self) -> Schema;
    /// Validates a list configuration.
    async fn validate(&self, _ctx: &CallContext, _config: Value) -> Diagnostics {
        Diagnostics::default()
    }
    /// Streams results into `events`; stops early when the receiver is gone.
    async fn list(
        &self,
        ctx: &CallContext,
        config: Value,
        include_resource: bool,
        limit: i64,
        events: tokio::sync::mpsc::Sender<ListEvent>,
    ) -> Diagnostics;
}

/// The provider as a whole.
#[async_trait]
pub trait Provider: Send + Sync + 'static {
    /// Schema of the `provider` block.
    fn schema(&self) -> Schema;
    /// Validates the provider block (no remote calls; unknowns possible).
    async fn validate(&self, _ctx: &CallContext, _config: Value) -> Diagnostics {
        Diagnostics::default()
    }
    /// Configures the provider before any resource call of a plan or apply.
    async fn configure(&self, ctx: &CallContext, req: ConfigureRequest) -> Diagnostics;
    /// Managed resource types by type name (e.g. `pypi_remote_auth`).
    fn resources(&self) -> BTreeMap<String, Arc<dyn Resource>>;
    /// Data source types by type name.
    fn data_sources(&self) -> BTreeMap<String, Arc<dyn DataSource>> {
        BTreeMap::new()
    }
    /// List resource types by type name.
    fn list_resources(&self) -> BTreeMap<String, Arc<dyn ListResource>> {
        BTreeMap::new()
    }
}
