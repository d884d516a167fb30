//! `Deserializer` over a borrowed [`Value`].

use std::collections::btree_map;

use serde::de::value::BorrowedStrDeserializer;
use serde::de::{self, DeserializeSeed, IntoDeserializer, Visitor};

use super::error::Error;
use super::markers::{ATTR_MARKER, NUMBER_MARKER};
use crate::tfplugin::diag::PathStep;
use crate::tfplugin::value::{Number, Value};

/// Null for object attributes that are absent.
static NULL: Value = Value::Null;

/// Deserializes one value; dynamic wrappers are looked through.
pub(super) struct De<'a> {
    /// The value being read.
    value: &'a Value,
}

impl<'a> De<'a> {
    pub(super) fn new(value: &'a Value) -> De<'a> {
        let mut value = value;
        while let Value::Dynamic(_, inner) = value {
            value = inner;
        }
        De { value }
    }

    /// The error for a value of the wrong kind (or null/unknown).
    fn mismatch(&self, wanted: &str) -> Error {
        match self.value {
            Value::Unknown => Error::unknown(),
            Value::Null => Error::new(format!("{wanted} is required, got null")),
            other => Error::new(format!("{wanted} is required, got {}", describe(other))),
        }
    }

    fn number(&self, wanted: &str) -> Result<&'a Number, Error> {
        match self.value {
            Value::Number(n) => Ok(n),
            _ => Err(self.mismatch(wanted)),
        }
    }

    fn int<T: TryFrom<i128>>(&self, wanted: &str) -> Result<T, Error> {
        let n = self.number(wanted)?;
        let out_of_range = || Error::new(format!("{wanted} is required, got {n}"));
        let wide: i128 = n.as_str().parse().map_err(|_| out_of_range())?;
        T::try_from(wide).map_err(|_| out_of_range())
    }

    fn float(&self) -> Result<f64, Error> {
        let n = self.number("a number")?;
        n.as_f64()
            .filter(|f| f.is_finite())
            .ok_or_else(|| Error::new(format!("{n} does not fit a 64-bit float")))
    }
}

/// A short description of a value for error messages.
fn describe(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Unknown => "an unknown value",
        Value::Bool(_) => "a bool",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::List(_) => "a list",
        Value::Set(_) => "a set",
        Value::Tuple(_) => "a tuple",
        Value::Map(_) => "a map",
        Value::Object(_) => "an object",
        Value::Dynamic(..) => "a dynamic value",
    }
}

macro_rules! int_methods {
    ($($method:ident => $ty:ty, $visit:ident, $what:literal;)*) => {$(
        fn $method<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, Error> {
            visitor.$visit(self.int::<$ty>($what)?)
        }
    )*};
}

