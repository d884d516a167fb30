//! Two resources on one secret, and what destroy must leave alone: the
//! other resource's repository and binding, other members and conditional
//! bindings of the secret's policy; `deletion_policy = "ABANDON"` leaves
//! everything.

mod remote_auth_common;
mod support;

use remote_auth_common::*;
use serde_json::{json, Value};
use support::{Emulator, Workdir};

const TOKEN: &str = "pypi-e2e-sharing-token-0001";

/// Resources `names` on repositories `pypi-<name>` sharing `shared-token`.
fn shared_config(emu: &Emulator, names: &[&str]) -> String {
    sharers(emu, names, "shared-token", TOKEN)
}

/// An emulator with repositories `pypi-a` and `pypi-b`, and a work
/// directory in which resources `a` and `b` on them, sharing one secret,
/// have been applied.
fn two_sharers() -> (Emulator, Workdir) {
    let emu = Emulator::start(&[]);
    emu.create_pypi_remote_repo(PROJECT, LOCATION, "pypi-a");
    emu.create_pypi_remote_repo(PROJECT, LOCATION, "pypi-b");
    let wd = Workdir::new(&support::primary_terraform());
    write_main(&wd, &shared_config(&emu, &["a", "b"]));
    apply(&wd);
    (emu, wd)
}

/// Two repositories of one project share a secret; removing one resource
/// from the configuration leaves the other working.
#[test]
fn destroying_one_sharer_keeps_the_other_working() {
    let (emu, wd) = two_sharers();
    let a = Target::new(&emu, "pypi-a", "shared-token");
    let b = Target::new(&emu, "pypi-b", "shared-token");
    a.assert_configured(TOKEN, "__token__");
    b.assert_configured(TOKEN, "__token__");
    assert_plan_clean(&wd, "after creating two sharers");

    write_main(&wd, &shared_config(&emu, &["a"]));
    let out = assert_plan_changes(&wd, "after removing b from the configuration");
    assert!(out.stdout.contains("1 to destroy"), "{}", out.stdout);
    apply(&wd);

    assert_eq!(
        b.credentials(),
        None,
        "the destroyed resource's repository has no credentials"
    );
    assert_eq!(
        a.secret_status(),
        200,
        "the shared secret survives while a still uses it"
    );
    a.assert_configured(TOKEN, "__token__");
    assert_plan_clean(&wd, "after destroying b");
}

/// Destroy with `-target`: same guarantee through the other path.
#[test]
fn targeted_destroy_of_one_sharer_keeps_the_other_working() {
    let (emu, wd) = two_sharers();

    wd.tf_ok(&[
        "destroy",
        "-auto-approve",
        "-no-color",
        "-target=pypi_remote_auth.a",
    ]);
    let a = Target::new(&emu, "pypi-a", "shared-token");
    let b = Target::new(&emu, "pypi-b", "shared-token");
    assert_eq!(
        a.credentials(),
        None,
        "the destroyed resource's repository has no credentials"
    );
    b.assert_configured(TOKEN, "__token__");
}

/// Policy entries the resource does not own, written before destroy.
fn foreign_bindings() -> Vec<Value> {
    vec![
        json!({ "role": ACCESSOR_ROLE, "members": ["user:alice@example.com"] }),
        json!({
            "role": ACCESSOR_ROLE,
            "members": ["user:bob@example.com"],
            "condition": {
                "title": "business-hours",
                "description": "only during the day",
                "expression": "request.time.getHours(\"Europe/Berlin\") < 18"
            }
        }),
        json!({ "role": "roles/secretmanager.viewer", "members": ["group:ops@example.com"] }),
    ]
}

