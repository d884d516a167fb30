//! What a token's facts mean for a plan: errors for a token PyPI would
//! refuse now or within minutes, warnings for one it will refuse soon or
//! that looks mistyped. The texts name the fix; none repeats the token.

use super::facts::Scope;
use super::timestamp::describe;
use super::Inspection;

/// The username PyPI expects with an API token.
pub const TOKEN_USERNAME: &str = "__token__";
/// A token that expires within this many days draws a warning.
pub const EXPIRY_WARNING_DAYS: i64 = 30;
/// How far in the future `not_before` may be before it is an error: PyPI
/// sets it to the moment it mints the token, and the clock running
/// Terraform may be behind PyPI's by a little.
pub const CLOCK_SKEW_SECONDS: i64 = 300;
const SECONDS_PER_DAY: i64 = 86_400;

/// How serious a [`Finding`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    /// The token cannot work (now, or minutes from now): fail the plan.
    Error,
    /// The token works now but probably not for long, or may be mistyped.
    Warning,
}

/// One thing worth telling the user about a token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Finding {
    /// The token expired at `at` (Unix seconds).
    Expired {
        /// When it expired.
        at: i64,
    },
    /// The token is valid only from `from` (Unix seconds), later than now.
    NotYetValid {
        /// When it becomes valid.
        from: i64,
    },
    /// A trusted-publishing token, which expires within minutes.
    TrustedPublisher,
    /// The token expires at `at` (Unix seconds), `days` whole days from now,
    /// within [`EXPIRY_WARNING_DAYS`].
    ExpiresSoon {
        /// When it expires.
        at: i64,
        /// Whole days left (0 when less than a day).
        days: i64,
    },
    /// The username is [`TOKEN_USERNAME`] but the value lacks the `pypi-` prefix.
    NotPypiToken,
    /// The value starts with `pypi-` but is not a macaroon this decoder reads.
    Unreadable,
    /// The value has whitespace around the token.
    SurroundingWhitespace,
}

impl Finding {
    /// Errors fail the plan; warnings are shown.
    pub fn severity(&self) -> Severity {
        match self {
            Finding::Expired { .. } | Finding::NotYetValid { .. } | Finding::TrustedPublisher => {
                Severity::Error
            }
            Finding::ExpiresSoon { .. }
            | Finding::NotPypiToken
            | Finding::Unreadable
            | Finding::SurroundingWhitespace => Severity::Warning,
        }
    }

    /// One line for the diagnostic's summary.
    pub fn summary(&self) -> String {
        match self {
            Finding::Expired { .. } => "The PyPI token has expired".into(),
            Finding::NotYetValid { .. } => "The PyPI token is not valid yet".into(),
            Finding::TrustedPublisher => {
                "The PyPI token is a short-lived trusted-publishing token".into()
            }
            Finding::ExpiresSoon { days: 0, .. } => {
                "The PyPI token expires in less than a day".into()
            }
            Finding::ExpiresSoon { days: 1, .. } => "The PyPI token expires in 1 day".into(),
            Finding::ExpiresSoon { days, .. } => format!("The PyPI token expires in {days} days"),
            Finding::NotPypiToken => {
                format!("Username {TOKEN_USERNAME} with a value that is not a PyPI API token")
            }
            Finding::Unreadable => "The PyPI token could not be read".into(),
            Finding::SurroundingWhitespace => "The PyPI token has whitespace around it".into(),
        }
    }

    /// What it means and what to do about it.
    pub fn detail(&self) -> String {
        const NEW_TOKEN: &str =
            "Create a new API token in your PyPI account settings and store it in place of this one.";
        match self {
            Finding::Expired { at } => format!(
                "The PyPI token expired at {}. PyPI refuses it, so Artifact Registry could not fetch packages with it. {NEW_TOKEN}",
                describe(*at)
            ),
            Finding::NotYetValid { from } => format!(
                "The PyPI token is valid only from {}, so PyPI would refuse it now. If the token is new, check this machine's clock. {NEW_TOKEN}",
                describe(*from)
            ),
            Finding::TrustedPublisher => format!(
                "Trusted publishing mints tokens that expire within minutes; Artifact Registry would soon be refused with it. {NEW_TOKEN}"
            ),
            Finding::ExpiresSoon { at, .. } => format!(
                "The PyPI token expires at {}; after that PyPI refuses it and Artifact Registry can no longer fetch packages with it. Before then: {NEW_TOKEN}",
                describe(*at)
            ),
            Finding::NotPypiToken => format!(
                "PyPI expects the username {TOKEN_USERNAME} with an API token, which starts with `pypi-`, and this value does not. Use the whole API token, or the username your index expects if it is not PyPI."
            ),
            Finding::Unreadable => "The value starts with `pypi-` but the rest is not a PyPI API token this provider can read, so its expiry and scope are unknown. Check that the token was copied whole, with nothing missing or added.".into(),
            Finding::SurroundingWhitespace => "The value has whitespace (such as a newline read from a file) before or after the token, which would be stored and sent as part of it, and PyPI would refuse it. Remove it, for example with trimspace().".into(),
        }
    }
}

/// The findings about `inspection` for a token sent with `username`, at
/// `now_unix` (Unix seconds). Tokens that are not PyPI's draw nothing, as
/// private indexes use their own, unless the username is PyPI's.
pub fn assess(inspection: &Inspection, username: &str, now_unix: i64) -> Vec<Finding> {
    let facts = match inspection {
        Inspection::NotPypiToken if username == TOKEN_USERNAME => {
            return vec![Finding::NotPypiToken]
        }
        Inspection::NotPypiToken => return Vec::new(),
        Inspection::Undecodable(_) => return vec![Finding::Unreadable],
        Inspection::Macaroon(facts) => facts,
    };
    let mut findings = Vec::new();
    if let Some(at) = facts.expires_at.filter(|at| *at <= now_unix) {
        findings.push(Finding::Expired { at });
    }
    if let Some(from) = facts
        .not_before
        .filter(|from| *from > now_unix.saturating_add(CLOCK_SKEW_SECONDS))
    {
        findings.push(Finding::NotYetValid { from });
    }
    let trusted_publisher = facts.scope == Scope::TrustedPublisher;
    if trusted_publisher {
        findings.push(Finding::TrustedPublisher);
    }
    if let Some(at) = facts.expires_at.filter(|at| *at > now_unix) {
        let left = at.saturating_sub(now_unix);
        // A trusted-publishing token is already an error for expiring soon.
        if left <= EXPIRY_WARNING_DAYS * SECONDS_PER_DAY && !trusted_publisher {
            findings.push(Finding::ExpiresSoon {
                at,
                days: left / SECONDS_PER_DAY,
            });
        }
    }
    if facts.surrounding_whitespace {
        findings.push(Finding::SurroundingWhitespace);
    }
    findings
}
