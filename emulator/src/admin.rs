//! `/_emulator/*`: the request log, stats, state summary, reset, fault
//! rules and held requests, for tests and demos. Not authenticated and not
//! logged; no answer carries a payload or a token.

use crate::app::App;
use crate::error::{json_response, ApiError};
use crate::faults::held::Release;
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

/// Serves one admin request.
pub fn handle(app: &App, method: &Method, path: &str, body: &[u8]) -> Response {
    let result = match (method, path.trim_end_matches('/')) {
        (&Method::GET, "/_emulator/requests") => Ok(app.log.to_json()),
        (&Method::GET, "/_emulator/stats") => Ok(app.log.stats()),
        (&Method::GET, "/_emulator/health") => Ok(json!({"status": "ok"})),
        (&Method::GET, "/_emulator/state") => Ok(summary(app)),
        (&Method::POST, "/_emulator/reset") => {
            app.reset().map(|()| json!({})).map_err(ApiError::internal)
        }
        (&Method::GET, "/_emulator/faults") => Ok(app.rules.to_json()),
        (&Method::POST, "/_emulator/faults") => parse(body)
            .and_then(|rule| app.rules.add(&rule))
            .map(|id| json!({"id": id})),
        (&Method::DELETE, "/_emulator/faults") => {
            app.rules.clear();
            let released = app.held.release_all(Release::Apply);
            Ok(json!({"released": released}))
        }
        (&Method::GET, "/_emulator/held") => Ok(app.held.to_json()),
        (&Method::GET, "/_emulator/settings") => Ok(app.state().settings.to_json()),
        (&Method::POST, "/_emulator/settings") => parse(body).and_then(|changes| {
            let mut state = app.state();
            state.settings.update(&changes)?;
            Ok(state.settings.to_json())
        }),
        (&Method::POST, "/_emulator/held/release") => release(app, body),
        _ => Err(ApiError::unknown_method(method.as_str(), path)),
    };
    match result {
        Ok(value) => json_response(StatusCode::OK, &value),
        Err(error) => error.into_response(),
    }
}

/// An admin request body: JSON, `{}` when empty.
fn parse(body: &[u8]) -> Result<Value, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(json!({}));
    }
    serde_json::from_slice(body)
        .map_err(|e| ApiError::invalid(format!("Invalid JSON payload received. {e}")))
}

/// `POST /_emulator/held/release {"discard": false}`: lets every held
/// request go, applied unless `discard`.
fn release(app: &App, body: &[u8]) -> Result<Value, ApiError> {
    let body = parse(body)?;
    let discard = match body.get("discard") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => return Err(ApiError::invalid("discard must be true or false.")),
    };
    let how = if discard {
        Release::Discard
    } else {
        Release::Apply
    };
    Ok(json!({"released": app.held.release_all(how)}))
}

/// A payload-free overview of the state, so tests can check what a
/// request did (or did not) change without going through the API.
fn summary(app: &App) -> Value {
    let state = app.state();
    let projects: Vec<_> = state
        .projects
        .iter()
        .map(|p| json!({"projectId": p.id, "projectNumber": p.number, "serviceAgent": p.service_agent}))
        .collect();
    let secrets: Vec<_> = state
        .secrets
        .values()
        .map(|s| {
            let versions: Vec<_> = s
                .versions
                .iter()
                .map(|v| json!({"number": v.number, "state": v.state.as_str()}))
                .collect();
            json!({"name": s.name(), "versions": versions, "policyEtag": s.policy.current().etag})
        })
        .collect();
    let repositories: Vec<_> = state
        .repositories
        .values()
        .map(|r| json!(r.name()))
        .collect();
    json!({"projects": projects, "secrets": secrets, "repositories": repositories})
}
