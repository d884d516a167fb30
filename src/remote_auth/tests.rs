//! The sharing steps against a scripted server, for the interleavings an
//! end-to-end run produces only by chance: a create that loses the race to
//! another resource (409), and a release that finds, after removing its own
//! user annotation, that it is or is not the last user.

use std::collections::BTreeMap;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use crate::google::tests::client;
use crate::google::tests::server::{reply, Recorded, Server};
use crate::google::{GoogleClient, Op};

use super::ids::SecretRef;
use super::private::Private;
use super::release::{self, Release};
use super::shared::Caches;
use super::sharing;
use super::steps::Env;
use crate::google::secretmanager::Secret;

/// The repository recorded as this resource's user key.
const ME: &str = "projects/123/locations/us/repositories/mine";
/// Another repository of the same project using the secret.
const OTHER: &str = "projects/123/locations/us/repositories/other";

/// The secret the tests use; a numeric project needs no number lookup.
fn secret() -> SecretRef {
    SecretRef {
        project: "123".into(),
        id: "tok".into(),
    }
}

/// A secret answer with `users` recorded and, when `created`, the created-by marker.
fn secret_json(users: &[&str], created: bool) -> String {
    let mut annotations = BTreeMap::new();
    for u in users {
        sharing::add_user(&mut annotations, u);
    }
    if created {
        annotations.insert(sharing::CREATED_BY_KEY.to_string(), ME.to_string());
    }
    serde_json::json!({
        "name": "projects/123/secrets/tok",
        "etag": "\"e1\"",
        "annotations": annotations,
    })
    .to_string()
}

/// Method and path of every request received.
fn calls(received: &[Recorded]) -> Vec<String> {
    received
        .iter()
        .map(|r| {
            let path = r.target.split('?').next().unwrap_or_default();
            format!("{} {path}", r.method)
        })
        .collect()
}

