//! The `gcp-emulator` binary: the one readiness line on stdout, a seed
//! file, argument errors, and a clean stop on SIGTERM.

use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Stdio};

#[tokio::test]
async fn announces_real_port_serves_and_stops_on_sigterm() {
    let dir = std::env::temp_dir().join(format!("gcp-emulator-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let seed = dir.join("seed.json");
    std::fs::write(
        &seed,
        r#"{"projects":[{"id":"seeded-project","number":"42","serviceAgent":false}]}"#,
    )
    .expect("seed");
    let mut child = Command::new(env!("CARGO_BIN_EXE_gcp-emulator"))
        .args([
            "--listen",
            "127.0.0.1:0",
            "--project",
            "demo-project=123456789012",
            "--seed",
        ])
        .arg(&seed)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
    let mut line = String::new();
    stdout.read_line(&mut line).expect("line");
    let url = line
        .trim_end()
        .strip_prefix("gcp-emulator listening on http://127.0.0.1:")
        .map(|port| format!("http://127.0.0.1:{port}"))
        .expect("announcement line");
    assert!(!url.ends_with(":0"), "{line}");
    // See tests/common/mod.rs `http_client` for why a provider is installed.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let body: serde_json::Value = reqwest::Client::new()
        .get(format!("{url}/v1/projects/42"))
        .bearer_auth("t")
        .send()
        .await
        .expect("send")
        .json()
        .await
        .expect("json");
    assert_eq!(body["projectId"], serde_json::json!("seeded-project"));

    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(killed.success());
    let status = child.wait().expect("wait");
    assert!(status.success(), "{status:?}");
    let mut rest = String::new();
    stdout.read_to_string(&mut rest).expect("rest");
    assert_eq!(rest, "", "exactly one stdout line");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn bad_arguments_exit_with_usage() {
    let out = Command::new(env!("CARGO_BIN_EXE_gcp-emulator"))
        .args(["--fault-rate", "7"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--fault-rate"));
    assert!(out.stdout.is_empty());
}
