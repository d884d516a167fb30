//! ECDSA P-521 with SHA-512 signature verification for rustls, from RustCrypto's
//! `p521`: Terraform's client certificate key is P-521, *ring* cannot verify
//! P-521, and aws-lc (which can) is kept off the start-up path (see `tls.rs`).

use ecdsa::signature::Verifier as _;
use rustls::pki_types::alg_id;
use rustls::pki_types::{AlgorithmIdentifier, InvalidSignature, SignatureVerificationAlgorithm};

/// `ecdsa_secp521r1_sha512`: a P-521 public key, a DER-encoded signature over SHA-512.
#[derive(Debug)]
struct EcdsaP521Sha512;

/// The verifier, shaped like the algorithms rustls-webpki exports.
pub(super) static ECDSA_P521_SHA512: &dyn SignatureVerificationAlgorithm = &EcdsaP521Sha512;

impl SignatureVerificationAlgorithm for EcdsaP521Sha512 {
    fn verify_signature(
        &self,
        public_key: &[u8],
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), InvalidSignature> {
        // Every input here comes from the peer: any parse failure is just an invalid signature.
        let key =
            p521::ecdsa::VerifyingKey::from_sec1_bytes(public_key).map_err(|_| InvalidSignature)?;
        let signature =
            p521::ecdsa::Signature::from_der(signature).map_err(|_| InvalidSignature)?;
        key.verify(message, &signature)
            .map_err(|_| InvalidSignature)
    }

    fn public_key_alg_id(&self) -> AlgorithmIdentifier {
        alg_id::ECDSA_P521
    }

    fn signature_alg_id(&self) -> AlgorithmIdentifier {
        alg_id::ECDSA_SHA512
    }

    fn fips(&self) -> bool {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ecdsa::signature::Signer as _;

    /// A fixed P-521 signing key (any scalar below the group order will do).
    fn signing_key(seed: u8) -> Option<p521::ecdsa::SigningKey> {
        let mut scalar = [0u8; 66];
        scalar[1..].fill(seed);
        p521::ecdsa::SigningKey::from_slice(&scalar).ok()
    }

    /// (SEC1 uncompressed public key, DER signature of `message`).
    fn signed(seed: u8, message: &[u8]) -> (Vec<u8>, Vec<u8>) {
        let Some(key) = signing_key(seed) else {
            return (Vec::new(), Vec::new());
        };
        let public = key.verifying_key().to_sec1_point(false).as_bytes().to_vec();
        let signature: p521::ecdsa::Signature = key.sign(message);
        (public, signature.to_der().as_bytes().to_vec())
    }

    #[test]
    fn a_valid_signature_verifies() {
        let (public, signature) = signed(7, b"handshake transcript");
        assert_eq!(public.len(), 133, "uncompressed P-521 point");
        assert!(ECDSA_P521_SHA512
            .verify_signature(&public, b"handshake transcript", &signature)
            .is_ok());
    }

    #[test]
    fn a_changed_message_or_another_key_is_refused() {
        let (public, signature) = signed(7, b"handshake transcript");
        let (other_public, _) = signed(9, b"handshake transcript");
        assert!(ECDSA_P521_SHA512
            .verify_signature(&public, b"handshake transcripT", &signature)
            .is_err());
        assert!(ECDSA_P521_SHA512
            .verify_signature(&other_public, b"handshake transcript", &signature)
            .is_err());
    }

    #[test]
    fn malformed_keys_and_signatures_are_refused_without_panicking() {
        let (public, signature) = signed(7, b"m");
        let mut flipped = signature.clone();
        if let Some(last) = flipped.last_mut() {
            *last ^= 1;
        }
        let cases: [(&[u8], &[u8]); 5] = [
            (&public, &flipped),
            (&public, &signature[..signature.len() - 1]),
            (&public, b""),
            (&public[..public.len() - 1], &signature),
            (b"\x04", &signature),
        ];
        for (key, sig) in cases {
            assert!(ECDSA_P521_SHA512.verify_signature(key, b"m", sig).is_err());
        }
    }

    #[test]
    fn it_matches_the_identifiers_webpki_expects() {
        assert_eq!(ECDSA_P521_SHA512.public_key_alg_id(), alg_id::ECDSA_P521);
        assert_eq!(ECDSA_P521_SHA512.signature_alg_id(), alg_id::ECDSA_SHA512);
    }
}
