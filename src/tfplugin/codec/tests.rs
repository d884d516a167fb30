//! Wire-level tests of the msgpack and JSON codecs: byte layouts go-cty
//! produces and expects, round trips of every type, and hostile input.

use std::collections::BTreeMap;

use super::*;
use crate::tfplugin::value::{Number, Type, Value};

fn num(text: &str) -> Value {
    Value::Number(Number::parse(text).expect("valid number"))
}

fn s(text: &str) -> Value {
    Value::String(text.to_string())
}

fn list(t: Type) -> Type {
    Type::List(Box::new(t))
}

fn object(attrs: &[(&str, Type)]) -> Type {
    Type::Object {
        attrs: attrs
            .iter()
            .map(|(k, t)| (k.to_string(), t.clone()))
            .collect(),
        optional: vec![],
    }
}

fn obj(attrs: &[(&str, Value)]) -> Value {
    Value::Object(
        attrs
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect(),
    )
}

fn round_trip(v: &Value, ty: &Type) -> Vec<u8> {
    let bytes = encode_msgpack(v, ty).expect("encode");
    assert_eq!(
        &decode_msgpack(&bytes, ty).expect("decode"),
        v,
        "msgpack round trip of {v:?}"
    );
    bytes
}

fn json_round_trip(v: &Value, ty: &Type) -> String {
    let bytes = encode_json(v, ty).expect("encode json");
    assert_eq!(
        &decode_json(&bytes, ty).expect("decode json"),
        v,
        "json round trip of {v:?}"
    );
    String::from_utf8(bytes).expect("utf8")
}

fn decode_err(bytes: &[u8], ty: &Type) -> CodecError {
    match decode_msgpack(bytes, ty) {
        Ok(v) => panic!("expected an error, decoded {v:?}"),
        Err(e) => e,
    }
}

#[test]
fn scalars_use_go_cty_layout() {
    assert_eq!(round_trip(&Value::Null, &Type::String), [0xc0]);
    assert_eq!(round_trip(&Value::Unknown, &Type::String), [0xd4, 0, 0]);
    assert_eq!(round_trip(&Value::Bool(true), &Type::Bool), [0xc3]);
    assert_eq!(round_trip(&Value::Bool(false), &Type::Bool), [0xc2]);
    assert_eq!(round_trip(&s("hi"), &Type::String), [0xa2, b'h', b'i']);
    assert_eq!(round_trip(&num("1"), &Type::Number), [0x01]);
    assert_eq!(round_trip(&num("-1"), &Type::Number), [0xff]);
    assert_eq!(round_trip(&num("300"), &Type::Number), [0xcd, 0x01, 0x2c]);
}

#[test]
fn numbers_keep_their_precision() {
    // Exact non-integers in f64 go as float64.
    let mut want = vec![0xcb];
    want.extend_from_slice(&1.5f64.to_be_bytes());
    assert_eq!(round_trip(&num("1.5"), &Type::Number), want);
    let mut want = vec![0xcb];
    want.extend_from_slice(&(-0.25f64).to_be_bytes());
    assert_eq!(round_trip(&num("-0.25"), &Type::Number), want);
    // Integers beyond i64 and inexact fractions go as decimal strings.
    let big = "123456789012345678901234567890";
    let bytes = round_trip(&num(big), &Type::Number);
    assert_eq!(bytes[0], 0xbe, "fixstr of 30 bytes");
    assert_eq!(&bytes[1..], big.as_bytes());
    assert_eq!(
        round_trip(&num("0.1"), &Type::Number),
        [0xa3, b'0', b'.', b'1']
    );
    assert_eq!(
        round_trip(&num("-123456789012345678901234567890.5"), &Type::Number)[0],
        0xd9
    );
    assert!(
        matches!(decode_msgpack(&round_trip(&num("1e2000"), &Type::Number), &Type::Number), Ok(Value::Number(n)) if n.as_str() == "1e2000")
    );
    // Whole numbers beyond i64 go as text even when exact in f64 (go-cty 1.14.4+).
    for text in ["18446744073709551616", "1267650600228229401496703205376"] {
        let bytes = round_trip(&num(text), &Type::Number);
        assert_eq!(bytes[0], 0xa0 | text.len() as u8, "{text}: {bytes:02x?}");
        assert_eq!(&bytes[1..], text.as_bytes());
    }
    // i64 extremes stay integers.
    for text in ["9223372036854775807", "-9223372036854775808"] {
        let bytes = round_trip(&num(text), &Type::Number);
        assert!(bytes[0] == 0xcf || bytes[0] == 0xd3, "{bytes:02x?}");
    }
}

