//! Reads a PyPI API token offline (no key, no network): when it expires and
//! what it may be used for, so a plan can warn before Artifact Registry's
//! fetches from PyPI start failing. Knows nothing of Terraform.
//!
//! A PyPI API token is `pypi-` and the base64 of a macaroon in the binary
//! V2 format (`binary.rs`), whose first-party caveats are JSON
//! (`caveats.rs`). [`inspect`] reads a token into an [`Inspection`];
//! [`assess`] turns that into [`Finding`]s at a given time.
//!
//! Nothing here keeps or prints any byte of the token: [`Inspection`],
//! [`TokenFacts`], [`ParseError`] and [`Finding`] hold only facts, and
//! their `Debug` and `Display` output is safe to log.

mod binary;
mod caveats;
mod encoding;
mod error;
mod facts;
mod findings;
mod timestamp;

// One way to mint test tokens, shared with the end-to-end tests; not every
// helper is used by the unit tests.
#[cfg(test)]
#[allow(dead_code)]
#[path = "../../tests/support/macaroon.rs"]
mod mint;
#[cfg(test)]
mod tests;

pub use encoding::PYPI_PREFIX;
pub use error::ParseError;
pub use facts::{Scope, TokenFacts};
pub use findings::{
    assess, Finding, Severity, CLOCK_SKEW_SECONDS, EXPIRY_WARNING_DAYS, TOKEN_USERNAME,
};
pub use timestamp::rfc3339;

/// What [`inspect`] made of a token value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Inspection {
    /// No `pypi-` prefix: a private index's token, say. Nothing to read.
    NotPypiToken,
    /// A `pypi-` prefix, but what follows is not a V2 macaroon.
    Undecodable(ParseError),
    /// A PyPI macaroon, and what its caveats say.
    Macaroon(TokenFacts),
}

/// Reads `token`. Whitespace around it is ignored for reading and recorded
/// in [`TokenFacts::surrounding_whitespace`]. Never panics; allocates at
/// most about the token's length.
pub fn inspect(token: &str) -> Inspection {
    let trimmed = token.trim();
    let Some(encoded) = trimmed.strip_prefix(PYPI_PREFIX) else {
        return Inspection::NotPypiToken;
    };
    let surrounding_whitespace = trimmed.len() != token.len();
    let read = encoding::decode_base64(encoded).and_then(|bytes| {
        binary::parse_v2(&bytes)
            .map(|macaroon| TokenFacts::from_macaroon(&macaroon, surrounding_whitespace))
    });
    match read {
        Ok(facts) => Inspection::Macaroon(facts),
        Err(error) => Inspection::Undecodable(error),
    }
}

/// `token_scope` for a token [`inspect`] could not read as PyPI's.
const UNKNOWN_SCOPE: &str = "unknown";

impl Inspection {
    /// When the token expires, RFC 3339 in UTC to the second; `None` when
    /// it carries no expiry, could not be read, or expires after year 9999.
    pub fn token_expires_at(&self) -> Option<String> {
        match self {
            Inspection::Macaroon(facts) => rfc3339(facts.expires_at?),
            Inspection::NotPypiToken | Inspection::Undecodable(_) => None,
        }
    }

    /// The token's scope as one string: `user`, `projects:<names>` (comma
    /// separated, sorted), `trusted-publisher`, or `unknown`.
    ///
    /// A token limited by project IDs alone is `unknown`: its caveats do not
    /// say which names the IDs belong to, and writing the IDs after
    /// `projects:` would pass them off as names. PyPI's project-scoped
    /// tokens carry the names too, so they read as `projects:<names>`.
    pub fn token_scope(&self) -> String {
        let Inspection::Macaroon(facts) = self else {
            return UNKNOWN_SCOPE.into();
        };
        match &facts.scope {
            Scope::User => "user".into(),
            Scope::Projects(names) => format!("projects:{}", names.join(",")),
            Scope::TrustedPublisher => "trusted-publisher".into(),
            Scope::ProjectIds(_) | Scope::Unknown => UNKNOWN_SCOPE.into(),
        }
    }
}
