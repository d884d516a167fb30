//! go-plugin's AutoMTLS: the plugin generates a self-signed server
//! certificate (sent in the handshake line) and accepts exactly the client
//! certificate Terraform put in `PLUGIN_CLIENT_CERT`.
//!
//! Terraform's certificate is ECDSA P-521 with `IsCA=true`: webpki refuses
//! such a leaf, hence a pinned verifier that only checks the handshake
//! signature made with its key.
//!
//! Which crypto, and why (issue 9): the server side uses *ring* for its key,
//! its certificate signature and the TLS session (key exchange, ciphers,
//! random numbers), and RustCrypto's `p521` to verify the client's P-521
//! signature, which *ring* cannot do. aws-lc (rustls' default; not in the
//! provider's build any more, as the Google API clients use *ring* too) seeds
//! its random generator from CPU-jitter entropy the first time a process
//! needs randomness (here: making the server key):
//! under callgrind that was nearly all of the 420.6 M instructions before the
//! handshake line, about 30 ms of every start. *ring* reads `getrandom`
//! instead: 1.6 M instructions. The alternative, building aws-lc with
//! `AWS_LC_SYS_NO_JITTER_ENTROPY=1`, was as fast but only holds for builds
//! that set the variable (a `cargo install` elsewhere would silently be slow
//! again). BENCHMARKS.md, "Start-up", has the measurements of both.

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use rustls::client::danger::HandshakeSignatureValid;
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, UnixTime};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::{CertificateError, DigitallySignedStruct, DistinguishedName, SignatureScheme};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

mod p521_verifier;

/// Why AutoMTLS could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// `PLUGIN_CLIENT_CERT` held no PEM certificate.
    #[error("PLUGIN_CLIENT_CERT does not contain a PEM certificate: {0}")]
    ClientCert(String),
    /// Generating the server certificate failed.
    #[error("could not generate the plugin's TLS certificate: {0}")]
    Generate(#[from] rcgen::Error),
    /// rustls refused the configuration.
    #[error("could not configure TLS: {0}")]
    Config(#[from] rustls::Error),
}

/// The TLS side of a plugin server: its certificate and rustls configuration.
#[derive(Clone)]
pub struct ServerTls {
    /// The server leaf certificate (DER), announced in the handshake line.
    pub cert_der: Vec<u8>,
    /// Server configuration requiring the pinned client certificate.
    pub config: Arc<rustls::ServerConfig>,
}

/// The rustls provider of the plugin's TLS server: *ring* for everything but
/// the client's signature, which may be ECDSA P-256, P-384 or P-521 (what
/// Terraform uses) or Ed25519.
pub fn crypto_provider() -> Arc<CryptoProvider> {
    Arc::new(CryptoProvider {
        signature_verification_algorithms: CLIENT_SIGNATURE_ALGORITHMS,
        ..rustls::crypto::ring::default_provider()
    })
}

/// How a client may prove it holds its certificate's key. P-521 comes first:
/// rustls offers the schemes in this order and Terraform's key is P-521.
static CLIENT_SIGNATURE_ALGORITHMS: WebPkiSupportedAlgorithms = WebPkiSupportedAlgorithms {
    all: &[
        p521_verifier::ECDSA_P521_SHA512,
        webpki::ring::ECDSA_P384_SHA384,
        webpki::ring::ECDSA_P256_SHA384,
        webpki::ring::ECDSA_P256_SHA256,
        webpki::ring::ECDSA_P384_SHA256,
        webpki::ring::ED25519,
    ],
    mapping: &[
        (
            SignatureScheme::ECDSA_NISTP521_SHA512,
            &[p521_verifier::ECDSA_P521_SHA512],
        ),
        (
            SignatureScheme::ECDSA_NISTP384_SHA384,
            &[
                webpki::ring::ECDSA_P384_SHA384,
                webpki::ring::ECDSA_P256_SHA384,
            ],
        ),
        (
            SignatureScheme::ECDSA_NISTP256_SHA256,
            &[
                webpki::ring::ECDSA_P256_SHA256,
                webpki::ring::ECDSA_P384_SHA256,
            ],
        ),
        (SignatureScheme::ED25519, &[webpki::ring::ED25519]),
    ],
};

impl ServerTls {
    /// A fresh server certificate that accepts only the client certificate in `client_cert_pem`.
    pub fn auto_mtls(client_cert_pem: &str) -> Result<ServerTls, TlsError> {
        let client_der = CertificateDer::from_pem_slice(client_cert_pem.as_bytes())
            .map_err(|e| TlsError::ClientCert(e.to_string()))?;
        let (cert_der, key_der) = generate_server_cert()?;
        let provider = crypto_provider();
        let verifier = PinnedClientCert {
            pinned: client_der.as_ref().to_vec(),
            algorithms: provider.signature_verification_algorithms,
        };
        let mut config = rustls::ServerConfig::builder_with_provider(provider)
            .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])?
            .with_client_cert_verifier(Arc::new(verifier))
            .with_single_cert(
                vec![CertificateDer::from(cert_der.clone())],
                PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key_der)),
            )?;
        // grpc-go 1.67+ refuses TLS servers that do not negotiate h2.
        config.alpn_protocols = vec![b"h2".to_vec()];
        Ok(ServerTls {
            cert_der,
            config: Arc::new(config),
        })
    }
}

