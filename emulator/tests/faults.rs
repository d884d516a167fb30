//! Targeted fault rules: lose, drop, refuse, hold and delay, with their
//! counters, the request log, and what clear and reset do to them.

mod common;

use common::{Emu, NUMBER, PROJECT};
use serde_json::{json, Value};
use std::time::{Duration, Instant};

/// Generous bound for background work to show; never a timing assertion.
const PATIENCE: Duration = Duration::from_secs(30);

const ADD_VERSION: &str = ":addVersion$";

fn add_version_path(secret: &str) -> String {
    format!("/v1/projects/{PROJECT}/secrets/{secret}:addVersion")
}

/// Version numbers of `secret`, from the admin state summary.
async fn versions(emu: &Emu, secret: &str) -> Vec<u64> {
    let state = emu.admin("/_emulator/state").await;
    let name = format!("projects/{NUMBER}/secrets/{secret}");
    state["secrets"]
        .as_array()
        .expect("secrets")
        .iter()
        .find(|s| s["name"] == json!(name))
        .map(|s| {
            s["versions"]
                .as_array()
                .expect("versions")
                .iter()
                .map(|v| v["number"].as_u64().expect("number"))
                .collect()
        })
        .unwrap_or_default()
}

/// The log entries for `:addVersion`.
async fn add_version_log(emu: &Emu) -> Vec<Value> {
    let log = emu.admin("/_emulator/requests").await;
    log.as_array()
        .expect("log")
        .iter()
        .filter(|e| {
            e["path"]
                .as_str()
                .is_some_and(|p| p.ends_with(":addVersion"))
        })
        .cloned()
        .collect()
}

