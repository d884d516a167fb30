//! serde Deserializer/Serializer over [`Value`] (see `typed.rs`).

use serde::{de::DeserializeOwned, Serialize};

use super::typed::TypedError;
use super::value::Value;

pub(super) fn from_value<T: DeserializeOwned>(value: &Value) -> Result<T, TypedError> {
    let _ = value;
    todo!("typed serde")
}

pub(super) fn to_value<T: Serialize>(value: &T) -> Result<Value, TypedError> {
    let _ = value;
    todo!("typed serde")
}
