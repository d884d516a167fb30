//! Each compatibility claim of the README, on the cores either side of its
//! boundary: write-only `token_wo` from 1.11 (refused on 1.0.3), `import`
//! blocks from 1.5 (1.0.3 has none), import by identity from 1.12 (1.11 only
//! by ID), `terraform query` from 1.14 (1.13 has no such command). Cores in
//! between that are not installable here (1.1 to 1.10) are not run.

mod remote_auth_common;
mod support;
mod terraform_matrix;

use remote_auth_common::*;
use support::{installed_terraform, Terraform, Workdir};
use terraform_matrix::{path_core_from, repository_id, write_only_config, ADDRESS};

const TOKEN: &str = "pypi-e2e-compat-token-0001";

/// What the provider answers a core without write-only support (also the
/// README's troubleshooting entry).
const WRITE_ONLY_REFUSED: &str =
    "Write-only attributes are not supported by this Terraform version";

/// The README, whose claims these tests hold to.
fn readme() -> String {
    std::fs::read_to_string(support::repo_root().join("README.md")).expect("README.md readable")
}

/// The oldest write-only core here: 1.11.x from the PATH, else 1.12.2.
fn oldest_write_only_core() -> Terraform {
    path_core_from(1, 11)
        .filter(|tf| !tf.at_least(1, 12))
        .unwrap_or_else(|| installed_terraform("1.12.2"))
}

#[test]
fn token_wo_is_refused_on_1_0_3_and_works_from_1_11() {
    let old = installed_terraform("1.0.3");
    let emu = emulator_with_repo(&[]);
    let mut wd = Workdir::new(&old);
    wd.set_env("TF_VAR_pypi_token", TOKEN);
    // A sensitive variable, not an ephemeral one: 1.0.3 has none (checked below).
    let body = "  secret_id        = \"pypi-token\"\n  token_wo         = var.pypi_token\n  token_wo_version = 1";
    write_main(
        &wd,
        &format!(
            "variable \"pypi_token\" {{\n  type      = string\n  sensitive = true\n}}\n\n{}",
            config(&emu, &resource("x", "pypi-remote", body))
        ),
    );
    let since = emu.requests().len();
    let out = wd.tf(&["apply", "-auto-approve", "-no-color", "-input=false"]);
    let text = flat(&out);
    assert_ne!(out.code, 0, "Terraform 1.0.3 applied token_wo:\n{text}");
    assert!(text.contains(WRITE_ONLY_REFUSED), "{text}");
    assert!(
        mentions_word(&text, "token") && text.contains("1.11"),
        "the refusal must point to `token` and to 1.11:\n{text}"
    );
    assert!(
        !text.contains(TOKEN),
        "the refusal quotes the token:\n{text}"
    );
    assert_no_mutation_since(&emu, since, "Terraform 1.0.3 with token_wo");
    let target = Target::new(&emu, "pypi-remote", "pypi-token");
    assert_eq!(target.credentials(), None, "nothing may be configured");
    assert_eq!(target.secret_status(), 404, "no secret may be created");
    assert!(
        !wd.read("terraform.tfstate").contains(TOKEN),
        "1.0.3 stored the token"
    );

    // The README's ephemeral variable is a core feature 1.0.3 lacks.
    write_main(&wd, &write_only_config(&emu, 1));
    let out = wd.tf(&["validate", "-no-color"]);
    let text = flat(&out);
    assert!(
        out.code != 0 && text.contains("An argument named \"ephemeral\" is not expected here"),
        "Terraform 1.0.3 and `ephemeral = true`:\n{text}"
    );

    let new = oldest_write_only_core();
    let mut wd = Workdir::new(&new);
    wd.set_env("TF_VAR_pypi_token", TOKEN);
    write_main(&wd, &write_only_config(&emu, 1));
    apply(&wd);
    target.assert_configured(TOKEN, "__token__");
    eprintln!("token_wo refused on 1.0.3, applied on {}", new.version);

    let readme = readme();
    assert!(
        readme.contains(WRITE_ONLY_REFUSED),
        "README troubleshooting"
    );
    assert!(
        readme.contains("| Terraform **1.0.3** |"),
        "README compatibility table"
    );
}

/// An `import` block for [`ADDRESS`] with `target` (`id = ...` or `identity = {...}`).
fn import_block(target: &str) -> String {
    format!("import {{\n  to = {ADDRESS}\n{target}\n}}\n")
}

