//! The plugin-protocol server end to end, in process: a tonic client talks
//! to `serve` on 127.0.0.1:0 with a small fake provider.

#[path = "protocol/echo.rs"]
mod echo;
#[path = "protocol/mp.rs"]
mod mp;
#[path = "protocol/real_provider.rs"]
mod real_provider;
#[path = "protocol/support.rs"]
mod support;
#[path = "protocol/values.rs"]
mod values;

use std::collections::HashMap;

use support::{
    plain_channel, plain_client, start, state_with_token, terraform_like_cert, thing_schema,
    tls_channel,
};
use terraform_provider_pypi::tfplugin::codec;
use terraform_provider_pypi::tfplugin::proto::health::health_check_response::ServingStatus;
use terraform_provider_pypi::tfplugin::proto::health::{
    health_client::HealthClient, HealthCheckRequest,
};
use terraform_provider_pypi::tfplugin::proto::plugin::{
    grpc_controller_client::GrpcControllerClient, grpc_stdio_client::GrpcStdioClient, Empty,
};
use terraform_provider_pypi::tfplugin::proto::tfplugin6 as pb;
use terraform_provider_pypi::tfplugin::serve::ServerTls;
use terraform_provider_pypi::tfplugin::Value;

const ERROR: i32 = pb::diagnostic::Severity::Error as i32;

fn errors(diags: &[pb::Diagnostic]) -> Vec<String> {
    diags
        .iter()
        .filter(|d| d.severity == ERROR)
        .map(|d| d.summary.clone())
        .collect()
}

fn validate_req(
    type_name: &str,
    write_only: Option<bool>,
) -> pb::validate_resource_config::Request {
    pb::validate_resource_config::Request {
        type_name: type_name.into(),
        config: None,
        client_capabilities: write_only.map(|w| pb::ClientCapabilities {
            deferral_allowed: false,
            write_only_attributes_allowed: w,
        }),
    }
}

#[tokio::test]
async fn a_panicking_handler_becomes_a_diagnostic_and_the_server_keeps_serving() {
    let server = start(None).await;
    let mut client = plain_client(server.addr).await;
    let resp = client
        .validate_resource_config(validate_req("fake_panic", Some(true)))
        .await
        .expect("rpc")
        .into_inner();
    let errs = errors(&resp.diagnostics);
    assert_eq!(errs.len(), 1, "{resp:?}");
    assert!(
        errs[0].contains("panicked in ValidateResourceConfig for fake_panic"),
        "{errs:?}"
    );
    // The panic payload (which quotes a secret) never reaches Terraform.
    assert!(!format!("{resp:?}").contains("pypi-SECRET"));
    // The same connection still works.
    let resp = client
        .validate_resource_config(validate_req("fake_thing", Some(true)))
        .await
        .expect("rpc")
        .into_inner();
    assert!(errors(&resp.diagnostics).is_empty(), "{resp:?}");
    server.stop.cancel();
}

#[tokio::test]
async fn client_capabilities_reach_the_call_context() {
    let server = start(None).await;
    let mut client = plain_client(server.addr).await;
    for (caps, want) in [
        (Some(true), "Some(true)"),
        (Some(false), "Some(false)"),
        (None, "None"),
    ] {
        let resp = client
            .validate_resource_config(validate_req("fake_thing", caps))
            .await
            .expect("rpc")
            .into_inner();
        let detail = resp
            .diagnostics
            .first()
            .map(|d| d.detail.clone())
            .unwrap_or_default();
        assert_eq!(detail, format!("cancelled=false write_only_allowed={want}"));
    }
    server.stop.cancel();
}

