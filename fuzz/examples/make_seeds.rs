//! Writes the seed corpora in `fuzz/seeds/<target>/` (see fuzz/README.md):
//! PyPI tokens minted with the tests' throw-away key, JSON states and
//! msgpack values shaped like every type the targets decode, and import
//! IDs. Deterministic: rerunning it rewrites the same files.

use std::fs;
use std::path::{Path, PathBuf};

use serde_json::{json, Map, Value as Json};
use terraform_provider_pypi::tfplugin::codec;
use terraform_provider_pypi::tfplugin::Type;

#[allow(dead_code)]
#[path = "../../tests/support/macaroon.rs"]
mod macaroon;

use macaroon::{token_from_bytes, Mint, DAY};

/// 2026-01-01T00:00:00Z, the "now" of the pypi_token target's first clock.
const NOW: i64 = 1_767_225_600;

fn main() -> std::io::Result<()> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("seeds");
    write_all(&root.join("pypi_token"), pypi_token_seeds())?;
    let (json, msgpack) = state_seeds();
    write_all(&root.join("decode_json_state"), json)?;
    write_all(&root.join("decode_msgpack"), msgpack)?;
    write_all(&root.join("parse_import_id"), import_id_seeds())?;
    Ok(())
}

fn write_all(dir: &Path, seeds: Vec<(String, Vec<u8>)>) -> std::io::Result<()> {
    fs::create_dir_all(dir)?;
    for (name, bytes) in seeds {
        fs::write(dir.join(name), bytes)?;
    }
    Ok(())
}

