//! The resource's values as typed Rust: what configuration, plan and state
//! hold, decoded through the framework's serde bridge
//! ([`crate::tfplugin::typed`]). A collection whose *elements* are unknown
//! reads as [`Attr::Unknown`] as a whole, which is all validation and
//! planning need. Outgoing values are built by editing the incoming `Value`
//! (see [`set`]) so nothing Terraform sent is ever re-shaped.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer};

use crate::tfplugin::typed::{self, Attr};
use crate::tfplugin::{Number, Value};

/// A PyPI token (or another index's password) held in memory. Its `Debug`
/// prints a placeholder, so no log line or error built from a model can
/// carry it; [`Token::expose`] is the one way to the text.
#[derive(Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct Token(String);

impl Token {
    /// Wraps a token.
    pub fn new(text: impl Into<String>) -> Token {
        Token(text.into())
    }
    /// The token itself, for the one request that stores it and for comparisons.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl From<&str> for Token {
    fn from(text: &str) -> Token {
        Token::new(text)
    }
}

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Token(<redacted, {} bytes>)", self.0.len())
    }
}

/// What becomes of a version a rotation superseded (`previous_version_policy`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PreviousVersionPolicy {
    /// Disable it (the default): it can be re-enabled.
    Disable,
    /// Destroy it: the token is gone for good.
    Destroy,
    /// Leave it enabled.
    Keep,
}

impl PreviousVersionPolicy {
    /// Every accepted value, as written in configuration.
    pub const NAMES: [&'static str; 3] = ["DISABLE", "DESTROY", "KEEP"];
    /// The policy an attribute names; null or unknown is the default.
    pub fn of(attr: &Attr<String>) -> PreviousVersionPolicy {
        match attr.known().map(String::as_str) {
            Some("DESTROY") => PreviousVersionPolicy::Destroy,
            Some("KEEP") => PreviousVersionPolicy::Keep,
            _ => Defaults::PREVIOUS_VERSION_POLICY,
        }
    }
    /// The configuration spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            PreviousVersionPolicy::Disable => "DISABLE",
            PreviousVersionPolicy::Destroy => "DESTROY",
            PreviousVersionPolicy::Keep => "KEEP",
        }
    }
}

/// What destroy does (`deletion_policy`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeletionPolicy {
    /// Clear the credentials and remove what this resource made (the default).
    Delete,
    /// Only forget.
    Abandon,
}

impl DeletionPolicy {
    /// Every accepted value, as written in configuration.
    pub const NAMES: [&'static str; 2] = ["DELETE", "ABANDON"];
    /// The policy an attribute names; null or unknown is the default.
    pub fn of(attr: &Attr<String>) -> DeletionPolicy {
        match attr.known().map(String::as_str) {
            Some("ABANDON") => DeletionPolicy::Abandon,
            _ => Defaults::DELETION_POLICY,
        }
    }
    /// The configuration spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            DeletionPolicy::Delete => "DELETE",
            DeletionPolicy::Abandon => "ABANDON",
        }
    }
}

/// The defaults of the optional arguments, in one place for plan, apply,
/// import and the docs.
pub struct Defaults;

impl Defaults {
    /// `username`: what PyPI API tokens require.
    pub const USERNAME: &'static str = "__token__";
    /// `previous_version_policy`.
    pub const PREVIOUS_VERSION_POLICY: PreviousVersionPolicy = PreviousVersionPolicy::Disable;
    /// `deletion_policy`.
    pub const DELETION_POLICY: DeletionPolicy = DeletionPolicy::Delete;
    /// `create_service_agent`.
    pub const CREATE_SERVICE_AGENT: bool = true;
}

/// Operation timeouts from the `timeouts` block.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct Timeouts {
    /// `timeouts.create`.
    pub create: Attr<String>,
    /// `timeouts.update`.
    pub update: Attr<String>,
    /// `timeouts.delete`.
    pub delete: Attr<String>,
}

