//! DynamicValue codec: msgpack (what Terraform sends and expects) and JSON
//! (stored state in UpgradeResourceState), both driven by the schema type,
//! plus type JSON and canonical decimal text.
//!
//! Decoding is strict (the errors name the attribute path), never panics,
//! and refuses nesting deeper than 64 levels.

mod decimal;
mod json;
mod msgpack;
mod path;
mod types;

#[cfg(test)]
mod tests;

pub use decimal::canonical_decimal;
pub use json::{decode_json, decode_json_dropping_removed_attributes, encode_json};
pub use msgpack::{decode_msgpack, encode_msgpack};
pub use types::{type_from_json, type_to_json};

pub(crate) use decimal::f64_shortest;

use super::value::{Type, Value};

/// A value that could not be decoded or encoded; names the attribute path.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{path}: {message}")]
pub struct CodecError {
    /// Path of the offending element (`a[2]["k"]`, as diagnostics print it), empty for the root.
    pub path: String,
    /// What was wrong.
    pub message: String,
}

/// The type a value of a dynamic attribute is written with: the one it
/// carries in [`Value::Dynamic`], or the evident one of a primitive. Null,
/// unknown and nested dynamic values are the encoders' business; any other
/// value needs [`Value::Dynamic`], since element types cannot be guessed.
fn dynamic_type_of(value: &Value) -> Result<(Type, &Value), String> {
    match value {
        Value::Dynamic(ty, inner) => Ok((ty.clone(), inner.as_ref())),
        Value::Bool(_) => Ok((Type::Bool, value)),
        Value::Number(_) => Ok((Type::Number, value)),
        Value::String(_) => Ok((Type::String, value)),
        other => Err(format!(
            "a dynamic attribute needs Value::Dynamic to carry the type of a {}",
            kind(other)
        )),
    }
}

/// What kind of value this is, for error messages.
fn kind(v: &Value) -> &'static str {
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
fn type_name(t: &Type) -> &'static str {
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
