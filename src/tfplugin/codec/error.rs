//! What the codec reports when a value does not fit its type, and the words
//! its messages use for kinds of values and types.

use crate::tfplugin::value::{Type, Value};

/// A value that could not be decoded or encoded; names the attribute path.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{path}: {message}")]
pub struct CodecError {
    /// Path of the offending element (`a[2]["k"]`, as diagnostics print it), empty for the root.
    pub path: String,
    /// What was wrong.
    pub message: String,
}

/// What kind of value this is, for error messages.
pub(super) fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Unknown => "unknown",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::List(_) => "list",
        Value::Set(_) => "set",
        Value::Tuple(_) => "tuple",
        Value::Map(_) => "map",
        Value::Object(_) => "object",
        Value::Dynamic(..) => "dynamic value",
    }
}

/// "a string", "a list", ... for error messages.
pub(super) fn type_name(t: &Type) -> &'static str {
    match t {
        Type::Bool => "a bool",
        Type::Number => "a number",
        Type::String => "a string",
        Type::Dynamic => "a dynamic value",
        Type::List(_) => "a list",
        Type::Set(_) => "a set",
        Type::Map(_) => "a map",
        Type::Object { .. } => "an object",
        Type::Tuple(_) => "a tuple",
    }
}
