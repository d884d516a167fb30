//! `make install`, `make release` and `make demo` find the binaries cargo
//! built wherever `CARGO_TARGET_DIR` puts them (a shared target directory),
//! not in `./target`. Each runs in a copy of the checkout that has no
//! `target/` at all, with `CARGO_TARGET_DIR` pointing at a directory holding
//! the binaries of this test run and a `cargo` whose `build` does nothing
//! (the binaries are built already; `metadata` is the real cargo's, so the
//! target directory is resolved as cargo resolves it).

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use support::{emulator_binary, provider_binary, repo_root};

/// The package version, which `make install` and `make release` use.
const VERSION: &str = env!("CARGO_PKG_VERSION");

/// A checkout without build outputs: the tracked and unignored files of this
/// one, and `.tools` linked to this checkout's tools (already bootstrapped,
/// so the copy's identical inputs find every stamp current).
fn copy_of_checkout(into: &Path) {
    let listed = Command::new("git")
        .args([
            "ls-files",
            "-z",
            "--cached",
            "--others",
            "--exclude-standard",
        ])
        .current_dir(repo_root())
        .output()
        .expect("git ls-files runs");
    assert!(listed.status.success(), "git ls-files failed");
    for name in listed.stdout.split(|b| *b == 0).filter(|n| !n.is_empty()) {
        let name = String::from_utf8_lossy(name).into_owned();
        let from = repo_root().join(&name);
        if !from.is_file() {
            continue; // deleted in the working tree
        }
        let to = into.join(&name);
        std::fs::create_dir_all(to.parent().expect("a parent")).expect("dirs of the copy");
        std::fs::copy(&from, &to).unwrap_or_else(|e| panic!("copy {name}: {e}"));
    }
    let tools = std::fs::canonicalize(repo_root().join(".tools")).expect(".tools bootstrapped");
    std::os::unix::fs::symlink(tools, into.join(".tools")).expect(".tools linked");
}

/// A shared target directory holding this test run's binaries in `debug/`.
fn shared_target(dir: &Path) -> PathBuf {
    let debug = dir.join("debug");
    std::fs::create_dir_all(&debug).expect("shared target dir");
    for bin in [provider_binary(), emulator_binary()] {
        let name = bin.file_name().expect("binary name");
        std::os::unix::fs::symlink(&bin, debug.join(name)).expect("binary linked");
    }
    dir.to_path_buf()
}

/// A `cargo` that runs the real one for `metadata` and does nothing for `build`.
fn cargo_without_build(dir: &Path) -> PathBuf {
    let real = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    let path = dir.join("cargo");
    std::fs::write(
        &path,
        format!(
            "#!/bin/sh\n# build: the binaries are built already.\nif [ \"$1\" = build ]; then exit 0; fi\nexec '{real}' \"$@\"\n"
        ),
    )
    .expect("fake cargo written");
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    path
}

/// Runs `make ARGS` in `checkout` with `CARGO_TARGET_DIR` and `CARGO` set;
/// panics with its output unless it succeeds.
fn make(checkout: &Path, target: &Path, cargo: &Path, args: &[&str]) -> String {
    let out = Command::new("make")
        .args(args)
        .current_dir(checkout)
        .env("CARGO_TARGET_DIR", target)
        .env("CARGO", cargo)
        .env_remove("MAKEFLAGS")
        .env_remove("MFLAGS")
        .output()
        .expect("make runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.success(),
        "make {args:?} with CARGO_TARGET_DIR={} failed:\n{text}",
        target.display()
    );
    text
}

#[test]
fn make_install_release_and_demo_use_the_shared_target_directory() {
    let work = tempfile::tempdir().expect("temp dir");
    let checkout = work.path().join("checkout");
    copy_of_checkout(&checkout);
    assert!(!checkout.join("target").exists());
    let target = shared_target(&work.path().join("shared-target"));
    let cargo = cargo_without_build(work.path());
    let built = std::fs::read(provider_binary()).expect("provider binary readable");

    let mirror = work.path().join("mirror");
    let mirror_arg = format!("MIRROR_DIR={}", mirror.display());
    make(
        &checkout,
        &target,
        &cargo,
        &["install", "CARGO_PROFILE=dev", &mirror_arg],
    );
    let installed = mirror
        .join("registry.terraform.io/pypiauth/pypi")
        .join(VERSION)
        .join(platform())
        .join(format!("terraform-provider-pypi_v{VERSION}"));
    assert!(
        std::fs::read(&installed).is_ok_and(|bytes| bytes == built),
        "make install did not install this run's provider at {}",
        installed.display()
    );

    let version_arg = format!("VERSION={VERSION}");
    make(
        &checkout,
        &target,
        &cargo,
        &["release", "CARGO_PROFILE=dev", &version_arg],
    );
    let zip = checkout.join(format!(
        "dist/terraform-provider-pypi_{VERSION}_{}.zip",
        platform()
    ));
    assert!(zip.is_file(), "make release wrote no {}", zip.display());

    let demo = make(&checkout, &target, &cargo, &["demo"]);
    assert!(demo.contains("The demo passed."), "{demo}");
}

/// Terraform's name of this platform, as tools/platform.sh prints it.
fn platform() -> String {
    let out = Command::new("bash")
        .args(["-c", "source tools/platform.sh && tf_platform"])
        .current_dir(repo_root())
        .output()
        .expect("platform.sh runs");
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}