/// All attributes of `pypi_remote_auth`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct Model {
    /// Computed `projects/P/locations/L/repositories/R`.
    pub id: Attr<String>,
    /// Repository project.
    pub project: Attr<String>,
    /// Repository location.
    pub location: Attr<String>,
    /// Repository ID or full name.
    pub repository: Attr<String>,
    /// Secret ID.
    pub secret_id: Attr<String>,
    /// Secret project.
    pub secret_project: Attr<String>,
    /// Replica locations for a created secret (null elements are dropped).
    #[serde(deserialize_with = "without_nulls")]
    pub secret_replica_locations: Attr<Vec<String>>,
    /// Labels for a created secret.
    pub secret_labels: Attr<BTreeMap<String, String>>,
    /// Token kept in state.
    pub token: Attr<Token>,
    /// Write-only token (only ever non-null in configuration).
    pub token_wo: Attr<Token>,
    /// Version of the write-only token; a change rotates.
    pub token_wo_version: Attr<Number>,
    /// Upstream username.
    pub username: Attr<String>,
    /// DISABLE / DESTROY / KEEP.
    pub previous_version_policy: Attr<String>,
    /// DELETE / ABANDON.
    pub deletion_policy: Attr<String>,
    /// Generate the service agent when missing.
    pub create_service_agent: Attr<bool>,
    /// The `timeouts` block.
    pub timeouts: Attr<Timeouts>,
    /// Computed version in use.
    pub secret_version: Attr<String>,
    /// Computed service agent email.
    pub service_agent: Attr<String>,
    /// Computed project number.
    pub project_number: Attr<String>,
    /// Computed expiry of the stored token (RFC 3339).
    pub token_expires_at: Attr<String>,
    /// Computed scope of the stored token.
    pub token_scope: Attr<String>,
}

/// A value of the wrong type for the schema: a framework bug, reported as such.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("attribute {0} has an unexpected type")]
pub struct ModelError(pub String);

/// Decodes a list of strings, dropping null elements (they configure nothing).
fn without_nulls<'de, D: Deserializer<'de>>(d: D) -> Result<Attr<Vec<String>>, D::Error> {
    Ok(match Attr::<Vec<Option<String>>>::deserialize(d)? {
        Attr::Known(items) => Attr::Known(items.into_iter().flatten().collect()),
        Attr::Unknown => Attr::Unknown,
        Attr::Null => Attr::Null,
    })
}

impl Model {
    /// Decodes a configuration, plan or state object (null, or anything
    /// that is not an object, gives all-null).
    pub fn from_value(v: &Value) -> Result<Model, ModelError> {
        typed::from_object_or_default(v).map_err(|e| ModelError(e.path))
    }

    /// The configured timeout text for `pick` (create/update/delete).
    pub fn timeout(&self, pick: fn(&Timeouts) -> &Attr<String>) -> Option<&str> {
        self.timeouts
            .known()
            .and_then(|t| pick(t).known())
            .map(String::as_str)
    }

    /// The token from configuration (`token` or `token_wo`), when known.
    pub fn configured_token(&self) -> Option<&Token> {
        self.token.known().or(self.token_wo.known())
    }

    /// The username to set: configured, or the default.
    pub fn username_or_default(&self) -> String {
        self.username
            .known()
            .cloned()
            .unwrap_or_else(|| Defaults::USERNAME.to_string())
    }

    /// `create_service_agent`, or its default.
    pub fn create_service_agent_or_default(&self) -> bool {
        self.create_service_agent
            .known()
            .copied()
            .unwrap_or(Defaults::CREATE_SERVICE_AGENT)
    }
}

/// Sets attribute `name` of an object value (creating the object from null).
pub fn set(target: &mut Value, name: &str, value: Value) {
    if !matches!(target, Value::Object(_)) {
        *target = Value::Object(BTreeMap::new());
    }
    if let Value::Object(m) = target {
        m.insert(name.to_string(), value);
    }
}

/// A string or null.
pub fn opt_string(v: Option<&str>) -> Value {
    v.map_or(Value::Null, |s| Value::String(s.to_string()))
}

/// The identity object `{project, location, repository}`.
pub fn identity(repo: &super::ids::RepositoryRef) -> Value {
    Value::Object(BTreeMap::from([
        ("project".to_string(), Value::String(repo.project.clone())),
        ("location".to_string(), Value::String(repo.location.clone())),
        ("repository".to_string(), Value::String(repo.id.clone())),
    ]))
}