#[tokio::test]
async fn stop_provider_cancels_running_calls_and_later_calls_get_a_fresh_token() {
    let server = start(None).await;
    let mut slow_client = plain_client(server.addr).await;
    let slow = tokio::spawn(async move {
        slow_client
            .validate_resource_config(validate_req("fake_slow", None))
            .await
    });
    server.started.notified().await;
    let mut client = plain_client(server.addr).await;
    let stop = client
        .stop_provider(pb::stop_provider::Request {})
        .await
        .expect("stop")
        .into_inner();
    assert_eq!(stop.error, "");
    let resp = slow.await.expect("join").expect("rpc").into_inner();
    assert_eq!(errors(&resp.diagnostics), vec!["stopped".to_string()]);
    // A call after StopProvider is not born cancelled.
    let resp = client
        .validate_resource_config(validate_req("fake_thing", None))
        .await
        .expect("rpc")
        .into_inner();
    assert_eq!(
        resp.diagnostics[0].detail,
        "cancelled=false write_only_allowed=None"
    );
    server.stop.cancel();
}

#[tokio::test]
async fn flatmap_state_is_refused() {
    let server = start(None).await;
    let mut client = plain_client(server.addr).await;
    let req = pb::upgrade_resource_state::Request {
        type_name: "fake_thing".into(),
        version: 1,
        raw_state: Some(pb::RawState {
            json: Vec::new(),
            flatmap: HashMap::from([("id".to_string(), "x".to_string())]),
        }),
    };
    let resp = client
        .upgrade_resource_state(req)
        .await
        .expect("rpc")
        .into_inner();
    assert_eq!(
        errors(&resp.diagnostics),
        vec!["Unsupported legacy state format".to_string()]
    );
    assert!(resp.upgraded_state.is_none());
    server.stop.cancel();
}

#[tokio::test]
async fn unknown_type_names_are_error_diagnostics() {
    let server = start(None).await;
    let mut client = plain_client(server.addr).await;
    let resp = client
        .validate_resource_config(validate_req("fake_nope", None))
        .await
        .expect("rpc")
        .into_inner();
    assert_eq!(
        errors(&resp.diagnostics),
        vec!["Unknown resource type".to_string()]
    );
    let req = pb::read_data_source::Request {
        type_name: "fake_nope".into(),
        ..Default::default()
    };
    let resp = client
        .read_data_source(req)
        .await
        .expect("rpc")
        .into_inner();
    assert_eq!(
        errors(&resp.diagnostics),
        vec!["Unknown data source type".to_string()]
    );
    server.stop.cancel();
}

