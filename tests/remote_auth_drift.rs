//! Out-of-band changes to what `pypi_remote_auth` manages: each one shows in
//! `terraform plan -detailed-exitcode` (exit 2) and the next apply repairs
//! it (then plan exit 0); a deleted repository or cleared credentials take
//! the resource out of state.

mod remote_auth_common;
mod support;

use remote_auth_common::*;
use support::{Emulator, Workdir};

const TOKEN: &str = "pypi-e2e-drift-token-0001";

/// A created resource, ready to be tampered with.
struct Fixture {
    /// Emulator holding the objects (kept alive for the test).
    emu: Emulator,
    /// Terraform working directory with the applied configuration.
    wd: Workdir,
    /// Version in use right after create.
    version: String,
}

impl Fixture {
    fn new() -> Fixture {
        let emu = emulator_with_repo(&[]);
        let wd = apply_single(&emu, &token_lines("pypi-token", TOKEN));
        let version =
            Target::new(&emu, "pypi-remote", "pypi-token").assert_configured(TOKEN, "__token__");
        assert_plan_clean(&wd, "right after create");
        Fixture { emu, wd, version }
    }

    fn target(&self) -> Target<'_> {
        Target::new(&self.emu, "pypi-remote", "pypi-token")
    }

    /// Plan shows the drift, apply repairs it, the next plan is clean, and
    /// the emulator again holds what Google's guide prescribes. Returns the
    /// version in use after the repair.
    fn detect_and_repair(&self, what: &str) -> String {
        assert_plan_changes(&self.wd, &format!("after {what}"));
        apply(&self.wd);
        assert_plan_clean(&self.wd, &format!("after repairing {what}"));
        let version = self.target().assert_configured(TOKEN, "__token__");
        assert_eq!(
            state_values(&self.wd, "pypi_remote_auth.x")["secret_version"],
            version.as_str(),
            "state follows the repaired version"
        );
        version
    }
}

#[test]
fn repository_repointed_elsewhere_is_repaired() {
    let fx = Fixture::new();
    let target = fx.target();
    let other = target.add_version("pypi-someone-elses-token");
    target.set_credentials("__token__", &other);
    let repaired = fx.detect_and_repair("repointing the repository to another version");
    assert_ne!(
        repaired, other,
        "the repository must not keep the foreign version"
    );
}

#[test]
fn username_changed_out_of_band_is_repaired() {
    let fx = Fixture::new();
    fx.target().set_credentials("intruder", &fx.version);
    let out = assert_plan_changes(&fx.wd, "after changing the username out of band");
    assert!(
        out.stdout.contains("intruder") && out.stdout.contains("__token__"),
        "the plan should show the username going back from the actual value:\n{}",
        out.stdout
    );
    apply(&fx.wd);
    assert_plan_clean(&fx.wd, "after repairing the username");
    fx.target().assert_configured(TOKEN, "__token__");
}

#[test]
fn removed_binding_is_repaired() {
    let fx = Fixture::new();
    fx.target().revoke_agent();
    fx.detect_and_repair("removing the accessor binding");
}

#[test]
fn disabled_version_is_repaired() {
    let fx = Fixture::new();
    api_ok(
        &fx.emu,
        "POST",
        &format!("/v1/{}:disable", fx.version),
        Some(serde_json::json!({})),
    );
    let repaired = fx.detect_and_repair("disabling the version in use");
    assert_ne!(
        repaired, fx.version,
        "the spec says a new version is stored"
    );
}

#[test]
fn destroyed_version_is_repaired() {
    let fx = Fixture::new();
    api_ok(
        &fx.emu,
        "POST",
        &format!("/v1/{}:destroy", fx.version),
        Some(serde_json::json!({})),
    );
    let repaired = fx.detect_and_repair("destroying the version in use");
    assert_ne!(
        repaired, fx.version,
        "a destroyed version cannot come back: a new one is stored"
    );
}

#[test]
fn deleted_secret_is_repaired() {
    let fx = Fixture::new();
    let target = fx.target();
    api_ok(&fx.emu, "DELETE", &target.secret_path(), None);
    assert_eq!(target.secret_status(), 404);
    fx.detect_and_repair("deleting the secret");
    assert_eq!(target.secret_status(), 200, "the secret is recreated");
}

#[test]
fn cleared_credentials_are_drift_and_repaired_in_place() {
    let fx = Fixture::new();
    fx.target().clear_credentials();
    assert_eq!(
        fx.target().credentials(),
        None,
        "precondition: credentials cleared"
    );
    let out = assert_plan_changes(&fx.wd, "after clearing the repository's credentials");
    assert!(
        out.stdout.contains("pypi_remote_auth.x will be updated in-place")
            && out.stdout.contains("credentials were removed"),
        "with its credentials gone the resource stays in state (its secret and grant still exist) and is repaired:\n{}",
        out.stdout
    );
    apply(&fx.wd);
    assert_plan_clean(&fx.wd, "after the repair");
    fx.target().assert_configured(TOKEN, "__token__");
}

#[test]
fn deleted_repository_removes_the_resource_from_state() {
    let fx = Fixture::new();
    api_ok(&fx.emu, "DELETE", &fx.target().repo_path(), None);
    assert_eq!(
        fx.emu.api("GET", &fx.target().repo_path(), None).0,
        404,
        "precondition"
    );
    // The repository is gone, so a normal plan for creation fails on the
    // missing repository; a refresh shows the resource leaving state.
    let out = fx
        .wd
        .tf(&["plan", "-refresh-only", "-no-color", "-input=false"]);
    assert_eq!(
        out.code, 0,
        "plan -refresh-only:\n{}\n{}",
        out.stdout, out.stderr
    );
    assert!(
        out.stdout.contains("has been deleted"),
        "refresh should report the resource deleted:\n{}",
        out.stdout
    );
    fx.wd.tf_ok(&[
        "apply",
        "-refresh-only",
        "-auto-approve",
        "-no-color",
        "-input=false",
    ]);
    assert!(
        !in_state(&fx.wd, "pypi_remote_auth.x"),
        "a deleted repository takes the resource out of state"
    );

    // Recreating the repository: the next plan creates the resource anew.
    fx.emu
        .create_pypi_remote_repo(PROJECT, LOCATION, "pypi-remote");
    let out = assert_plan_changes(&fx.wd, "after recreating the repository");
    assert!(
        out.stdout.contains("pypi_remote_auth.x will be created"),
        "{}",
        out.stdout
    );
}
