//! Values through the server: msgpack built by hand goes in, and what
//! comes back must be go-cty's encoding of the same values (numbers as
//! int, float64 or decimal text by go-cty's rule; unknowns anywhere;
//! refined unknowns accepted). Also JSON state upgrades and diagnostic paths.

use std::collections::{BTreeMap, HashMap};

use terraform_provider_pypi::tfplugin::proto::tfplugin6 as pb;
use terraform_provider_pypi::tfplugin::{codec, Number, Type, Value};

use crate::echo::echo_schema;
use crate::mp::{dynamic, encode, obj, refined_unknown, s, unknown, M};
use crate::support::{errors, msgpack, plain_client, start};

/// A 30-digit integer: beyond i64 and not exact in f64, so it travels as text.
const BIG: &str = "123456789012345678901234567890";

/// Every attribute and block of `fake_echo`, in go-cty's (sorted) order.
const ECHO_ATTRIBUTES: [&str; 15] = [
    "big", "bool", "dynamic", "items", "list", "map", "negative", "number", "object", "refined",
    "rule", "set", "single", "string", "tuple",
];

/// A `fake_echo` object: the given attributes, every other one nil except
/// the `rule` blocks, which Terraform writes as an empty array when absent.
fn echo_object(set: &[(&str, M)]) -> M {
    let absent = |a: &str| if a == "rule" { M::Arr(vec![]) } else { M::Nil };
    let mut pairs: Vec<(&str, M)> = ECHO_ATTRIBUTES.iter().map(|a| (*a, absent(a))).collect();
    for (name, item) in set {
        let slot = pairs.iter_mut().find(|(a, _)| a == name);
        slot.expect("an echo attribute").1 = item.clone();
    }
    obj(&pairs)
}

/// Nullness false and a string prefix, as Terraform refines e.g. a known-prefix string.
fn refinements() -> M {
    M::Map(vec![(M::Int(1), M::Bool(false)), (M::Int(2), s("abc"))])
}

