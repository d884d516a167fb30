//! The position inside a value while decoding or encoding, so every
//! [`CodecError`] says where the problem is, and the depth guard that keeps
//! hostile input from exhausting the stack.

use super::error::CodecError;
use crate::tfplugin::diag::{AttributePath, PathStep};

/// Deepest nesting of collections, objects and dynamic wrappers we accept;
/// Terraform schemas stay far below, hostile input does not.
pub(crate) const MAX_DEPTH: usize = 64;

/// A stack of levels, pushed on the way down and popped on the way up.
#[derive(Default)]
pub(crate) struct Path {
    /// One entry per level from the root; `None` for levels without a path
    /// step of their own (the inside of a dynamic value).
    levels: Vec<Option<PathStep>>,
}

impl Path {
    /// Goes one level deeper, failing (without entering) beyond [`MAX_DEPTH`].
    pub(crate) fn enter(&mut self, step: Option<PathStep>) -> Result<(), CodecError> {
        if self.levels.len() >= MAX_DEPTH {
            return Err(self.error(format!("nesting deeper than {MAX_DEPTH} levels")));
        }
        self.levels.push(step);
        Ok(())
    }

    /// Undoes the matching [`Path::enter`].
    pub(crate) fn leave(&mut self) {
        self.levels.pop();
    }

    /// An error at the current position.
    pub(crate) fn error(&self, message: impl Into<String>) -> CodecError {
        let steps = self.levels.iter().flatten().cloned().collect();
        CodecError {
            path: AttributePath(steps).to_string(),
            message: message.into(),
        }
    }
}

/// A decoder or encoder walking a value: [`Walker::nested`] keeps every
/// [`Path::enter`] paired with its [`Path::leave`], whatever `f` answers.
pub(crate) trait Walker: Sized {
    /// The walker's position.
    fn path_mut(&mut self) -> &mut Path;

    /// Runs `f` one level deeper (`step` is `None` inside dynamic values).
    fn nested<T>(
        &mut self,
        step: Option<PathStep>,
        f: impl FnOnce(&mut Self) -> Result<T, CodecError>,
    ) -> Result<T, CodecError> {
        self.path_mut().enter(step)?;
        let result = f(self);
        self.path_mut().leave();
        result
    }
}

/// Step for an object attribute.
pub(crate) fn attr(name: &str) -> Option<PathStep> {
    Some(PathStep::Attribute(name.to_string()))
}

/// Step for a list, set or tuple element.
pub(crate) fn index(i: usize) -> Option<PathStep> {
    Some(PathStep::Index(i64::try_from(i).unwrap_or(i64::MAX)))
}

/// Step for a map element.
pub(crate) fn key(k: &str) -> Option<PathStep> {
    Some(PathStep::Key(k.to_string()))
}
