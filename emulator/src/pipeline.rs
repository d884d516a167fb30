//! The steps every API request goes through: latency → fault rule → auth →
//! quota → random fault → method → request log. A fault rule may act
//! around the method: answer instead of it (`refuse`), wait before it
//! (`delay`, `hold`), or replace or withhold its answer (`lose`, `drop`).

use crate::app::App;
use crate::auth;
use crate::clock::{unix_ms, unix_seconds};
use crate::connection::Cut;
use crate::error::{json_response, ApiError};
use crate::faults::held::Release;
use crate::faults::rules::{Action, Picked};
use crate::log::{FaultRecord, LogEntry};
use crate::path::{parse_query, redact_query, ApiPath};
use crate::request::Ctx;
use crate::router;
use axum::body::Bytes;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::Value;
use std::sync::Arc;
use tokio::sync::oneshot;

/// One API request, owned, so that a held request can finish in a task of
/// its own after its client has gone.
pub struct ApiRequest {
    /// HTTP method.
    pub method: Method,
    /// Path and query.
    pub uri: Uri,
    /// Headers (the bearer token is read from them, never kept).
    pub headers: HeaderMap,
    /// The body (never logged).
    pub body: Bytes,
}

/// The status answered by a connection that was closed instead.
const NO_ANSWER: u16 = 0;

/// Runs one API request through the pipeline; `cut` closes its connection.
pub async fn run(app: Arc<App>, cut: Cut, request: ApiRequest) -> Response {
    let start_ms = unix_ms();
    if !app.config.latency.is_zero() {
        tokio::time::sleep(app.config.latency).await;
    }
    let Some(Picked { rule, action }) = app.rules.pick(request.method.as_str(), request.uri.path())
    else {
        return answer(&app, &request, start_ms, None);
    };
    let record = |action: &'static str, handler_status: Option<u16>| FaultRecord {
        rule: rule.clone(),
        action,
        handler_status,
    };
    match action {
        Action::Delay(delay) => {
            tokio::time::sleep(delay).await;
            answer(&app, &request, start_ms, Some(record("delay", None)))
        }
        Action::Refuse(error) => {
            let caller = caller_label(&app, &request.headers);
            let response = error.into_response();
            let status = response.status().as_u16();
            log(
                &app,
                &request,
                start_ms,
                caller,
                status,
                record("refuse", None),
            );
            response
        }
        Action::Lose => {
            let (caller, result) = apply(&app, &request);
            let applied = respond(&request, result).status().as_u16();
            // The client must not be able to tell that the request landed.
            let response =
                ApiError::unavailable("The service is currently unavailable.").into_response();
            let status = response.status().as_u16();
            log(
                &app,
                &request,
                start_ms,
                caller,
                status,
                record("lose", Some(applied)),
            );
            response
        }
        Action::Drop => {
            let (caller, result) = apply(&app, &request);
            let response = respond(&request, result);
            let applied = response.status().as_u16();
            cut.cut();
            let fault = record("drop", Some(applied));
            log(&app, &request, start_ms, caller, NO_ANSWER, fault);
            response
        }
        Action::Hold => hold(app, request, start_ms, rule).await,
    }
}

/// Parks the request until released, in a task detached from the
/// connection: released, it is applied (and logged) even if the client
/// disconnected meanwhile, which is what a request already inside Google
/// looks like when the calling process is killed.
async fn hold(app: Arc<App>, request: ApiRequest, start_ms: u64, rule: String) -> Response {
    let release = app.held.park(request.method.as_str(), request.uri.path());
    let (answered, answer_rx) = oneshot::channel();
    tokio::spawn(async move {
        let how = release.await.unwrap_or(Release::Discard);
        let response = match how {
            Release::Apply => {
                let fault = FaultRecord {
                    rule,
                    action: "hold",
                    handler_status: None,
                };
                answer(&app, &request, start_ms, Some(fault))
            }
            Release::Discard => {
                let response = discarded();
                let fault = FaultRecord {
                    rule,
                    action: "hold-discarded",
                    handler_status: None,
                };
                let caller = caller_label(&app, &request.headers);
                let status = response.status().as_u16();
                log(&app, &request, start_ms, caller, status, fault);
                response
            }
        };
        // The client may be gone; the request was handled all the same.
        let _ = answered.send(response);
    });
    answer_rx.await.unwrap_or_else(|_| discarded())
}

