//! The list-resource RPCs: ValidateListResourceConfig, and ListResource, the
//! one streaming RPC. The list runs in a task of its own under a panic guard;
//! its events are converted with the managed resource's schemas on the way
//! out, and its diagnostics end the stream.

use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::Instant;

use futures::FutureExt;
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;
use tonic::Status;

use super::provider_server::ProviderServer;
use super::unary::panic_diagnostic;
use crate::tfplugin::convert::{
    decode_dynamic, diagnostics_to_proto, encode_dynamic, encode_identity, normalize_returned_state,
};
use crate::tfplugin::diag::{Diagnostic, Diagnostics};
use crate::tfplugin::proto::tfplugin6 as pb;
use crate::tfplugin::provider::{ListEvent, ListResource, Resource};
use crate::tfplugin::value::{Type, Value};

/// The stream ListResource answers with.
pub(super) type ListStream = tonic::codegen::BoxStream<pb::list_resource::Event>;

/// How many events wait between the list, the converter and Terraform.
const EVENT_BUFFER: usize = 16;

/// ValidateListResourceConfig.
pub(super) async fn validate_list_resource_config(
    server: &ProviderServer,
    req: pb::validate_list_resource_config::Request,
) -> Result<pb::validate_list_resource_config::Response, Diagnostics> {
    let list = server.list_resource(&req.type_name)?;
    let ty = list.schema().block.object_type();
    let config = decode_dynamic(req.config.as_ref(), &ty, "the list configuration")?;
    let diags = list.validate(&server.ctx(None), config).await;
    Ok(pb::validate_list_resource_config::Response {
        diagnostics: diagnostics_to_proto(&diags),
    })
}

/// ListResource. Setup errors (unknown type, bad configuration, a panic
/// while decoding) go out as a stream of one diagnostics event.
pub(super) async fn list_resource(
    server: &ProviderServer,
    req: pb::list_resource::Request,
) -> ListStream {
    let started = Instant::now();
    let type_name = req.type_name.clone();
    tracing::debug!(tf_rpc = "ListResource", tf_type_name = %type_name, "Received request");
    let (out_tx, out_rx) = mpsc::channel::<Result<pb::list_resource::Event, Status>>(EVENT_BUFFER);
    let setup = AssertUnwindSafe(async {
        let list = server.list_resource(&type_name)?.clone();
        let ty = list.schema().block.object_type();
        let config = decode_dynamic(req.config.as_ref(), &ty, "the list configuration")?;
        Ok::<(Arc<dyn ListResource>, Value), Diagnostic>((list, config))
    })
    .catch_unwind()
    .await;
    let (list, config) = match setup {
        Ok(Ok(ok)) => ok,
        Ok(Err(d)) => return single_event(diagnostics_event(&d.into())),
        Err(_) => {
            let d = panic_diagnostic("ListResource", &type_name);
            return single_event(diagnostics_event(&d.into()));
        }
    };
    let ctx = server.ctx(None);
    let (ev_tx, mut ev_rx) = mpsc::channel::<ListEvent>(EVENT_BUFFER);
    let converter = ListConverter {
        resource: server.resources.get(&type_name).cloned(),
        identity: server
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
    Box::pin(ReceiverStream::new(out_rx))
}

/// A stream holding `event` alone.
fn single_event(event: pb::list_resource::Event) -> ListStream {
    Box::pin(futures::stream::once(async move { Ok(event) }))
}

/// A list stream event that carries only diagnostics.
fn diagnostics_event(diags: &Diagnostics) -> pb::list_resource::Event {
    pb::list_resource::Event {
        diagnostic: diagnostics_to_proto(diags),
        ..Default::default()
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
    /// One list event as Terraform receives it; what cannot be encoded
    /// joins the event's diagnostics.
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
