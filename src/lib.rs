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
//! - [`provider`]: the provider block: its configuration schema and how
//!   configuration becomes a [`google::GoogleClient`], handed to the types
//!   through a [`provider::handle::ProviderHandle`].
//! - [`remote_auth`]: the `pypi_remote_auth` resource, data source and list
//!   resource, reading top to bottom schema → validate/plan → apply → read →
//!   import.
//! - [`registry`]: the `pypi` provider as Terraform sees it, on top: the
//!   provider block plus the types it serves.
//! - [`docgen`]: generates the Registry docs in `docs/` from the schema (`gen-docs`).
//! - `src/main.rs`: the thin binary.
//!
//! Imports point down only: `registry` → `remote_auth` → `provider` →
//! `google`, `tfplugin`; `google` and `tfplugin` never import each other.

pub mod docgen;
pub mod google;
pub mod provider;
pub mod pypi_token;
pub mod registry;
pub mod remote_auth;
pub mod tfplugin;

pub use registry::PypiProvider;
