//! Typed API errors decoded from `google.rpc.Status` bodies.

/// An error from a Google API call. Never carries request payloads (tokens).
#[derive(Debug, Clone, thiserror::Error)]
pub enum ApiError {
    /// The service answered with a `google.rpc.Status` error.
    #[error("{method} {resource}: HTTP {http_status} {status}: {message}")]
    Status {
        /// Short name of the call, e.g. `secretmanager.secrets.addVersion`.
        method: String,
        /// Resource name the call was about.
        resource: String,
        /// HTTP status code.
        http_status: u16,
        /// Canonical status string, e.g. `NOT_FOUND`, `ABORTED`.
        status: String,
        /// The service's message.
        message: String,
    },
    /// The request never got an HTTP answer (connection refused/reset, TLS, DNS).
    #[error("{method} {resource}: transport error: {message}")]
    Transport {
        /// Call name.
        method: String,
        /// Resource name.
        resource: String,
        /// What failed.
        message: String,
    },
    /// The answer could not be decoded.
    #[error("{method} {resource}: unexpected response: {message}")]
    Decode {
        /// Call name.
        method: String,
        /// Resource name.
        resource: String,
        /// What was wrong.
        message: String,
    },
    /// No access token could be obtained.
    #[error("authentication failed: {0}")]
    Auth(String),
    /// The operation's deadline passed (the resource's timeout).
    #[error("{method} {resource}: deadline exceeded after retries: {last}")]
    DeadlineExceeded {
        /// Call name.
        method: String,
        /// Resource name.
        resource: String,
        /// The last error seen before the deadline.
        last: String,
    },
    /// A create that may or may not have been applied: it reached the
    /// service and no success came back. Never retried blindly: the caller
    /// looks at what exists and adopts or creates again.
    #[error("{method} {resource}: no confirmation that the request was applied ({cause})")]
    Unconfirmed {
        /// Call name.
        method: String,
        /// Resource name.
        resource: String,
        /// The failure that left the outcome open.
        cause: String,
    },
    /// Terraform asked the provider to stop.
    #[error("cancelled")]
    Cancelled,
}

impl ApiError {
    /// The canonical status string, when the service answered.
    pub fn status(&self) -> Option<&str> {
        match self {
            ApiError::Status { status, .. } => Some(status),
            _ => None,
        }
    }
    /// The HTTP status, when the service answered.
    pub fn http_status(&self) -> Option<u16> {
        match self {
            ApiError::Status { http_status, .. } => Some(*http_status),
            _ => None,
        }
    }
    /// 404 / NOT_FOUND.
    pub fn is_not_found(&self) -> bool {
        self.http_status() == Some(404)
    }
    /// 409 ALREADY_EXISTS.
    pub fn is_already_exists(&self) -> bool {
        self.status() == Some("ALREADY_EXISTS")
    }
    /// 409 ABORTED (stale IAM etag).
    pub fn is_aborted(&self) -> bool {
        self.status() == Some("ABORTED")
    }
    /// 403 PERMISSION_DENIED.
    pub fn is_permission_denied(&self) -> bool {
        self.http_status() == Some(403)
    }
    /// The request may have been applied without confirmation.
    pub fn is_unconfirmed(&self) -> bool {
        matches!(self, ApiError::Unconfirmed { .. })
    }
    /// 400 FAILED_PRECONDITION.
    pub fn is_failed_precondition(&self) -> bool {
        self.status() == Some("FAILED_PRECONDITION")
    }
}

/// The `error` member of a `google.rpc.Status` body.
#[derive(Debug, Default, serde::Deserialize)]
struct StatusBody {
    /// The canonical code as a string, e.g. `NOT_FOUND`.
    #[serde(default)]
    status: String,
    /// The service's human-readable message.
    #[serde(default)]
    message: String,
}

/// `{"error": {...}}`, the envelope Google wraps a status in.
#[derive(Debug, Default, serde::Deserialize)]
struct StatusEnvelope {
    /// The status itself.
    #[serde(default)]
    error: StatusBody,
}

/// Longest part of a non-JSON error body kept in a message: proxies answer
/// whole HTML pages, and the message ends up in a diagnostic.
const MAX_RAW_MESSAGE: usize = 300;

impl ApiError {
    /// Decodes an error answer. Bodies that are not a `google.rpc.Status`
    /// (proxies, load balancers) still give a typed error, with the canonical
    /// status derived from the HTTP code.
    pub(crate) fn from_response(
        method: &str,
        resource: &str,
        http_status: u16,
        body: &[u8],
    ) -> ApiError {
        let decoded = serde_json::from_slice::<StatusEnvelope>(body)
            .ok()
            .map(|e| e.error);
        let (status, message) = match decoded {
            Some(s) if !s.status.is_empty() || !s.message.is_empty() => (s.status, s.message),
            _ => (String::new(), raw_message(body)),
        };
        let status = if status.is_empty() {
            canonical_status(http_status).to_string()
        } else {
            status
        };
        ApiError::Status {
            method: method.into(),
            resource: resource.into(),
            http_status,
            status,
            message,
        }
    }
}

/// A short, single-line excerpt of a body that is not a status.
fn raw_message(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let one_line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match one_line.char_indices().nth(MAX_RAW_MESSAGE) {
        Some((cut, _)) => format!("{}...", &one_line[..cut]),
        None => one_line,
    }
}

/// The canonical code Google maps an HTTP status to (google/rpc/code.proto).
pub(crate) fn canonical_status(http_status: u16) -> &'static str {
    match http_status {
        400 => "INVALID_ARGUMENT",
        401 => "UNAUTHENTICATED",
        403 => "PERMISSION_DENIED",
        404 => "NOT_FOUND",
        409 => "ABORTED",
        412 => "FAILED_PRECONDITION",
        416 => "OUT_OF_RANGE",
        429 => "RESOURCE_EXHAUSTED",
        499 => "CANCELLED",
        501 => "UNIMPLEMENTED",
        503 => "UNAVAILABLE",
        504 => "DEADLINE_EXCEEDED",
        500..=599 => "INTERNAL",
        _ => "UNKNOWN",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_google_rpc_status() {
        let body = br#"{"error":{"code":409,"message":"Secret [projects/1/secrets/s] already exists.","status":"ALREADY_EXISTS","details":[]}}"#;
        let e = ApiError::from_response(
            "secretmanager.secrets.create",
            "projects/p/secrets/s",
            409,
            body,
        );
        assert!(e.is_already_exists());
        assert!(!e.is_aborted());
        assert_eq!(e.http_status(), Some(409));
        let text = e.to_string();
        assert!(
            text.contains("secretmanager.secrets.create projects/p/secrets/s"),
            "{text}"
        );
        assert!(text.contains("already exists"), "{text}");
    }

    #[test]
    fn non_status_bodies_get_a_canonical_status_and_a_short_message() {
        let body = format!("<html>{}</html>", "x".repeat(2000));
        let e = ApiError::from_response("m", "r", 503, body.as_bytes());
        assert_eq!(e.status(), Some("UNAVAILABLE"));
        match e {
            ApiError::Status { message, .. } => assert!(message.len() < 400, "{message}"),
            other => panic!("unexpected {other:?}"),
        }
        assert!(ApiError::from_response("m", "r", 404, b"").is_not_found());
    }
}
