//! AutoMTLS against a client like Terraform's: a P-521 certificate whose key
//! signs with aws-lc (as Go's crypto would, not with the server's own crypto),
//! handshakes run in memory over TLS 1.3 and TLS 1.2.

use super::*;
use rustls::client::danger::{ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::ServerName;
use rustls::{ClientConfig, ClientConnection, ServerConnection};

/// A Terraform-like client certificate: ECDSA P-521, self-signed, IsCA.
/// Returns (PEM, cert DER, PKCS#8 key DER), or `None` if rcgen failed.
fn terraform_like_cert() -> Option<(String, Vec<u8>, Vec<u8>)> {
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P521_SHA512).ok()?;
    let mut params = rcgen::CertificateParams::new(vec!["localhost".to_string()]).ok()?;
    params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    params.extended_key_usages = vec![
        rcgen::ExtendedKeyUsagePurpose::ServerAuth,
        rcgen::ExtendedKeyUsagePurpose::ClientAuth,
    ];
    let cert = params.self_signed(&key).ok()?;
    Some((
        cert.pem(),
        cert.der().as_ref().to_vec(),
        key.serialize_der(),
    ))
}

/// The client's side of go-plugin's pinning: only the handshake certificate.
#[derive(Debug)]
struct PinnedServer(Vec<u8>, WebPkiSupportedAlgorithms);

impl ServerCertVerifier for PinnedServer {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        if end_entity.as_ref() == self.0.as_slice() {
            Ok(ServerCertVerified::assertion())
        } else {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::UnknownIssuer,
            ))
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.1)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.1)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.1.supported_schemes()
    }
}

/// A client on aws-lc that trusts `server_der` and presents `client` (cert DER, key DER), if any.
fn client_config(
    server_der: &[u8],
    client: Option<(Vec<u8>, Vec<u8>)>,
    version: &'static rustls::SupportedProtocolVersion,
) -> Result<ClientConfig, rustls::Error> {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let verifier = PinnedServer(
        server_der.to_vec(),
        provider.signature_verification_algorithms,
    );
    let builder = ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(&[version])?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier));
    let mut config = match client {
        Some((cert, key)) => builder.with_client_auth_cert(
            vec![CertificateDer::from(cert)],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key)),
        )?,
        None => builder.with_no_client_auth(),
    };
    config.alpn_protocols = vec![b"h2".to_vec()];
    Ok(config)
}

/// Moves everything `from` wants to send into `to`, then lets `to` process it.
fn deliver(
    from: &mut rustls::ConnectionCommon<impl rustls::SideData>,
    to: &mut rustls::ConnectionCommon<impl rustls::SideData>,
) -> Result<(), rustls::Error> {
    let mut wire = Vec::new();
    while from.wants_write() {
        from.write_tls(&mut wire)
            .map_err(|e| rustls::Error::General(e.to_string()))?;
    }
    let mut rest = wire.as_slice();
    while !rest.is_empty() {
        to.read_tls(&mut rest)
            .map_err(|e| rustls::Error::General(e.to_string()))?;
        to.process_new_packets()?;
    }
    Ok(())
}

/// A full handshake in memory; the first error either side raises.
fn handshake(server: &ServerTls, client: ClientConfig) -> Result<(), rustls::Error> {
    let name =
        ServerName::try_from("localhost").map_err(|e| rustls::Error::General(e.to_string()))?;
    let mut client = ClientConnection::new(Arc::new(client), name)?;
    let mut server = ServerConnection::new(server.config.clone())?;
    // A TLS 1.2 or 1.3 handshake is at most a few flights each way.
    for _ in 0..8 {
        deliver(&mut client, &mut server)?;
        deliver(&mut server, &mut client)?;
        if !client.is_handshaking() && !server.is_handshaking() {
            return Ok(());
        }
    }
    Err(rustls::Error::General(
        "the handshake did not finish".into(),
    ))
}

const VERSIONS: [&rustls::SupportedProtocolVersion; 2] =
    [&rustls::version::TLS13, &rustls::version::TLS12];

#[test]
fn the_pinned_p521_client_certificate_is_accepted() {
    let (pem, der, key) = terraform_like_cert().unwrap_or_default();
    let server = ServerTls::auto_mtls(&pem);
    assert!(server.is_ok(), "{:?}", server.as_ref().err());
    let Ok(server) = server else { return };
    for version in VERSIONS {
        let config = client_config(&server.cert_der, Some((der.clone(), key.clone())), version);
        let result = config.and_then(|config| handshake(&server, config));
        assert_eq!(result, Ok(()), "{:?}", version.version);
    }
}

#[test]
fn another_p521_client_certificate_is_refused() {
    let (pem, ..) = terraform_like_cert().unwrap_or_default();
    let (_, other_der, other_key) = terraform_like_cert().unwrap_or_default();
    let Ok(server) = ServerTls::auto_mtls(&pem) else {
        panic!("AutoMTLS set-up failed")
    };
    for version in VERSIONS {
        let config = client_config(
            &server.cert_der,
            Some((other_der.clone(), other_key.clone())),
            version,
        );
        let result = config.and_then(|config| handshake(&server, config));
        assert_eq!(
            result,
            Err(rustls::Error::InvalidCertificate(
                CertificateError::ApplicationVerificationFailure
            )),
            "{:?}",
            version.version
        );
    }
}

#[test]
fn a_client_without_a_certificate_is_refused() {
    let (pem, ..) = terraform_like_cert().unwrap_or_default();
    let Ok(server) = ServerTls::auto_mtls(&pem) else {
        panic!("AutoMTLS set-up failed")
    };
    let result = client_config(&server.cert_der, None, &rustls::version::TLS13)
        .and_then(|config| handshake(&server, config));
    assert_eq!(result, Err(rustls::Error::NoCertificatesPresented));
}

#[test]
fn the_server_asks_for_p521_first() {
    let schemes = crypto_provider()
        .signature_verification_algorithms
        .supported_schemes();
    // P-521 first (Terraform's key); only ECDSA and Ed25519: go-plugin never uses RSA.
    assert_eq!(
        schemes,
        vec![
            SignatureScheme::ECDSA_NISTP521_SHA512,
            SignatureScheme::ECDSA_NISTP384_SHA384,
            SignatureScheme::ECDSA_NISTP256_SHA256,
            SignatureScheme::ED25519,
        ]
    );
}

#[test]
fn server_cert_is_shaped_like_go_plugins() {
    let (der, key) = generate_server_cert().unwrap_or_default();
    assert!(!der.is_empty() && !key.is_empty());
    // The SAN and CN "localhost" appear in the encoded certificate.
    assert!(der.windows(9).any(|w| w == b"localhost"));
    // Two certificates never share a key.
    let (_, other_key) = generate_server_cert().unwrap_or_default();
    assert_ne!(key, other_key);
}

#[test]
fn a_non_pem_client_cert_is_refused() {
    assert!(matches!(
        ServerTls::auto_mtls("not a certificate"),
        Err(TlsError::ClientCert(_))
    ));
}
