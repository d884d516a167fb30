//! go-plugin's handshake: what Terraform passes in the environment, the
//! listener it expects, and the line the plugin prints on stdout.

use std::net::SocketAddr;

use base64::Engine as _;

/// The magic cookie key go-plugin sets for Terraform providers.
pub const MAGIC_COOKIE_KEY: &str = "TF_PLUGIN_MAGIC_COOKIE";
/// Its value: a UX check that the binary was started by Terraform.
pub const MAGIC_COOKIE_VALUE: &str =
    "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2";
/// The plugin protocol version this provider speaks.
pub const PROTOCOL_VERSION: u32 = 6;

/// What the plugin process learnt from its environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PluginEnv {
    /// Lowest port to listen on (`PLUGIN_MIN_PORT`), if set.
    pub min_port: Option<u16>,
    /// Highest port to listen on (`PLUGIN_MAX_PORT`), if set.
    pub max_port: Option<u16>,
    /// Terraform's client certificate (`PLUGIN_CLIENT_CERT`); `None` means plaintext.
    pub client_cert_pem: Option<String>,
}

/// Why the plugin refuses to start.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HandshakeError {
    /// Started by hand rather than by Terraform.
    #[error("{}", not_a_plugin_message())]
    NotStartedByTerraform,
    /// Terraform does not offer protocol 6.
    #[error(
        "This provider speaks plugin protocol 6, but the calling program offered only {0:?}. \
         Use Terraform 1.0 or later, or OpenTofu."
    )]
    NoCommonProtocol(String),
    /// A port variable is not a port number.
    #[error("{0} must be a port number, got {1:?}")]
    BadPort(&'static str, String),
}

/// The message for someone who ran the binary by hand.
pub fn not_a_plugin_message() -> String {
    "This binary is a plugin. These are not meant to be executed directly.\n\
     Please execute the program that consumes these plugins, which will\n\
     load any plugins automatically.\n\
     \n\
     To use this provider with Terraform or OpenTofu, declare it in required_providers and run\n\
     `terraform init`, or point a dev_overrides block in your CLI configuration at this binary's\n\
     directory. To debug it, run it with -debug and set TF_REATTACH_PROVIDERS as it prints."
        .to_string()
}

impl PluginEnv {
    /// Reads the handshake variables through `lookup` (the process environment in production).
    pub fn from_lookup(
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<PluginEnv, HandshakeError> {
        if lookup(MAGIC_COOKIE_KEY).as_deref() != Some(MAGIC_COOKIE_VALUE) {
            return Err(HandshakeError::NotStartedByTerraform);
        }
        let versions = lookup("PLUGIN_PROTOCOL_VERSIONS").unwrap_or_default();
        if !versions
            .split(',')
            .any(|v| v.trim() == PROTOCOL_VERSION.to_string())
        {
            return Err(HandshakeError::NoCommonProtocol(versions));
        }
        let port = |key: &'static str| -> Result<Option<u16>, HandshakeError> {
            match lookup(key).filter(|v| !v.trim().is_empty()) {
                None => Ok(None),
                Some(v) => v
                    .trim()
                    .parse()
                    .map(Some)
                    .map_err(|_| HandshakeError::BadPort(key, v)),
            }
        };
        Ok(PluginEnv {
            min_port: port("PLUGIN_MIN_PORT")?,
            max_port: port("PLUGIN_MAX_PORT")?,
            client_cert_pem: lookup("PLUGIN_CLIENT_CERT").filter(|v| !v.trim().is_empty()),
        })
    }
}

/// Binds TCP on 127.0.0.1: the first free port in the configured range, or any free port.
pub async fn bind(env: &PluginEnv) -> std::io::Result<tokio::net::TcpListener> {
    let (min, max) = match (env.min_port, env.max_port) {
        (None, None) => return tokio::net::TcpListener::bind(("127.0.0.1", 0)).await,
        (min, max) => (min.unwrap_or(1), max.unwrap_or(u16::MAX)),
    };
    let mut last = std::io::Error::new(
        std::io::ErrorKind::AddrNotAvailable,
        format!("empty port range {min}-{max}"),
    );
    for port in min..=max {
        match tokio::net::TcpListener::bind(("127.0.0.1", port)).await {
            Ok(listener) => return Ok(listener),
            Err(e) => last = e,
        }
    }
    Err(std::io::Error::new(
        last.kind(),
        format!("no free port in {min}-{max}: {last}"),
    ))
}

/// The handshake line (without newline): `1|6|tcp|ADDR|grpc|CERT`, CERT being
/// the server certificate in unpadded standard base64, empty without TLS.
pub fn handshake_line(addr: SocketAddr, cert_der: Option<&[u8]>) -> String {
    let cert = cert_der
        .map(|d| base64::engine::general_purpose::STANDARD_NO_PAD.encode(d))
        .unwrap_or_default();
    format!("1|{PROTOCOL_VERSION}|tcp|{addr}|grpc|{cert}")
}

