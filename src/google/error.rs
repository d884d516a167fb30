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
    /// 400 FAILED_PRECONDITION.
    pub fn is_failed_precondition(&self) -> bool {
        self.status() == Some("FAILED_PRECONDITION")
    }
}
