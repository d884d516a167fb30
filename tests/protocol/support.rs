//! Test support: a small fake provider, in-process servers on 127.0.0.1:0,
//! and plaintext / mTLS tonic clients.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;

use async_trait::async_trait;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};
use terraform_provider_pypi::tfplugin::proto::health::{
    health_client::HealthClient, HealthCheckRequest,
};
use terraform_provider_pypi::tfplugin::proto::tfplugin6 as pb;
use terraform_provider_pypi::tfplugin::proto::tfplugin6::provider_client::ProviderClient;
use terraform_provider_pypi::tfplugin::provider::{
    ApplyResponse, ConfigureRequest, CreateRequest, DeleteRequest, DeleteResponse, ImportRequest,
    ImportResponse, PlanRequest, PlanResponse, ReadRequest, ReadResponse, UpdateRequest,
    ValidateRequest,
};
use terraform_provider_pypi::tfplugin::schema::{NestedAttributes, StringKind};
use terraform_provider_pypi::tfplugin::serve::{serve, ServerTls};
use terraform_provider_pypi::tfplugin::{
    Attribute, Block, CallContext, Diagnostic, Diagnostics, IdentityAttribute, IdentitySchema,
    NestedBlock, Nesting, Presence, Provider, Resource, Schema, Type, Value,
};
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;
use tonic::transport::{Channel, Endpoint};

use crate::echo::EchoResource;

/// What the fake resources do; one resource type per behaviour.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Behaviour {
    /// Answers normally; Read/Plan/Apply/Import return a state with the token set.
    Normal,
    /// Panics in every handler.
    Panic,
    /// Validate waits for cancellation, then returns a "stopped" error.
    Slow,
}

/// A resource type with the test schema.
pub struct FakeResource {
    /// Its behaviour.
    pub behaviour: Behaviour,
    /// Notified when a slow Validate has started waiting.
    pub started: Arc<Notify>,
}

fn s(x: &str) -> Value {
    Value::String(x.to_string())
}

/// The test schema: required, computed, write-only + sensitive, nested attributes and a nested block.
pub fn thing_schema() -> Schema {
    let attr = |name: &str, presence: Presence| Attribute {
        name: name.into(),
        ty: Some(Type::String),
        presence,
        description: format!("The `{name}`."),
        ..Default::default()
    };
    Schema {
        version: 1,
        block: Block {
            attributes: vec![
                attr("id", Presence::Computed),
                attr("name", Presence::Required),
                Attribute {
                    sensitive: true,
                    write_only: true,
                    ..attr("token", Presence::Optional)
                },
                Attribute {
                    name: "labels".into(),
                    nested: Some(NestedAttributes {
                        nesting: Nesting::List,
                        attributes: vec![
                            attr("key", Presence::Required),
                            attr("value", Presence::Optional),
                        ],
                    }),
                    presence: Presence::Optional,
                    ..Default::default()
                },
            ],
            blocks: vec![NestedBlock {
                name: "timeouts".into(),
                nesting: Nesting::Single,
                block: Block {
                    attributes: vec![attr("create", Presence::Optional)],
                    ..Default::default()
                },
                min_items: 0,
                max_items: 1,
            }],
            description: "A **thing**.".into(),
            description_kind: StringKind::Markdown,
            deprecated: false,
        },
    }
}

/// A full state with the write-only token set (which the server must null).
pub fn state_with_token() -> Value {
    let mut m = BTreeMap::new();
    m.insert("id".to_string(), s("id-1"));
    m.insert("name".to_string(), s("one"));
    m.insert("token".to_string(), s("pypi-SECRET"));
    m.insert("labels".to_string(), Value::Null);
    m.insert("timeouts".to_string(), Value::Null);
    Value::Object(m)
}

fn identity(name: &str) -> Value {
    Value::Object(BTreeMap::from([("name".to_string(), s(name))]))
}

impl FakeResource {
    fn check_panic(&self) {
        if self.behaviour == Behaviour::Panic {
            panic!("fake panic with pypi-SECRET");
        }
    }
}

