//! Artifact Registry's upstream check under the world's behaviour
//! settings: IAM changes that take time to reach it, and tokens the
//! upstream rejects.

mod common;

use common::{Emu, NUMBER, PROJECT};
use serde_json::{json, Value};

const REPO: &str = "/v1/projects/demo-project/locations/us-central1/repositories/pypi-remote";
const TOKEN: &[u8] = b"pypi-AgEIcHlwaS5vcmc";
/// CRC32C of [`TOKEN`] (see the Google API facts sheet).
const TOKEN_CRC32C: u32 = 2_776_802_622;
/// Far longer than any test runs: "not yet propagated" for the whole test.
const FOREVER_MS: u64 = 3_600_000;

fn agent() -> String {
    format!("serviceAccount:service-{NUMBER}@gcp-sa-artifactregistry.iam.gserviceaccount.com")
}

/// A remote PyPI repository and secret `pypi-token` with one ENABLED
/// version holding [`TOKEN`]; the service agent holds nothing yet.
async fn setup(iam_propagation_ms: u64) -> Emu {
    let mut config = common::config();
    config.iam_propagation_ms = iam_propagation_ms;
    let emu = Emu::start(config).await;
    let (status, op) = emu
        .call(
            "POST",
            &format!("/v1/projects/{PROJECT}/locations/us-central1/repositories?repositoryId=pypi-remote"),
            Some(json!({"format": "PYTHON", "mode": "REMOTE_REPOSITORY",
                "remoteRepositoryConfig": {"pythonRepository": {"publicRepository": "PYPI"}}})),
        )
        .await;
    assert_eq!(status, 200, "{op}");
    emu.create_secret("pypi-token").await;
    let (status, _) = emu.add_version("pypi-token", TOKEN).await;
    assert_eq!(status, 200);
    emu
}

