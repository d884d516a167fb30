//! The resource's values as typed Rust: what configuration, plan and state
//! hold, decoded and encoded through the framework's serde bridge
//! ([`crate::tfplugin::typed`]). A collection whose *elements* are unknown
//! reads as [`Attr::Unknown`] as a whole, which is all validation and
//! planning need.
//!
//! The model is the one place new states are written: apply, read and
//! import fill its typed fields and encode it once ([`Model::to_value`]),
//! which is exact for their values (nothing in them is unknown but the
//! computed attributes). Plan's proposed value may hold such partly unknown
//! collections, so plan writes only the attributes it computes
//! ([`Model::computed_onto`]) and leaves the rest as Terraform sent it.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::ids::RepositoryRef;
use crate::tfplugin::typed::{self, Attr};
use crate::tfplugin::{Number, Presence, Value};

/// A PyPI token (or another index's password) held in memory. Its `Debug`
/// prints a placeholder, so no log line or error built from a model can
/// carry it; [`Token::expose`] is the one way to the text. It serializes as
/// the text itself, because the state keeps `token` (Terraform marks it
/// sensitive): a model is serialized into a state and nothing else.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
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
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Timeouts {
    /// `timeouts.create`.
    pub create: Attr<String>,
    /// `timeouts.update`.
    pub update: Attr<String>,
    /// `timeouts.delete`.
    pub delete: Attr<String>,
}

/// All attributes of `pypi_remote_auth`, one field each, named as in the schema.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
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
    /// Replica locations for a created secret, null elements kept so that
    /// the state repeats the configuration (see [`Model::replica_locations`]).
    pub secret_replica_locations: Attr<Vec<Option<String>>>,
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

/// Encodes typed values as the object Terraform receives.
///
/// Every field of the models of this wing is a string, bool, number, or a
/// list, map or object of those, which the serde bridge always encodes. An
/// encoding error would be a bug in a model; it is answered with an unknown
/// object, which Terraform refuses as a new state, so the bug shows as an
/// error and never as a resource gone from state. Only the attribute's
/// path is logged: a message may quote the value.
pub fn object_of<T: Serialize>(values: &T) -> Value {
    typed::to_value(values).unwrap_or_else(|e| {
        tracing::error!(attribute = %e.path, "a model did not encode; this is a bug in the provider");
        Value::Unknown
    })
}

impl Model {
    /// Decodes a configuration, plan or state object (null, or anything
    /// that is not an object, gives all-null).
    pub fn from_value(v: &Value) -> Result<Model, ModelError> {
        typed::from_object_or_default(v).map_err(|e| ModelError(e.path))
    }

    /// The state an import starts from: the repository and nothing else,
    /// for Read to fill from the repository's credentials.
    pub fn for_repository(repo: &RepositoryRef) -> Model {
        Model {
            id: Attr::Known(repo.name()),
            project: Attr::Known(repo.project.clone()),
            location: Attr::Known(repo.location.clone()),
            repository: Attr::Known(repo.id.clone()),
            ..Model::default()
        }
    }

    /// The object this model stands for, every attribute and the
    /// `timeouts` block present: the new state apply, read and import return.
    pub fn to_value(&self) -> Value {
        object_of(self)
    }

    /// `proposed` with this model's computed attributes (computed, or
    /// optional and filled by the provider) written over it: the planned
    /// state. Those are all strings and bools, exact through the model; the
    /// configured attributes stay as Terraform proposed them.
    pub fn computed_onto(&self, proposed: &Value) -> Value {
        let Value::Object(mine) = self.to_value() else {
            return Value::Unknown;
        };
        let mut planned = match proposed {
            Value::Object(m) => m.clone(),
            _ => BTreeMap::new(),
        };
        let computed = super::schema::cached()
            .block
            .attributes
            .iter()
            .filter(|a| matches!(a.presence, Presence::Computed | Presence::OptionalComputed));
        for a in computed {
            if let Some(v) = mine.get(&a.name) {
                planned.insert(a.name.clone(), v.clone());
            }
        }
        Value::Object(planned)
    }