fn by_id() -> String {
    format!("  id = \"{}\"", repository_id())
}

fn by_identity() -> String {
    format!("  identity = {{\n    project    = \"{PROJECT}\"\n    location   = \"{LOCATION}\"\n    repository = \"pypi-remote\"\n  }}")
}

/// A hand-configured repository and a working directory on `tf` that
/// describes it with the sensitive `token`, plus `extra` HCL.
fn hand_configured(tf: &Terraform, extra: &str) -> (support::Emulator, Workdir, String) {
    let emu = emulator_with_repo(&[]);
    let version = Target::new(&emu, "pypi-remote", "pypi-token").configure_by_hand(TOKEN);
    let wd = Workdir::new(tf);
    let resources = format!(
        "{}\n{extra}",
        resource("x", "pypi-remote", &token_lines("pypi-token", TOKEN))
    );
    write_main(&wd, &config(&emu, &resources));
    (emu, wd, version)
}

/// Plans and applies an import block on `tf`: the resource is adopted with
/// the version in use and no new version.
fn assert_import_block_adopts(tf: &Terraform, target: &str) {
    let (emu, wd, version) = hand_configured(tf, &import_block(target));
    let out = wd.tf_ok(&["plan", "-no-color", "-input=false"]);
    assert!(
        out.stdout.contains("1 to import"),
        "Terraform {}:\n{}",
        tf.version,
        out.stdout
    );
    apply(&wd);
    assert_eq!(
        state_values(&wd, ADDRESS)["secret_version"],
        version.as_str()
    );
    let target = Target::new(&emu, "pypi-remote", "pypi-token");
    assert_eq!(
        target.versions().len(),
        1,
        "Terraform {}: import stored a version",
        tf.version
    );
}

/// Asserts `terraform validate` on `tf` fails with `message`.
fn assert_invalid(tf: &Terraform, extra: &str, message: &str) {
    let (_emu, wd, _) = hand_configured(tf, extra);
    let out = wd.tf(&["validate", "-no-color"]);
    let text = flat(&out);
    assert!(
        out.code != 0 && text.contains(message),
        "Terraform {}: expected {message:?}:\n{text}",
        tf.version
    );
}

#[test]
fn import_blocks_are_not_known_to_1_0_3() {
    let old = installed_terraform("1.0.3");
    assert_invalid(
        &old,
        &import_block(&by_id()),
        "Blocks of type \"import\" are not expected here",
    );
    // The `terraform import` command works there: tests/terraform_versions.rs.
}

#[test]
fn import_by_identity_needs_1_12_and_1_11_imports_by_id() {
    assert_import_block_adopts(&installed_terraform("1.12.2"), &by_identity());
    let Some(old) = path_core_from(1, 11).filter(|tf| !tf.at_least(1, 12)) else {
        eprintln!("no Terraform 1.11 on the PATH: the side below 1.12 is not run");
        return;
    };
    assert_invalid(
        &old,
        &import_block(&by_identity()),
        "An argument named \"identity\" is not expected here",
    );
    assert_import_block_adopts(&old, &by_id());
}

#[test]
fn terraform_query_needs_1_14() {
    let query = format!(
        "list \"pypi_remote_auth\" \"all\" {{\n  provider = pypi\n  config {{\n    location = \"{LOCATION}\"\n  }}\n}}\n"
    );
    let old = installed_terraform("1.13.5");
    let (_emu, wd, _) = hand_configured(&old, "");
    wd.write("main.tfquery.hcl", &query);
    let out = wd.tf(&["query", "-no-color"]);
    let text = flat(&out);
    assert!(
        out.code == 1 && text.contains("Terraform has no command named \"query\""),
        "Terraform 1.13.5 and `terraform query`:\n{text}"
    );
    // An older core ignores the query file: the configuration stays usable.
    wd.tf_ok(&["validate", "-no-color"]);

    let new = installed_terraform("1.14.9");
    let (_emu, wd, version) = hand_configured(&new, "");
    wd.write("main.tfquery.hcl", &query);
    let out = wd.tf_ok(&["query", "-no-color"]);
    let number = split_version_name(&version).2;
    assert!(
        out.stdout.contains(&format!(
            "{} (secret pypi-token version {number})",
            repository_id()
        )),
        "Terraform 1.14.9 lists the hand-configured repository:\n{}",
        out.stdout
    );
}
