//! go-plugin's AutoMTLS: the plugin generates a self-signed server
//! certificate (sent in the handshake line) and accepts exactly the client
//! certificate Terraform put in `PLUGIN_CLIENT_CERT`.
//!
//! Terraform's certificate is ECDSA P-521 with `IsCA=true`: webpki refuses
//! such a leaf and rustls' ring provider cannot verify P-521, hence a pinned
//! verifier that checks handshake signatures with aws-lc-rs.

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

/// The aws-lc-rs provider: it verifies ECDSA P-521, which Terraform uses.
pub fn crypto_provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::aws_lc_rs::default_provider())
}

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

/// A certificate shaped like go-plugin's: CN and DNS SAN `localhost`, server
/// and client auth, `IsCA`, valid for 30 years. Returns (cert DER, PKCS#8 key DER).
fn generate_server_cert() -> Result<(Vec<u8>, Vec<u8>), rcgen::Error> {
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)?;
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
    Ok((cert.der().as_ref().to_vec(), key.serialize_der()))
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
mod tests {
    use super::*;

    #[test]
    fn server_cert_is_shaped_like_go_plugins() {
        let (der, key) = generate_server_cert().unwrap_or_default();
        assert!(!der.is_empty() && !key.is_empty());
        // The SAN and CN "localhost" appear in the encoded certificate.
        assert!(der.windows(9).any(|w| w == b"localhost"));
    }

    #[test]
    fn a_non_pem_client_cert_is_refused() {
        assert!(matches!(
            ServerTls::auto_mtls("not a certificate"),
            Err(TlsError::ClientCert(_))
        ));
    }
}
