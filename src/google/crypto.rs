//! The crypto under the Google API clients' TLS and service-account
//! signatures: *ring*, as for the plugin's own TLS server.
//!
//! Why *ring* (issue 9): aws-lc-rs, what reqwest and google-cloud-auth bring
//! by default, was in the binary only for these clients, and it made the
//! binary bigger, the idle process bigger and the fuzz crate's sanitizer
//! build slow (its C library is built with the sanitizers too). With *ring*
//! for both sides one crypto library is linked.
//!
//! Why a process-wide default: both clients are built without a provider of
//! their own (`reqwest` feature `rustls-no-provider`, `google-cloud-auth`
//! without `default-rustls-provider`) and take rustls' process default:
//! reqwest when a client is built, google-cloud-auth when it builds its own
//! HTTP clients and when it signs a service-account JWT. Without one installed
//! both panic, so every place here that builds either calls [`install`]
//! first. The root certificates are unchanged: reqwest's platform verifier
//! (the system's store).

/// Makes *ring* rustls' process default unless a provider is installed
/// already. Call it before building a reqwest client or google-cloud-auth
/// credentials; after the first call it does nothing.
pub fn install() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // `Err` only means a default is in place already (chosen by a program
        // embedding this library): it serves the clients as well, and rustls
        // cannot replace it anyway.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}