/// A full `fake_echo` state as Terraform would send it; `refined` is the
/// encoding of the `refined` attribute (a refined unknown going in, a
/// plain unknown coming back, since refinements are not kept).
fn echo_state(refined: M) -> M {
    let item = |name: &str, value: M| obj(&[("name", s(name)), ("value", value)]);
    let rule = |port: i64, proto: M| obj(&[("port", M::Int(port)), ("proto", proto)]);
    echo_object(&[
        ("big", s(BIG)),
        ("bool", M::Bool(true)),
        (
            "dynamic",
            dynamic(r#"["list","number"]"#, M::Arr(vec![M::Int(1), M::F64(1.5)])),
        ),
        (
            "items",
            M::Arr(vec![item("i0", unknown()), item("i1", M::Int(3))]),
        ),
        ("list", M::Arr(vec![s("a"), unknown(), s("c")])),
        ("map", obj(&[("k1", s("v1")), ("k2", unknown())])),
        ("negative", M::F64(-0.25)),
        ("number", M::F64(1.5)),
        ("object", obj(&[("inner", M::Nil), ("name", s("o"))])),
        ("refined", refined),
        (
            "rule",
            M::Arr(vec![rule(443, s("tcp")), rule(8080, unknown())]),
        ),
        ("set", M::Arr(vec![M::Int(1), M::F64(2.5), s("0.1")])),
        ("string", s("s")),
        ("tuple", M::Arr(vec![s("t"), M::Int(-40), M::Bool(true)])),
    ])
}

fn num(text: &str) -> Value {
    Value::Number(Number::parse(text).expect("a decimal"))
}

fn text(t: &str) -> Value {
    Value::String(t.to_string())
}

fn object(pairs: &[(&str, Value)]) -> Value {
    Value::Object(
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect(),
    )
}

/// What [`echo_state`] means, built independently of any decoder.
fn echo_value() -> Value {
    let mut attrs: BTreeMap<String, Value> = ECHO_ATTRIBUTES
        .iter()
        .map(|a| (a.to_string(), Value::Null))
        .collect();
    let item = |name: &str, value: Value| object(&[("name", text(name)), ("value", value)]);
    let rule = |port: &str, proto: Value| object(&[("port", num(port)), ("proto", proto)]);
    let inner_null = object(&[("inner", Value::Null), ("name", text("o"))]);
    for (k, v) in [
        ("big", num(BIG)),
        ("bool", Value::Bool(true)),
        (
            "dynamic",
            Value::Dynamic(
                Type::List(Box::new(Type::Number)),
                Box::new(Value::List(vec![num("1"), num("1.5")])),
            ),
        ),
        (
            "items",
            Value::List(vec![item("i0", Value::Unknown), item("i1", num("3"))]),
        ),
        (
            "list",
            Value::List(vec![text("a"), Value::Unknown, text("c")]),
        ),
        (
            "map",
            Value::Map(BTreeMap::from([
                ("k1".to_string(), text("v1")),
                ("k2".to_string(), Value::Unknown),
            ])),
        ),
        ("negative", num("-0.25")),
        ("number", num("1.5")),
        ("object", inner_null),
        ("refined", Value::Unknown),
        (
            "rule",
            Value::Set(vec![rule("443", text("tcp")), rule("8080", Value::Unknown)]),
        ),
        ("set", Value::Set(vec![num("1"), num("2.5"), num("0.1")])),
        ("string", text("s")),
        (
            "tuple",
            Value::Tuple(vec![text("t"), num("-40"), Value::Bool(true)]),
        ),
    ] {
        attrs.insert(k.to_string(), v);
    }
    Value::Object(attrs)
}

/// Plans `proposed` for `fake_echo` (config = proposed) and returns the planned msgpack.
async fn plan_echo(proposed: Vec<u8>) -> Vec<u8> {
    let server = start(None).await;
    let mut client = plain_client(server.addr).await;
    let plan = client
        .plan_resource_change(pb::plan_resource_change::Request {
            type_name: "fake_echo".into(),
            proposed_new_state: msgpack(proposed.clone()),
            config: msgpack(proposed),
            ..Default::default()
        })
        .await
        .expect("plan")
        .into_inner();
    assert!(
        errors(&plan.diagnostics).is_empty(),
        "{:?}",
        plan.diagnostics
    );
    server.stop.cancel();
    plan.planned_state.unwrap_or_default().msgpack
}

#[tokio::test]
async fn every_type_round_trips_through_plan_with_unknowns_and_big_numbers() {
    let sent = encode(&echo_state(refined_unknown(refinements())));
    let planned = plan_echo(sent).await;
    // Byte for byte what go-cty writes for the same values: 1.5 and -0.25
    // as float64, the 30-digit integer and 0.1 as decimal text, unknowns
    // (refined or not) as `d4 00 00`, every attribute present.
    let want = encode(&echo_state(unknown()));
    assert_eq!(planned, want, "planned msgpack differs from go-cty's");
    let ty = echo_schema().block.object_type();
    let decoded = codec::decode_msgpack(&planned, &ty).expect("planned state decodes");
    assert_eq!(decoded, echo_value());
    let big = decoded.attr("big").as_number().map(Number::as_str);
    assert_eq!(big, Some(BIG));
}

#[tokio::test]
async fn numbers_in_any_msgpack_form_come_back_in_go_cty_form() {
    let sent = echo_object(&[(
        "set",
        M::Arr(vec![
            s("1.5"),
            M::F64(3.0),
            M::U64(7),
            M::U64(u64::MAX),
            s("1267650600228229401496703205376"),
            M::F64(18446744073709551616.0),
            s("1.50e1"),
            s("-123456789012345678901234567890.5"),
            s("-0"),
        ]),
    )]);
    let planned = plan_echo(encode(&sent)).await;
    // Whole numbers beyond i64 stay decimal text even when exact in f64
    // (2^100, 2^64): Terraform would print a float64 of them rounded.
    let want = echo_object(&[(
        "set",
        M::Arr(vec![
            M::F64(1.5),
            M::Int(3),
            M::Int(7),
            s("18446744073709551615"),
            s("1267650600228229401496703205376"),
            s("18446744073709551616"),
            M::Int(15),
            s("-123456789012345678901234567890.5"),
            M::Int(0),
        ]),
    )]);
    assert_eq!(planned, encode(&want));
}

#[tokio::test]
async fn null_nested_blocks_come_back_as_no_blocks() {
    // Terraform rejects a null set of blocks in a plan ("must be empty to
    // indicate no blocks, not null"); the server sends an empty array.
    let planned = plan_echo(encode(&echo_object(&[("rule", M::Nil)]))).await;
    assert_eq!(planned, encode(&echo_object(&[])));
}

#[tokio::test]
async fn upgrade_turns_json_state_with_big_numbers_into_exact_msgpack() {
    let json = br#"{
        "big": 123456789012345678901234567890,
        "bool": true,
        "dynamic": {"value": [1, 1.5], "type": ["list", "number"]},
        "items": [{"name": "i1", "value": 3}],
        "list": ["a"],
        "map": {"k1": "v1"},
        "negative": -0.25,
        "number": 1.5,
        "object": {"name": "o", "inner": {"x": 1.000000000000000000000000000001}},
        "refined": null,
        "rule": [{"port": 443, "proto": "tcp"}],
        "set": [1, 2.5, 0.1, 18446744073709551616],
        "single": null,
        "string": "s",
        "tuple": ["t", -40, true]
    }"#;
    let server = start(None).await;
    let mut client = plain_client(server.addr).await;
    let upgrade = client
        .upgrade_resource_state(pb::upgrade_resource_state::Request {
            type_name: "fake_echo".into(),
            version: 0,
            raw_state: Some(pb::RawState {
                json: json.to_vec(),
                flatmap: HashMap::new(),
            }),
        })
        .await
        .expect("upgrade")
        .into_inner();
    assert!(upgrade.diagnostics.is_empty(), "{:?}", upgrade.diagnostics);
    let want = echo_object(&[
        ("big", s(BIG)),
        ("bool", M::Bool(true)),
        (
            "dynamic",
            dynamic(r#"["list","number"]"#, M::Arr(vec![M::Int(1), M::F64(1.5)])),
        ),
        (
            "items",
            M::Arr(vec![obj(&[("name", s("i1")), ("value", M::Int(3))])]),
        ),
        ("list", M::Arr(vec![s("a")])),
        ("map", obj(&[("k1", s("v1"))])),
        ("negative", M::F64(-0.25)),
        ("number", M::F64(1.5)),
        (
            "object",
            obj(&[
                (
                    "inner",
                    obj(&[("x", s("1.000000000000000000000000000001"))]),
                ),
                ("name", s("o")),
            ]),
        ),
        (
            "rule",
            M::Arr(vec![obj(&[("port", M::Int(443)), ("proto", s("tcp"))])]),
        ),
        (
            "set",
            M::Arr(vec![
                M::Int(1),
                M::F64(2.5),
                s("0.1"),
                s("18446744073709551616"),
            ]),
        ),
        ("string", s("s")),
        ("tuple", M::Arr(vec![s("t"), M::Int(-40), M::Bool(true)])),
    ]);
    assert_eq!(
        upgrade.upgraded_state.unwrap_or_default().msgpack,
        encode(&want)
    );
    server.stop.cancel();
}

/// A diagnostic as the test compares it: severity, detail and path steps.
type Seen = (
    i32,
    String,
    Option<Vec<Option<pb::attribute_path::step::Selector>>>,
);

#[tokio::test]
async fn diagnostic_paths_with_attribute_index_and_key_steps_reach_the_protobuf() {
    use pb::attribute_path::step::Selector;
    let server = start(None).await;
    let mut client = plain_client(server.addr).await;
    let config = encode(&echo_state(refined_unknown(refinements())));
    let resp = client
        .validate_resource_config(pb::validate_resource_config::Request {
            type_name: "fake_echo".into(),
            config: msgpack(config),
            client_capabilities: None,
        })
        .await
        .expect("validate")
        .into_inner();
    let attr = |a: &str| Selector::AttributeName(a.into());
    let got: Vec<Seen> = resp
        .diagnostics
        .iter()
        .map(|d| {
            let steps = d
                .attribute
                .as_ref()
                .map(|p| p.steps.iter().map(|s| s.selector.clone()).collect());
            (d.severity, d.detail.clone(), steps)
        })
        .collect();
    let warning = pb::diagnostic::Severity::Warning as i32;
    let at = |detail: &str, steps: Vec<Selector>| {
        (
            warning,
            detail.to_string(),
            Some(steps.into_iter().map(Some).collect()),
        )
    };
    let want = vec![
        at(
            "items[0].value",
            vec![attr("items"), Selector::ElementKeyInt(0), attr("value")],
        ),
        at("list[1]", vec![attr("list"), Selector::ElementKeyInt(1)]),
        at(
            r#"map["k2"]"#,
            vec![attr("map"), Selector::ElementKeyString("k2".into())],
        ),
        at("refined", vec![attr("refined")]),
        // Set elements have no path step: the unknown port's set is named.
        at("rule", vec![attr("rule")]),
        (pb::diagnostic::Severity::Error as i32, String::new(), None),
    ];
    assert_eq!(got, want);
    assert_eq!(
        errors(&resp.diagnostics),
        vec!["5 unknown values".to_string()]
    );
    server.stop.cancel();
}

#[tokio::test]
async fn every_type_is_served_as_go_cty_type_json() {
    let server = start(None).await;
    let mut client = plain_client(server.addr).await;
    let resp = client
        .get_provider_schema(pb::get_provider_schema::Request {})
        .await
        .expect("schema")
        .into_inner();
    let block = resp
        .resource_schemas
        .get("fake_echo")
        .and_then(|s| s.block.clone())
        .unwrap_or_default();
    let type_json = |name: &str| {
        let a = block.attributes.iter().find(|a| a.name == name);
        String::from_utf8(a.map(|a| a.r#type.clone()).unwrap_or_default()).unwrap_or_default()
    };
    for (name, want) in [
        ("bool", r#""bool""#),
        ("number", r#""number""#),
        ("string", r#""string""#),
        ("dynamic", r#""dynamic""#),
        ("list", r#"["list","string"]"#),
        ("set", r#"["set","number"]"#),
        ("map", r#"["map","string"]"#),
        (
            "object",
            r#"["object",{"inner":["object",{"x":"number"}],"name":"string"}]"#,
        ),
        ("tuple", r#"["tuple",["string","number","bool"]]"#),
        ("items", ""),
        ("single", ""),
    ] {
        assert_eq!(type_json(name), want, "{name}");
    }
    use pb::schema::object::NestingMode;
    let nesting = |name: &str| {
        let a = block.attributes.iter().find(|a| a.name == name);
        a.and_then(|a| a.nested_type.as_ref()).map(|o| o.nesting)
    };
    assert_eq!(nesting("items"), Some(NestingMode::List as i32));
    assert_eq!(nesting("single"), Some(NestingMode::Single as i32));
    let rule = block.block_types.iter().find(|b| b.type_name == "rule");
    assert_eq!(
        rule.map(|b| b.nesting),
        Some(pb::schema::nested_block::NestingMode::Set as i32)
    );
    server.stop.cancel();
}
