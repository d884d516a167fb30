//! What the configuration wants of Google, as the convergence routine and
//! its helpers read it.

use std::collections::BTreeMap;

use super::ids::{RepositoryRef, SecretRef};
use super::model::{PreviousVersionPolicy, Token};

/// What the configuration wants.
pub struct Desired<'a> {
    /// The repository.
    pub repo: &'a RepositoryRef,
    /// The secret holding the token.
    pub secret: &'a SecretRef,
    /// The token.
    pub token: &'a Token,
    /// The upstream username.
    pub username: String,
    /// The repository project's number, when the plan already knows it.
    pub number: Option<String>,
    /// The secret most likely does not exist yet (a create): send the
    /// create before reading it.
    pub create_first: bool,
    /// The plan stores a new token: the version in use must be proven to hold it.
    pub new_token: bool,
    /// Replica locations for a secret created here.
    pub replicas: Vec<String>,
    /// Labels for a secret created here.
    pub labels: BTreeMap<String, String>,
    /// Generate the service agent when IAM does not know it.
    pub create_agent: bool,
    /// What becomes of superseded versions.
    pub previous: PreviousVersionPolicy,
}
