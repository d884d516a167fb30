//! `/_emulator/*`: the request log, stats and reset, for tests and demos.
//! Not authenticated and not logged.

use crate::app::App;
use crate::error::{json_response, ApiError};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// Serves one admin request.
pub fn handle(app: &App, method: &Method, path: &str) -> Response {
    match (method, path.trim_end_matches('/')) {
        (&Method::GET, "/_emulator/requests") => json_response(StatusCode::OK, &app.log.to_json()),
        (&Method::GET, "/_emulator/stats") => json_response(StatusCode::OK, &app.log.stats()),
        (&Method::GET, "/_emulator/health") => {
            json_response(StatusCode::OK, &json!({"status": "ok"}))
        }
        (&Method::GET, "/_emulator/state") => json_response(StatusCode::OK, &summary(app)),
        (&Method::POST, "/_emulator/reset") => reset(app),
        _ => ApiError::unknown_method(method.as_str(), path).into_response(),
    }
}

/// A payload-free overview of the state, so tests can check what a
/// request did (or did not) change without going through the API.
fn summary(app: &App) -> serde_json::Value {
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
            json!({"name": s.name(), "versions": versions, "policyEtag": s.policy.etag})
        })
        .collect();
    let repositories: Vec<_> = state
        .repositories
        .values()
        .map(|r| json!(r.name()))
        .collect();
    json!({"projects": projects, "secrets": secrets, "repositories": repositories})
}

fn reset(app: &App) -> Response {
    match app.reset() {
        Ok(()) => json_response(StatusCode::OK, &json!({})),
        Err(e) => ApiError::internal(e).into_response(),
    }
}
