//! Starts the emulator in-process on `127.0.0.1:0` and talks to it over HTTP.

#![allow(dead_code)]

use gcp_emulator::{Config, Seed};
use serde_json::Value;
use tokio::sync::oneshot;

/// The project every test gets.
pub const PROJECT: &str = "demo-project";
/// Its number.
pub const NUMBER: &str = "123456789012";

/// A running in-process emulator; stops when dropped.
pub struct Emu {
    /// Base URL without trailing slash.
    pub url: String,
    /// Shared HTTP client.
    pub http: reqwest::Client,
    /// Dropping it stops the server.
    _stop: oneshot::Sender<()>,
}

/// The default configuration: one project with its service agent.
pub fn config() -> Config {
    let mut c = Config::default();
    c.add_project_arg(&format!("{PROJECT}={NUMBER}"))
        .expect("project");
    c
}

/// A configuration from seed JSON text.
pub fn seeded(seed: &str) -> Config {
    let mut c = Config::default();
    let seed: Seed = serde_json::from_str(seed).expect("seed JSON");
    c.merge_seed(seed).expect("seed");
    c
}

impl Emu {
    /// Serves `config` on a free port.
    pub async fn start(config: Config) -> Emu {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let (tx, rx) = oneshot::channel::<()>();
        tokio::spawn(async move {
            let _ = gcp_emulator::serve(listener, config, async {
                let _ = rx.await;
            })
            .await;
        });
        Emu {
            url: format!("http://{addr}"),
            http: http_client(),
            _stop: tx,
        }
    }

    /// Sends one request with bearer `token` (none when `None`).
    pub async fn call_as(
        &self,
        token: Option<&str>,
        method: &str,
        path: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        let mut req = self.http.request(method, format!("{}{path}", self.url));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req
                .header("content-type", "application/json")
                .body(b.to_string());
        }
        let resp = req.send().await.expect("send");
        let status = resp.status().as_u16();
        let text = resp.text().await.expect("body");
        let value = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).expect("JSON answer")
        };
        (status, value)
    }

    /// [`Emu::call_as`] for a GET without body.
    pub async fn get_as(&self, token: &str, path: &str) -> (u16, Value) {
        self.call_as(Some(token), "GET", path, None).await
    }

    /// [`Emu::call_as`] with an owner token.
    pub async fn call(&self, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
        self.call_as(Some("owner-token"), method, path, body).await
    }

    /// The raw text of an admin endpoint.
    pub async fn admin_text(&self, path: &str) -> String {
        self.http
            .get(format!("{}{path}", self.url))
            .send()
            .await
            .expect("send")
            .text()
            .await
            .expect("text")
    }

    /// Calls an admin endpoint with `method` and an optional JSON body;
    /// returns the status and the JSON answer.
    pub async fn admin_call(&self, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        let mut req = self.http.request(method, format!("{}{path}", self.url));
        if let Some(b) = body {
            req = req.body(b.to_string());
        }
        let resp = req.send().await.expect("send");
        let status = resp.status().as_u16();
        let text = resp.text().await.expect("body");
        (status, serde_json::from_str(&text).expect("JSON answer"))
    }

    /// Installs a fault rule; returns its id.
    pub async fn add_fault(&self, rule: Value) -> String {
        let (status, answer) = self
            .admin_call("POST", "/_emulator/faults", Some(rule))
            .await;
        assert_eq!(status, 200, "{answer}");
        answer["id"].as_str().expect("rule id").to_string()
    }

    /// An admin endpoint as JSON.
    pub async fn admin(&self, path: &str) -> Value {
        serde_json::from_str(&self.admin_text(path).await).expect("JSON")
    }

    /// Creates secret `id` in the test project; asserts success.
    pub async fn create_secret(&self, id: &str) {
        let (status, body) = self
            .call(
                "POST",
                &format!("/v1/projects/{PROJECT}/secrets?secretId={id}"),
                Some(serde_json::json!({"replication": {"automatic": {}}})),
            )
            .await;
        assert_eq!(status, 200, "{body}");
    }

    /// Adds a version with `data`; returns (status, body).
    pub async fn add_version(&self, id: &str, data: &[u8]) -> (u16, Value) {
        use base64::Engine as _;
        let encoded = base64::engine::general_purpose::STANDARD.encode(data);
        self.call(
            "POST",
            &format!("/v1/projects/{PROJECT}/secrets/{id}:addVersion"),
            Some(serde_json::json!({"payload": {"data": encoded, "dataCrc32c": crc32c::crc32c(data).to_string()}})),
        )
        .await
    }
}

/// A plain HTTP client for the tests. Built in the workspace, this crate's
/// reqwest gets the provider crate's `rustls-no-provider` feature too
/// (Cargo unifies features), and reqwest then refuses to build any client,
/// even one for `http://`, until a rustls crypto provider is installed.
#[allow(dead_code)]
pub fn http_client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::new()
}
