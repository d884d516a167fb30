//! `Serializer` producing a [`Value`]: structs become objects, maps become
//! maps, sequences become lists (the codec re-shapes them by schema type).

use std::collections::BTreeMap;

use serde::ser::{self, Serialize};

use super::error::Error;
use super::markers::{NUMBER_MARKER, UNKNOWN_MARKER};
use crate::tfplugin::diag::PathStep;
use crate::tfplugin::value::decimal::canonical_decimal;
use crate::tfplugin::value::{Number, Value};

/// Serializes one value.
pub(super) struct Ser;

fn number_from_text(text: String) -> Result<Value, Error> {
    Number::parse(&text)
        .map(Value::Number)
        .ok_or_else(|| Error::new(format!("{text:?} is not a number")))
}

impl ser::Serializer for Ser {
    type Ok = Value;
    type Error = Error;
    type SerializeSeq = List;
    type SerializeTuple = List;
    type SerializeTupleStruct = List;
    type SerializeTupleVariant = Variant<List>;
    type SerializeMap = MapSer;
    type SerializeStruct = Object;
    type SerializeStructVariant = Variant<Object>;

    fn serialize_bool(self, v: bool) -> Result<Value, Error> {
        Ok(Value::Bool(v))
    }
    fn serialize_i8(self, v: i8) -> Result<Value, Error> {
        Ok(Value::Number(i64::from(v).into()))
    }
    fn serialize_i16(self, v: i16) -> Result<Value, Error> {
        Ok(Value::Number(i64::from(v).into()))
    }
    fn serialize_i32(self, v: i32) -> Result<Value, Error> {
        Ok(Value::Number(i64::from(v).into()))
    }
    fn serialize_i64(self, v: i64) -> Result<Value, Error> {
        Ok(Value::Number(v.into()))
    }
    fn serialize_i128(self, v: i128) -> Result<Value, Error> {
        number_from_text(v.to_string())
    }
    fn serialize_u8(self, v: u8) -> Result<Value, Error> {
        Ok(Value::Number(Number::from_u64(u64::from(v))))
    }
    fn serialize_u16(self, v: u16) -> Result<Value, Error> {
        Ok(Value::Number(Number::from_u64(u64::from(v))))
    }
    fn serialize_u32(self, v: u32) -> Result<Value, Error> {
        Ok(Value::Number(Number::from_u64(u64::from(v))))
    }
    fn serialize_u64(self, v: u64) -> Result<Value, Error> {
        Ok(Value::Number(Number::from_u64(v)))
    }
    fn serialize_u128(self, v: u128) -> Result<Value, Error> {
        number_from_text(v.to_string())
    }
    fn serialize_f32(self, v: f32) -> Result<Value, Error> {
        // The f32's own shortest text: 1.1f32 means 1.1, not 1.100000023841858.
        let text = if v.is_finite() {
            canonical_decimal(&format!("{v:e}"))
        } else {
            None
        };
        text.and_then(|t| Number::parse(&t))
            .map(Value::Number)
            .ok_or_else(|| Error::new("NaN and infinite numbers cannot be Terraform values"))
    }
    fn serialize_f64(self, v: f64) -> Result<Value, Error> {
        Number::from_f64(v)
            .map(Value::Number)
            .ok_or_else(|| Error::new("NaN and infinite numbers cannot be Terraform values"))
    }
    fn serialize_char(self, v: char) -> Result<Value, Error> {
        Ok(Value::String(v.to_string()))
    }
    fn serialize_str(self, v: &str) -> Result<Value, Error> {
        Ok(Value::String(v.to_string()))
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<Value, Error> {
        String::from_utf8(v.to_vec())
            .map(Value::String)
            .map_err(|_| Error::new("bytes must be UTF-8 to become a Terraform string"))
    }
    fn serialize_none(self) -> Result<Value, Error> {
        Ok(Value::Null)
    }
    fn serialize_some<T: ?Sized + Serialize>(self, value: &T) -> Result<Value, Error> {
        value.serialize(Ser)
    }
    fn serialize_unit(self) -> Result<Value, Error> {
        Ok(Value::Null)
    }
    fn serialize_unit_struct(self, name: &'static str) -> Result<Value, Error> {
        Ok(if name == UNKNOWN_MARKER {
            Value::Unknown
        } else {
            Value::Null
        })
    }
    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<Value, Error> {
        Ok(Value::String(variant.to_string()))
    }
    fn serialize_newtype_struct<T: ?Sized + Serialize>(
        self,
        name: &'static str,
        value: &T,
    ) -> Result<Value, Error> {
        let v = value.serialize(Ser)?;
        match (name, v) {
            (NUMBER_MARKER, Value::String(text)) => number_from_text(text),
            (_, v) => Ok(v),
        }
    }
    fn serialize_newtype_variant<T: ?Sized + Serialize>(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<Value, Error> {
        let v = value
            .serialize(Ser)
            .map_err(|e| e.at(PathStep::Attribute(variant.to_string())))?;
        Ok(Value::Object(BTreeMap::from([(variant.to_string(), v)])))
    }
    fn serialize_seq(self, len: Option<usize>) -> Result<List, Error> {
        Ok(List {
            items: Vec::with_capacity(len.unwrap_or(0).min(1024)),
        })
    }
    fn serialize_tuple(self, len: usize) -> Result<List, Error> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_struct(self, _name: &'static str, len: usize) -> Result<List, Error> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Variant<List>, Error> {
        Ok(Variant {
            name: variant,
            inner: self.serialize_seq(Some(len))?,
        })
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<MapSer, Error> {
        Ok(MapSer {
            map: BTreeMap::new(),
            key: None,
        })
    }
    fn serialize_struct(self, _name: &'static str, _len: usize) -> Result<Object, Error> {
        Ok(Object {
            map: BTreeMap::new(),
        })
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Variant<Object>, Error> {
        Ok(Variant {
            name: variant,
            inner: Object {
                map: BTreeMap::new(),
            },
        })
    }
}

/// A sequence being built.
pub(super) struct List {
    /// Elements so far.
    items: Vec<Value>,
}

impl List {
    fn push<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), Error> {
        let step = PathStep::Index(i64::try_from(self.items.len()).unwrap_or(i64::MAX));
        self.items
            .push(value.serialize(Ser).map_err(|e| e.at(step))?);
        Ok(())
    }
}

impl ser::SerializeSeq for List {
    type Ok = Value;
    type Error = Error;
    fn serialize_element<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), Error> {
        self.push(value)
    }
    fn end(self) -> Result<Value, Error> {
        Ok(Value::List(self.items))
    }
}

impl ser::SerializeTuple for List {
    type Ok = Value;
    type Error = Error;
    fn serialize_element<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), Error> {
        self.push(value)
    }
    fn end(self) -> Result<Value, Error> {
        Ok(Value::List(self.items))
    }
}

impl ser::SerializeTupleStruct for List {
    type Ok = Value;
    type Error = Error;
    fn serialize_field<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), Error> {
        self.push(value)
    }
    fn end(self) -> Result<Value, Error> {
        Ok(Value::List(self.items))
    }
}

