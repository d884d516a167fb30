//! The whole lifecycle of `pypi_remote_auth` on every Terraform core the
//! project supports: with `token_wo` on each core from 1.11 (1.11.4 when on
//! the PATH, 1.12.2, 1.13.5, 1.14.9, 1.15.5), with the sensitive `token` on
//! 1.0.3, the oldest core of plugin protocol 6; and `terraform init` from the
//! filesystem mirror `make install` writes, on each of them. The cores run at
//! once, each against its own emulator. Results are read through the
//! emulator's API.

mod remote_auth_common;
mod support;
mod terraform_matrix;

use remote_auth_common::*;
use support::{Terraform, Workdir};
use terraform_matrix::{on_each_core, repository_id, write_only_config, ADDRESS};

const TOKEN: &str = "pypi-e2e-matrix-token-0001";
const TOKEN2: &str = "pypi-e2e-matrix-token-0002";

/// What each step is checked as, naming the core.
fn when(tf: &Terraform, step: &str) -> String {
    format!("Terraform {}: {step}", tf.version)
}

/// `terraform state rm` then `terraform import` by ID; the next apply must
/// adopt the credentials without storing a version, and leave a clean plan.
fn reimport_by_id(tf: &Terraform, wd: &Workdir, target: &Target, in_use: &str) {
    wd.tf_ok(&["state", "rm", "-no-color", ADDRESS]);
    wd.tf_ok(&[
        "import",
        "-no-color",
        "-input=false",
        ADDRESS,
        &repository_id(),
    ]);
    let values = state_values(wd, ADDRESS);
    assert_eq!(values["id"], repository_id(), "{}", when(tf, "import"));
    assert_eq!(
        values["secret_version"],
        in_use,
        "{}",
        when(tf, "import reads the version in use")
    );
    let stored = target.versions().len();
    apply(wd);
    assert_eq!(
        target.versions().len(),
        stored,
        "{}",
        when(tf, "the first apply after import stored a secret version")
    );
    assert_plan_clean(wd, &when(tf, "after import and apply"));
}

/// Destroy, then the repository has no credentials and the secret is gone.
fn destroy_and_check(tf: &Terraform, wd: &Workdir, target: &Target) {
    destroy(wd);
    assert_eq!(target.credentials(), None, "{}", when(tf, "after destroy"));
    assert_eq!(
        target.secret_status(),
        404,
        "{}",
        when(tf, "the secret this resource created is deleted")
    );
}

/// Create with `token_wo`, empty plan, rotation by `token_wo_version`, import
/// by ID, destroy.
fn write_only_lifecycle(tf: &Terraform) {
    let emu = emulator_with_repo(&[]);
    let target = Target::new(&emu, "pypi-remote", "pypi-token");
    let mut wd = Workdir::new(tf);
    wd.set_env("TF_VAR_pypi_token", TOKEN);
    write_main(&wd, &write_only_config(&emu, 1));
    apply(&wd);
    let first = target.assert_configured(TOKEN, "__token__");
    let values = state_values(&wd, ADDRESS);
    assert!(
        values["token_wo"].is_null(),
        "{}",
        when(tf, "token_wo in state")
    );
    assert_eq!(values["token_wo_version"], 1, "{}", when(tf, "create"));
    assert!(
        !wd.read("terraform.tfstate").contains(TOKEN),
        "{}",
        when(tf, "the write-only token is in the state file")
    );
    assert_plan_clean(&wd, &when(tf, "after create"));

    wd.set_env("TF_VAR_pypi_token", TOKEN2);
    write_main(&wd, &write_only_config(&emu, 2));
    apply(&wd);
    let second = target.assert_configured(TOKEN2, "__token__");
    assert_ne!(first, second, "{}", when(tf, "rotation stores a version"));
    assert_eq!(
        target.version_state(&first),
        "DISABLED",
        "{}",
        when(tf, "rotation disables the superseded version")
    );
    assert_plan_clean(&wd, &when(tf, "after rotation"));

    reimport_by_id(tf, &wd, &target, &second);
    destroy_and_check(tf, &wd, &target);
}