/// The `TF_REATTACH_PROVIDERS` value for a debug server.
pub fn reattach_json(provider_address: &str, addr: SocketAddr, pid: u32) -> String {
    let config = serde_json::json!({
        provider_address: {
            "Protocol": "grpc",
            "ProtocolVersion": PROTOCOL_VERSION,
            "Pid": pid,
            "Test": true,
            "Addr": { "Network": "tcp", "String": addr.to_string() },
        }
    });
    config.to_string()
}

/// What `-debug` prints, in terraform-plugin-go's words.
pub fn debug_message(provider_address: &str, addr: SocketAddr, pid: u32) -> String {
    format!(
        "Provider started. To attach Terraform CLI, set the TF_REATTACH_PROVIDERS environment variable with the \
         following:\n\n\tTF_REATTACH_PROVIDERS='{}'\n",
        reattach_json(provider_address, addr, pid)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: Vec<(&'static str, &'static str)>) -> impl Fn(&str) -> Option<String> {
        move |k| {
            pairs
                .iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn handshake_line_has_six_fields_and_unpadded_cert() {
        let addr: SocketAddr = "127.0.0.1:12345"
            .parse()
            .unwrap_or_else(|_| SocketAddr::from(([127, 0, 0, 1], 0)));
        assert_eq!(handshake_line(addr, None), "1|6|tcp|127.0.0.1:12345|grpc|");
        // 4 bytes encode to 6 characters plus "==" padding with the padded alphabet.
        assert_eq!(
            handshake_line(addr, Some(&[0xfb, 0xff, 1, 2])),
            "1|6|tcp|127.0.0.1:12345|grpc|+/8BAg"
        );
    }

    #[test]
    fn cookie_and_protocol_are_checked() {
        assert_eq!(
            PluginEnv::from_lookup(env(vec![])),
            Err(HandshakeError::NotStartedByTerraform)
        );
        let no_six = env(vec![
            (MAGIC_COOKIE_KEY, MAGIC_COOKIE_VALUE),
            ("PLUGIN_PROTOCOL_VERSIONS", "5"),
        ]);
        assert!(matches!(
            PluginEnv::from_lookup(no_six),
            Err(HandshakeError::NoCommonProtocol(_))
        ));
        let ok = env(vec![
            (MAGIC_COOKIE_KEY, MAGIC_COOKIE_VALUE),
            ("PLUGIN_PROTOCOL_VERSIONS", "5,6"),
            ("PLUGIN_MIN_PORT", "10000"),
            ("PLUGIN_MAX_PORT", "25000"),
        ]);
        assert_eq!(
            PluginEnv::from_lookup(ok),
            Ok(PluginEnv {
                min_port: Some(10000),
                max_port: Some(25000),
                client_cert_pem: None
            })
        );
        let bad = env(vec![
            (MAGIC_COOKIE_KEY, MAGIC_COOKIE_VALUE),
            ("PLUGIN_PROTOCOL_VERSIONS", "6"),
            ("PLUGIN_MIN_PORT", "x"),
        ]);
        assert!(matches!(
            PluginEnv::from_lookup(bad),
            Err(HandshakeError::BadPort("PLUGIN_MIN_PORT", _))
        ));
    }

    #[test]
    fn not_a_plugin_message_explains_usage() {
        let m = HandshakeError::NotStartedByTerraform.to_string();
        assert!(m.contains("This binary is a plugin. These are not meant to be executed directly."));
        assert!(m.contains("-debug"));
    }

    #[test]
    fn reattach_json_is_what_terraform_reads() {
        let addr: SocketAddr = SocketAddr::from(([127, 0, 0, 1], 4321));
        let v: serde_json::Value =
            serde_json::from_str(&reattach_json("pypiauth/pypi", addr, 42)).unwrap_or_default();
        let p = &v["pypiauth/pypi"];
        assert_eq!(p["Protocol"], "grpc");
        assert_eq!(p["ProtocolVersion"], 6);
        assert_eq!(p["Pid"], 42);
        assert_eq!(p["Test"], true);
        assert_eq!(p["Addr"]["Network"], "tcp");
        assert_eq!(p["Addr"]["String"], "127.0.0.1:4321");
    }

    #[tokio::test]
    async fn bind_uses_the_port_range() {
        let first = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await;
        let Ok(first) = first else { return };
        let port = first.local_addr().map(|a| a.port()).unwrap_or(0);
        // The taken port is skipped when the range starts there.
        let env = PluginEnv {
            min_port: Some(port),
            max_port: Some(port.saturating_add(50)),
            client_cert_pem: None,
        };
        let l = bind(&env).await;
        let got = l.ok().and_then(|l| l.local_addr().ok()).map(|a| a.port());
        assert!(
            matches!(got, Some(p) if p > port && p <= port.saturating_add(50)),
            "{got:?}"
        );
    }
}