#[async_trait]
impl Resource for FakeResource {
    fn schema(&self) -> Schema {
        thing_schema()
    }
    fn identity_schema(&self) -> Option<IdentitySchema> {
        Some(IdentitySchema {
            version: 0,
            attributes: vec![IdentityAttribute {
                name: "name".into(),
                ty: Type::String,
                required_for_import: true,
                optional_for_import: false,
                description: "Name.".into(),
            }],
        })
    }
    async fn validate(&self, ctx: &CallContext, _req: ValidateRequest) -> Diagnostics {
        self.check_panic();
        let mut d = Diagnostics::default();
        if self.behaviour == Behaviour::Slow {
            self.started.notify_one();
            ctx.cancel.cancelled().await;
            d.error("stopped", "the handler saw StopProvider");
            return d;
        }
        d.push(Diagnostic::warning(
            "context",
            format!(
                "cancelled={} write_only_allowed={:?}",
                ctx.cancel.is_cancelled(),
                ctx.write_only_allowed
            ),
        ));
        d
    }
    async fn plan(&self, _ctx: &CallContext, req: PlanRequest) -> PlanResponse {
        self.check_panic();
        let planned_state = if req.proposed_new_state.is_null() {
            Value::Null
        } else {
            state_with_token()
        };
        PlanResponse {
            planned_state,
            planned_identity: Some(identity("one")),
            ..Default::default()
        }
    }
    async fn create(&self, _ctx: &CallContext, _req: CreateRequest) -> ApplyResponse {
        self.check_panic();
        ApplyResponse {
            new_state: state_with_token(),
            new_identity: Some(identity("one")),
            private: b"created".to_vec(),
            ..Default::default()
        }
    }
    async fn update(&self, _ctx: &CallContext, _req: UpdateRequest) -> ApplyResponse {
        self.check_panic();
        ApplyResponse {
            new_state: state_with_token(),
            new_identity: Some(identity("one")),
            private: b"updated".to_vec(),
            ..Default::default()
        }
    }
    /// Refuses when the private data says `refuse-delete`, keeping `kept`.
    async fn delete(&self, _ctx: &CallContext, req: DeleteRequest) -> DeleteResponse {
        self.check_panic();
        let mut out = DeleteResponse::default();
        if req.private == b"refuse-delete" {
            out.diagnostics.error("delete refused", "the fake refuses");
            out.private = Some(b"kept".to_vec());
        }
        out
    }
    async fn read(&self, _ctx: &CallContext, req: ReadRequest) -> ReadResponse {
        self.check_panic();
        ReadResponse {
            new_state: state_with_token(),
            private: req.private,
            new_identity: Some(identity("one")),
            ..Default::default()
        }
    }
    async fn import(&self, _ctx: &CallContext, req: ImportRequest) -> ImportResponse {
        self.check_panic();
        if req.id == "missing" {
            let mut diagnostics = Diagnostics::default();
            diagnostics.error("not found", "no such thing");
            return ImportResponse {
                diagnostics,
                ..Default::default()
            };
        }
        ImportResponse {
            state: state_with_token(),
            identity: Some(identity(&req.id)),
            ..Default::default()
        }
    }
}

/// The fake provider: `fake_thing`, `fake_panic`, `fake_slow` and `fake_echo`.
pub struct FakeProvider {
    /// Notified when `fake_slow`'s Validate is waiting.
    pub started: Arc<Notify>,
}

#[async_trait]
impl Provider for FakeProvider {
    fn schema(&self) -> Schema {
        Schema {
            version: 0,
            block: Block {
                attributes: vec![Attribute {
                    name: "project".into(),
                    ty: Some(Type::String),
                    presence: Presence::Optional,
                    ..Default::default()
                }],
                ..Default::default()
            },
        }
    }
    async fn configure(&self, _ctx: &CallContext, _req: ConfigureRequest) -> Diagnostics {
        Diagnostics::default()
    }
    fn resources(&self) -> BTreeMap<String, Arc<dyn Resource>> {
        let r = |behaviour| -> Arc<dyn Resource> {
            Arc::new(FakeResource {
                behaviour,
                started: self.started.clone(),
            })
        };
        BTreeMap::from([
            ("fake_thing".to_string(), r(Behaviour::Normal)),
            ("fake_panic".to_string(), r(Behaviour::Panic)),
            ("fake_slow".to_string(), r(Behaviour::Slow)),
            ("fake_echo".to_string(), Arc::new(EchoResource)),
        ])
    }
}

/// The summaries of the error diagnostics among `diags`.
pub fn errors(diags: &[pb::Diagnostic]) -> Vec<String> {
    diags
        .iter()
        .filter(|d| d.severity == pb::diagnostic::Severity::Error as i32)
        .map(|d| d.summary.clone())
        .collect()
}

/// A msgpack dynamic value, as the requests carry states and configurations.
pub fn msgpack(bytes: Vec<u8>) -> Option<pb::DynamicValue> {
    Some(pb::DynamicValue {
        msgpack: bytes,
        json: Vec::new(),
    })
}

/// Asks the go-plugin health service on `channel` about the `plugin` service.
pub async fn health(channel: Channel) -> Result<i32, tonic::Status> {
    let answer = HealthClient::new(channel)
        .check(HealthCheckRequest {
            service: "plugin".into(),
        })
        .await?;
    Ok(answer.into_inner().status)
}

