//! Provider configuration: every credential source, every environment
//! fallback, each bad configuration, and unknown values at plan time.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use super::config::{CredentialChoice, ProviderConfig, Setting};
use super::ProviderBlock;
use crate::google::tests::server::{reply, Server};
use crate::google::Op;
use crate::tfplugin::provider::ConfigureRequest;
use crate::tfplugin::{AttributePath, Diagnostic, Diagnostics, Severity, Value};

const USER_KEY: &str =
    r#"{"type":"authorized_user","client_id":"c","client_secret":"s","refresh_token":"r"}"#;
const SA_KEY: &str = r#"{"type":"service_account","client_email":"sa@p.iam.gserviceaccount.com","private_key":"-----BEGIN PRIVATE KEY-----\nMII\n-----END PRIVATE KEY-----\n"}"#;

fn env_of(pairs: &[(&str, &str)]) -> Arc<super::config::Env> {
    let map: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    Arc::new(move |k: &str| map.get(k).cloned())
}

fn config(pairs: &[(&str, Value)]) -> Value {
    let mut map: BTreeMap<String, Value> = super::schema::provider_schema()
        .block
        .attributes
        .iter()
        .map(|a| (a.name.clone(), Value::Null))
        .collect();
    for (k, v) in pairs {
        map.insert(k.to_string(), v.clone());
    }
    Value::Object(map)
}

fn s(v: &str) -> Value {
    Value::String(v.to_string())
}

/// The attribute paths of the diagnostics of `severity` in `diags`.
fn attributes_of(diags: &Diagnostics, severity: Severity) -> Vec<String> {
    let matching = diags.0.iter().filter(|d| d.severity == severity);
    let path = |d: &Diagnostic| d.attribute.as_ref().map(AttributePath::to_string);
    matching.map(|d| path(d).unwrap_or_default()).collect()
}

fn errors_on(diags: &Diagnostics) -> Vec<String> {
    attributes_of(diags, Severity::Error)
}

fn warnings_on(diags: &Diagnostics) -> Vec<String> {
    attributes_of(diags, Severity::Warning)
}

async fn validate(cfg: Value, env: Arc<super::config::Env>) -> Diagnostics {
    ProviderBlock::with_env(env).validate(&cfg)
}

#[test]
fn project_env_fallbacks_in_order() {
    let order = [
        "GOOGLE_PROJECT",
        "GOOGLE_CLOUD_PROJECT",
        "GCLOUD_PROJECT",
        "CLOUDSDK_CORE_PROJECT",
    ];
    for (i, var) in order.iter().enumerate() {
        let pairs: Vec<(&str, &str)> = order[i..].iter().map(|v| (*v, *v)).collect();
        let c = ProviderConfig::from_value(&config(&[]), &*env_of(&pairs));
        assert_eq!(c.project, Setting::Env(var, var.to_string()));
    }
    let c = ProviderConfig::from_value(
        &config(&[("project", s("from-config"))]),
        &*env_of(&[("GOOGLE_PROJECT", "env")]),
    );
    assert_eq!(c.project, Setting::Config("from-config".into()));
    let c = ProviderConfig::from_value(
        &config(&[("project", s(""))]),
        &*env_of(&[("GCLOUD_PROJECT", "env")]),
    );
    assert_eq!(
        c.project.value(),
        Some("env"),
        "an empty string counts as unset"
    );
}

