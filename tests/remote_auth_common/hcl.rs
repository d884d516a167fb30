//! The HCL the tests write: whole configurations and `pypi_remote_auth` blocks.

use crate::support::Emulator;

use super::{LOCATION, PROJECT};

/// A whole configuration: provider requirements, the provider block pointed
/// at `emu`, and the given resource blocks.
pub fn config(emu: &Emulator, resources: &str) -> String {
    format!(
        "terraform {{\n  required_providers {{\n    pypi = {{ source = \"pypiauth/pypi\" }}\n  }}\n}}\n\n{}\n\n{}\n",
        emu.provider_block(PROJECT),
        resources
    )
}

/// Like [`config`], with the provider calling as the seeded principal whose
/// bearer token is `token` (the harness's own calls stay on its owner token).
pub fn config_as(emu: &Emulator, token: &str, resources: &str) -> String {
    let provider = emu.provider_block(PROJECT).replace(
        &format!("\"{}\"", crate::support::ACCESS_TOKEN),
        &format!("\"{token}\""),
    );
    format!(
        "terraform {{\n  required_providers {{\n    pypi = {{ source = \"pypiauth/pypi\" }}\n  }}\n}}\n\n{provider}\n\n{resources}\n"
    )
}

/// One `pypi_remote_auth` block named `name` for repository `repository`
/// in [`LOCATION`], with extra attribute lines `body` (already indented or not).
pub fn resource(name: &str, repository: &str, body: &str) -> String {
    format!(
        "resource \"pypi_remote_auth\" \"{name}\" {{\n  location   = \"{LOCATION}\"\n  repository = \"{repository}\"\n{body}\n}}\n"
    )
}

/// The attribute lines naming secret `secret_id` and holding `token`.
pub fn token_lines(secret_id: &str, token: &str) -> String {
    format!("  secret_id = \"{secret_id}\"\n  token     = \"{token}\"")
}

/// A whole configuration with one resource per name in `names`, on
/// repository `pypi-<name>`, all sharing secret `secret_id` with `token`.
pub fn sharers(emu: &Emulator, names: &[&str], secret_id: &str, token: &str) -> String {
    let blocks: Vec<String> = names
        .iter()
        .map(|name| {
            resource(
                name,
                &format!("pypi-{name}"),
                &token_lines(secret_id, token),
            )
        })
        .collect();
    config(emu, &blocks.join("\n"))
}
