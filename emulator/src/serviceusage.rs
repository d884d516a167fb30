//! Service Usage v1beta1 `services.generateServiceIdentity` (the only
//! version with the method) and the operations it answers.

use crate::auth;
use crate::error::{ApiError, ApiResult};
use crate::iam::ar_agent_email;
use crate::request::Ctx;
use crate::state::State;
use axum::http::Method;
use serde_json::json;

const AR_SERVICE: &str = "artifactregistry.googleapis.com";

/// Routes `v1beta1/projects/{p}/services/{s}:generateServiceIdentity`.
pub fn dispatch(state: &mut State, ctx: &Ctx, project: &str, service: &str) -> ApiResult {
    if ctx.path.custom.as_deref() != Some("generateServiceIdentity") || ctx.method != Method::POST {
        return Err(ApiError::unknown_method(
            ctx.method.as_str(),
            &format!("/v1beta1/projects/{project}/services/{service}"),
        ));
    }
    let resource = format!("projects/{project}/services/{service}");
    let permission = "serviceusage.services.use";
    let found = auth::authorize(state, ctx.caller, project, &resource, permission, |_| None)?;
    let short = service.split('.').next().unwrap_or(service);
    if short.is_empty() || !service.ends_with(".googleapis.com") {
        return Err(ApiError::invalid(format!(
            "Invalid service name {service:?}."
        )));
    }
    let email = if service == AR_SERVICE {
        ar_agent_email(&found.number)
    } else {
        format!(
            "service-{}@gcp-sa-{short}.iam.gserviceaccount.com",
            found.number
        )
    };
    if service == AR_SERVICE {
        if let Some(p) = state.project_mut(&found.number) {
            p.service_agent = true;
        }
    }
    let name = format!("operations/acat.p2-{}-{}", found.number, state.uuid());
    let op = json!({
        "name": name,
        "done": true,
        "response": {
            "@type": "type.googleapis.com/google.api.serviceusage.v1beta1.ServiceIdentity",
            "email": email,
            "uniqueId": format!("1{:0>20}", found.number),
        }
    });
    state.operations.insert(name, op.clone());
    Ok(op)
}

/// `GET v1/operations/{id}` (also v1beta1, v3): a finished operation.
pub fn get_operation(state: &mut State, _ctx: &Ctx, name: &str) -> ApiResult {
    state
        .operations
        .get(name)
        .cloned()
        .ok_or_else(|| ApiError::not_found(format!("Operation {name} not found.")))
}
