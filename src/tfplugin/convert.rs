//! Conversions between the framework's model (schemas, diagnostics, values)
//! and tfplugin6 protobuf messages. Pure functions: no I/O, no logging.

use super::codec;
use super::diag::{AttributePath, Diagnostic, Diagnostics, PathStep, Severity};
use super::proto::tfplugin6 as pb;
use super::schema::{
    Attribute, Block, IdentitySchema, NestedAttributes, NestedBlock, Nesting, Presence, Schema,
    StringKind,
};
use super::value::{Type, Value};

/// A diagnostic as Terraform receives it.
pub fn diagnostic_to_proto(d: &Diagnostic) -> pb::Diagnostic {
    pb::Diagnostic {
        severity: match d.severity {
            Severity::Error => pb::diagnostic::Severity::Error as i32,
            Severity::Warning => pb::diagnostic::Severity::Warning as i32,
        },
        summary: d.summary.clone(),
        detail: d.detail.clone(),
        attribute: d.attribute.as_ref().map(path_to_proto),
    }
}

/// All diagnostics of one RPC as Terraform receives them.
pub fn diagnostics_to_proto(d: &Diagnostics) -> Vec<pb::Diagnostic> {
    d.0.iter().map(diagnostic_to_proto).collect()
}

/// An attribute path as Terraform receives it.
pub fn path_to_proto(p: &AttributePath) -> pb::AttributePath {
    use pb::attribute_path::step::Selector;
    let steps =
        p.0.iter()
            .map(|s| pb::attribute_path::Step {
                selector: Some(match s {
                    PathStep::Attribute(a) => Selector::AttributeName(a.clone()),
                    PathStep::Key(k) => Selector::ElementKeyString(k.clone()),
                    PathStep::Index(i) => Selector::ElementKeyInt(*i),
                }),
            })
            .collect();
    pb::AttributePath { steps }
}

/// An attribute path sent by Terraform; steps without a selector are skipped.
pub fn path_from_proto(p: &pb::AttributePath) -> AttributePath {
    use pb::attribute_path::step::Selector;
    AttributePath(
        p.steps
            .iter()
            .filter_map(|s| match s.selector.as_ref()? {
                Selector::AttributeName(a) => Some(PathStep::Attribute(a.clone())),
                Selector::ElementKeyString(k) => Some(PathStep::Key(k.clone())),
                Selector::ElementKeyInt(i) => Some(PathStep::Index(*i)),
            })
            .collect(),
    )
}

fn string_kind(kind: StringKind) -> i32 {
    match kind {
        StringKind::Plain => pb::StringKind::Plain as i32,
        StringKind::Markdown => pb::StringKind::Markdown as i32,
    }
}

/// A schema as GetProviderSchema serves it.
pub fn schema_to_proto(s: &Schema) -> pb::Schema {
    let mut block = block_to_proto(&s.block);
    block.version = s.version;
    pb::Schema {
        version: s.version,
        block: Some(block),
    }
}

fn block_to_proto(b: &Block) -> pb::schema::Block {
    pb::schema::Block {
        version: 0,
        attributes: b.attributes.iter().map(attribute_to_proto).collect(),
        block_types: b.blocks.iter().map(nested_block_to_proto).collect(),
        description: b.description.clone(),
        description_kind: string_kind(b.description_kind),
        deprecated: b.deprecated,
        deprecation_message: String::new(),
    }
}

/// One attribute; sets exactly one of `type` and `nested_type`, as Terraform requires.
fn attribute_to_proto(a: &Attribute) -> pb::schema::Attribute {
    let (ty, nested_type) = match &a.nested {
        Some(n) => (Vec::new(), Some(object_to_proto(n))),
        None => (
            codec::type_to_json(a.ty.as_ref().unwrap_or(&Type::Dynamic)),
            None,
        ),
    };
    pb::schema::Attribute {
        name: a.name.clone(),
        r#type: ty,
        nested_type,
        description: a.description.clone(),
        required: a.presence == Presence::Required,
        optional: matches!(a.presence, Presence::Optional | Presence::OptionalComputed),
        computed: matches!(a.presence, Presence::Computed | Presence::OptionalComputed),
        sensitive: a.sensitive,
        description_kind: pb::StringKind::Markdown as i32,
        deprecated: a.deprecated,
        write_only: a.write_only,
        deprecation_message: String::new(),
    }
}