/// A state object with every attribute of the schema present and null, so
/// that states built from scratch (import) carry exactly the schema's keys.
pub fn empty_state() -> Value {
    let schema = super::schema::schema();
    let mut m: BTreeMap<String, Value> = schema
        .block
        .attributes
        .iter()
        .map(|a| (a.name.clone(), Value::Null))
        .collect();
    for b in &schema.block.blocks {
        m.insert(b.name.clone(), Value::Null);
    }
    Value::Object(m)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partially_unknown_collections_read_as_unknown() {
        let v = Value::Object(BTreeMap::from([
            (
                "secret_replica_locations".to_string(),
                Value::List(vec![Value::String("us-east1".into()), Value::Unknown]),
            ),
            (
                "secret_labels".to_string(),
                Value::Map(BTreeMap::from([(
                    "a".to_string(),
                    Value::String("b".into()),
                )])),
            ),
            (
                "token_wo_version".to_string(),
                Value::Number(Number::from(3)),
            ),
            (
                "timeouts".to_string(),
                Value::Object(BTreeMap::from([(
                    "create".to_string(),
                    Value::String("5m".into()),
                )])),
            ),
        ]));
        let m = Model::from_value(&v).expect("decodes");
        assert!(m.secret_replica_locations.is_unknown());
        assert_eq!(m.secret_labels.known().map(|l| l.len()), Some(1));
        assert_eq!(m.token_wo_version.known().and_then(Number::as_i64), Some(3));
        assert_eq!(m.timeout(|t| &t.create), Some("5m"));
        assert_eq!(m.timeout(|t| &t.delete), None);
        assert!(m.project.is_null());
    }

    #[test]
    fn null_elements_are_dropped_and_non_objects_read_as_all_null() {
        let v = Value::Object(BTreeMap::from([
            (
                "secret_replica_locations".to_string(),
                Value::Set(vec![Value::String("us-east1".into()), Value::Null]),
            ),
            ("create_service_agent".to_string(), Value::Bool(false)),
        ]));
        let m = Model::from_value(&v).expect("decodes");
        assert_eq!(
            m.secret_replica_locations,
            Attr::Known(vec!["us-east1".to_string()])
        );
        assert_eq!(m.create_service_agent, Attr::Known(false));
        assert_eq!(Model::from_value(&Value::Null), Ok(Model::default()));
        assert_eq!(Model::from_value(&Value::Unknown), Ok(Model::default()));
    }

    #[test]
    fn tokens_never_show_in_debug_output() {
        let v = Value::Object(BTreeMap::from([(
            "token".to_string(),
            Value::String("pypi-very-secret".into()),
        )]));
        let m = Model::from_value(&v).expect("decodes");
        let shown = format!("{m:?}");
        assert!(!shown.contains("very-secret"), "{shown}");
        assert_eq!(
            m.configured_token().map(Token::expose),
            Some("pypi-very-secret")
        );
    }

    #[test]
    fn policies_read_their_defaults() {
        assert_eq!(
            PreviousVersionPolicy::of(&Attr::Null),
            PreviousVersionPolicy::Disable
        );
        assert_eq!(
            PreviousVersionPolicy::of(&Attr::Known("KEEP".into())),
            PreviousVersionPolicy::Keep
        );
        assert_eq!(DeletionPolicy::of(&Attr::Unknown), DeletionPolicy::Delete);
        for name in PreviousVersionPolicy::NAMES {
            assert_eq!(
                PreviousVersionPolicy::of(&Attr::Known(name.into())).as_str(),
                name
            );
        }
        for name in DeletionPolicy::NAMES {
            assert_eq!(DeletionPolicy::of(&Attr::Known(name.into())).as_str(), name);
        }
    }

    #[test]
    fn wrong_types_are_errors() {
        let v = Value::Object(BTreeMap::from([("project".to_string(), Value::Bool(true))]));
        assert_eq!(Model::from_value(&v), Err(ModelError("project".into())));
        let v = Value::Object(BTreeMap::from([(
            "timeouts".to_string(),
            Value::Object(BTreeMap::from([("create".to_string(), Value::Bool(true))])),
        )]));
        assert!(Model::from_value(&v).is_err());
    }

    #[test]
    fn empty_state_has_every_key() {
        let Value::Object(m) = empty_state() else {
            panic!("object")
        };
        assert!(
            m.contains_key("timeouts")
                && m.contains_key("token_wo")
                && m.contains_key("project_number")
        );
        assert!(m.values().all(Value::is_null));
    }
}