#[test]
fn decodes_every_number_form() {
    let cases: &[(&[u8], &str)] = &[
        (&[0x7f], "127"),
        (&[0xe0], "-32"),
        (&[0xcc, 0xff], "255"),
        (
            &[0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff],
            "18446744073709551615",
        ),
        (&[0xd0, 0x80], "-128"),
        (&[0xd1, 0x80, 0x00], "-32768"),
        (&[0xd2, 0xff, 0xff, 0xff, 0xfe], "-2"),
        (&[0xca, 0x3f, 0xc0, 0x00, 0x00], "1.5"),
        (
            &[0xcb, 0x3f, 0xb9, 0x99, 0x99, 0x99, 0x99, 0x99, 0x9a],
            "0.1000000000000000055511151231257827021181583404541015625",
        ),
        (&[0xcb, 0x80, 0, 0, 0, 0, 0, 0, 0], "0"),
        (&[0xa4, b'1', b'e', b'+', b'3'], "1000"),
    ];
    for (bytes, want) in cases {
        match decode_msgpack(bytes, &Type::Number) {
            Ok(Value::Number(n)) => assert_eq!(n.as_str(), *want, "{bytes:02x?}"),
            other => panic!("{bytes:02x?}: {other:?}"),
        }
    }
    // A u64 above i64::MAX re-encodes as a decimal string, and reads back the same.
    let v = decode_msgpack(cases[3].0, &Type::Number).expect("decode");
    round_trip(&v, &Type::Number);
    let inf = [0xcb, 0x7f, 0xf0, 0, 0, 0, 0, 0, 0];
    assert!(decode_err(&inf, &Type::Number).message.contains("infinite"));
    assert!(decode_err(&[0xa3, b'a', b'b', b'c'], &Type::Number)
        .message
        .contains("number"));
}

#[test]
fn collections_with_unknowns_round_trip() {
    let items = vec![s("a"), Value::Unknown, Value::Null];
    let bytes = round_trip(&Value::List(items.clone()), &list(Type::String));
    assert_eq!(bytes, [0x93, 0xa1, b'a', 0xd4, 0, 0, 0xc0]);
    round_trip(
        &Value::Set(items.clone()),
        &Type::Set(Box::new(Type::String)),
    );
    round_trip(&Value::List(vec![]), &list(Type::String));
    let tuple = Type::Tuple(vec![Type::String, Type::Number, Type::Bool]);
    round_trip(
        &Value::Tuple(vec![s("x"), Value::Unknown, Value::Bool(true)]),
        &tuple,
    );
    let map = BTreeMap::from([
        ("k".to_string(), Value::Unknown),
        ("z".to_string(), num("2")),
    ]);
    round_trip(&Value::Map(map), &Type::Map(Box::new(Type::Number)));
    let ty = object(&[
        ("name", Type::String),
        ("tags", list(Type::String)),
        ("n", Type::Number),
    ]);
    round_trip(
        &obj(&[
            ("name", Value::Unknown),
            ("tags", Value::List(vec![Value::Unknown])),
            ("n", Value::Null),
        ]),
        &ty,
    );
    round_trip(&Value::Unknown, &ty);
    round_trip(&Value::Null, &ty);
    // Nested: list of objects of maps.
    let inner = object(&[("labels", Type::Map(Box::new(Type::String)))]);
    let v = Value::List(vec![obj(&[(
        "labels",
        Value::Map(BTreeMap::from([("a".to_string(), s("b"))])),
    )])]);
    round_trip(&v, &list(inner));
}

