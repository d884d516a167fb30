//! Secret Manager details a provider leans on: version creation times
//! precise and strictly increasing, `versions.list` filters on
//! `create_time` and `state`, the payload CRC32C on `:access`, and the
//! annotation key rule and 16 KiB budget.

mod common;

use common::{Emu, PROJECT};
use serde_json::{json, Value};

fn versions_path(secret: &str) -> String {
    format!("/v1/projects/{PROJECT}/secrets/{secret}/versions")
}

/// Version numbers a filtered list answers, newest first.
async fn listed(emu: &Emu, secret: &str, filter: &str) -> Vec<String> {
    let encoded: String = filter
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect();
    let (status, body) = emu
        .call(
            "GET",
            &format!("{}?filter={encoded}", versions_path(secret)),
            None,
        )
        .await;
    assert_eq!(status, 200, "{filter}: {body}");
    body["versions"]
        .as_array()
        .map(|all| {
            all.iter()
                .map(|v| {
                    let name = v["name"].as_str().expect("name");
                    name.rsplit('/').next().unwrap_or_default().to_string()
                })
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn versions_have_precise_increasing_create_times_and_filter_on_them() {
    let emu = Emu::start(common::config()).await;
    emu.create_secret("s").await;
    let mut created: Vec<Value> = Vec::new();
    for n in 1..=5u8 {
        let (status, version) = emu.add_version("s", &[b'p', n]).await;
        assert_eq!(status, 200, "{version}");
        created.push(version);
    }
    let times: Vec<&str> = created
        .iter()
        .map(|v| v["createTime"].as_str().expect("createTime"))
        .collect();
    for t in &times {
        let fraction = t
            .strip_suffix('Z')
            .and_then(|t| t.rsplit_once('.'))
            .map(|(_, f)| f);
        assert_eq!(fraction.map(str::len), Some(6), "microseconds: {t}");
    }
    // Same width and UTC, so text order is time order.
    assert!(
        times.windows(2).all(|w| w[0] < w[1]),
        "strictly increasing even within one microsecond: {times:?}"
    );

    let after_two = format!("create_time>\"{}\"", times[1]);
    assert_eq!(listed(&emu, "s", &after_two).await, ["5", "4", "3"]);
    let (status, _) = emu
        .call(
            "POST",
            &format!("{}/4:disable", versions_path("s")),
            Some(json!({})),
        )
        .await;
    assert_eq!(status, 200);
    let enabled_after_two = format!("{after_two} AND state:ENABLED");
    assert_eq!(listed(&emu, "s", &enabled_after_two).await, ["5", "3"]);
    assert_eq!(listed(&emu, "s", "state:DISABLED").await, ["4"]);
    let up_to_two = format!("create_time<={}", times[1]);
    assert_eq!(listed(&emu, "s", &up_to_two).await, ["2", "1"]);

    let (status, err) = emu
        .call(
            "GET",
            &format!("{}?filter=create_time%3Eyesterday", versions_path("s")),
            None,
        )
        .await;
    assert_eq!(status, 400, "{err}");
    assert_eq!(err["error"]["status"], json!("INVALID_ARGUMENT"));
}

#[tokio::test]
async fn access_answers_the_payload_crc32c() {
    let emu = Emu::start(common::config()).await;
    emu.create_secret("s").await;
    let token = b"pypi-AgEIcHlwaS5vcmc";
    let (status, _) = emu.add_version("s", token).await;
    assert_eq!(status, 200);
    let (status, access) = emu
        .call("GET", &format!("{}/1:access", versions_path("s")), None)
        .await;
    assert_eq!(status, 200, "{access}");
    assert_eq!(access["payload"]["dataCrc32c"], json!("2776802622"));
}

#[tokio::test]
async fn annotation_keys_and_budget_are_checked_on_create_and_patch() {
    let emu = Emu::start(common::config()).await;
    let create = |id: &str, annotations: Value| {
        let path = format!("/v1/projects/{PROJECT}/secrets?secretId={id}");
        let body = json!({"replication": {"automatic": {}}, "annotations": annotations});
        (path, body)
    };
    let (path, body) = create("ok", json!({"pypi-auth.example.com_owner": "1"}));
    let (status, created) = emu.call("POST", &path, Some(body)).await;
    assert_eq!(status, 200, "{created}");
    for bad_key in ["-leading", "trailing.", "has space", "slash/inside", ""] {
        let (path, body) = create("bad", json!({bad_key: "v"}));
        let (status, err) = emu.call("POST", &path, Some(body)).await;
        assert_eq!(status, 400, "{bad_key:?}: {err}");
        assert_eq!(err["error"]["status"], json!("INVALID_ARGUMENT"));
    }

    // Keys and values together must stay under 16 KiB.
    let patch = format!("/v1/projects/{PROJECT}/secrets/ok?updateMask=annotations");
    let near = json!({"annotations": {"a": "v".repeat(16 * 1024 - 2)}});
    let (status, body) = emu.call("PATCH", &patch, Some(near)).await;
    assert_eq!(status, 200, "one byte under the budget fits: {body}");
    let full = json!({"annotations": {"a": "v".repeat(16 * 1024 - 1)}});
    let (status, err) = emu.call("PATCH", &patch, Some(full)).await;
    assert_eq!(status, 400, "{err}");
    let message = err["error"]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("16KiB") && message.contains("16384"),
        "{message}"
    );
    let (_, secret) = emu
        .call("GET", &format!("/v1/projects/{PROJECT}/secrets/ok"), None)
        .await;
    assert_eq!(
        secret["annotations"]["a"].as_str().map(str::len),
        Some(16 * 1024 - 2),
        "the refused patch changed nothing"
    );
}
