//! Writing a [`Value`] as msgpack of a given type, the way go-cty does, so
//! that Terraform reads back exactly what it sent.

use rmp::Marker;

use crate::tfplugin::codec::error::{kind, type_name, CodecError};
use crate::tfplugin::codec::path::{attr, index, key, Path, Walker};
use crate::tfplugin::codec::types::{dynamic_type_of, type_to_json};
use crate::tfplugin::value::decimal::{canonical_decimal, exact_f64};
use crate::tfplugin::value::{Number, Type, Value};

/// Encodes `value` as msgpack of type `ty` (objects carry every attribute; null as nil; unknown as `d4 00 00`).
///
/// Lists, sets and tuples are interchangeable, and so are maps and objects:
/// the type decides what goes on the wire, so typed structs (which produce
/// lists and objects) encode into sets and maps where the schema says so.
pub fn encode_msgpack(value: &Value, ty: &Type) -> Result<Vec<u8>, CodecError> {
    let mut enc = Encoder {
        out: Vec::new(),
        path: Path::default(),
    };
    enc.value(value, ty)?;
    Ok(enc.out)
}

/// Writing state: the output and where we are in the value.
struct Encoder {
    /// Bytes written so far.
    out: Vec<u8>,
    /// Position in the value, for error messages.
    path: Path,
}

impl Walker for Encoder {
    fn path_mut(&mut self) -> &mut Path {
        &mut self.path
    }
}

impl Encoder {
    fn value(&mut self, value: &Value, ty: &Type) -> Result<(), CodecError> {
        if *ty == Type::Dynamic {
            return self.dynamic(value);
        }
        match (value, ty) {
            (Value::Dynamic(_, inner), _) => self.value(inner, ty),
            (Value::Null, _) => {
                self.out.push(Marker::Null.to_u8());
                Ok(())
            }
            (Value::Unknown, _) => {
                // go-cty's plain unknown: fixext1, type 0, body 0.
                self.out.extend_from_slice(&[Marker::FixExt1.to_u8(), 0, 0]);
                Ok(())
            }
            (Value::Bool(b), Type::Bool) => {
                self.out.push(if *b {
                    Marker::True.to_u8()
                } else {
                    Marker::False.to_u8()
                });
                Ok(())
            }
            (Value::Number(n), Type::Number) => self.number(n),
            (Value::String(s), Type::String) => {
                rmp::encode::write_str(&mut self.out, s).map_err(|e| self.io(e))
            }
            (
                Value::List(items) | Value::Set(items) | Value::Tuple(items),
                Type::List(elem) | Type::Set(elem),
            ) => {
                self.array_len(items.len())?;
                for (i, item) in items.iter().enumerate() {
                    self.nested(index(i), |e| e.value(item, elem))?;
                }
                Ok(())
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
                self.array_len(items.len())?;
                for (i, (item, elem)) in items.iter().zip(elems).enumerate() {
                    self.nested(index(i), |e| e.value(item, elem))?;
                }
                Ok(())
            }
            (Value::Map(m) | Value::Object(m), Type::Map(elem)) => {
                self.map_len(m.len())?;
                for (k, v) in m {
                    rmp::encode::write_str(&mut self.out, k).map_err(|e| self.io(e))?;
                    self.nested(key(k), |e| e.value(v, elem))?;
                }
                Ok(())
            }
            (Value::Map(m) | Value::Object(m), Type::Object { attrs, .. }) => {
                if let Some(extra) = m.keys().find(|k| !attrs.contains_key(*k)) {
                    return Err(self.path.error(format!("unsupported attribute {extra:?}")));
                }
                self.map_len(attrs.len())?;
                for (k, aty) in attrs {
                    rmp::encode::write_str(&mut self.out, k).map_err(|e| self.io(e))?;
                    // Absent attributes are null: the wire needs every key.
                    let v = m.get(k).unwrap_or(&Value::Null);
                    self.nested(attr(k), |e| e.value(v, aty))?;
                }
                Ok(())
            }
            (v, t) => {
                Err(self
                    .path
                    .error(format!("{} is required, got {}", type_name(t), kind(v))))
            }
        }
    }

    fn dynamic(&mut self, value: &Value) -> Result<(), CodecError> {
        let (ty, inner) = match value {
            Value::Null | Value::Unknown => return self.value(value, &Type::Bool),
            Value::Dynamic(Type::Dynamic, inner) => {
                return self.nested(None, |e| e.dynamic(inner));
            }
            other => dynamic_type_of(other).map_err(|msg| self.path.error(msg))?,
        };
        self.array_len(2)?;
        rmp::encode::write_bin(&mut self.out, &type_to_json(&ty)).map_err(|e| self.io(e))?;
        self.nested(None, |e| e.value(inner, &ty))
    }

    /// int when exact in i64, float64 when a fraction is exact in f64, else
    /// decimal text (go-cty's rule since 1.14.4, so Terraform reads back
    /// exactly what it sent). A whole number beyond i64 never goes as
    /// float64 even when exact (2^64): Terraform would decode it with 53-bit
    /// precision and print it rounded, a perpetual diff.
    fn number(&mut self, n: &Number) -> Result<(), CodecError> {
        if let Some(i) = n.as_i64() {
            return rmp::encode::write_sint(&mut self.out, i)
                .map(drop)
                .map_err(|e| self.io(e));
        }
        // Canonical text of an f64-exact value is plain: a fraction has a '.'.
        let fraction = n.as_str().contains('.');
        if let Some(f) = exact_f64(n.as_str()).filter(|_| fraction) {
            return rmp::encode::write_f64(&mut self.out, f).map_err(|e| self.io(e));
        }
        debug_assert!(canonical_decimal(n.as_str()).is_some());
        rmp::encode::write_str(&mut self.out, n.as_str()).map_err(|e| self.io(e))
    }

    fn array_len(&mut self, n: usize) -> Result<(), CodecError> {
        let n = u32::try_from(n).map_err(|_| self.path.error("too many elements for msgpack"))?;
        rmp::encode::write_array_len(&mut self.out, n)
            .map(drop)
            .map_err(|e| self.io(e))
    }

    fn map_len(&mut self, n: usize) -> Result<(), CodecError> {
        let n = u32::try_from(n).map_err(|_| self.path.error("too many elements for msgpack"))?;
        rmp::encode::write_map_len(&mut self.out, n)
            .map(drop)
            .map_err(|e| self.io(e))
    }

    fn io(&self, e: impl std::fmt::Display) -> CodecError {
        self.path.error(format!("msgpack write failed: {e}"))
    }
}