impl<'a> de::Deserializer<'a> for De<'a> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.value {
            Value::Null => visitor.visit_unit(),
            Value::Unknown => Err(Error::unknown()),
            Value::Bool(b) => visitor.visit_bool(*b),
            Value::Number(n) => {
                if let Some(i) = n.as_i64() {
                    visitor.visit_i64(i)
                } else if let Some(u) = n.as_u64() {
                    visitor.visit_u64(u)
                } else {
                    visitor.visit_f64(self.float()?)
                }
            }
            Value::String(s) => visitor.visit_borrowed_str(s),
            Value::List(items) | Value::Set(items) | Value::Tuple(items) => {
                visitor.visit_seq(Seq::new(items))
            }
            Value::Map(m) => visitor.visit_map(Map::new(m, false)),
            Value::Object(m) => visitor.visit_map(Map::new(m, true)),
            Value::Dynamic(_, inner) => De::new(inner).deserialize_any(visitor),
        }
    }

    fn deserialize_bool<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.value {
            Value::Bool(b) => visitor.visit_bool(*b),
            _ => Err(self.mismatch("a bool")),
        }
    }

    int_methods! {
        deserialize_i8 => i8, visit_i8, "a whole number from -128 to 127";
        deserialize_i16 => i16, visit_i16, "a whole number from -32768 to 32767";
        deserialize_i32 => i32, visit_i32, "a 32-bit whole number";
        deserialize_i64 => i64, visit_i64, "a 64-bit whole number";
        deserialize_i128 => i128, visit_i128, "a 128-bit whole number";
        deserialize_u8 => u8, visit_u8, "a whole number from 0 to 255";
        deserialize_u16 => u16, visit_u16, "a whole number from 0 to 65535";
        deserialize_u32 => u32, visit_u32, "a non-negative 32-bit whole number";
        deserialize_u64 => u64, visit_u64, "a non-negative 64-bit whole number";
    }

    fn deserialize_u128<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, Error> {
        let n = self.number("a non-negative whole number")?;
        let v: u128 = n
            .as_str()
            .parse()
            .map_err(|_| Error::new(format!("a non-negative whole number is required, got {n}")))?;
        visitor.visit_u128(v)
    }

    fn deserialize_f32<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, Error> {
        // Narrowing is what asking for an f32 means.
        visitor.visit_f32(self.float()? as f32)
    }

    fn deserialize_f64<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_f64(self.float()?)
    }

    fn deserialize_char<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.value {
            Value::String(s) => {
                let mut chars = s.chars();
                match (chars.next(), chars.next()) {
                    (Some(c), None) => visitor.visit_char(c),
                    _ => Err(Error::new("a single character is required")),
                }
            }
            _ => Err(self.mismatch("a single character")),
        }
    }

    fn deserialize_str<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.value {
            Value::String(s) => visitor.visit_borrowed_str(s),
            Value::Number(n) => visitor.visit_borrowed_str(n.as_str()),
            _ => Err(self.mismatch("a string")),
        }
    }

    fn deserialize_string<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_str(visitor)
    }

    fn deserialize_bytes<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.value {
            Value::String(s) => visitor.visit_borrowed_bytes(s.as_bytes()),
            _ => Err(self.mismatch("a string")),
        }
    }

    fn deserialize_byte_buf<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_bytes(visitor)
    }

    fn deserialize_option<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.value {
            Value::Null => visitor.visit_none(),
            Value::Unknown => Err(Error::unknown()),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_unit<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.value {
            Value::Null => visitor.visit_unit(),
            _ => Err(self.mismatch("null")),
        }
    }

    fn deserialize_unit_struct<V: Visitor<'a>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_unit(visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'a>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        match name {
            // The three states, as `Attr`'s visitor expects them.
            ATTR_MARKER => match self.value {
                Value::Null => visitor.visit_none(),
                Value::Unknown => visitor.visit_unit(),
                _ => visitor.visit_some(self),
            },
            NUMBER_MARKER => match self.value {
                Value::Number(n) => visitor.visit_borrowed_str(n.as_str()),
                _ => Err(self.mismatch("a number")),
            },
            _ => visitor.visit_newtype_struct(self),
        }
    }

    fn deserialize_seq<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.value {
            Value::List(items) | Value::Set(items) | Value::Tuple(items) => {
                visitor.visit_seq(Seq::new(items))
            }
            _ => Err(self.mismatch("a list")),
        }
    }

    fn deserialize_tuple<V: Visitor<'a>>(self, _len: usize, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'a>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_map<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.value {
            Value::Map(m) => visitor.visit_map(Map::new(m, false)),
            Value::Object(m) => visitor.visit_map(Map::new(m, true)),
            _ => Err(self.mismatch("a map")),
        }
    }

    fn deserialize_struct<V: Visitor<'a>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        match self.value {
            Value::Map(m) | Value::Object(m) => visitor.visit_map(Fields {
                fields,
                map: m,
                next: 0,
                value: &NULL,
            }),
            _ => Err(self.mismatch("an object")),
        }
    }

    fn deserialize_enum<V: Visitor<'a>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        match self.value {
            Value::String(s) => {
                visitor.visit_enum(IntoDeserializer::<Error>::into_deserializer(s.as_str()))
            }
            _ => Err(self.mismatch("a string naming a variant")),
        }
    }

    fn deserialize_identifier<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_str(visitor)
    }

    fn deserialize_ignored_any<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, Error> {
        // Ignored parts may be anything, unknown included.
        visitor.visit_unit()
    }
}

