//! Moving a `pypi_remote_auth` to another secret (`secret_id` or
//! `secret_project` changes): an in-place update that sets the new secret up
//! completely (version, binding, repository repointed) before it lets go of
//! the old one, and deletes the old secret only when this resource created
//! it and nothing else uses it.

mod remote_auth_common;
mod support;

use remote_auth_common::*;
use serde_json::{json, Value};
use support::{Emulator, Workdir};

const TOKEN: &str = "pypi-e2e-move-token-0001";

/// A configuration with one resource on `pypi-remote` using `secret`
/// (`secret_id` and optionally `secret_project` lines).
fn hcl(emu: &Emulator, secret: &str) -> String {
    config(
        emu,
        &resource(
            "x",
            "pypi-remote",
            &format!("{secret}\n  token     = \"{TOKEN}\""),
        ),
    )
}

/// Asserts the plan after a secret change is an in-place update.
fn assert_in_place(wd: &Workdir) {
    let planned = assert_plan_changes(wd, "after changing the secret");
    assert!(
        planned.stdout.contains("update in-place")
            && planned.stdout.contains("0 to add")
            && !planned.stdout.contains("must be replaced"),
        "moving to another secret must be an in-place update:\n{}",
        planned.stdout
    );
}

/// Indexes (in the request log, from `since`) of successful mutating
/// requests whose path contains `fragment`.
fn mutations(emu: &Emulator, since: usize, fragment: &str) -> Vec<usize> {
    emu.requests()
        .iter()
        .enumerate()
        .skip(since)
        .filter(|(_, e)| {
            is_mutating(e)
                && e["status"].as_u64().is_some_and(|s| s < 300)
                && e["path"].as_str().is_some_and(|p| p.contains(fragment))
        })
        .map(|(i, _)| i)
        .collect()
}

/// Asserts the order of a move: every change to the new secret happened
/// before the repository was repointed, every change to the old one after.
fn assert_new_before_old(emu: &Emulator, since: usize, new: &str, old: &str, repo: &str) {
    let log = emu.requests();
    let patches = mutations(emu, since, repo);
    let Some(&repointed) = patches.first() else {
        panic!("the move never patched {repo}: {log:#?}");
    };
    let on_new = mutations(emu, since, new);
    assert!(
        !on_new.is_empty() && on_new.iter().all(|i| *i < repointed),
        "the new secret must be set up before the repository is repointed: {:#?}",
        &log[since..]
    );
    let on_old = mutations(emu, since, old);
    assert!(
        !on_old.is_empty(),
        "the old secret was not released: {:#?}",
        &log[since..]
    );
    assert!(
        on_old.iter().all(|i| *i > repointed),
        "the old secret must be released only after the repository is repointed: {:#?}",
        &log[since..]
    );
}

/// `secret_id` changes from a secret this resource created to a new one:
/// the new one is set up first, then the old one (unused now) is deleted.
#[test]
fn secret_id_change_moves_in_place_and_deletes_the_old_secret() {
    let emu = emulator_with_repo(&[]);
    let wd = Workdir::new(&support::primary_terraform());
    write_main(&wd, &hcl(&emu, "  secret_id = \"old-token\""));
    apply(&wd);
    let old = Target::new(&emu, "pypi-remote", "old-token");
    old.assert_configured(TOKEN, "__token__");

    write_main(&wd, &hcl(&emu, "  secret_id = \"new-token\""));
    assert_in_place(&wd);
    let before = emu.requests().len();
    apply(&wd);

    let new = Target::new(&emu, "pypi-remote", "new-token");
    let version = new.assert_configured(TOKEN, "__token__");
    assert_new_before_old(
        &emu,
        before,
        "/secrets/new-token",
        "/secrets/old-token",
        "/repositories/pypi-remote",
    );
    assert_eq!(
        old.secret_status(),
        404,
        "the old secret, created by this resource and used by nothing else, is deleted"
    );
    let values = state_values(&wd, "pypi_remote_auth.x");
    assert_eq!(values["secret_id"], "new-token");
    assert_eq!(values["secret_version"], version.as_str());
    assert_plan_clean(&wd, "after moving to another secret");

    destroy(&wd);
    assert_eq!(new.credentials(), None, "destroy clears the credentials");
    assert_eq!(
        new.secret_status(),
        404,
        "the secret the move created is deleted on destroy"
    );
}

