//! The harness itself works: each Terraform runs, loads the provider through
//! `dev_overrides`, sees its schema, and validates a configuration using it.

mod support;

use support::{terraforms, Workdir, PROVIDER_SOURCE};

/// A configuration using the provider and its resource, with no remote lookups needed by validate.
fn sample_config() -> String {
    format!(
        "{}\n{}",
        support::required_providers_block(),
        r#"
provider "pypi" {
  project      = "demo-project"
  access_token = "test-token"
}

resource "pypi_remote_auth" "example" {
  location         = "us-central1"
  repository       = "pypi-remote"
  secret_id        = "pypi-token"
  token_wo         = "pypi-example-token"
  token_wo_version = 1
}
"#
    )
}

#[test]
fn every_terraform_reports_its_version() {
    for tf in terraforms() {
        let wd = Workdir::new(&tf);
        let out = wd.tf_ok(&["version", "-json"]);
        let json: serde_json::Value =
            serde_json::from_str(&out.stdout).expect("version -json is JSON");
        assert_eq!(
            json["terraform_version"],
            tf.version.as_str(),
            "{}",
            tf.bin.display()
        );
    }
}

#[test]
fn the_primary_terraform_is_the_pinned_one() {
    let all = terraforms();
    assert_eq!(all[0].version, "1.15.5");
    let versions: Vec<&str> = all.iter().map(|t| t.version.as_str()).collect();
    let mut unique = versions.clone();
    unique.dedup();
    assert_eq!(versions, unique, "each Terraform version runs once");
}

#[test]
fn providers_schema_lists_the_provider_configuration() {
    for tf in terraforms() {
        let wd = Workdir::new(&tf);
        wd.write("main.tf", &sample_config());
        let out = wd.tf_ok(&["providers", "schema", "-json"]);
        let json: serde_json::Value =
            serde_json::from_str(&out.stdout).expect("providers schema -json is JSON");
        let key = format!("registry.terraform.io/{PROVIDER_SOURCE}");
        let provider = &json["provider_schemas"][&key];
        assert!(
            provider.is_object(),
            "Terraform {}: no schema for {key} in {}",
            tf.version,
            out.stdout
        );
        let attrs = &provider["provider"]["block"]["attributes"];
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
            assert!(
                attrs[name].is_object(),
                "Terraform {}: provider attribute {name} missing",
                tf.version
            );
        }
        assert_eq!(
            attrs["access_token"]["sensitive"], true,
            "access_token must be sensitive"
        );
        assert!(
            provider["resource_schemas"]["pypi_remote_auth"].is_object(),
            "Terraform {}: resource pypi_remote_auth missing",
            tf.version
        );
    }
}

#[test]
fn validate_passes_for_a_configuration_using_the_provider() {
    for tf in terraforms() {
        let wd = Workdir::new(&tf);
        wd.write("main.tf", &sample_config());
        let out = wd.tf_ok(&["validate", "-json"]);
        let json: serde_json::Value =
            serde_json::from_str(&out.stdout).expect("validate -json is JSON");
        assert_eq!(
            json["valid"], true,
            "Terraform {}: {}",
            tf.version, out.stdout
        );
        // dev_overrides is what loaded the provider: Terraform says so.
        assert!(
            wd.log().contains("dev_overrides")
                || out.stderr.contains("overrides")
                || out.stdout.contains("overrides"),
            "Terraform {} did not use the development override",
            tf.version
        );
    }
}

#[test]
fn validate_reports_an_unknown_attribute() {
    // Proves validate really consults the provider schema: the test above cannot pass vacuously.
    let tf = support::primary_terraform();
    let wd = Workdir::new(&tf);
    wd.write(
        "main.tf",
        &format!(
            "{}\nresource \"pypi_remote_auth\" \"x\" {{\n  no_such_attribute = 1\n}}\n",
            support::required_providers_block()
        ),
    );
    let out = wd.tf(&["validate", "-no-color"]);
    assert_eq!(
        out.code, 1,
        "validate should fail: {}\n{}",
        out.stdout, out.stderr
    );
    assert!(out.stderr.contains("no_such_attribute"), "{}", out.stderr);
}

#[test]
fn the_emulator_harness_creates_and_reads_a_pypi_remote_repository() {
    let emulator = support::Emulator::start(&[]);
    assert!(
        emulator.url.starts_with("http://127.0.0.1:"),
        "{}",
        emulator.url
    );
    emulator.create_pypi_remote_repo("demo-project", "us-central1", "pypi-remote");
    let (status, repo) = emulator.api(
        "GET",
        "/v1/projects/demo-project/locations/us-central1/repositories/pypi-remote",
        None,
    );
    assert_eq!(status, 200, "{repo}");
    assert_eq!(repo["format"], "PYTHON");
    assert_eq!(repo["mode"], "REMOTE_REPOSITORY");
    assert_eq!(
        repo["remoteRepositoryConfig"]["pythonRepository"]["publicRepository"],
        "PYPI"
    );

    let (status, missing) = emulator.api("GET", "/v1/projects/demo-project/secrets/absent", None);
    assert_eq!(status, 404, "{missing}");
    assert_eq!(missing["error"]["status"], "NOT_FOUND");

    let log = emulator.requests();
    assert!(
        log.iter().any(|r| r["method"] == "POST"
            && r["path"]
                .as_str()
                .is_some_and(|p| p.ends_with("/repositories"))),
        "the create call is in the request log: {log:?}"
    );
    assert!(
        log.iter().any(|r| r["status"] == 404),
        "the 404 is in the request log: {log:?}"
    );

    let block = emulator.provider_block("demo-project");
    for service in [
        "secret_manager",
        "artifact_registry",
        "resource_manager",
        "service_usage",
        "iam_credentials",
    ] {
        assert!(
            block.contains(&format!(
                "{service}_custom_endpoint = \"{}/\"",
                emulator.url
            )),
            "{block}"
        );
    }
}

#[test]
fn a_seeded_emulator_starts_with_the_demo_repository() {
    let seed: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(
            support::repo_root().join("examples/quickstart/emulator-seed.json"),
        )
        .expect("seed"),
    )
    .expect("seed JSON");
    // The seed declares demo-project itself, so no default --project is added.
    let emulator = support::Emulator::start_with_seed(&seed, &[]);
    let (status, repo) = emulator.api(
        "GET",
        "/v1/projects/demo-project/locations/us-central1/repositories/pypi-remote",
        None,
    );
    assert_eq!(status, 200, "{repo}");
    assert_eq!(repo["mode"], "REMOTE_REPOSITORY");
}
