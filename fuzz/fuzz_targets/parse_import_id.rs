//! Import IDs: no panic; what parses, parses back from its full and short names.
//! The checks live in `src/lib.rs`, shared with the stable replay test.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| terraform_provider_pypi_fuzz::parse_import_id(data));
