//! Terraform runs in a work directory, and what they print or leave in the state.

use serde_json::Value;

use crate::support::{Emulator, TfOutput, Workdir};

use super::{config, resource};

/// Terraform's output with every run of whitespace made one space: the CLI
/// wraps diagnostic text at its column width.
pub fn flat(out: &TfOutput) -> String {
    format!("{}\n{}", out.stdout, out.stderr)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Writes `main.tf` into the work directory, replacing the previous one.
pub fn write_main(wd: &Workdir, contents: &str) {
    wd.write("main.tf", contents);
}

/// Writes a `main.tf` whose one resource is `pypi_remote_auth.x` on
/// `repository`, with attribute lines `body`.
pub fn write_single(wd: &Workdir, emu: &Emulator, repository: &str, body: &str) {
    write_main(wd, &config(emu, &resource("x", repository, body)));
}

/// A new work directory on the primary Terraform in which
/// `pypi_remote_auth.x` on `pypi-remote`, with attribute lines `body`, has
/// been applied (failing the test when the apply fails).
pub fn apply_single(emu: &Emulator, body: &str) -> Workdir {
    let wd = Workdir::new(&crate::support::primary_terraform());
    write_single(&wd, emu, "pypi-remote", body);
    apply(&wd);
    wd
}

/// `terraform apply -auto-approve`, failing the test on error.
pub fn apply(wd: &Workdir) -> TfOutput {
    wd.tf_ok(&["apply", "-auto-approve", "-no-color", "-input=false"])
}

/// `terraform destroy -auto-approve`, failing the test on error.
pub fn destroy(wd: &Workdir) -> TfOutput {
    wd.tf_ok(&["destroy", "-auto-approve", "-no-color", "-input=false"])
}

/// `terraform plan -detailed-exitcode`: 0 no changes, 1 error, 2 changes.
pub fn plan(wd: &Workdir) -> TfOutput {
    wd.tf(&["plan", "-detailed-exitcode", "-no-color", "-input=false"])
}

/// `terraform plan -out=tfplan`, asserting it succeeds, and the saved plan
/// as `terraform show -json tfplan` prints it: (plan output, show output).
pub fn save_plan(wd: &Workdir, when: &str) -> (TfOutput, TfOutput) {
    let out = wd.tf(&["plan", "-out=tfplan", "-no-color", "-input=false"]);
    assert_eq!(
        out.code, 0,
        "{when}: plan -out failed:\n{}\n{}",
        out.stdout, out.stderr
    );
    let shown = wd.tf_ok(&["show", "-json", "tfplan"]);
    (out, shown)
}

/// Asserts that a plan proposes nothing, printing what it proposed otherwise.
pub fn assert_plan_clean(wd: &Workdir, when: &str) {
    let out = plan(wd);
    assert_eq!(
        out.code,
        0,
        "{when}: expected `plan -detailed-exitcode` to report no changes\nstdout:\n{}\nstderr:\n{}\nlog tail:\n{}",
        out.stdout,
        out.stderr,
        tail(&wd.log(), 4000)
    );
}

/// Asserts that a plan proposes changes (exit code 2) and returns its output.
pub fn assert_plan_changes(wd: &Workdir, when: &str) -> TfOutput {
    let out = plan(wd);
    assert_eq!(
        out.code,
        2,
        "{when}: expected `plan -detailed-exitcode` to report changes\nstdout:\n{}\nstderr:\n{}\nlog tail:\n{}",
        out.stdout,
        out.stderr,
        tail(&wd.log(), 4000)
    );
    out
}

/// The last `max` bytes of a text, cut at a character boundary.
pub fn tail(text: &str, max: usize) -> &str {
    let mut start = text.len().saturating_sub(max);
    while !text.is_char_boundary(start) {
        start += 1;
    }
    &text[start..]
}

/// The values of resource `address` in `terraform show -json`'s state.
pub fn state_values(wd: &Workdir, address: &str) -> Value {
    let state = wd.state_json();
    find_resource(&state, address)
        .unwrap_or_else(|| panic!("{address} is not in the state: {state:#}"))
}

/// Whether `address` is in the state at all.
pub fn in_state(wd: &Workdir, address: &str) -> bool {
    find_resource(&wd.state_json(), address).is_some()
}

fn find_resource(state: &Value, address: &str) -> Option<Value> {
    state["values"]["root_module"]["resources"]
        .as_array()?
        .iter()
        .find(|r| r["address"] == address)
        .map(|r| r["values"].clone())
}

/// Asserts Terraform printed an error diagnostic that names `attribute`
/// (Terraform quotes the attribute's source line when the diagnostic carries
/// its path; for an attribute absent from the configuration the provider's
/// message has to name it).
pub fn assert_error_on(out: &TfOutput, attribute: &str) {
    assert_error_on_any(out, &[attribute]);
}

/// Like [`assert_error_on`], accepting a diagnostic on any of `attributes`
/// (e.g. a conflict between two attributes may sit on either).
pub fn assert_error_on_any(out: &TfOutput, attributes: &[&str]) {
    let text = format!("{}\n{}", out.stdout, out.stderr);
    assert_ne!(
        out.code, 0,
        "expected an error about {attributes:?}, but terraform succeeded:\n{text}"
    );
    assert!(text.contains("Error"), "no error diagnostic in:\n{text}");
    assert!(
        attributes.iter().any(|a| mentions_word(&text, a)),
        "the error does not mention any of {attributes:?}:\n{text}"
    );
}

/// Whether `word` occurs in `text` as a whole identifier, so that `token`
/// is not found inside `token_wo` or `__token__`.
pub fn mentions_word(text: &str, word: &str) -> bool {
    let is_ident = |c: char| c.is_ascii_alphanumeric() || c == '_';
    text.match_indices(word).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + word.len()..].chars().next();
        !before.is_some_and(is_ident) && !after.is_some_and(is_ident)
    })
}
