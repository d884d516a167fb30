//! Secret Manager behaviour: ids, names with project numbers, versions,
//! the state machine, CRC32C checks and payload privacy.

mod common;

use common::{Emu, NUMBER, PROJECT};
use serde_json::json;

#[tokio::test]
async fn create_answers_number_and_rejects_duplicates_and_bad_ids() {
    let emu = Emu::start(common::config()).await;
    emu.create_secret("pypi-token").await;
    let (status, body) = emu
        .call(
            "GET",
            &format!("/v1/projects/{NUMBER}/secrets/pypi-token"),
            None,
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        body["name"],
        json!(format!("projects/{NUMBER}/secrets/pypi-token"))
    );
    assert_eq!(body["replication"], json!({"automatic": {}}));
    let (status, body) = emu
        .call(
            "POST",
            &format!("/v1/projects/{PROJECT}/secrets?secretId=pypi-token"),
            Some(json!({"replication": {"automatic": {}}})),
        )
        .await;
    assert_eq!(status, 409);
    assert_eq!(body["error"]["status"], json!("ALREADY_EXISTS"));
    assert_eq!(
        body["error"]["message"],
        json!(format!(
            "Secret [projects/{NUMBER}/secrets/pypi-token] already exists."
        ))
    );
    let (status, body) = emu
        .call(
            "POST",
            &format!("/v1/projects/{PROJECT}/secrets?secretId=bad.id"),
            Some(json!({})),
        )
        .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"]["status"], json!("INVALID_ARGUMENT"));
    let (status, _) = emu
        .call(
            "POST",
            &format!("/v1/projects/{PROJECT}/secrets?secretId=x"),
            Some(json!({"bogusField": 1})),
        )
        .await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn version_state_machine() {
    let emu = Emu::start(common::config()).await;
    emu.create_secret("s").await;
    let (status, v1) = emu.add_version("s", b"pypi-one").await;
    assert_eq!(status, 200, "{v1}");
    assert_eq!(
        v1["name"],
        json!(format!("projects/{NUMBER}/secrets/s/versions/1"))
    );
    assert_eq!(v1["state"], json!("ENABLED"));
    let (_, v2) = emu.add_version("s", b"pypi-two").await;
    assert_eq!(
        v2["name"],
        json!(format!("projects/{NUMBER}/secrets/s/versions/2"))
    );

    let base = format!("/v1/projects/{PROJECT}/secrets/s/versions");
    let (_, latest) = emu.call("GET", &format!("{base}/latest"), None).await;
    assert_eq!(latest["name"], v2["name"]);
    let (status, access) = emu.call("GET", &format!("{base}/1:access"), None).await;
    assert_eq!(status, 200);
    assert_eq!(access["payload"]["data"], json!("cHlwaS1vbmU="));
    assert_eq!(
        access["payload"]["dataCrc32c"],
        json!(crc32c::crc32c(b"pypi-one").to_string())
    );

    let (status, disabled) = emu
        .call("POST", &format!("{base}/1:disable"), Some(json!({})))
        .await;
    assert_eq!(status, 200);
    assert_eq!(disabled["state"], json!("DISABLED"));
    let (status, err) = emu.call("GET", &format!("{base}/1:access"), None).await;
    assert_eq!(status, 400);
    assert_eq!(err["error"]["status"], json!("FAILED_PRECONDITION"));
    assert_eq!(
        err["error"]["message"],
        json!(format!(
            "Secret Version [projects/{NUMBER}/secrets/s/versions/1] is in DISABLED state."
        ))
    );
    let (_, enabled) = emu
        .call("POST", &format!("{base}/1:enable"), Some(json!({})))
        .await;
    assert_eq!(enabled["state"], json!("ENABLED"));

    // A stale version etag is refused as Secret Manager does, and a current one accepted.
    for op in ["disable", "destroy", "enable"] {
        let (status, err) = emu
            .call(
                "POST",
                &format!("{base}/1:{op}"),
                Some(json!({"etag": "\"stale\""})),
            )
            .await;
        assert_eq!(status, 400, "{op}: {err}");
        assert_eq!(err["error"]["status"], json!("FAILED_PRECONDITION"));
    }
    let (status, disabled) = emu
        .call(
            "POST",
            &format!("{base}/1:disable"),
            Some(json!({"etag": enabled["etag"]})),
        )
        .await;
    assert_eq!(status, 200, "{disabled}");
    assert_eq!(disabled["state"], json!("DISABLED"));

    let (_, destroyed) = emu
        .call("POST", &format!("{base}/1:destroy"), Some(json!({})))
        .await;
    assert_eq!(destroyed["state"], json!("DESTROYED"));
    assert!(destroyed["destroyTime"].is_string());
    for op in ["enable", "disable", "destroy"] {
        let (status, err) = emu
            .call("POST", &format!("{base}/1:{op}"), Some(json!({})))
            .await;
        assert_eq!(status, 400, "{op}");
        assert_eq!(err["error"]["status"], json!("FAILED_PRECONDITION"), "{op}");
    }
    let (status, _) = emu.call("GET", &format!("{base}/1:access"), None).await;
    assert_eq!(status, 400);

    let (_, list) = emu.call("GET", &base, None).await;
    let names: Vec<_> = list["versions"]
        .as_array()
        .expect("versions")
        .iter()
        .map(|v| v["name"].clone())
        .collect();
    assert_eq!(names, vec![v2["name"].clone(), v1["name"].clone()]);
    let (_, enabled_only) = emu
        .call("GET", &format!("{base}?filter=state:ENABLED"), None)
        .await;
    assert_eq!(enabled_only["versions"].as_array().map(Vec::len), Some(1));

    let (status, err) = emu.call("GET", &format!("{base}/9"), None).await;
    assert_eq!(status, 404, "{err}");
}

#[tokio::test]
async fn latest_of_empty_secret_is_not_found() {
    let emu = Emu::start(common::config()).await;
    emu.create_secret("empty").await;
    let (status, err) = emu
        .call(
            "GET",
            &format!("/v1/projects/{PROJECT}/secrets/empty/versions/latest:access"),
            None,
        )
        .await;
    assert_eq!(status, 404);
    assert_eq!(
        err["error"]["message"],
        json!(format!(
            "Secret [projects/{NUMBER}/secrets/empty] not found or has no versions."
        ))
    );
}

#[tokio::test]
async fn crc32c_mismatch_and_oversized_payloads_are_refused() {
    let emu = Emu::start(common::config()).await;
    emu.create_secret("s").await;
    let path = format!("/v1/projects/{PROJECT}/secrets/s:addVersion");
    let (status, err) = emu
        .call(
            "POST",
            &path,
            Some(json!({"payload": {"data": "cHlwaS1BZ0VJY0hsd2FTNXZjbWM=", "dataCrc32c": "1"}})),
        )
        .await;
    assert_eq!(status, 400);
    assert_eq!(err["error"]["status"], json!("INVALID_ARGUMENT"));
    let (status, ok) = emu
        .call("POST", &path, Some(json!({"payload": {"data": "cHlwaS1BZ0VJY0hsd2FTNXZjbWM=", "dataCrc32c": "2776802622"}})))
        .await;
    assert_eq!(status, 200, "{ok}");
    assert_eq!(ok["clientSpecifiedPayloadChecksum"], json!(true));
    let (status, _) = emu.add_version("s", &vec![b'x'; 64 * 1024 + 1]).await;
    assert_eq!(status, 400);
    let (status, _) = emu.add_version("s", &vec![b'x'; 64 * 1024]).await;
    assert_eq!(status, 200);
    let state = emu.admin("/_emulator/state").await;
    assert_eq!(
        state["secrets"][0]["versions"].as_array().map(Vec::len),
        Some(2)
    );
}

#[tokio::test]
async fn request_log_never_contains_payload_or_token() {
    let emu = Emu::start(common::config()).await;
    emu.create_secret("s").await;
    let (status, _) = emu.add_version("s", b"pypi-SECRET").await;
    assert_eq!(status, 200);
    let (status, _) = emu
        .call(
            "GET",
            &format!("/v1/projects/{PROJECT}/secrets/s/versions/1:access"),
            None,
        )
        .await;
    assert_eq!(status, 200);
    let log = emu.admin_text("/_emulator/requests").await;
    assert!(log.contains(":addVersion"), "{log}");
    assert!(!log.contains("pypi-SECRET"), "{log}");
    assert!(!log.contains("cHlwaS1TRUNSRVQ"), "{log}");
    assert!(!log.contains("owner-token"), "{log}");
}

#[tokio::test]
async fn patch_labels_with_etag_and_replication_is_immutable() {
    let emu = Emu::start(common::config()).await;
    emu.create_secret("s").await;
    let path = format!("/v1/projects/{PROJECT}/secrets/s");
    let (_, secret) = emu.call("GET", &path, None).await;
    let (status, patched) = emu
        .call(
            "PATCH",
            &format!("{path}?updateMask=labels"),
            Some(json!({"labels": {"team": "platform"}, "etag": secret["etag"]})),
        )
        .await;
    assert_eq!(status, 200, "{patched}");
    assert_eq!(patched["labels"], json!({"team": "platform"}));
    assert_ne!(patched["etag"], secret["etag"]);
    let (status, err) = emu
        .call(
            "PATCH",
            &format!("{path}?updateMask=labels"),
            Some(json!({"labels": {}, "etag": secret["etag"]})),
        )
        .await;
    assert_eq!(status, 400, "{err}");
    assert_eq!(err["error"]["status"], json!("FAILED_PRECONDITION"));
    let (status, _) = emu
        .call(
            "PATCH",
            &format!("{path}?updateMask=replication"),
            Some(json!({"replication": {"userManaged": {"replicas": [{"location": "us-east1"}]}}})),
        )
        .await;
    assert_eq!(status, 400);
    // DELETE honours `?etag=`: a stale one keeps the secret.
    let stale = "%22stale%22";
    let (status, err) = emu
        .call("DELETE", &format!("{path}?etag={stale}"), None)
        .await;
    assert_eq!(status, 400, "{err}");
    assert_eq!(err["error"]["status"], json!("FAILED_PRECONDITION"));
    let (status, current) = emu.call("GET", &path, None).await;
    assert_eq!(status, 200, "still there");
    let etag = current["etag"].as_str().expect("etag").replace('"', "%22");
    let (status, _) = emu
        .call("DELETE", &format!("{path}?etag={etag}"), None)
        .await;
    assert_eq!(status, 200);
    let (status, _) = emu.call("GET", &path, None).await;
    assert_eq!(status, 404);
}
