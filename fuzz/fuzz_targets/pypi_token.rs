//! PyPI token text and macaroon bytes: `inspect` and `assess` never panic and agree with themselves.
//! The checks live in `src/lib.rs`, shared with the stable replay test.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| terraform_provider_pypi_fuzz::pypi_token(data));