/// Sets the secret's accessor binding to `members`.
async fn set_accessors(emu: &Emu, members: &[String]) {
    let bindings = if members.is_empty() {
        json!([])
    } else {
        json!([{"role": "roles/secretmanager.secretAccessor", "members": members}])
    };
    let (status, body) = emu
        .call(
            "POST",
            &format!("/v1/projects/{PROJECT}/secrets/pypi-token:setIamPolicy"),
            Some(json!({"policy": {"bindings": bindings}})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
}

/// Points the repository at version 1 of the secret.
async fn set_credentials(emu: &Emu) -> (u16, Value) {
    emu.call(
        "PATCH",
        &format!("{REPO}?updateMask=remoteRepositoryConfig.upstreamCredentials"),
        Some(json!({"remoteRepositoryConfig": {"upstreamCredentials": {"usernamePasswordCredentials": {
            "username": "__token__",
            "passwordSecretVersion": format!("projects/{PROJECT}/secrets/pypi-token/versions/1")}}}})),
    )
    .await
}

/// Removes the repository's credentials (no upstream check runs).
async fn clear_credentials(emu: &Emu) {
    let (status, body) = emu
        .call(
            "PATCH",
            &format!("{REPO}?updateMask=remoteRepositoryConfig.upstreamCredentials"),
            Some(json!({"remoteRepositoryConfig": {"upstreamCredentials": {}}})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
}

async fn settings(emu: &Emu, body: Value) -> Value {
    let (status, answer) = emu
        .admin_call("POST", "/_emulator/settings", Some(body))
        .await;
    assert_eq!(status, 200, "{answer}");
    answer
}

fn assert_upstream_refusal(status: u16, body: &Value, code: &str) {
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"]["status"], json!(code), "{body}");
    let message = body["error"]["message"].as_str().unwrap_or_default();
    assert!(
        message.starts_with("Failed to validate remote upstream:"),
        "{message}"
    );
}

#[tokio::test]
async fn a_new_grant_reads_back_at_once_but_reaches_the_upstream_check_late() {
    let emu = setup(FOREVER_MS).await;
    set_accessors(&emu, &[agent()]).await;
    let (status, policy) = emu
        .call(
            "GET",
            &format!("/v1/projects/{PROJECT}/secrets/pypi-token:getIamPolicy"),
            None,
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        policy["bindings"][0]["members"],
        json!([agent()]),
        "read-your-writes"
    );
    let (status, body) = set_credentials(&emu).await;
    assert_upstream_refusal(status, &body, "FAILED_PRECONDITION");
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("secretmanager.versions.access")),
        "{body}"
    );
    // Once propagated (here: the delay set to 0 at run time), the same update passes.
    let shown = settings(&emu, json!({"iam_propagation_ms": 0})).await;
    assert_eq!(shown["iam_propagation_ms"], json!(0));
    let (status, body) = set_credentials(&emu).await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn a_revoked_grant_still_reaches_the_upstream_check_until_propagated() {
    // A seeded grant has always been there: visible whatever the delay.
    let seed = json!({
        "projects": [{"id": PROJECT, "number": NUMBER}],
        "repositories": [{"project": PROJECT, "location": "us-central1", "repositoryId": "pypi-remote",
            "format": "PYTHON", "mode": "REMOTE_REPOSITORY",
            "remoteRepositoryConfig": {"pythonRepository": {"publicRepository": "PYPI"}}}],
        "secrets": [{"project": PROJECT, "secretId": "pypi-token",
            "versions": [{"data": "cHlwaS1BZ0VJY0hsd2FTNXZjbWM="}],
            "iamPolicy": {"bindings": [
                {"role": "roles/secretmanager.secretAccessor", "members": [agent()]}]}}]
    });
    let mut config = common::seeded(&seed.to_string());
    config.iam_propagation_ms = FOREVER_MS;
    let emu = Emu::start(config).await;
    set_accessors(&emu, &[]).await;
    let (status, body) = set_credentials(&emu).await;
    assert_eq!(status, 200, "the check sees the policy from before: {body}");
    // The delay applies to every write, earlier ones too: 0 shows them all.
    settings(&emu, json!({"iam_propagation_ms": 0})).await;
    clear_credentials(&emu).await;
    let (status, body) = set_credentials(&emu).await;
    assert_upstream_refusal(status, &body, "FAILED_PRECONDITION");
}

#[tokio::test]
async fn project_grants_propagate_too_and_reset_restores_the_flag() {
    let emu = setup(FOREVER_MS).await;
    let (status, body) = emu
        .call(
            "POST",
            &format!("/v1/projects/{PROJECT}:setIamPolicy"),
            Some(json!({"policy": {"bindings": [
                {"role": "roles/secretmanager.secretAccessor", "members": [agent()]}]}})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = set_credentials(&emu).await;
    assert_upstream_refusal(status, &body, "FAILED_PRECONDITION");

    settings(&emu, json!({"iam_propagation_ms": 0})).await;
    let (status, _) = emu.admin_call("POST", "/_emulator/reset", None).await;
    assert_eq!(status, 200);
    let shown = emu.admin("/_emulator/settings").await;
    assert_eq!(
        shown,
        json!({"iam_propagation_ms": FOREVER_MS, "rejected_tokens_crc32c": []})
    );
}

#[tokio::test]
async fn a_token_the_upstream_rejects_is_invalid_argument() {
    let emu = setup(0).await;
    set_accessors(&emu, &[agent()]).await;
    let shown = settings(&emu, json!({"rejected_tokens_crc32c": [TOKEN_CRC32C]})).await;
    assert_eq!(shown["rejected_tokens_crc32c"], json!([TOKEN_CRC32C]));
    let (status, body) = set_credentials(&emu).await;
    assert_upstream_refusal(status, &body, "INVALID_ARGUMENT");
    let message = body["error"]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("failed to fetch bearer token"),
        "{message}"
    );
    assert!(
        message.contains("this typically means your upstream credentials are invalid"),
        "{message}"
    );
    let (_, repo) = emu.call("GET", REPO, None).await;
    assert!(
        repo["remoteRepositoryConfig"]
            .get("upstreamCredentials")
            .is_none(),
        "refused, not applied: {repo}"
    );
    // The check is skipped on request, as Google allows.
    let (status, body) = emu
        .call(
            "PATCH",
            &format!("{REPO}?updateMask=remoteRepositoryConfig.upstreamCredentials"),
            Some(json!({"remoteRepositoryConfig": {"disableUpstreamValidation": true,
                "upstreamCredentials": {"usernamePasswordCredentials": {"username": "__token__",
                "passwordSecretVersion": format!("projects/{PROJECT}/secrets/pypi-token/versions/1")}}}})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    clear_credentials(&emu).await;
    settings(&emu, json!({"rejected_tokens_crc32c": []})).await;
    let (status, body) = set_credentials(&emu).await;
    assert_eq!(status, 200, "{body}");
    for admin in ["/_emulator/settings", "/_emulator/requests"] {
        let text = emu.admin_text(admin).await;
        assert!(
            !text.contains("pypi-AgE"),
            "{admin} holds the token: {text}"
        );
    }
}

#[tokio::test]
async fn unknown_settings_are_refused() {
    let emu = setup(0).await;
    let (status, body) = emu
        .admin_call(
            "POST",
            "/_emulator/settings",
            Some(json!({"rejected_tokens": ["pypi-x"]})),
        )
        .await;
    assert_eq!(status, 400, "{body}");
}
