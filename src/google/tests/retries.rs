//! The retry policy as seen on the wire: attempt counts, never timings.

use std::time::Duration;

use super::server::{reply, Canned, Server};
use super::{client, op};
use crate::google::retry::RetryPolicy;
use crate::google::secretmanager::Secret;
use crate::google::{ApiError, GoogleClient};

const SECRET: &str = "projects/p/secrets/s";
const SECRET_JSON: &str = r#"{"name":"projects/1/secrets/s"}"#;
const UNAVAILABLE: &str = r#"{"error":{"code":503,"message":"try later","status":"UNAVAILABLE"}}"#;

#[tokio::test]
async fn unavailable_then_ok_is_retried() {
    let server = Server::start(vec![reply(503, UNAVAILABLE), reply(200, SECRET_JSON)]).await;
    let secret = client(&server.root, None)
        .get_secret(&op(Duration::from_secs(30)), SECRET)
        .await
        .expect("retried");
    assert_eq!(secret.name, "projects/1/secrets/s");
    assert_eq!(server.received().len(), 2);
}

#[tokio::test]
async fn each_retryable_status_is_retried() {
    for status in [429, 500, 502, 503, 504] {
        let server = Server::start(vec![reply(status, "{}"), reply(200, SECRET_JSON)]).await;
        client(&server.root, None)
            .get_secret(&op(Duration::from_secs(30)), SECRET)
            .await
            .expect("retried");
        assert_eq!(server.received().len(), 2, "HTTP {status}");
    }
}

#[tokio::test]
async fn client_errors_are_not_retried() {
    for (status, code) in [
        (400, "INVALID_ARGUMENT"),
        (403, "PERMISSION_DENIED"),
        (404, "NOT_FOUND"),
        (409, "ABORTED"),
    ] {
        let body = format!(r#"{{"error":{{"code":{status},"message":"m","status":"{code}"}}}}"#);
        let server = Server::start(vec![reply(status, &body), reply(200, SECRET_JSON)]).await;
        let err = client(&server.root, None)
            .get_secret(&op(Duration::from_secs(30)), SECRET)
            .await
            .expect_err("fails");
        assert_eq!(err.status(), Some(code));
        assert_eq!(server.received().len(), 1, "HTTP {status}");
    }
}

#[tokio::test]
async fn a_reset_connection_is_retried() {
    let server = Server::start(vec![Canned::Close, reply(200, SECRET_JSON)]).await;
    client(&server.root, None)
        .get_secret(&op(Duration::from_secs(30)), SECRET)
        .await
        .expect("retried");
    assert_eq!(server.received().len(), 2);
}

#[tokio::test]
async fn retry_after_zero_is_honoured_over_a_long_backoff() {
    // With a 100 s backoff and a 30 s deadline, only honouring Retry-After: 0 can succeed.
    let slow = RetryPolicy {
        initial: Duration::from_secs(100),
        max: Duration::from_secs(100),
        multiplier: 1.0,
    };
    let throttled = Canned::Reply(429, vec![("retry-after", "0".into())], "{}".into());
    let server = Server::start(vec![throttled, reply(200, SECRET_JSON)]).await;
    let c = client(&server.root, None).with_retry_policy(slow);
    c.get_secret(&op(Duration::from_secs(30)), SECRET)
        .await
        .expect("retried at once");
    assert_eq!(server.received().len(), 2);
}

#[tokio::test]
async fn retry_after_past_the_deadline_stops_at_once() {
    let throttled = Canned::Reply(429, vec![("retry-after", "3600".into())], "{}".into());
    let server = Server::start(vec![throttled, reply(200, SECRET_JSON)]).await;
    let err = client(&server.root, None)
        .get_secret(&op(Duration::from_secs(30)), SECRET)
        .await
        .expect_err("gives up");
    assert!(
        matches!(err, ApiError::DeadlineExceeded { ref last, .. } if last.contains("429")),
        "{err}"
    );
    assert_eq!(server.received().len(), 1);
}

#[tokio::test]
async fn the_deadline_stops_retries_and_reports_the_last_error() {
    let server = Server::start(vec![reply(503, UNAVAILABLE)]).await;
    let err = client(&server.root, None)
        .get_secret(&op(Duration::from_millis(400)), SECRET)
        .await
        .expect_err("gives up");
    match &err {
        ApiError::DeadlineExceeded {
            method,
            resource,
            last,
        } => {
            assert_eq!(method, "secretmanager.secrets.get");
            assert_eq!(resource, SECRET);
            assert!(
                last.contains("UNAVAILABLE") && last.contains("try later"),
                "{last}"
            );
        }
        other => panic!("unexpected {other:?}"),
    }
    assert!(server.received().len() >= 2, "retried before the deadline");
}

#[tokio::test]
async fn connection_refused_is_retried_until_the_deadline() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let root = format!("http://{}/", listener.local_addr().expect("addr"));
    drop(listener);
    let err = client(&root, None)
        .get_secret(&op(Duration::from_millis(300)), SECRET)
        .await
        .expect_err("fails");
    assert!(
        matches!(err, ApiError::DeadlineExceeded { ref last, .. } if last.contains("transport error")),
        "{err}"
    );
}

