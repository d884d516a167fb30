//! Serde bridge between [`Value`] and typed Rust structs, so resources work
//! with `struct State { project: Attr<String>, ... }` instead of walking
//! maps. `Attr<T>` keeps the three states Terraform distinguishes.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, DeserializeOwned, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};

use super::typed_serde::{self, unless_unknown, ATTR_MARKER, NUMBER_MARKER, UNKNOWN_MARKER};
use super::value::{Number, Value};

/// An attribute value that is known, null, or not known until apply.
///
/// Decoding from a [`Value`]: null → `Null`, unknown → `Unknown`, and a
/// value that cannot become a `T` only because something inside it is
/// unknown (a list with one unknown element) → `Unknown` as a whole.
/// Other serde formats see an `Option<T>`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Attr<T> {
    /// Null (not set).
    #[default]
    Null,
    /// Unknown until apply.
    Unknown,
    /// A known value.
    Known(T),
}

impl<T> Attr<T> {
    /// The known value, if any.
    pub fn known(&self) -> Option<&T> {
        match self {
            Attr::Known(v) => Some(v),
            _ => None,
        }
    }
    /// True when unknown.
    pub fn is_unknown(&self) -> bool {
        matches!(self, Attr::Unknown)
    }
    /// True when null.
    pub fn is_null(&self) -> bool {
        matches!(self, Attr::Null)
    }
}

impl<T> From<Option<T>> for Attr<T> {
    fn from(v: Option<T>) -> Attr<T> {
        v.map_or(Attr::Null, Attr::Known)
    }
}

impl<T: Serialize> Serialize for Attr<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Attr::Null => serializer.serialize_none(),
            Attr::Unknown => serializer.serialize_unit_struct(UNKNOWN_MARKER),
            Attr::Known(v) => serializer.serialize_some(v),
        }
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Attr<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_newtype_struct(ATTR_MARKER, AttrVisitor(PhantomData))
    }
}

/// Receives the three states from the `Value` deserializer, or an option
/// from any other format.
struct AttrVisitor<T>(PhantomData<T>);

impl<'de, T: Deserialize<'de>> Visitor<'de> for AttrVisitor<T> {
    type Value = Attr<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a value, null, or unknown")
    }
    fn visit_none<E: de::Error>(self) -> Result<Attr<T>, E> {
        Ok(Attr::Null)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Attr<T>, E> {
        Ok(Attr::Unknown)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Attr<T>, D::Error> {
        Ok(unless_unknown(|| T::deserialize(d))?.map_or(Attr::Unknown, Attr::Known))
    }
    fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<Attr<T>, D::Error> {
        Option::<T>::deserialize(d).map(Attr::from)
    }
}

impl Serialize for Number {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_newtype_struct(NUMBER_MARKER, self.as_str())
    }
}

impl<'de> Deserialize<'de> for Number {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_newtype_struct(NUMBER_MARKER, NumberVisitor)
    }
}

/// Accepts exact decimal text from the `Value` deserializer, and numbers
/// or decimal strings from other formats.
struct NumberVisitor;

