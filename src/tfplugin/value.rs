//! Terraform values as the plugin protocol carries them: every value may be
//! null or unknown, numbers have arbitrary precision, and collections keep
//! their kind (list, set, tuple, map, object) so they re-encode faithfully.

pub(crate) mod decimal;

use std::collections::BTreeMap;

/// A Terraform type, as written in schema type JSON (`"string"`, `["list","string"]`, ...).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Type {
    /// `bool`.
    Bool,
    /// `number`: arbitrary-precision decimal.
    Number,
    /// `string`.
    String,
    /// `dynamic`: the concrete type travels with the value.
    Dynamic,
    /// `list(T)`.
    List(Box<Type>),
    /// `set(T)`.
    Set(Box<Type>),
    /// `map(T)`.
    Map(Box<Type>),
    /// `object({...})`, with the names of optional attributes (type constraints only).
    Object {
        /// Attribute types by name.
        attrs: BTreeMap<String, Type>,
        /// Attributes marked optional in a type constraint; empty for schema-derived objects.
        optional: Vec<String>,
    },
    /// `tuple([...])`.
    Tuple(Vec<Type>),
}

/// A decimal number kept as its canonical decimal text so that any precision
/// round-trips (`1.5`, a 30-digit integer, `-0.000001`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Number(String);

impl Number {
    /// Parses decimal text (optional sign, digits, optional fraction, optional exponent).
    pub fn parse(text: &str) -> Option<Number> {
        decimal::canonical_decimal(text).map(Number)
    }
    /// The canonical decimal text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
    /// The value as `i64` when it is an integer in range.
    pub fn as_i64(&self) -> Option<i64> {
        self.0.parse().ok()
    }
    /// The value as `u64` when it is a non-negative integer in range.
    pub fn as_u64(&self) -> Option<u64> {
        self.0.parse().ok()
    }
    /// The value as the nearest `f64`.
    pub fn as_f64(&self) -> Option<f64> {
        self.0.parse().ok()
    }
    /// An unsigned integer (a named constructor rather than `From<u64>`, so
    /// that `Number::from(3)` keeps inferring `i64`).
    pub fn from_u64(v: u64) -> Number {
        Number(v.to_string())
    }
    /// The shortest decimal that reads back as `v` (so `1.1` stays `1.1`);
    /// `None` for NaN and infinities, which Terraform numbers cannot hold here.
    pub fn from_f64(v: f64) -> Option<Number> {
        decimal::f64_shortest(v).map(Number)
    }
}

impl From<i64> for Number {
    fn from(v: i64) -> Number {
        Number(v.to_string())
    }
}

impl std::fmt::Display for Number {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A Terraform value. `Unknown` may appear anywhere, including inside
/// collections and objects, during validation and planning.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Value {
    /// Null of any type.
    #[default]
    Null,
    /// Not known until apply.
    Unknown,
    /// A `bool`.
    Bool(bool),
    /// A `number`.
    Number(Number),
    /// A `string`.
    String(String),
    /// A `list`.
    List(Vec<Value>),
    /// A `set` (order is not significant).
    Set(Vec<Value>),
    /// A `tuple`.
    Tuple(Vec<Value>),
    /// A `map`.
    Map(BTreeMap<String, Value>),
    /// An `object` or a block.
    Object(BTreeMap<String, Value>),
    /// A value of a `dynamic` attribute with its concrete type.
    Dynamic(Type, Box<Value>),
}

impl Value {
    /// True for `Null`.
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }
    /// True for `Unknown`.
    pub fn is_unknown(&self) -> bool {
        matches!(self, Value::Unknown)
    }
    /// True when neither this value nor anything inside it is unknown.
    pub fn is_wholly_known(&self) -> bool {
        match self {
            Value::Unknown => false,
            Value::List(v) | Value::Set(v) | Value::Tuple(v) => {
                v.iter().all(Value::is_wholly_known)
            }
            Value::Map(m) | Value::Object(m) => m.values().all(Value::is_wholly_known),
            Value::Dynamic(_, v) => v.is_wholly_known(),
            _ => true,
        }
    }
    /// The attribute `name` of an object; `Null` when absent or when `self` is not an object.
    pub fn attr(&self, name: &str) -> &Value {
        static NULL: Value = Value::Null;
        match self {
            Value::Object(m) => m.get(name).unwrap_or(&NULL),
            _ => &NULL,
        }
    }
    /// The string, when this is a known string.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }
    /// The bool, when this is a known bool.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }
    /// The number, when this is a known number.
    pub fn as_number(&self) -> Option<&Number> {
        match self {
            Value::Number(n) => Some(n),
            _ => None,
        }
    }
}
