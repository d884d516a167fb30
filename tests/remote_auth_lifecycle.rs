//! End-to-end lifecycle of `pypi_remote_auth` with real Terraform against
//! `gcp-emulator`: create as Google's guide prescribes, plan clean, destroy;
//! token rotation under each `previous_version_policy`; username change in
//! place; a secret in another project; a project without a service agent.

mod remote_auth_common;
mod support;

use remote_auth_common::*;
use support::{Emulator, Workdir};

const TOKEN: &str = "pypi-e2e-lifecycle-token-0001";
const TOKEN2: &str = "pypi-e2e-lifecycle-token-0002";

/// Create, verify through the emulator, plan clean, destroy, verify the
/// cleanup; on every Terraform the harness offers.
#[test]
fn create_plan_destroy_on_every_terraform() {
    for tf in support::terraforms() {
        eprintln!(
            "lifecycle on Terraform {} ({})",
            tf.version,
            tf.bin.display()
        );
        let emu = emulator_with_repo(&[]);
        let wd = Workdir::new(&tf);
        write_single(&wd, &emu, "pypi-remote", &token_lines("pypi-token", TOKEN));
        apply(&wd);
        assert_plan_clean(&wd, &format!("Terraform {} after create", tf.version));

        let target = Target::new(&emu, "pypi-remote", "pypi-token");
        let version = target.assert_configured(TOKEN, "__token__");

        let values = state_values(&wd, "pypi_remote_auth.x");
        assert_eq!(
            values["id"],
            format!("projects/{PROJECT}/locations/{LOCATION}/repositories/pypi-remote"),
            "id on Terraform {}",
            tf.version
        );
        assert_eq!(
            values["secret_version"],
            version.as_str(),
            "secret_version is the version in use"
        );
        assert_eq!(values["service_agent"], agent_email(PROJECT_NUMBER));
        assert_eq!(values["project_number"], PROJECT_NUMBER);
        assert_eq!(values["username"], "__token__");
        assert_eq!(
            values["project"], PROJECT,
            "project defaults to the provider's"
        );
        assert_eq!(
            values["secret_project"], PROJECT,
            "secret_project defaults to project"
        );
        assert_eq!(values["previous_version_policy"], "DISABLE");
        assert_eq!(values["deletion_policy"], "DELETE");
        assert_eq!(values["create_service_agent"], true);
        assert_eq!(
            target.versions().len(),
            1,
            "create stores exactly one version"
        );

        destroy(&wd);
        assert!(
            !in_state(&wd, "pypi_remote_auth.x"),
            "destroy left the resource in state"
        );
        assert_eq!(
            target.credentials(),
            None,
            "destroy must leave the repository without credentials (Terraform {})",
            tf.version
        );
        assert_eq!(
            target.secret_status(),
            404,
            "the secret this resource created and nobody else uses is deleted"
        );
    }
}

/// Rotates `token` under `policy` (None: the default) and checks what
/// became of the superseded version.
fn rotate(policy: Option<&str>, expected_old_state: &str) {
    let emu = emulator_with_repo(&[]);
    let policy_line = policy
        .map(|p| format!("\n  previous_version_policy = \"{p}\""))
        .unwrap_or_default();
    let body = |token: &str| format!("{}{policy_line}", token_lines("pypi-token", token));
    let wd = apply_single(&emu, &body(TOKEN));
    let target = Target::new(&emu, "pypi-remote", "pypi-token");
    let old = target.assert_configured(TOKEN, "__token__");

    write_single(&wd, &emu, "pypi-remote", &body(TOKEN2));
    let planned = assert_plan_changes(&wd, "after changing the token");
    assert!(
        planned.stdout.contains("update in-place"),
        "a token rotation is an in-place update:\n{}",
        planned.stdout
    );
    apply(&wd);
    let new = target.assert_configured(TOKEN2, "__token__");
    assert_ne!(new, old, "rotation stores a new version");
    assert!(
        split_version_name(&new).2 > split_version_name(&old).2,
        "the new version {new} is newer than {old}"
    );
    assert_eq!(
        target.version_state(&old),
        expected_old_state,
        "superseded version under previous_version_policy {policy:?}"
    );
    assert_eq!(
        state_values(&wd, "pypi_remote_auth.x")["secret_version"],
        new.as_str()
    );
    assert_plan_clean(&wd, "after rotation");
}

#[test]
fn rotation_disables_previous_version_by_default() {
    rotate(None, "DISABLED");
}