impl<'de> Visitor<'de> for NumberVisitor {
    type Value = Number;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a number")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Number, E> {
        Number::parse(v).ok_or_else(|| E::custom(format!("{v:?} is not a number")))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Number, E> {
        Ok(v.into())
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Number, E> {
        Ok(Number::from_u64(v))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Number, E> {
        Number::from_f64(v).ok_or_else(|| E::custom("NaN and infinite numbers are not supported"))
    }
    fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<Number, D::Error> {
        d.deserialize_any(self)
    }
    /// serde_json with `arbitrary_precision` hands a number over as a
    /// one-entry map holding its exact text.
    fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<Number, A::Error> {
        let Some((_, text)) = map.next_entry::<de::IgnoredAny, String>()? else {
            return Err(de::Error::custom("a number is required, got an empty map"));
        };
        if map.next_key::<de::IgnoredAny>()?.is_some() {
            return Err(de::Error::custom("a number is required, got a map"));
        }
        self.visit_str(&text)
    }
}

/// Error converting between a [`Value`] and a typed struct; names the attribute path.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{path}: {message}")]
pub struct TypedError {
    /// Dotted path of the attribute, e.g. `timeouts.create`.
    pub path: String,
    /// What was wrong.
    pub message: String,
}

/// Decodes a `Value` (an object) into `T`. `Attr<_>` fields receive null/unknown;
/// plain fields fail on null/unknown.
pub fn from_value<T: DeserializeOwned>(value: &Value) -> Result<T, TypedError> {
    typed_serde::from_value(value).map_err(TypedError::from_serde)
}

/// Decodes an object into `T`; null (the absent config of a destroy) or any
/// other non-object reads as `T::default()`, i.e. every attribute null.
pub fn from_object_or_default<T: DeserializeOwned + Default>(
    value: &Value,
) -> Result<T, TypedError> {
    match value {
        Value::Object(_) => from_value(value),
        _ => Ok(T::default()),
    }
}

impl TypedError {
    /// The public form of the serde bridge's error.
    fn from_serde(e: typed_serde::Error) -> TypedError {
        let (path, message) = e.into_parts();
        TypedError { path, message }
    }

    /// The error as a diagnostic: Terraform checked the types against the
    /// schema already, so a mismatch here is a provider bug.
    pub fn into_bug_diagnostic(self, summary: &str) -> super::diag::Diagnostic {
        super::diag::Diagnostic::error(
            summary,
            format!(
                "attribute {} has an unexpected type. This is a bug in the provider.",
                self.path
            ),
        )
    }
}

/// Encodes `T` into a `Value`. Sequences become lists and maps/structs become
/// maps/objects; the codec re-encodes them by schema type, so a list becomes a
/// set where the schema says set.
pub fn to_value<T: Serialize>(value: &T) -> Result<Value, TypedError> {
    typed_serde::to_value(value).map_err(TypedError::from_serde)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde::{Deserialize, Serialize};

    use super::*;
    use crate::tfplugin::codec::{decode_msgpack, encode_msgpack};
    use crate::tfplugin::value::Type;

    #[derive(Debug, Default, PartialEq, Serialize, Deserialize)]
    struct Timeouts {
        /// Known, null or unknown string in a nested block.
        create: Attr<String>,
        /// Second block attribute, to mix states.
        delete: Attr<String>,
    }

    #[derive(Debug, Default, PartialEq, Serialize, Deserialize)]
    struct State {
        /// A plain string attribute.
        project: Attr<String>,
        /// A map attribute.
        secret_labels: Attr<BTreeMap<String, String>>,
        /// A set attribute, serialized as a list.
        replicas: Attr<Vec<String>>,
        /// A number read as i64.
        token_wo_version: Attr<i64>,
        /// A number of any precision.
        version: Attr<Number>,
        /// A bool attribute.
        enabled: Attr<bool>,
        /// A nested block.
        timeouts: Attr<Timeouts>,
    }

    fn s(v: &str) -> Value {
        Value::String(v.to_string())
    }

    fn n(v: &str) -> Value {
        Value::Number(Number::parse(v).expect("number"))
    }

    fn obj(attrs: &[(&str, Value)]) -> Value {
        Value::Object(
            attrs
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect(),
        )
    }

    fn state_type() -> Type {
        let timeouts = Type::Object {
            attrs: BTreeMap::from([
                ("create".into(), Type::String),
                ("delete".into(), Type::String),
            ]),
            optional: vec![],
        };
        Type::Object {
            attrs: BTreeMap::from([
                ("project".into(), Type::String),
                ("secret_labels".into(), Type::Map(Box::new(Type::String))),
                ("replicas".into(), Type::Set(Box::new(Type::String))),
                ("token_wo_version".into(), Type::Number),
                ("version".into(), Type::Number),
                ("enabled".into(), Type::Bool),
                ("timeouts".into(), timeouts),
            ]),
            optional: vec![],
        }
    }

    #[test]
    fn attr_fields_take_all_three_states() {
        let v = obj(&[
            ("project", s("p")),
            (
                "secret_labels",
                Value::Map(BTreeMap::from([("env".into(), s("prod"))])),
            ),
            ("replicas", Value::Unknown),
            ("token_wo_version", n("3")),
            ("version", n("123456789012345678901234567890")),
            ("enabled", Value::Null),
            (
                "timeouts",
                obj(&[("create", s("5m")), ("delete", Value::Unknown)]),
            ),
        ]);
        let st: State = from_value(&v).expect("decode");
        assert_eq!(st.project, Attr::Known("p".to_string()));
        assert_eq!(
            st.secret_labels
                .known()
                .and_then(|m| m.get("env"))
                .map(String::as_str),
            Some("prod")
        );
        assert!(st.replicas.is_unknown());
        assert_eq!(st.token_wo_version, Attr::Known(3));
        assert_eq!(
            st.version.known().map(Number::as_str),
            Some("123456789012345678901234567890")
        );
        assert!(st.enabled.is_null());
        let t = st.timeouts.known().expect("timeouts known");
        assert_eq!(t.create, Attr::Known("5m".to_string()));
        assert!(t.delete.is_unknown());
        // And back: the same value.
        assert_eq!(to_value(&st).expect("encode"), v);
    }

    #[test]
    fn missing_attributes_are_null_and_partial_unknowns_are_unknown() {
        let v = obj(&[
            ("project", s("p")),
            ("replicas", Value::List(vec![s("a"), Value::Unknown])),
            (
                "secret_labels",
                Value::Map(BTreeMap::from([("k".into(), Value::Unknown)])),
            ),
        ]);
        let st: State = from_value(&v).expect("decode");
        assert!(st.replicas.is_unknown());
        assert!(st.secret_labels.is_unknown());
        assert!(st.timeouts.is_null());
        assert!(st.token_wo_version.is_null());
        // A type error next to an unknown is still an error.
        let v = obj(&[(
            "replicas",
            Value::List(vec![Value::Unknown, Value::Bool(true)]),
        )]);
        let st: State = from_value(&v).expect("first failure is the unknown");
        assert!(st.replicas.is_unknown());
        let v = obj(&[(
            "replicas",
            Value::List(vec![Value::Bool(true), Value::Unknown]),
        )]);
        let e = from_value::<State>(&v).expect_err("bool is not a string");
        assert_eq!(e.path, "replicas[0]");
    }

    #[derive(Debug, Deserialize, Serialize, PartialEq)]
    struct Plain {
        /// Plain field: must be known and non-null.
        name: String,
        /// Option: accepts null, not unknown.
        note: Option<String>,
        /// Range-checked integer.
        count: u32,
        /// Float from a decimal.
        ratio: f64,
        /// A number read as its text.
        big: String,
        /// An enum from a string.
        mode: Mode,
        /// A nested plain struct, for paths.
        nested: Inner,
    }

    #[derive(Debug, Deserialize, Serialize, PartialEq)]
    struct Inner {
        /// Integer inside the nested struct.
        minutes: i64,
    }

    #[derive(Debug, Deserialize, Serialize, PartialEq)]
    #[serde(rename_all = "UPPERCASE")]
    enum Mode {
        /// Read from "KEEP".
        Keep,
        /// Read from "DELETE".
        Delete,
    }

    fn plain() -> Value {
        obj(&[
            ("name", s("n")),
            ("note", Value::Null),
            ("count", n("7")),
            ("ratio", n("1.5")),
            ("big", n("123456789012345678901234567890")),
            ("mode", s("KEEP")),
            ("nested", obj(&[("minutes", n("20"))])),
        ])
    }

    #[test]
    fn plain_fields_read_numbers_as_requested() {
        let p: Plain = from_value(&plain()).expect("decode");
        assert_eq!(p.count, 7);
        assert_eq!(p.ratio, 1.5);
        assert_eq!(p.big, "123456789012345678901234567890");
        assert_eq!(p.note, None);
        assert_eq!(p.mode, Mode::Keep);
        assert_eq!(p.nested.minutes, 20);
        let back = to_value(&p).expect("encode");
        assert_eq!(back.attr("ratio"), &n("1.5"));
        assert_eq!(back.attr("mode"), &s("KEEP"));
        // `big` is a String field, so it comes back as a string.
        assert_eq!(back.attr("big"), &s("123456789012345678901234567890"));
    }

    #[test]
    fn plain_fields_reject_unknown_null_and_bad_values_with_paths() {
        let with = |k: &str, v: Value| {
            let Value::Object(mut m) = plain() else {
                unreachable!()
            };
            m.insert(k.to_string(), v);
            Value::Object(m)
        };
        let e = from_value::<Plain>(&with("name", Value::Unknown)).expect_err("unknown");
        assert_eq!(e.path, "name");
        assert!(e.message.contains("not known"), "{e}");
        let e = from_value::<Plain>(&with("note", Value::Unknown)).expect_err("unknown option");
        assert_eq!(e.path, "note");
        let e = from_value::<Plain>(&with("name", Value::Null)).expect_err("null");
        assert!(e.message.contains("got null"), "{e}");
        let e = from_value::<Plain>(&with("count", n("-1"))).expect_err("negative u32");
        assert_eq!(e.path, "count");
        let e = from_value::<Plain>(&with("count", n("1.5"))).expect_err("fraction");
        assert_eq!(e.path, "count");
        let e =
            from_value::<Plain>(&with("nested", obj(&[("minutes", s("x"))]))).expect_err("string");
        assert_eq!(e.path, "nested.minutes");
        assert_eq!(e.to_string(), format!("nested.minutes: {}", e.message));
        let e = from_value::<Plain>(&with("nested", obj(&[]))).expect_err("missing is null");
        assert_eq!(e.path, "nested.minutes");
        let e = from_value::<Plain>(&with("mode", s("OTHER"))).expect_err("variant");
        assert_eq!(e.path, "mode");
        let e = from_value::<Plain>(&Value::Unknown).expect_err("unknown root");
        assert_eq!(e.path, "");
    }

    #[test]
    fn serialization_builds_values() {
        let st = State {
            project: Attr::Known("p".into()),
            secret_labels: Attr::Known(BTreeMap::from([("a".into(), "b".into())])),
            replicas: Attr::Known(vec!["x".into()]),
            token_wo_version: Attr::Unknown,
            version: Attr::Known(Number::parse("1.5").expect("number")),
            enabled: Attr::Null,
            timeouts: Attr::Known(Timeouts::default()),
        };
        let v = to_value(&st).expect("encode");
        assert_eq!(v.attr("project"), &s("p"));
        assert_eq!(
            v.attr("secret_labels"),
            &Value::Map(BTreeMap::from([("a".into(), s("b"))]))
        );
        assert_eq!(v.attr("replicas"), &Value::List(vec![s("x")]));
        assert_eq!(v.attr("token_wo_version"), &Value::Unknown);
        assert_eq!(v.attr("version"), &n("1.5"));
        assert_eq!(v.attr("enabled"), &Value::Null);
        assert_eq!(
            v.attr("timeouts"),
            &obj(&[("create", Value::Null), ("delete", Value::Null)])
        );
        assert_eq!(to_value(&1.1f64).expect("f64"), n("1.1"));
        assert_eq!(to_value(&1.1f32).expect("f32"), n("1.1"));
        assert_eq!(to_value(&u64::MAX).expect("u64"), n("18446744073709551615"));
        assert!(to_value(&f64::NAN).is_err());
        let e = to_value(&BTreeMap::from([("k", vec![f64::INFINITY])])).expect_err("inf");
        assert_eq!(e.path, "[\"k\"][0]");
    }

    #[test]
    fn typed_state_survives_the_wire() {
        let st = State {
            project: Attr::Known("p".into()),
            secret_labels: Attr::Known(BTreeMap::from([("env".into(), "prod".into())])),
            replicas: Attr::Known(vec!["us-east1".into(), "europe-west1".into()]),
            token_wo_version: Attr::Known(2),
            version: Attr::Unknown,
            enabled: Attr::Known(true),
            timeouts: Attr::Null,
        };
        let ty = state_type();
        let bytes = encode_msgpack(&to_value(&st).expect("to_value"), &ty).expect("encode");
        let decoded = decode_msgpack(&bytes, &ty).expect("decode");
        assert!(matches!(decoded.attr("replicas"), Value::Set(items) if items.len() == 2));
        assert_eq!(from_value::<State>(&decoded).expect("from_value"), st);
    }

    #[test]
    fn attr_is_an_option_in_other_formats() {
        let st = Timeouts {
            create: Attr::Known("1m".into()),
            delete: Attr::Null,
        };
        let text = serde_json::to_string(&st).expect("json");
        assert_eq!(text, r#"{"create":"1m","delete":null}"#);
        let back: Timeouts = serde_json::from_str(&text).expect("json");
        assert_eq!(back, st);
        let num: Number = serde_json::from_str("2.50").expect("json number");
        assert_eq!(num.as_str(), "2.5");
    }
}
