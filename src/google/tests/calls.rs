//! What each call puts on the wire, and how answers are checked.

use std::sync::Arc;
use std::time::Duration;

use super::server::{reply, Server};
use super::{client, op, TOKEN};
use crate::google::artifactregistry::UsernamePasswordCredentials;
use crate::google::auth::Impersonated;
use crate::google::iam::Policy;
use crate::google::secretmanager::Secret;
use crate::google::ApiError;

const PYPI_TOKEN: &str = "pypi-AgEIcHlwaS5vcmc";

#[tokio::test]
async fn headers_and_query() {
    let server = Server::start(vec![reply(200, r#"{"name":"projects/1/secrets/s"}"#)]).await;
    client(&server.root, Some("billing-p"))
        .get_secret(&op(Duration::from_secs(30)), "projects/p/secrets/s")
        .await
        .expect("ok");
    let r = &server.received()[0];
    assert_eq!(r.method, "GET");
    assert_eq!(r.target, "/v1/projects/p/secrets/s?alt=json");
    assert_eq!(
        r.header("authorization"),
        Some(format!("Bearer {TOKEN}").as_str())
    );
    assert_eq!(r.header("x-goog-user-project"), Some("billing-p"));
    assert_eq!(r.header("user-agent"), Some("pypi-test/1"));

    let server = Server::start(vec![reply(200, "{}")]).await;
    client(&server.root, None)
        .get_secret(&op(Duration::from_secs(30)), "projects/p/secrets/s")
        .await
        .expect("ok");
    assert_eq!(server.received()[0].header("x-goog-user-project"), None);
}

#[tokio::test]
async fn add_version_sends_base64_and_crc32c_and_errors_never_echo_the_token() {
    let server = Server::start(vec![reply(
        200,
        r#"{"name":"projects/1/secrets/s/versions/1","state":"ENABLED"}"#,
    )])
    .await;
    let c = client(&server.root, None);
    let v = c
        .add_secret_version(
            &op(Duration::from_secs(30)),
            "projects/p/secrets/s",
            PYPI_TOKEN.as_bytes(),
        )
        .await
        .expect("ok");
    assert_eq!(v.state, "ENABLED");
    let r = &server.received()[0];
    assert_eq!(
        (r.method.as_str(), r.target.as_str()),
        ("POST", "/v1/projects/p/secrets/s:addVersion?alt=json")
    );
    assert_eq!(
        r.json(),
        serde_json::json!({"payload":{"data":"cHlwaS1BZ0VJY0hsd2FTNXZjbWM=","dataCrc32c":"2776802622"}})
    );

    let server = Server::start(vec![reply(
        400,
        r#"{"error":{"code":400,"message":"bad","status":"INVALID_ARGUMENT"}}"#,
    )])
    .await;
    let err = client(&server.root, None)
        .add_secret_version(
            &op(Duration::from_secs(30)),
            "projects/p/secrets/s",
            PYPI_TOKEN.as_bytes(),
        )
        .await
        .expect_err("fails");
    assert!(
        !err.to_string().contains(PYPI_TOKEN) && !err.to_string().contains("cHlwaS1"),
        "{err}"
    );
}

#[tokio::test]
async fn access_checks_the_crc() {
    let good = r#"{"name":"projects/1/secrets/s/versions/1","payload":{"data":"cHlwaS1BZ0VJY0hsd2FTNXZjbWM=","dataCrc32c":"2776802622"}}"#;
    let bad = r#"{"name":"projects/1/secrets/s/versions/1","payload":{"data":"cHlwaS1BZ0VJY0hsd2FTNXZjbWM=","dataCrc32c":"1"}}"#;
    let server = Server::start(vec![reply(200, good), reply(200, bad)]).await;
    let c = client(&server.root, None);
    let name = "projects/p/secrets/s/versions/1";
    let data = c
        .access_secret_version(&op(Duration::from_secs(30)), name)
        .await
        .expect("ok");
    assert_eq!(data, PYPI_TOKEN.as_bytes());
    assert_eq!(
        server.received()[0].target,
        "/v1/projects/p/secrets/s/versions/1:access?alt=json"
    );
    let err = c
        .access_secret_version(&op(Duration::from_secs(30)), name)
        .await
        .expect_err("corrupt");
    assert!(matches!(err, ApiError::Decode { .. }), "{err}");
    assert!(!err.to_string().contains(PYPI_TOKEN), "{err}");
}

#[tokio::test]
async fn secret_lifecycle_paths() {
    let server = Server::start(vec![reply(
        200,
        r#"{"name":"projects/1/secrets/s","etag":"\"e1\""}"#,
    )])
    .await;
    let c = client(&server.root, None);
    let o = op(Duration::from_secs(30));
    let secret = Secret {
        replication: Some(serde_json::json!({"automatic":{}})),
        ..Secret::default()
    };
    c.create_secret(&o, "p", "s", &secret)
        .await
        .expect("create");
    let patched = Secret {
        name: "projects/p/secrets/s".into(),
        etag: "\"e1\"".into(),
        ..Secret::default()
    };
    c.patch_secret(&o, &patched, "annotations")
        .await
        .expect("patch");
    c.delete_secret(&o, "projects/p/secrets/s", None)
        .await
        .expect("delete");
    c.disable_secret_version(&o, "projects/p/secrets/s/versions/2")
        .await
        .expect("disable");
    c.get_secret_iam_policy(&o, "projects/p/secrets/s")
        .await
        .expect("get policy");
    c.set_secret_iam_policy(
        &o,
        "projects/p/secrets/s",
        &Policy {
            version: 3,
            etag: "BwY=".into(),
            ..Policy::default()
        },
    )
    .await
    .expect("set policy");
    let seen: Vec<(String, String)> = server
        .received()
        .iter()
        .map(|r| (r.method.clone(), r.target.clone()))
        .collect();
    let want = [
        ("POST", "/v1/projects/p/secrets?alt=json&secretId=s"),
        (
            "PATCH",
            "/v1/projects/p/secrets/s?alt=json&updateMask=annotations",
        ),
        ("DELETE", "/v1/projects/p/secrets/s?alt=json"),
        (
            "POST",
            "/v1/projects/p/secrets/s/versions/2:disable?alt=json",
        ),
        (
            "GET",
            "/v1/projects/p/secrets/s:getIamPolicy?alt=json&options.requestedPolicyVersion=3",
        ),
        ("POST", "/v1/projects/p/secrets/s:setIamPolicy?alt=json"),
    ];
    let want: Vec<(String, String)> = want
        .iter()
        .map(|(m, t)| (m.to_string(), t.to_string()))
        .collect();
    assert_eq!(seen, want);
    let received = server.received();
    assert_eq!(
        received[0].json(),
        serde_json::json!({"replication":{"automatic":{}}})
    );
    assert_eq!(received[1].json()["etag"], "\"e1\"");
    assert_eq!(
        received[5].json(),
        serde_json::json!({"policy":{"version":3,"etag":"BwY="}})
    );
}

#[tokio::test]
async fn version_listing_follows_pages() {
    let server = Server::start(vec![
        reply(
            200,
            r#"{"versions":[{"name":"projects/1/secrets/s/versions/2"}],"nextPageToken":"t1"}"#,
        ),
        reply(
            200,
            r#"{"versions":[{"name":"projects/1/secrets/s/versions/1"}]}"#,
        ),
    ])
    .await;
    let versions = client(&server.root, None)
        .list_secret_versions(&op(Duration::from_secs(30)), "projects/p/secrets/s")
        .await
        .expect("ok");
    assert_eq!(versions.len(), 2);
    assert!(
        server.received()[1].target.ends_with("&pageToken=t1"),
        "{}",
        server.received()[1].target
    );
}

#[tokio::test]
async fn repository_credentials_patch() {
    let server = Server::start(vec![reply(
        200,
        r#"{"name":"projects/p/locations/l/repositories/r"}"#,
    )])
    .await;
    let c = client(&server.root, None);
    let o = op(Duration::from_secs(30));
    let name = "projects/p/locations/l/repositories/r";
    let creds = UsernamePasswordCredentials {
        username: "__token__".into(),
        password_secret_version: "projects/p/secrets/s/versions/1".into(),
    };
    c.set_upstream_credentials(&o, name, Some(&creds))
        .await
        .expect("set");
    c.set_upstream_credentials(&o, name, None)
        .await
        .expect("clear");
    let r = server.received();
    assert_eq!(r[0].method, "PATCH");
    assert_eq!(
        r[0].target,
        "/v1/projects/p/locations/l/repositories/r?alt=json&updateMask=remoteRepositoryConfig.upstreamCredentials.usernamePasswordCredentials.username%2CremoteRepositoryConfig.upstreamCredentials.usernamePasswordCredentials.passwordSecretVersion"
    );
    assert_eq!(
        r[0].json()["remoteRepositoryConfig"]["upstreamCredentials"]["usernamePasswordCredentials"]
            ["username"],
        "__token__"
    );
    assert_eq!(r[1].target, "/v1/projects/p/locations/l/repositories/r?alt=json&updateMask=remoteRepositoryConfig.upstreamCredentials");
    assert_eq!(
        r[1].json(),
        serde_json::json!({"remoteRepositoryConfig":{"upstreamCredentials":{}}})
    );
}

#[tokio::test]
async fn project_number_and_permissions() {
    let server = Server::start(vec![
        reply(
            200,
            r#"{"projectId":"my-p","projectNumber":"415104041262","lifecycleState":"ACTIVE"}"#,
        ),
        reply(200, r#"{"permissions":["secretmanager.secrets.get"]}"#),
        reply(200, r#"{}"#),
    ])
    .await;
    let c = client(&server.root, None);
    let o = op(Duration::from_secs(30));
    let p = c.get_project(&o, "my-p").await.expect("ok");
    assert_eq!(
        (p.project_id.as_str(), p.project_number.as_str()),
        ("my-p", "415104041262")
    );
    let held = c
        .test_project_permissions(
            &o,
            "my-p",
            &["secretmanager.secrets.get", "secretmanager.secrets.create"],
        )
        .await
        .expect("ok");
    assert_eq!(held, vec!["secretmanager.secrets.get".to_string()]);
    let none = c
        .test_secret_permissions(&o, "projects/p/secrets/s", &["x"])
        .await
        .expect("ok");
    assert!(none.is_empty());
    let r = server.received();
    assert_eq!(r[0].target, "/v1/projects/my-p?alt=json");
    assert_eq!(r[1].target, "/v1/projects/my-p:testIamPermissions?alt=json");
    assert_eq!(
        r[1].json()["permissions"][1],
        "secretmanager.secrets.create"
    );
}

#[tokio::test]
async fn service_identity_polls_until_done() {
    let server = Server::start(vec![
        reply(200, r#"{"name":"operations/abc","done":false}"#),
        reply(200, r#"{"name":"operations/abc","done":true,"response":{"@type":"type.googleapis.com/google.api.serviceusage.v1beta1.ServiceIdentity","email":"service-1@gcp-sa-artifactregistry.iam.gserviceaccount.com"}}"#),
    ])
    .await;
    let email = client(&server.root, None)
        .generate_artifact_registry_service_identity(&op(Duration::from_secs(60)), "p")
        .await
        .expect("ok");
    assert_eq!(
        email,
        "service-1@gcp-sa-artifactregistry.iam.gserviceaccount.com"
    );
    let r = server.received();
    assert_eq!(r[0].target, "/v1beta1/projects/p/services/artifactregistry.googleapis.com:generateServiceIdentity?alt=json");
    assert_eq!(r[1].target, "/v1beta1/operations/abc?alt=json");
}

#[tokio::test]
async fn failed_operations_are_typed_errors() {
    let server = Server::start(vec![reply(
        200,
        r#"{"name":"operations/x","done":true,"error":{"code":7,"message":"denied"}}"#,
    )])
    .await;
    let err = client(&server.root, None)
        .generate_artifact_registry_service_identity(&op(Duration::from_secs(60)), "p")
        .await
        .expect_err("fails");
    assert!(err.is_permission_denied(), "{err}");
}

#[tokio::test]
async fn impersonation_mints_and_caches_a_token() {
    let server = Server::start(vec![
        reply(
            200,
            r#"{"accessToken":"impersonated-token","expireTime":"2099-01-01T00:00:00Z"}"#,
        ),
        reply(200, r#"{"name":"projects/1/secrets/s"}"#),
    ])
    .await;
    let base = client(&server.root, None);
    let c = base.with_tokens(Arc::new(Impersonated::new(
        base.clone(),
        "deployer@p.iam.gserviceaccount.com",
    )));
    let o = op(Duration::from_secs(30));
    c.get_secret(&o, "projects/p/secrets/s").await.expect("ok");
    c.get_secret(&o, "projects/p/secrets/s").await.expect("ok");
    let r = server.received();
    assert_eq!(r.len(), 3, "one token exchange for two calls");
    assert_eq!(r[0].target, "/v1/projects/-/serviceAccounts/deployer@p.iam.gserviceaccount.com:generateAccessToken?alt=json");
    assert_eq!(
        r[0].header("authorization"),
        Some(format!("Bearer {TOKEN}").as_str())
    );
    assert_eq!(
        r[0].json(),
        serde_json::json!({"scope":["https://www.googleapis.com/auth/cloud-platform"],"lifetime":"3600s"})
    );
    assert_eq!(
        r[1].header("authorization"),
        Some("Bearer impersonated-token")
    );
    assert_eq!(
        r[2].header("authorization"),
        Some("Bearer impersonated-token")
    );
}

#[tokio::test]
async fn impersonation_failures_are_auth_errors_and_not_retried_as_requests() {
    let server = Server::start(vec![reply(403, r#"{"error":{"code":403,"message":"no iam.serviceAccounts.getAccessToken","status":"PERMISSION_DENIED"}}"#)]).await;
    let base = client(&server.root, None);
    let c = base.with_tokens(Arc::new(Impersonated::new(
        base.clone(),
        "x@p.iam.gserviceaccount.com",
    )));
    let err = c
        .get_secret(&op(Duration::from_secs(30)), "projects/p/secrets/s")
        .await
        .expect_err("fails");
    assert!(
        matches!(err, ApiError::Auth(ref m) if m.contains("x@p.iam.gserviceaccount.com") && m.contains("PERMISSION_DENIED")),
        "{err}"
    );
    assert_eq!(server.received().len(), 1);
}

#[tokio::test]
async fn oversized_answers_are_refused_without_retrying() {
    let huge = format!(r#"{{"name":"{}"}}"#, "x".repeat(16 * 1024 * 1024));
    let server = Server::start(vec![reply(200, &huge)]).await;
    let err = client(&server.root, None)
        .get_secret(&op(Duration::from_secs(30)), "projects/p/secrets/s")
        .await
        .expect_err("refused");
    match err {
        ApiError::Decode { message, .. } => assert!(message.contains("larger than"), "{message}"),
        other => panic!("unexpected {other:?}"),
    }
    assert_eq!(server.received().len(), 1);
}

#[tokio::test]
async fn a_failed_tls_handshake_is_not_retried() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use tokio::io::AsyncWriteExt;

    // A plain-HTTP server behind an https:// endpoint: every handshake fails the same way.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let root = format!("https://{}/", listener.local_addr().expect("addr"));
    let connections = Arc::new(AtomicUsize::new(0));
    let counted = connections.clone();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            counted.fetch_add(1, Ordering::SeqCst);
            let _ = socket
                .write_all(b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n")
                .await;
            let _ = socket.shutdown().await;
        }
    });
    let err = client(&root, None)
        .get_secret(&op(Duration::from_secs(30)), "projects/p/secrets/s")
        .await
        .expect_err("refused");
    assert!(matches!(err, ApiError::Transport { .. }), "{err:?}");
    assert_eq!(connections.load(Ordering::SeqCst), 1, "{err}");
}
