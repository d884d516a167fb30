//! `terraform-provider-pypi`: one Terraform / OpenTofu resource,
//! `pypi_remote_auth`, that does Google's four-step guide "configure
//! authentication to upstream PyPI for an Artifact Registry remote
//! repository": store the PyPI token as a Secret Manager version, let the
//! Artifact Registry service agent read it, point the remote repository at
//! it, and keep all of it right as tokens rotate.
//!
//! # Layout
//!
//! - [`tfplugin`]: serves Terraform's plugin protocol 6 (handshake, mTLS,
//!   value codec, schema, diagnostics). Knows nothing of Google.
//! - [`google`]: REST clients for Secret Manager, Artifact Registry,
//!   Resource Manager, Service Usage and IAM Credentials, with auth and the
//!   retry policy. Knows nothing of Terraform.
//! - [`provider`]: the `pypi` provider: its configuration schema and how
//!   configuration becomes a [`google::GoogleClient`].
//! - [`resources`]: the `pypi_remote_auth` resource, reading top to bottom
//!   schema → validate/plan → apply → read → import.
//! - [`docgen`]: generates the Registry docs in `docs/` from the schema (`gen-docs`).
//! - `src/main.rs`: the thin binary.

pub mod docgen;
pub mod google;
pub mod provider;
pub mod resources;
pub mod tfplugin;
