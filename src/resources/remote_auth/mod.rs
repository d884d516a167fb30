//! The `pypi_remote_auth` resource: Google's guide "configure authentication
//! to upstream PyPI for an Artifact Registry remote repository" as one
//! resource. Files read top to bottom: schema → validate/plan → apply → read
//! → import, with the shared pieces (IDs, private state, sharing, the Google
//! steps) beside them.

pub mod apply;
pub mod errors;
pub mod ids;
pub mod import;
pub mod model;
pub mod plan;
pub mod preflight;
pub mod private;
pub mod read;
pub mod release;
pub mod schema;
pub mod sharing;
pub mod steps;
#[cfg(test)]
mod steps_tests;
pub mod timeouts;
pub mod validate;

use std::time::Duration;

use async_trait::async_trait;

use crate::google::Op;
use crate::provider::ProviderHandle;
use crate::tfplugin::provider::{
    ApplyRequest, ApplyResponse, ImportRequest, ImportResponse, PlanRequest, PlanResponse,
    ReadRequest, ReadResponse, ValidateRequest,
};
use crate::tfplugin::{CallContext, Diagnostics, IdentitySchema, Resource, Schema, Value};

use model::Model;
use steps::{Caches, Env};

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
        if req.proposed_new_state.is_null() {
            return PlanResponse {
                planned_private: req.prior_private,
                ..PlanResponse::default()
            };
        }
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

    async fn apply(&self, ctx: &CallContext, req: ApplyRequest) -> ApplyResponse {
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
        let project = configured.project.as_deref();
        let env = |timeout| Env {
            client: &configured.client,
            op: Op::new(timeout, ctx.cancel.clone()),
            caches: &self.caches,
        };
        if req.planned_state.is_null() {
            let e = env(timeout_of(&req.prior_state, |t| &t.delete));
            return apply::delete(&e, &req.prior_state, &req.planned_private, project).await;
        }
        if req.prior_state.is_null() {
            let e = env(timeout_of(&req.planned_state, |t| &t.create));
            return apply::create(&e, &req.planned_state, &req.config, project).await;
        }
        let e = env(timeout_of(&req.planned_state, |t| &t.update));
        apply::update(
            &e,
            &req.prior_state,
            &req.planned_state,
            &req.config,
            &req.planned_private,
            project,
        )
        .await
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
