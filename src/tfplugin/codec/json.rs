//! JSON DynamicValue encoding (`DynamicValue.json`, `RawState.json`): the
//! same shapes as msgpack, with go-cty's JSON leniencies on decode (numbers
//! and bools may arrive as strings, absent object attributes are null) and
//! dynamic values as `{"value":…,"type":…}`. Unknown has no JSON form.

use std::collections::BTreeMap;

use serde_json::{Map, Value as Json};

use super::error::{kind, type_name, CodecError};
use super::path::{attr, index, key, Path, Walker};
use super::types::{dynamic_type_of, from_json as type_from_tree, to_json as type_to_tree};
use crate::tfplugin::value::{Number, Type, Value};

/// Decodes JSON text of type `ty` (numbers of any precision).
pub fn decode_json(bytes: &[u8], ty: &Type) -> Result<Value, CodecError> {
    decode(bytes, ty, false)
}

/// Like [`decode_json`], but drops object attributes the type does not
/// have: stored state written by an older provider release may still hold
/// attributes since removed, which must not make the state unreadable.
pub fn decode_json_dropping_removed_attributes(
    bytes: &[u8],
    ty: &Type,
) -> Result<Value, CodecError> {
    decode(bytes, ty, true)
}

fn decode(bytes: &[u8], ty: &Type, drop_removed: bool) -> Result<Value, CodecError> {
    let json: Json = serde_json::from_slice(bytes).map_err(|e| CodecError {
        path: String::new(),
        message: format!("invalid JSON: {e}"),
    })?;
    let mut decoder = Decoder {
        path: Path::default(),
        drop_removed,
    };
    decoder.value(&json, ty)
}

/// Encodes `value` as JSON of type `ty`. Unknown values are an error.
pub fn encode_json(value: &Value, ty: &Type) -> Result<Vec<u8>, CodecError> {
    let json = Encoder {
        path: Path::default(),
    }
    .value(value, ty)?;
    serde_json::to_vec(&json).map_err(|e| CodecError {
        path: String::new(),
        message: format!("JSON output: {e}"),
    })
}

/// Reading state: where we are in the value.
struct Decoder {
    /// Position in the value, for error messages.
    path: Path,
    /// Ignore object attributes the type lacks instead of failing.
    drop_removed: bool,
}

impl Walker for Decoder {
    fn path_mut(&mut self) -> &mut Path {
        &mut self.path
    }
}

impl Decoder {
    fn value(&mut self, json: &Json, ty: &Type) -> Result<Value, CodecError> {
        if *ty == Type::Dynamic {
            return self.dynamic(json);
        }
        match (json, ty) {
            (Json::Null, _) => Ok(Value::Null),
            (Json::Bool(b), Type::Bool) => Ok(Value::Bool(*b)),
            (Json::String(s), Type::Bool) => match s.as_str() {
                "true" => Ok(Value::Bool(true)),
                "false" => Ok(Value::Bool(false)),
                _ => Err(self.path.error("a bool is required")),
            },
            (Json::Number(n), Type::Number) => self.number(&n.to_string()),
            (Json::String(s), Type::Number) => self.number(s),
            (Json::String(s), Type::String) => Ok(Value::String(s.clone())),
            (Json::Number(n), Type::String) => Ok(Value::String(n.to_string())),
            (Json::Bool(b), Type::String) => Ok(Value::String(b.to_string())),
            (Json::Array(items), Type::List(elem) | Type::Set(elem)) => {
                let mut out = Vec::with_capacity(items.len());
                for (i, item) in items.iter().enumerate() {
                    out.push(self.nested(index(i), |d| d.value(item, elem))?);
                }
                Ok(if matches!(ty, Type::List(_)) {
                    Value::List(out)
                } else {
                    Value::Set(out)
                })
            }
            (Json::Array(items), Type::Tuple(elems)) => {
                if items.len() != elems.len() {
                    let msg = format!(
                        "a tuple of length {} is required ({} given)",
                        elems.len(),
                        items.len()
                    );
                    return Err(self.path.error(msg));
                }
                let mut out = Vec::with_capacity(items.len());
                for (i, (item, elem)) in items.iter().zip(elems).enumerate() {
                    out.push(self.nested(index(i), |d| d.value(item, elem))?);
                }
                Ok(Value::Tuple(out))
            }
            (Json::Object(fields), Type::Map(elem)) => {
                let mut out = BTreeMap::new();
                for (k, v) in fields {
                    out.insert(k.clone(), self.nested(key(k), |d| d.value(v, elem))?);
                }
                Ok(Value::Map(out))
            }
            (Json::Object(fields), Type::Object { attrs, .. }) => {
                if let Some(extra) = fields.keys().find(|k| !attrs.contains_key(*k)) {
                    if !self.drop_removed {
                        return Err(self.path.error(format!("unsupported attribute {extra:?}")));
                    }
                }
                let mut out = BTreeMap::new();
                for (k, aty) in attrs {
                    let v = match fields.get(k) {
                        Some(v) => self.nested(attr(k), |d| d.value(v, aty))?,
                        None => Value::Null,
                    };
                    out.insert(k.clone(), v);
                }
                Ok(Value::Object(out))
            }
            (_, t) => Err(self.path.error(format!("{} is required", type_name(t)))),
        }
    }