#[test]
fn write_only_lifecycle_on_every_core_from_1_11() {
    let cores = terraform_matrix::write_only_cores();
    if terraform_matrix::path_core_from(1, 11).is_none() {
        eprintln!("no Terraform 1.11 on the PATH: the write-only lifecycle runs on 1.12+ only");
    }
    on_each_core(&cores, write_only_lifecycle);
}

/// Create with the sensitive `token`, empty plan, rotation by a new `token`,
/// import by ID, destroy: what a core without write-only attributes can do.
fn sensitive_token_lifecycle(tf: &Terraform) {
    let emu = emulator_with_repo(&[]);
    let target = Target::new(&emu, "pypi-remote", "pypi-token");
    let wd = Workdir::new(tf);
    write_single(&wd, &emu, "pypi-remote", &token_lines("pypi-token", TOKEN));
    apply(&wd);
    let first = target.assert_configured(TOKEN, "__token__");
    assert_eq!(state_values(&wd, ADDRESS)["secret_version"], first.as_str());
    assert_plan_clean(&wd, &when(tf, "after create"));

    write_single(&wd, &emu, "pypi-remote", &token_lines("pypi-token", TOKEN2));
    let planned = assert_plan_changes(&wd, &when(tf, "after changing the token"));
    assert!(
        planned.stdout.contains("update in-place"),
        "{}:\n{}",
        when(tf, "a new token is an in-place update"),
        planned.stdout
    );
    apply(&wd);
    let second = target.assert_configured(TOKEN2, "__token__");
    assert_ne!(first, second, "{}", when(tf, "rotation stores a version"));
    assert_eq!(
        target.version_state(&first),
        "DISABLED",
        "{}",
        when(tf, "rotation")
    );
    assert_plan_clean(&wd, &when(tf, "after rotation"));

    reimport_by_id(tf, &wd, &target, &second);
    destroy_and_check(tf, &wd, &target);
}

#[test]
fn sensitive_token_lifecycle_on_1_0_3() {
    let tf = support::installed_terraform("1.0.3");
    on_each_core(&[tf], sensitive_token_lifecycle);
}

/// `terraform init` installs the provider, pinned to this version, from the
/// filesystem mirror `tools/install.sh` writes (no dev_overrides).
fn init_from_mirror(tf: &Terraform) {
    let version = env!("CARGO_PKG_VERSION");
    let mirror = tempfile::tempdir().expect("mirror dir");
    let out = std::process::Command::new("bash")
        .arg(support::repo_root().join("tools/install.sh"))
        .args(["--binary", &support::provider_binary().to_string_lossy()])
        .args([
            "--version",
            version,
            "--mirror",
            &mirror.path().to_string_lossy(),
        ])
        .output()
        .expect("install.sh runs");
    assert!(
        out.status.success(),
        "install.sh: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let cli_config = format!(
        "provider_installation {{\n  filesystem_mirror {{\n    path    = \"{}\"\n    include = [\"registry.terraform.io/pypiauth/pypi\"]\n  }}\n}}\n",
        mirror.path().display()
    );
    let wd = Workdir::with_cli_config(tf, &cli_config);
    wd.write(
        "main.tf",
        &format!("terraform {{\n  required_providers {{\n    pypi = {{\n      source  = \"pypiauth/pypi\"\n      version = \"= {version}\"\n    }}\n  }}\n}}\n"),
    );
    let out = wd.tf_ok(&["init", "-no-color", "-input=false"]);
    assert!(
        out.stdout
            .contains(&format!("Installed pypiauth/pypi v{version}")),
        "{}:\n{}",
        when(tf, "init from the mirror"),
        out.stdout
    );
}

#[test]
fn init_installs_from_the_mirror_on_every_core() {
    let mut cores = terraform_matrix::write_only_cores();
    cores.push(support::installed_terraform("1.0.3"));
    on_each_core(&cores, init_from_mirror);
}
