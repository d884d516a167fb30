//! DynamicValue codec: msgpack (what Terraform sends and expects) and JSON
//! (stored state in UpgradeResourceState), both driven by the schema type,
//! plus type JSON and canonical decimal text.
//!
//! Decoding is strict (the errors name the attribute path), never panics,
//! and refuses nesting deeper than 64 levels.

mod error;
mod json;
mod msgpack;
mod path;
mod types;

#[cfg(test)]
mod tests;

pub use json::{decode_json, decode_json_dropping_removed_attributes, encode_json};
pub use msgpack::{decode_msgpack, encode_msgpack};
pub use types::{type_from_json, type_to_json};

/// Kept here for callers of the codec; the text belongs to [`super::value::Number`].
pub use super::value::decimal::canonical_decimal;

pub use error::CodecError;
