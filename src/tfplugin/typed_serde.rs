//! serde Deserializer/Serializer over [`Value`] (see `typed.rs`).
//!
//! Terraform distinguishes null, unknown and known; serde only knows
//! "absent or present". `Attr<T>` and `Number` therefore talk to these
//! implementations through private newtype-struct names: any other serde
//! format sees an ordinary option or string.

mod de;
mod error;
mod markers;
mod ser;

use serde::{de::DeserializeOwned, Serialize};

use super::value::Value;

pub(super) use error::{unless_unknown, Error};
pub(super) use markers::{ATTR_MARKER, NUMBER_MARKER, UNKNOWN_MARKER};

/// Decodes `value` into `T`.
pub(super) fn from_value<T: DeserializeOwned>(value: &Value) -> Result<T, Error> {
    error::forget_unknown();
    let result = T::deserialize(de::De::new(value));
    error::forget_unknown();
    result
}

/// Encodes `value` as a [`Value`].
pub(super) fn to_value<T: Serialize>(value: &T) -> Result<Value, Error> {
    value.serialize(ser::Ser)
}
