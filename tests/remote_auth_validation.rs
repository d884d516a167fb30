//! Invalid configurations of `pypi_remote_auth`: each gets its error
//! diagnostic naming the attribute, and no mutating request reaches the
//! emulator (only GETs and the read-only `:testIamPermissions` /
//! `:getIamPolicy`). A token without the `pypi-` prefix only warns.

mod remote_auth_common;
mod support;

use remote_auth_common::*;
use serde_json::json;
use support::{Emulator, TfOutput, Workdir};

const TOKEN: &str = "pypi-e2e-validation-token-0001";

/// Plans `body` as the resource `x` on repository `repository` against a
/// fresh emulator (whose PyPI remote repository `pypi-remote` exists, plus
/// whatever `setup` creates), asserting no mutating request was made.
fn plan_invalid(repository: &str, body: &str, setup: impl FnOnce(&Emulator)) -> TfOutput {
    let emu = emulator_with_repo(&[]);
    setup(&emu);
    let since = emu.requests().len();
    let wd = Workdir::new(&support::primary_terraform());
    write_single(&wd, &emu, repository, body);
    let out = wd.tf(&["plan", "-no-color", "-input=false"]);
    assert_no_mutation_since(
        &emu,
        since,
        &format!("plan of an invalid configuration ({body})"),
    );
    // The same configuration must not get through an apply either.
    let applied = wd.tf(&["apply", "-auto-approve", "-no-color", "-input=false"]);
    assert_ne!(
        applied.code, 0,
        "apply of an invalid configuration succeeded:\n{}",
        applied.stdout
    );
    assert_no_mutation_since(
        &emu,
        since,
        &format!("apply of an invalid configuration ({body})"),
    );
    out
}

fn with_token(extra: &str) -> String {
    format!("{}\n{extra}", token_lines("pypi-token", TOKEN))
}

#[test]
fn malformed_repository_id() {
    let out = plan_invalid("Bad Repo!", &with_token(""), |_| {});
    assert_error_on(&out, "repository");
}

#[test]
fn malformed_full_repository_name() {
    let out = plan_invalid(
        "projects/demo-project/repositories/pypi-remote",
        &with_token(""),
        |_| {},
    );
    assert_error_on(&out, "repository");
}

#[test]
fn malformed_project_id() {
    let out = plan_invalid(
        "pypi-remote",
        &with_token("  project = \"Not_A_Project!\""),
        |_| {},
    );
    assert_error_on(&out, "project");
}

#[test]
fn malformed_secret_id() {
    let out = plan_invalid("pypi-remote", &token_lines("bad secret/id", TOKEN), |_| {});
    assert_error_on(&out, "secret_id");
}

#[test]
fn empty_token() {
    let out = plan_invalid("pypi-remote", &token_lines("pypi-token", ""), |_| {});
    assert_error_on(&out, "token");
}

#[test]
fn empty_username() {
    let out = plan_invalid("pypi-remote", &with_token("  username = \"\""), |_| {});
    assert_error_on(&out, "username");
}

#[test]
fn both_token_and_token_wo() {
    let out = plan_invalid(
        "pypi-remote",
        &with_token(&format!(
            "  token_wo         = \"{TOKEN}\"\n  token_wo_version = 1"
        )),
        |_| {},
    );
    assert_error_on_any(&out, &["token", "token_wo"]);
}

#[test]
fn neither_token_nor_token_wo() {
    let out = plan_invalid("pypi-remote", "  secret_id = \"pypi-token\"", |_| {});
    assert_error_on_any(&out, &["token", "token_wo"]);
}

#[test]
fn token_wo_without_version() {
    let out = plan_invalid(
        "pypi-remote",
        &format!("  secret_id = \"pypi-token\"\n  token_wo  = \"{TOKEN}\""),
        |_| {},
    );
    assert_error_on(&out, "token_wo_version");
}

#[test]
fn bad_previous_version_policy() {
    let out = plan_invalid(
        "pypi-remote",
        &with_token("  previous_version_policy = \"SOMETIMES\""),
        |_| {},
    );
    assert_error_on(&out, "previous_version_policy");
}

#[test]
fn bad_deletion_policy() {
    let out = plan_invalid(
        "pypi-remote",
        &with_token("  deletion_policy = \"SHRED\""),
        |_| {},
    );
    assert_error_on(&out, "deletion_policy");
}

#[test]
fn standard_repository_is_refused() {
    let out = plan_invalid("pypi-standard", &with_token(""), |emu| {
        emu.create_repo(
            PROJECT,
            LOCATION,
            "pypi-standard",
            json!({ "format": "PYTHON", "mode": "STANDARD_REPOSITORY" }),
        );
    });
    assert_error_on(&out, "repository");
    assert!(
        out.stderr.contains("STANDARD_REPOSITORY") || out.stdout.contains("STANDARD_REPOSITORY"),
        "the error should say what was found:\n{}",
        out.stderr
    );
}

#[test]
fn docker_remote_is_refused() {
    let out = plan_invalid("docker-remote", &with_token(""), |emu| {
        emu.create_repo(
            PROJECT,
            LOCATION,
            "docker-remote",
            json!({
                "format": "DOCKER",
                "mode": "REMOTE_REPOSITORY",
                "remoteRepositoryConfig": { "dockerRepository": { "publicRepository": "DOCKER_HUB" } }
            }),
        );
    });
    assert_error_on(&out, "repository");
    assert!(
        out.stderr.contains("DOCKER") || out.stdout.contains("DOCKER"),
        "the error should say what was found:\n{}",
        out.stderr
    );
}

#[test]
fn missing_repository_is_refused() {
    let out = plan_invalid("no-such-repo", &with_token(""), |_| {});
    assert_error_on(&out, "repository");
    let text = format!("{}{}", out.stdout, out.stderr).to_lowercase();
    assert!(
        text.contains("not found") || text.contains("does not exist"),
        "{text}"
    );
}

/// A token without the `pypi-` prefix is suspicious but allowed: a warning,
/// and the plan goes ahead (still without any mutating call).
#[test]
fn token_without_pypi_prefix_only_warns() {
    let emu = emulator_with_repo(&[]);
    let since = emu.requests().len();
    let wd = Workdir::new(&support::primary_terraform());
    let body = token_lines("pypi-token", "not-a-pypi-looking-token");
    write_single(&wd, &emu, "pypi-remote", &body);
    let out = plan(&wd);
    assert_eq!(
        out.code, 2,
        "the plan must go ahead:\n{}\n{}",
        out.stdout, out.stderr
    );
    let text = format!("{}\n{}", out.stdout, out.stderr);
    assert!(text.contains("Warning"), "expected a warning:\n{text}");
    assert!(
        text.contains("pypi-"),
        "the warning should mention the `pypi-` prefix:\n{text}"
    );
    assert_no_mutation_since(&emu, since, "plan with a warning");
}
