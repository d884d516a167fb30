//! Import of credentials configured by hand (Google's guide done with
//! the API): by each ID form with `terraform import`, by `import {}` block
//! and by identity. The next plan changes no remote object (at most an
//! in-place update of `token`) and the first apply stores no new version.

mod remote_auth_common;
mod support;

use remote_auth_common::*;
use serde_json::Value;
use support::{Emulator, Workdir};

const TOKEN: &str = "pypi-e2e-import-token-0001";
const ADDRESS: &str = "pypi_remote_auth.x";

/// An emulator whose repository was configured by hand, and a working
/// directory whose configuration describes the same thing.
fn hand_configured(extra_hcl: &str) -> (Emulator, Workdir, String) {
    let emu = emulator_with_repo(&[]);
    let version = Target::new(&emu, "pypi-remote", "pypi-token").configure_by_hand(TOKEN);
    let wd = Workdir::new(&support::primary_terraform());
    let hcl = format!(
        "{}\n{extra_hcl}",
        resource("x", "pypi-remote", &token_lines("pypi-token", TOKEN))
    );
    write_main(&wd, &config(&emu, &hcl));
    (emu, wd, version)
}

/// Attributes whose value differs between a planned change's before and after.
fn changed_attributes(change: &Value) -> Vec<String> {
    let before = change["before"].as_object().cloned().unwrap_or_default();
    let after = change["after"].as_object().cloned().unwrap_or_default();
    let unknown = change["after_unknown"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    let mut keys: Vec<String> = before
        .keys()
        .chain(after.keys())
        .filter(|k| {
            before.get(*k) != after.get(*k)
                || unknown.get(*k).is_some_and(|u| u != &Value::Bool(false))
        })
        .cloned()
        .collect();
    keys.sort();
    keys.dedup();
    keys
}

/// The saved plan's change for [`ADDRESS`] must touch no remote object:
/// no replacement, no create/delete; an update may only change `token`
/// and what is read from it.
/// Returns what is wrong with it, so the caller can still check the apply.
fn plan_problem(wd: &Workdir, when: &str) -> Option<String> {
    let (out, shown) = save_plan(wd, when);
    let plan: Value = serde_json::from_str(&shown.stdout).expect("plan JSON");
    let change = plan["resource_changes"]
        .as_array()
        .and_then(|all| all.iter().find(|c| c["address"] == ADDRESS))
        .unwrap_or_else(|| panic!("{when}: no change entry for {ADDRESS} in {plan:#}"))
        .clone();
    let actions: Vec<&str> = change["change"]["actions"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    if actions != ["no-op"] && actions != ["update"] {
        return Some(format!(
            "{when}: expected no-op or an in-place update, got {actions:?}:\n{}",
            out.stdout
        ));
    }
    let changed = changed_attributes(&change["change"]);
    // The configured token is new to the state; so are the facts read from
    // it (`token_expires_at`, `token_scope`), which need no new version.
    let learned = ["token", "token_expires_at", "token_scope"];
    if changed.iter().any(|k| !learned.contains(&k.as_str())) {
        return Some(format!(
            "{when}: only `token` may change after import, but {changed:?} do:\n{}",
            out.stdout
        ));
    }
    None
}

/// After import: a harmless plan, an apply that stores no version, a clean
/// plan. A plan problem is reported last, after the apply was checked too.
fn assert_adopted(emu: &Emulator, wd: &Workdir, version: &str, when: &str) {
    let target = Target::new(emu, "pypi-remote", "pypi-token");
    let problem = plan_problem(wd, when);
    apply(wd);
    assert_eq!(
        target.versions().len(),
        1,
        "{when}: the first apply after import stored a new version"
    );
    assert_eq!(
        target.assert_configured(TOKEN, "__token__"),
        version,
        "{when}: version in use changed"
    );
    assert_plan_clean(wd, &format!("{when}, after the first apply"));
    let values = state_values(wd, ADDRESS);
    assert_eq!(values["secret_version"], version, "{when}");
    assert_eq!(values["secret_id"], "pypi-token", "{when}");
    assert_eq!(values["project_number"], PROJECT_NUMBER, "{when}");
    if let Some(problem) = problem {
        panic!("{problem}");
    }
}

fn import_cli(id: &str) {
    let (emu, wd, version) = hand_configured("");
    wd.tf_ok(&["import", "-no-color", "-input=false", ADDRESS, id]);
    let values = state_values(&wd, ADDRESS);
    assert_eq!(
        values["id"],
        format!("projects/{PROJECT}/locations/{LOCATION}/repositories/pypi-remote"),
        "import by {id:?} normalises the id"
    );
    assert_eq!(
        values["secret_version"],
        version.as_str(),
        "import reads the version in use"
    );
    assert_eq!(values["username"], "__token__");
    assert_eq!(values["service_agent"], agent_email(PROJECT_NUMBER));
    assert_adopted(&emu, &wd, &version, &format!("terraform import {id}"));
}

#[test]
fn import_by_full_name() {
    import_cli(&format!(
        "projects/{PROJECT}/locations/{LOCATION}/repositories/pypi-remote"
    ));
}

#[test]
fn import_by_project_location_repository() {
    import_cli(&format!("{PROJECT}/{LOCATION}/pypi-remote"));
}

#[test]
fn import_by_location_repository_uses_provider_project() {
    import_cli(&format!("{LOCATION}/pypi-remote"));
}

#[test]
fn import_block_by_id() {
    let (emu, wd, version) = hand_configured(&format!(
        "import {{\n  to = {ADDRESS}\n  id = \"projects/{PROJECT}/locations/{LOCATION}/repositories/pypi-remote\"\n}}\n"
    ));
    assert_adopted(&emu, &wd, &version, "import block by id");
}

#[test]
fn import_block_by_identity() {
    let tf = support::primary_terraform();
    assert!(tf.at_least(1, 12), "identity import needs Terraform 1.12+");
    let (emu, wd, version) = hand_configured(&format!(
        "import {{\n  to = {ADDRESS}\n  identity = {{\n    project    = \"{PROJECT}\"\n    location   = \"{LOCATION}\"\n    repository = \"pypi-remote\"\n  }}\n}}\n"
    ));
    assert_adopted(&emu, &wd, &version, "import block by identity");
    let state = wd.state_json();
    let identity = state["values"]["root_module"]["resources"]
        .as_array()
        .and_then(|all| all.iter().find(|r| r["address"] == ADDRESS))
        .map(|r| r["identity"].clone())
        .unwrap_or(Value::Null);
    assert_eq!(
        identity["repository"], "pypi-remote",
        "identity in state: {state:#}"
    );
    assert_eq!(identity["project"], PROJECT, "identity in state");
    assert_eq!(identity["location"], LOCATION, "identity in state");
}

#[test]
fn import_of_unknown_repository_fails() {
    let (_emu, wd, _) = hand_configured("");
    let out = wd.tf(&[
        "import",
        "-no-color",
        "-input=false",
        ADDRESS,
        &format!("{LOCATION}/no-such-repo"),
    ]);
    assert_ne!(
        out.code, 0,
        "importing a missing repository must fail:\n{}",
        out.stdout
    );
    let out = wd.tf(&[
        "import",
        "-no-color",
        "-input=false",
        ADDRESS,
        "not/a/valid/id/at/all",
    ]);
    assert_ne!(out.code, 0, "a malformed import ID must fail");
    assert!(
        format!("{}{}", out.stdout, out.stderr).contains("projects/"),
        "the error should list the accepted formats:\n{}",
        out.stderr
    );
}
