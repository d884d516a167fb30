//! Unit tests of the decoder on tokens minted here (`mint`, shared with the
//! end-to-end tests) and on tokens pymacaroons minted (`pymacaroons`).

mod assess;
mod decode;
mod malformed;
mod pymacaroons;
mod secrecy;

use super::mint::{token_from_bytes, Mint, DAY};
use super::{inspect, Inspection, Scope, TokenFacts};

/// A fixed "now" (2026-01-01T00:00:00Z) so the tests do not depend on the clock.
const NOW: i64 = 1_767_225_600;

/// The facts of a token that must decode.
fn facts(token: &str) -> TokenFacts {
    match inspect(token) {
        Inspection::Macaroon(facts) => facts,
        other => panic!("not decoded: {other:?}"),
    }
}

/// A user-scoped token as PyPI mints it, with an expiry.
fn user_token(expires_at: i64, not_before: i64) -> Mint {
    Mint::default()
        .user("user-uuid")
        .expiration(expires_at, not_before)
}
