//! The retry policy: which failures are retried, and how long to wait.
//!
//! Retried: HTTP 429, 500, 502, 503, 504 and failures to get any answer
//! (connect errors, resets, per-request timeouts). Never other 4xx: they will
//! not change by asking again, and 409 ABORTED from IAM needs a fresh read,
//! which [`super::iam::read_modify_write`] does. Waits use full-jitter
//! exponential backoff so that many provider instances hitting one quota do
//! not retry in lockstep; a `Retry-After` from the service wins over it.
//! Everything stops at the operation's deadline or on StopProvider.

use std::future::Future;
use std::time::{Duration, Instant};

use rand::Rng;

use super::error::ApiError;
use super::op::Op;

/// Backoff parameters. The default suits Google's APIs; tests use short ones.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RetryPolicy {
    /// Upper bound of the first wait.
    pub initial: Duration,
    /// No wait is longer than this.
    pub max: Duration,
    /// Growth of the upper bound per attempt.
    pub multiplier: f64,
}

impl Default for RetryPolicy {
    fn default() -> RetryPolicy {
        RetryPolicy {
            initial: Duration::from_millis(500),
            max: Duration::from_secs(16),
            multiplier: 2.0,
        }
    }
}

impl RetryPolicy {
    /// The wait before retry number `attempt` (0-based): uniformly random
    /// between zero and the exponential bound ("full jitter").
    pub fn delay(&self, attempt: u32) -> Duration {
        let exp = self.multiplier.max(1.0).powi(attempt.min(64) as i32);
        let bound = self.initial.as_secs_f64() * exp;
        let bound = bound.min(self.max.as_secs_f64()).max(0.0);
        if bound <= 0.0 {
            return Duration::ZERO;
        }
        Duration::try_from_secs_f64(rand::rng().random_range(0.0..=bound)).unwrap_or(self.max)
    }
}

/// How one attempt failed, and whether asking again may help.
#[derive(Debug)]
pub struct AttemptError {
    /// The error to report if no retry follows.
    pub error: ApiError,
    /// True for the transient failures listed in the module docs.
    pub retryable: bool,
    /// The service's `Retry-After`, when it sent one in seconds.
    pub retry_after: Option<Duration>,
    /// True when the request reached the service and may have been applied
    /// although no success came back (a 5xx, a reset after sending, a
    /// timeout). Calls that must not be replayed stop on these.
    pub maybe_applied: bool,
}

impl AttemptError {
    /// An error that retrying cannot fix.
    pub fn permanent(error: ApiError) -> AttemptError {
        AttemptError {
            error,
            retryable: false,
            retry_after: None,
            maybe_applied: false,
        }
    }
}

/// True for the HTTP statuses that are worth retrying.
pub fn is_retryable_status(http_status: u16) -> bool {
    matches!(http_status, 429 | 500 | 502 | 503 | 504)
}

/// True for transport failures worth retrying: no answer arrived (connect
/// refused, reset, timeout, broken body). Builder and redirect errors are
/// bugs or configuration problems, and a failed TLS handshake (an untrusted
/// certificate, a plain-HTTP server behind `https://`) will fail the same way
/// again: those stay permanent instead of retrying until the deadline.
pub fn is_retryable_transport(e: &reqwest::Error) -> bool {
    !e.is_builder() && !e.is_redirect() && !e.is_decode() && !e.is_status() && !is_tls_failure(e)
}