#[test]
fn encode_reshapes_by_type_and_fills_absent_attributes() {
    // Typed structs produce lists and objects; the schema says set and map.
    let bytes = encode_msgpack(
        &Value::List(vec![s("a")]),
        &Type::Set(Box::new(Type::String)),
    )
    .expect("encode");
    assert_eq!(
        decode_msgpack(&bytes, &Type::Set(Box::new(Type::String))).expect("decode"),
        Value::Set(vec![s("a")])
    );
    let m = obj(&[("k", s("v"))]);
    let bytes = encode_msgpack(&m, &Type::Map(Box::new(Type::String))).expect("encode");
    assert!(matches!(
        decode_msgpack(&bytes, &Type::Map(Box::new(Type::String))),
        Ok(Value::Map(_))
    ));
    let ty = object(&[("a", Type::String), ("b", Type::Number)]);
    let bytes = encode_msgpack(&obj(&[("a", s("x"))]), &ty).expect("encode");
    assert_eq!(bytes, [0x82, 0xa1, b'a', 0xa1, b'x', 0xa1, b'b', 0xc0]);
    let e = encode_msgpack(&obj(&[("c", s("x"))]), &ty).expect_err("extra attribute");
    assert!(e.message.contains("unsupported attribute \"c\""), "{e}");
    let e = encode_msgpack(&obj(&[("a", num("1"))]), &ty).expect_err("wrong type");
    assert_eq!(e.path, "a");
    assert!(
        e.message.contains("a string is required, got number"),
        "{e}"
    );
}

#[test]
fn refined_unknowns_decode_as_unknown() {
    // ext8, 8 bytes, type 12: {1: false, 2: "pre"}
    let refined = [
        0xc7, 0x08, 0x0c, 0x82, 0x01, 0xc2, 0x02, 0xa3, b'p', b'r', b'e',
    ];
    assert_eq!(
        decode_msgpack(&refined, &Type::String).expect("decode"),
        Value::Unknown
    );
    // Number bounds and length bounds, and an unknown key we must ignore.
    let refined = [
        0xc7, 0x09, 0x0c, 0x83, 0x03, 0x92, 0x01, 0xc3, 0x05, 0x00, 0x63, 0xc0,
    ];
    assert_eq!(
        decode_msgpack(&refined, &list(Type::String)).expect("decode"),
        Value::Unknown
    );
    // Any 0–1-byte extension is a plain unknown.
    assert_eq!(
        decode_msgpack(&[0xd4, 0x05, 0x00], &Type::Bool).expect("decode"),
        Value::Unknown
    );
    assert_eq!(
        decode_msgpack(&[0xc7, 0x00, 0x00], &Type::Bool).expect("decode"),
        Value::Unknown
    );
    // Inside an object.
    let ty = object(&[("a", Type::String)]);
    let bytes = [0x81, 0xa1, b'a', 0xc7, 0x03, 0x0c, 0x81, 0x01, 0xc2];
    assert_eq!(
        decode_msgpack(&bytes, &ty).expect("decode"),
        obj(&[("a", Value::Unknown)])
    );
    // A longer body of another type, and malformed refinements, are errors.
    assert!(decode_err(&[0xd5, 0x05, 0x81, 0x01], &Type::Bool)
        .message
        .contains("unsupported extension type 5"));
    assert!(decode_err(&[0xd5, 0x0c, 0x01, 0x02], &Type::Bool)
        .message
        .contains("refinement"));
    assert!(
        decode_err(&[0xd6, 0x0c, 0x81, 0xa1, b'x', 0xc2], &Type::Bool)
            .message
            .contains("refinement")
    );
    assert!(
        decode_err(&[0xd6, 0x0c, 0x81, 0x01, 0xc2, 0xc0], &Type::Bool)
            .message
            .contains("refinement")
    );
}

