//! Authentication, permission checks with a seed, faults, latency, quota
//! and the admin endpoints.

mod common;

use common::{Emu, NUMBER, PROJECT};
use serde_json::json;
use std::time::Duration;

const SEED: &str = r#"{
  "projects": [{"id": "demo-project", "number": "123456789012",
    "iamPolicy": {"bindings": [
      {"role": "roles/owner", "members": ["user:admin@example.com"]},
      {"role": "roles/viewer", "members": ["user:viewer@example.com"]}]}}],
  "principals": {"admin-token": "user:admin@example.com", "viewer-token": "user:viewer@example.com",
                 "app-token": "serviceAccount:app@demo-project.iam.gserviceaccount.com"},
  "secrets": [{"project": "demo-project", "secretId": "seeded", "versions": [{"data": "cHlwaS1zZWVk"}],
    "iamPolicy": {"bindings": [{"role": "roles/secretmanager.secretAccessor",
      "members": ["serviceAccount:app@demo-project.iam.gserviceaccount.com"]}]}}],
  "repositories": [{"project": "demo-project", "location": "us-central1", "repositoryId": "pypi-remote",
    "format": "PYTHON", "mode": "REMOTE_REPOSITORY",
    "remoteRepositoryConfig": {"pythonRepository": {"publicRepository": "PYPI"}}}]
}"#;