/// The answer to a held request that was let go without being applied.
fn discarded() -> Response {
    ApiError::unavailable("The service is currently unavailable.").into_response()
}

/// Applies the request, logs it, and answers what the method answered.
fn answer(app: &App, request: &ApiRequest, start_ms: u64, fault: Option<FaultRecord>) -> Response {
    let (caller, result) = apply(app, request);
    let response = respond(request, result);
    let status = response.status().as_u16();
    let entry = entry(request, start_ms, caller, status, fault);
    app.log.push(entry);
    response
}

/// Logs a request a fault rule acted on.
fn log(
    app: &App,
    request: &ApiRequest,
    start_ms: u64,
    caller: String,
    status: u16,
    fault: FaultRecord,
) {
    app.log
        .push(entry(request, start_ms, caller, status, Some(fault)));
}

/// The log entry of a request: names and statuses, never a body or token.
fn entry(
    request: &ApiRequest,
    start_ms: u64,
    caller: String,
    status: u16,
    fault: Option<FaultRecord>,
) -> LogEntry {
    LogEntry {
        method: request.method.to_string(),
        path: request.uri.path().to_string(),
        query: redact_query(request.uri.query()),
        status,
        caller,
        start_ms,
        end_ms: unix_ms(),
        fault,
    }
}

/// A method's outcome as an HTTP answer.
fn respond(request: &ApiRequest, result: Result<Value, ApiError>) -> Response {
    match result {
        Ok(value) => json_response(StatusCode::OK, &value),
        Err(error) => {
            let (method, path) = (&request.method, request.uri.path());
            tracing::debug!(status = error.status, %method, path, "API error");
            error.into_response()
        }
    }
}

/// How the log names the caller of a request that is not applied.
fn caller_label(app: &App, headers: &HeaderMap) -> String {
    auth::identify(headers, &app.state())
        .map(|c| c.label().to_string())
        .unwrap_or_else(|_| "anonymous".to_string())
}

/// Authenticates, applies quota and random faults, and runs the method;
/// returns the caller label for the log with the outcome.
fn apply(app: &App, request: &ApiRequest) -> (String, Result<Value, ApiError>) {
    let mut state = app.state();
    let caller = match auth::identify(&request.headers, &state) {
        Ok(c) => c,
        Err(e) => return ("anonymous".to_string(), Err(e)),
    };
    let label = caller.label().to_string();
    if let Err(e) = app.quota.admit(&label, unix_seconds()) {
        return (label, Err(e));
    }
    if let Some(fault) = app.random_faults.pick() {
        return (label, Err(fault));
    }
    let uri = &request.uri;
    let Some(path) = ApiPath::parse(uri.path()) else {
        let unknown = ApiError::unknown_method(request.method.as_str(), uri.path());
        return (label, Err(unknown));
    };
    let query = parse_query(uri.query());
    let body = match parse_body(&request.body) {
        Ok(body) => body,
        Err(e) => return (label, Err(e)),
    };
    let ctx = Ctx {
        method: &request.method,
        path: &path,
        query: &query,
        body: &body,
        caller: &caller,
    };
    let result = router::dispatch(&mut state, &ctx);
    (label, result)
}

/// The JSON body; `{}` when empty, Google's wording when it is not JSON.
fn parse_body(body: &[u8]) -> Result<Value, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Value::Object(serde_json::Map::new()));
    }
    serde_json::from_slice(body).map_err(|e| {
        ApiError::invalid(format!(
            "Invalid JSON payload received. {}",
            e.to_string().split(" at line").next().unwrap_or("")
        ))
    })
}
