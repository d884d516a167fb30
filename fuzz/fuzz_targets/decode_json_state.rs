//! Stored JSON state against fixed types and the provider's schemas: no panic, round trips.
//! The checks live in `src/lib.rs`, shared with the stable replay test.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| terraform_provider_pypi_fuzz::decode_json_state(data));
