//! A small framework serving Terraform's plugin protocol 6 (tfplugin6) over
//! tonic. It knows nothing of Google: a provider implements the traits in
//! [`provider`] and hands itself to [`serve::serve_main`].
//!
//! - [`value`], [`codec`], [`typed`]: Terraform values, their msgpack/JSON
//!   wire format, and a serde bridge to typed structs.
//! - [`schema`], [`diag`]: the schema model and diagnostics with attribute paths.
//! - [`server`]: the `tfplugin6.Provider` gRPC service, dispatching to [`provider`].
//! - [`serve`]: handshake, AutoMTLS, go-plugin services, debug/reattach mode.
//! - [`logging`]: tracing output as hclog JSON lines on stderr.

pub mod codec;
pub mod convert;
pub mod diag;
pub mod handshake;
pub mod logging;
pub mod plugin_services;
#[doc(hidden)]
pub mod proto;
pub mod provider;
pub mod schema;
pub mod serve;
pub mod server;
pub mod tls;
pub mod typed;
mod typed_serde;
pub mod value;

pub use diag::{AttributePath, Diagnostic, Diagnostics, Severity};
pub use provider::{CallContext, DataSource, ListResource, Provider, Resource};
pub use schema::{
    Attribute, Block, IdentityAttribute, IdentitySchema, NestedBlock, Nesting, Presence, Schema,
};
pub use typed::{from_value, to_value, Attr};
pub use value::{Number, Type, Value};
