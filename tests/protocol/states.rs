//! Schemas and states through the codec: attribute types as Terraform
//! receives them, write-only values nulled in every returned state, failed
//! imports, framework-planned destroys and JSON state upgrades.

use std::collections::HashMap;

use terraform_provider_pypi::tfplugin::codec;
use terraform_provider_pypi::tfplugin::proto::tfplugin6 as pb;
use terraform_provider_pypi::tfplugin::Value;

use terraform_provider_pypi::tfplugin::proto::tfplugin6::provider_client::ProviderClient;
use tonic::transport::Channel;

use crate::support::{errors, msgpack, plain_client, start, state_with_token, thing_schema};

#[tokio::test]
async fn schema_attributes_set_exactly_one_of_type_and_nested_type() {
    let server = start(None).await;
    let mut client = plain_client(server.addr).await;
    let resp = client
        .get_provider_schema(pb::get_provider_schema::Request {})
        .await
        .expect("rpc")
        .into_inner();
    assert!(resp.diagnostics.is_empty(), "{:?}", resp.diagnostics);
    assert!(resp.provider.is_some());
    let caps = resp.server_capabilities.unwrap_or_default();
    assert!(!caps.plan_destroy && !caps.get_provider_schema_optional);
    let thing = resp
        .resource_schemas
        .get("fake_thing")
        .cloned()
        .unwrap_or_default();
    assert_eq!(thing.version, 1);
    let block = thing.block.unwrap_or_default();
    assert_eq!(block.description_kind, pb::StringKind::Markdown as i32);
    fn check(attrs: &[pb::schema::Attribute]) -> usize {
        let mut n = 0;
        for a in attrs {
            assert!(
                a.r#type.is_empty() != a.nested_type.is_none(),
                "attribute {} sets both or neither",
                a.name
            );
            assert_eq!(a.description_kind, pb::StringKind::Markdown as i32);
            n += 1;
            if let Some(o) = &a.nested_type {
                n += check(&o.attributes);
            }
        }
        n
    }
    assert_eq!(check(&block.attributes), 6);
    let token = block
        .attributes
        .iter()
        .find(|a| a.name == "token")
        .cloned()
        .unwrap_or_default();
    assert!(token.write_only && token.sensitive && token.optional && !token.computed);
    assert_eq!(token.r#type, b"\"string\"".to_vec());
    let labels = block
        .attributes
        .iter()
        .find(|a| a.name == "labels")
        .cloned()
        .unwrap_or_default();
    assert_eq!(
        labels.nested_type.unwrap_or_default().nesting,
        pb::schema::object::NestingMode::List as i32
    );
    let id = block
        .attributes
        .iter()
        .find(|a| a.name == "id")
        .cloned()
        .unwrap_or_default();
    assert!(id.computed && !id.optional && !id.required);
    assert_eq!(block.block_types.len(), 1);
    let timeouts = &block.block_types[0];
    assert_eq!(timeouts.type_name, "timeouts");
    assert_eq!(
        timeouts.nesting,
        pb::schema::nested_block::NestingMode::Single as i32
    );
    assert_eq!(timeouts.max_items, 1);
    server.stop.cancel();
}

fn decode_state(dv: Option<pb::DynamicValue>) -> Value {
    let ty = thing_schema().block.object_type();
    codec::decode_msgpack(&dv.unwrap_or_default().msgpack, &ty).expect("msgpack state")
}

/// [`state_with_token`] as the server must return it: the write-only token null.
fn state_without_token() -> Value {
    let mut state = state_with_token();
    if let Value::Object(m) = &mut state {
        m.insert("token".into(), Value::Null);
    }
    state
}

/// UpgradeResourceState of `fake_thing` from a JSON state at `version`.
async fn upgrade_from_json(
    client: &mut ProviderClient<Channel>,
    version: i64,
    json: Vec<u8>,
) -> pb::upgrade_resource_state::Response {
    client
        .upgrade_resource_state(pb::upgrade_resource_state::Request {
            type_name: "fake_thing".into(),
            version,
            raw_state: Some(pb::RawState {
                json,
                flatmap: HashMap::new(),
            }),
        })
        .await
        .expect("upgrade")
        .into_inner()
}

#[tokio::test]
async fn write_only_values_are_nulled_in_every_returned_state() {
    let server = start(None).await;
    let mut client = plain_client(server.addr).await;
    let want = state_without_token();
    let ty = thing_schema().block.object_type();
    let config = codec::encode_msgpack(&state_with_token(), &ty).expect("encode");
    let dv = || msgpack(config.clone());

    let read = client
        .read_resource(pb::read_resource::Request {
            type_name: "fake_thing".into(),
            current_state: dv(),
            private: b"p".to_vec(),
            ..Default::default()
        })
        .await
        .expect("read")
        .into_inner();
    assert!(
        errors(&read.diagnostics).is_empty(),
        "{:?}",
        read.diagnostics
    );
    assert_eq!(decode_state(read.new_state), want);
    assert_eq!(read.private, b"p".to_vec());
    assert!(read.new_identity.is_some());

    let plan = client
        .plan_resource_change(pb::plan_resource_change::Request {
            type_name: "fake_thing".into(),
            proposed_new_state: dv(),
            config: dv(),
            ..Default::default()
        })
        .await
        .expect("plan")
        .into_inner();
    assert_eq!(decode_state(plan.planned_state), want);

    let apply = client
        .apply_resource_change(pb::apply_resource_change::Request {
            type_name: "fake_thing".into(),
            planned_state: dv(),
            config: dv(),
            ..Default::default()
        })
        .await
        .expect("apply")
        .into_inner();
    assert_eq!(decode_state(apply.new_state), want);
    assert_eq!(
        apply.private,
        b"created".to_vec(),
        "null prior state: create"
    );
    let update = client
        .apply_resource_change(pb::apply_resource_change::Request {
            type_name: "fake_thing".into(),
            prior_state: dv(),
            planned_state: dv(),
            config: dv(),
            ..Default::default()
        })
        .await
        .expect("update")
        .into_inner();
    assert_eq!(update.private, b"updated".to_vec(), "both states: update");

    let import = client
        .import_resource_state(pb::import_resource_state::Request {
            type_name: "fake_thing".into(),
            id: "one".into(),
            ..Default::default()
        })
        .await
        .expect("import")
        .into_inner();
    assert_eq!(import.imported_resources.len(), 1);
    assert_eq!(import.imported_resources[0].type_name, "fake_thing");
    assert_eq!(
        decode_state(import.imported_resources[0].state.clone()),
        want
    );

    let json = codec::encode_json(&state_with_token(), &ty).expect("json");
    let upgrade = upgrade_from_json(&mut client, 1, json).await;
    assert!(upgrade.diagnostics.is_empty(), "{:?}", upgrade.diagnostics);
    assert_eq!(decode_state(upgrade.upgraded_state), want);
    server.stop.cancel();
}

#[tokio::test]
async fn failed_import_returns_no_resources() {
    let server = start(None).await;
    let mut client = plain_client(server.addr).await;
    let import = client
        .import_resource_state(pb::import_resource_state::Request {
            type_name: "fake_thing".into(),
            id: "missing".into(),
            ..Default::default()
        })
        .await
        .expect("import")
        .into_inner();
    assert!(import.imported_resources.is_empty());
    assert_eq!(errors(&import.diagnostics), vec!["not found".to_string()]);
    server.stop.cancel();
}

#[tokio::test]
async fn destroys_are_planned_by_the_framework_and_applied_through_delete() {
    let server = start(None).await;
    let mut client = plain_client(server.addr).await;
    let ty = thing_schema().block.object_type();
    let state = codec::encode_msgpack(&state_with_token(), &ty).expect("encode");
    let null = codec::encode_msgpack(&Value::Null, &ty).expect("encode null");

    let plan = client
        .plan_resource_change(pb::plan_resource_change::Request {
            type_name: "fake_thing".into(),
            prior_state: msgpack(state.clone()),
            proposed_new_state: msgpack(null.clone()),
            config: msgpack(null.clone()),
            prior_private: b"memory".to_vec(),
            ..Default::default()
        })
        .await
        .expect("plan")
        .into_inner();
    assert_eq!(decode_state(plan.planned_state), Value::Null);
    assert_eq!(plan.planned_private, b"memory".to_vec());

    let destroy = |private: &[u8]| pb::apply_resource_change::Request {
        type_name: "fake_thing".into(),
        prior_state: msgpack(state.clone()),
        planned_state: msgpack(null.clone()),
        config: msgpack(null.clone()),
        planned_private: private.to_vec(),
        ..Default::default()
    };
    let done = client
        .apply_resource_change(destroy(b"memory"))
        .await
        .expect("apply")
        .into_inner();
    assert!(
        errors(&done.diagnostics).is_empty(),
        "{:?}",
        done.diagnostics
    );
    assert_eq!(decode_state(done.new_state), Value::Null);

    let refused = client
        .apply_resource_change(destroy(b"refuse-delete"))
        .await
        .expect("apply")
        .into_inner();
    assert_eq!(
        errors(&refused.diagnostics),
        vec!["delete refused".to_string()]
    );
    assert_eq!(
        decode_state(refused.new_state),
        state_without_token(),
        "a failed destroy keeps the object"
    );
    assert_eq!(refused.private, b"kept".to_vec());
    server.stop.cancel();
}

#[tokio::test]
async fn upgrade_drops_attributes_removed_from_the_schema() {
    let server = start(None).await;
    let mut client = plain_client(server.addr).await;
    let ty = thing_schema().block.object_type();
    let json = codec::encode_json(&state_with_token(), &ty).expect("json");
    let mut stored: serde_json::Value = serde_json::from_slice(&json).expect("parse");
    stored["removed_in_v2"] = serde_json::Value::String("old".into());
    let stored = serde_json::to_vec(&stored).expect("json");
    let upgrade = upgrade_from_json(&mut client, 1, stored).await;
    assert!(upgrade.diagnostics.is_empty(), "{:?}", upgrade.diagnostics);
    let got = decode_state(upgrade.upgraded_state);
    assert_eq!(got.attr("name"), &Value::String("one".into()));
    assert_eq!(got.attr("token"), &Value::Null);
    // A version this resource does not know is refused by the default upgrade.
    let refused = upgrade_from_json(&mut client, 0, json).await;
    assert_eq!(
        errors(&refused.diagnostics),
        vec!["Unsupported state version".to_string()]
    );
    server.stop.cancel();
}
