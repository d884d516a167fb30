//! The API requests the workflow costs, counted in the emulator's request
//! log (behaviour, not timing): a create sends only what Google's guide
//! needs plus the plan's checks, a no-change plan only refreshes, and
//! resources sharing a secret read it once per run.

mod remote_auth_common;
mod support;

use remote_auth_common::*;
use serde_json::Value;
use support::{Emulator, Workdir};

const TOKEN: &str = "pypi-e2e-round-trips-token-0001";

/// `(method, path)` of each logged request from index `since` on, with the
/// repository and version numbers left as they are.
fn calls(emu: &Emulator, since: usize) -> Vec<(String, String)> {
    emu.requests()
        .into_iter()
        .skip(since)
        .map(|e: Value| {
            (
                e["method"].as_str().unwrap_or_default().to_string(),
                e["path"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

/// How many of `calls` have `method` and a path ending in `suffix`.
fn count(calls: &[(String, String)], method: &str, suffix: &str) -> usize {
    calls
        .iter()
        .filter(|(m, p)| m == method && p.ends_with(suffix))
        .count()
}

/// One `terraform apply` creating one resource: the guide's writes once
/// each, no read of the secret before it is created, no second write of
/// its annotations, and the plan's checks asked once although Terraform
/// plans twice in `apply` (the apply walk's provider process finds the plan
/// walk's answers in the run's cache): 9 requests.
#[test]
fn a_create_sends_the_guides_writes_once_and_the_plan_knows_the_service_agent() {
    let emu = emulator_with_repo(&[]);
    let wd = Workdir::new(&support::primary_terraform());
    write_single(&wd, &emu, "pypi-remote", &token_lines("pypi-token", TOKEN));

    let plan = plan(&wd);
    assert!(
        flat(&plan).contains(&format!(
            "service_agent = \"{}\"",
            agent_email(PROJECT_NUMBER)
        )),
        "the plan shows the service agent, known before apply:\n{}",
        plan.stdout
    );
    let before = emu.requests().len();
    apply(&wd);
    let all = calls(&emu, before);
    let secret = format!("/v1/projects/{PROJECT}/secrets/pypi-token");
    assert_eq!(
        count(&all, "GET", &secret),
        0,
        "the secret is created without being read first: {all:?}"
    );
    assert_eq!(
        count(&all, "POST", &format!("/v1/projects/{PROJECT}/secrets")),
        1
    );
    assert_eq!(count(&all, "POST", ":addVersion"), 1);
    assert_eq!(count(&all, "POST", ":setIamPolicy"), 1);
    assert_eq!(count(&all, "GET", ":getIamPolicy"), 1);
    assert_eq!(
        all.iter()
            .filter(|(m, p)| m == "PATCH" && p.contains("/secrets/"))
            .count(),
        0,
        "the first version's claim travels with the create: {all:?}"
    );
    assert_eq!(count(&all, "PATCH", "/repositories/pypi-remote"), 1);
    assert_eq!(
        count(&all, "POST", ":testIamPermissions"),
        1,
        "one preflight question per run (the project grants everything): {all:?}"
    );
    assert_eq!(
        count(&all, "GET", &format!("/v1/projects/{PROJECT}")),
        1,
        "one project lookup per run: {all:?}"
    );
    assert_eq!(
        count(&all, "GET", "/repositories/pypi-remote"),
        2,
        "the plan's check and the apply's read: {all:?}"
    );
    assert!(
        all.len() <= 9,
        "{} requests for one create: {all:?}",
        all.len()
    );

    let target = Target::new(&emu, "pypi-remote", "pypi-token");
    let version = target.assert_configured(TOKEN, "__token__");
    let annotations = target.secret()["annotations"].clone();
    let claim = format!(
        "{}#{}+",
        target
            .repo_path()
            .trim_start_matches('/')
            .trim_start_matches("v1/"),
        split_version_name(&version).2
    );
    assert!(
        annotations
            .as_object()
            .is_some_and(|a| a.values().any(|v| v.as_str() == Some(claim.as_str()))),
        "the repository's claim names the version it uses ({claim}): {annotations}"
    );
}

/// A plan with nothing to change refreshes and asks nothing else: no
/// permission checks, no repository kind check. The token is write-only
/// (`token_wo`): its value in the proposed state never reaches state and
/// must not count as a change. Run on each core that has write-only
/// attributes (they differ in what the proposed state carries).
#[test]
fn a_no_change_plan_only_refreshes() {
    let mut cores = vec![support::primary_terraform()];
    cores.extend(["1.14.9", "1.13.5", "1.12.2"].map(support::installed_terraform));
    for tf in cores {
        let emu = emulator_with_repo(&[]);
        let mut wd = Workdir::new(&tf);
        wd.set_env("TF_VAR_pypi_token", TOKEN);
        let body = "  secret_id        = \"pypi-token\"\n  token_wo         = var.pypi_token\n  token_wo_version = 1";
        write_main(
            &wd,
            &format!(
                "variable \"pypi_token\" {{\n  type      = string\n  sensitive = true\n  ephemeral = true\n}}\n\n{}",
                config(&emu, &resource("x", "pypi-remote", body))
            ),
        );
        apply(&wd);
        let before = emu.requests().len();
        assert_plan_clean(&wd, &format!("after create on Terraform {}", tf.version));
        let all = calls(&emu, before);
        assert_eq!(
            count(&all, "POST", ":testIamPermissions"),
            0,
            "a no-change plan runs no preflight on Terraform {}: {all:?}",
            tf.version
        );
        assert_eq!(
            all.len(),
            3,
            "repository, versions and policy, once each, on Terraform {}: {all:?}",
            tf.version
        );
    }
}

/// Resources sharing one secret refresh with one read of its versions and
/// one of its policy, and one project lookup, however many there are.
#[test]
fn sharers_of_a_secret_refresh_it_once() {
    let names = ["a", "b", "c", "d", "e"];
    let emu = Emulator::start(&[]);
    for name in names {
        emu.create_pypi_remote_repo(PROJECT, LOCATION, &format!("pypi-{name}"));
    }
    let wd = Workdir::new(&support::primary_terraform());
    write_main(&wd, &sharers(&emu, &names, "pypi-shared", TOKEN));
    apply(&wd);
    let before = emu.requests().len();
    assert_plan_clean(&wd, "after creating the sharers");
    let all = calls(&emu, before);
    assert_eq!(
        count(&all, "GET", "/secrets/pypi-shared/versions"),
        1,
        "{all:?}"
    );
    assert_eq!(
        count(&all, "GET", "/secrets/pypi-shared:getIamPolicy"),
        1,
        "{all:?}"
    );
    assert_eq!(
        all.len(),
        names.len() + 2,
        "one repository read per resource plus the shared reads: {all:?}"
    );
    let before = emu.requests().len();
    destroy(&wd);
    let all = calls(&emu, before);
    assert!(
        count(&all, "GET", &format!("/v1/projects/{PROJECT}")) <= 1,
        "one project lookup per run: {all:?}"
    );
}
