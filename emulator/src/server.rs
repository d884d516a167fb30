//! The HTTP server: one axum fallback handler that sends `/_emulator/*`
//! to the admin endpoints and everything else through the API pipeline
//! (latency → auth → quota → fault → method → request log).

use crate::admin;
use crate::app::App;
use crate::auth::{self, Caller};
use crate::clock::{unix_ms, unix_seconds};
use crate::config::Config;
use crate::error::{json_response, ApiError};
use crate::middleware::LogEntry;
use crate::path::{parse_query, redact_query, ApiPath};
use crate::request::Ctx;
use crate::router;
use crate::state::State;
use axum::body::Bytes;
use axum::extract::State as Shared;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Router;
use serde_json::Value;
use std::future::Future;
use std::sync::Arc;

/// Serves the emulator on `listener` until `shutdown` resolves.
pub async fn serve(
    listener: tokio::net::TcpListener,
    config: Config,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app =
        App::new(config).map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?;
    let router = Router::new().fallback(handle).with_state(Arc::new(app));
    axum::serve(listener, router)
        .with_graceful_shutdown(shutdown)
        .await
}

async fn handle(
    Shared(app): Shared<Arc<App>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = uri.path().to_string();
    if path == "/_emulator" || path.starts_with("/_emulator/") {
        return admin::handle(&app, &method, &path);
    }
    let start_ms = unix_ms();
    if !app.config.latency.is_zero() {
        tokio::time::sleep(app.config.latency).await;
    }
    let (caller, result) = run_api(&app, &method, &uri, &headers, &body);
    let response = match result {
        Ok(value) => json_response(StatusCode::OK, &value),
        Err(error) => {
            tracing::debug!(status = error.status, method = %method, path = %path, "API error");
            error.into_response()
        }
    };
    app.log.push(LogEntry {
        method: method.to_string(),
        path,
        query: redact_query(uri.query()),
        status: response.status().as_u16(),
        caller,
        start_ms,
        end_ms: unix_ms(),
    });
    response
}

/// Authenticates, applies quota and faults, and runs the method; returns
/// the caller label for the log with the outcome.
fn run_api(
    app: &App,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &Bytes,
) -> (String, Result<Value, ApiError>) {
    let mut state = app.state();
    let caller = match auth::identify(headers, &state) {
        Ok(c) => c,
        Err(e) => return ("anonymous".to_string(), Err(e)),
    };
    let label = caller.label().to_string();
    if let Err(e) = app.quota.admit(&label, unix_seconds()) {
        return (label, Err(e));
    }
    if let Some(fault) = app.faults.pick() {
        return (label, Err(fault));
    }
    let result = dispatch(&mut state, &caller, method, uri, body);
    (label, result)
}

fn dispatch(
    state: &mut State,
    caller: &Caller,
    method: &Method,
    uri: &Uri,
    body: &Bytes,
) -> Result<Value, ApiError> {
    let path = ApiPath::parse(uri.path())
        .ok_or_else(|| ApiError::unknown_method(method.as_str(), uri.path()))?;
    let query = parse_query(uri.query());
    let body: Value = if body.iter().all(u8::is_ascii_whitespace) {
        Value::Object(serde_json::Map::new())
    } else {
        serde_json::from_slice(body).map_err(|e| {
            ApiError::invalid(format!(
                "Invalid JSON payload received. {}",
                e.to_string().split(" at line").next().unwrap_or("")
            ))
        })?
    };
    let ctx = Ctx {
        method,
        path: &path,
        query: &query,
        body: &body,
        caller,
    };
    router::dispatch(state, &ctx)
}
