//! serde Deserializer/Serializer over [`Value`] (see `typed.rs`).
//!
//! Terraform distinguishes null, unknown and known; serde only knows
//! "absent or present". `Attr<T>` and `Number` therefore talk to these
//! implementations through private newtype-struct names: any other serde
//! format sees an ordinary option or string.

mod de;
mod ser;

use std::cell::Cell;
use std::fmt;

use serde::{de::DeserializeOwned, Serialize};

use super::diag::{AttributePath, PathStep};
use super::typed::TypedError;
use super::value::Value;

/// Newtype-struct name by which `Attr<T>` asks for null/unknown/known.
pub(super) const ATTR_MARKER: &str = "$__tfplugin_private_Attr";
/// Unit-struct name by which `Attr::Unknown` serializes to `Value::Unknown`.
pub(super) const UNKNOWN_MARKER: &str = "$__tfplugin_private_Unknown";
/// Newtype-struct name by which `Number` travels as exact decimal text.
pub(super) const NUMBER_MARKER: &str = "$__tfplugin_private_Number";

thread_local! {
    /// True while the newest error our deserializer made was "value is
    /// unknown". `Attr<T>` reads it to turn a `T` that failed only because
    /// something inside was unknown into `Attr::Unknown` as a whole: serde
    /// gives a visitor no other way to see a foreign error's cause.
    static LAST_ERROR_WAS_UNKNOWN: Cell<bool> = const { Cell::new(false) };
}

pub(super) fn from_value<T: DeserializeOwned>(value: &Value) -> Result<T, TypedError> {
    LAST_ERROR_WAS_UNKNOWN.with(|f| f.set(false));
    let result = T::deserialize(de::De::new(value)).map_err(Error::into_typed);
    LAST_ERROR_WAS_UNKNOWN.with(|f| f.set(false));
    result
}

pub(super) fn to_value<T: Serialize>(value: &T) -> Result<Value, TypedError> {
    value.serialize(ser::Ser).map_err(Error::into_typed)
}

/// Runs a deserialization of a known `T` and reports whether its failure
/// came from an unknown value nested inside (`Ok(None)`).
pub(super) fn unless_unknown<T, E>(f: impl FnOnce() -> Result<T, E>) -> Result<Option<T>, E> {
    match f() {
        Ok(v) => Ok(Some(v)),
        Err(e) => {
            if LAST_ERROR_WAS_UNKNOWN.with(|flag| flag.replace(false)) {
                Ok(None)
            } else {
                Err(e)
            }
        }
    }
}

/// The error of both directions; the path grows as the error bubbles up.
#[derive(Debug)]
pub(super) struct Error {
    /// Path steps from the failing element up to the root (reversed).
    rev_path: Vec<PathStep>,
    /// What was wrong.
    message: String,
}

impl Error {
    /// A new error at the current element.
    fn new(message: impl Into<String>) -> Error {
        LAST_ERROR_WAS_UNKNOWN.with(|f| f.set(false));
        Error {
            rev_path: Vec::new(),
            message: message.into(),
        }
    }

    /// "value is unknown" where a known value is required.
    fn unknown() -> Error {
        let e =
            Error::new("the value is not known yet (use Attr<_> for values that may be unknown)");
        LAST_ERROR_WAS_UNKNOWN.with(|f| f.set(true));
        e
    }

    /// This error, one step further from the root.
    fn at(mut self, step: PathStep) -> Error {
        self.rev_path.push(step);
        self
    }

    fn into_typed(self) -> TypedError {
        let mut steps = self.rev_path;
        steps.reverse();
        TypedError {
            path: AttributePath(steps).to_string(),
            message: self.message,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut steps = self.rev_path.clone();
        steps.reverse();
        write!(f, "{}: {}", AttributePath(steps), self.message)
    }
}

impl std::error::Error for Error {}

impl serde::de::Error for Error {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Error::new(msg.to_string())
    }
}

impl serde::ser::Error for Error {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Error::new(msg.to_string())
    }
}
