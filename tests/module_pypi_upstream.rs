//! The reusable module `examples/modules/pypi-upstream` passes its own
//! `terraform test` suite on Terraform 1.15.5: `tests/mock.tftest.hcl` with
//! `mock_provider "pypi"` (no API call may reach Google, or the emulator),
//! and `tests/emulator.tftest.hcl` against the emulator, whose apply and
//! teardown are checked through the emulator's API.

mod remote_auth_common;
mod support;

use std::path::Path;

use remote_auth_common::*;
use serde_json::json;
use support::{primary_terraform, repo_root, Emulator, Workdir};

/// Copies the module's files (`*.tf`, `tests/*.tftest.hcl`) into the working directory.
fn copy_module(wd: &Workdir, from: &Path, prefix: &str) {
    for entry in std::fs::read_dir(from).expect("module dir readable") {
        let path = entry.expect("dir entry").path();
        let name = path
            .file_name()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        if path.is_dir() {
            copy_module(wd, &path, &format!("{prefix}{name}/"));
        } else if name.ends_with(".tf") || name.ends_with(".tftest.hcl") {
            let text = std::fs::read_to_string(&path).expect("module file readable");
            wd.write(&format!("{prefix}{name}"), &text);
        }
    }
}

/// The summary line of `terraform test`, e.g. `Success! 2 passed, 0 failed.`
fn summary(out: &support::TfOutput) -> String {
    out.stdout
        .lines()
        .find(|l| l.contains(" passed, "))
        .unwrap_or_default()
        .trim()
        .to_string()
}

#[test]
fn the_module_passes_its_terraform_test_suite() {
    let emu = Emulator::start_with_seed(
        &json!({
            "projects": [{ "id": PROJECT, "number": PROJECT_NUMBER }],
            "repositories": [seed_repository(PROJECT, "pypi-a"), seed_repository(PROJECT, "pypi-b")]
        }),
        &[],
    );
    let wd = Workdir::new(&primary_terraform());
    copy_module(&wd, &repo_root().join("examples/modules/pypi-upstream"), "");

    let out = wd.tf_ok(&["test", "-no-color", "-filter=tests/mock.tftest.hcl"]);
    assert_eq!(
        summary(&out),
        "Success! 2 passed, 0 failed.",
        "{}",
        out.stdout
    );
    assert!(
        emu.requests().is_empty(),
        "the mocked provider called the emulator"
    );

    let endpoint = format!("endpoint={}/", emu.url);
    let out = wd.tf_ok(&[
        "test",
        "-no-color",
        "-filter=tests/emulator.tftest.hcl",
        "-var",
        &endpoint,
    ]);
    assert_eq!(
        summary(&out),
        "Success! 1 passed, 0 failed.",
        "{}",
        out.stdout
    );
    let stored: Vec<_> = requests_matching(&emu, 0, "/secrets/module-test-token:addVersion");
    assert!(
        !stored.is_empty(),
        "the run stored no version of module-test-token"
    );
    for repository in ["pypi-a", "pypi-b"] {
        let target = Target::new(&emu, repository, "module-test-token");
        assert_eq!(
            target.credentials(),
            None,
            "`terraform test` tears down what it applied ({repository})"
        );
        assert_eq!(
            target.secret_status(),
            404,
            "the secret is deleted on teardown"
        );
    }
}
