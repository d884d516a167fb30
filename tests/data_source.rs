//! The `pypi_remote_auth` data source against credentials configured by
//! hand (Google's guide done with the API): it reports the username, the
//! secret and version in use, the version's state and whether the service
//! agent may read the secret; it refuses a repository that is not a PyPI
//! remote, naming `repository`; and it never reads the token.

mod remote_auth_common;
mod support;

use remote_auth_common::*;
use serde_json::{json, Value};
use support::{Emulator, Workdir};

const TOKEN: &str = "pypi-e2e-data-source-token-01";

/// A data source block `x` for `repository` with extra lines.
fn data_block(repository: &str, extra: &str) -> String {
    format!(
        "data \"pypi_remote_auth\" \"x\" {{\n  location   = \"{LOCATION}\"\n  repository = \"{repository}\"\n{extra}}}\n\noutput \"x\" {{\n  value = data.pypi_remote_auth.x\n}}\n"
    )
}

/// `terraform apply` of `hcl`, then the data source's values from the output.
fn read(emu: &Emulator, hcl: &str) -> Value {
    let wd = Workdir::new(&support::primary_terraform());
    write_main(&wd, &config(emu, hcl));
    apply(&wd);
    let out = wd.tf_ok(&["output", "-json", "x"]);
    serde_json::from_str(&out.stdout).expect("output JSON")
}

#[test]
fn reads_credentials_configured_by_hand_without_touching_the_token() {
    let emu = Emulator::start(&[]);
    emu.create_pypi_remote_repo(PROJECT, LOCATION, "pypi-remote");
    let target = Target::new(&emu, "pypi-remote", "pypi-token");
    let version = target.configure_by_hand(TOKEN);
    let since = emu.requests().len();

    let values = read(&emu, &data_block("pypi-remote", ""));
    assert_eq!(
        values["id"],
        format!("projects/{PROJECT}/locations/{LOCATION}/repositories/pypi-remote")
    );
    assert_eq!(values["project"], PROJECT);
    assert_eq!(values["username"], "__token__");
    assert_eq!(values["secret_project"], PROJECT);
    assert_eq!(values["secret_id"], "pypi-token");
    assert_eq!(values["secret_version"], version.as_str());
    assert_eq!(values["secret_version_state"], "ENABLED");
    assert_eq!(values["project_number"], PROJECT_NUMBER);
    assert_eq!(values["service_agent"], agent_email(PROJECT_NUMBER));
    assert_eq!(values["service_agent_has_access"], true);
    let log = emu.requests();
    assert!(
        !log.iter()
            .skip(since)
            .any(|e| e["path"].as_str().is_some_and(|p| p.ends_with(":access"))),
        "the data source must never read the payload"
    );
    assert_no_mutation_since(&emu, since, "reading the data source");

    // Out of band: the agent loses access, the version is disabled.
    target.revoke_agent();
    let (status, body) = emu.api("POST", &format!("/v1/{version}:disable"), Some(json!({})));
    assert_eq!(status, 200, "disable: {body}");
    let full = format!("projects/{PROJECT}/locations/{LOCATION}/repositories/pypi-remote");
    let values = read(&emu, &data_block(&full, ""));
    assert_eq!(values["service_agent_has_access"], false);
    assert_eq!(values["secret_version_state"], "DISABLED");
    assert_eq!(values["project"], PROJECT, "project from the full name");
}

#[test]
fn repository_without_credentials_reads_with_null_secret() {
    let emu = Emulator::start(&[]);
    emu.create_pypi_remote_repo(PROJECT, LOCATION, "pypi-bare");
    let values = read(&emu, &data_block("pypi-bare", ""));
    assert_eq!(values["service_agent"], agent_email(PROJECT_NUMBER));
    assert_eq!(values["username"], Value::Null);
    assert_eq!(values["secret_version"], Value::Null);
    assert_eq!(values["service_agent_has_access"], false);
}

#[test]
fn non_pypi_and_missing_repositories_are_errors_on_repository() {
    let emu = Emulator::start(&[]);
    emu.create_repo(
        PROJECT,
        LOCATION,
        "python-standard",
        json!({ "format": "PYTHON", "mode": "STANDARD_REPOSITORY" }),
    );
    for (repo, summary) in [
        ("python-standard", "Not a PyPI remote repository"),
        ("no-such-repo", "Repository not found"),
    ] {
        let wd = Workdir::new(&support::primary_terraform());
        write_main(&wd, &config(&emu, &data_block(repo, "")));
        let out = wd.tf(&["plan", "-no-color", "-input=false"]);
        assert_ne!(out.code, 0, "{repo}: the plan must fail");
        let text = flat(&out);
        assert!(text.contains(summary), "{repo}: {text}");
        assert!(
            text.contains("repository = \"") && text.contains(repo),
            "{repo}: the error points at `repository`: {text}"
        );
    }
    // A full name that disagrees with `location` fails before any call.
    let wd = Workdir::new(&support::primary_terraform());
    write_main(
        &wd,
        &config(
            &emu,
            &data_block(
                &format!("projects/{PROJECT}/locations/europe/repositories/pypi"),
                "",
            ),
        ),
    );
    let out = wd.tf(&["validate", "-no-color"]);
    assert_ne!(out.code, 0);
    assert!(
        flat(&out).contains("Conflicting location"),
        "{}",
        flat(&out)
    );
}