/// Runs `f` with an [`Env`] on `client`.
async fn with_env<T>(client: &GoogleClient, f: impl AsyncFnOnce(&Env<'_>) -> T) -> T {
    let caches = Caches::default();
    let env = Env {
        client,
        op: Op::new(Duration::from_secs(30), CancellationToken::new()),
        caches: &caches,
        run_scope: "test",
    };
    f(&env).await
}

#[tokio::test]
async fn a_create_that_loses_the_race_uses_the_secret_as_someone_elses() {
    let server = Server::start(vec![
        reply(
            409,
            r#"{"error":{"code":409,"message":"Secret [projects/123/secrets/tok] already exists.","status":"ALREADY_EXISTS"}}"#,
        ),
        reply(200, &secret_json(&[OTHER], false)),
    ])
    .await;
    let client = client(&server.root, None);
    let made = with_env(&client, async |env| {
        env.create_secret(&secret(), &Secret::default(), ME).await
    })
    .await
    .expect("uses the existing secret");
    assert!(!made.ours && !made.created_now);
    assert_eq!(
        calls(&server.received()),
        [
            "POST /v1/projects/123/secrets",
            "GET /v1/projects/123/secrets/tok"
        ]
    );
}

#[tokio::test]
async fn a_create_whose_answer_was_lost_is_read_back_not_repeated() {
    let server = Server::start(vec![
        reply(
            503,
            r#"{"error":{"code":503,"message":"lost","status":"UNAVAILABLE"}}"#,
        ),
        reply(200, &secret_json(&[ME], true)),
    ])
    .await;
    let client = client(&server.root, None);
    let made = with_env(&client, async |env| {
        env.create_secret(&secret(), &Secret::default(), ME).await
    })
    .await
    .expect("adopts the secret it made");
    assert!(made.ours, "the created-by marker names this repository");
    assert_eq!(
        calls(&server.received()),
        [
            "POST /v1/projects/123/secrets",
            "GET /v1/projects/123/secrets/tok"
        ]
    );
}

/// A release of a secret this provider created, by a resource with no
/// bookkeeping of its own (e.g. the loser of a create race).
async fn release_with(server: &Server) -> Result<(), crate::tfplugin::Diagnostic> {
    let client = client(&server.root, None);
    let private = Private::default();
    with_env(&client, async |env| {
        release::release(
            env,
            Release {
                secret: &secret(),
                me: ME,
                project: "123",
                member: "serviceAccount:agent@example.com",
                private: &private,
            },
        )
        .await
    })
    .await
}

const STALE_ETAG: &str =
    r#"{"error":{"code":400,"message":"etag mismatch","status":"FAILED_PRECONDITION"}}"#;

/// A repository of OTHER's that uses the secret.
fn other_repo_json() -> String {
    serde_json::json!({
        "name": OTHER,
        "mode": "REMOTE_REPOSITORY",
        "format": "PYTHON",
        "remoteRepositoryConfig": {"upstreamCredentials": {"usernamePasswordCredentials": {
            "username": "__token__",
            "passwordSecretVersion": "projects/123/secrets/tok/versions/1"
        }}}
    })
    .to_string()
}

#[tokio::test]
async fn the_last_user_out_deletes_a_secret_the_provider_created_with_its_etag() {
    // Another user was there at first but left while this one removed itself:
    // the first annotation write meets a changed etag and is redone.
    let server = Server::start(vec![
        reply(200, &secret_json(&[OTHER, ME], true)),
        reply(400, STALE_ETAG),
        reply(200, &secret_json(&[ME], true)),
        reply(200, &secret_json(&[], true)),
        reply(200, "{}"),
    ])
    .await;
    assert!(release_with(&server).await.is_ok());
    let received = server.received();
    assert_eq!(
        calls(&received),
        [
            "GET /v1/projects/123/secrets/tok",
            "PATCH /v1/projects/123/secrets/tok",
            "GET /v1/projects/123/secrets/tok",
            "PATCH /v1/projects/123/secrets/tok",
            "DELETE /v1/projects/123/secrets/tok",
        ]
    );
    assert!(
        received[4].target.contains("etag=%22e1%22"),
        "the delete carries the etag of the deciding read: {}",
        received[4].target
    );
}

#[tokio::test]
async fn a_user_that_is_not_the_last_keeps_the_secret_and_the_binding() {
    let server = Server::start(vec![
        reply(200, &secret_json(&[OTHER, ME], true)),
        reply(200, &secret_json(&[OTHER], true)),
        reply(200, &other_repo_json()),
    ])
    .await;
    assert!(release_with(&server).await.is_ok());
    assert_eq!(
        calls(&server.received()),
        [
            "GET /v1/projects/123/secrets/tok",
            "PATCH /v1/projects/123/secrets/tok",
            "GET /v1/projects/123/locations/us/repositories/other",
        ],
        "no delete and no policy change while another user remains"
    );
}

#[tokio::test]
async fn a_user_whose_repository_is_gone_is_pruned_and_the_secret_deleted() {
    let server = Server::start(vec![
        reply(200, &secret_json(&[OTHER, ME], true)),
        reply(200, &secret_json(&[OTHER], true)),
        reply(
            404,
            r#"{"error":{"code":404,"message":"gone","status":"NOT_FOUND"}}"#,
        ),
        reply(200, &secret_json(&[OTHER], true)),
        reply(200, &secret_json(&[], true)),
        reply(200, "{}"),
    ])
    .await;
    assert!(release_with(&server).await.is_ok());
    assert_eq!(
        calls(&server.received()),
        [
            "GET /v1/projects/123/secrets/tok",
            "PATCH /v1/projects/123/secrets/tok",
            "GET /v1/projects/123/locations/us/repositories/other",
            "GET /v1/projects/123/secrets/tok",
            "PATCH /v1/projects/123/secrets/tok",
            "DELETE /v1/projects/123/secrets/tok",
        ]
    );
}
