//! The private newtype-struct names by which `Attr<T>` and `Number` (in
//! `typed.rs`) and this deserializer and serializer recognise each other.

/// Newtype-struct name by which `Attr<T>` asks for null/unknown/known.
pub(in crate::tfplugin) const ATTR_MARKER: &str = "$__tfplugin_private_Attr";
/// Unit-struct name by which `Attr::Unknown` serializes to `Value::Unknown`.
pub(in crate::tfplugin) const UNKNOWN_MARKER: &str = "$__tfplugin_private_Unknown";
/// Newtype-struct name by which `Number` travels as exact decimal text.
pub(in crate::tfplugin) const NUMBER_MARKER: &str = "$__tfplugin_private_Number";