#[test]
fn dynamic_values_carry_their_type() {
    let ty = list(Type::String);
    let v = Value::Dynamic(ty.clone(), Box::new(Value::List(vec![s("a")])));
    let bytes = round_trip(&v, &Type::Dynamic);
    let type_json = br#"["list","string"]"#;
    let mut want = vec![0x92, 0xc4, type_json.len() as u8];
    want.extend_from_slice(type_json);
    want.extend_from_slice(&[0x91, 0xa1, b'a']);
    assert_eq!(bytes, want);
    // Untyped null and unknown are bare; typed null and unknown are wrapped.
    assert_eq!(round_trip(&Value::Null, &Type::Dynamic), [0xc0]);
    assert_eq!(round_trip(&Value::Unknown, &Type::Dynamic), [0xd4, 0, 0]);
    round_trip(
        &Value::Dynamic(Type::String, Box::new(Value::Null)),
        &Type::Dynamic,
    );
    round_trip(
        &Value::Dynamic(Type::Number, Box::new(Value::Unknown)),
        &Type::Dynamic,
    );
    // A dynamic attribute inside an object; the type may also arrive as str.
    let oty = object(&[("d", Type::Dynamic)]);
    round_trip(
        &obj(&[("d", Value::Dynamic(Type::Bool, Box::new(Value::Bool(true))))]),
        &oty,
    );
    let bytes = [
        0x92, 0xa8, b'"', b's', b't', b'r', b'i', b'n', b'g', b'"', 0xa1, b'x',
    ];
    assert_eq!(
        decode_msgpack(&bytes, &Type::Dynamic).expect("decode"),
        Value::Dynamic(Type::String, Box::new(s("x")))
    );
    // Scalars without a wrapper get their obvious type.
    let bytes = encode_msgpack(&s("x"), &Type::Dynamic).expect("encode");
    assert_eq!(
        decode_msgpack(&bytes, &Type::Dynamic).expect("decode"),
        Value::Dynamic(Type::String, Box::new(s("x")))
    );
    assert!(encode_msgpack(&Value::List(vec![]), &Type::Dynamic).is_err());
    assert!(decode_err(&[0x91, 0xc0], &Type::Dynamic)
        .message
        .contains("two elements"));
    assert!(
        decode_err(&[0x92, 0xa3, b'b', b'a', b'd', 0xc0], &Type::Dynamic)
            .message
            .contains("type")
    );
}

#[test]
fn objects_need_exactly_their_attributes() {
    let ty = object(&[("a", Type::String), ("b", Type::String)]);
    let e = decode_err(&[0x81, 0xa1, b'a', 0xc0], &ty);
    assert_eq!(
        e.message,
        "an object with 2 attributes is required (1 given)"
    );
    let e = decode_err(&[0x82, 0xa1, b'a', 0xc0, 0xa1, b'c', 0xc0], &ty);
    assert_eq!(e.message, "unsupported attribute \"c\"");
    let e = decode_err(&[0x82, 0xa1, b'a', 0xc0, 0xa1, b'a', 0xc0], &ty);
    assert!(e.message.contains("duplicate"), "{e}");
    let e = decode_err(&[0x82, 0xa1, b'a', 0xc0, 0xa1, b'b', 0x01], &ty);
    assert_eq!(e.path, "b");
}

#[test]
fn malformed_input_is_an_error_with_a_path() {
    let ty = object(&[("list", list(Type::Number))]);
    // Wrong element type at list[1].
    let e = decode_err(&[0x81, 0xa4, b'l', b'i', b's', b't', 0x92, 0x01, 0xc3], &ty);
    assert_eq!(e.path, "list[1]");
    assert!(e.message.contains("number is required"), "{e}");
    assert_eq!(e.to_string(), format!("list[1]: {}", e.message));
    // Truncated at every possible point of a valid encoding.
    let v = obj(&[(
        "list",
        Value::List(vec![num("1.5"), num("123456789012345678901234567890")]),
    )]);
    let bytes = encode_msgpack(&v, &ty).expect("encode");
    for cut in 0..bytes.len() {
        let e = decode_err(&bytes[..cut], &ty);
        assert!(e.message.contains("unexpected end"), "cut {cut}: {e}");
    }
    assert!(decode_err(&[0xc0, 0xc0], &ty).message.contains("trailing"));
    assert!(decode_err(&[0xc1], &Type::String)
        .message
        .contains("string is required"));
    assert!(decode_err(&[0xa2, 0xff, 0xfe], &Type::String)
        .message
        .contains("UTF-8"));
    assert!(decode_err(&[0x01], &Type::String)
        .message
        .contains("string is required"));
    assert!(decode_err(&[0x92, 0x01], &Type::Tuple(vec![Type::Number]))
        .message
        .contains("tuple of length 1"));
    // A huge claimed length with no data is an error, not an allocation.
    assert!(
        decode_err(&[0xdd, 0xff, 0xff, 0xff, 0xff], &list(Type::Bool))
            .message
            .contains("unexpected end")
    );
    let map_ty = Type::Map(Box::new(Type::Bool));
    assert!(
        decode_err(&[0x82, 0xa1, b'k', 0xc3, 0xa1, b'k', 0xc2], &map_ty)
            .message
            .contains("duplicate")
    );
    assert!(decode_err(&[0x81, 0x01, 0xc3], &map_ty)
        .message
        .contains("string key"));
}

