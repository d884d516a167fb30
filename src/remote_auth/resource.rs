//! The `pypi_remote_auth` managed resource: the framework's resource trait,
//! dispatching each RPC to the files of this wing.

use std::time::Duration;

use async_trait::async_trait;

use crate::google::Op;
use crate::provider::handle::{Configured, ProviderHandle};
use crate::tfplugin::provider::{
    ApplyResponse, CreateRequest, DeleteRequest, DeleteResponse, ImportRequest, ImportResponse,
    PlanRequest, PlanResponse, ReadRequest, ReadResponse, UpdateRequest, ValidateRequest,
};
use crate::tfplugin::{CallContext, Diagnostics, IdentitySchema, Resource, Schema, Value};

use super::model::Model;
use super::steps::{Caches, Env};
use super::{apply, import, model, plan, read, schema, timeouts, validate};

/// How long plan's read-only checks and Read may take.
const READ_TIMEOUT: Duration = Duration::from_secs(5 * 60);

/// The `pypi_remote_auth` resource type.
pub struct RemoteAuth {
    /// Filled by ConfigureProvider; gives the Google client and the provider's project.
    handle: ProviderHandle,
    /// Project numbers and preflight results, kept for the provider instance's lifetime.
    caches: Caches,
}

impl RemoteAuth {
    /// A resource bound to the provider's configuration handle.
    pub fn new(handle: ProviderHandle) -> RemoteAuth {
        RemoteAuth {
            handle,
            caches: Caches::default(),
        }
    }

    /// The Google access one RPC runs with, for at most `timeout`.
    fn env<'a>(
        &'a self,
        configured: &'a Configured,
        ctx: &CallContext,
        timeout: Duration,
    ) -> Env<'a> {
        Env {
            client: &configured.client,
            op: Op::new(timeout, ctx.cancel.clone()),
            caches: &self.caches,
        }
    }
}

/// A timeout from a state or plan value's `timeouts` block.
fn timeout_of(v: &Value, pick: fn(&model::Timeouts) -> &crate::tfplugin::Attr<String>) -> Duration {
    let m = Model::from_value(v).unwrap_or_default();
    timeouts::resolve(m.timeout(pick))
}

#[async_trait]
impl Resource for RemoteAuth {
    fn schema(&self) -> Schema {
        schema::schema()
    }

    fn identity_schema(&self) -> Option<IdentitySchema> {
        Some(schema::identity_schema())
    }

    async fn validate(&self, ctx: &CallContext, req: ValidateRequest) -> Diagnostics {
        match Model::from_value(&req.config) {
            Ok(m) => validate::validate(&m, ctx.write_only_allowed),
            Err(e) => crate::tfplugin::Diagnostic::error(
                "Unexpected configuration",
                format!("{e}. This is a bug in the provider."),
            )
            .into(),
        }
    }

    async fn plan(&self, ctx: &CallContext, req: PlanRequest) -> PlanResponse {
        let configured = match self.handle.get() {
            Ok(c) => c,
            Err(d) => {
                return PlanResponse {
                    diagnostics: d.into(),
                    ..PlanResponse::default()
                }
            }
        };
        let env = plan::PlanEnv {
            remote: configured.complete.then(|| Env {
                client: &configured.client,
                op: Op::new(READ_TIMEOUT, ctx.cancel.clone()),
                caches: &self.caches,
            }),
            provider_project: configured.project.as_deref(),
            complete: configured.complete,
        };
        plan::plan(&env, &req).await
    }

    async fn create(&self, ctx: &CallContext, req: CreateRequest) -> ApplyResponse {
        let configured = match self.handle.get() {
            Ok(c) => c,
            Err(d) => {
                return ApplyResponse {
                    diagnostics: d.into(),
                    ..ApplyResponse::default()
                }
            }
        };
        let env = self.env(
            &configured,
            ctx,
            timeout_of(&req.planned_state, |t| &t.create),
        );
        apply::create(
            &env,
            &req.planned_state,
            &req.config,
            configured.project.as_deref(),
        )
        .await
    }

    async fn update(&self, ctx: &CallContext, req: UpdateRequest) -> ApplyResponse {
        let configured = match self.handle.get() {
            Ok(c) => c,
            Err(d) => {
                return ApplyResponse {
                    new_state: req.prior_state,
                    private: req.planned_private,
                    diagnostics: d.into(),
                    ..ApplyResponse::default()
                }
            }
        };
        let env = self.env(
            &configured,
            ctx,
            timeout_of(&req.planned_state, |t| &t.update),
        );
        apply::update(
            &env,
            &req.prior_state,
            &req.planned_state,
            &req.config,
            &req.planned_private,
            configured.project.as_deref(),
        )
        .await
    }

    async fn delete(&self, ctx: &CallContext, req: DeleteRequest) -> DeleteResponse {
        let configured = match self.handle.get() {
            Ok(c) => c,
            Err(d) => {
                return DeleteResponse {
                    diagnostics: d.into(),
                    ..DeleteResponse::default()
                }
            }
        };
        let env = self.env(
            &configured,
            ctx,
            timeout_of(&req.prior_state, |t| &t.delete),
        );
        let out = apply::delete(
            &env,
            &req.prior_state,
            &req.private,
            configured.project.as_deref(),
        )
        .await;
        DeleteResponse {
            private: Some(out.private),
            identity: out.new_identity,
            diagnostics: out.diagnostics,
        }
    }

    async fn read(&self, ctx: &CallContext, req: ReadRequest) -> ReadResponse {
        let configured = match self.handle.get() {
            Ok(c) => c,
            Err(d) => {
                return ReadResponse {
                    new_state: req.current_state,
                    private: req.private,
                    new_identity: req.current_identity,
                    diagnostics: d.into(),
                }
            }
        };
        let env = Env {
            client: &configured.client,
            op: Op::new(READ_TIMEOUT, ctx.cancel.clone()),
            caches: &self.caches,
        };
        read::read(
            &env,
            &req.current_state,
            &req.private,
            configured.project.as_deref(),
        )
        .await
    }

    async fn import(&self, _ctx: &CallContext, req: ImportRequest) -> ImportResponse {
        let project = self.handle.get().ok().and_then(|c| c.project.clone());
        import::import(&req.id, req.identity.as_ref(), project.as_deref())
    }
}
