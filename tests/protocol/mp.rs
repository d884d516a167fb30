//! Hand-built msgpack, written with `rmp` directly: the bytes the tests send
//! and expect never pass through the crate's encoder, so an encoder bug
//! cannot hide a decoder bug (or the other way round).

/// One msgpack item, spelled the way go-cty would put it on the wire.
#[derive(Debug, Clone)]
pub enum M {
    /// `nil`.
    Nil,
    /// `true` / `false`.
    Bool(bool),
    /// An integer in its smallest encoding (what go-cty writes).
    Int(i64),
    /// An unsigned integer forced into the 9-byte `uint64` form, which go-cty never writes but accepts.
    U64(u64),
    /// A `float64`.
    F64(f64),
    /// A UTF-8 string (also how big and inexact numbers travel).
    Str(String),
    /// A `bin` (the type JSON of a dynamic value).
    Bin(Vec<u8>),
    /// An array.
    Arr(Vec<M>),
    /// A map with keys of any kind, written in the order given.
    Map(Vec<(M, M)>),
    /// An extension: type and body.
    Ext(i8, Vec<u8>),
}

/// A string item.
pub fn s(text: &str) -> M {
    M::Str(text.to_string())
}

/// An object: a string-keyed map with its keys sorted, as go-cty writes objects.
pub fn obj(pairs: &[(&str, M)]) -> M {
    let mut pairs: Vec<(String, M)> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect();
    pairs.sort_by(|a, b| a.0.cmp(&b.0));
    M::Map(pairs.into_iter().map(|(k, v)| (M::Str(k), v)).collect())
}

/// go-cty's plain unknown: `d4 00 00`.
pub fn unknown() -> M {
    M::Ext(0, vec![0])
}

/// A refined unknown (extension 12) whose body is the given refinement map.
pub fn refined_unknown(refinements: M) -> M {
    M::Ext(12, encode(&refinements))
}

/// A dynamic value: `[bin(type JSON), value]`.
pub fn dynamic(type_json: &str, value: M) -> M {
    M::Arr(vec![M::Bin(type_json.as_bytes().to_vec()), value])
}

/// The bytes of `item`.
pub fn encode(item: &M) -> Vec<u8> {
    let mut out = Vec::new();
    write(&mut out, item);
    out
}

/// Length prefixes of test data; the data is small, so a failure is a test bug.
fn len32(n: usize) -> u32 {
    u32::try_from(n).expect("test data fits msgpack lengths")
}

fn write(out: &mut Vec<u8>, item: &M) {
    // Writing into a Vec cannot fail: the only errors rmp reports are the writer's.
    match item {
        M::Nil => rmp::encode::write_nil(out).expect("write"),
        M::Bool(b) => rmp::encode::write_bool(out, *b).expect("write"),
        M::Int(i) => drop(rmp::encode::write_sint(out, *i).expect("write")),
        M::U64(u) => rmp::encode::write_u64(out, *u).expect("write"),
        M::F64(f) => rmp::encode::write_f64(out, *f).expect("write"),
        M::Str(text) => rmp::encode::write_str(out, text).expect("write"),
        M::Bin(b) => rmp::encode::write_bin(out, b).expect("write"),
        M::Arr(items) => {
            rmp::encode::write_array_len(out, len32(items.len())).expect("write");
            items.iter().for_each(|i| write(out, i));
        }
        M::Map(pairs) => {
            rmp::encode::write_map_len(out, len32(pairs.len())).expect("write");
            for (k, v) in pairs {
                write(out, k);
                write(out, v);
            }
        }
        M::Ext(ty, body) => {
            rmp::encode::write_ext_meta(out, len32(body.len()), *ty).expect("write");
            out.extend_from_slice(body);
        }
    }
}
