//! The real `pypi` provider behind the server: its schemas as Terraform
//! receives them, and the write-only capability check of `pypi_remote_auth`.

use std::collections::BTreeMap;
use std::sync::Arc;

use terraform_provider_pypi::tfplugin::proto::tfplugin6 as pb;
use terraform_provider_pypi::tfplugin::{codec, Number, Provider, Value};
use terraform_provider_pypi::PypiProvider;

use crate::support::{msgpack, plain_client, start_plain, TestServer};

const RESOURCE: &str = "pypi_remote_auth";

/// A token-shaped value that must never come back in a diagnostic.
const TOKEN: &str = "pypi-AgEIcHlwaS5vcmcCJDAwMDAwMDAwLTAwMDA";

async fn start_pypi() -> TestServer {
    start_plain(Arc::new(PypiProvider::new())).await
}

/// A valid `pypi_remote_auth` configuration using `token_wo`, as msgpack.
fn token_wo_config() -> Vec<u8> {
    let s = |x: &str| Value::String(x.to_string());
    let config = Value::Object(BTreeMap::from([
        ("location".to_string(), s("us-central1")),
        ("repository".to_string(), s("pypi-remote")),
        ("secret_id".to_string(), s("pypi-token")),
        ("token_wo".to_string(), s(TOKEN)),
        (
            "token_wo_version".to_string(),
            Value::Number(Number::from(1)),
        ),
    ]));
    let resources = PypiProvider::new().resources();
    let resource = resources.get(RESOURCE).expect("pypi_remote_auth exists");
    let ty = resource.schema().block.object_type();
    codec::encode_msgpack(&config, &ty).expect("config encodes")
}

fn validate_req(write_only: Option<bool>) -> pb::validate_resource_config::Request {
    pb::validate_resource_config::Request {
        type_name: RESOURCE.into(),
        config: msgpack(token_wo_config()),
        client_capabilities: write_only.map(|w| pb::ClientCapabilities {
            deferral_allowed: false,
            write_only_attributes_allowed: w,
        }),
    }
}

fn errors(diags: &[pb::Diagnostic]) -> Vec<&pb::Diagnostic> {
    diags
        .iter()
        .filter(|d| d.severity == pb::diagnostic::Severity::Error as i32)
        .collect()
}

#[tokio::test]
async fn token_wo_needs_the_write_only_client_capability() {
    use pb::attribute_path::step::Selector;
    let server = start_pypi().await;
    let mut client = plain_client(server.addr).await;

    let allowed = client
        .validate_resource_config(validate_req(Some(true)))
        .await
        .expect("validate")
        .into_inner();
    assert!(
        errors(&allowed.diagnostics).is_empty(),
        "{:?}",
        allowed.diagnostics
    );

    // Capabilities absent (Terraform before 1.11) or the capability off.
    for caps in [None, Some(false)] {
        let refused = client
            .validate_resource_config(validate_req(caps))
            .await
            .expect("validate")
            .into_inner();
        let errs = errors(&refused.diagnostics);
        assert_eq!(errs.len(), 1, "caps {caps:?}: {:?}", refused.diagnostics);
        let e = errs[0];
        let steps: Vec<_> = e
            .attribute
            .as_ref()
            .map(|p| p.steps.iter().map(|s| s.selector.clone()).collect())
            .unwrap_or_default();
        assert_eq!(
            steps,
            vec![Some(Selector::AttributeName("token_wo".into()))]
        );
        for needle in ["Terraform 1.11", "OpenTofu 1.11", "`token`"] {
            assert!(
                e.detail.contains(needle),
                "{needle:?} not in {:?}",
                e.detail
            );
        }
        assert!(!format!("{refused:?}").contains(TOKEN), "the token leaked");
    }
    server.stop.cancel();
}

#[tokio::test]
async fn provider_schema_serves_config_write_only_token_and_identity() {
    let server = start_pypi().await;
    let mut client = plain_client(server.addr).await;
    let resp = client
        .get_provider_schema(pb::get_provider_schema::Request {})
        .await
        .expect("schema")
        .into_inner();
    assert!(resp.diagnostics.is_empty(), "{:?}", resp.diagnostics);

    let provider = resp.provider.and_then(|p| p.block).unwrap_or_default();
    let find = |attrs: &[pb::schema::Attribute], name: &str| {
        attrs.iter().find(|a| a.name == name).cloned()
    };
    for name in [
        "project",
        "credentials",
        "access_token",
        "impersonate_service_account",
        "billing_project",
        "user_project_override",
        "request_timeout",
        "secret_manager_custom_endpoint",
        "artifact_registry_custom_endpoint",
        "resource_manager_custom_endpoint",
        "service_usage_custom_endpoint",
        "iam_credentials_custom_endpoint",
    ] {
        let a = find(&provider.attributes, name);
        let a = a.unwrap_or_else(|| panic!("provider attribute {name} missing"));
        assert!(a.optional && !a.required && !a.write_only, "{name}");
        assert!(!a.description.is_empty(), "{name}");
    }
    for name in ["credentials", "access_token"] {
        assert!(find(&provider.attributes, name).is_some_and(|a| a.sensitive));
    }
    assert!(find(&provider.attributes, "user_project_override")
        .is_some_and(|a| a.r#type == b"\"bool\"".to_vec()));

    let resource = resp
        .resource_schemas
        .get(RESOURCE)
        .and_then(|s| s.block.clone())
        .unwrap_or_default();
    let token_wo = find(&resource.attributes, "token_wo").expect("token_wo");
    assert!(token_wo.write_only && token_wo.sensitive && token_wo.optional);
    assert!(!token_wo.computed && !token_wo.required);
    assert_eq!(token_wo.r#type, b"\"string\"".to_vec());
    let token = find(&resource.attributes, "token").expect("token");
    assert!(token.sensitive && token.optional && !token.write_only);
    // Write-only is never allowed next to `computed` (terraform-plugin-framework rejects it).
    for a in &resource.attributes {
        assert!(
            !(a.write_only && a.computed),
            "{} is write-only and computed",
            a.name
        );
    }

    let identities = client
        .get_resource_identity_schemas(pb::get_resource_identity_schemas::Request {})
        .await
        .expect("identity schemas")
        .into_inner();
    assert!(
        identities.diagnostics.is_empty(),
        "{:?}",
        identities.diagnostics
    );
    let identity = identities
        .identity_schemas
        .get(RESOURCE)
        .cloned()
        .expect("pypi_remote_auth has an identity schema");
    let names: Vec<&str> = identity
        .identity_attributes
        .iter()
        .map(|a| a.name.as_str())
        .collect();
    assert_eq!(names, ["project", "location", "repository"]);
    for a in &identity.identity_attributes {
        assert!(
            a.required_for_import && !a.optional_for_import,
            "{}",
            a.name
        );
        assert_eq!(a.r#type, b"\"string\"".to_vec(), "{}", a.name);
    }
    server.stop.cancel();
}
