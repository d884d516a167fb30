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
//! - [`datasources`]: the `pypi_remote_auth` data source, reading how a
//!   repository authenticates to PyPI (never the token).
//! - [`list`]: the `pypi_remote_auth` list resource for `terraform query`
//!   (Terraform 1.14+), finding credentials to import.
//! - [`docgen`]: generates the Registry docs in `docs/` from the schema (`gen-docs`).
//! - `src/main.rs`: the thin binary.

pub mod datasources;
pub mod docgen;
pub mod google;
pub mod list;
pub mod provider;
pub mod resources;
pub mod tfplugin;