#[test]
fn every_other_env_fallback() {
    let cases: [(&str, &str, &str); 13] = [
        ("credentials", "GOOGLE_CREDENTIALS", USER_KEY),
        ("credentials", "GOOGLE_CLOUD_KEYFILE_JSON", USER_KEY),
        ("credentials", "GCLOUD_KEYFILE_JSON", USER_KEY),
        ("access_token", "GOOGLE_OAUTH_ACCESS_TOKEN", "ya29.x"),
        (
            "impersonate_service_account",
            "GOOGLE_IMPERSONATE_SERVICE_ACCOUNT",
            "sa@p.iam.gserviceaccount.com",
        ),
        ("billing_project", "GOOGLE_BILLING_PROJECT", "bill"),
        ("user_project_override", "USER_PROJECT_OVERRIDE", "true"),
        (
            "secret_manager_custom_endpoint",
            "GOOGLE_SECRET_MANAGER_CUSTOM_ENDPOINT",
            "http://127.0.0.1:1/",
        ),
        (
            "artifact_registry_custom_endpoint",
            "GOOGLE_ARTIFACT_REGISTRY_CUSTOM_ENDPOINT",
            "http://127.0.0.1:2/",
        ),
        (
            "resource_manager_custom_endpoint",
            "GOOGLE_RESOURCE_MANAGER_CUSTOM_ENDPOINT",
            "http://127.0.0.1:3/",
        ),
        (
            "service_usage_custom_endpoint",
            "GOOGLE_SERVICE_USAGE_CUSTOM_ENDPOINT",
            "http://127.0.0.1:4/",
        ),
        (
            "iam_credentials_custom_endpoint",
            "GOOGLE_IAM_CREDENTIALS_CUSTOM_ENDPOINT",
            "http://127.0.0.1:5/",
        ),
        ("project", "CLOUDSDK_CORE_PROJECT", "p"),
    ];
    for (attribute, var, value) in cases {
        let c = ProviderConfig::from_value(&config(&[]), &*env_of(&[(var, value)]));
        let got = match attribute {
            "credentials" => &c.credentials,
            "access_token" => &c.access_token,
            "impersonate_service_account" => &c.impersonate_service_account,
            "billing_project" => &c.billing_project,
            "user_project_override" => &c.user_project_override,
            "project" => &c.project,
            other => {
                let i = super::config::ENDPOINT_ATTRIBUTES
                    .iter()
                    .position(|a| *a == other)
                    .expect("endpoint");
                &c.endpoints[i]
            }
        };
        assert_eq!(
            got,
            &Setting::Env(var, value.to_string()),
            "{attribute} from {var}"
        );
    }
}

#[test]
fn credential_sources_in_precedence_order() {
    let dir = tempfile::tempdir().expect("tempdir");
    let key = dir.path().join("key.json");
    std::fs::write(&key, SA_KEY).expect("write");
    let key_path = key.to_string_lossy().to_string();
    let home = dir.path().to_string_lossy().to_string();
    let none = env_of(&[]);

    let c = ProviderConfig::from_value(&config(&[("access_token", s("ya29.t"))]), &*none);
    assert_eq!(
        c.credential_choice(&*none),
        Ok(CredentialChoice::AccessToken("ya29.t".into()))
    );

    let c = ProviderConfig::from_value(&config(&[("credentials", s(USER_KEY))]), &*none);
    assert!(
        matches!(c.credential_choice(&*none), Ok(CredentialChoice::Json(ref j, _)) if j == USER_KEY)
    );

    let c = ProviderConfig::from_value(&config(&[("credentials", s(&key_path))]), &*none);
    assert!(
        matches!(c.credential_choice(&*none), Ok(CredentialChoice::Json(ref j, _)) if j == SA_KEY)
    );

    let env = env_of(&[("HOME", &home)]);
    let c = ProviderConfig::from_value(&config(&[("credentials", s("~/key.json"))]), &*env);
    assert!(
        matches!(c.credential_choice(&*env), Ok(CredentialChoice::Json(ref j, _)) if j == SA_KEY)
    );

    // An access token from the environment wins over credentials from the environment.
    let env = env_of(&[
        ("GOOGLE_OAUTH_ACCESS_TOKEN", "ya29.env"),
        ("GOOGLE_CREDENTIALS", USER_KEY),
    ]);
    let c = ProviderConfig::from_value(&config(&[]), &*env);
    assert_eq!(
        c.credential_choice(&*env),
        Ok(CredentialChoice::AccessToken("ya29.env".into()))
    );

    // Credentials written in the provider block win over an access token from the environment.
    let env = env_of(&[("GOOGLE_OAUTH_ACCESS_TOKEN", "ya29.env")]);
    let c = ProviderConfig::from_value(&config(&[("credentials", s(USER_KEY))]), &*env);
    assert!(matches!(
        c.credential_choice(&*env),
        Ok(CredentialChoice::Json(..))
    ));

    let c = ProviderConfig::from_value(&config(&[]), &*none);
    assert_eq!(
        c.credential_choice(&*none),
        Ok(CredentialChoice::ApplicationDefault)
    );
}