fn object_to_proto(n: &NestedAttributes) -> pb::schema::Object {
    use pb::schema::object::NestingMode;
    let nesting = match n.nesting {
        // Nested attributes have no GROUP mode; SINGLE is the closest.
        Nesting::Single | Nesting::Group => NestingMode::Single,
        Nesting::List => NestingMode::List,
        Nesting::Set => NestingMode::Set,
        Nesting::Map => NestingMode::Map,
    };
    #[allow(deprecated)]
    pb::schema::Object {
        attributes: n.attributes.iter().map(attribute_to_proto).collect(),
        nesting: nesting as i32,
        min_items: 0,
        max_items: 0,
    }
}

fn nested_block_to_proto(b: &NestedBlock) -> pb::schema::NestedBlock {
    use pb::schema::nested_block::NestingMode;
    let nesting = match b.nesting {
        Nesting::Single => NestingMode::Single,
        Nesting::Group => NestingMode::Group,
        Nesting::List => NestingMode::List,
        Nesting::Set => NestingMode::Set,
        Nesting::Map => NestingMode::Map,
    };
    pb::schema::NestedBlock {
        type_name: b.name.clone(),
        block: Some(block_to_proto(&b.block)),
        nesting: nesting as i32,
        min_items: b.min_items,
        max_items: b.max_items,
    }
}

/// An identity schema as GetResourceIdentitySchemas serves it.
pub fn identity_schema_to_proto(s: &IdentitySchema) -> pb::ResourceIdentitySchema {
    pb::ResourceIdentitySchema {
        version: s.version,
        identity_attributes: s
            .attributes
            .iter()
            .map(|a| pb::resource_identity_schema::IdentityAttribute {
                name: a.name.clone(),
                r#type: codec::type_to_json(&a.ty),
                required_for_import: a.required_for_import,
                optional_for_import: a.optional_for_import,
                description: a.description.clone(),
            })
            .collect(),
    }
}

/// Decodes a DynamicValue of type `ty`; a missing or empty one is null.
/// `what` names the field for the error message (never the value).
pub fn decode_dynamic(
    dv: Option<&pb::DynamicValue>,
    ty: &Type,
    what: &str,
) -> Result<Value, Diagnostic> {
    let Some(dv) = dv else { return Ok(Value::Null) };
    let decoded = if !dv.msgpack.is_empty() {
        codec::decode_msgpack(&dv.msgpack, ty)
    } else if !dv.json.is_empty() {
        codec::decode_json(&dv.json, ty)
    } else {
        return Ok(Value::Null);
    };
    decoded.map_err(|e| {
        Diagnostic::error(
            "Invalid value from Terraform",
            format!("The provider could not decode {what} ({e}). This is a bug in the provider or in Terraform."),
        )
    })
}

/// Encodes `value` of type `ty` as a msgpack DynamicValue.
pub fn encode_dynamic(
    value: &Value,
    ty: &Type,
    what: &str,
) -> Result<pb::DynamicValue, Diagnostic> {
    codec::encode_msgpack(value, ty).map(|msgpack| pb::DynamicValue { msgpack, json: Vec::new() }).map_err(|e| {
        Diagnostic::error(
            "Invalid value from the provider",
            format!("The provider produced {what} that does not match its schema ({e}). Please report this bug."),
        )
    })
}

/// Decodes identity data of type `ty`; absent identity data is `None`.
pub fn decode_identity(
    data: Option<&pb::ResourceIdentityData>,
    ty: &Type,
    what: &str,
) -> Result<Option<Value>, Diagnostic> {
    match data.and_then(|d| d.identity_data.as_ref()) {
        Some(dv) => decode_dynamic(Some(dv), ty, what).map(Some),
        None => Ok(None),
    }
}

/// Encodes identity data of type `ty`; `None` stays absent.
pub fn encode_identity(
    value: Option<&Value>,
    ty: &Type,
    what: &str,
) -> Result<Option<pb::ResourceIdentityData>, Diagnostic> {
    value
        .map(|v| {
            encode_dynamic(v, ty, what).map(|dv| pb::ResourceIdentityData {
                identity_data: Some(dv),
            })
        })
        .transpose()
}

