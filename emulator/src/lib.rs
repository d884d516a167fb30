//! gcp-emulator: a local emulator of the Google Cloud REST APIs used to
//! configure PyPI upstream authentication for Artifact Registry: Secret
//! Manager v1, Artifact Registry v1, Resource Manager v1/v3 and Service
//! Usage v1beta1, on one plain-HTTP port, faithful enough for Google's own
//! clients (gcloud, the Python client libraries) and strict enough to catch
//! a client that sends the wrong thing.
//!
//! # Layout
//!
//! Imports run downwards only, from the server to the leaves: no module
//! imports one that imports it back.
//!
//! - [`serve`] (`server.rs`): the axum server, on a listener whose
//!   connections a request can cut (`connection.rs`, for the `drop` fault).
//!   `pipeline.rs`: what every API request goes through (latency → fault
//!   rule → auth → quota → random fault → method → request log).
//!   `admin.rs`: `/_emulator/*`. They share `App` (`app.rs`): the locked
//!   state, the request log, faults and quotas, and reset.
//! - `router.rs`: maps a parsed path (`path.rs`) onto an API method.
//! - `secretmanager/`, `artifactregistry/`, `resourcemanager.rs`,
//!   `serviceusage.rs`: the emulated methods, one module per API. In each
//!   API folder `mod.rs` only routes; the methods live beside it, and
//!   `model.rs` holds the JSON model (what callers may write, the limits,
//!   the rendered answer). `secretmanager/filter.rs` reads list filters;
//!   `artifactregistry/upstream.rs` is the upstream credentials check.
//! - `request.rs`: `Ctx`, what a method reads about its request, and paging
//!   of list answers.
//! - `iam.rs`: policies, etags and `setIamPolicy` semantics; `auth.rs`:
//!   tokens → principals, roles → permissions, permission checks.
//! - `propagation.rs`: a policy's recent writes, so the upstream check sees
//!   IAM changes late; `settings.rs`: the behaviour `/_emulator/settings`
//!   changes at run time.
//! - `state.rs`: the in-memory model and its constructors; `seed.rs` builds
//!   it from [`Config`] (`config.rs`, the `--seed` JSON format) with the API
//!   models' validation, not through the methods; `cli.rs`: the command line.
//! - `faults/`: random faults (`random.rs`), targeted fault rules
//!   (`rules.rs`) and the requests a `hold` rule parks (`held.rs`);
//!   `log.rs`: the request log; `quota.rs`: per-caller quotas.
//! - `error.rs`: `google.rpc.Status` errors; `enums.rs`: enum names and
//!   numbers; `clock.rs`: timestamps; `ids.rs`: id naming rules.
//! - `src/main.rs`: the thin binary.

mod admin;
mod app;
mod artifactregistry;
mod auth;
pub mod cli;
mod clock;
pub mod config;
mod connection;
mod enums;
mod error;
mod faults;
mod iam;
mod ids;
mod log;
mod path;
mod pipeline;
mod propagation;
mod quota;
mod request;
mod resourcemanager;
mod router;
mod secretmanager;
mod seed;
mod server;
mod serviceusage;
mod settings;
mod state;

pub use config::{Config, Seed};
pub use server::serve;

/// Checks that a configuration's seed is consistent (what [`serve`] would
/// otherwise report when starting).
pub fn validate(config: &Config) -> Result<(), String> {
    seed::build_state(config).map(|_| ())
}
