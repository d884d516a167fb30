//! Serde bridge between [`Value`] and typed Rust structs, so resources work
//! with `struct State { project: Attr<String>, ... }` instead of walking
//! maps. `Attr<T>` keeps the three states Terraform distinguishes.

use serde::{de::DeserializeOwned, Serialize};

use super::value::Value;

/// An attribute value that is known, null, or not known until apply.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Attr<T> {
    /// Null (not set).
    #[default]
    Null,
    /// Unknown until apply.
    Unknown,
    /// A known value.
    Known(T),
}

impl<T> Attr<T> {
    /// The known value, if any.
    pub fn known(&self) -> Option<&T> {
        match self {
            Attr::Known(v) => Some(v),
            _ => None,
        }
    }
    /// True when unknown.
    pub fn is_unknown(&self) -> bool {
        matches!(self, Attr::Unknown)
    }
    /// True when null.
    pub fn is_null(&self) -> bool {
        matches!(self, Attr::Null)
    }
}

impl<T> From<Option<T>> for Attr<T> {
    fn from(v: Option<T>) -> Attr<T> {
        v.map_or(Attr::Null, Attr::Known)
    }
}

/// Error converting between a [`Value`] and a typed struct; names the attribute path.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{path}: {message}")]
pub struct TypedError {
    /// Dotted path of the attribute, e.g. `timeouts.create`.
    pub path: String,
    /// What was wrong.
    pub message: String,
}

/// Decodes a `Value` (an object) into `T`. `Attr<_>` fields receive null/unknown;
/// plain fields fail on null/unknown.
pub fn from_value<T: DeserializeOwned>(value: &Value) -> Result<T, TypedError> {
    super::typed_serde::from_value(value)
}

/// Encodes `T` into a `Value`. Sequences become lists and maps/structs become
/// maps/objects; the codec re-encodes them by schema type, so a list becomes a
/// set where the schema says set.
pub fn to_value<T: Serialize>(value: &T) -> Result<Value, TypedError> {
    super::typed_serde::to_value(value)
}