#[tokio::test]
async fn good_configurations_validate_cleanly() {
    let dir = tempfile::tempdir().expect("tempdir");
    let key = dir.path().join("key.json");
    std::fs::write(&key, USER_KEY).expect("write");
    let key_path = key.to_string_lossy().to_string();
    let cases = vec![
        config(&[]),
        config(&[("credentials", s(USER_KEY)), ("project", s("p"))]),
        config(&[("credentials", s(&key_path))]),
        config(&[("access_token", s("ya29.x")), ("request_timeout", s("2m"))]),
        config(&[(
            "secret_manager_custom_endpoint",
            s("https://secretmanager.googleapis.com/v1/"),
        )]),
        config(&[
            ("user_project_override", Value::Bool(true)),
            ("billing_project", s("b")),
        ]),
        config(&[
            ("credentials", Value::Unknown),
            ("access_token", Value::Unknown),
        ]),
    ];
    for cfg in cases {
        let diags = validate(cfg.clone(), env_of(&[])).await;
        assert!(diags.0.is_empty(), "{cfg:?}: {diags:?}");
    }
}

#[tokio::test]
async fn bad_configurations_point_at_the_attribute() {
    let dir = tempfile::tempdir().expect("tempdir");
    let not_json = dir.path().join("bad.json");
    std::fs::write(&not_json, "{ not json").expect("write");
    let not_json = not_json.to_string_lossy().to_string();
    let cases: Vec<(Value, &str)> = vec![
        (
            config(&[("credentials", s(USER_KEY)), ("access_token", s("ya29.x"))]),
            "credentials",
        ),
        (
            config(&[("credentials", s("/nonexistent/key.json"))]),
            "credentials",
        ),
        (config(&[("credentials", s(&not_json))]), "credentials"),
        (
            config(&[("credentials", s("{\"type\": \"service_account\"}"))]),
            "credentials",
        ),
        (
            config(&[("credentials", s("{\"type\": \"gdch_service_account\"}"))]),
            "credentials",
        ),
        (config(&[("request_timeout", s("60"))]), "request_timeout"),
        (config(&[("request_timeout", s("0s"))]), "request_timeout"),
        (
            config(&[("secret_manager_custom_endpoint", s("not a url"))]),
            "secret_manager_custom_endpoint",
        ),
        (
            config(&[("artifact_registry_custom_endpoint", s("ftp://x/"))]),
            "artifact_registry_custom_endpoint",
        ),
        (
            config(&[("resource_manager_custom_endpoint", s("https://h/?q=1"))]),
            "resource_manager_custom_endpoint",
        ),
        (
            config(&[("service_usage_custom_endpoint", s("http://"))]),
            "service_usage_custom_endpoint",
        ),
        (
            config(&[("iam_credentials_custom_endpoint", s("127.0.0.1:8085"))]),
            "iam_credentials_custom_endpoint",
        ),
        (config(&[("project", s("my project"))]), "project"),
    ];
    for (cfg, attribute) in cases {
        let diags = validate(cfg.clone(), env_of(&[])).await;
        assert_eq!(
            errors_on(&diags),
            vec![attribute.to_string()],
            "{cfg:?}: {diags:?}"
        );
    }
    let diags = validate(config(&[]), env_of(&[("USER_PROJECT_OVERRIDE", "maybe")])).await;
    assert_eq!(errors_on(&diags), vec!["user_project_override".to_string()]);
    let diags = validate(
        config(&[]),
        env_of(&[("GOOGLE_CREDENTIALS", "{\"type\":1}")]),
    )
    .await;
    assert_eq!(errors_on(&diags), vec!["credentials".to_string()]);
    assert!(
        diags.0[0].detail.contains("GOOGLE_CREDENTIALS"),
        "{:?}",
        diags.0[0]
    );
}

