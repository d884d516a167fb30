//! What a PyPI token's caveats say about it, combined as PyPI checks them:
//! every caveat must hold, so the validity window is the intersection of
//! the expiration caveats and the project scope the intersection of the
//! project caveats.

use std::collections::BTreeSet;

use super::binary::Macaroon;
use super::caveats::{interpret, Caveat};

/// What a `pypi-` token says about itself. Holds no byte of the token, its
/// identifier or its signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenFacts {
    /// First second (Unix) the token is no longer valid; `None` when no caveat limits it.
    pub expires_at: Option<i64>,
    /// First second (Unix) the token is valid; `None` when no caveat limits it.
    pub not_before: Option<i64>,
    /// What the token may be used for.
    pub scope: Scope,
    /// The value had whitespace before or after it (a pasted newline, say),
    /// which would be stored and sent as part of the token.
    pub surrounding_whitespace: bool,
    /// First-party caveats whose predicate is not one PyPI writes. PyPI
    /// refuses such a token; the facts above ignore them.
    pub unrecognised_caveats: usize,
    /// Third-party caveats (PyPI mints none).
    pub third_party_caveats: usize,
}

/// What a token may be used for, from its scope caveats.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// Everything the user may do (a user-scoped API token).
    User,
    /// Only these projects: normalized names, sorted, without repeats.
    Projects(Vec<String>),
    /// Only the projects with these IDs (no project-name caveat to say which
    /// names they are): sorted, without repeats.
    ProjectIds(Vec<String>),
    /// A short-lived token minted by trusted publishing.
    TrustedPublisher,
    /// No scope caveat this decoder knows.
    Unknown,
}

impl TokenFacts {
    /// Combines the first-party caveats of a parsed macaroon.
    pub(super) fn from_macaroon(macaroon: &Macaroon<'_>, surrounding_whitespace: bool) -> Self {
        let mut facts = TokenFacts {
            expires_at: None,
            not_before: None,
            scope: Scope::Unknown,
            surrounding_whitespace,
            unrecognised_caveats: 0,
            third_party_caveats: macaroon.third_party,
        };
        let mut names: Option<BTreeSet<String>> = None;
        let mut ids: Option<BTreeSet<String>> = None;
        let mut user = false;
        let mut trusted_publisher = false;
        for predicate in &macaroon.first_party {
            match interpret(predicate) {
                Caveat::Expiration {
                    expires_at,
                    not_before,
                } => {
                    facts.expires_at =
                        Some(facts.expires_at.map_or(expires_at, |e| e.min(expires_at)));
                    facts.not_before =
                        Some(facts.not_before.map_or(not_before, |n| n.max(not_before)));
                }
                Caveat::ProjectNames(list) => intersect(&mut names, list),
                Caveat::ProjectIds(list) => intersect(&mut ids, list),
                Caveat::User => user = true,
                Caveat::TrustedPublisher => trusted_publisher = true,
                Caveat::Unrecognised => facts.unrecognised_caveats += 1,
            }
        }
        // Most telling first: a trusted-publishing token also names its
        // projects, and a project caveat narrows a user-scoped token.
        facts.scope = if trusted_publisher {
            Scope::TrustedPublisher
        } else if let Some(names) = names {
            Scope::Projects(names.into_iter().collect())
        } else if let Some(ids) = ids {
            Scope::ProjectIds(ids.into_iter().collect())
        } else if user {
            Scope::User
        } else {
            Scope::Unknown
        };
        facts
    }
}

/// Narrows `set` to the members of `list` (the first list sets it).
fn intersect(set: &mut Option<BTreeSet<String>>, list: Vec<String>) {
    let list: BTreeSet<String> = list.into_iter().collect();
    *set = Some(match set.take() {
        None => list,
        Some(current) => current.intersection(&list).cloned().collect(),
    });
}
