//! The one way a unary RPC is served: take the request, run its handler
//! under a panic guard, turn an `Err` or a panic into error diagnostics in
//! the answer, and log the call by name, type and duration, never with its
//! payload (payloads hold the PyPI token).

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::time::Instant;

use futures::FutureExt;
use tonic::{Request, Response, Status};

use super::provider_server::ProviderServer;
use crate::tfplugin::convert::{diagnostic_to_proto, diagnostics_to_proto};
use crate::tfplugin::diag::{Diagnostic, Diagnostics};
use crate::tfplugin::proto::tfplugin6 as pb;

/// A unary request: the RPC it belongs to and the type it is about.
pub(super) trait UnaryRequest {
    /// The RPC's name as Terraform's logs spell it, e.g. `ReadResource`.
    const RPC: &'static str;
    /// The resource, data source or list type named by the request; empty
    /// for provider-wide RPCs.
    fn type_name(&self) -> &str;
}

/// Requests that name a type in their `type_name` field.
macro_rules! typed_requests {
    ($($ty:ty => $rpc:literal),* $(,)?) => {$(
        impl UnaryRequest for $ty {
            const RPC: &'static str = $rpc;
            fn type_name(&self) -> &str {
                &self.type_name
            }
        }
    )*};
}

/// Provider-wide requests, which name no type.
macro_rules! provider_requests {
    ($($ty:ty => $rpc:literal),* $(,)?) => {$(
        impl UnaryRequest for $ty {
            const RPC: &'static str = $rpc;
            fn type_name(&self) -> &str {
                ""
            }
        }
    )*};
}

typed_requests!(
    pb::validate_resource_config::Request => "ValidateResourceConfig",
    pb::validate_data_resource_config::Request => "ValidateDataResourceConfig",
    pb::validate_list_resource_config::Request => "ValidateListResourceConfig",
    pb::upgrade_resource_state::Request => "UpgradeResourceState",
    pb::upgrade_resource_identity::Request => "UpgradeResourceIdentity",
    pb::read_resource::Request => "ReadResource",
    pb::plan_resource_change::Request => "PlanResourceChange",
    pb::apply_resource_change::Request => "ApplyResourceChange",
    pb::import_resource_state::Request => "ImportResourceState",
    pb::read_data_source::Request => "ReadDataSource",
);

provider_requests!(
    pb::get_metadata::Request => "GetMetadata",
    pb::get_provider_schema::Request => "GetProviderSchema",
    pb::get_resource_identity_schemas::Request => "GetResourceIdentitySchemas",
    pb::validate_provider_config::Request => "ValidateProviderConfig",
    pb::configure_provider::Request => "ConfigureProvider",
    pb::get_functions::Request => "GetFunctions",
);

/// Answers that carry diagnostics, so an error or panic can become one.
pub(super) trait WithDiagnostics: Default {
    /// The answer's diagnostics.
    fn diagnostics_mut(&mut self) -> &mut Vec<pb::Diagnostic>;
}

/// Answers whose diagnostics are in a `diagnostics` field (all unary ones).
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

/// Serves one unary RPC with `handler`. The handler returns the answer, or
/// diagnostics that become an answer holding only them; a panic becomes an
/// error diagnostic instead of a dropped connection (Terraform would report
/// "plugin crashed" and lose what the call had done).
pub(super) async fn serve<'s, Req, Resp, F, Fut>(
    server: &'s ProviderServer,
    request: Request<Req>,
    handler: F,
) -> Result<Response<Resp>, Status>
where
    Req: UnaryRequest,
    Resp: WithDiagnostics,
    F: FnOnce(&'s ProviderServer, Req) -> Fut,
    Fut: Future<Output = Result<Resp, Diagnostics>>,
{
    let req = request.into_inner();
    let rpc = Req::RPC;
    let type_name = req.type_name().to_owned();
    let started = Instant::now();
    tracing::debug!(
        tf_rpc = rpc,
        tf_type_name = type_name.as_str(),
        "Received request"
    );
    // The handler is called inside the guarded future, so a panic while it
    // builds its future is caught too.
    let outcome = AssertUnwindSafe(async move { handler(server, req).await })
        .catch_unwind()
        .await;
    let mut response = match outcome {
        Ok(Ok(response)) => response,
        Ok(Err(diags)) => {
            let mut response = Resp::default();
            response
                .diagnostics_mut()
                .extend(diagnostics_to_proto(&diags));
            response
        }
        Err(_) => {
            tracing::error!(
                tf_rpc = rpc,
                tf_type_name = type_name.as_str(),
                "Handler panicked; answered with an error diagnostic"
            );
            let mut response = Resp::default();
            response
                .diagnostics_mut()
                .push(diagnostic_to_proto(&panic_diagnostic(rpc, &type_name)));
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
        tf_type_name = type_name.as_str(),
        tf_req_duration_ms = started.elapsed().as_millis() as u64,
        diagnostic_error_count = errors,
        "Served request"
    );
    Ok(Response::new(response))
}

/// The diagnostic a panicking handler turns into.
pub(super) fn panic_diagnostic(rpc: &str, type_name: &str) -> Diagnostic {
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