/// A running in-process server.
pub struct TestServer {
    /// Where it listens.
    pub addr: SocketAddr,
    /// Stops it (the `shutdown` future of `serve`).
    pub stop: CancellationToken,
    /// Its task; resolves when `serve` returns.
    pub task: tokio::task::JoinHandle<Result<(), String>>,
    /// Shared with the fake provider.
    pub started: Arc<Notify>,
}

/// Starts the fake provider on 127.0.0.1:0, with TLS when given.
pub async fn start(tls: Option<ServerTls>) -> TestServer {
    let started = Arc::new(Notify::new());
    let provider = Arc::new(FakeProvider {
        started: started.clone(),
    });
    start_provider(provider, tls, started).await
}

/// Starts `provider` (e.g. the real `pypi` provider) on 127.0.0.1:0 without TLS.
pub async fn start_plain(provider: Arc<dyn Provider>) -> TestServer {
    start_provider(provider, None, Arc::new(Notify::new())).await
}

async fn start_provider(
    provider: Arc<dyn Provider>,
    tls: Option<ServerTls>,
    started: Arc<Notify>,
) -> TestServer {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
        .await
        .expect("bind 127.0.0.1:0");
    let addr = listener.local_addr().expect("local addr");
    let stop = CancellationToken::new();
    let signal = stop.clone().cancelled_owned();
    let task = tokio::spawn(async move {
        serve(provider, listener, tls, signal)
            .await
            .map_err(|e| e.to_string())
    });
    TestServer {
        addr,
        stop,
        task,
        started,
    }
}

/// A plaintext (h2c) channel to `addr`.
pub async fn plain_channel(addr: SocketAddr) -> Channel {
    Endpoint::from_shared(format!("http://{addr}"))
        .expect("endpoint")
        .connect()
        .await
        .expect("connect")
}

/// A plaintext provider client.
pub async fn plain_client(addr: SocketAddr) -> ProviderClient<Channel> {
    ProviderClient::new(plain_channel(addr).await)
}

/// A certificate like Terraform's: ECDSA P-521, self-signed, IsCA, CN/SAN localhost.
pub fn terraform_like_cert() -> (String, Vec<u8>, Vec<u8>) {
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P521_SHA512).expect("P-521 key");
    let mut params = rcgen::CertificateParams::new(vec!["localhost".to_string()]).expect("params");
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "localhost");
    params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    params.extended_key_usages = vec![
        rcgen::ExtendedKeyUsagePurpose::ServerAuth,
        rcgen::ExtendedKeyUsagePurpose::ClientAuth,
    ];
    let cert = params.self_signed(&key).expect("self-signed");
    (
        cert.pem(),
        cert.der().as_ref().to_vec(),
        key.serialize_der(),
    )
}

/// Trusts exactly the certificate from the handshake, as go-plugin's client does.
#[derive(Debug)]
struct PinnedServer {
    /// DER of the handshake certificate.
    pinned: Vec<u8>,
    /// aws-lc-rs signature algorithms (P-256 server keys, P-521 client keys).
    algorithms: rustls::crypto::WebPkiSupportedAlgorithms,
}

impl ServerCertVerifier for PinnedServer {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        if end_entity.as_ref() == self.pinned.as_slice() {
            Ok(ServerCertVerified::assertion())
        } else {
            Err(rustls::Error::InvalidCertificate(
                rustls::CertificateError::UnknownIssuer,
            ))
        }
    }
    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }
    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }
    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

/// An mTLS channel to `addr` that trusts `server_der` and presents `client` (cert DER, key DER), if any.
pub async fn tls_channel(
    addr: SocketAddr,
    server_der: &[u8],
    client: Option<(Vec<u8>, Vec<u8>)>,
) -> Result<Channel, tonic::transport::Error> {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let verifier = PinnedServer {
        pinned: server_der.to_vec(),
        algorithms: provider.signature_verification_algorithms,
    };
    let builder = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("versions")
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier));
    let mut config = match client {
        Some((cert, key)) => builder
            .with_client_auth_cert(
                vec![CertificateDer::from(cert)],
                PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key)),
            )
            .expect("client cert"),
        None => builder.with_no_client_auth(),
    };
    config.alpn_protocols = vec![b"h2".to_vec()];
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    Endpoint::from_static("http://localhost")
        .connect_with_connector(tower::service_fn(move |_uri| {
            let connector = connector.clone();
            async move {
                let tcp = tokio::net::TcpStream::connect(addr).await?;
                let name = ServerName::try_from("localhost").map_err(std::io::Error::other)?;
                let tls = connector.connect(name, tcp).await?;
                Ok::<_, std::io::Error>(hyper_util::rt::TokioIo::new(tls))
            }
        }))
        .await
}