/// Waits until `n` requests are held; panics with the list otherwise.
async fn wait_held(emu: &Emu, n: usize) -> Value {
    let deadline = Instant::now() + PATIENCE;
    loop {
        let held = emu.admin("/_emulator/held").await;
        if held["held"].as_array().is_some_and(|h| h.len() >= n) {
            return held;
        }
        assert!(Instant::now() < deadline, "never {n} held: {held}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test]
async fn lose_applies_then_answers_unavailable() {
    let emu = Emu::start(common::config()).await;
    emu.create_secret("s").await;
    let id = emu
        .add_fault(json!({"method": "POST", "path": ADD_VERSION, "action": "lose"}))
        .await;
    let (status, body) = emu.add_version("s", b"pypi-lost").await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["error"]["status"], json!("UNAVAILABLE"));
    assert_eq!(versions(&emu, "s").await, vec![1], "applied all the same");
    let (status, v2) = emu.add_version("s", b"pypi-next").await;
    assert_eq!(status, 200, "times defaults to 1: {v2}");
    let log = add_version_log(&emu).await;
    assert_eq!(log[0]["status"], json!(503));
    assert_eq!(
        log[0]["fault"],
        json!({"rule": id, "action": "lose", "handler_status": 200})
    );
    assert!(log[1].get("fault").is_none(), "{}", log[1]);
    let listed = emu.admin("/_emulator/faults").await;
    assert_eq!(listed["faults"][0]["hits"], json!(1));
    assert_eq!(listed["faults"][0]["matched"], json!(2));
    let text = emu.admin_text("/_emulator/requests").await;
    assert!(
        !text.contains("cHlwaS1sb3N0"),
        "no payload in the log: {text}"
    );
}

#[tokio::test]
async fn drop_applies_then_closes_without_an_answer() {
    let emu = Emu::start(common::config()).await;
    emu.create_secret("s").await;
    emu.add_fault(json!({"path": ADD_VERSION, "action": "drop"}))
        .await;
    let sent = emu
        .http
        .post(format!("{}{}", emu.url, add_version_path("s")))
        .bearer_auth("owner-token")
        .header("content-type", "application/json")
        .body(json!({"payload": {"data": "cHlwaS1kcm9w"}}).to_string())
        .send()
        .await;
    assert!(sent.is_err(), "no answer expected: {sent:?}");
    assert_eq!(
        versions(&emu, "s").await,
        vec![1],
        "applied before the drop"
    );
    let log = add_version_log(&emu).await;
    assert_eq!(log[0]["status"], json!(0), "{}", log[0]);
    assert_eq!(log[0]["fault"]["action"], json!("drop"));
    assert_eq!(log[0]["fault"]["handler_status"], json!(200));
    // The emulator still serves new connections.
    let (status, _) = emu.add_version("s", b"pypi-after").await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn refuse_answers_the_chosen_error_without_applying() {
    let emu = Emu::start(common::config()).await;
    emu.create_secret("s").await;
    emu.add_fault(json!({"path": ADD_VERSION, "action": "refuse"}))
        .await;
    emu.add_fault(json!({"path": ADD_VERSION, "action": "refuse", "after": 1,
        "status": 409, "code": "ABORTED", "message": "Try again."}))
        .await;
    let (status, body) = emu.add_version("s", b"pypi-one").await;
    assert_eq!(status, 403);
    assert_eq!(
        body["error"],
        json!({"code": 403, "status": "PERMISSION_DENIED", "message": "Injected refusal", "details": []})
    );
    let (status, body) = emu.add_version("s", b"pypi-two").await;
    assert_eq!(status, 409, "the second rule counted the first match too");
    assert_eq!(body["error"]["message"], json!("Try again."));
    assert!(versions(&emu, "s").await.is_empty(), "nothing applied");
    let (status, _) = emu.add_version("s", b"pypi-three").await;
    assert_eq!(status, 200);
    let log = add_version_log(&emu).await;
    let actions: Vec<&Value> = log.iter().map(|e| &e["fault"]["action"]).collect();
    assert_eq!(actions, [&json!("refuse"), &json!("refuse"), &Value::Null]);
}

#[tokio::test]
async fn held_request_is_applied_on_release_after_its_client_left() {
    let emu = Emu::start(common::config()).await;
    emu.create_secret("s").await;
    emu.add_fault(json!({"method": "POST", "path": ADD_VERSION, "action": "hold"}))
        .await;
    let request = emu
        .http
        .post(format!("{}{}", emu.url, add_version_path("s")))
        .bearer_auth("owner-token")
        .body(json!({"payload": {"data": "cHlwaS1oZWxk"}}).to_string())
        .send();
    let client = tokio::spawn(request);
    let held = wait_held(&emu, 1).await;
    assert_eq!(
        held["held"][0]["path"],
        json!(add_version_path("s")),
        "{held}"
    );
    assert_eq!(held["held"][0]["method"], json!("POST"));
    assert!(
        versions(&emu, "s").await.is_empty(),
        "not applied while held"
    );
    // The client goes away (as a killed provider does), then the request is let go.
    client.abort();
    let _ = client.await;
    let (status, released) = emu
        .admin_call(
            "POST",
            "/_emulator/held/release",
            Some(json!({"discard": false})),
        )
        .await;
    assert_eq!((status, released), (200, json!({"released": 1})));
    let deadline = Instant::now() + PATIENCE;
    while versions(&emu, "s").await.is_empty() {
        assert!(
            Instant::now() < deadline,
            "the released request was never applied"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let log = add_version_log(&emu).await;
    assert_eq!(log[0]["status"], json!(200));
    assert_eq!(log[0]["fault"]["action"], json!("hold"));
    assert_eq!(emu.admin("/_emulator/held").await, json!({"held": []}));
}

#[tokio::test]
async fn discarded_hold_answers_unavailable_unapplied() {
    let emu = Emu::start(common::config()).await;
    emu.create_secret("s").await;
    emu.add_fault(json!({"path": ADD_VERSION, "action": "hold"}))
        .await;
    let emu_url = emu.url.clone();
    let client = tokio::spawn(async move {
        common::http_client()
            .post(format!("{emu_url}{}", add_version_path("s")))
            .bearer_auth("owner-token")
            .body(json!({"payload": {"data": "cHlwaS1ubw=="}}).to_string())
            .send()
            .await
            .expect("answered")
            .status()
            .as_u16()
    });
    wait_held(&emu, 1).await;
    let (status, _) = emu
        .admin_call(
            "POST",
            "/_emulator/held/release",
            Some(json!({"discard": true})),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(client.await.expect("client"), 503);
    assert!(versions(&emu, "s").await.is_empty());
    let log = add_version_log(&emu).await;
    assert_eq!(log[0]["fault"]["action"], json!("hold-discarded"));
}

#[tokio::test]
async fn clearing_rules_releases_held_requests_and_reset_clears_rules() {
    let emu = Emu::start(common::config()).await;
    emu.create_secret("s").await;
    emu.add_fault(json!({"path": ADD_VERSION, "action": "hold", "times": 0}))
        .await;
    let url = emu.url.clone();
    let client = tokio::spawn(async move {
        common::http_client()
            .post(format!("{url}{}", add_version_path("s")))
            .bearer_auth("owner-token")
            .body(json!({"payload": {"data": "cHlwaS1jbGVhcg=="}}).to_string())
            .send()
            .await
            .expect("answered")
            .status()
            .as_u16()
    });
    wait_held(&emu, 1).await;
    let (status, cleared) = emu.admin_call("DELETE", "/_emulator/faults", None).await;
    assert_eq!((status, cleared), (200, json!({"released": 1})));
    assert_eq!(client.await.expect("client"), 200, "released, applied");
    assert_eq!(emu.admin("/_emulator/faults").await, json!({"faults": []}));

    emu.add_fault(json!({"action": "refuse", "times": 0})).await;
    let (status, _) = emu.admin_call("POST", "/_emulator/reset", None).await;
    assert_eq!(status, 200);
    assert_eq!(emu.admin("/_emulator/faults").await, json!({"faults": []}));
    emu.create_secret("after-reset").await;
}

#[tokio::test]
async fn delay_handles_normally_and_is_logged() {
    let emu = Emu::start(common::config()).await;
    emu.add_fault(
        json!({"method": "GET", "path": "^/v1/projects/[^/]+$", "action": "delay", "delay_ms": 20}),
    )
    .await;
    let (status, project) = emu
        .call("GET", &format!("/v1/projects/{PROJECT}"), None)
        .await;
    assert_eq!(status, 200);
    assert_eq!(project["projectNumber"], json!(NUMBER));
    let log = emu.admin("/_emulator/requests").await;
    assert_eq!(log[0]["fault"]["action"], json!("delay"));
}

#[tokio::test]
async fn malformed_rules_are_refused() {
    let emu = Emu::start(common::config()).await;
    for rule in [
        json!({"action": "vanish"}),
        json!({"action": "lose", "path": "[unclosed"}),
        json!({"action": "refuse", "status": 302}),
    ] {
        let (status, body) = emu
            .admin_call("POST", "/_emulator/faults", Some(rule.clone()))
            .await;
        assert_eq!(status, 400, "{rule}: {body}");
        assert_eq!(body["error"]["status"], json!("INVALID_ARGUMENT"));
    }
    let (status, _) = emu
        .admin_call(
            "POST",
            "/_emulator/held/release",
            Some(json!({"discard": "yes"})),
        )
        .await;
    assert_eq!(status, 400);
}
