//! What the provider reads from the PyPI token itself, offline, through
//! real Terraform: `token_expires_at`, `token_scope`, and the plan
//! diagnostics for expired, expiring, not yet valid, trusted-publishing,
//! malformed and non-PyPI tokens. Tokens are minted here with a throw-away
//! key (tests/support/macaroon.rs); none of them is ever shown.

mod remote_auth_common;
mod support;

use remote_auth_common::*;
use support::macaroon::{Mint, DAY};
use support::Workdir;

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or_default()
}

/// `terraform plan` of one resource holding `token` (and `extra` lines).
fn plan_with(token: &str, extra: &str) -> (Workdir, support::TfOutput) {
    let emu = emulator_with_repo(&[]);
    let mut wd = Workdir::new(&support::primary_terraform());
    // From a sensitive variable, as users pass tokens: Terraform quotes the
    // configuration around a diagnostic, and a literal would be quoted.
    wd.set_env("TF_VAR_pypi_token", token);
    let body = format!("  secret_id = \"pypi-token\"\n  token     = var.pypi_token\n{extra}");
    wd.write(
        "main.tf",
        &format!(
            "variable \"pypi_token\" {{\n  type      = string\n  sensitive = true\n}}\n\n{}",
            config(&emu, &resource("x", "pypi-remote", &body))
        ),
    );
    let out = wd.tf(&["plan", "-no-color", "-input=false"]);
    assert!(
        !flat(&out).contains(token),
        "the token appears in the plan output"
    );
    // Keep the emulator alive for the caller's apply.
    std::mem::forget(emu);
    (wd, out)
}

#[test]
fn an_expired_token_is_an_error_at_plan() {
    let token = Mint::new("expired")
        .expiration(now() - 3 * DAY, now() - 30 * DAY)
        .token();
    let (_wd, out) = plan_with(&token, "");
    assert_eq!(out.code, 1, "{}", flat(&out));
    assert!(flat(&out).contains("expired"), "{}", flat(&out));
}

#[test]
fn a_trusted_publishing_token_and_a_future_token_are_errors_at_plan() {
    for token in [
        Mint::new("tp")
            .trusted_publisher("publisher-1")
            .expiration(now() + 900, now() - 60)
            .token(),
        Mint::new("later")
            .expiration(now() + 90 * DAY, now() + 10 * DAY)
            .token(),
    ] {
        let (_wd, out) = plan_with(&token, "");
        assert_eq!(out.code, 1, "{}", flat(&out));
    }
}

#[test]
fn an_expiring_project_token_warns_and_records_expiry_and_scope() {
    let expires = now() + 10 * DAY;
    let token = Mint::new("soon")
        .project_names(&["sampleproject", "another"])
        .expiration(expires, now() - DAY)
        .token();
    let (wd, out) = plan_with(&token, "");
    assert_eq!(out.code, 0, "{}", flat(&out));
    let text = flat(&out);
    assert!(
        text.contains("Warning") && text.contains("expires"),
        "{text}"
    );
    apply(&wd);
    let values = state_values(&wd, "pypi_remote_auth.x");
    assert_eq!(values["token_scope"], "projects:another,sampleproject");
    let at = values["token_expires_at"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(
        at.ends_with('Z') && at.len() == 20,
        "RFC 3339 to the second: {at}"
    );
    assert_plan_clean(
        &wd,
        "after storing an expiring token (a warning, no change)",
    );
}

#[test]
fn user_and_legacy_tokens_read_as_user_and_unknown_tokens_as_unknown() {
    for (token, scope, username) in [
        (Mint::new("user").user("u-1").token(), "user", "__token__"),
        (
            Mint::new("legacy")
                .caveat(r#"{"version": 1, "permissions": "user"}"#)
                .token(),
            "user",
            "__token__",
        ),
        (
            Mint::new("legacy-projects")
                .caveat(r#"{"version": 1, "permissions": {"projects": ["demo"]}}"#)
                .token(),
            "projects:demo",
            "__token__",
        ),
        ("private-index-password".to_string(), "unknown", "robot"),
    ] {
        let (wd, out) = plan_with(&token, &format!("  username = \"{username}\""));
        assert_eq!(out.code, 0, "{}", flat(&out));
        // The one warning is Terraform's own about dev_overrides.
        assert_eq!(
            flat(&out).matches("Warning:").count(),
            1,
            "no finding for {scope}: {}",
            flat(&out)
        );
        apply(&wd);
        let values = state_values(&wd, "pypi_remote_auth.x");
        assert_eq!(values["token_scope"], scope);
        assert!(values["token_expires_at"].is_null());
    }
}

#[test]
fn malformed_and_non_pypi_values_warn_with_pypis_username() {
    for token in [
        "pypi-%%%not-base64%%%",
        "pypi-AgEIcHlwaS5vcmc",
        "ghp_not_a_pypi_token",
    ] {
        let (_wd, out) = plan_with(token, "");
        assert_eq!(out.code, 0, "{}", flat(&out));
        assert_eq!(
            flat(&out).matches("Warning:").count(),
            2,
            "{token}: {}",
            flat(&out)
        );
    }
}