/// Sets every write-only attribute in `value` (a value of `block`) to null,
/// as terraform-plugin-framework does: Terraform rejects write-only values in
/// any state the provider returns.
pub fn null_write_only(block: &Block, value: &mut Value) {
    let Value::Object(attrs) = value else { return };
    for a in &block.attributes {
        let Some(v) = attrs.get_mut(&a.name) else {
            continue;
        };
        if a.write_only {
            *v = Value::Null;
        } else if let Some(n) = &a.nested {
            for_each_object(v, &mut |obj| null_write_only_attrs(&n.attributes, obj));
        }
    }
    for b in &block.blocks {
        if let Some(v) = attrs.get_mut(&b.name) {
            for_each_object(v, &mut |obj| null_write_only(&b.block, obj));
        }
    }
}

fn null_write_only_attrs(attributes: &[Attribute], value: &mut Value) {
    let Value::Object(attrs) = value else { return };
    for a in attributes {
        let Some(v) = attrs.get_mut(&a.name) else {
            continue;
        };
        if a.write_only {
            *v = Value::Null;
        } else if let Some(n) = &a.nested {
            for_each_object(v, &mut |obj| null_write_only_attrs(&n.attributes, obj));
        }
    }
}

/// Readies a state the provider returns for Terraform: write-only values
/// nulled ([`null_write_only`]) and absent nested blocks in the shape
/// Terraform requires ([`empty_absent_blocks`]).
pub fn normalize_returned_state(block: &Block, value: &mut Value) {
    null_write_only(block, value);
    empty_absent_blocks(block, value);
}

/// Replaces null nested blocks, at every depth, with what "no blocks" looks
/// like to Terraform: an empty list, set or map, or for GROUP nesting an
/// object of nulls. Terraform rejects a null there ("attribute representing
/// a list of nested blocks must be empty to indicate no blocks, not null"),
/// and typed structs naturally produce null for an empty `Vec`/`Option`.
/// SINGLE blocks stay null: that is how an absent one is written.
pub fn empty_absent_blocks(block: &Block, value: &mut Value) {
    let Value::Object(attrs) = value else { return };
    for b in &block.blocks {
        let v = attrs.entry(b.name.clone()).or_insert(Value::Null);
        if v.is_null() {
            *v = match b.nesting {
                Nesting::Single => continue,
                Nesting::List => Value::List(Vec::new()),
                Nesting::Set => Value::Set(Vec::new()),
                Nesting::Map => Value::Map(std::collections::BTreeMap::new()),
                Nesting::Group => Value::Object(
                    b.block
                        .attributes
                        .iter()
                        .map(|a| (a.name.clone(), Value::Null))
                        .collect(),
                ),
            };
        }
        for_each_object(v, &mut |obj| empty_absent_blocks(&b.block, obj));
    }
}

/// Calls `f` on the object itself or on each element of a collection of objects.
fn for_each_object(value: &mut Value, f: &mut dyn FnMut(&mut Value)) {
    match value {
        Value::Object(_) => f(value),
        Value::List(items) | Value::Set(items) | Value::Tuple(items) => {
            items.iter_mut().for_each(f)
        }
        Value::Map(items) => items.values_mut().for_each(f),
        _ => {}
    }
}

