//! Shared by the version-matrix tests (`tests/terraform_versions.rs`,
//! `tests/terraform_compatibility.rs`): which cores exist, running one check
//! on several cores at once, and the write-only configuration.
#![allow(dead_code)]

use crate::remote_auth_common::{config, resource};
use crate::support::{self, Emulator, Terraform};

/// Resource address every matrix configuration uses.
pub const ADDRESS: &str = "pypi_remote_auth.x";

/// Import ID of the harness's `pypi-remote` repository.
pub fn repository_id() -> String {
    format!(
        "projects/{}/locations/{}/repositories/pypi-remote",
        crate::remote_auth_common::PROJECT,
        crate::remote_auth_common::LOCATION
    )
}

/// A `terraform` on the PATH of a release line that `tools/bootstrap.sh`
/// does not install (the CI machine has 1.11.4), at least `major.minor`.
pub fn path_core_from(major: u64, minor: u64) -> Option<Terraform> {
    support::path_terraform().filter(|tf| {
        tf.at_least(major, minor)
            && !support::INSTALLED_VERSIONS
                .iter()
                .any(|v| v.split('.').take(2).eq(tf.version.split('.').take(2)))
    })
}

/// Every core with write-only attributes (1.11+): 1.11.x from the PATH when
/// there, then 1.12.2, 1.13.5, 1.14.9 and 1.15.5 from `.tools/`.
pub fn write_only_cores() -> Vec<Terraform> {
    let mut cores: Vec<Terraform> = path_core_from(1, 11).into_iter().collect();
    cores.extend(
        support::INSTALLED_VERSIONS
            .iter()
            .map(|v| support::installed_terraform(v))
            .filter(|tf| tf.at_least(1, 11)),
    );
    cores
}

/// Runs `check` on each core in a thread of its own (each check starts its
/// own emulator and working directory, so nothing is shared), then fails
/// naming every core whose check panicked; each panic is printed above,
/// under the thread's name `terraform-VERSION`.
pub fn on_each_core(cores: &[Terraform], check: fn(&Terraform)) {
    assert!(!cores.is_empty(), "no Terraform core to run on");
    let failed: Vec<String> = std::thread::scope(|scope| {
        let running: Vec<_> = cores
            .iter()
            .map(|tf| {
                let thread = std::thread::Builder::new()
                    .name(format!("terraform-{}", tf.version))
                    .spawn_scoped(scope, move || check(tf))
                    .expect("spawn a thread per core");
                (tf, thread)
            })
            .collect();
        running
            .into_iter()
            .filter_map(|(tf, thread)| thread.join().is_err().then(|| tf.version.clone()))
            .collect()
    });
    let ran: Vec<&str> = cores.iter().map(|tf| tf.version.as_str()).collect();
    assert!(
        failed.is_empty(),
        "failed on Terraform {failed:?} (of {ran:?}); see the panics above"
    );
    eprintln!("passed on Terraform {ran:?}");
}

/// The README's configuration: the token from an ephemeral variable
/// (`TF_VAR_pypi_token`) into `token_wo`, rotated by `token_wo_version`.
pub fn write_only_config(emu: &Emulator, version: u32) -> String {
    let body = format!(
        "  secret_id        = \"pypi-token\"\n  token_wo         = var.pypi_token\n  token_wo_version = {version}"
    );
    format!(
        "variable \"pypi_token\" {{\n  type      = string\n  sensitive = true\n  ephemeral = true\n}}\n\n{}",
        config(emu, &resource("x", "pypi-remote", &body))
    )
}
