//! Type JSON, as in `Schema.Attribute.type` and in the first element of a
//! msgpack dynamic value: `"string"`, `["list","string"]`,
//! `["object",{"a":"string"},["a"]]`, `["tuple",["bool"]]`.

use std::collections::BTreeMap;

use serde_json::Value as Json;

use super::error::{kind, CodecError};
use super::path::MAX_DEPTH;
use crate::tfplugin::value::{Type, Value};

/// Parses a type from schema type JSON.
pub fn type_from_json(bytes: &[u8]) -> Result<Type, CodecError> {
    let json: Json =
        serde_json::from_slice(bytes).map_err(|e| err(format!("invalid type JSON: {e}")))?;
    from_json(&json, 0)
}

/// Writes a type as schema type JSON.
pub fn type_to_json(ty: &Type) -> Vec<u8> {
    // Serializing a serde_json::Value into memory cannot fail.
    serde_json::to_vec(&to_json(ty)).unwrap_or_default()
}

/// A type as a JSON tree (also used inside JSON-encoded dynamic values).
pub(crate) fn to_json(ty: &Type) -> Json {
    match ty {
        Type::Bool => Json::from("bool"),
        Type::Number => Json::from("number"),
        Type::String => Json::from("string"),
        Type::Dynamic => Json::from("dynamic"),
        Type::List(t) => Json::Array(vec![Json::from("list"), to_json(t)]),
        Type::Set(t) => Json::Array(vec![Json::from("set"), to_json(t)]),
        Type::Map(t) => Json::Array(vec![Json::from("map"), to_json(t)]),
        Type::Object { attrs, optional } => {
            let fields = attrs.iter().map(|(k, t)| (k.clone(), to_json(t))).collect();
            let mut parts = vec![Json::from("object"), Json::Object(fields)];
            if !optional.is_empty() {
                let mut names = optional.clone();
                names.sort();
                names.dedup();
                parts.push(Json::Array(names.into_iter().map(Json::from).collect()));
            }
            Json::Array(parts)
        }
        Type::Tuple(ts) => Json::Array(vec![
            Json::from("tuple"),
            Json::Array(ts.iter().map(to_json).collect()),
        ]),
    }
}

/// A type from a JSON tree; `depth` bounds recursion on hostile input.
pub(crate) fn from_json(json: &Json, depth: usize) -> Result<Type, CodecError> {
    if depth > MAX_DEPTH {
        return Err(err(format!("type nested deeper than {MAX_DEPTH} levels")));
    }
    match json {
        Json::String(s) => match s.as_str() {
            "bool" => Ok(Type::Bool),
            "number" => Ok(Type::Number),
            "string" => Ok(Type::String),
            "dynamic" => Ok(Type::Dynamic),
            other => Err(err(format!("unknown primitive type {other:?}"))),
        },
        Json::Array(parts) => {
            let kind = parts
                .first()
                .and_then(Json::as_str)
                .ok_or_else(|| err("type array must start with its kind"))?;
            match (kind, parts.len()) {
                ("list", 2) => Ok(Type::List(Box::new(from_json(&parts[1], depth + 1)?))),
                ("set", 2) => Ok(Type::Set(Box::new(from_json(&parts[1], depth + 1)?))),
                ("map", 2) => Ok(Type::Map(Box::new(from_json(&parts[1], depth + 1)?))),
                ("tuple", 2) => {
                    let elems = parts[1]
                        .as_array()
                        .ok_or_else(|| err("tuple type needs an array of element types"))?;
                    let types = elems
                        .iter()
                        .map(|t| from_json(t, depth + 1))
                        .collect::<Result<_, _>>()?;
                    Ok(Type::Tuple(types))
                }
                ("object", 2 | 3) => object_from_json(parts, depth),
                (other, n) => Err(err(format!("invalid type {other:?} with {n} elements"))),
            }
        }
        _ => Err(err("a type must be a string or an array")),
    }
}