#[tokio::test]
async fn unserved_rpcs_are_unimplemented_and_functions_empty() {
    let server = start(None).await;
    let mut client = plain_client(server.addr).await;
    let err = client
        .move_resource_state(pb::move_resource_state::Request::default())
        .await
        .expect_err("MoveResourceState is not served");
    assert_eq!(err.code(), tonic::Code::Unimplemented);
    let functions = client
        .get_functions(pb::get_functions::Request {})
        .await
        .expect("rpc")
        .into_inner();
    assert!(functions.functions.is_empty() && functions.diagnostics.is_empty());
    let identities = client
        .get_resource_identity_schemas(pb::get_resource_identity_schemas::Request {})
        .await
        .expect("rpc")
        .into_inner();
    let thing = identities
        .identity_schemas
        .get("fake_thing")
        .cloned()
        .unwrap_or_default();
    assert_eq!(thing.identity_attributes.len(), 1);
    assert_eq!(thing.identity_attributes[0].r#type, b"\"string\"".to_vec());
    assert!(thing.identity_attributes[0].required_for_import);
    server.stop.cancel();
}

#[tokio::test]
async fn go_plugin_services_health_stdio_and_shutdown() {
    let server = start(None).await;
    let channel = plain_channel(server.addr).await;
    let health = HealthClient::new(channel.clone())
        .check(HealthCheckRequest {
            service: "plugin".into(),
        })
        .await
        .expect("health")
        .into_inner();
    assert_eq!(health.status, ServingStatus::Serving as i32);
    let mut stdio = GrpcStdioClient::new(channel.clone())
        .stream_stdio(())
        .await
        .expect("stdio")
        .into_inner();
    GrpcControllerClient::new(channel)
        .shutdown(Empty {})
        .await
        .expect("shutdown");
    // The stdio stream ends without data, and the server returns.
    assert!(stdio.message().await.map(|m| m.is_none()).unwrap_or(true));
    server.task.await.expect("join").expect("serve returned Ok");
}

#[tokio::test]
async fn mtls_accepts_only_the_pinned_p521_client_certificate() {
    let (pem, cert_der, key_der) = terraform_like_cert();
    let tls = ServerTls::auto_mtls(&pem).expect("auto mtls");
    let server_der = tls.cert_der.clone();
    let server = start(Some(tls)).await;

    let channel = tls_channel(server.addr, &server_der, Some((cert_der, key_der)))
        .await
        .expect("mTLS connect");
    let health = HealthClient::new(channel.clone())
        .check(HealthCheckRequest {
            service: "plugin".into(),
        })
        .await
        .expect("health over mTLS");
    assert_eq!(health.into_inner().status, ServingStatus::Serving as i32);

    // No client certificate: refused (at connect or at the first call).
    let refused = match tls_channel(server.addr, &server_der, None).await {
        Err(_) => true,
        Ok(ch) => HealthClient::new(ch)
            .check(HealthCheckRequest {
                service: "plugin".into(),
            })
            .await
            .is_err(),
    };
    assert!(refused, "a client without a certificate was served");

    // Another certificate of the same shape: refused as well.
    let (_, other_der, other_key) = terraform_like_cert();
    let refused = match tls_channel(server.addr, &server_der, Some((other_der, other_key))).await {
        Err(_) => true,
        Ok(ch) => HealthClient::new(ch)
            .check(HealthCheckRequest {
                service: "plugin".into(),
            })
            .await
            .is_err(),
    };
    assert!(refused, "a client with another certificate was served");

    // The pinned client still works after the refusals.
    HealthClient::new(channel)
        .check(HealthCheckRequest {
            service: "plugin".into(),
        })
        .await
        .expect("still serving");
    server.stop.cancel();
    server.task.await.expect("join").expect("serve returned Ok");
}

// ---- Schemas and states through the codec. ----

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

#[tokio::test]
async fn write_only_values_are_nulled_in_every_returned_state() {
    let server = start(None).await;
    let mut client = plain_client(server.addr).await;
    let mut want = state_with_token();
    if let Value::Object(m) = &mut want {
        m.insert("token".into(), Value::Null);
    }
    let ty = thing_schema().block.object_type();
    let config = codec::encode_msgpack(&state_with_token(), &ty).expect("encode");
    let dv = || {
        Some(pb::DynamicValue {
            msgpack: config.clone(),
            json: Vec::new(),
        })
    };

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
    let upgrade = client
        .upgrade_resource_state(pb::upgrade_resource_state::Request {
            type_name: "fake_thing".into(),
            version: 1,
            raw_state: Some(pb::RawState {
                json,
                flatmap: HashMap::new(),
            }),
        })
        .await
        .expect("upgrade")
        .into_inner();
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
    let dv = |v: Vec<u8>| {
        Some(pb::DynamicValue {
            msgpack: v,
            json: Vec::new(),
        })
    };
    let null = codec::encode_msgpack(&Value::Null, &ty).expect("encode null");

    let plan = client
        .plan_resource_change(pb::plan_resource_change::Request {
            type_name: "fake_thing".into(),
            prior_state: dv(state.clone()),
            proposed_new_state: dv(null.clone()),
            config: dv(null.clone()),
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
        prior_state: dv(state.clone()),
        planned_state: dv(null.clone()),
        config: dv(null.clone()),
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
    let mut kept = state_with_token();
    if let Value::Object(m) = &mut kept {
        m.insert("token".into(), Value::Null);
    }
    assert_eq!(
        decode_state(refused.new_state),
        kept,
        "a failed destroy keeps the object"
    );
    assert_eq!(refused.private, b"kept".to_vec());
    server.stop.cancel();
}

// ---- The real binary: handshake, cookie check, AutoMTLS, debug mode. ----

const COOKIE: (&str, &str) = (
    "TF_PLUGIN_MAGIC_COOKIE",
    "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2",
);

fn plugin_command() -> tokio::process::Command {
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_terraform-provider-pypi"));
    for key in [
        "TF_PLUGIN_MAGIC_COOKIE",
        "PLUGIN_PROTOCOL_VERSIONS",
        "PLUGIN_CLIENT_CERT",
        "PLUGIN_MIN_PORT",
        "PLUGIN_MAX_PORT",
    ] {
        cmd.env_remove(key);
    }
    cmd.env("TF_LOG_PROVIDER", "OFF").kill_on_drop(true);
    cmd
}

#[tokio::test]
async fn binary_run_by_hand_explains_itself_and_exits_1() {
    let out = plugin_command().output().await.expect("run plugin");
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("This binary is a plugin. These are not meant to be executed directly."),
        "{stderr}"
    );
    assert!(stderr.contains("-debug"), "{stderr}");
    assert!(out.stdout.is_empty());
}

#[tokio::test]
async fn binary_without_protocol_6_exits_1() {
    let out = plugin_command()
        .env(COOKIE.0, COOKIE.1)
        .env("PLUGIN_PROTOCOL_VERSIONS", "5")
        .output()
        .await
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("protocol 6"));
}

/// Reads the first stdout line of a started plugin.
async fn first_line(child: &mut tokio::process::Child) -> String {
    use tokio::io::AsyncBufReadExt;
    let stdout = child.stdout.take().expect("piped stdout");
    let mut line = String::new();
    tokio::io::BufReader::new(stdout)
        .read_line(&mut line)
        .await
        .expect("handshake line");
    line.trim_end().to_string()
}

#[tokio::test]
async fn binary_handshake_with_automtls_serves_terraform_and_shuts_down() {
    use base64::Engine as _;
    let (pem, cert_der, key_der) = terraform_like_cert();
    let mut child = plugin_command()
        .env(COOKIE.0, COOKIE.1)
        .env("PLUGIN_PROTOCOL_VERSIONS", "5,6")
        .env("PLUGIN_CLIENT_CERT", &pem)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("spawn plugin");
    let line = first_line(&mut child).await;
    let fields: Vec<&str> = line.split('|').collect();
    assert_eq!(fields.len(), 6, "{line}");
    assert_eq!(&fields[..3], &["1", "6", "tcp"]);
    assert!(fields[3].starts_with("127.0.0.1:"), "{line}");
    assert_eq!(fields[4], "grpc");
    assert!(!fields[5].ends_with('='), "CERT must be unpadded: {line}");
    let server_der = base64::engine::general_purpose::STANDARD_NO_PAD
        .decode(fields[5])
        .expect("base64 cert");
    let addr: std::net::SocketAddr = fields[3].parse().expect("address");

    let channel = tls_channel(addr, &server_der, Some((cert_der, key_der)))
        .await
        .expect("mTLS connect");
    let mut provider = pb::provider_client::ProviderClient::new(channel.clone());
    let schema = provider
        .get_provider_schema(pb::get_provider_schema::Request {})
        .await
        .expect("schema")
        .into_inner();
    assert!(schema.provider.is_some());
    assert!(
        errors(&schema.diagnostics).is_empty(),
        "{:?}",
        schema.diagnostics
    );

    // Terraform's Ctrl-C reaches the plugin too; it must survive it.
    #[cfg(unix)]
    {
        let pid = child.id().expect("pid").to_string();
        let sent = std::process::Command::new("kill")
            .args(["-INT", &pid])
            .status()
            .expect("kill -INT");
        assert!(sent.success());
    }
    HealthClient::new(channel.clone())
        .check(HealthCheckRequest {
            service: "plugin".into(),
        })
        .await
        .expect("health");
    GrpcControllerClient::new(channel)
        .shutdown(Empty {})
        .await
        .expect("shutdown");
    let status = child.wait().await.expect("wait");
    assert_eq!(
        status.code(),
        Some(0),
        "plugin did not exit cleanly after Shutdown: {status:?}"
    );
}

#[tokio::test]
async fn binary_plaintext_handshake_has_an_empty_cert_field() {
    let mut child = plugin_command()
        .env(COOKIE.0, COOKIE.1)
        .env("PLUGIN_PROTOCOL_VERSIONS", "6")
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("spawn plugin");
    let line = first_line(&mut child).await;
    assert!(
        line.starts_with("1|6|tcp|127.0.0.1:") && line.ends_with("|grpc|"),
        "{line}"
    );
    let addr: std::net::SocketAddr = line
        .split('|')
        .nth(3)
        .unwrap_or_default()
        .parse()
        .expect("address");
    let channel = plain_channel(addr).await;
    GrpcControllerClient::new(channel)
        .shutdown(Empty {})
        .await
        .expect("shutdown");
    assert_eq!(child.wait().await.expect("wait").code(), Some(0));
}

#[cfg(unix)]
#[tokio::test]
async fn binary_debug_mode_prints_reattach_config_and_stops_on_interrupt() {
    use tokio::io::AsyncBufReadExt;
    let mut child = plugin_command()
        .arg("-debug")
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("spawn plugin");
    let stdout = child.stdout.take().expect("piped stdout");
    let mut lines = tokio::io::BufReader::new(stdout).lines();
    let mut reattach = None;
    while let Some(line) = lines.next_line().await.expect("read") {
        if let Some(rest) = line.trim().strip_prefix("TF_REATTACH_PROVIDERS='") {
            reattach = Some(rest.trim_end_matches('\'').to_string());
            break;
        }
    }
    let reattach: serde_json::Value =
        serde_json::from_str(&reattach.expect("reattach line")).expect("json");
    let entry = &reattach["pypiauth/pypi"];
    assert_eq!(entry["ProtocolVersion"], 6);
    assert_eq!(entry["Test"], true);
    assert_eq!(entry["Pid"], child.id().unwrap_or_default());
    let addr: std::net::SocketAddr = entry["Addr"]["String"]
        .as_str()
        .unwrap_or_default()
        .parse()
        .expect("addr");
    let health = HealthClient::new(plain_channel(addr).await)
        .check(HealthCheckRequest {
            service: "plugin".into(),
        })
        .await
        .expect("health");
    assert_eq!(health.into_inner().status, ServingStatus::Serving as i32);
    let pid = child.id().expect("pid").to_string();
    assert!(std::process::Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .expect("kill")
        .success());
    assert_eq!(child.wait().await.expect("wait").code(), Some(0));
}

#[tokio::test]
async fn upgrade_drops_attributes_removed_from_the_schema() {
    let server = start(None).await;
    let mut client = plain_client(server.addr).await;
    let ty = thing_schema().block.object_type();
    let json = codec::encode_json(&state_with_token(), &ty).expect("json");
    let mut stored: serde_json::Value = serde_json::from_slice(&json).expect("parse");
    stored["removed_in_v2"] = serde_json::Value::String("old".into());
    let upgrade = client
        .upgrade_resource_state(pb::upgrade_resource_state::Request {
            type_name: "fake_thing".into(),
            version: 1,
            raw_state: Some(pb::RawState {
                json: serde_json::to_vec(&stored).expect("json"),
                flatmap: HashMap::new(),
            }),
        })
        .await
        .expect("upgrade")
        .into_inner();
    assert!(upgrade.diagnostics.is_empty(), "{:?}", upgrade.diagnostics);
    let got = decode_state(upgrade.upgraded_state);
    assert_eq!(got.attr("name"), &Value::String("one".into()));
    assert_eq!(got.attr("token"), &Value::Null);
    // A version this resource does not know is refused by the default upgrade.
    let refused = client
        .upgrade_resource_state(pb::upgrade_resource_state::Request {
            type_name: "fake_thing".into(),
            version: 0,
            raw_state: Some(pb::RawState {
                json,
                flatmap: HashMap::new(),
            }),
        })
        .await
        .expect("upgrade")
        .into_inner();
    assert_eq!(
        errors(&refused.diagnostics),
        vec!["Unsupported state version".to_string()]
    );
    server.stop.cancel();
}
