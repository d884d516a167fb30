//! Reading msgpack into a [`Value`] of a given type: strict, never panics,
//! and every error names the attribute path and byte offset.

use std::collections::BTreeMap;

use rmp::Marker;

use crate::tfplugin::codec::error::CodecError;
use crate::tfplugin::codec::path::{attr, index, key, Path, Walker, MAX_DEPTH};
use crate::tfplugin::codec::types::type_from_json;
use crate::tfplugin::value::decimal::f64_exact;
use crate::tfplugin::value::{Number, Type, Value};

/// Extension type go-cty uses for unknown values with refinements.
const REFINED_UNKNOWN_EXT: i8 = 12;

/// Largest refinement body go-cty accepts.
const MAX_REFINEMENT_LEN: usize = 1024;

/// Decodes msgpack bytes of type `ty`. Unknowns (extension 0 and refined extension 12) become `Value::Unknown`.
pub fn decode_msgpack(bytes: &[u8], ty: &Type) -> Result<Value, CodecError> {
    let mut dec = Decoder {
        input: bytes,
        len: bytes.len(),
        path: Path::default(),
    };
    let value = dec.value(ty)?;
    if !dec.input.is_empty() {
        return Err(dec.path.error(format!(
            "{} trailing bytes after the value",
            dec.input.len()
        )));
    }
    Ok(value)
}

/// Reading state: the unread input and where we are in the value.
struct Decoder<'a> {
    /// Bytes not yet consumed.
    input: &'a [u8],
    /// Length of the whole input, to report byte offsets.
    len: usize,
    /// Position in the value, for error messages.
    path: Path,
}

impl Walker for Decoder<'_> {
    fn path_mut(&mut self) -> &mut Path {
        &mut self.path
    }
}

impl<'a> Decoder<'a> {
    fn value(&mut self, ty: &Type) -> Result<Value, CodecError> {
        let marker = self.marker()?;
        if let Some(len) = ext_len(marker) {
            return self.unknown(marker, len);
        }
        if *ty == Type::Dynamic {
            return self.dynamic(marker);
        }
        if marker == Marker::Null {
            return Ok(Value::Null);
        }
        match ty {
            Type::Bool => match marker {
                Marker::True => Ok(Value::Bool(true)),
                Marker::False => Ok(Value::Bool(false)),
                _ => Err(self.unexpected("bool", marker)),
            },
            Type::Number => self.number(marker).map(Value::Number),
            Type::String => self
                .string(marker, "string")
                .map(|s| Value::String(s.to_string())),
            Type::List(elem) | Type::Set(elem) => {
                let n = self.array_len(marker, "list or set")?;
                let items = self.elements(n, |d, _| d.value(elem))?;
                Ok(if matches!(ty, Type::List(_)) {
                    Value::List(items)
                } else {
                    Value::Set(items)
                })
            }
            Type::Tuple(elems) => {
                let n = self.array_len(marker, "tuple")?;
                if n != elems.len() {
                    return Err(self.path.error(format!(
                        "a tuple of length {} is required ({n} given)",
                        elems.len()
                    )));
                }
                self.elements(n, |d, i| d.value(&elems[i]))
                    .map(Value::Tuple)
            }
            Type::Map(elem) => {
                let n = self.map_len(marker, "map")?;
                let mut map = BTreeMap::new();
                for _ in 0..n {
                    let k = self.key()?;
                    if map.contains_key(k) {
                        return Err(self.path.error(format!("duplicate map key {k:?}")));
                    }
                    let v = self.nested(key(k), |d| d.value(elem))?;
                    map.insert(k.to_string(), v);
                }
                Ok(Value::Map(map))
            }
            Type::Object { attrs, .. } => self.object(marker, attrs),
            Type::Dynamic => self.dynamic(marker),
        }
    }

    /// Decodes `n` array elements, each one step deeper.
    fn elements(
        &mut self,
        n: usize,
        mut f: impl FnMut(&mut Self, usize) -> Result<Value, CodecError>,
    ) -> Result<Vec<Value>, CodecError> {
        // Every element takes at least one byte: never trust `n` for allocation.
        let mut items = Vec::with_capacity(n.min(self.input.len()));
        for i in 0..n {
            items.push(self.nested(index(i), |d| f(d, i))?);
        }
        Ok(items)
    }

