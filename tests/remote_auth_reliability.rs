//! Ambiguous failures, end to end with real Terraform: answers lost after
//! the request was applied, a later step refused, a run killed mid-flight,
//! and IAM grants that take time to propagate. After each, the next plan
//! tells the truth and the next apply converges: the repository uses the
//! configured token, no ENABLED version is left that nothing uses, and
//! destroy removes exactly what the resource made.

mod remote_auth_common;
mod support;

use std::time::Duration;

use remote_auth_common::*;
use serde_json::{json, Value};
use support::{Emulator, Workdir};

const TOKEN: &str = "pypi-e2e-reliability-token-0001";
const TOKEN2: &str = "pypi-e2e-reliability-token-0002";

/// A configuration whose token comes from an ephemeral variable into
/// `token_wo`, at `token_wo_version = version`.
fn write_only(wd: &Workdir, emu: &Emulator, version: u32) {
    let body = format!("  secret_id        = \"pypi-token\"\n  token_wo         = var.pypi_token\n  token_wo_version = {version}");
    wd.write(
        "main.tf",
        &format!(
            "variable \"pypi_token\" {{\n  type      = string\n  sensitive = true\n  ephemeral = true\n}}\n\n{}",
            config(emu, &resource("x", "pypi-remote", &body))
        ),
    );
}

/// `terraform apply` that must fail.
fn failing_apply(wd: &Workdir) -> String {
    let out = wd.tf_code(1, &["apply", "-auto-approve", "-no-color", "-input=false"]);
    flat(&out)
}

/// The numbers of the ENABLED versions of the target's secret.
fn enabled(target: &Target<'_>) -> Vec<u64> {
    target
        .versions()
        .into_iter()
        .filter(|v| v["state"] == "ENABLED")
        .filter_map(|v| v["name"].as_str().map(|n| split_version_name(n).2))
        .collect()
}

/// A version name's number.
fn number(version: &str) -> u64 {
    split_version_name(version).2
}

/// Rotation where the repository update is refused after `:addVersion`
/// succeeded: the failed apply must not leave a state that plans "No
/// changes", and the next apply must finish the rotation with the version
/// already stored (no second one) and disable the old one.
#[test]
fn a_rotation_refused_half_way_is_planned_again_and_finished() {
    let emu = emulator_with_repo(&[]);
    let mut wd = Workdir::new(&support::primary_terraform());
    wd.set_env("TF_VAR_pypi_token", TOKEN);
    write_only(&wd, &emu, 1);
    apply(&wd);
    let target = Target::new(&emu, "pypi-remote", "pypi-token");
    let first = target.assert_configured(TOKEN, "__token__");

    emu.add_fault(json!({"method": "PATCH", "path": "/repositories/pypi-remote$", "action": "refuse", "times": 0}));
    wd.set_env("TF_VAR_pypi_token", TOKEN2);
    write_only(&wd, &emu, 2);
    let text = failing_apply(&wd);
    assert!(text.contains("Injected refusal"), "{text}");
    assert_eq!(
        target.credentials().map(|c| c.1),
        Some(first.clone()),
        "the repository still uses the old version"
    );
    let planned = assert_plan_changes(&wd, "after a rotation whose repository update was refused");
    assert!(
        planned.stdout.contains("token_wo_version"),
        "the plan shows the rotation again:\n{}",
        planned.stdout
    );

    emu.clear_faults();
    apply(&wd);
    let rotated = target.assert_configured(TOKEN2, "__token__");
    assert_ne!(rotated, first);
    assert_eq!(target.version_state(&first), "DISABLED");
    assert_eq!(
        enabled(&target),
        vec![number(&rotated)],
        "the version the failed apply stored is the one in use; nothing else is ENABLED"
    );
    assert_eq!(
        target.versions().len(),
        2,
        "no second version for the same token"
    );
    assert_plan_clean(&wd, "after the finished rotation");
}

/// `:addVersion` is applied and its answer lost (503): the provider must
/// not add a second version, but find and adopt the one it stored.
#[test]
fn a_lost_add_version_answer_adds_no_second_version() {
    let emu = emulator_with_repo(&[]);
    emu.add_fault(json!({"method": "POST", "path": ":addVersion$", "action": "lose"}));
    let wd = Workdir::new(&support::primary_terraform());
    write_single(&wd, &emu, "pypi-remote", &token_lines("pypi-token", TOKEN));
    apply(&wd);
    let target = Target::new(&emu, "pypi-remote", "pypi-token");
    let version = target.assert_configured(TOKEN, "__token__");
    assert_eq!(emu.fault_hits()[0].1, 1, "the fault was injected");
    assert_eq!(
        target.versions().len(),
        1,
        "exactly one version: {:#?}",
        target.versions()
    );
    assert_eq!(enabled(&target), vec![number(&version)]);
    assert_plan_clean(&wd, "after a create whose addVersion answer was lost");

    destroy(&wd);
    assert_eq!(target.secret_status(), 404);
}