/// `["object",{...}]` or `["object",{...},[optional names]]`.
fn object_from_json(parts: &[Json], depth: usize) -> Result<Type, CodecError> {
    let fields = parts
        .get(1)
        .and_then(Json::as_object)
        .ok_or_else(|| err("object type needs a map of attribute types"))?;
    let mut attrs = BTreeMap::new();
    for (name, t) in fields {
        attrs.insert(name.clone(), from_json(t, depth + 1)?);
    }
    let mut optional = Vec::new();
    if let Some(names) = parts.get(2) {
        let names = names
            .as_array()
            .ok_or_else(|| err("optional attributes must be an array of names"))?;
        for name in names {
            let name = name
                .as_str()
                .ok_or_else(|| err("optional attribute names must be strings"))?;
            if !attrs.contains_key(name) {
                return Err(err(format!(
                    "optional attribute {name:?} is not an attribute of the object"
                )));
            }
            optional.push(name.to_string());
        }
        optional.sort();
        optional.dedup();
    }
    Ok(Type::Object { attrs, optional })
}

/// A type error; types have no attribute path of their own.
fn err(message: impl Into<String>) -> CodecError {
    CodecError {
        path: String::new(),
        message: message.into(),
    }
}

/// The type a value of a dynamic attribute is written with: the one it
/// carries in [`Value::Dynamic`], or the evident one of a primitive. Null,
/// unknown and nested dynamic values are the encoders' business; any other
/// value needs [`Value::Dynamic`], since element types cannot be guessed.
pub(super) fn dynamic_type_of(value: &Value) -> Result<(Type, &Value), String> {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(text: &str) -> Type {
        let ty = type_from_json(text.as_bytes()).expect(text);
        assert_eq!(String::from_utf8(type_to_json(&ty)).expect("utf8"), text);
        ty
    }

    #[test]
    fn primitives_and_collections() {
        assert_eq!(round_trip(r#""string""#), Type::String);
        assert_eq!(round_trip(r#""number""#), Type::Number);
        assert_eq!(round_trip(r#""bool""#), Type::Bool);
        assert_eq!(round_trip(r#""dynamic""#), Type::Dynamic);
        assert_eq!(
            round_trip(r#"["list","string"]"#),
            Type::List(Box::new(Type::String))
        );
        assert_eq!(
            round_trip(r#"["set","number"]"#),
            Type::Set(Box::new(Type::Number))
        );
        assert_eq!(
            round_trip(r#"["map",["list","bool"]]"#),
            Type::Map(Box::new(Type::List(Box::new(Type::Bool))))
        );
        assert_eq!(
            round_trip(r#"["tuple",["string","number"]]"#),
            Type::Tuple(vec![Type::String, Type::Number])
        );
        assert_eq!(round_trip(r#"["tuple",[]]"#), Type::Tuple(vec![]));
    }

    #[test]
    fn objects_with_optional_attributes() {
        let ty = round_trip(r#"["object",{"a":"string","b":["list","number"]}]"#);
        let Type::Object { attrs, optional } = ty else {
            panic!("object expected")
        };
        assert_eq!(attrs.len(), 2);
        assert!(optional.is_empty());
        let ty = round_trip(r#"["object",{"a":"string","b":"number"},["b"]]"#);
        assert!(matches!(ty, Type::Object { optional, .. } if optional == vec!["b".to_string()]));
        // Attribute order in the input does not matter; output is sorted.
        let ty = type_from_json(br#"["object",{"z":"bool","a":"bool"}]"#).expect("valid");
        assert_eq!(type_to_json(&ty), br#"["object",{"a":"bool","z":"bool"}]"#);
    }

    #[test]
    fn rejects_invalid_types() {
        for text in [
            r#""str""#,
            r#"["list"]"#,
            r#"["list","string","x"]"#,
            r#"["object",["a"]]"#,
            r#"["object",{"a":"string"},["b"]]"#,
            r#"["tuple","string"]"#,
            r#"[1,"string"]"#,
            "42",
            "not json",
        ] {
            assert!(type_from_json(text.as_bytes()).is_err(), "{text}");
        }
        let deep = format!("{}\"string\"{}", r#"["list","#.repeat(100), "]".repeat(100));
        let e = type_from_json(deep.as_bytes()).expect_err("too deep");
        assert!(e.message.contains("deeper"), "{e}");
    }
}
