//! Mints PyPI-style API tokens for tests: binary V2 macaroons signed, as
//! pymacaroons signs them, with a throw-away key, whose caveats are PyPI's
//! JSON. No such token opens anything; the provider only reads them.
//!
//! Also compiled into the library's unit tests (`src/pypi_token/mod.rs`
//! includes this file), so both kinds of test mint tokens one way. It may
//! therefore use only crates the library's tests have too.

use base64::engine::general_purpose::{URL_SAFE, URL_SAFE_NO_PAD};
use base64::Engine;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// The key every minted token is signed with. Known to all, so it protects nothing.
pub const THROW_AWAY_KEY: &[u8] = b"throw-away key for tests only";
/// The location minted tokens carry.
pub const LOCATION: &str = "registry.example";
/// Seconds in a day, for expiries relative to now.
pub const DAY: i64 = 86_400;

/// A caveat of the macaroon being minted.
#[derive(Clone)]
enum MintCaveat {
    FirstParty(Vec<u8>),
    ThirdParty {
        location: String,
        identifier: Vec<u8>,
        verification_id: Vec<u8>,
    },
}

/// A macaroon under construction: add caveats, then take its [`Mint::token`].
#[derive(Clone)]
pub struct Mint {
    identifier: Vec<u8>,
    caveats: Vec<MintCaveat>,
}

impl Default for Mint {
    fn default() -> Self {
        Mint::new("token-under-test")
    }
}

impl Mint {
    /// A macaroon with this identifier and no caveats.
    pub fn new(identifier: &str) -> Self {
        Mint {
            identifier: identifier.as_bytes().to_vec(),
            caveats: Vec::new(),
        }
    }

    /// Adds a first-party caveat with this predicate (any text, JSON or not).
    pub fn caveat(mut self, predicate: &str) -> Self {
        self.caveats
            .push(MintCaveat::FirstParty(predicate.as_bytes().to_vec()));
        self
    }

    /// Adds a third-party caveat (PyPI mints none; the decoder must skip them).
    pub fn third_party(mut self, location: &str, identifier: &str, verification_id: &[u8]) -> Self {
        self.caveats.push(MintCaveat::ThirdParty {
            location: location.to_string(),
            identifier: identifier.as_bytes().to_vec(),
            verification_id: verification_id.to_vec(),
        });
        self
    }

    /// `[0, expires_at, not_before]`.
    pub fn expiration(self, expires_at: i64, not_before: i64) -> Self {
        self.caveat(&format!("[0,{expires_at},{not_before}]"))
    }

    /// `[1, [names…]]`.
    pub fn project_names(self, names: &[&str]) -> Self {
        self.caveat(&format!("[1,{}]", json_strings(names)))
    }

    /// `[2, [ids…]]`.
    pub fn project_ids(self, ids: &[&str]) -> Self {
        self.caveat(&format!("[2,{}]", json_strings(ids)))
    }

    /// `[3, user_id]`: what PyPI writes into a user-scoped token.
    pub fn user(self, user_id: &str) -> Self {
        self.caveat(&format!("[3,{}]", json_string(user_id)))
    }

    /// `[4, publisher_id]`: what trusted publishing writes.
    pub fn trusted_publisher(self, publisher_id: &str) -> Self {
        self.caveat(&format!("[4,{}]", json_string(publisher_id)))
    }

    /// The macaroon's signature: HMAC-SHA256 chained over the identifier
    /// and each caveat, from a key derived as pymacaroons derives it.
    pub fn signature(&self) -> [u8; 32] {
        let derived = hmac(b"macaroons-key-generator", THROW_AWAY_KEY);
        let mut signature = hmac(&derived, &self.identifier);
        for caveat in &self.caveats {
            signature = match caveat {
                MintCaveat::FirstParty(predicate) => hmac(&signature, predicate),
                MintCaveat::ThirdParty {
                    identifier,
                    verification_id,
                    ..
                } => {
                    let both = [
                        hmac(&signature, verification_id),
                        hmac(&signature, identifier),
                    ]
                    .concat();
                    hmac(&signature, &both)
                }
            };
        }
        signature
    }

    /// The binary V2 serialization, as pymacaroons writes it.
    pub fn bytes(&self) -> Vec<u8> {
        let mut out = vec![2u8];
        field(&mut out, 1, LOCATION.as_bytes());
        field(&mut out, 2, &self.identifier);
        out.push(0);
        for caveat in &self.caveats {
            match caveat {
                MintCaveat::FirstParty(predicate) => field(&mut out, 2, predicate),
                MintCaveat::ThirdParty {
                    location,
                    identifier,
                    verification_id,
                } => {
                    field(&mut out, 1, location.as_bytes());
                    field(&mut out, 2, identifier);
                    field(&mut out, 4, verification_id);
                }
            }
            out.push(0);
        }
        out.push(0);
        field(&mut out, 6, &self.signature());
        out
    }

    /// `pypi-` and the unpadded URL-safe base64 of [`Mint::bytes`], as PyPI shows it.
    pub fn token(&self) -> String {
        token_from_bytes(&self.bytes())
    }

    /// Like [`Mint::token`] but with base64 padding.
    pub fn padded_token(&self) -> String {
        format!("pypi-{}", URL_SAFE.encode(self.bytes()))
    }
}

/// `pypi-` and the unpadded URL-safe base64 of any bytes (for malformed tokens).
pub fn token_from_bytes(bytes: &[u8]) -> String {
    format!("pypi-{}", URL_SAFE_NO_PAD.encode(bytes))
}

/// Appends one V2 field: type varint, length varint, data.
fn field(out: &mut Vec<u8>, field_type: u8, data: &[u8]) {
    out.push(field_type);
    let mut length = data.len();
    loop {
        let low = (length & 0x7f) as u8;
        length >>= 7;
        if length == 0 {
            out.push(low);
            break;
        }
        out.push(low | 0x80);
    }
    out.extend_from_slice(data);
}

fn hmac(key: &[u8], data: &[u8]) -> [u8; 32] {
    let mut mac =
        <Hmac<Sha256> as KeyInit>::new_from_slice(key).expect("HMAC takes keys of any length");
    mac.update(data);
    mac.finalize().into_bytes().into()
}

fn json_string(text: &str) -> String {
    serde_json::Value::String(text.to_string()).to_string()
}

fn json_strings(items: &[&str]) -> String {
    serde_json::Value::from(items.iter().map(|s| s.to_string()).collect::<Vec<_>>()).to_string()
}