/// Destroy removes only what the resource added: other members of the same
/// role, conditional bindings and other roles stay; the repository ends
/// without credentials; the secret it did not create stays.
#[test]
fn destroy_keeps_foreign_policy_entries_and_clears_credentials() {
    let emu = emulator_with_repo(&[]);
    let target = Target::new(&emu, "pypi-remote", "team-secret");
    target.create_secret();
    let mut policy = target.policy();
    policy["version"] = json!(3);
    policy["bindings"] = Value::Array(foreign_bindings());
    target.set_policy(policy);

    let wd = apply_single(&emu, &token_lines("team-secret", TOKEN));
    let version = target.assert_configured(TOKEN, "__token__");
    assert_plan_clean(&wd, "after create on an existing secret");

    destroy(&wd);
    assert_eq!(
        target.credentials(),
        None,
        "destroy leaves the repository without credentials"
    );
    assert_eq!(
        target.secret_status(),
        200,
        "a secret the resource did not create is kept"
    );
    assert_eq!(
        target.version_state(&version),
        "DESTROYED",
        "destroy destroys the versions the resource created"
    );
    let after = target.policy();
    assert!(
        !target.agent_has_access(),
        "the agent's membership the resource added is removed: {after:#}"
    );
    let bindings = after["bindings"].as_array().cloned().unwrap_or_default();
    for expected in foreign_bindings() {
        let condition = expected.get("condition").cloned().unwrap_or(Value::Null);
        let found = bindings.iter().any(|b| {
            b["role"] == expected["role"]
                && b.get("condition").cloned().unwrap_or(Value::Null) == condition
                && expected["members"].as_array().is_some_and(|want| {
                    want.iter()
                        .all(|m| b["members"].as_array().is_some_and(|have| have.contains(m)))
                })
        });
        assert!(
            found,
            "destroy lost {expected:#} from the policy: {after:#}"
        );
    }
    assert_eq!(
        after["version"], 3,
        "policy version 3 (conditions) is kept: {after:#}"
    );
}

/// `deletion_policy = "ABANDON"`: destroy forgets, and touches nothing.
#[test]
fn abandon_leaves_everything() {
    let emu = emulator_with_repo(&[]);
    let wd = apply_single(
        &emu,
        &format!("  secret_id       = \"pypi-token\"\n  token           = \"{TOKEN}\"\n  deletion_policy = \"ABANDON\""),
    );
    let target = Target::new(&emu, "pypi-remote", "pypi-token");
    let version = target.assert_configured(TOKEN, "__token__");
    let before = emu.requests().len();
    destroy(&wd);
    assert!(
        !in_state(&wd, "pypi_remote_auth.x"),
        "ABANDON still forgets the resource"
    );
    assert_no_mutation_since(&emu, before, "destroy with deletion_policy = ABANDON");
    assert_eq!(
        target.assert_configured(TOKEN, "__token__"),
        version,
        "everything is left as it was"
    );
}

/// A secret whose annotations have no room left for one more repository
/// (Secret Manager allows 16 KiB of keys and values): the apply says so,
/// names the limit, and changes nothing (the check comes before any write).
#[test]
fn a_secret_without_annotation_room_is_refused_before_any_change() {
    let mut annotations = serde_json::Map::new();
    for i in 0..4 {
        annotations.insert(format!("team-note-{i}"), json!("x".repeat(4060)));
    }
    let seed = json!({
        "projects": [{ "id": PROJECT, "number": PROJECT_NUMBER }],
        "repositories": [seed_repository(PROJECT, "pypi-remote")],
        "secrets": [{ "project": PROJECT, "secretId": "full-token", "annotations": annotations }],
    });
    let emu = Emulator::start_with_seed(&seed, &[]);
    let wd = Workdir::new(&support::primary_terraform());
    write_single(&wd, &emu, "pypi-remote", &token_lines("full-token", TOKEN));
    let before = emu.requests().len();
    let out = wd.tf(&["apply", "-auto-approve", "-no-color", "-input=false"]);
    assert_ne!(out.code, 0, "{}", out.stdout);
    let text = flat(&out);
    assert!(
        text.contains("Too many repositories share this secret") && text.contains("16384 bytes"),
        "{text}"
    );
    // The create sent first (the secret may not exist) answers 409 and
    // changes nothing; no write may succeed.
    let writes: Vec<Value> = emu
        .requests()
        .into_iter()
        .skip(before)
        .filter(|e| e["method"] != "GET" && e["status"].as_u64().is_some_and(|s| s < 300))
        .filter(|e| {
            !e["path"]
                .as_str()
                .is_some_and(|p| p.ends_with(":testIamPermissions"))
        })
        .collect();
    assert!(writes.is_empty(), "writes succeeded: {writes:#?}");
    let secret = Target::new(&emu, "pypi-remote", "full-token").secret();
    assert_eq!(
        secret["annotations"].as_object().map(|a| a.len()),
        Some(4),
        "{secret}"
    );
}
