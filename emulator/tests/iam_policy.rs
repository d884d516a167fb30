//! Secret IAM policies: etag-checked read-modify-write under concurrency,
//! conditional bindings, and the missing service agent.

mod common;

use common::{Emu, NUMBER, PROJECT};
use serde_json::{json, Value};
use std::time::Duration;

async fn add_member(emu: &Emu, path: &str, member: String) -> usize {
    let mut aborted = 0;
    let mut backoff = Duration::from_millis(2);
    loop {
        let (status, mut policy) = emu
            .call(
                "GET",
                &format!("{path}:getIamPolicy?options.requestedPolicyVersion=3"),
                None,
            )
            .await;
        assert_eq!(status, 200, "{policy}");
        let bindings = policy
            .as_object_mut()
            .expect("policy object")
            .entry("bindings")
            .or_insert_with(|| json!([]));
        let list = bindings.as_array_mut().expect("bindings");
        match list
            .iter_mut()
            .find(|b| b["role"] == json!("roles/secretmanager.secretAccessor"))
        {
            Some(b) => b["members"]
                .as_array_mut()
                .expect("members")
                .push(json!(member)),
            None => list
                .push(json!({"role": "roles/secretmanager.secretAccessor", "members": [member]})),
        }
        // Yield between read and write so cycles interleave.
        tokio::task::yield_now().await;
        let (status, answer) = emu
            .call(
                "POST",
                &format!("{path}:setIamPolicy"),
                Some(json!({"policy": policy})),
            )
            .await;
        match status {
            200 => return aborted,
            409 => {
                assert_eq!(answer["error"]["status"], json!("ABORTED"));
                aborted += 1;
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_millis(50));
            }
            other => panic!("unexpected {other}: {answer}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn twenty_concurrent_read_modify_writes_lose_nothing() {
    let emu = std::sync::Arc::new(Emu::start(common::config()).await);
    emu.create_secret("shared").await;
    let path = format!("/v1/projects/{PROJECT}/secrets/shared");
    let tasks: Vec<_> = (0..20)
        .map(|i| {
            let emu = emu.clone();
            let path = path.clone();
            tokio::spawn(async move {
                add_member(&emu, &path, format!("user:member{i}@example.com")).await
            })
        })
        .collect();
    let mut aborted = 0;
    for t in tasks {
        aborted += t.await.expect("task");
    }
    let (_, policy) = emu.call("GET", &format!("{path}:getIamPolicy"), None).await;
    let members: Vec<Value> = policy["bindings"][0]["members"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    for i in 0..20 {
        assert!(
            members.contains(&json!(format!("user:member{i}@example.com"))),
            "member{i} lost: {policy}"
        );
    }
    assert_eq!(members.len(), 20);
    // Every ABORTED the writers retried on is in the log, and nothing else failed.
    let log = emu.admin("/_emulator/requests").await;
    let conflicts = log
        .as_array()
        .expect("log")
        .iter()
        .filter(|e| e["status"] == json!(409))
        .count();
    assert_eq!(conflicts, aborted);
}

#[tokio::test]
async fn conditional_bindings_and_versions_are_kept() {
    let emu = Emu::start(common::config()).await;
    emu.create_secret("s").await;
    let path = format!("/v1/projects/{PROJECT}/secrets/s");
    let condition = json!({"expression": "request.time < timestamp(\"2030-01-01T00:00:00Z\")", "title": "until-2030"});
    let (status, set) = emu
        .call("POST", &format!("{path}:setIamPolicy"), Some(json!({"policy": {"version": 3, "bindings": [
            {"role": "roles/secretmanager.secretAccessor", "members": ["user:a@example.com"], "condition": condition}
        ]}})))
        .await;
    assert_eq!(status, 200, "{set}");
    let (status, got) = emu
        .call(
            "GET",
            &format!("{path}:getIamPolicy?options.requestedPolicyVersion=3"),
            None,
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(got["version"], json!(3));
    assert_eq!(got["bindings"][0]["condition"], condition);
    assert_eq!(got["etag"], set["etag"]);
    let (status, _) = emu
        .call(
            "GET",
            &format!("{path}:getIamPolicy?options.requestedPolicyVersion=1"),
            None,
        )
        .await;
    assert_eq!(status, 400);
    let (status, _) = emu
        .call(
            "POST",
            &format!("{path}:setIamPolicy"),
            Some(json!({"policy": {"etag": "BwYAAAAAAAA=", "bindings": []}})),
        )
        .await;
    assert_eq!(status, 409);
}

#[tokio::test]
async fn binding_a_missing_service_agent_is_invalid_until_generated() {
    let emu = Emu::start(common::seeded(&format!(
        r#"{{"projects":[{{"id":"{PROJECT}","number":"{NUMBER}","serviceAgent":false}}]}}"#
    )))
    .await;
    emu.create_secret("s").await;
    let agent = format!("service-{NUMBER}@gcp-sa-artifactregistry.iam.gserviceaccount.com");
    let body = json!({"policy": {"bindings": [{"role": "roles/secretmanager.secretAccessor", "members": [format!("serviceAccount:{agent}")]}]}});
    let path = format!("/v1/projects/{PROJECT}/secrets/s:setIamPolicy");
    let (status, err) = emu.call("POST", &path, Some(body.clone())).await;
    assert_eq!(status, 400);
    assert_eq!(err["error"]["status"], json!("INVALID_ARGUMENT"));
    assert_eq!(
        err["error"]["message"],
        json!(format!("Service account {agent} does not exist."))
    );

    let (status, op) = emu
        .call("POST", &format!("/v1beta1/projects/{PROJECT}/services/artifactregistry.googleapis.com:generateServiceIdentity"), Some(json!({})))
        .await;
    assert_eq!(status, 200);
    assert_eq!(op["done"], json!(true));
    assert_eq!(op["response"]["email"], json!(agent));
    let name = op["name"].as_str().expect("op name");
    let (status, again) = emu.call("GET", &format!("/v1/{name}"), None).await;
    assert_eq!(status, 200);
    assert_eq!(again, op);

    let (status, ok) = emu.call("POST", &path, Some(body)).await;
    assert_eq!(status, 200, "{ok}");
}