/// True when any write-only attribute of `block` holds a non-null value in `value`.
pub fn has_write_only_value(block: &Block, value: &Value) -> bool {
    let mut copy = value.clone();
    null_write_only(block, &mut copy);
    copy != *value
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn block() -> Block {
        Block {
            attributes: vec![
                Attribute {
                    name: "id".into(),
                    ty: Some(Type::String),
                    ..Default::default()
                },
                Attribute {
                    name: "token".into(),
                    ty: Some(Type::String),
                    write_only: true,
                    ..Default::default()
                },
                Attribute {
                    name: "nested".into(),
                    nested: Some(NestedAttributes {
                        nesting: Nesting::List,
                        attributes: vec![Attribute {
                            name: "secret".into(),
                            ty: Some(Type::String),
                            write_only: true,
                            ..Default::default()
                        }],
                    }),
                    ..Default::default()
                },
            ],
            blocks: vec![NestedBlock {
                name: "inner".into(),
                nesting: Nesting::Single,
                block: Block {
                    attributes: vec![Attribute {
                        name: "pw".into(),
                        ty: Some(Type::String),
                        write_only: true,
                        ..Default::default()
                    }],
                    ..Default::default()
                },
                min_items: 0,
                max_items: 0,
            }],
            ..Default::default()
        }
    }

    fn obj(pairs: &[(&str, Value)]) -> Value {
        Value::Object(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect::<BTreeMap<_, _>>(),
        )
    }

    #[test]
    fn write_only_values_are_nulled_at_every_depth() {
        let s = |x: &str| Value::String(x.into());
        let mut v = obj(&[
            ("id", s("x")),
            ("token", s("t")),
            (
                "nested",
                Value::List(vec![obj(&[("secret", s("a"))]), obj(&[("secret", s("b"))])]),
            ),
            ("inner", obj(&[("pw", s("p"))])),
        ]);
        assert!(has_write_only_value(&block(), &v));
        null_write_only(&block(), &mut v);
        let want = obj(&[
            ("id", s("x")),
            ("token", Value::Null),
            (
                "nested",
                Value::List(vec![
                    obj(&[("secret", Value::Null)]),
                    obj(&[("secret", Value::Null)]),
                ]),
            ),
            ("inner", obj(&[("pw", Value::Null)])),
        ]);
        assert_eq!(v, want);
        assert!(!has_write_only_value(&block(), &v));
    }

    #[test]
    fn absent_nested_blocks_become_empty_except_single() {
        let inner = |nesting| NestedBlock {
            name: "b".into(),
            nesting,
            block: Block {
                attributes: vec![Attribute {
                    name: "x".into(),
                    ty: Some(Type::String),
                    ..Default::default()
                }],
                ..Default::default()
            },
            min_items: 0,
            max_items: 0,
        };
        let outer = |nesting| Block {
            blocks: vec![NestedBlock {
                name: "a".into(),
                block: Block {
                    blocks: vec![inner(nesting)],
                    ..Default::default()
                },
                ..inner(Nesting::List)
            }],
            ..Default::default()
        };
        for (nesting, want) in [
            (Nesting::List, Value::List(vec![])),
            (Nesting::Set, Value::Set(vec![])),
            (Nesting::Map, Value::Map(BTreeMap::new())),
            (Nesting::Group, obj(&[("x", Value::Null)])),
            (Nesting::Single, Value::Null),
        ] {
            // The outer list block is absent (no key at all), a nested one null.
            let mut v = obj(&[]);
            empty_absent_blocks(&outer(nesting), &mut v);
            assert_eq!(v, obj(&[("a", Value::List(vec![]))]), "{nesting:?}");
            let mut v = obj(&[("a", Value::List(vec![obj(&[("b", Value::Null)])]))]);
            empty_absent_blocks(&outer(nesting), &mut v);
            let want = obj(&[("a", Value::List(vec![obj(&[("b", want)])]))]);
            assert_eq!(v, want, "{nesting:?}");
        }
        // A null or unknown state is no object to fill.
        let mut v = Value::Null;
        empty_absent_blocks(&outer(Nesting::List), &mut v);
        assert_eq!(v, Value::Null);
    }

    #[test]
    fn null_and_unknown_states_are_left_alone() {
        let mut v = Value::Null;
        null_write_only(&block(), &mut v);
        assert_eq!(v, Value::Null);
        let mut v = Value::Unknown;
        null_write_only(&block(), &mut v);
        assert_eq!(v, Value::Unknown);
    }

    #[test]
    fn paths_round_trip_through_proto() {
        let p = AttributePath::attr("a").index(3).key("k").then("b");
        let proto = path_to_proto(&p);
        assert_eq!(proto.steps.len(), 4);
        assert_eq!(path_from_proto(&proto), p);
    }

    #[test]
    fn diagnostics_keep_severity_and_path() {
        let d = Diagnostic::warning("s", "d").at(AttributePath::attr("x"));
        let p = diagnostic_to_proto(&d);
        assert_eq!(p.severity, pb::diagnostic::Severity::Warning as i32);
        assert_eq!(p.summary, "s");
        assert_eq!(p.detail, "d");
        assert_eq!(
            path_from_proto(&p.attribute.unwrap_or_default()),
            AttributePath::attr("x")
        );
    }

    #[test]
    fn nested_attribute_sets_only_nested_type() {
        // Uses no codec: the nested attribute's own type is never encoded.
        let a = Attribute {
            name: "n".into(),
            nested: Some(NestedAttributes {
                nesting: Nesting::Group,
                attributes: vec![],
            }),
            presence: Presence::OptionalComputed,
            ..Default::default()
        };
        let p = attribute_to_proto(&a);
        assert!(p.r#type.is_empty());
        let nested = p.nested_type.unwrap_or_default();
        assert_eq!(
            nested.nesting,
            pb::schema::object::NestingMode::Single as i32
        );
        assert!(p.optional && p.computed && !p.required);
    }
}
