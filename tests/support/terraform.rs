//! Which Terraform binaries the end-to-end tests run: 1.15.5 from `.tools/`
//! (bootstrapped on first use) and, in addition, a `terraform` of another
//! version found on the PATH (e.g. 1.11.4, the oldest core with write-only
//! attributes). The version matrix (`tests/terraform_versions.rs`) also asks
//! for each core of [`INSTALLED_VERSIONS`] by version.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Mutex, OnceLock};

use super::{clean_env, repo_root};

/// The Terraform version `tools/bootstrap.sh` installs.
pub const PRIMARY_VERSION: &str = "1.15.5";

/// One Terraform CLI the tests can run.
#[derive(Debug, Clone)]
pub struct Terraform {
    /// Version it reports, e.g. `1.15.5`.
    pub version: String,
    /// Executable (a binary, or the `.tools/bin/terraform` shim).
    pub bin: PathBuf,
}

impl Terraform {
    /// Whether this core is at least `major.minor` (for features such as
    /// identity import, Terraform 1.12+).
    pub fn at_least(&self, major: u64, minor: u64) -> bool {
        let mut parts = self
            .version
            .split('.')
            .map(|p| p.parse::<u64>().unwrap_or(0));
        let have = (parts.next().unwrap_or(0), parts.next().unwrap_or(0));
        have >= (major, minor)
    }
}

/// Every Terraform to test with: the primary one first.
pub fn terraforms() -> Vec<Terraform> {
    static ALL: OnceLock<Vec<Terraform>> = OnceLock::new();
    ALL.get_or_init(|| {
        let primary = primary_terraform();
        let mut all = vec![primary.clone()];
        if let Some(extra) = path_terraform() {
            if extra.version != primary.version {
                all.push(extra);
            }
        }
        all
    })
    .clone()
}

/// Terraform 1.15.5 from `.tools/`, running `tools/bootstrap.sh` first
/// (a no-op when the tools are installed and current).
pub fn primary_terraform() -> Terraform {
    static PRIMARY: OnceLock<Terraform> = OnceLock::new();
    PRIMARY
        .get_or_init(|| {
            let script = repo_root().join("tools/bootstrap.sh");
            let status = Command::new("bash")
                .arg(&script)
                .stdin(Stdio::null())
                .status()
                .unwrap_or_else(|e| panic!("cannot run {}: {e}", script.display()));
            assert!(status.success(), "{} failed", script.display());
            let bin = repo_root().join(".tools/bin/terraform");
            let version = version_of(&bin)
                .unwrap_or_else(|| panic!("{} does not report a version", bin.display()));
            assert_eq!(
                version,
                PRIMARY_VERSION,
                "unexpected version from {}",
                bin.display()
            );
            Terraform { version, bin }
        })
        .clone()
}

/// Every core `tools/bootstrap.sh` installs as `.tools/bin/terraform-VERSION`
/// (`tools/terraform-cores.txt` plus [`PRIMARY_VERSION`]), newest first.
pub const INSTALLED_VERSIONS: [&str; 5] = ["1.15.5", "1.14.9", "1.13.5", "1.12.2", "1.0.3"];

/// Terraform `version` from `.tools/bin/terraform-VERSION`, bootstrapping the
/// tools first. Panics when it is missing or reports another version: every
/// core of [`INSTALLED_VERSIONS`] is installed by `tools/bootstrap.sh`.
pub fn installed_terraform(version: &str) -> Terraform {
    static FOUND: Mutex<BTreeMap<String, Terraform>> = Mutex::new(BTreeMap::new());
    // Bootstraps every core (a no-op once installed) before the first look.
    primary_terraform();
    let mut found = FOUND
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    found
        .entry(version.to_string())
        .or_insert_with(|| {
            let bin = repo_root().join(format!(".tools/bin/terraform-{version}"));
            let reported = version_of(&bin);
            assert_eq!(
                reported.as_deref(),
                Some(version),
                "{} (run tools/bootstrap.sh)",
                bin.display()
            );
            Terraform {
                version: version.to_string(),
                bin,
            }
        })
        .clone()
}

/// A `terraform` executable on the PATH other than our own shim.
pub fn path_terraform() -> Option<Terraform> {
    let ours = repo_root().join(".tools/bin");
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .filter(|dir| dir != &ours)
        .map(|dir| dir.join("terraform"))
        .find(|bin| is_executable(bin))
        .and_then(|bin| version_of(&bin).map(|version| Terraform { version, bin }))
}

/// Whether `path` is a regular file with an execute bit.
fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        .unwrap_or(false)
}

/// `terraform version -json` → `terraform_version`.
fn version_of(bin: &Path) -> Option<String> {
    let mut cmd = Command::new(bin);
    cmd.args(["version", "-json"])
        .stdin(Stdio::null())
        .stderr(Stdio::null());
    clean_env(&mut cmd);
    // No CLI config at all: avoids warnings about a missing ~/.terraformrc.
    cmd.env("TF_CLI_CONFIG_FILE", "/dev/null")
        .env("CHECKPOINT_DISABLE", "1");
    let out = cmd.output().ok()?;
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).ok()?;
    json.get("terraform_version")?.as_str().map(str::to_string)
}