    fn object(
        &mut self,
        marker: Marker,
        attrs: &BTreeMap<String, Type>,
    ) -> Result<Value, CodecError> {
        let n = self.map_len(marker, "object")?;
        if n != attrs.len() {
            return Err(self.path.error(format!(
                "an object with {} attributes is required ({n} given)",
                attrs.len()
            )));
        }
        let mut map = BTreeMap::new();
        for _ in 0..n {
            let k = self.key()?;
            let Some(aty) = attrs.get(k) else {
                return Err(self.path.error(format!("unsupported attribute {k:?}")));
            };
            if map.contains_key(k) {
                return Err(self.path.error(format!("duplicate attribute {k:?}")));
            }
            let v = self.nested(attr(k), |d| d.value(aty))?;
            map.insert(k.to_string(), v);
        }
        Ok(Value::Object(map))
    }

    /// `[bin(type JSON), value]`, or nil for an untyped null.
    fn dynamic(&mut self, marker: Marker) -> Result<Value, CodecError> {
        if marker == Marker::Null {
            return Ok(Value::Null);
        }
        let n = self.array_len(marker, "dynamic value")?;
        if n != 2 {
            return Err(self
                .path
                .error("dynamic value array must have exactly two elements"));
        }
        let m = self.marker()?;
        let type_json = self.bytes(m, "type of a dynamic value")?;
        let ty = type_from_json(type_json).map_err(|e| {
            self.path
                .error(format!("dynamic value type: {}", e.message))
        })?;
        // A dynamic wrapper is no path step, but it is a level of nesting.
        let inner = self.nested(None, |d| d.value(&ty))?;
        // A wrapper naming type "dynamic" holds a dynamic value itself
        // (go-cty reads it so): keep no wrapper, so it re-encodes the same.
        if ty == Type::Dynamic {
            return Ok(inner);
        }
        Ok(Value::Dynamic(ty, Box::new(inner)))
    }

    /// Any extension: a 0–1-byte body is a plain unknown, a longer one must
    /// be a refined unknown whose refinements we validate and then ignore.
    fn unknown(&mut self, marker: Marker, fixed: Option<usize>) -> Result<Value, CodecError> {
        let len = match fixed {
            Some(n) => n,
            None => match marker {
                Marker::Ext8 => usize::from(self.u8()?),
                Marker::Ext16 => usize::from(self.u16()?),
                _ => self.u32_len()?,
            },
        };
        let ext_type = self.u8()? as i8;
        let body = self.take(len)?;
        if len <= 1 {
            return Ok(Value::Unknown);
        }
        if ext_type != REFINED_UNKNOWN_EXT {
            return Err(self
                .path
                .error(format!("unsupported extension type {ext_type}")));
        }
        if len > MAX_REFINEMENT_LEN {
            return Err(self.path.error("oversize unknown value refinement"));
        }
        let mut sub = Decoder {
            input: body,
            len: body.len(),
            path: Path::default(),
        };
        let checked = sub.refinements();
        checked.map_err(|e| {
            self.path
                .error(format!("invalid unknown value refinement: {}", e.message))
        })?;
        Ok(Value::Unknown)
    }

    /// A map of integer keys to any values, filling the whole body.
    fn refinements(&mut self) -> Result<(), CodecError> {
        let marker = self.marker()?;
        let n = self.map_len(marker, "refinement map")?;
        for _ in 0..n {
            let m = self.marker()?;
            match m {
                Marker::FixPos(_) | Marker::U8 | Marker::U16 | Marker::U32 | Marker::U64 => {
                    self.skip_payload(m, 0)?
                }
                Marker::FixNeg(_) | Marker::I8 | Marker::I16 | Marker::I32 | Marker::I64 => {
                    self.skip_payload(m, 0)?
                }
                _ => return Err(self.unexpected("integer refinement key", m)),
            }
            self.skip(0)?;
        }
        if !self.input.is_empty() {
            return Err(self.path.error("trailing bytes"));
        }
        Ok(())
    }

    /// Skips one whole value of any kind.
    fn skip(&mut self, depth: usize) -> Result<(), CodecError> {
        let m = self.marker()?;
        self.skip_payload(m, depth)
    }

