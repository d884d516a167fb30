//! The plugin-protocol server end to end, in process: a tonic client talks
//! to `serve` on 127.0.0.1:0 with a small fake provider (and, in
//! `binary`, to the built plugin itself).

#[path = "protocol/binary.rs"]
mod binary;
#[path = "protocol/echo.rs"]
mod echo;
#[path = "protocol/mp.rs"]
mod mp;
#[path = "protocol/real_provider.rs"]
mod real_provider;
#[path = "protocol/server.rs"]
mod server;
#[path = "protocol/states.rs"]
mod states;
#[path = "protocol/support.rs"]
mod support;
#[path = "protocol/values.rs"]
mod values;
