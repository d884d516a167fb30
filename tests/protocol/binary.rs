//! The real binary: run by hand, the magic cookie and protocol checks, the
//! handshake line with and without AutoMTLS, and debug mode.

use terraform_provider_pypi::tfplugin::proto::health::health_check_response::ServingStatus;
use terraform_provider_pypi::tfplugin::proto::plugin::{
    grpc_controller_client::GrpcControllerClient, Empty,
};
use terraform_provider_pypi::tfplugin::proto::tfplugin6 as pb;

use crate::support::{errors, health, plain_channel, terraform_like_cert, tls_channel};

const COOKIE: (&str, &str) = (
    "TF_PLUGIN_MAGIC_COOKIE",
    "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2",
);

fn plugin_command() -> tokio::process::Command {
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_terraform-provider-pypi"));
    for key in [
        "TF_PLUGIN_MAGIC_COOKIE",
        "PLUGIN_PROTOCOL_VERSIONS",
        "PLUGIN_CLIENT_CERT",
        "PLUGIN_MIN_PORT",
        "PLUGIN_MAX_PORT",
    ] {
        cmd.env_remove(key);
    }
    cmd.env("TF_LOG_PROVIDER", "OFF").kill_on_drop(true);
    cmd
}

#[tokio::test]
async fn binary_run_by_hand_explains_itself_and_exits_1() {
    let out = plugin_command().output().await.expect("run plugin");
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("This binary is a plugin. These are not meant to be executed directly."),
        "{stderr}"
    );
    assert!(stderr.contains("-debug"), "{stderr}");
    assert!(out.stdout.is_empty());
}

#[tokio::test]
async fn binary_without_protocol_6_exits_1() {
    let out = plugin_command()
        .env(COOKIE.0, COOKIE.1)
        .env("PLUGIN_PROTOCOL_VERSIONS", "5")
        .output()
        .await
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("protocol 6"));
}

/// Sends SIGINT to a started plugin, as Terraform's Ctrl-C reaches it.
#[cfg(unix)]
fn interrupt(child: &tokio::process::Child) {
    let pid = child.id().expect("pid").to_string();
    let sent = std::process::Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .expect("kill -INT");
    assert!(sent.success());
}

/// Reads the first stdout line of a started plugin.
async fn first_line(child: &mut tokio::process::Child) -> String {
    use tokio::io::AsyncBufReadExt;
    let stdout = child.stdout.take().expect("piped stdout");
    let mut line = String::new();
    tokio::io::BufReader::new(stdout)
        .read_line(&mut line)
        .await
        .expect("handshake line");
    line.trim_end().to_string()
}

#[tokio::test]
async fn binary_handshake_with_automtls_serves_terraform_and_shuts_down() {
    use base64::Engine as _;
    let (pem, cert_der, key_der) = terraform_like_cert();
    let mut child = plugin_command()
        .env(COOKIE.0, COOKIE.1)
        .env("PLUGIN_PROTOCOL_VERSIONS", "5,6")
        .env("PLUGIN_CLIENT_CERT", &pem)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("spawn plugin");
    let line = first_line(&mut child).await;
    let fields: Vec<&str> = line.split('|').collect();
    assert_eq!(fields.len(), 6, "{line}");
    assert_eq!(&fields[..3], &["1", "6", "tcp"]);
    assert!(fields[3].starts_with("127.0.0.1:"), "{line}");
    assert_eq!(fields[4], "grpc");
    assert!(!fields[5].ends_with('='), "CERT must be unpadded: {line}");
    let server_der = base64::engine::general_purpose::STANDARD_NO_PAD
        .decode(fields[5])
        .expect("base64 cert");
    let addr: std::net::SocketAddr = fields[3].parse().expect("address");

    let channel = tls_channel(addr, &server_der, Some((cert_der, key_der)))
        .await
        .expect("mTLS connect");
    let mut provider = pb::provider_client::ProviderClient::new(channel.clone());
    let schema = provider
        .get_provider_schema(pb::get_provider_schema::Request {})
        .await
        .expect("schema")
        .into_inner();
    assert!(schema.provider.is_some());
    assert!(
        errors(&schema.diagnostics).is_empty(),
        "{:?}",
        schema.diagnostics
    );

    // Terraform's Ctrl-C reaches the plugin too; it must survive it.
    #[cfg(unix)]
    interrupt(&child);
    health(channel.clone()).await.expect("health");
    GrpcControllerClient::new(channel)
        .shutdown(Empty {})
        .await
        .expect("shutdown");
    let status = child.wait().await.expect("wait");
    assert_eq!(
        status.code(),
        Some(0),
        "plugin did not exit cleanly after Shutdown: {status:?}"
    );
}

#[tokio::test]
async fn binary_plaintext_handshake_has_an_empty_cert_field() {
    let mut child = plugin_command()
        .env(COOKIE.0, COOKIE.1)
        .env("PLUGIN_PROTOCOL_VERSIONS", "6")
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("spawn plugin");
    let line = first_line(&mut child).await;
    assert!(
        line.starts_with("1|6|tcp|127.0.0.1:") && line.ends_with("|grpc|"),
        "{line}"
    );
    let addr: std::net::SocketAddr = line
        .split('|')
        .nth(3)
        .unwrap_or_default()
        .parse()
        .expect("address");
    let channel = plain_channel(addr).await;
    GrpcControllerClient::new(channel)
        .shutdown(Empty {})
        .await
        .expect("shutdown");
    assert_eq!(child.wait().await.expect("wait").code(), Some(0));
}

#[cfg(unix)]
#[tokio::test]
async fn binary_debug_mode_prints_reattach_config_and_stops_on_interrupt() {
    use tokio::io::AsyncBufReadExt;
    let mut child = plugin_command()
        .arg("-debug")
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("spawn plugin");
    let stdout = child.stdout.take().expect("piped stdout");
    let mut lines = tokio::io::BufReader::new(stdout).lines();
    let mut reattach = None;
    while let Some(line) = lines.next_line().await.expect("read") {
        if let Some(rest) = line.trim().strip_prefix("TF_REATTACH_PROVIDERS='") {
            reattach = Some(rest.trim_end_matches('\'').to_string());
            break;
        }
    }
    let reattach: serde_json::Value =
        serde_json::from_str(&reattach.expect("reattach line")).expect("json");
    let entry = &reattach["pypiauth/pypi"];
    assert_eq!(entry["ProtocolVersion"], 6);
    assert_eq!(entry["Test"], true);
    assert_eq!(entry["Pid"], child.id().unwrap_or_default());
    let addr: std::net::SocketAddr = entry["Addr"]["String"]
        .as_str()
        .unwrap_or_default()
        .parse()
        .expect("addr");
    let status = health(plain_channel(addr).await).await.expect("health");
    assert_eq!(status, ServingStatus::Serving as i32);
    interrupt(&child);
    assert_eq!(child.wait().await.expect("wait").code(), Some(0));
}
