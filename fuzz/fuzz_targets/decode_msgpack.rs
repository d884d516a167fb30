//! Arbitrary bytes against a few fixed schema types: decoding must never
//! panic, and whatever decodes must re-encode and decode to the same value.

#![no_main]

use std::collections::BTreeMap;

use libfuzzer_sys::fuzz_target;
use terraform_provider_pypi::tfplugin::codec::{decode_msgpack, encode_msgpack};
use terraform_provider_pypi::tfplugin::Type;

/// The shapes Terraform sends us: scalars, collections, a schema-like
/// object with a nested block, and dynamic.
fn types() -> Vec<Type> {
    let string_list = Type::List(Box::new(Type::String));
    let timeouts = Type::Object {
        attrs: BTreeMap::from([
            ("create".to_string(), Type::String),
            ("delete".to_string(), Type::String),
        ]),
        optional: vec![],
    };
    let resource = Type::Object {
        attrs: BTreeMap::from([
            ("project".to_string(), Type::String),
            ("labels".to_string(), Type::Map(Box::new(Type::String))),
            ("replicas".to_string(), Type::Set(Box::new(Type::String))),
            ("version".to_string(), Type::Number),
            ("enabled".to_string(), Type::Bool),
            ("timeouts".to_string(), timeouts),
            ("extra".to_string(), Type::Dynamic),
        ]),
        optional: vec![],
    };
    vec![
        Type::Number,
        Type::String,
        Type::Dynamic,
        string_list.clone(),
        Type::Tuple(vec![Type::Bool, Type::Number, string_list]),
        resource,
    ]
}

fuzz_target!(|data: &[u8]| {
    for ty in types() {
        let Ok(value) = decode_msgpack(data, &ty) else {
            continue;
        };
        let bytes = encode_msgpack(&value, &ty).expect("a decoded value re-encodes");
        let again = decode_msgpack(&bytes, &ty).expect("an encoded value decodes");
        assert_eq!(again, value, "round trip changed the value");
    }
});
