//! What each fuzz target checks, as plain functions: the libFuzzer targets
//! in `fuzz_targets/` call them, and so does the stable replay test
//! (`tests/fuzz_replay.rs` in the main crate includes this file), so seeds
//! and minimized crashes are rerun by `cargo test` without nightly.
//!
//! Each function takes arbitrary bytes and panics only when the code under
//! test breaks a property: a panic in the code itself, or a result that
//! contradicts another.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use base64::engine::general_purpose::{URL_SAFE, URL_SAFE_NO_PAD};
use base64::Engine;
use terraform_provider_pypi::pypi_token::{self, Inspection, Severity};
use terraform_provider_pypi::remote_auth::ids;
use terraform_provider_pypi::tfplugin::codec;
use terraform_provider_pypi::tfplugin::{Provider, Type};
use terraform_provider_pypi::PypiProvider;

/// A fuzz target's name and its check.
pub type Target = (&'static str, fn(&[u8]));

/// Every target, by the name of its `fuzz_targets/` file and seed directory.
pub const TARGETS: &[Target] = &[
    ("decode_msgpack", decode_msgpack),
    ("decode_json_state", decode_json_state),
    ("pypi_token", pypi_token),
    ("parse_import_id", parse_import_id),
];

/// The shapes Terraform sends: scalars, collections, a schema-like object
/// with a nested block and a dynamic attribute, and the provider's own
/// resource, data source and list resource schemas.
pub fn types() -> &'static [Type] {
    static TYPES: OnceLock<Vec<Type>> = OnceLock::new();
    TYPES.get_or_init(|| {
        let string_list = Type::List(Box::new(Type::String));
        let timeouts = Type::Object {
            attrs: BTreeMap::from([
                ("create".to_string(), Type::String),
                ("delete".to_string(), Type::String),
            ]),
            optional: vec![],
        };
        let resource_like = Type::Object {
            attrs: BTreeMap::from([
                ("project".to_string(), Type::String),
                ("labels".to_string(), Type::Map(Box::new(Type::String))),
                ("replicas".to_string(), Type::Set(Box::new(Type::String))),
                ("version".to_string(), Type::Number),
                ("enabled".to_string(), Type::Bool),
                ("timeouts".to_string(), timeouts),
                ("extra".to_string(), Type::Dynamic),
            ]),
            optional: vec![],
        };
        let mut types = vec![
            Type::Number,
            Type::String,
            Type::Dynamic,
            string_list.clone(),
            Type::Tuple(vec![Type::Bool, Type::Number, string_list]),
            resource_like,
        ];
        // Through the plugin framework's trait, not the types' modules, which move.
        let provider = PypiProvider::new();
        types.extend(
            provider
                .resources()
                .values()
                .map(|r| r.schema().block.object_type()),
        );
        types.extend(
            provider
                .data_sources()
                .values()
                .map(|d| d.schema().block.object_type()),
        );
        types
    })
}

/// msgpack DynamicValues: decoding never panics; whatever decodes
/// re-encodes and decodes to the same value.
pub fn decode_msgpack(data: &[u8]) {
    for ty in types() {
        let Ok(value) = codec::decode_msgpack(data, ty) else {
            continue;
        };
        let bytes = codec::encode_msgpack(&value, ty).expect("a decoded value re-encodes");
        let again = codec::decode_msgpack(&bytes, ty).expect("an encoded value decodes");
        assert_eq!(again, value, "msgpack round trip changed the value");
    }
}

/// Stored JSON state (`RawState.json`, UpgradeResourceState), strict and
/// dropping removed attributes: never panics; whatever decodes re-encodes
/// and decodes to the same value; the lenient decoder accepts all the
/// strict one does, with the same result.
pub fn decode_json_state(data: &[u8]) {
    for ty in types() {
        let strict = codec::decode_json(data, ty);
        let Ok(value) = codec::decode_json_dropping_removed_attributes(data, ty) else {
            assert!(
                strict.is_err(),
                "the lenient decoder refused what the strict one read"
            );
            continue;
        };
        if let Ok(strict) = strict {
            assert_eq!(
                strict, value,
                "the two decoders read one document differently"
            );
        }
        let bytes = codec::encode_json(&value, ty).expect("a decoded state re-encodes");
        let again = codec::decode_json(&bytes, ty).expect("an encoded state decodes");
        assert_eq!(again, value, "JSON round trip changed the value");
    }
}

/// A fixed "now" (2026-01-01T00:00:00Z) and the extremes of the clock.
const NOWS: [i64; 4] = [1_767_225_600, 0, i64::MIN, i64::MAX];

/// PyPI tokens. The first byte chooses: bit 0, whether the rest is the
/// token's text or the macaroon's bytes (encoded here, so mutations reach
/// the binary parser instead of dying in base64); bit 1, the username;
/// bits 2–3, the clock. `inspect` and `assess` never panic, and what they
/// say agrees with itself.
pub fn pypi_token(data: &[u8]) {
    let Some((&control, rest)) = data.split_first() else {
        return;
    };
    let token = if control & 1 == 0 {
        String::from_utf8_lossy(rest).into_owned()
    } else {
        format!("pypi-{}", URL_SAFE_NO_PAD.encode(rest))
    };
    let username = if control & 2 == 0 {
        pypi_token::TOKEN_USERNAME
    } else {
        "someone"
    };
    let now = NOWS[usize::from((control >> 2) & 3)];

    let inspection = pypi_token::inspect(&token);
    let has_prefix = token.trim().starts_with(pypi_token::PYPI_PREFIX);
    assert_eq!(
        matches!(inspection, Inspection::NotPypiToken),
        !has_prefix,
        "NotPypiToken must mean exactly: no `pypi-` prefix"
    );
    let scope = inspection.token_scope();
    assert!(
        ["user", "trusted-publisher", "unknown"].contains(&scope.as_str())
            || scope.starts_with("projects:"),
        "unexpected scope string {scope:?}"
    );
    if let Some(at) = inspection.token_expires_at() {
        assert!(
            at.ends_with('Z') && at.len() == 20,
            "not RFC 3339 UTC seconds: {at:?}"
        );
    }
    for finding in pypi_token::assess(&inspection, username, now) {
        assert!(!finding.summary().is_empty() && !finding.detail().is_empty());
        let _: Severity = finding.severity();
    }
    if control & 1 == 1 {
        let padded = format!("pypi-{}", URL_SAFE.encode(rest));
        assert_eq!(
            pypi_token::inspect(&padded),
            inspection,
            "padding changed the reading"
        );
    }
}

/// Import IDs (`terraform import`): never panics; an accepted ID names a
/// repository whose full name and `P/L/R` form parse back to it. Bit 0 of
/// the first byte gives the provider a default project.
pub fn parse_import_id(data: &[u8]) {
    let Some((&control, rest)) = data.split_first() else {
        return;
    };
    let id = String::from_utf8_lossy(rest);
    let default_project = (control & 1 == 1).then_some("demo-project");
    let Ok(repository) = ids::parse_import_id(&id, default_project) else {
        return;
    };
    assert_eq!(
        ids::parse_import_id(&repository.name(), None).as_ref(),
        Ok(&repository),
        "the full name of an imported repository does not parse back"
    );
    let short = format!(
        "{}/{}/{}",
        repository.project, repository.location, repository.id
    );
    assert_eq!(
        ids::parse_import_id(&short, None).as_ref(),
        Ok(&repository),
        "the P/L/R form of an imported repository does not parse back"
    );
}