/// Elements of a list, set or tuple.
struct Seq<'a> {
    /// Remaining elements with their indexes.
    items: std::iter::Enumerate<std::slice::Iter<'a, Value>>,
    /// Elements not yet handed out.
    remaining: usize,
}

impl<'a> Seq<'a> {
    fn new(items: &'a [Value]) -> Seq<'a> {
        Seq {
            items: items.iter().enumerate(),
            remaining: items.len(),
        }
    }
}

impl<'a> de::SeqAccess<'a> for Seq<'a> {
    type Error = Error;

    fn next_element_seed<T: DeserializeSeed<'a>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Error> {
        let Some((i, item)) = self.items.next() else {
            return Ok(None);
        };
        self.remaining -= 1;
        let step = PathStep::Index(i64::try_from(i).unwrap_or(i64::MAX));
        seed.deserialize(De::new(item))
            .map(Some)
            .map_err(|e| e.at(step))
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.remaining)
    }
}

/// Entries of a map or object, for map-shaped targets.
struct Map<'a> {
    /// Remaining entries.
    entries: btree_map::Iter<'a, String, Value>,
    /// The entry whose key was handed out last.
    current: Option<(&'a String, &'a Value)>,
    /// Objects name attributes in paths; maps name keys.
    object: bool,
}

impl<'a> Map<'a> {
    fn new(m: &'a std::collections::BTreeMap<String, Value>, object: bool) -> Map<'a> {
        Map {
            entries: m.iter(),
            current: None,
            object,
        }
    }
}

impl<'a> de::MapAccess<'a> for Map<'a> {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'a>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Error> {
        let Some((k, v)) = self.entries.next() else {
            return Ok(None);
        };
        self.current = Some((k, v));
        let step = if self.object {
            PathStep::Attribute(k.clone())
        } else {
            PathStep::Key(k.clone())
        };
        seed.deserialize(BorrowedStrDeserializer::<Error>::new(k))
            .map(Some)
            .map_err(|e| e.at(step))
    }

    fn next_value_seed<V: DeserializeSeed<'a>>(&mut self, seed: V) -> Result<V::Value, Error> {
        let Some((k, v)) = self.current.take() else {
            return Err(Error::new("map value requested before its key"));
        };
        let step = if self.object {
            PathStep::Attribute(k.clone())
        } else {
            PathStep::Key(k.clone())
        };
        seed.deserialize(De::new(v)).map_err(|e| e.at(step))
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.entries.len())
    }
}

/// The declared fields of a struct, each with its attribute's value or null
/// when the object lacks it (a missing attribute is a null attribute).
struct Fields<'a> {
    /// Field names as serde sees them (after renames).
    fields: &'static [&'static str],
    /// The object's attributes.
    map: &'a std::collections::BTreeMap<String, Value>,
    /// Index of the next field to hand out.
    next: usize,
    /// Value of the field whose name was handed out last.
    value: &'a Value,
}

impl<'a> de::MapAccess<'a> for Fields<'a> {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'a>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Error> {
        let Some(name) = self.fields.get(self.next) else {
            return Ok(None);
        };
        self.next += 1;
        self.value = self.map.get(*name).unwrap_or(&NULL);
        seed.deserialize(BorrowedStrDeserializer::<Error>::new(name))
            .map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'a>>(&mut self, seed: V) -> Result<V::Value, Error> {
        let name = self
            .next
            .checked_sub(1)
            .and_then(|i| self.fields.get(i))
            .copied()
            .unwrap_or_default();
        seed.deserialize(De::new(self.value))
            .map_err(|e| e.at(PathStep::Attribute(name.to_string())))
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.fields.len().saturating_sub(self.next))
    }
}