/// True when `e` or one of its causes is a rustls error. An `io::Error`
/// hides its payload from `source()` (and TLS errors arrive as an
/// `io::Error` inside another), so payloads are followed as well.
fn is_tls_failure(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut next = Some(e);
    while let Some(cause) = next {
        if cause.is::<rustls::Error>() {
            return true;
        }
        next = match cause.downcast_ref::<std::io::Error>() {
            Some(io) => io
                .get_ref()
                .map(|inner| inner as &(dyn std::error::Error + 'static)),
            None => cause.source(),
        };
    }
    false
}

/// `Retry-After` in seconds. The HTTP-date form is ignored (backoff applies):
/// Google sends seconds.
pub fn parse_retry_after(value: Option<&http::HeaderValue>) -> Option<Duration> {
    let text = value?.to_str().ok()?.trim();
    text.parse::<u64>().ok().map(Duration::from_secs)
}

/// Runs `attempt` until it succeeds, fails permanently, the deadline of `op`
/// would pass before the next try, or `op` is cancelled. `method` and
/// `resource` name the call in a `DeadlineExceeded` error.
pub async fn run<T, F, Fut>(
    op: &Op,
    policy: &RetryPolicy,
    method: &str,
    resource: &str,
    mut attempt: F,
) -> Result<T, ApiError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, AttemptError>>,
{
    let deadline = tokio::time::Instant::from_std(op.deadline);
    let mut last: Option<ApiError> = None;
    let mut tries: u32 = 0;
    loop {
        if op.cancel.is_cancelled() {
            return Err(ApiError::Cancelled);
        }
        if Instant::now() >= op.deadline {
            return Err(deadline_exceeded(method, resource, last.as_ref()));
        }
        let outcome = tokio::select! {
            biased;
            _ = op.cancel.cancelled() => return Err(ApiError::Cancelled),
            outcome = tokio::time::timeout_at(deadline, attempt()) => outcome,
        };
        let failure = match outcome {
            Err(_elapsed) => return Err(deadline_exceeded(method, resource, last.as_ref())),
            Ok(Ok(value)) => return Ok(value),
            Ok(Err(failure)) => failure,
        };
        if !failure.retryable {
            return Err(failure.error);
        }
        let wait = failure.retry_after.unwrap_or_else(|| policy.delay(tries));
        tries = tries.saturating_add(1);
        if !fits_before_deadline(op, wait) {
            return Err(deadline_exceeded(method, resource, Some(&failure.error)));
        }
        tracing::debug!(
            method,
            resource,
            attempt = tries,
            wait_ms = wait.as_millis() as u64,
            error = %failure.error,
            "retrying Google API call"
        );
        last = Some(failure.error);
        sleep_unless_cancelled(op, wait).await?;
    }
}

/// True when waiting `wait` from now still ends before `op`'s deadline. A
/// wait too long to add to an instant (a hostile `Retry-After`) does not fit.
pub(crate) fn fits_before_deadline(op: &Op, wait: Duration) -> bool {
    Instant::now()
        .checked_add(wait)
        .is_some_and(|end| end < op.deadline)
}

/// Sleeps for `wait`, or fails with [`ApiError::Cancelled`] as soon as
/// StopProvider cancels `op`.
pub(crate) async fn sleep_unless_cancelled(op: &Op, wait: Duration) -> Result<(), ApiError> {
    tokio::select! {
        biased;
        _ = op.cancel.cancelled() => Err(ApiError::Cancelled),
        _ = tokio::time::sleep(wait) => Ok(()),
    }
}

/// The error for a deadline that passed, carrying the last failure seen.
fn deadline_exceeded(method: &str, resource: &str, last: Option<&ApiError>) -> ApiError {
    ApiError::DeadlineExceeded {
        method: method.to_string(),
        resource: resource.to_string(),
        last: last.map_or_else(
            || "no answer before the deadline".to_string(),
            ToString::to_string,
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_stay_within_the_exponential_bound_and_the_cap() {
        let policy = RetryPolicy::default();
        for attempt in 0..40 {
            let bound = (0.5 * 2f64.powi(attempt as i32)).min(16.0);
            let d = policy.delay(attempt).as_secs_f64();
            assert!(d <= bound + 1e-9, "attempt {attempt}: {d} > {bound}");
        }
    }

    #[test]
    fn extreme_policies_and_waits_do_not_panic() {
        let huge = RetryPolicy {
            initial: Duration::MAX,
            max: Duration::MAX,
            multiplier: f64::MAX,
        };
        for attempt in [0, 1, 64, u32::MAX] {
            assert!(huge.delay(attempt) <= Duration::MAX);
        }
        let op = Op::new(
            Duration::from_secs(60),
            tokio_util::sync::CancellationToken::new(),
        );
        assert!(!fits_before_deadline(&op, Duration::MAX));
        assert!(!fits_before_deadline(&op, Duration::from_secs(61)));
        assert!(fits_before_deadline(&op, Duration::ZERO));
    }

    #[tokio::test]
    async fn a_huge_retry_after_ends_at_once_with_the_deadline_error() {
        let op = Op::new(
            Duration::from_secs(60),
            tokio_util::sync::CancellationToken::new(),
        );
        let mut calls = 0u32;
        let err = run(&op, &RetryPolicy::default(), "m", "r", || {
            calls += 1;
            async {
                Err::<(), _>(AttemptError {
                    error: ApiError::from_response("m", "r", 429, b""),
                    retryable: true,
                    retry_after: Some(Duration::from_secs(u64::MAX)),
                    maybe_applied: false,
                })
            }
        })
        .await
        .expect_err("gives up");
        assert!(matches!(err, ApiError::DeadlineExceeded { .. }), "{err:?}");
        assert_eq!(calls, 1);
    }

    #[test]
    fn tls_failures_are_recognised_through_io_errors() {
        let tls = std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer),
        );
        let wrapped = std::io::Error::other(tls);
        assert!(is_tls_failure(&wrapped));
        let reset = std::io::Error::from(std::io::ErrorKind::ConnectionReset);
        assert!(!is_tls_failure(&reset));
    }

    #[test]
    fn retryable_statuses() {
        for code in [429, 500, 502, 503, 504] {
            assert!(is_retryable_status(code), "{code}");
        }
        for code in [400, 401, 403, 404, 409, 412, 501] {
            assert!(!is_retryable_status(code), "{code}");
        }
    }

    #[test]
    fn retry_after_seconds_only() {
        let v = http::HeaderValue::from_static("7");
        assert_eq!(parse_retry_after(Some(&v)), Some(Duration::from_secs(7)));
        let date = http::HeaderValue::from_static("Wed, 21 Oct 2015 07:28:00 GMT");
        assert_eq!(parse_retry_after(Some(&date)), None);
        assert_eq!(parse_retry_after(None), None);
    }
}