/// Runs `get_secret` on `c` under an operation of `timeout`, cancels the
/// operation once `server` has received the first request, and returns
/// what the call answered.
async fn get_secret_cancelled(
    server: &Server,
    c: GoogleClient,
    timeout: Duration,
) -> Result<Secret, ApiError> {
    let operation = op(timeout);
    let cancel = operation.cancel.clone();
    let call = tokio::spawn(async move { c.get_secret(&operation, SECRET).await });
    server.wait_for(1).await;
    cancel.cancel();
    call.await.expect("joined")
}

#[tokio::test]
async fn cancellation_stops_a_request_in_flight() {
    let server = Server::start(vec![Canned::Hang]).await;
    let c = client(&server.root, None);
    let result = get_secret_cancelled(&server, c, Duration::from_secs(60)).await;
    assert!(matches!(result, Err(ApiError::Cancelled)), "{result:?}");
}

#[tokio::test]
async fn cancellation_stops_a_backoff_wait() {
    let slow = RetryPolicy {
        initial: Duration::from_secs(100),
        max: Duration::from_secs(100),
        multiplier: 1.0,
    };
    let server = Server::start(vec![reply(503, UNAVAILABLE), reply(200, SECRET_JSON)]).await;
    let c = client(&server.root, None).with_retry_policy(slow);
    let result = get_secret_cancelled(&server, c, Duration::from_secs(1000)).await;
    // A zero draw of the jitter could retry at once and succeed; the 100 s bound makes that vanishingly rare.
    assert!(matches!(result, Err(ApiError::Cancelled)), "{result:?}");
    assert_eq!(server.received().len(), 1);
}

const VERSION_JSON: &str = r#"{"name":"projects/1/secrets/s/versions/1","state":"ENABLED"}"#;

#[tokio::test]
async fn a_create_that_may_have_landed_is_not_sent_again() {
    // 503 or a reset after the request went out: the version may exist.
    for first in [reply(503, UNAVAILABLE), reply(500, "{}"), Canned::Close] {
        let server = Server::start(vec![first, reply(200, VERSION_JSON)]).await;
        let err = client(&server.root, None)
            .add_secret_version(&op(Duration::from_secs(30)), SECRET, b"pypi-x")
            .await
            .expect_err("unconfirmed");
        assert!(err.is_unconfirmed(), "{err:?}");
        assert_eq!(server.received().len(), 1);
    }
    let server = Server::start(vec![reply(503, UNAVAILABLE), reply(200, SECRET_JSON)]).await;
    let err = client(&server.root, None)
        .create_secret(&op(Duration::from_secs(30)), "p", "s", &Secret::default())
        .await
        .expect_err("unconfirmed");
    assert!(err.is_unconfirmed(), "{err:?}");
    assert_eq!(server.received().len(), 1);
}

#[tokio::test]
async fn a_create_refused_before_any_work_is_retried() {
    let server = Server::start(vec![reply(429, "{}"), reply(200, VERSION_JSON)]).await;
    client(&server.root, None)
        .add_secret_version(&op(Duration::from_secs(30)), SECRET, b"pypi-x")
        .await
        .expect("429 is retried");
    assert_eq!(server.received().len(), 2);
}

#[tokio::test]
async fn deleting_a_secret_sends_the_etag_it_was_read_with() {
    let server = Server::start(vec![reply(200, "{}")]).await;
    client(&server.root, None)
        .delete_secret(&op(Duration::from_secs(30)), SECRET, Some("\"abc\""))
        .await
        .expect("ok");
    assert_eq!(
        server.received()[0].target,
        "/v1/projects/p/secrets/s?alt=json&etag=%22abc%22"
    );
}