    /// The configured replica locations without null elements (they
    /// configure nothing); empty while null or unknown.
    pub fn replica_locations(&self) -> Vec<String> {
        self.secret_replica_locations
            .known()
            .map(|l| l.iter().flatten().cloned().collect())
            .unwrap_or_default()
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

/// The identity object `{project, location, repository}`.
pub fn identity(repo: &RepositoryRef) -> Value {
    Value::Object(BTreeMap::from([
        ("project".to_string(), Value::String(repo.project.clone())),
        ("location".to_string(), Value::String(repo.location.clone())),
        ("repository".to_string(), Value::String(repo.id.clone())),
    ]))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Sets attribute `name` of an object value (creating the object from
    /// null): how the tests of this wing build the values Terraform sends.
    pub(crate) fn set(target: &mut Value, name: &str, value: Value) {
        if !matches!(target, Value::Object(_)) {
            *target = Value::Object(BTreeMap::new());
        }
        if let Value::Object(m) = target {
            m.insert(name.to_string(), value);
        }
    }

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
            Attr::Known(vec![Some("us-east1".to_string()), None])
        );
        assert_eq!(m.replica_locations(), ["us-east1"]);
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
    fn states_carry_exactly_the_schema_keys() {
        let Value::Object(m) = Model::default().to_value() else {
            panic!("object")
        };
        let schema = super::super::schema::schema();
        let mut want: Vec<&str> = schema
            .block
            .attributes
            .iter()
            .map(|a| a.name.as_str())
            .collect();
        want.extend(schema.block.blocks.iter().map(|b| b.name.as_str()));
        want.sort_unstable();
        assert_eq!(m.keys().map(String::as_str).collect::<Vec<_>>(), want);
        assert!(m.values().all(Value::is_null));
    }

    fn s(text: &str) -> Value {
        Value::String(text.to_string())
    }

    /// A state with every attribute set, null list elements and a number
    /// beyond i64 included.
    fn full_state() -> Value {
        let Value::Object(mut m) = Model::default().to_value() else {
            panic!("object")
        };
        for (k, v) in m.iter_mut() {
            *v = s(&format!("{k}-value"));
        }
        m.insert(
            "secret_replica_locations".into(),
            Value::List(vec![s("us-east1"), Value::Null]),
        );
        m.insert(
            "secret_labels".into(),
            Value::Map(BTreeMap::from([("team".to_string(), s("infra"))])),
        );
        m.insert(
            "token_wo_version".into(),
            Value::Number(Number::parse("123456789012345678901234567890").expect("number")),
        );
        m.insert("create_service_agent".into(), Value::Bool(false));
        m.insert("token_wo".into(), Value::Null);
        m.insert(
            "timeouts".into(),
            Value::Object(BTreeMap::from([
                ("create".to_string(), s("5m")),
                ("update".to_string(), Value::Null),
                ("delete".to_string(), s("1h")),
            ])),
        );
        Value::Object(m)
    }

    #[test]
    fn a_state_goes_through_the_model_unchanged() {
        let state = full_state();
        let m = Model::from_value(&state).expect("decodes");
        assert_eq!(m.to_value(), state);
        assert_eq!(m.token.known().map(Token::expose), Some("token-value"));
    }

    #[test]
    fn plan_writes_the_computed_attributes_and_keeps_the_configured_ones() {
        let mut proposed = full_state();
        let partly_unknown = Value::List(vec![s("us-east1"), Value::Unknown]);
        set(
            &mut proposed,
            "secret_replica_locations",
            partly_unknown.clone(),
        );
        let mut m = Model::from_value(&proposed).expect("decodes");
        assert!(m.secret_replica_locations.is_unknown());
        m.secret_version = Attr::Unknown;
        m.username = Attr::Known("__token__".into());
        m.secret_id = Attr::Known("not written".into());
        let planned = m.computed_onto(&proposed);
        assert_eq!(planned.attr("secret_replica_locations"), &partly_unknown);
        assert!(planned.attr("secret_version").is_unknown());
        assert_eq!(planned.attr("username"), &s("__token__"));
        assert_eq!(planned.attr("secret_id"), &s("secret_id-value"));
        assert_eq!(planned.attr("project_number"), &s("project_number-value"));
    }
}