/// Every mutating method of the workflow loses its answer once (applied,
/// then 503, or the connection dropped): create, rotation and destroy
/// still converge with nothing duplicated or left behind.
#[test]
fn a_lost_answer_on_every_mutating_method_converges() {
    let methods = [
        ("POST", "/secrets$"),
        ("POST", ":addVersion$"),
        ("POST", ":setIamPolicy$"),
        ("PATCH", "/secrets/pypi-token$"),
        ("PATCH", "/repositories/pypi-remote$"),
        ("POST", ":disable$"),
        ("DELETE", "/secrets/pypi-token$"),
    ];
    for action in ["lose", "drop"] {
        let emu = emulator_with_repo(&[]);
        for (method, path) in methods {
            emu.add_fault(json!({"method": method, "path": path, "action": action}));
        }
        let wd = Workdir::new(&support::primary_terraform());
        write_single(&wd, &emu, "pypi-remote", &token_lines("pypi-token", TOKEN));
        apply(&wd);
        let target = Target::new(&emu, "pypi-remote", "pypi-token");
        let first = target.assert_configured(TOKEN, "__token__");
        write_single(&wd, &emu, "pypi-remote", &token_lines("pypi-token", TOKEN2));
        apply(&wd);
        let rotated = target.assert_configured(TOKEN2, "__token__");
        assert_eq!(
            enabled(&target),
            vec![number(&rotated)],
            "{action}: only the version in use is ENABLED"
        );
        assert_eq!(target.version_state(&first), "DISABLED", "{action}");
        assert_plan_clean(&wd, &format!("{action}: after create and rotation"));
        destroy(&wd);
        assert_eq!(
            target.secret_status(),
            404,
            "{action}: destroy deletes the secret"
        );
        let hit: u64 = emu.fault_hits().iter().map(|h| h.1).sum();
        assert!(hit >= 5, "{action}: most faults were injected ({hit})");
    }
}

/// Runs `terraform <args>` until `method path` is in flight, SIGKILLs
/// Terraform and the provider there, then lets the held request land (as a
/// request already sent does).
fn kill_during(wd: &Workdir, emu: &Emulator, args: &[&str], method: &str, path: &str) {
    emu.add_fault(json!({"method": method, "path": path, "action": "hold"}));
    let mut run = wd.spawn_tf(args);
    emu.wait_held(1, Duration::from_secs(120));
    support::kill::kill_tree(&mut run);
    emu.release_held(false);
    emu.clear_faults();
    // A killed run leaves Terraform's state lock behind in a local backend
    // only as a stale lock file with no holder; nothing to clean here.
}

/// The mutating requests of a create, in order, on a new secret.
const CREATE_STEPS: [(&str, &str); 4] = [
    ("POST", "/secrets$"),
    ("POST", ":addVersion$"),
    ("POST", ":setIamPolicy$"),
    ("PATCH", "/repositories/pypi-remote$"),
];

/// The mutating requests of a rotation.
const ROTATION_STEPS: [(&str, &str); 4] = [
    ("POST", ":addVersion$"),
    ("PATCH", "/secrets/pypi-token$"),
    ("PATCH", "/repositories/pypi-remote$"),
    ("POST", ":disable$"),
];

/// The mutating requests of a destroy.
const DESTROY_STEPS: [(&str, &str); 3] = [
    ("PATCH", "/repositories/pypi-remote$"),
    ("PATCH", "/secrets/pypi-token$"),
    ("DELETE", "/secrets/pypi-token$"),
];

const APPLY: [&str; 4] = ["apply", "-auto-approve", "-no-color", "-input=false"];
const DESTROY: [&str; 4] = ["destroy", "-auto-approve", "-no-color", "-input=false"];

/// A work directory, initialised, whose configuration holds `token`.
fn workdir(emu: &Emulator, token: &str) -> Workdir {
    let wd = Workdir::new(&support::primary_terraform());
    write_single(&wd, emu, "pypi-remote", &token_lines("pypi-token", token));
    wd.tf_ok(&["init", "-no-color", "-input=false"]);
    wd
}