#[test]
fn rotation_destroys_previous_version_under_destroy() {
    rotate(Some("DESTROY"), "DESTROYED");
}

#[test]
fn rotation_keeps_previous_version_under_keep() {
    rotate(Some("KEEP"), "ENABLED");
}

/// A username change patches the repository in place: no replacement, no
/// new version.
#[test]
fn username_change_is_in_place() {
    let emu = emulator_with_repo(&[]);
    let body = |username: &str| {
        format!(
            "{}\n  username  = \"{username}\"\n  timeouts {{\n    create = \"5m\"\n    update = \"5m\"\n  }}",
            token_lines("pypi-token", TOKEN)
        )
    };
    let wd = apply_single(&emu, &body("__token__"));
    let target = Target::new(&emu, "pypi-remote", "pypi-token");
    let version = target.assert_configured(TOKEN, "__token__");

    write_single(&wd, &emu, "pypi-remote", &body("ci-robot"));
    let planned = assert_plan_changes(&wd, "after changing the username");
    assert!(
        planned.stdout.contains("update in-place") && planned.stdout.contains("0 to add"),
        "a username change must be an in-place update (no replacement):\n{}",
        planned.stdout
    );
    assert!(
        !planned.stdout.contains("must be replaced"),
        "a username change must not replace:\n{}",
        planned.stdout
    );
    apply(&wd);
    let after = target.assert_configured(TOKEN, "ci-robot");
    assert_eq!(after, version, "a username change stores no new version");
    assert_eq!(
        target.versions().len(),
        1,
        "a username change stores no new version"
    );
    assert_plan_clean(&wd, "after the username change");
}

/// The secret lives in another project (`secret_project`); the repository
/// project's service agent gets access to it there.
#[test]
fn cross_project_secret() {
    let emu = emulator_with_repo(&["--project", "secrets-project=222222222222"]);
    let wd = apply_single(
        &emu,
        &format!(
            "  secret_id      = \"shared-pypi-token\"\n  secret_project = \"secrets-project\"\n  token          = \"{TOKEN}\""
        ),
    );
    let mut target = Target::new(&emu, "pypi-remote", "shared-pypi-token");
    target.secret_project = "secrets-project".to_string();
    target.assert_configured(TOKEN, "__token__");
    assert_eq!(
        emu.api(
            "GET",
            "/v1/projects/demo-project/secrets/shared-pypi-token",
            None
        )
        .0,
        404,
        "the secret must not be created in the repository's project"
    );
    let values = state_values(&wd, "pypi_remote_auth.x");
    assert_eq!(values["secret_project"], "secrets-project");
    assert_eq!(values["service_agent"], agent_email(PROJECT_NUMBER));
    assert_plan_clean(&wd, "after creating a cross-project secret");
}

/// A project whose Artifact Registry service agent does not exist yet: the
/// resource generates it (`create_service_agent` defaults to true).
#[test]
fn project_without_service_agent_gets_one() {
    let emu = Emulator::start_with_seed(
        &serde_json::json!({
            "projects": [
                { "id": "fresh-project", "number": "333333333333", "serviceAgent": false }
            ]
        }),
        &[],
    );
    emu.create_pypi_remote_repo("fresh-project", LOCATION, "pypi-remote");

    // Precondition: binding the agent fails while it does not exist.
    let mut target = Target::new(&emu, "pypi-remote", "probe");
    target.project = "fresh-project".to_string();
    target.project_number = "333333333333".to_string();
    target.secret_project = "fresh-project".to_string();
    target.create_secret();
    let mut policy = target.policy();
    add_member(&mut policy, ACCESSOR_ROLE, &agent_member("333333333333"));
    let (status, _) = emu.api(
        "POST",
        &format!("{}:setIamPolicy", target.secret_path()),
        Some(serde_json::json!({ "policy": policy })),
    );
    assert_eq!(
        status, 400,
        "the seeded project must start without its service agent"
    );

    let wd = apply_single(
        &emu,
        &format!(
            "  project   = \"fresh-project\"\n{}",
            token_lines("pypi-token", TOKEN)
        ),
    );
    target.secret_id = "pypi-token".to_string();
    target.assert_configured(TOKEN, "__token__");
    let values = state_values(&wd, "pypi_remote_auth.x");
    assert_eq!(values["service_agent"], agent_email("333333333333"));
    assert_eq!(values["project_number"], "333333333333");
    assert_plan_clean(&wd, "after creating the service agent");
}