/// The pypi_token target's first byte: bit 0 raw macaroon bytes, bit 1
/// another username, bits 2–3 the clock (see `src/lib.rs`).
fn pypi_token_seeds() -> Vec<(String, Vec<u8>)> {
    let mints = [
        (
            "user-expiring",
            Mint::default()
                .user("user-id")
                .expiration(NOW + 10 * DAY, NOW - DAY),
        ),
        (
            "user-expired",
            Mint::default()
                .user("user-id")
                .expiration(NOW - DAY, NOW - 9 * DAY),
        ),
        (
            "not-yet-valid",
            Mint::default()
                .user("user-id")
                .expiration(NOW + 90 * DAY, NOW + DAY),
        ),
        ("user-forever", Mint::default().user("user-id")),
        (
            "projects",
            Mint::default()
                .user("user-id")
                .project_names(&["numpy", "attrs"])
                .project_ids(&["id-1", "id-2"]),
        ),
        ("project-ids", Mint::default().project_ids(&["id-1"])),
        (
            "trusted-publisher",
            Mint::default()
                .trusted_publisher("publisher-id")
                .project_ids(&["id-1"])
                .expiration(NOW + 900, NOW),
        ),
        (
            "legacy-user",
            Mint::default().caveat(r#"{"version": 1, "permissions": "user"}"#),
        ),
        (
            "legacy-projects",
            Mint::default()
                .caveat(r#"{"version": 1, "permissions": {"projects": ["flask"]}}"#)
                .caveat(r#"{"exp": 1900000000, "nbf": 1700000000}"#),
        ),
        (
            "third-party",
            Mint::default().user("user-id").third_party(
                "elsewhere.example",
                "their-caveat",
                b"key id",
            ),
        ),
        (
            "unrecognised",
            Mint::default().caveat("account = alice").caveat("[9]"),
        ),
    ];
    let mut seeds = Vec::new();
    for (name, mint) in &mints {
        seeds.push((
            format!("text-{name}"),
            [&[0u8][..], mint.token().as_bytes()].concat(),
        ));
        seeds.push((
            format!("bytes-{name}"),
            [&[1u8][..], &mint.bytes()].concat(),
        ));
    }
    let user = &mints[0].1;
    let text = |control: u8, value: &str| [&[control][..], value.as_bytes()].concat();
    seeds.extend([
        ("text-padded".to_string(), text(0, &user.padded_token())),
        (
            "text-newline".to_string(),
            text(0, &format!("{}\n", user.token())),
        ),
        (
            "text-other-user-clock".to_string(),
            text(0b1110, &user.token()),
        ),
        ("text-not-pypi".to_string(), text(0, "private-index-token")),
        ("text-not-base64".to_string(), text(0, "pypi-not!base64")),
        (
            "text-truncated".to_string(),
            text(0, &token_from_bytes(&user.bytes()[..20])),
        ),
        (
            "bytes-trailing".to_string(),
            [&[1u8][..], &user.bytes(), b"xx"].concat(),
        ),
        (
            "bytes-huge-length".to_string(),
            vec![
                1, 2, 1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01,
            ],
        ),
    ]);
    seeds
}

/// For every type the codec targets try: a JSON state with every value
/// present, one with every attribute null, and their msgpack encodings;
/// plus JSON go-cty accepts in odd forms.
fn state_seeds() -> (Vec<(String, Vec<u8>)>, Vec<(String, Vec<u8>)>) {
    let types = terraform_provider_pypi_fuzz::types();
    let mut json_seeds = Vec::new();
    let mut msgpack_seeds = Vec::new();
    for (i, ty) in types.iter().enumerate() {
        for (variant, doc) in [("full", sample(ty, 0)), ("nulls", nulls(ty))] {
            let bytes = serde_json::to_vec(&doc).expect("JSON serializes");
            let value = codec::decode_json(&bytes, ty).expect("a sample decodes as its type");
            let packed = codec::encode_msgpack(&value, ty).expect("a sample encodes");
            json_seeds.push((format!("type{i}-{variant}.json"), bytes));
            msgpack_seeds.push((format!("type{i}-{variant}.msgpack"), packed));
        }
    }
    for (name, text) in [
        ("number-as-string.json", r#""12.50""#),
        (
            "big-number.json",
            "123456789012345678901234567890.000000000000000000001",
        ),
        ("exponent.json", "1e400"),
        (
            "dynamic.json",
            r#"{"value":["a",{"k":true}],"type":["tuple",["string",["object",{"k":"bool"}]]]}"#,
        ),
        ("removed-attribute.json", r#"{"project":"p","gone":1}"#),
    ] {
        json_seeds.push((name.to_string(), text.as_bytes().to_vec()));
    }
    (json_seeds, msgpack_seeds)
}

/// A value of `ty` with every part present, as stored state writes it.
fn sample(ty: &Type, depth: usize) -> Json {
    match ty {
        Type::Bool => json!(true),
        Type::Number => json!(42),
        Type::String => json!("us-central1"),
        Type::Dynamic => json!({"value": "x", "type": "string"}),
        Type::List(t) | Type::Set(t) => json!([sample(t, depth + 1)]),
        Type::Map(t) => json!({ "key": sample(t, depth + 1) }),
        Type::Object { attrs, .. } => Json::Object(
            attrs
                .iter()
                .map(|(k, t)| (k.clone(), sample(t, depth + 1)))
                .collect::<Map<_, _>>(),
        ),
        Type::Tuple(ts) => Json::Array(ts.iter().map(|t| sample(t, depth + 1)).collect()),
    }
}

/// An object with every attribute null, or null itself.
fn nulls(ty: &Type) -> Json {
    match ty {
        Type::Object { attrs, .. } => {
            Json::Object(attrs.keys().map(|k| (k.clone(), Json::Null)).collect())
        }
        _ => Json::Null,
    }
}

/// The import target's first byte: bit 0 gives a default project.
fn import_id_seeds() -> Vec<(String, Vec<u8>)> {
    [
        (
            "full",
            0u8,
            "projects/demo-project/locations/us-central1/repositories/pypi-remote",
        ),
        ("three-parts", 0, "demo-project/us-central1/pypi-remote"),
        ("two-parts-default", 1, "us-central1/pypi-remote"),
        ("two-parts-no-default", 0, "us-central1/pypi-remote"),
        (
            "domain-project",
            0,
            "example.com:my-project/europe-west1/repo",
        ),
        ("bad-location", 0, "demo-project/US CENTRAL/repo"),
        ("empty-parts", 1, "//"),
    ]
    .into_iter()
    .map(|(name, control, id)| (name.to_string(), [&[control][..], id.as_bytes()].concat()))
    .collect()
}
