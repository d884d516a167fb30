//! msgpack DynamicValue encoding, driven by the schema type (go-cty's
//! `cty/msgpack` layout): objects as maps with every attribute, unknown as
//! extension 0, refined unknown as extension 12, dynamic as `[type, value]`.
//! `rmp` reads markers and writes everything; payloads are read here so
//! that strings and bins can be borrowed without copying.

mod decode;
mod encode;

pub use decode::decode_msgpack;
pub use encode::encode_msgpack;