/// A foreign policy entry on the old secret that the move must keep.
fn foreign_reader() -> Value {
    json!({ "role": ACCESSOR_ROLE, "members": ["user:alice@example.com"] })
}

/// Moving away from a secret this resource did not create keeps that
/// secret and its foreign policy entries, and removes only what the
/// resource added there: the agent's binding, its annotations, its version.
#[test]
fn moving_away_from_a_foreign_secret_releases_only_what_the_resource_added() {
    let emu = emulator_with_repo(&[]);
    let old = Target::new(&emu, "pypi-remote", "team-token");
    old.create_secret();
    let mut policy = old.policy();
    policy["bindings"] = json!([foreign_reader()]);
    old.set_policy(policy);

    let wd = Workdir::new(&support::primary_terraform());
    write_main(&wd, &hcl(&emu, "  secret_id = \"team-token\""));
    apply(&wd);
    let old_version = old.assert_configured(TOKEN, "__token__");
    assert!(
        !old.provider_annotations().is_empty(),
        "the resource records itself on the secret it uses"
    );

    write_main(&wd, &hcl(&emu, "  secret_id = \"own-token\""));
    assert_in_place(&wd);
    let before = emu.requests().len();
    apply(&wd);

    let new = Target::new(&emu, "pypi-remote", "own-token");
    new.assert_configured(TOKEN, "__token__");
    assert_new_before_old(
        &emu,
        before,
        "/secrets/own-token",
        "/secrets/team-token",
        "/repositories/pypi-remote",
    );
    assert_eq!(old.secret_status(), 200, "a foreign secret is kept");
    assert!(
        !old.agent_has_access(),
        "the binding the resource added on the old secret is removed: {:#}",
        old.policy()
    );
    assert!(
        unconditional_members(&old.policy(), ACCESSOR_ROLE)
            .contains(&"user:alice@example.com".to_string()),
        "foreign members of the old secret are kept: {:#}",
        old.policy()
    );
    assert_eq!(
        old.provider_annotations(),
        Vec::<String>::new(),
        "the resource's annotations leave the old secret"
    );
    assert_eq!(
        old.version_state(&old_version),
        "DESTROYED",
        "the version the resource stored in the old secret is destroyed"
    );
    assert_plan_clean(&wd, "after moving away from a foreign secret");
}

/// `secret_project` changes: the same secret ID in another project.
#[test]
fn secret_project_change_moves_in_place() {
    let emu = emulator_with_repo(&["--project", "secrets-project=222222222222"]);
    let wd = Workdir::new(&support::primary_terraform());
    write_main(&wd, &hcl(&emu, "  secret_id = \"pypi-token\""));
    apply(&wd);
    let old = Target::new(&emu, "pypi-remote", "pypi-token");
    old.assert_configured(TOKEN, "__token__");

    write_main(
        &wd,
        &hcl(
            &emu,
            "  secret_id      = \"pypi-token\"\n  secret_project = \"secrets-project\"",
        ),
    );
    assert_in_place(&wd);
    let before = emu.requests().len();
    apply(&wd);

    let mut new = Target::new(&emu, "pypi-remote", "pypi-token");
    new.secret_project = "secrets-project".to_string();
    let version = new.assert_configured(TOKEN, "__token__");
    assert_new_before_old(
        &emu,
        before,
        "/projects/secrets-project/secrets/pypi-token",
        "/projects/demo-project/secrets/pypi-token",
        "/repositories/pypi-remote",
    );
    assert_eq!(
        old.secret_status(),
        404,
        "the old secret in the repository's project is deleted"
    );
    let values = state_values(&wd, "pypi_remote_auth.x");
    assert_eq!(values["secret_project"], "secrets-project");
    assert_eq!(values["secret_version"], version.as_str());
    assert_plan_clean(&wd, "after moving the secret to another project");

    destroy(&wd);
    assert_eq!(new.credentials(), None);
    assert_eq!(new.secret_status(), 404, "the moved-to secret is deleted");
}
