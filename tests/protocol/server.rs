//! The server as a whole: a panicking handler, client capabilities,
//! StopProvider, refused legacy state, unknown types and unserved RPCs, the
//! go-plugin services and AutoMTLS's pinned client certificate.

use std::collections::HashMap;

use terraform_provider_pypi::tfplugin::proto::health::health_check_response::ServingStatus;
use terraform_provider_pypi::tfplugin::proto::plugin::{
    grpc_controller_client::GrpcControllerClient, grpc_stdio_client::GrpcStdioClient, Empty,
};
use terraform_provider_pypi::tfplugin::proto::tfplugin6 as pb;
use terraform_provider_pypi::tfplugin::serve::ServerTls;

use crate::support::{
    errors, health, plain_channel, plain_client, start, terraform_like_cert, tls_channel,
};

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
    let status = health(channel.clone()).await.expect("health");
    assert_eq!(status, ServingStatus::Serving as i32);
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

/// Whether a TLS client presenting `client` gets a health answer: a refusal
/// may come at connect or only at the first call, depending on when the
/// server's check of the certificate reaches the client.
async fn served(
    addr: std::net::SocketAddr,
    server_der: &[u8],
    client: Option<(Vec<u8>, Vec<u8>)>,
) -> bool {
    match tls_channel(addr, server_der, client).await {
        Err(_) => false,
        Ok(channel) => health(channel).await.is_ok(),
    }
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
    let status = health(channel.clone()).await.expect("health over mTLS");
    assert_eq!(status, ServingStatus::Serving as i32);

    // No client certificate: refused.
    assert!(
        !served(server.addr, &server_der, None).await,
        "a client without a certificate was served"
    );

    // Another certificate of the same shape: refused as well.
    let (_, other_der, other_key) = terraform_like_cert();
    assert!(
        !served(server.addr, &server_der, Some((other_der, other_key))).await,
        "a client with another certificate was served"
    );

    // The pinned client still works after the refusals.
    health(channel).await.expect("still serving");
    server.stop.cancel();
    server.task.await.expect("join").expect("serve returned Ok");
}