/// A map being built; keys must serialize as strings (or numbers/bools,
/// which become their text, as Terraform map keys are strings).
pub(super) struct MapSer {
    /// Entries so far.
    map: BTreeMap<String, Value>,
    /// The key given to `serialize_key`, awaiting its value.
    key: Option<String>,
}

impl ser::SerializeMap for MapSer {
    type Ok = Value;
    type Error = Error;
    fn serialize_key<T: ?Sized + Serialize>(&mut self, key: &T) -> Result<(), Error> {
        let k = match key.serialize(Ser)? {
            Value::String(s) => s,
            Value::Number(n) => n.as_str().to_string(),
            Value::Bool(b) => b.to_string(),
            _ => return Err(Error::new("map keys must be strings")),
        };
        self.key = Some(k);
        Ok(())
    }
    fn serialize_value<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), Error> {
        let k = self
            .key
            .take()
            .ok_or_else(|| Error::new("map value without a key"))?;
        let v = value
            .serialize(Ser)
            .map_err(|e| e.at(PathStep::Key(k.clone())))?;
        self.map.insert(k, v);
        Ok(())
    }
    fn end(self) -> Result<Value, Error> {
        Ok(Value::Map(self.map))
    }
}

/// A struct being built as an object.
pub(super) struct Object {
    /// Attributes so far.
    map: BTreeMap<String, Value>,
}

impl ser::SerializeStruct for Object {
    type Ok = Value;
    type Error = Error;
    fn serialize_field<T: ?Sized + Serialize>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        let v = value
            .serialize(Ser)
            .map_err(|e| e.at(PathStep::Attribute(key.to_string())))?;
        self.map.insert(key.to_string(), v);
        Ok(())
    }
    fn end(self) -> Result<Value, Error> {
        Ok(Value::Object(self.map))
    }
}

/// An enum variant with data, written as `{variant = data}`.
pub(super) struct Variant<T> {
    /// The variant's name, the single attribute of the result.
    name: &'static str,
    /// The variant's data being built.
    inner: T,
}

impl<T> Variant<T> {
    fn wrap(name: &'static str, v: Value) -> Value {
        Value::Object(BTreeMap::from([(name.to_string(), v)]))
    }
}

impl ser::SerializeTupleVariant for Variant<List> {
    type Ok = Value;
    type Error = Error;
    fn serialize_field<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), Error> {
        let name = self.name;
        self.inner
            .push(value)
            .map_err(|e| e.at(PathStep::Attribute(name.to_string())))
    }
    fn end(self) -> Result<Value, Error> {
        Ok(Self::wrap(self.name, Value::List(self.inner.items)))
    }
}

impl ser::SerializeStructVariant for Variant<Object> {
    type Ok = Value;
    type Error = Error;
    fn serialize_field<T: ?Sized + Serialize>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        let name = self.name;
        ser::SerializeStruct::serialize_field(&mut self.inner, key, value)
            .map_err(|e| e.at(PathStep::Attribute(name.to_string())))
    }
    fn end(self) -> Result<Value, Error> {
        Ok(Self::wrap(self.name, Value::Object(self.inner.map)))
    }
}