/// After a killed run and one more apply: converged, nothing orphaned, and
/// destroy removes everything.
fn assert_recovers(wd: &Workdir, emu: &Emulator, token: &str, when: &str) {
    apply(wd);
    let target = Target::new(emu, "pypi-remote", "pypi-token");
    let version = target.assert_configured(token, "__token__");
    assert_eq!(
        enabled(&target),
        vec![number(&version)],
        "{when}: no orphan ENABLED version"
    );
    assert_plan_clean(wd, when);
    destroy(wd);
    assert_eq!(
        target.secret_status(),
        404,
        "{when}: destroy removes what the runs made"
    );
    assert_eq!(target.credentials(), None, "{when}");
}

/// SIGKILL during each mutating step of a create, then apply and destroy.
#[test]
fn a_create_killed_at_any_step_converges() {
    for (method, path) in CREATE_STEPS {
        let emu = emulator_with_repo(&[]);
        let wd = workdir(&emu, TOKEN);
        kill_during(&wd, &emu, &APPLY, method, path);
        assert_recovers(
            &wd,
            &emu,
            TOKEN,
            &format!("create killed at {method} {path}"),
        );
    }
}

/// SIGKILL during each mutating step of a rotation, then apply and destroy.
#[test]
fn a_rotation_killed_at_any_step_converges() {
    for (method, path) in ROTATION_STEPS {
        let emu = emulator_with_repo(&[]);
        let wd = workdir(&emu, TOKEN);
        apply(&wd);
        write_single(&wd, &emu, "pypi-remote", &token_lines("pypi-token", TOKEN2));
        kill_during(&wd, &emu, &APPLY, method, path);
        assert_recovers(
            &wd,
            &emu,
            TOKEN2,
            &format!("rotation killed at {method} {path}"),
        );
    }
}

/// SIGKILL during each mutating step of a destroy, then apply and destroy.
#[test]
fn a_destroy_killed_at_any_step_is_finished_by_the_next() {
    for (method, path) in DESTROY_STEPS {
        let emu = emulator_with_repo(&[]);
        let wd = workdir(&emu, TOKEN);
        apply(&wd);
        kill_during(&wd, &emu, &DESTROY, method, path);
        // Terraform's local state may or may not still hold the resource
        // (a SIGKILL can cut its own state write short): apply brings back
        // what the configuration says either way, adopting what is left.
        apply(&wd);
        destroy(&wd);
        let target = Target::new(&emu, "pypi-remote", "pypi-token");
        assert_eq!(
            target.secret_status(),
            404,
            "destroy killed at {method} {path}"
        );
        assert_eq!(
            target.credentials(),
            None,
            "destroy killed at {method} {path}"
        );
    }
}

/// On a secret made by hand (with a person's own version in it), a run
/// killed after `:addVersion` answered but before the new version was
/// claimed: nothing else tells that version from the person's, so the marker
/// written before `:addVersion` lets the next apply find and use it. No
/// ENABLED version of the provider's is left besides the one in use, and the
/// person's version is untouched. For a create and for a rotation.
#[test]
fn a_run_killed_before_claiming_its_version_on_a_hand_made_secret_leaves_no_orphan() {
    // Writes of the secret's annotations before the claim: the user record
    // and the adding marker on a create, the marker alone on a rotation.
    for (rotation, writes_before_claim) in [(false, 2), (true, 1)] {
        let emu = emulator_with_repo(&[]);
        let target = Target::new(&emu, "pypi-remote", "team-token");
        target.create_secret();
        let theirs = target.add_version("a person's own value");
        let wd = Workdir::new(&support::primary_terraform());
        write_single(&wd, &emu, "pypi-remote", &token_lines("team-token", TOKEN));
        wd.tf_ok(&["init", "-no-color", "-input=false"]);
        let token = if rotation {
            apply(&wd);
            write_single(&wd, &emu, "pypi-remote", &token_lines("team-token", TOKEN2));
            TOKEN2
        } else {
            TOKEN
        };
        let when = if rotation { "rotation" } else { "create" };
        emu.add_fault(json!({
            "method": "PATCH", "path": "/secrets/team-token$", "action": "hold",
            "after": writes_before_claim,
        }));
        let mut run = wd.spawn_tf(&APPLY);
        emu.wait_held(1, Duration::from_secs(120));
        support::kill::kill_tree(&mut run);
        emu.release_held(true);
        emu.clear_faults();
        let added = target.versions().len();

        apply(&wd);
        let version = target.assert_configured(token, "__token__");
        assert_eq!(
            target.versions().len(),
            added,
            "{when}: the version the killed run added is used, not a new one"
        );
        let mut want = vec![number(&theirs), number(&version)];
        want.sort_unstable();
        let mut found = enabled(&target);
        found.sort_unstable();
        assert_eq!(found, want, "{when}: no orphan ENABLED version");
        assert_plan_clean(&wd, when);
        destroy(&wd);
        assert_eq!(
            enabled(&target),
            vec![number(&theirs)],
            "{when}: destroy leaves the person's version alone"
        );
        assert!(
            target.provider_annotations().is_empty(),
            "{when}: destroy removes this resource's record: {:?}",
            target.provider_annotations()
        );
    }
}

