//! `token_wo`: the token reaches Secret Manager and nothing else: not the
//! state file, `terraform show -json`, the saved plan's JSON, a
//! `TF_LOG=trace` log, or the emulator's request log; bumping
//! `token_wo_version` rotates it.

mod remote_auth_common;
mod support;

use remote_auth_common::*;
use support::{Emulator, Workdir};

const TOKEN: &str = "pypi-e2e-WRITEONLY-a8f3c2d1e0b9";
const TOKEN2: &str = "pypi-e2e-WRITEONLY-77e41b0c9d2f";

/// Every place a Terraform run can leave a value, as text.
fn everything_written(wd: &Workdir, emu: &Emulator) -> Vec<(String, String)> {
    let mut places = Vec::new();
    let state_file = wd.path().join("terraform.tfstate");
    places.push((
        "terraform.tfstate".to_string(),
        std::fs::read_to_string(&state_file)
            .unwrap_or_else(|e| panic!("read {}: {e}", state_file.display())),
    ));
    if let Ok(backup) = std::fs::read_to_string(wd.path().join("terraform.tfstate.backup")) {
        places.push(("terraform.tfstate.backup".to_string(), backup));
    }
    places.push((
        "terraform show -json".to_string(),
        wd.state_json().to_string(),
    ));
    let show = wd.tf_ok(&["show", "-no-color"]);
    places.push(("terraform show".to_string(), show.stdout));
    places.push(("Terraform log (TF_LOG_PATH)".to_string(), wd.log()));
    places.push((
        "emulator request log".to_string(),
        serde_json::Value::Array(emu.requests()).to_string(),
    ));
    places
}

/// Saves a plan and returns its output, its JSON and the plan file's contents.
fn plan_texts(wd: &Workdir) -> Vec<(String, String)> {
    let (out, json) = save_plan(wd, "saving a plan");
    vec![
        (
            "plan output".to_string(),
            format!("{}{}", out.stdout, out.stderr),
        ),
        ("terraform show -json tfplan".to_string(), json.stdout),
        (
            "saved plan file (unzipped)".to_string(),
            unzip_all(&wd.path().join("tfplan")),
        ),
    ]
}

/// Every member of a saved plan (a zip archive) concatenated, read with the
/// machine's python3 (the test tooling needs it anyway) so that compressed
/// members are searched as what they hold.
fn unzip_all(path: &std::path::Path) -> String {
    let out = std::process::Command::new("python3")
        .args([
            "-c",
            "import sys, zipfile\nz = zipfile.ZipFile(sys.argv[1])\nfor n in z.namelist(): sys.stdout.buffer.write(z.read(n))",
        ])
        .arg(path)
        .output()
        .unwrap_or_else(|e| panic!("cannot run python3 to unzip {}: {e}", path.display()));
    assert!(
        out.status.success(),
        "unzip {}: {}",
        path.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn assert_absent(token: &str, places: &[(String, String)]) {
    for (name, text) in places {
        assert!(
            !text.contains(token),
            "the write-only token appears in {name}"
        );
    }
}

/// The configuration: the token comes from an ephemeral variable (set via
/// `TF_VAR_pypi_token`), as users pass secrets, so Terraform's own copies of
/// the configuration (main.tf, the plan's config snapshot and its
/// `configuration` JSON) hold a reference, not the value.
fn hcl(emu: &Emulator, version: u32) -> String {
    let body = format!("  secret_id        = \"pypi-token\"\n  token_wo         = var.pypi_token\n  token_wo_version = {version}");
    format!(
        "variable \"pypi_token\" {{\n  type      = string\n  sensitive = true\n  ephemeral = true\n}}\n\n{}",
        config(emu, &resource("x", "pypi-remote", &body))
    )
}

#[test]
fn write_only_token_is_stored_only_in_secret_manager() {
    let emu = emulator_with_repo(&[]);
    let mut wd = Workdir::new(&support::primary_terraform());
    wd.set_env("TF_LOG", "trace");
    wd.set_env("TF_VAR_pypi_token", TOKEN);
    write_main(&wd, &hcl(&emu, 1));

    let planned = plan_texts(&wd);
    assert_absent(TOKEN, &planned);
    wd.tf_ok(&["apply", "-auto-approve", "-no-color", "tfplan"]);
    let target = Target::new(&emu, "pypi-remote", "pypi-token");
    let first = target.assert_configured(TOKEN, "__token__");

    let values = state_values(&wd, "pypi_remote_auth.x");
    assert!(
        values["token_wo"].is_null(),
        "token_wo must be null in state: {values:#}"
    );
    assert!(
        values["token"].is_null(),
        "token was not configured: {values:#}"
    );
    assert_eq!(values["token_wo_version"], 1);
    assert!(
        wd.log().contains("[TRACE]"),
        "the log must be a TF_LOG=trace log for this test to mean anything"
    );
    assert_plan_clean(&wd, "after create with token_wo");
    assert_absent(TOKEN, &everything_written(&wd, &emu));

    // A new token is used only when the version is bumped.
    wd.set_env("TF_VAR_pypi_token", TOKEN2);
    assert_plan_clean(&wd, "a new token_wo without a new token_wo_version");
    write_main(&wd, &hcl(&emu, 2));
    let planned = plan_texts(&wd);
    assert_absent(TOKEN2, &planned);
    assert!(
        planned[0].1.contains("update in-place"),
        "bumping token_wo_version is an in-place update:\n{}",
        planned[0].1
    );
    wd.tf_ok(&["apply", "-auto-approve", "-no-color", "tfplan"]);
    let second = target.assert_configured(TOKEN2, "__token__");
    assert_ne!(first, second, "rotation stores a new version");
    assert_eq!(
        target.version_state(&first),
        "DISABLED",
        "default previous_version_policy"
    );
    assert_plan_clean(&wd, "after rotating token_wo");

    let places = everything_written(&wd, &emu);
    assert_absent(TOKEN, &places);
    assert_absent(TOKEN2, &places);
}

/// Control for the test above: the same search finds a token that *is*
/// stored (the sensitive, non-write-only `token` lives in state by design),
/// so an absence found above is not an artefact of where the test looks.
#[test]
fn control_plain_token_is_found_in_state() {
    let emu = emulator_with_repo(&[]);
    let wd = apply_single(&emu, &token_lines("pypi-token", TOKEN));
    let places = everything_written(&wd, &emu);
    let found: Vec<&str> = places
        .iter()
        .filter(|(_, text)| text.contains(TOKEN))
        .map(|(name, _)| name.as_str())
        .collect();
    assert!(
        found.contains(&"terraform.tfstate") && found.contains(&"terraform show -json"),
        "a plain `token` must be found in the state file and show -json; found in {found:?}"
    );
    assert!(
        !found.contains(&"emulator request log") && !found.contains(&"Terraform log (TF_LOG_PATH)"),
        "even a plain token must not reach the request log or Terraform's log; found in {found:?}"
    );
}
