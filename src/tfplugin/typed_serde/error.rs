//! The error of both directions, and the one fact serde cannot carry in it:
//! whether a failure came from an unknown value.

use std::cell::Cell;
use std::fmt;

use crate::tfplugin::diag::{AttributePath, PathStep};

thread_local! {
    /// True while the newest error our deserializer made was "value is
    /// unknown". `Attr<T>` reads it to turn a `T` that failed only because
    /// something inside was unknown into `Attr::Unknown` as a whole: serde
    /// gives a visitor no other way to see a foreign error's cause.
    static LAST_ERROR_WAS_UNKNOWN: Cell<bool> = const { Cell::new(false) };
}

/// Forgets any earlier "value is unknown" failure, before and after a decode.
pub(super) fn forget_unknown() {
    LAST_ERROR_WAS_UNKNOWN.with(|f| f.set(false));
}

/// Runs a deserialization of a known `T` and reports whether its failure
/// came from an unknown value nested inside (`Ok(None)`).
pub(in crate::tfplugin) fn unless_unknown<T, E>(
    f: impl FnOnce() -> Result<T, E>,
) -> Result<Option<T>, E> {
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
pub(in crate::tfplugin) struct Error {
    /// Path steps from the failing element up to the root (reversed).
    rev_path: Vec<PathStep>,
    /// What was wrong.
    message: String,
}

impl Error {
    /// A new error at the current element.
    pub(super) fn new(message: impl Into<String>) -> Error {
        LAST_ERROR_WAS_UNKNOWN.with(|f| f.set(false));
        Error {
            rev_path: Vec::new(),
            message: message.into(),
        }
    }

    /// "value is unknown" where a known value is required.
    pub(super) fn unknown() -> Error {
        let e =
            Error::new("the value is not known yet (use Attr<_> for values that may be unknown)");
        LAST_ERROR_WAS_UNKNOWN.with(|f| f.set(true));
        e
    }

    /// This error, one step further from the root.
    pub(super) fn at(mut self, step: PathStep) -> Error {
        self.rev_path.push(step);
        self
    }

    /// The attribute path from the root, as diagnostics print it, and what was wrong.
    pub(in crate::tfplugin) fn into_parts(self) -> (String, String) {
        let mut steps = self.rev_path;
        steps.reverse();
        (AttributePath(steps).to_string(), self.message)
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
