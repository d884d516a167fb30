//! TEMPORARY smoke test against a running emulator (EMU env var).
use std::time::Duration;
use std::sync::Arc;
use terraform_provider_pypi::google::*;
use terraform_provider_pypi::google::auth::StaticToken;
use terraform_provider_pypi::google::artifactregistry::UsernamePasswordCredentials;
use terraform_provider_pypi::google::secretmanager::Secret;
use tokio_util::sync::CancellationToken;

#[tokio::test]
async fn smoke() {
    let Ok(root) = std::env::var("EMU") else { return };
    let e = Endpoints { secret_manager: root.clone(), artifact_registry: root.clone(), resource_manager: root.clone(), service_usage: root.clone(), iam_credentials: root.clone() };
    let c = GoogleClient::new(ClientConfig { endpoints: e, user_project: None, request_timeout: Duration::from_secs(10), tokens: Arc::new(StaticToken::new("t")), user_agent: "x".into() }).unwrap();
    let op = Op::new(Duration::from_secs(60), CancellationToken::new());
    let p = c.get_project(&op, "demo").await.unwrap();
    println!("{p:?}");
    let s = c.create_secret(&op, "demo", "tok", &Secret { replication: Some(serde_json::json!({"automatic":{}})), ..Default::default() }).await.unwrap();
    println!("{s:?}");
    let v = c.add_secret_version(&op, "projects/demo/secrets/tok", b"pypi-abc").await.unwrap();
    println!("{v:?}");
    assert_eq!(c.access_secret_version(&op, &v.name).await.unwrap(), b"pypi-abc");
    let email = c.generate_artifact_registry_service_identity(&op, "demo").await.unwrap();
    println!("{email}");
    let member = format!("serviceAccount:{email}");
    let pol = iam::read_modify_write(&op, || c.get_secret_iam_policy(&op, "projects/demo/secrets/tok"), |p| { let c = c.clone(); let op = op.clone(); async move { c.set_secret_iam_policy(&op, "projects/demo/secrets/tok", &p).await } }, |p| p.add_member("roles/secretmanager.secretAccessor", &member)).await.unwrap();
    println!("{pol:?}");
    println!("{:?}", c.list_secret_versions(&op, "projects/demo/secrets/tok").await.unwrap());
    println!("{:?}", c.test_secret_permissions(&op, "projects/demo/secrets/tok", &["secretmanager.secrets.get"]).await.unwrap());
    println!("{:?}", c.test_project_permissions(&op, "demo", &["secretmanager.secrets.get"]).await.unwrap());
    let repo = c.get_repository(&op, "projects/demo/locations/us/repositories/pypi").await;
    println!("{repo:?}");
    if repo.is_ok() {
        let r = c.set_upstream_credentials(&op, "projects/demo/locations/us/repositories/pypi", Some(&UsernamePasswordCredentials { username: "__token__".into(), password_secret_version: v.name.clone() })).await.unwrap();
        println!("{r:?}");
        let r = c.set_upstream_credentials(&op, "projects/demo/locations/us/repositories/pypi", None).await.unwrap();
        println!("{r:?}");
    }
    c.disable_secret_version(&op, &v.name).await.unwrap();
    c.destroy_secret_version(&op, &v.name).await.unwrap();
    c.delete_secret(&op, "projects/demo/secrets/tok").await.unwrap();
    let err = c.get_secret(&op, "projects/demo/secrets/tok").await.unwrap_err();
    assert!(err.is_not_found(), "{err}");
}
