//! Artifact Registry: create/get/patch/delete, update-mask variants the
//! real clients send, immutable fields and the upstream credentials check.

mod common;

use common::{Emu, NUMBER, PROJECT};
use serde_json::{json, Value};

const REPO: &str = "/v1/projects/demo-project/locations/us-central1/repositories/pypi-remote";

/// A project with a remote PyPI repository and an ENABLED secret version
/// the service agent may read (when `grant`).
async fn setup(grant: bool) -> Emu {
    let emu = Emu::start(common::config()).await;
    let (status, op) = emu
        .call(
            "POST",
            &format!("/v1/projects/{PROJECT}/locations/us-central1/repositories?repositoryId=pypi-remote&%24alt=json%3Benum-encoding%3Dint"),
            Some(json!({"format": 8, "mode": 3, "description": "PyPI",
                "remoteRepositoryConfig": {"description": "upstream", "pythonRepository": {"publicRepository": 1}}})),
        )
        .await;
    assert_eq!(status, 200, "{op}");
    assert_eq!(op["done"], json!(true));
    assert_eq!(op["response"]["format"], json!("PYTHON"));
    let (status, fetched) = emu
        .call(
            "GET",
            &format!("/v1/{}", op["name"].as_str().expect("name")),
            None,
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(fetched, op);
    emu.create_secret("pypi-token").await;
    let (status, _) = emu.add_version("pypi-token", b"pypi-token-value").await;
    assert_eq!(status, 200);
    if grant {
        let agent = format!(
            "serviceAccount:service-{NUMBER}@gcp-sa-artifactregistry.iam.gserviceaccount.com"
        );
        let (status, body) = emu
            .call(
                "POST",
                &format!("/v1/projects/{PROJECT}/secrets/pypi-token:setIamPolicy"),
                Some(json!({"policy": {"bindings": [
                {"role": "roles/secretmanager.secretAccessor", "members": [agent]}]}})),
            )
            .await;
        assert_eq!(status, 200, "{body}");
    }
    emu
}

fn creds_body(version: &str) -> Value {
    json!({"remoteRepositoryConfig": {"upstreamCredentials": {"usernamePasswordCredentials": {
        "username": "__token__", "passwordSecretVersion": version}}}})
}

fn version(n: u32) -> String {
    format!("projects/{PROJECT}/secrets/pypi-token/versions/{n}")
}

async fn current_creds(emu: &Emu) -> Value {
    let (status, repo) = emu.call("GET", REPO, None).await;
    assert_eq!(status, 200);
    repo["remoteRepositoryConfig"]["upstreamCredentials"]["usernamePasswordCredentials"].clone()
}

#[tokio::test]
async fn every_update_mask_form_sets_and_clears_credentials() {
    let emu = setup(true).await;
    let leaf = "remoteRepositoryConfig.upstreamCredentials.usernamePasswordCredentials.username,remoteRepositoryConfig.upstreamCredentials.usernamePasswordCredentials.passwordSecretVersion";
    let snake = "remote_repository_config.upstream_credentials.username_password_credentials.username,remote_repository_config.upstream_credentials.username_password_credentials.password_secret_version";
    for mask in [
        leaf,
        snake,
        "remoteRepositoryConfig.upstreamCredentials",
        "remote_repository_config.upstream_credentials.username_password_credentials",
    ] {
        let (status, repo) = emu
            .call(
                "PATCH",
                &format!("{REPO}?updateMask={mask}"),
                Some(creds_body(&version(1))),
            )
            .await;
        assert_eq!(status, 200, "{mask}: {repo}");
        assert_eq!(
            repo["name"],
            json!(REPO.trim_start_matches("/v1/")),
            "patch answers the Repository"
        );
        assert_eq!(
            current_creds(&emu).await["passwordSecretVersion"],
            json!(version(1)),
            "{mask}"
        );
        assert_eq!(
            repo["remoteRepositoryConfig"]["description"],
            json!("upstream"),
            "{mask}"
        );
        // Clear again through the parent path with empty credentials.
        let (status, _) = emu
            .call(
                "PATCH",
                &format!("{REPO}?updateMask=remoteRepositoryConfig.upstreamCredentials"),
                Some(json!({"remoteRepositoryConfig": {"upstreamCredentials": {}}})),
            )
            .await;
        assert_eq!(status, 200);
        assert_eq!(current_creds(&emu).await, Value::Null, "{mask}");
    }
    // gcloud: GET, then PATCH the whole remoteRepositoryConfig with the
    // GET answer (output-only fields included) as the body.
    let (_, mut repo) = emu.call("GET", REPO, None).await;
    repo["remoteRepositoryConfig"]["upstreamCredentials"] =
        creds_body(&version(1))["remoteRepositoryConfig"]["upstreamCredentials"].clone();
    let (status, answer) = emu
        .call(
            "PATCH",
            &format!("{REPO}?alt=json&updateMask=remoteRepositoryConfig"),
            Some(repo),
        )
        .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(current_creds(&emu).await["username"], json!("__token__"));
    assert_eq!(
        answer["remoteRepositoryConfig"]["pythonRepository"]["publicRepository"],
        json!("PYPI")
    );
    assert!(answer["remoteRepositoryConfig"]
        .get("disableUpstreamValidation")
        .is_none());
}

#[tokio::test]
async fn immutable_fields_are_invalid_argument() {
    let emu = setup(true).await;
    for (mask, body) in [
        ("format", json!({"format": "DOCKER"})),
        ("mode", json!({"mode": "STANDARD_REPOSITORY"})),
        (
            "remoteRepositoryConfig",
            json!({"remoteRepositoryConfig": {"commonRepository": {"uri": "https://example.com/simple"}}}),
        ),
        (
            "remoteRepositoryConfig.pythonRepository",
            json!({"remoteRepositoryConfig": {"pythonRepository": {"publicRepository": "PYPI"}}}),
        ),
    ] {
        let (status, err) = emu
            .call("PATCH", &format!("{REPO}?updateMask={mask}"), Some(body))
            .await;
        assert_eq!(status, 400, "{mask}: {err}");
        assert_eq!(err["error"]["status"], json!("INVALID_ARGUMENT"), "{mask}");
    }
    let (status, repo) = emu
        .call(
            "PATCH",
            &format!("{REPO}?updateMask=description,labels"),
            Some(json!({"description": "new", "labels": {"a": "b"}})),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(repo["description"], json!("new"));
    assert_eq!(repo["format"], json!("PYTHON"));
}

#[tokio::test]
async fn upstream_check_requires_enabled_accessible_version() {
    let emu = setup(false).await;
    let leaf = "remoteRepositoryConfig.upstreamCredentials.usernamePasswordCredentials.passwordSecretVersion,remoteRepositoryConfig.upstreamCredentials.usernamePasswordCredentials.username";
    // The agent cannot access the secret yet.
    let (status, err) = emu
        .call(
            "PATCH",
            &format!("{REPO}?updateMask={leaf}"),
            Some(creds_body(&version(1))),
        )
        .await;
    assert_eq!(status, 400);
    assert_eq!(err["error"]["status"], json!("FAILED_PRECONDITION"));
    assert!(
        err["error"]["message"]
            .as_str()
            .unwrap_or("")
            .contains("secretmanager.versions.access"),
        "{err}"
    );
    assert_eq!(
        current_creds(&emu).await,
        Value::Null,
        "refused patch changed nothing"
    );
    // disableUpstreamValidation skips the check and is never returned.
    let mut body = creds_body(&version(1));
    body["remoteRepositoryConfig"]["disableUpstreamValidation"] = json!(true);
    let (status, repo) = emu
        .call("PATCH", &format!("{REPO}?updateMask={leaf}"), Some(body))
        .await;
    assert_eq!(status, 200, "{repo}");
    assert!(repo["remoteRepositoryConfig"]
        .get("disableUpstreamValidation")
        .is_none());

    // Granting on the project works too.
    let agent =
        format!("serviceAccount:service-{NUMBER}@gcp-sa-artifactregistry.iam.gserviceaccount.com");
    let (status, _) = emu
        .call(
            "POST",
            &format!("/v1/projects/{PROJECT}:setIamPolicy"),
            Some(json!({"policy": {"bindings": [
            {"role": "roles/secretmanager.secretAccessor", "members": [agent]}]}})),
        )
        .await;
    assert_eq!(status, 200);
    let (status, _) = emu.add_version("pypi-token", b"second").await;
    assert_eq!(status, 200);
    let (status, repo) = emu
        .call(
            "PATCH",
            &format!("{REPO}?updateMask={leaf}"),
            Some(creds_body(&version(2))),
        )
        .await;
    assert_eq!(status, 200, "{repo}");

    // A disabled or missing version fails the check.
    let (status, _) = emu
        .call(
            "POST",
            &format!("/v1/{}:disable", version(1)),
            Some(json!({})),
        )
        .await;
    assert_eq!(status, 200);
    for (v, word) in [(version(1), "DISABLED"), (version(7), "does not exist")] {
        let (status, err) = emu
            .call(
                "PATCH",
                &format!("{REPO}?updateMask={leaf}"),
                Some(creds_body(&v)),
            )
            .await;
        assert_eq!(status, 400, "{v}");
        assert_eq!(err["error"]["status"], json!("FAILED_PRECONDITION"));
        assert!(
            err["error"]["message"]
                .as_str()
                .unwrap_or("")
                .contains(word),
            "{err}"
        );
    }
}

#[tokio::test]
async fn missing_repository_and_delete() {
    let emu = setup(true).await;
    let (status, err) = emu
        .call(
            "GET",
            "/v1/projects/demo-project/locations/us-central1/repositories/nope",
            None,
        )
        .await;
    assert_eq!(status, 404);
    assert_eq!(err["error"]["status"], json!("NOT_FOUND"));
    let (status, list) = emu
        .call(
            "GET",
            "/v1/projects/demo-project/locations/us-central1/repositories",
            None,
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(list["repositories"].as_array().map(Vec::len), Some(1));
    let (status, op) = emu.call("DELETE", REPO, None).await;
    assert_eq!(status, 200);
    assert_eq!(op["done"], json!(true));
    let (status, _) = emu.call("GET", REPO, None).await;
    assert_eq!(status, 404);
    let (status, _) = emu
        .call(
            "GET",
            "/v1/projects/unknown-project/locations/us-central1/repositories/x",
            None,
        )
        .await;
    assert_eq!(status, 403);
}

#[tokio::test]
async fn resource_manager_answers_v1_and_v3() {
    let emu = Emu::start(common::config()).await;
    let (status, v1) = emu
        .call("GET", &format!("/v1/projects/{PROJECT}"), None)
        .await;
    assert_eq!(status, 200);
    assert_eq!(v1["projectNumber"], json!(NUMBER));
    assert_eq!(v1["lifecycleState"], json!("ACTIVE"));
    let (status, v3) = emu
        .call("GET", &format!("/v3/projects/{NUMBER}"), None)
        .await;
    assert_eq!(status, 200);
    assert_eq!(v3["name"], json!(format!("projects/{NUMBER}")));
    assert_eq!(v3["projectId"], json!(PROJECT));
    let (status, err) = emu.call("GET", "/v1/projects/missing-project", None).await;
    assert_eq!(status, 403);
    assert_eq!(err["error"]["status"], json!("PERMISSION_DENIED"));
    let (status, policy) = emu
        .call(
            "POST",
            &format!("/v3/projects/{PROJECT}:getIamPolicy"),
            Some(json!({"options": {"requestedPolicyVersion": 3}})),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(policy["etag"], json!("ACAB"));
}

#[tokio::test]
async fn locations_list_common_regions_and_repository_locations_in_pages() {
    let emu = Emu::start(common::config()).await;
    let (status, op) = emu
        .call(
            "POST",
            &format!(
                "/v1/projects/{PROJECT}/locations/southamerica-east1/repositories?repositoryId=r"
            ),
            Some(json!({"format": "PYTHON"})),
        )
        .await;
    assert_eq!(status, 200, "{op}");
    let mut ids = Vec::new();
    let mut token = String::new();
    loop {
        let (status, page) = emu
            .call(
                "GET",
                &format!("/v1/projects/{NUMBER}/locations?pageSize=3&pageToken={token}"),
                None,
            )
            .await;
        assert_eq!(status, 200, "{page}");
        let locations = page["locations"].as_array().expect("locations");
        assert!(locations.len() <= 3, "{page}");
        for location in locations {
            let id = location["locationId"].as_str().expect("locationId");
            assert_eq!(
                location["name"],
                json!(format!("projects/{PROJECT}/locations/{id}"))
            );
            ids.push(id.to_string());
        }
        match page["nextPageToken"].as_str() {
            Some(next) => token = next.to_string(),
            None => break,
        }
    }
    assert_eq!(
        ids,
        [
            "asia",
            "asia-east1",
            "europe",
            "europe-west1",
            "southamerica-east1",
            "us",
            "us-central1",
            "us-east1"
        ]
    );
    let (status, _) = emu
        .call("GET", "/v1/projects/no-such-project/locations", None)
        .await;
    assert_eq!(status, 403, "unknown projects are denied, as Google does");
}
