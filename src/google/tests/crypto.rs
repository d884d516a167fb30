//! The clients' crypto is *ring*, installed by the library itself
//! (`google::crypto`): the HTTPS client verifies certificates with it, and
//! service-account tokens are signed with it. Without the installed default
//! both reqwest and google-cloud-auth would panic here.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine as _;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio::net::TcpListener;

use super::{client, op};
use crate::google::auth::{self, TokenSource};

/// A 2048-bit RSA key made with `openssl genpkey` for these tests only; it
/// belongs to no service account.
const TEST_RSA_KEY: &str = include_str!("throwaway-rsa-2048.pem");

#[tokio::test]
async fn building_a_client_installs_ring_as_the_default() {
    let _client = client("http://127.0.0.1:9/", None);
    let provider = rustls::crypto::CryptoProvider::get_default().expect("a default provider");
    assert_eq!(format!("{:?}", provider.key_provider), "Ring");
}

#[tokio::test]
async fn a_service_account_token_is_a_jwt_signed_with_the_key() {
    let json = serde_json::json!({
        "type": "service_account",
        "client_email": "sa@p.iam.gserviceaccount.com",
        "private_key_id": "test",
        "private_key": TEST_RSA_KEY,
        "project_id": "p",
    });
    let tokens = auth::from_credentials_json(&json.to_string(), "test").expect("tokens");
    let token = tokens
        .token()
        .await
        .expect("a self-signed JWT, made offline");
    let parts: Vec<&str> = token.split('.').collect();
    assert_eq!(parts.len(), 3, "header.claims.signature");
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let claims: serde_json::Value =
        serde_json::from_slice(&b64.decode(parts[1]).expect("base64")).expect("claims JSON");
    assert_eq!(claims["iss"], "sa@p.iam.gserviceaccount.com");
    assert_eq!(claims["scope"], auth::CLOUD_PLATFORM_SCOPE);

    let key = match PrivateKeyDer::from_pem_slice(TEST_RSA_KEY.as_bytes()).expect("PEM") {
        PrivateKeyDer::Pkcs8(der) => der,
        other => panic!("not PKCS#8: {other:?}"),
    };
    let pair = ring::rsa::KeyPair::from_pkcs8(key.secret_pkcs8_der()).expect("RSA key");
    let public = ring::signature::UnparsedPublicKey::new(
        &ring::signature::RSA_PKCS1_2048_8192_SHA256,
        pair.public().as_ref(),
    );
    let signed = format!("{}.{}", parts[0], parts[1]);
    let signature = b64.decode(parts[2]).expect("base64");
    assert!(
        public.verify(signed.as_bytes(), &signature).is_ok(),
        "RS256 signature by the service account's key"
    );
}

/// What a TLS server saw of each client: the ALPN protocols it offered and
/// how the handshake ended.
#[derive(Debug, Default)]
struct Seen {
    alpn: Vec<Vec<String>>,
    ends: Vec<String>,
}

#[tokio::test]
async fn https_verifies_the_server_certificate_and_offers_h2() {
    // A server whose self-signed certificate no system store trusts.
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).expect("key");
    let cert = rcgen::CertificateParams::new(vec!["127.0.0.1".to_string()])
        .expect("params")
        .self_signed(&key)
        .expect("certificate");
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("versions")
    .with_no_client_auth()
    .with_single_cert(
        vec![CertificateDer::from(cert.der().to_vec())],
        PrivateKeyDer::Pkcs8(key.serialize_der().into()),
    )
    .expect("server config");
    let config = Arc::new(config);
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let root = format!("https://{}/", listener.local_addr().expect("addr"));
    let seen = Arc::new(Mutex::new(Seen::default()));
    let log = seen.clone();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            let acceptor =
                tokio_rustls::LazyConfigAcceptor::new(rustls::server::Acceptor::default(), socket);
            let Ok(start) = acceptor.await else { continue };
            let alpn = start
                .client_hello()
                .alpn()
                .map(|protocols| {
                    protocols
                        .map(|p| String::from_utf8_lossy(p).into_owned())
                        .collect()
                })
                .unwrap_or_default();
            let end = match start.into_stream(config.clone()).await {
                Ok(_) => "established".to_string(),
                Err(e) => e.to_string(),
            };
            let mut seen = log.lock().expect("lock");
            seen.alpn.push(alpn);
            seen.ends.push(end);
        }
    });

    let err = client(&root, None)
        .get_secret(&op(Duration::from_secs(2)), "projects/p/secrets/s")
        .await
        .expect_err("an untrusted certificate is refused");
    let text = err.to_string();
    assert!(text.contains("UnknownIssuer"), "{text}");
    // The client gives up before the server has logged the handshake's end.
    for _ in 0..400 {
        if !seen.lock().expect("lock").ends.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let seen = seen.lock().expect("lock");
    assert!(!seen.ends.is_empty(), "no TLS handshake reached the server");
    for (alpn, end) in seen.alpn.iter().zip(&seen.ends) {
        assert_eq!(alpn, &["h2", "http/1.1"], "{seen:?}");
        assert!(end.contains("UnknownCA"), "the client's alert: {seen:?}");
    }
}