    fn skip_payload(&mut self, m: Marker, depth: usize) -> Result<(), CodecError> {
        if depth > MAX_DEPTH {
            return Err(self.path.error("nesting too deep"));
        }
        let fixed = match m {
            Marker::Null | Marker::True | Marker::False | Marker::FixPos(_) | Marker::FixNeg(_) => {
                0
            }
            Marker::U8 | Marker::I8 => 1,
            Marker::U16 | Marker::I16 => 2,
            Marker::U32 | Marker::I32 | Marker::F32 => 4,
            Marker::U64 | Marker::I64 | Marker::F64 => 8,
            Marker::FixStr(_) | Marker::Str8 | Marker::Str16 | Marker::Str32 => {
                return self.string(m, "string").map(drop);
            }
            Marker::Bin8 | Marker::Bin16 | Marker::Bin32 => return self.bytes(m, "bin").map(drop),
            Marker::FixArray(_) | Marker::Array16 | Marker::Array32 => {
                let n = self.array_len(m, "array")?;
                for _ in 0..n {
                    self.skip(depth + 1)?;
                }
                return Ok(());
            }
            Marker::FixMap(_) | Marker::Map16 | Marker::Map32 => {
                let n = self.map_len(m, "map")?;
                for _ in 0..n.saturating_mul(2) {
                    self.skip(depth + 1)?;
                }
                return Ok(());
            }
            Marker::FixExt1
            | Marker::FixExt2
            | Marker::FixExt4
            | Marker::FixExt8
            | Marker::FixExt16 => ext_len(m).flatten().map_or(0, |n| n + 1),
            Marker::Ext8 => usize::from(self.u8()?) + 1,
            Marker::Ext16 => usize::from(self.u16()?) + 1,
            Marker::Ext32 => self.u32_len()?.saturating_add(1),
            Marker::Reserved => return Err(self.path.error("reserved msgpack marker 0xc1")),
        };
        self.take(fixed).map(drop)
    }

    /// Any msgpack number, or a decimal string.
    fn number(&mut self, marker: Marker) -> Result<Number, CodecError> {
        let text = match marker {
            Marker::FixPos(n) => n.to_string(),
            Marker::FixNeg(n) => n.to_string(),
            Marker::U8 => self.u8()?.to_string(),
            Marker::U16 => self.u16()?.to_string(),
            Marker::U32 => u32::from_be_bytes(self.array()?).to_string(),
            Marker::U64 => u64::from_be_bytes(self.array()?).to_string(),
            Marker::I8 => (self.u8()? as i8).to_string(),
            Marker::I16 => i16::from_be_bytes(self.array()?).to_string(),
            Marker::I32 => i32::from_be_bytes(self.array()?).to_string(),
            Marker::I64 => i64::from_be_bytes(self.array()?).to_string(),
            Marker::F32 => {
                let v = f32::from_be_bytes(self.array()?);
                self.float(f64::from(v))?
            }
            Marker::F64 => {
                let v = f64::from_be_bytes(self.array()?);
                self.float(v)?
            }
            Marker::FixStr(_) | Marker::Str8 | Marker::Str16 | Marker::Str32 => {
                let s = self.string(marker, "number")?;
                return Number::parse(s).ok_or_else(|| {
                    self.path
                        .error("a number is required (got a string that is not a decimal)")
                });
            }
            _ => return Err(self.unexpected("number", marker)),
        };
        Number::parse(&text).ok_or_else(|| self.path.error("invalid number"))
    }

    fn float(&self, v: f64) -> Result<String, CodecError> {
        f64_exact(v).ok_or_else(|| self.path.error("infinite or NaN numbers are not supported"))
    }