/// On a secret made by hand, the answer to `setIamPolicy` is lost: the
/// grant still counts as this resource's, and destroy removes it.
#[test]
fn a_lost_set_iam_policy_answer_still_counts_as_our_grant() {
    let emu = emulator_with_repo(&[]);
    let target = Target::new(&emu, "pypi-remote", "team-token");
    target.create_secret();
    emu.add_fault(json!({"method": "POST", "path": ":setIamPolicy$", "action": "lose"}));
    let wd = Workdir::new(&support::primary_terraform());
    write_single(&wd, &emu, "pypi-remote", &token_lines("team-token", TOKEN));
    apply(&wd);
    target.assert_configured(TOKEN, "__token__");
    assert_eq!(emu.fault_hits()[0].1, 1, "the fault was injected");

    destroy(&wd);
    assert_eq!(target.secret_status(), 200, "a secret made by hand is kept");
    assert!(
        !target.agent_has_access(),
        "the grant whose answer was lost is removed: {:#}",
        target.policy()
    );
}

/// Grants take 8 s to reach Artifact Registry's upstream check: the create
/// waits them out within its timeout instead of failing.
#[test]
fn a_create_waits_for_its_grant_to_propagate() {
    let emu = emulator_with_repo(&["--iam-propagation-ms", "8000"]);
    let wd = Workdir::new(&support::primary_terraform());
    write_single(&wd, &emu, "pypi-remote", &token_lines("pypi-token", TOKEN));
    apply(&wd);
    let target = Target::new(&emu, "pypi-remote", "pypi-token");
    target.assert_configured(TOKEN, "__token__");
    let refused = emu
        .requests()
        .iter()
        .filter(|e| e["method"] == "PATCH" && e["status"] == 400)
        .count();
    assert!(
        refused > 0,
        "the upstream check refused while the grant propagated"
    );
    assert_eq!(target.versions().len(), 1);
}

/// A token the upstream rejects fails at once with Google's explanation,
/// instead of waiting for a propagation that would change nothing.
#[test]
fn a_rejected_token_fails_without_waiting_for_the_timeout() {
    let emu = emulator_with_repo(&[]);
    let crc = crc32c::crc32c(TOKEN.as_bytes());
    emu.api_ok_settings(json!({"rejected_tokens_crc32c": [crc]}));
    let wd = Workdir::new(&support::primary_terraform());
    write_single(
        &wd,
        &emu,
        "pypi-remote",
        &format!(
            "{}\n  timeouts {{\n    create = \"10m\"\n  }}",
            token_lines("pypi-token", TOKEN)
        ),
    );
    let text = failing_apply(&wd);
    assert!(text.contains("failed to fetch bearer token"), "{text}");
    let patches = emu
        .requests()
        .iter()
        .filter(|e| {
            e["method"] == "PATCH"
                && e["path"]
                    .as_str()
                    .is_some_and(|p| p.contains("/repositories/"))
        })
        .count();
    assert_eq!(patches, 1, "a rejected token is not retried");
}

/// `terraform apply -refresh-only` after an out-of-band repoint reports the
/// drift; the next apply repairs it.
#[test]
fn refresh_only_reports_a_repoint_and_apply_repairs_it() {
    let emu = emulator_with_repo(&[]);
    let wd = apply_single(&emu, &token_lines("pypi-token", TOKEN));
    let target = Target::new(&emu, "pypi-remote", "pypi-token");
    let ours = target.assert_configured(TOKEN, "__token__");
    let other = target.add_version("pypi-someone-else");
    target.set_credentials("__token__", &other);

    let out = wd.tf_ok(&[
        "apply",
        "-refresh-only",
        "-auto-approve",
        "-no-color",
        "-input=false",
    ]);
    let text = flat(&out);
    assert!(
        text.contains("Out-of-band changes") && text.contains("point at another secret version"),
        "{text}"
    );
    apply(&wd);
    assert_eq!(target.assert_configured(TOKEN, "__token__"), ours);
    assert_plan_clean(&wd, "after the repair");
}

/// Settings helper kept local: the emulator's runtime settings endpoint.
trait Settings {
    fn api_ok_settings(&self, body: Value);
}

impl Settings for Emulator {
    fn api_ok_settings(&self, body: Value) {
        let (status, answer) = self.api("POST", "/_emulator/settings", Some(body));
        assert_eq!(status, 200, "settings refused: {answer}");
    }
}
