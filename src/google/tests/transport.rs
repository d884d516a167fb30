//! Transport rules that guard the tokens: a redirect is never followed (it
//! would replay the `:addVersion` body, the PyPI token, to wherever it
//! points), and plain `http://` goes only to this machine unless allowed.

use std::sync::Arc;
use std::time::Duration;

use super::server::{reply, Canned, Server};
use super::{client, op};
use crate::google::auth::StaticToken;
use crate::google::{ApiError, ClientConfig, Endpoints, GoogleClient};

const PYPI_TOKEN: &str = "pypi-AgEIcHlwaS5vcmc";

/// An answer redirecting to `location`.
fn redirect(status: u16, location: &str) -> Canned {
    Canned::Reply(
        status,
        vec![("location", location.to_string())],
        String::new(),
    )
}

/// `host:port` of a test server's root.
fn authority(root: &str) -> &str {
    root.trim_start_matches("http://").trim_end_matches('/')
}

#[tokio::test]
async fn a_redirected_add_version_is_not_followed_and_its_body_not_sent_again() {
    // Where the redirect points: following it would hand this server the token.
    let elsewhere = Server::start(vec![reply(
        200,
        r#"{"name":"projects/1/secrets/s/versions/1","state":"ENABLED"}"#,
    )])
    .await;
    let location = format!("{}v1/projects/p/secrets/s:addVersion", elsewhere.root);
    let server = Server::start(vec![redirect(307, &location)]).await;
    let err = client(&server.root, None)
        .add_secret_version(
            &op(Duration::from_secs(30)),
            "projects/p/secrets/s",
            PYPI_TOKEN.as_bytes(),
        )
        .await
        .expect_err("a redirect is an error");
    assert_eq!(server.received().len(), 1, "the body went out once");
    assert!(elsewhere.received().is_empty(), "the redirect was followed");
    let text = err.to_string();
    assert!(matches!(err, ApiError::Decode { .. }), "{err:?}");
    assert!(text.contains("HTTP 307"), "{text}");
    assert!(
        text.contains(&format!("host {}", authority(&elsewhere.root))),
        "{text}"
    );
    assert!(
        !text.contains(PYPI_TOKEN) && !text.contains("cHlwaS1") && !text.contains(":addVersion"),
        "{text}"
    );
}

#[tokio::test]
async fn no_redirect_status_is_followed_and_each_names_where_it_pointed() {
    let elsewhere = Server::start(vec![reply(200, "{}")]).await;
    for status in [301, 302, 303, 307, 308] {
        let location = format!("{}v1/projects/p/secrets/s?token=abc", elsewhere.root);
        let server = Server::start(vec![redirect(status, &location)]).await;
        let err = client(&server.root, None)
            .get_secret(&op(Duration::from_secs(30)), "projects/p/secrets/s")
            .await
            .expect_err("a redirect is an error");
        let text = err.to_string();
        assert_eq!(server.received().len(), 1, "{status}: not retried");
        assert!(text.contains(&format!("HTTP {status}")), "{text}");
        assert!(text.contains(authority(&elsewhere.root)), "{text}");
        assert!(!text.contains("token=abc"), "{status}: {text}");
    }
    assert!(elsewhere.received().is_empty(), "a redirect was followed");
}

#[tokio::test]
async fn a_relative_or_missing_location_is_reported_as_such() {
    let server = Server::start(vec![
        redirect(302, "/v1/other"),
        Canned::Reply(307, Vec::new(), String::new()),
    ])
    .await;
    let c = client(&server.root, None);
    let relative = c
        .get_secret(&op(Duration::from_secs(30)), "projects/p/secrets/s")
        .await
        .expect_err("a redirect is an error");
    assert!(
        relative
            .to_string()
            .contains(&format!("host {}", authority(&server.root))),
        "{relative}"
    );
    let missing = c
        .get_secret(&op(Duration::from_secs(30)), "projects/p/secrets/s")
        .await
        .expect_err("a redirect is an error");
    assert!(
        missing.to_string().contains("without a usable Location"),
        "{missing}"
    );
    assert_eq!(server.received().len(), 2);
}

/// A client configuration with Secret Manager at `root`.
fn config_with(root: &str, insecure_endpoints: bool) -> ClientConfig {
    ClientConfig {
        endpoints: Endpoints {
            secret_manager: root.into(),
            ..Endpoints::default()
        },
        user_project: None,
        request_timeout: Duration::from_secs(10),
        tokens: Arc::new(StaticToken::new("test-token")),
        user_agent: "pypi-test/1".into(),
        insecure_endpoints,
    }
}

#[test]
fn plain_http_goes_only_to_this_machine_unless_allowed() {
    for local in [
        "http://127.0.0.1:8085/",
        "http://[::1]:8085/",
        "http://localhost:8085/",
    ] {
        assert!(
            GoogleClient::new(config_with(local, false)).is_ok(),
            "{local}"
        );
    }
    let remote = "http://10.0.0.5:8085/";
    let refused = GoogleClient::new(config_with(remote, false))
        .err()
        .expect("refused");
    let text = refused.to_string();
    assert!(
        text.contains(remote) && text.contains("unencrypted"),
        "{text}"
    );
    assert!(GoogleClient::new(config_with(remote, true)).is_ok());
    assert!(GoogleClient::new(config_with("https://10.0.0.5/", false)).is_ok());
}
