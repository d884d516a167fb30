//! Errors as Google answers them: a `google.rpc.Status` JSON body with the
//! matching HTTP status, so clients' error decoding works unchanged.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// One API error, rendered as `{"error":{"code","message","status","details"}}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// HTTP status code the real service uses for this canonical code.
    pub http: StatusCode,
    /// Canonical `google.rpc.Code` name, e.g. `NOT_FOUND`.
    pub status: &'static str,
    /// Human-readable message; copies Google's wording where it is known.
    pub message: String,
}

/// The canonical `google.rpc.Code` names, for errors a caller chooses
/// (the `refuse` fault rule).
const CANONICAL_CODES: [&str; 16] = [
    "CANCELLED",
    "UNKNOWN",
    "INVALID_ARGUMENT",
    "DEADLINE_EXCEEDED",
    "NOT_FOUND",
    "ALREADY_EXISTS",
    "PERMISSION_DENIED",
    "RESOURCE_EXHAUSTED",
    "FAILED_PRECONDITION",
    "ABORTED",
    "OUT_OF_RANGE",
    "UNIMPLEMENTED",
    "INTERNAL",
    "UNAVAILABLE",
    "DATA_LOSS",
    "UNAUTHENTICATED",
];

impl ApiError {
    /// An error with a caller-chosen HTTP status and canonical code name;
    /// `None` when the status is not an error status or the name is not a
    /// `google.rpc.Code`.
    pub fn custom(http: u16, code: &str, message: impl Into<String>) -> Option<Self> {
        let http = StatusCode::from_u16(http)
            .ok()
            .filter(|s| s.is_client_error() || s.is_server_error())?;
        let status = CANONICAL_CODES.iter().find(|c| **c == code)?;
        Some(Self::new(http, status, message))
    }

    fn new(http: StatusCode, status: &'static str, message: impl Into<String>) -> Self {
        Self {
            http,
            status,
            message: message.into(),
        }
    }

    /// 400 INVALID_ARGUMENT.
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "INVALID_ARGUMENT", message)
    }

    /// 400 FAILED_PRECONDITION.
    pub fn precondition(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "FAILED_PRECONDITION", message)
    }

    /// 401 UNAUTHENTICATED with Google's wording.
    pub fn unauthenticated() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "UNAUTHENTICATED",
            "Request is missing required authentication credential. Expected OAuth 2 access \
             token, login cookie or other valid authentication credential.",
        )
    }

    /// 401 UNAUTHENTICATED for a token the seed does not know.
    pub fn invalid_credentials() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "UNAUTHENTICATED",
            "Request had invalid authentication credentials. Expected OAuth 2 access token, \
             login cookie or other valid authentication credential.",
        )
    }

    /// 403 PERMISSION_DENIED naming the permission, as IAM-backed services do.
    pub fn permission_denied(permission: &str, resource: &str) -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "PERMISSION_DENIED",
            format!(
                "Permission '{permission}' denied for resource '{resource}' (or it may not exist)."
            ),
        )
    }

    /// 403 PERMISSION_DENIED with a free-form message.
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "PERMISSION_DENIED", message)
    }

    /// 404 NOT_FOUND.
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "NOT_FOUND", message)
    }

    /// 409 ALREADY_EXISTS.
    pub fn already_exists(message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, "ALREADY_EXISTS", message)
    }

    /// 409 ABORTED: an etag did not match (optimistic concurrency).
    pub fn aborted(message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, "ABORTED", message)
    }

    /// 409 ABORTED with IAM's wording for a stale policy etag.
    pub fn concurrent_policy_change() -> Self {
        Self::aborted(
            "There were concurrent policy changes. Please retry the whole read-modify-write \
             with exponential backoff.",
        )
    }

    /// 429 RESOURCE_EXHAUSTED.
    pub fn exhausted(message: impl Into<String>) -> Self {
        Self::new(StatusCode::TOO_MANY_REQUESTS, "RESOURCE_EXHAUSTED", message)
    }

    /// 500 INTERNAL.
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "INTERNAL", message)
    }

    /// 503 UNAVAILABLE.
    pub fn unavailable(message: impl Into<String>) -> Self {
        Self::new(StatusCode::SERVICE_UNAVAILABLE, "UNAVAILABLE", message)
    }

    /// 404 for a path no emulated API serves.
    pub fn unknown_method(method: &str, path: &str) -> Self {
        Self::not_found(format!(
            "The emulator serves no method {method} {path}. See emulator/README.md for the supported APIs."
        ))
    }

    /// The JSON body Google sends.
    pub fn body(&self) -> serde_json::Value {
        json!({"error": {
            "code": self.http.as_u16(),
            "message": self.message,
            "status": self.status,
            "details": [],
        }})
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {}: {}",
            self.http.as_u16(),
            self.status,
            self.message
        )
    }
}

impl std::error::Error for ApiError {}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = json_response(self.http, &self.body());
        if self.http == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"https://accounts.google.com/\""),
            );
        }
        response
    }
}

/// A JSON response with the content type Google's front end uses.
pub fn json_response(status: StatusCode, body: &serde_json::Value) -> Response {
    let mut response = (status, body.to_string()).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=UTF-8"),
    );
    response
}

/// Result of one API handler: the JSON body of a 200 answer, or an error.
pub type ApiResult = Result<serde_json::Value, ApiError>;