    /// A string key of a map or object.
    fn key(&mut self) -> Result<&'a str, CodecError> {
        let m = self.marker()?;
        self.string(m, "string key")
    }

    /// A UTF-8 string (msgpack str, or bin as go-cty also accepts).
    fn string(&mut self, marker: Marker, what: &str) -> Result<&'a str, CodecError> {
        let raw = match marker {
            Marker::FixStr(n) => self.take(usize::from(n))?,
            Marker::Str8 => {
                let n = self.u8()?;
                self.take(usize::from(n))?
            }
            Marker::Str16 => {
                let n = self.u16()?;
                self.take(usize::from(n))?
            }
            Marker::Str32 => {
                let n = self.u32_len()?;
                self.take(n)?
            }
            Marker::Bin8 | Marker::Bin16 | Marker::Bin32 => self.bytes(marker, what)?,
            _ => return Err(self.unexpected(what, marker)),
        };
        std::str::from_utf8(raw).map_err(|_| self.path.error(format!("{what} is not valid UTF-8")))
    }

    /// Raw bytes of a bin (or str) value.
    fn bytes(&mut self, marker: Marker, what: &str) -> Result<&'a [u8], CodecError> {
        let n = match marker {
            Marker::Bin8 => usize::from(self.u8()?),
            Marker::Bin16 => usize::from(self.u16()?),
            Marker::Bin32 => self.u32_len()?,
            Marker::FixStr(_) | Marker::Str8 | Marker::Str16 | Marker::Str32 => {
                return self.string(marker, what).map(str::as_bytes);
            }
            _ => return Err(self.unexpected(what, marker)),
        };
        self.take(n)
    }

    fn array_len(&mut self, marker: Marker, what: &str) -> Result<usize, CodecError> {
        match marker {
            Marker::FixArray(n) => Ok(usize::from(n)),
            Marker::Array16 => Ok(usize::from(self.u16()?)),
            Marker::Array32 => self.u32_len(),
            _ => Err(self.unexpected(what, marker)),
        }
    }

    fn map_len(&mut self, marker: Marker, what: &str) -> Result<usize, CodecError> {
        match marker {
            Marker::FixMap(n) => Ok(usize::from(n)),
            Marker::Map16 => Ok(usize::from(self.u16()?)),
            Marker::Map32 => self.u32_len(),
            _ => Err(self.unexpected(what, marker)),
        }
    }

    fn marker(&mut self) -> Result<Marker, CodecError> {
        rmp::decode::read_marker(&mut self.input).map_err(|_| self.truncated())
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], CodecError> {
        let Some((head, rest)) = self.input.split_at_checked(n) else {
            return Err(self.truncated());
        };
        self.input = rest;
        Ok(head)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], CodecError> {
        let raw = self.take(N)?;
        raw.try_into().map_err(|_| self.truncated())
    }

    fn u8(&mut self) -> Result<u8, CodecError> {
        Ok(self.array::<1>()?[0])
    }

    fn u16(&mut self) -> Result<u16, CodecError> {
        Ok(u16::from_be_bytes(self.array()?))
    }

    fn u32_len(&mut self) -> Result<usize, CodecError> {
        let n = u32::from_be_bytes(self.array()?);
        usize::try_from(n).map_err(|_| self.path.error("length too large"))
    }

    fn truncated(&self) -> CodecError {
        let offset = self.len - self.input.len();
        self.path
            .error(format!("unexpected end of msgpack data at byte {offset}"))
    }

    fn unexpected(&self, what: &str, marker: Marker) -> CodecError {
        let offset = self.len - self.input.len();
        self.path.error(format!(
            "{what} is required, found msgpack {} at byte {offset}",
            marker_name(marker)
        ))
    }
}

/// For extension markers: `Some(Some(len))` for fixed-size bodies,
/// `Some(None)` when the length follows; `None` for anything else.
fn ext_len(marker: Marker) -> Option<Option<usize>> {
    match marker {
        Marker::FixExt1 => Some(Some(1)),
        Marker::FixExt2 => Some(Some(2)),
        Marker::FixExt4 => Some(Some(4)),
        Marker::FixExt8 => Some(Some(8)),
        Marker::FixExt16 => Some(Some(16)),
        Marker::Ext8 | Marker::Ext16 | Marker::Ext32 => Some(None),
        _ => None,
    }
}

/// A short name of what a marker starts, for error messages.
fn marker_name(marker: Marker) -> &'static str {
    match marker {
        Marker::Null => "nil",
        Marker::True | Marker::False => "bool",
        Marker::FixPos(_) | Marker::FixNeg(_) => "integer",
        Marker::U8 | Marker::U16 | Marker::U32 | Marker::U64 => "integer",
        Marker::I8 | Marker::I16 | Marker::I32 | Marker::I64 => "integer",
        Marker::F32 | Marker::F64 => "float",
        Marker::FixStr(_) | Marker::Str8 | Marker::Str16 | Marker::Str32 => "string",
        Marker::Bin8 | Marker::Bin16 | Marker::Bin32 => "bin",
        Marker::FixArray(_) | Marker::Array16 | Marker::Array32 => "array",
        Marker::FixMap(_) | Marker::Map16 | Marker::Map32 => "map",
        Marker::FixExt1
        | Marker::FixExt2
        | Marker::FixExt4
        | Marker::FixExt8
        | Marker::FixExt16 => "extension",
        Marker::Ext8 | Marker::Ext16 | Marker::Ext32 => "extension",
        Marker::Reserved => "reserved marker",
    }
}