#[test]
fn nesting_is_bounded() {
    // Deeply nested lists, from a (hostile) deep type and from dynamic values.
    let mut ty = Type::Bool;
    for _ in 0..100 {
        ty = list(ty);
    }
    let mut bytes = vec![0x91; 100];
    bytes.push(0xc3);
    assert!(decode_err(&bytes, &ty).message.contains("deeper than 64"));
    let mut v = Value::Bool(true);
    for _ in 0..100 {
        v = Value::List(vec![v]);
    }
    assert!(encode_msgpack(&v, &ty)
        .expect_err("too deep")
        .message
        .contains("deeper than 64"));
    assert!(encode_json(&v, &ty)
        .expect_err("too deep")
        .message
        .contains("deeper than 64"));
    // Dynamic in dynamic in dynamic ...
    let mut bytes = Vec::new();
    for _ in 0..100 {
        bytes.extend_from_slice(&[0x92, 0xa9]);
        bytes.extend_from_slice(b"\"dynamic\"");
    }
    bytes.push(0xc0);
    assert!(decode_err(&bytes, &Type::Dynamic)
        .message
        .contains("deeper than 64"));
    // Refinement bodies with deep nesting.
    let mut body = vec![0x81, 0x07];
    body.extend(std::iter::repeat_n(0x91, 100));
    body.push(0xc0);
    let mut bytes = vec![0xc7, body.len() as u8, 0x0c];
    bytes.extend_from_slice(&body);
    assert!(decode_err(&bytes, &Type::Bool)
        .message
        .contains("refinement"));
    // A reasonable depth is fine.
    let mut ty = Type::Bool;
    let mut v = Value::Bool(true);
    for _ in 0..30 {
        ty = list(ty);
        v = Value::List(vec![v]);
    }
    round_trip(&v, &ty);
}

#[test]
fn json_round_trips() {
    let ty = object(&[
        ("s", Type::String),
        ("n", Type::Number),
        ("b", Type::Bool),
        ("l", list(Type::Number)),
        ("m", Type::Map(Box::new(Type::String))),
        ("t", Type::Tuple(vec![Type::String, Type::Bool])),
        ("d", Type::Dynamic),
        ("o", object(&[("x", Type::String)])),
    ]);
    let v = obj(&[
        ("s", s("x")),
        ("n", num("123456789012345678901234567890.25")),
        ("b", Value::Bool(true)),
        (
            "l",
            Value::List(vec![num("1.5"), num("-0.25"), num("1e2000")]),
        ),
        ("m", Value::Map(BTreeMap::from([("k".to_string(), s("v"))]))),
        ("t", Value::Tuple(vec![s("a"), Value::Bool(false)])),
        (
            "d",
            Value::Dynamic(list(Type::String), Box::new(Value::List(vec![s("q")]))),
        ),
        ("o", Value::Null),
    ]);
    let text = json_round_trip(&v, &ty);
    assert_eq!(
        text,
        r#"{"b":true,"d":{"value":["q"],"type":["list","string"]},"l":[1.5,-0.25,1e+2000],"m":{"k":"v"},"n":123456789012345678901234567890.25,"o":null,"s":"x","t":["a",false]}"#
    );
    json_round_trip(&Value::Null, &ty);
    json_round_trip(&Value::Null, &Type::Dynamic);
    json_round_trip(
        &Value::Set(vec![s("a")]),
        &Type::Set(Box::new(Type::String)),
    );
}