#[tokio::test]
async fn missing_or_unknown_token_is_unauthenticated() {
    let emu = Emu::start(common::config()).await;
    let project = format!("/v1/projects/{PROJECT}");
    let (status, err) = emu.call_as(None, "GET", &project, None).await;
    assert_eq!(status, 401);
    assert_eq!(err["error"]["status"], json!("UNAUTHENTICATED"));
    let seeded = Emu::start(common::seeded(SEED)).await;
    let (status, _) = seeded.get_as("who-knows", &project).await;
    assert_eq!(status, 401);
    let (status, _) = seeded.get_as("viewer-token", &project).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn permissions_follow_project_and_secret_policies() {
    let emu = Emu::start(common::seeded(SEED)).await;
    let add = format!("/v1/projects/{PROJECT}/secrets/seeded:addVersion");
    let body = json!({"payload": {"data": "cHlwaS14"}});
    let (status, err) = emu
        .call_as(Some("viewer-token"), "POST", &add, Some(body.clone()))
        .await;
    assert_eq!(status, 403);
    assert_eq!(err["error"]["status"], json!("PERMISSION_DENIED"));
    assert_eq!(
        err["error"]["message"],
        json!(format!("Permission 'secretmanager.versions.add' denied for resource 'projects/{PROJECT}/secrets/seeded' (or it may not exist)."))
    );
    let (status, _) = emu
        .call_as(Some("admin-token"), "POST", &add, Some(body))
        .await;
    assert_eq!(status, 200);

    let access = format!("/v1/projects/{PROJECT}/secrets/seeded/versions/1:access");
    let (status, _) = emu.get_as("viewer-token", &access).await;
    assert_eq!(status, 403, "viewer cannot read secret payloads");
    let (status, payload) = emu.get_as("app-token", &access).await;
    assert_eq!(status, 200, "secret-level accessor grant works");
    assert_eq!(payload["payload"]["data"], json!("cHlwaS1zZWVk"));
    let secret = format!("/v1/projects/{PROJECT}/secrets/seeded");
    let (status, _) = emu.get_as("app-token", &secret).await;
    assert_eq!(status, 403, "accessor cannot read metadata");

    let repo = "/v1/projects/demo-project/locations/us-central1/repositories/pypi-remote";
    let (status, _) = emu.get_as("viewer-token", repo).await;
    assert_eq!(status, 200);
    let (status, err) = emu
        .call_as(
            Some("viewer-token"),
            "PATCH",
            &format!("{repo}?updateMask=description"),
            Some(json!({"description": "x"})),
        )
        .await;
    assert_eq!(status, 403);
    assert!(err["error"]["message"]
        .as_str()
        .unwrap_or("")
        .contains("artifactregistry.repositories.update"));

    let perms = json!({"permissions": ["secretmanager.secrets.get", "secretmanager.versions.add", "secretmanager.secrets.setIamPolicy"]});
    let secret_test = format!("{secret}:testIamPermissions");
    let (status, held) = emu
        .call_as(
            Some("viewer-token"),
            "POST",
            &secret_test,
            Some(perms.clone()),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(held, json!({"permissions": ["secretmanager.secrets.get"]}));
    let (_, held) = emu
        .call_as(
            Some("admin-token"),
            "POST",
            &secret_test,
            Some(perms.clone()),
        )
        .await;
    assert_eq!(held, perms);
    let (_, held) = emu
        .call_as(
            Some("app-token"),
            "POST",
            &format!("/v1/projects/{NUMBER}:testIamPermissions"),
            Some(json!({"permissions": ["resourcemanager.projects.get"]})),
        )
        .await;
    assert_eq!(held, json!({}));
}

#[tokio::test]
async fn fault_rate_one_answers_retryable_errors_without_applying() {
    let mut config = common::config();
    config.fault_rate = 1.0;
    config.fault_seed = 42;
    let emu = Emu::start(config).await;
    for i in 0..12 {
        let (status, err) = emu
            .call(
                "POST",
                &format!("/v1/projects/{PROJECT}/secrets?secretId=s{i}"),
                Some(json!({"replication": {"automatic": {}}})),
            )
            .await;
        assert!(matches!(status, 429 | 500 | 503), "{status}");
        assert!(matches!(
            err["error"]["status"].as_str(),
            Some("RESOURCE_EXHAUSTED" | "INTERNAL" | "UNAVAILABLE")
        ));
    }
    let state = emu.admin("/_emulator/state").await;
    assert_eq!(
        state["secrets"],
        json!([]),
        "faulted requests changed nothing"
    );
    let stats = emu.admin("/_emulator/stats").await;
    assert_eq!(stats["total"], json!(12));
    assert_eq!(stats["byMethod"]["POST"], json!(12));
}

#[tokio::test]
async fn latency_is_added_to_every_api_request() {
    let mut config = common::config();
    config.latency = Duration::from_millis(120);
    let emu = Emu::start(config).await;
    let (status, _) = emu
        .call("GET", &format!("/v1/projects/{PROJECT}"), None)
        .await;
    assert_eq!(status, 200);
    let log = emu.admin("/_emulator/requests").await;
    let entry = &log[0];
    let elapsed =
        entry["end_ms"].as_u64().expect("end") - entry["start_ms"].as_u64().expect("start");
    assert!(elapsed >= 120, "{entry}");
}

#[tokio::test]
async fn quota_limits_each_caller() {
    let mut config = common::config();
    config.quota_rps = Some(2);
    let emu = Emu::start(config).await;
    let mut statuses = Vec::new();
    for _ in 0..10 {
        statuses.push(
            emu.call("GET", &format!("/v1/projects/{PROJECT}"), None)
                .await
                .0,
        );
    }
    assert_eq!(statuses[0], 200);
    assert!(
        statuses.iter().filter(|s| **s == 429).count() >= 6,
        "{statuses:?}"
    );
    // Another caller has its own budget.
    let (status, _) = emu
        .get_as("other-token", &format!("/v1/projects/{PROJECT}"))
        .await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn reset_restores_startup_state_and_clears_log() {
    let emu = Emu::start(common::seeded(SEED)).await;
    let secret = format!("/v1/projects/{PROJECT}/secrets/seeded");
    let (status, _) = emu
        .call_as(Some("admin-token"), "DELETE", &secret, None)
        .await;
    assert_eq!(status, 200);
    let reset = emu
        .http
        .post(format!("{}/_emulator/reset", emu.url))
        .send()
        .await
        .expect("reset");
    assert_eq!(reset.status().as_u16(), 200);
    assert_eq!(emu.admin("/_emulator/requests").await, json!([]));
    let (status, _) = emu.get_as("admin-token", &secret).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn unknown_paths_and_bad_json_are_google_errors() {
    let emu = Emu::start(common::config()).await;
    let (status, err) = emu
        .call("GET", "/v1/projects/demo-project/widgets", None)
        .await;
    assert_eq!(status, 404);
    assert_eq!(err["error"]["code"], json!(404));
    let resp = emu
        .http
        .post(format!(
            "{}/v1/projects/{PROJECT}/secrets?secretId=x",
            emu.url
        ))
        .bearer_auth("t")
        .body("{not json")
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status().as_u16(), 400);
}