    fn number(&self, text: &str) -> Result<Value, CodecError> {
        Number::parse(text)
            .map(Value::Number)
            .ok_or_else(|| self.path.error("a number is required"))
    }

    /// `{"value":…,"type":…}`, or `null` for an untyped null.
    fn dynamic(&mut self, json: &Json) -> Result<Value, CodecError> {
        let fields = match json {
            Json::Null => return Ok(Value::Null),
            Json::Object(fields) => fields,
            _ => {
                return Err(self
                    .path
                    .error("a dynamic value must be an object with \"value\" and \"type\""))
            }
        };
        if let Some(extra) = fields.keys().find(|k| *k != "value" && *k != "type") {
            return Err(self
                .path
                .error(format!("invalid key {extra:?} in a dynamic value")));
        }
        let type_json = fields
            .get("type")
            .ok_or_else(|| self.path.error("missing type in a dynamic value"))?;
        let ty = type_from_tree(type_json, 0).map_err(|e| {
            self.path
                .error(format!("dynamic value type: {}", e.message))
        })?;
        let inner = match fields.get("value") {
            Some(v) => self.nested(None, |d| d.value(v, &ty))?,
            None => Value::Null,
        };
        // A wrapper naming type "dynamic" holds a dynamic value itself
        // (go-cty reads it so): keep no wrapper, so it re-encodes the same.
        if ty == Type::Dynamic {
            return Ok(inner);
        }
        Ok(Value::Dynamic(ty, Box::new(inner)))
    }
}

/// Writing state: where we are in the value.
struct Encoder {
    /// Position in the value, for error messages.
    path: Path,
}

impl Walker for Encoder {
    fn path_mut(&mut self) -> &mut Path {
        &mut self.path
    }
}

impl Encoder {
    fn value(&mut self, value: &Value, ty: &Type) -> Result<Json, CodecError> {
        if *ty == Type::Dynamic {
            return self.dynamic(value);
        }
        match (value, ty) {
            (Value::Dynamic(_, inner), _) => self.value(inner, ty),
            (Value::Null, _) => Ok(Json::Null),
            (Value::Unknown, _) => Err(self.path.error("unknown values cannot be written as JSON")),
            (Value::Bool(b), Type::Bool) => Ok(Json::Bool(*b)),
            (Value::Number(n), Type::Number) => {
                let num: serde_json::Number = n
                    .as_str()
                    .parse()
                    .map_err(|_| self.path.error("number has no JSON form"))?;
                Ok(Json::Number(num))
            }
            (Value::String(s), Type::String) => Ok(Json::String(s.clone())),
            (
                Value::List(items) | Value::Set(items) | Value::Tuple(items),
                Type::List(elem) | Type::Set(elem),
            ) => {
                let mut out = Vec::with_capacity(items.len());
                for (i, item) in items.iter().enumerate() {
                    out.push(self.nested(index(i), |e| e.value(item, elem))?);
                }
                Ok(Json::Array(out))
            }
            (Value::List(items) | Value::Set(items) | Value::Tuple(items), Type::Tuple(elems)) => {
                if items.len() != elems.len() {
                    let msg = format!(
                        "a tuple of length {} is required ({} given)",
                        elems.len(),
                        items.len()
                    );
                    return Err(self.path.error(msg));
                }
                let mut out = Vec::with_capacity(items.len());
                for (i, (item, elem)) in items.iter().zip(elems).enumerate() {
                    out.push(self.nested(index(i), |e| e.value(item, elem))?);
                }
                Ok(Json::Array(out))
            }
            (Value::Map(m) | Value::Object(m), Type::Map(elem)) => {
                let mut out = Map::new();
                for (k, v) in m {
                    out.insert(k.clone(), self.nested(key(k), |e| e.value(v, elem))?);
                }
                Ok(Json::Object(out))
            }
            (Value::Map(m) | Value::Object(m), Type::Object { attrs, .. }) => {
                if let Some(extra) = m.keys().find(|k| !attrs.contains_key(*k)) {
                    return Err(self.path.error(format!("unsupported attribute {extra:?}")));
                }
                let mut out = Map::new();
                for (k, aty) in attrs {
                    let v = m.get(k).unwrap_or(&Value::Null);
                    out.insert(k.clone(), self.nested(attr(k), |e| e.value(v, aty))?);
                }
                Ok(Json::Object(out))
            }
            (v, t) => {
                Err(self
                    .path
                    .error(format!("{} is required, got {}", type_name(t), kind(v))))
            }
        }
    }

    fn dynamic(&mut self, value: &Value) -> Result<Json, CodecError> {
        let (ty, inner) = match value {
            Value::Null => return Ok(Json::Null),
            Value::Unknown => {
                return Err(self.path.error("unknown values cannot be written as JSON"))
            }
            Value::Dynamic(Type::Dynamic, inner) => return self.nested(None, |e| e.dynamic(inner)),
            other => dynamic_type_of(other).map_err(|msg| self.path.error(msg))?,
        };
        let v = self.nested(None, |e| e.value(inner, &ty))?;
        let mut out = Map::new();
        out.insert("value".to_string(), v);
        out.insert("type".to_string(), type_to_tree(&ty));
        Ok(Json::Object(out))
    }
}