#[test]
fn json_decode_follows_go_cty() {
    let ty = object(&[("a", Type::String), ("n", Type::Number), ("b", Type::Bool)]);
    // Absent attributes are null; strings convert to numbers and bools and back.
    let v = decode_json(br#"{"n":"12.50","b":"true"}"#, &ty).expect("decode");
    assert_eq!(
        v,
        obj(&[
            ("a", Value::Null),
            ("n", num("12.5")),
            ("b", Value::Bool(true))
        ])
    );
    let v = decode_json(br#"{"a":1.0}"#, &ty).expect("decode");
    assert_eq!(v.attr("a"), &s("1.0"));
    let e = decode_json(br#"{"zzz":1}"#, &ty).expect_err("extra");
    assert!(e.message.contains("unsupported attribute \"zzz\""), "{e}");
    let v = decode_json_dropping_removed_attributes(br#"{"zzz":{"deep":1},"a":"x"}"#, &ty)
        .expect("lenient");
    assert_eq!(
        v,
        obj(&[("a", s("x")), ("n", Value::Null), ("b", Value::Null)])
    );
    let e = decode_json(br#"{"n":"x"}"#, &ty).expect_err("bad number");
    assert_eq!(e.path, "n");
    assert!(decode_json(br#"{"n":1"#, &ty).is_err());
    assert!(decode_json(br#"{"value":1}"#, &Type::Dynamic)
        .expect_err("no type")
        .message
        .contains("missing type"));
    let e = encode_json(&obj(&[("a", Value::Unknown)]), &ty).expect_err("unknown");
    assert_eq!(e.path, "a");
    assert!(e.message.contains("unknown"), "{e}");
}

#[test]
fn mutated_encodings_never_panic_and_round_trip() {
    // The fuzz target's property, on stable: every single-byte mutation of
    // valid encodings either fails to decode or survives a round trip.
    let ty = object(&[
        ("s", Type::String),
        ("n", Type::Number),
        ("l", Type::Set(Box::new(Type::String))),
        ("m", Type::Map(Box::new(Type::Number))),
        ("d", Type::Dynamic),
    ]);
    let v = obj(&[
        ("s", s("abc")),
        ("n", num("1.5")),
        ("l", Value::Set(vec![s("x"), Value::Unknown])),
        (
            "m",
            Value::Map(BTreeMap::from([(
                "k".to_string(),
                num("123456789012345678901234567890"),
            )])),
        ),
        (
            "d",
            Value::Dynamic(
                list(Type::Bool),
                Box::new(Value::List(vec![Value::Bool(true)])),
            ),
        ),
    ]);
    let seeds = [
        encode_msgpack(&v, &ty).expect("encode"),
        vec![
            0xc7, 0x08, 0x0c, 0x82, 0x01, 0xc2, 0x02, 0xa3, b'p', b'r', b'e',
        ],
    ];
    let types = [ty, Type::Dynamic, Type::Number, list(Type::String)];
    let replacements = [
        0x00, 0x01, 0x7f, 0x80, 0x90, 0xa0, 0xc0, 0xc1, 0xc3, 0xc4, 0xc7, 0xcb, 0xd4, 0xdc, 0xde,
        0xff,
    ];
    for seed in &seeds {
        for pos in 0..seed.len() {
            for &b in &replacements {
                let mut bytes = seed.clone();
                bytes[pos] = b;
                for ty in &types {
                    if let Ok(value) = decode_msgpack(&bytes, ty) {
                        let again = encode_msgpack(&value, ty).expect("decoded values re-encode");
                        assert_eq!(
                            decode_msgpack(&again, ty).expect("re-encoded values decode"),
                            value
                        );
                    }
                }
            }
        }
    }
}

#[test]
fn dynamic_wrapper_of_type_dynamic_unwraps() {
    // go-cty reads `["dynamic", X]` as X itself; keeping a wrapper would
    // re-encode differently.
    let mut bytes = vec![0x92, 0xa9];
    bytes.extend_from_slice(b"\"dynamic\"");
    bytes.extend_from_slice(&[0x92, 0xa6]);
    bytes.extend_from_slice(b"\"bool\"");
    bytes.push(0xc3);
    let v = decode_msgpack(&bytes, &Type::Dynamic).expect("decode");
    assert_eq!(v, Value::Dynamic(Type::Bool, Box::new(Value::Bool(true))));
    round_trip(&v, &Type::Dynamic);
    let text = br#"{"type":"dynamic","value":{"type":"bool","value":false}}"#;
    let v = decode_json(text, &Type::Dynamic).expect("json");
    assert_eq!(v, Value::Dynamic(Type::Bool, Box::new(Value::Bool(false))));
}
