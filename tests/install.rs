//! `make install` and `make release` produce what Terraform and OpenTofu
//! install from: `terraform init` finds `pypiauth/pypi` offline through a
//! filesystem mirror (no dev_overrides), both in the unpacked layout
//! `tools/install.sh` writes and from the zip `tools/release.sh` packs, under
//! each registry host: `registry.terraform.io` (what Terraform resolves
//! `pypiauth/pypi` to) and `registry.opentofu.org` (what OpenTofu resolves it
//! to; Terraform installs it when the source names that host, reading the
//! mirror layout both share).

mod support;

use std::path::Path;
use std::process::Command;

use support::{primary_terraform, provider_binary, repo_root, Workdir};

/// The version Terraform must select: the package version.
const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The registry hosts a mirror serves the provider under.
const HOSTS: [&str; 2] = ["registry.terraform.io", "registry.opentofu.org"];

/// A configuration pinning `HOST/pypiauth/pypi` to exactly this version.
fn pinned_config(host: &str) -> String {
    format!(
        "terraform {{\n  required_providers {{\n    pypi = {{\n      source  = \"{host}/pypiauth/pypi\"\n      version = \"= {VERSION}\"\n    }}\n  }}\n}}\n"
    )
}

/// CLI config installing only `HOST/pypiauth/pypi` from `mirror`: nothing can come from a network.
fn mirror_cli_config(mirror: &Path, host: &str) -> String {
    format!(
        "provider_installation {{\n  filesystem_mirror {{\n    path    = \"{}\"\n    include = [\"{host}/pypiauth/pypi\"]\n  }}\n}}\n",
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

/// `terraform init` through the mirror under each registry host, then checks what it installed.
fn assert_init_installs_from(mirror: &Path) {
    for host in HOSTS {
        assert_init_installs_from_host(mirror, host);
    }
}

fn assert_init_installs_from_host(mirror: &Path, host: &str) {
    let tf = primary_terraform();
    let wd = Workdir::with_cli_config(&tf, &mirror_cli_config(mirror, host));
    wd.write("main.tf", &pinned_config(host));
    let out = wd.tf_ok(&["init", "-no-color"]);
    assert!(
        out.stdout
            .lines()
            .any(|l| l.contains("Installed") && l.contains(&format!("pypiauth/pypi v{VERSION}"))),
        "init did not install {host}/pypiauth/pypi from the mirror:\n{}",
        out.stdout
    );
    let lock = wd.read(".terraform.lock.hcl");
    assert!(
        lock.contains(&format!("provider \"{host}/pypiauth/pypi\"")),
        "{lock}"
    );
    assert!(
        lock.contains(&format!("version     = \"{VERSION}\"")),
        "{lock}"
    );
    let installed = wd
        .path()
        .join(".terraform/providers")
        .join(host)
        .join("pypiauth/pypi")
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

    // The release's own mirror: the zip as it is, in the packed layout of each host.
    let zip = std::fs::read_dir(dist.path())
        .expect("dist listing")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|x| x == "zip"))
        .expect("a release zip");
    let zip_name = zip.file_name().expect("zip name").to_owned();
    assert!(listed.contains(&*zip_name.to_string_lossy()), "{listed}");
    let mirror = dist.path().join("mirror");
    let bytes = std::fs::read(&zip).expect("zip readable");
    for host in HOSTS {
        let packed = mirror.join(host).join("pypiauth/pypi").join(&zip_name);
        assert!(
            std::fs::read(&packed).is_ok_and(|b| b == bytes),
            "{} is not the release zip",
            packed.display()
        );
    }
    assert_init_installs_from(&mirror);
}