/// The server's ECDSA P-256 key, made and used with *ring*. Terraform accepts
/// whatever key the handshake certificate carries, and P-256 is the curve
/// *ring* signs fastest.
struct ServerKey {
    /// The key pair, for signing the certificate.
    pair: ring::signature::EcdsaKeyPair,
    /// The same key as PKCS#8 DER, for rustls.
    pkcs8: Vec<u8>,
    /// The operating system's random numbers (`getrandom`).
    rng: ring::rand::SystemRandom,
}

impl ServerKey {
    /// A new random key.
    fn generate() -> Result<ServerKey, rcgen::Error> {
        let alg = &ring::signature::ECDSA_P256_SHA256_ASN1_SIGNING;
        let rng = ring::rand::SystemRandom::new();
        let pkcs8 = ring::signature::EcdsaKeyPair::generate_pkcs8(alg, &rng)
            .map_err(|_| rcgen::Error::RingUnspecified)?;
        let pair = ring::signature::EcdsaKeyPair::from_pkcs8(alg, pkcs8.as_ref(), &rng)
            .map_err(|e| rcgen::Error::RingKeyRejected(e.to_string()))?;
        Ok(ServerKey {
            pair,
            pkcs8: pkcs8.as_ref().to_vec(),
            rng,
        })
    }
}

impl rcgen::PublicKeyData for ServerKey {
    fn der_bytes(&self) -> &[u8] {
        // The uncompressed point, which rcgen wraps in a SubjectPublicKeyInfo.
        ring::signature::KeyPair::public_key(&self.pair).as_ref()
    }

    fn algorithm(&self) -> &'static rcgen::SignatureAlgorithm {
        &rcgen::PKCS_ECDSA_P256_SHA256
    }
}

impl rcgen::SigningKey for ServerKey {
    fn sign(&self, msg: &[u8]) -> Result<Vec<u8>, rcgen::Error> {
        self.pair
            .sign(&self.rng, msg)
            .map(|signature| signature.as_ref().to_vec())
            .map_err(|_| rcgen::Error::RingUnspecified)
    }
}

/// A certificate shaped like go-plugin's: CN and DNS SAN `localhost`, server
/// and client auth, `IsCA`, valid for 30 years. Returns (cert DER, PKCS#8 key DER).
fn generate_server_cert() -> Result<(Vec<u8>, Vec<u8>), rcgen::Error> {
    let key = ServerKey::generate()?;
    let mut params = rcgen::CertificateParams::new(vec!["localhost".to_string()])?;
    params.distinguished_name = rcgen::DistinguishedName::new();
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "localhost");
    params
        .distinguished_name
        .push(rcgen::DnType::OrganizationName, "HashiCorp");
    params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    params.key_usages = vec![
        rcgen::KeyUsagePurpose::DigitalSignature,
        rcgen::KeyUsagePurpose::KeyEncipherment,
        rcgen::KeyUsagePurpose::KeyCertSign,
    ];
    params.extended_key_usages = vec![
        rcgen::ExtendedKeyUsagePurpose::ServerAuth,
        rcgen::ExtendedKeyUsagePurpose::ClientAuth,
    ];
    let now = time::OffsetDateTime::now_utc();
    // Slack for clock skew between Terraform and the plugin is not needed
    // (same host), but go-plugin backdates by 30 s as well.
    params.not_before = now - time::Duration::seconds(30);
    params.not_after = now + time::Duration::hours(262_980);
    params.serial_number = Some(rcgen::SerialNumber::from_slice(&rand::random::<[u8; 16]>()));
    let cert = params.self_signed(&key)?;
    Ok((cert.der().as_ref().to_vec(), key.pkcs8))
}

/// Accepts exactly one client certificate (byte for byte) and verifies the
/// handshake signature made with its key.
#[derive(Debug)]
pub struct PinnedClientCert {
    /// The DER of the only acceptable client certificate.
    pinned: Vec<u8>,
    /// Signature algorithms used to check the client's proof of key possession.
    algorithms: WebPkiSupportedAlgorithms,
}

impl ClientCertVerifier for PinnedClientCert {
    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        &[]
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        if end_entity.as_ref() == self.pinned.as_slice() {
            Ok(ClientCertVerified::assertion())
        } else {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::ApplicationVerificationFailure,
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

/// A TLS connection tonic can serve (it needs `Connected` for peer info).
pub struct TlsConn(
    /// The accepted TLS stream over TCP.
    pub tokio_rustls::server::TlsStream<TcpStream>,
);

impl tonic::transport::server::Connected for TlsConn {
    type ConnectInfo = tonic::transport::server::TcpConnectInfo;
    fn connect_info(&self) -> Self::ConnectInfo {
        self.0.get_ref().0.connect_info()
    }
}

impl AsyncRead for TlsConn {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.0).poll_read(cx, buf)
    }
}

impl AsyncWrite for TlsConn {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.0).poll_write(cx, buf)
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.0).poll_flush(cx)
    }
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.0).poll_shutdown(cx)
    }
    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.0).poll_write_vectored(cx, bufs)
    }
    fn is_write_vectored(&self) -> bool {
        self.0.is_write_vectored()
    }
}

#[cfg(test)]
mod tests;
