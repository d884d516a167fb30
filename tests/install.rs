//! `make install` and `make release` produce what Terraform installs from:
//! `terraform init` finds `pypiauth/pypi` offline through a filesystem mirror
//! (no dev_overrides), both in the unpacked layout `tools/install.sh` writes
//! and from the zip `tools/release.sh` packs.

mod support;

use std::path::Path;
use std::process::Command;

use support::{primary_terraform, provider_binary, repo_root, Workdir};

/// The version Terraform must select: the package version.
const VERSION: &str = env!("CARGO_PKG_VERSION");

/// A configuration pinning the provider to exactly this version.
fn pinned_config() -> String {
    format!(
        "terraform {{\n  required_providers {{\n    pypi = {{\n      source  = \"pypiauth/pypi\"\n      version = \"= {VERSION}\"\n    }}\n  }}\n}}\n"
    )
}

/// CLI config installing only from `mirror`: nothing can come from a network.
fn mirror_cli_config(mirror: &Path) -> String {
    format!(
        "provider_installation {{\n  filesystem_mirror {{\n    path    = \"{}\"\n    include = [\"registry.terraform.io/pypiauth/pypi\"]\n  }}\n}}\n",
        mirror.display()
    )
}

/// Runs one of the repository's tool scripts, panicking with its output on failure.
fn run_script(script: &str, args: &[&str]) {
    let out = Command::new("bash")
        .arg(repo_root().join(script))
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {script}: {e}"));
    assert!(
        out.status.success(),
        "{script} {args:?} failed\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `terraform init` through the mirror, then checks what it installed.
fn assert_init_installs_from(mirror: &Path) {
    let tf = primary_terraform();
    let wd = Workdir::with_cli_config(&tf, &mirror_cli_config(mirror));
    wd.write("main.tf", &pinned_config());
    let out = wd.tf_ok(&["init", "-no-color"]);
    assert!(
        out.stdout
            .contains(&format!("Installed pypiauth/pypi v{VERSION}")),
        "init did not install from the mirror:\n{}",
        out.stdout
    );
    let lock = wd.read(".terraform.lock.hcl");
    assert!(
        lock.contains("provider \"registry.terraform.io/pypiauth/pypi\""),
        "{lock}"
    );
    assert!(
        lock.contains(&format!("version     = \"{VERSION}\"")),
        "{lock}"
    );
    let installed = wd
        .path()
        .join(".terraform/providers/registry.terraform.io/pypiauth/pypi")
        .join(VERSION);
    assert!(installed.is_dir(), "{} missing", installed.display());
}

#[test]
fn init_installs_from_the_unpacked_mirror_that_make_install_writes() {
    let mirror = tempfile::tempdir().expect("mirror dir");
    let binary = provider_binary();
    let mirror_arg = mirror.path().to_string_lossy().into_owned();
    run_script(
        "tools/install.sh",
        &[
            "--binary",
            &binary.to_string_lossy(),
            "--version",
            VERSION,
            "--mirror",
            &mirror_arg,
        ],
    );
    assert_init_installs_from(mirror.path());
}

#[test]
fn init_installs_from_the_release_zip_and_its_checksums_verify() {
    let dist = tempfile::tempdir().expect("dist dir");
    let binary = provider_binary();
    let dist_arg = dist.path().to_string_lossy().into_owned();
    run_script(
        "tools/release.sh",
        &[
            "--binary",
            &binary.to_string_lossy(),
            "--version",
            VERSION,
            "--out",
            &dist_arg,
        ],
    );

    let sums = format!("terraform-provider-pypi_{VERSION}_SHA256SUMS");
    let listed = std::fs::read_to_string(dist.path().join(&sums)).expect("SHA256SUMS written");
    assert!(
        listed.contains(&format!("terraform-provider-pypi_{VERSION}_manifest.json")),
        "{listed}"
    );
    let manifest: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(
            dist.path()
                .join(format!("terraform-provider-pypi_{VERSION}_manifest.json")),
        )
        .expect("manifest"),
    )
    .expect("manifest is JSON");
    assert_eq!(manifest["metadata"]["protocol_versions"][0], "6.0");
    let check = Command::new("sha256sum")
        .args(["-c", &sums])
        .current_dir(dist.path())
        .output()
        .expect("sha256sum runs");
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stdout)
    );

    // The packed mirror layout takes the release zip as it is.
    let zip = std::fs::read_dir(dist.path())
        .expect("dist listing")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|x| x == "zip"))
        .expect("a release zip");
    let zip_name = zip.file_name().expect("zip name").to_owned();
    assert!(listed.contains(&*zip_name.to_string_lossy()), "{listed}");
    let mirror = tempfile::tempdir().expect("mirror dir");
    let packed = mirror.path().join("registry.terraform.io/pypiauth/pypi");
    std::fs::create_dir_all(&packed).expect("packed layout dir");
    std::fs::copy(&zip, packed.join(&zip_name)).expect("zip copied");
    assert_init_installs_from(mirror.path());
}