#[tokio::test]
async fn credential_errors_never_quote_the_file() {
    let secretish = "-----BEGIN PRIVATE KEY-----SECRETBYTES";
    let cfg = config(&[(
        "credentials",
        s(&format!(
            "{{\"type\":\"service_account\",\"private_key\":\"{secretish}\""
        )),
    )]);
    let diags = validate(cfg, env_of(&[])).await;
    assert!(diags.has_errors());
    assert!(
        diags
            .0
            .iter()
            .all(|d| !d.detail.contains("SECRETBYTES") && !d.summary.contains("SECRETBYTES")),
        "{diags:?}"
    );
}

async fn configure(provider: &ProviderBlock, cfg: Value) -> Diagnostics {
    let req = ConfigureRequest {
        terraform_version: "1.15.5".into(),
        config: cfg,
    };
    provider.configure(&req)
}

fn op() -> Op {
    Op::new(Duration::from_secs(30), CancellationToken::new())
}

#[tokio::test]
async fn unknown_values_configure_an_incomplete_provider_without_network() {
    let server = Server::start(vec![reply(200, "{}")]).await;
    let provider = ProviderBlock::with_env(env_of(&[("GOOGLE_PROJECT", "p")]));
    let cfg = config(&[
        ("access_token", Value::Unknown),
        ("secret_manager_custom_endpoint", s(&server.root)),
    ]);
    let diags = configure(&provider, cfg).await;
    assert!(diags.0.is_empty(), "{diags:?}");
    let configured = provider.handle().get().expect("configured");
    assert!(!configured.complete);
    assert_eq!(configured.project.as_deref(), Some("p"));
    let err = configured
        .client
        .get_secret(&op(), "projects/p/secrets/s")
        .await
        .expect_err("no credentials yet");
    assert!(err.to_string().contains("not known until apply"), "{err}");
    assert!(server.received().is_empty(), "no request was sent");
}

#[tokio::test]
async fn configure_with_an_access_token_calls_the_custom_endpoint() {
    let server = Server::start(vec![reply(
        200,
        r#"{"projectId":"p","projectNumber":"42"}"#,
    )])
    .await;
    let provider = ProviderBlock::with_env(env_of(&[
        ("GOOGLE_BILLING_PROJECT", "bill"),
        ("USER_PROJECT_OVERRIDE", "1"),
    ]));
    let root_with_version = format!("{}v1/", server.root);
    let cfg = config(&[
        ("access_token", s("ya29.config")),
        ("project", s("p")),
        ("resource_manager_custom_endpoint", s(&root_with_version)),
    ]);
    let diags = configure(&provider, cfg).await;
    assert!(diags.0.is_empty(), "{diags:?}");
    let configured = provider.handle().get().expect("configured");
    assert!(configured.complete);
    let project = configured.client.get_project(&op(), "p").await.expect("ok");
    assert_eq!(project.project_number, "42");
    let r = &server.received()[0];
    assert_eq!(r.target, "/v1/projects/p?alt=json");
    assert_eq!(r.header("authorization"), Some("Bearer ya29.config"));
    assert_eq!(r.header("x-goog-user-project"), Some("bill"));
    assert!(r.header("user-agent").is_some_and(
        |ua| ua.contains("Terraform/1.15.5") && ua.contains("terraform-provider-pypi/")
    ));
}

