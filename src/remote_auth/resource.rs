//! The `pypi_remote_auth` managed resource: the framework's resource trait,
//! dispatching each RPC to the files of this wing.

use std::time::Duration;

use async_trait::async_trait;

use crate::provider::handle::ProviderHandle;
use crate::tfplugin::provider::{
    ApplyResponse, CreateRequest, DeleteRequest, DeleteResponse, ImportRequest, ImportResponse,
    PlanRequest, PlanResponse, ReadRequest, ReadResponse, UpdateRequest, ValidateRequest,
};
use crate::tfplugin::{
    CallContext, Diagnostic, Diagnostics, IdentitySchema, Resource, Schema, Value,
};

use super::instance::Instance;
use super::model::Model;
use super::private::Private;
use super::{apply, import, model, plan, read, schema, timeouts, validate};

/// How long plan's read-only checks and Read may take.
const READ_TIMEOUT: Duration = Duration::from_secs(5 * 60);

/// The `pypi_remote_auth` resource type.
pub struct RemoteAuth {
    /// The configuration handle and the caches.
    instance: Instance,
}

impl RemoteAuth {
    /// A resource bound to the provider's configuration handle.
    pub fn new(handle: ProviderHandle) -> RemoteAuth {
        RemoteAuth {
            instance: Instance::new(handle),
        }
    }
}

/// A timeout from a decoded state or plan's `timeouts` block.
fn timeout_of(m: &Model, pick: fn(&model::Timeouts) -> &crate::tfplugin::Attr<String>) -> Duration {
    timeouts::resolve(m.timeout(pick))
}

/// Decodes the values of one RPC, each once; a value of the wrong shape is
/// a framework bug and is reported as such.
fn decode<const N: usize>(values: [&Value; N]) -> Result<[Model; N], Diagnostic> {
    let mut out: [Model; N] = std::array::from_fn(|_| Model::default());
    for (slot, v) in out.iter_mut().zip(values) {
        *slot = Model::from_value(v).map_err(|e| {
            Diagnostic::error(
                "Unexpected value",
                format!("{e}. This is a bug in the provider."),
            )
        })?;
    }
    Ok(out)
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
        let configured = match self.instance.configured() {
            Ok(c) => c,
            Err(d) => {
                return PlanResponse {
                    diagnostics: d.into(),
                    ..PlanResponse::default()
                }
            }
        };
        let env = plan::PlanEnv {
            remote: configured
                .complete
                .then(|| self.instance.env(&configured, ctx, READ_TIMEOUT)),
            provider_project: configured.project.as_deref(),
            complete: configured.complete,
            now_unix: super::private::unix_now(),
        };
        plan::plan(&env, &req).await
    }

    async fn create(&self, ctx: &CallContext, req: CreateRequest) -> ApplyResponse {
        let fail = |d: Diagnostics| ApplyResponse {
            diagnostics: d,
            ..ApplyResponse::default()
        };
        let configured = match self.instance.configured() {
            Ok(c) => c,
            Err(d) => return fail(d.into()),
        };
        let [planned, config] = match decode([&req.planned_state, &req.config]) {
            Ok(m) => m,
            Err(d) => return fail(d.into()),
        };
        let env = self
            .instance
            .env(&configured, ctx, timeout_of(&planned, |t| &t.create));
        let change = apply::Change {
            planned: &planned,
            config: &config,
            provider_project: configured.project.as_deref(),
        };
        apply::create(&env, &change).await
    }

    async fn update(&self, ctx: &CallContext, req: UpdateRequest) -> ApplyResponse {
        let keep = |d: Diagnostics| ApplyResponse {
            new_state: req.prior_state.clone(),
            private: req.planned_private.clone(),
            diagnostics: d,
            ..ApplyResponse::default()
        };
        let configured = match self.instance.configured() {
            Ok(c) => c,
            Err(d) => return keep(d.into()),
        };
        let [prior, planned, config] =
            match decode([&req.prior_state, &req.planned_state, &req.config]) {
                Ok(m) => m,
                Err(d) => return keep(d.into()),
            };
        let env = self
            .instance
            .env(&configured, ctx, timeout_of(&planned, |t| &t.update));
        let change = apply::Change {
            planned: &planned,
            config: &config,
            provider_project: configured.project.as_deref(),
        };
        let private = Private::decode(&req.planned_private);
        apply::update(&env, &change, &req.prior_state, &prior, private).await
    }

    async fn delete(&self, ctx: &CallContext, req: DeleteRequest) -> DeleteResponse {
        let fail = |d: Diagnostics| DeleteResponse {
            diagnostics: d,
            ..DeleteResponse::default()
        };
        let configured = match self.instance.configured() {
            Ok(c) => c,
            Err(d) => return fail(d.into()),
        };
        let [prior] = match decode([&req.prior_state]) {
            Ok(m) => m,
            Err(d) => return fail(d.into()),
        };
        let env = self
            .instance
            .env(&configured, ctx, timeout_of(&prior, |t| &t.delete));
        let out = apply::delete(&env, &prior, &req.private, configured.project.as_deref()).await;
        DeleteResponse {
            private: Some(out.private),
            identity: out.identity,
            diagnostics: out.diagnostics,
        }
    }

    async fn read(&self, ctx: &CallContext, req: ReadRequest) -> ReadResponse {
        let configured = match self.instance.configured() {
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
        let env = self.instance.env(&configured, ctx, READ_TIMEOUT);
        read::read(
            &env,
            &req.current_state,
            &req.private,
            configured.project.as_deref(),
        )
        .await
    }

    async fn import(&self, _ctx: &CallContext, req: ImportRequest) -> ImportResponse {
        let project = self
            .instance
            .configured()
            .ok()
            .and_then(|c| c.project.clone());
        import::import(&req.id, req.identity.as_ref(), project.as_deref())
    }
}
