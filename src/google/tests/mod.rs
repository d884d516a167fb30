//! Client tests against a local canned-answer server: retries, headers,
//! request shapes and answer checks.

mod calls;
mod crypto;
mod pacing;
mod retries;
pub(crate) mod server;
mod transport;

use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use super::auth::StaticToken;
use super::retry::RetryPolicy;
use super::{ClientConfig, Endpoints, GoogleClient, Op};

/// The token the test clients send.
const TOKEN: &str = "test-token";

/// Short waits so that tests finish quickly.
fn fast() -> RetryPolicy {
    RetryPolicy {
        initial: Duration::from_millis(5),
        max: Duration::from_millis(20),
        multiplier: 2.0,
    }
}

/// A client with every endpoint at `root` and short retry waits.
pub(crate) fn client(root: &str, user_project: Option<&str>) -> GoogleClient {
    let endpoints = Endpoints {
        secret_manager: root.into(),
        artifact_registry: root.into(),
        resource_manager: root.into(),
        service_usage: root.into(),
        iam_credentials: root.into(),
    };
    let config = ClientConfig {
        endpoints,
        user_project: user_project.map(str::to_string),
        request_timeout: Duration::from_secs(10),
        tokens: Arc::new(StaticToken::new(TOKEN)),
        user_agent: "pypi-test/1".into(),
        insecure_endpoints: false,
    };
    GoogleClient::new(config)
        .expect("client")
        .with_retry_policy(fast())
}

/// An operation that may run for `timeout`.
fn op(timeout: Duration) -> Op {
    Op::new(timeout, CancellationToken::new())
}