#[tokio::test]
async fn configure_impersonates_through_the_custom_iam_credentials_endpoint() {
    let server = Server::start(vec![
        reply(
            200,
            r#"{"accessToken":"ya29.impersonated","expireTime":"2099-01-01T00:00:00Z"}"#,
        ),
        reply(200, r#"{"name":"projects/1/secrets/s"}"#),
    ])
    .await;
    let provider = ProviderBlock::with_env(env_of(&[
        ("GOOGLE_OAUTH_ACCESS_TOKEN", "ya29.source"),
        (
            "GOOGLE_IMPERSONATE_SERVICE_ACCOUNT",
            "deployer@p.iam.gserviceaccount.com",
        ),
        ("GOOGLE_IAM_CREDENTIALS_CUSTOM_ENDPOINT", &server.root),
        ("GOOGLE_SECRET_MANAGER_CUSTOM_ENDPOINT", &server.root),
        ("USER_PROJECT_OVERRIDE", "true"),
        ("GOOGLE_BILLING_PROJECT", "bill"),
    ]));
    let diags = configure(&provider, config(&[])).await;
    assert!(diags.0.is_empty(), "{diags:?}");
    let client = provider.handle().get().expect("configured").client.clone();
    client
        .get_secret(&op(), "projects/p/secrets/s")
        .await
        .expect("ok");
    let r = server.received();
    assert_eq!(r[0].target, "/v1/projects/-/serviceAccounts/deployer@p.iam.gserviceaccount.com:generateAccessToken?alt=json");
    assert_eq!(r[0].header("authorization"), Some("Bearer ya29.source"));
    assert_eq!(
        r[1].header("authorization"),
        Some("Bearer ya29.impersonated")
    );
    assert_eq!(
        r[0].header("x-goog-user-project"),
        None,
        "the token exchange is not billed"
    );
    assert_eq!(r[1].header("x-goog-user-project"), Some("bill"));
}

#[tokio::test]
async fn configure_with_each_credentials_json_and_adc() {
    let dir = tempfile::tempdir().expect("tempdir");
    let key = dir.path().join("adc.json");
    std::fs::write(&key, SA_KEY).expect("write");
    let key_path = key.to_string_lossy().to_string();
    let empty_gcloud = dir.path().join("gcloud").to_string_lossy().to_string();
    let cases: Vec<(Value, Arc<super::config::Env>)> = vec![
        (config(&[("credentials", s(USER_KEY))]), env_of(&[])),
        (
            config(&[]),
            env_of(&[("GOOGLE_CLOUD_KEYFILE_JSON", &key_path)]),
        ),
        (
            config(&[]),
            env_of(&[("GOOGLE_APPLICATION_CREDENTIALS", &key_path)]),
        ),
        (config(&[]), env_of(&[("CLOUDSDK_CONFIG", &empty_gcloud)])),
    ];
    for (cfg, env) in cases {
        let provider = ProviderBlock::with_env(env);
        let diags = configure(&provider, cfg.clone()).await;
        assert!(diags.0.is_empty(), "{cfg:?}: {diags:?}");
        assert!(provider.handle().get().expect("configured").complete);
    }
    let provider = ProviderBlock::with_env(env_of(&[(
        "GOOGLE_APPLICATION_CREDENTIALS",
        "/nonexistent.json",
    )]));
    let diags = configure(&provider, config(&[])).await;
    assert!(diags.has_errors());
    assert!(diags.0[0].detail.contains("/nonexistent.json"), "{diags:?}");
    assert!(
        provider.handle().get().is_err(),
        "a failed configure leaves the provider unconfigured"
    );
}

#[test]
fn debug_output_never_shows_credentials_or_tokens() {
    let secret = "ya29.do-not-print";
    let env = env_of(&[("GOOGLE_CREDENTIALS", USER_KEY)]);
    let c = ProviderConfig::from_value(&config(&[("access_token", s(secret))]), &*env);
    let shown = format!("{c:?}");
    assert!(!shown.contains(secret), "{shown}");
    assert!(!shown.contains("refresh_token"), "{shown}");
    assert!(shown.contains("GOOGLE_CREDENTIALS"), "origin kept: {shown}");
    let choice = format!("{:?}", c.credential_choice(&*env));
    assert!(!choice.contains(secret), "{choice}");
    let c = ProviderConfig::from_value(&config(&[("credentials", s(USER_KEY))]), &*env);
    let choice = format!("{:?}", c.credential_choice(&*env));
    assert!(!choice.contains("refresh_token"), "{choice}");
}

#[tokio::test]
async fn plain_http_to_another_machine_is_an_error_naming_the_opt_in() {
    let remote = "http://10.0.0.5:8085/";
    let endpoint = "secret_manager_custom_endpoint";
    for cfg in [
        config(&[(endpoint, s(remote))]),
        config(&[
            (endpoint, s(remote)),
            ("insecure_endpoints", Value::Bool(false)),
        ]),
    ] {
        let diags = validate(cfg.clone(), env_of(&[])).await;
        assert_eq!(errors_on(&diags), vec![endpoint.to_string()], "{cfg:?}");
        let detail = &diags.0[0].detail;
        assert!(
            detail.contains("insecure_endpoints = true") && detail.contains("clear text"),
            "{detail}"
        );
    }
    let var = "GOOGLE_SERVICE_USAGE_CUSTOM_ENDPOINT";
    let diags = validate(config(&[]), env_of(&[(var, remote)])).await;
    assert_eq!(
        errors_on(&diags),
        vec!["service_usage_custom_endpoint".to_string()]
    );
    assert!(diags.0[0].detail.contains(var), "{diags:?}");
    // This machine, TLS, and an opt-in known only at apply pass validation;
    // the opt-in itself warns only at configure.
    for cfg in [
        config(&[
            (endpoint, s("http://127.0.0.2:8085/")),
            ("service_usage_custom_endpoint", s("http://[::1]:1/")),
        ]),
        config(&[
            (endpoint, s("http://localhost:8085/")),
            ("artifact_registry_custom_endpoint", s("https://10.0.0.5/")),
        ]),
        config(&[
            (endpoint, s(remote)),
            ("insecure_endpoints", Value::Unknown),
        ]),
        config(&[
            (endpoint, s(remote)),
            ("insecure_endpoints", Value::Bool(true)),
        ]),
    ] {
        let diags = validate(cfg.clone(), env_of(&[])).await;
        assert!(diags.0.is_empty(), "{cfg:?}: {diags:?}");
    }
}

#[tokio::test]
async fn configure_refuses_clear_text_without_the_opt_in_and_warns_with_it() {
    let remote = "http://10.0.0.5:8085/";
    let base = [
        ("access_token", s("ya29.x")),
        ("iam_credentials_custom_endpoint", s(remote)),
    ];
    let provider = ProviderBlock::with_env(env_of(&[]));
    let diags = configure(&provider, config(&base)).await;
    assert_eq!(
        errors_on(&diags),
        vec!["iam_credentials_custom_endpoint".to_string()]
    );
    assert!(provider.handle().get().is_err(), "not configured");

    let mut opted_in = base.to_vec();
    opted_in.push(("insecure_endpoints", Value::Bool(true)));
    let diags = configure(&provider, config(&opted_in)).await;
    assert!(!diags.has_errors(), "{diags:?}");
    assert_eq!(warnings_on(&diags), vec!["insecure_endpoints".to_string()]);
    let detail = &diags.0[0].detail;
    let named = format!("iam_credentials_custom_endpoint ({remote})");
    assert!(
        detail.contains("clear text") && detail.contains(&named),
        "{detail}"
    );
    let configured = provider.handle().get().expect("configured");
    assert!(configured.complete);
    assert_eq!(configured.client.endpoints().iam_credentials, remote);

    let all_tls = [
        ("access_token", s("ya29.x")),
        ("insecure_endpoints", Value::Bool(true)),
    ];
    let diags = configure(&ProviderBlock::with_env(env_of(&[])), config(&all_tls)).await;
    assert_eq!(warnings_on(&diags), vec!["insecure_endpoints".to_string()]);
    assert!(
        diags.0[0].detail.contains("No endpoint uses it now"),
        "{diags:?}"
    );
}

#[test]
fn the_fingerprint_tells_configurations_apart_and_hides_secrets() {
    let fp = |pairs: &[(&str, Value)], env: &[(&str, &str)]| {
        ProviderConfig::from_value(&config(pairs), &*env_of(env)).fingerprint()
    };
    let base = fp(&[("project", s("p")), ("access_token", s("ya29.one"))], &[]);
    assert_eq!(
        base,
        fp(&[("project", s("p")), ("access_token", s("ya29.one"))], &[])
    );
    assert_eq!(base.len(), 32);
    assert!(!base.contains("ya29"));
    for other in [
        fp(&[("project", s("p")), ("access_token", s("ya29.two"))], &[]),
        fp(&[("project", s("q")), ("access_token", s("ya29.one"))], &[]),
        fp(
            &[
                ("project", s("p")),
                ("access_token", s("ya29.one")),
                ("secret_manager_custom_endpoint", s("http://127.0.0.1:1/")),
            ],
            &[],
        ),
        // The same value from the environment is another configuration's.
        fp(
            &[("access_token", s("ya29.one"))],
            &[("GOOGLE_PROJECT", "p")],
        ),
    ] {
        assert_ne!(base, other);
    }
}
