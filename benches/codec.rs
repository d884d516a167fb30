//! `cargo bench --bench codec` (run by `make bench`): the cost of one
//! msgpack decode+encode of a `pypi_remote_auth` state value, the shape
//! Terraform sends in every PlanResourceChange and ApplyResourceChange,
//! against `serde_json` encoding and decoding the same state as JSON.
//!
//! A plain `Instant` loop, not a test: the numbers are compared as ratios
//! from one run, never asserted. Every loop is bounded, so it always ends.
//! Prints `BENCH <key> <value>` lines that `tools/bench.sh` collects.

use std::hint::black_box;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use terraform_provider_pypi::remote_auth::schema::schema;
use terraform_provider_pypi::tfplugin::codec::{
    decode_json, decode_msgpack, encode_json, encode_msgpack, CodecError,
};
use terraform_provider_pypi::tfplugin::{Type, Value};

/// A state as Terraform stores it after the quickstart's `apply`.
const STATE_JSON: &str = r#"{"create_service_agent":true,"deletion_policy":"DELETE","id":"projects/demo-project/locations/us-central1/repositories/pypi-remote","location":"us-central1","previous_version_policy":"DISABLE","project":"demo-project","project_number":"123456789012","repository":"pypi-remote","secret_id":"pypi-upstream-token","secret_labels":{"team":"platform","managed-by":"terraform"},"secret_project":"demo-project","secret_replica_locations":["us-central1","europe-west1"],"secret_version":"projects/demo-project/secrets/pypi-upstream-token/versions/1","service_agent":"service-123456789012@gcp-sa-artifactregistry.iam.gserviceaccount.com","timeouts":null,"token":null,"token_wo":null,"token_wo_version":1,"username":"__token__"}"#;

/// Time each sample runs for: long enough to hide the clock's resolution.
const SAMPLE_TIME: Duration = Duration::from_millis(300);
/// Samples per measurement; the median is reported, so one noisy sample does not count.
const SAMPLES: usize = 5;
/// Hard cap on iterations per sample, so even a broken clock ends the loop.
const MAX_ITERATIONS: u64 = 50_000_000;

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("codec bench: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), String> {
    let ty = schema().block.object_type();
    let value = decode_json(STATE_JSON.as_bytes(), &ty).map_err(describe)?;
    let packed = encode_msgpack(&value, &ty).map_err(describe)?;
    let json: serde_json::Value =
        serde_json::from_str(STATE_JSON).map_err(|e| format!("state JSON: {e}"))?;

    // Check once that each round trip is lossless before timing it.
    let back = decode_msgpack(&packed, &ty).map_err(describe)?;
    if back != value {
        return Err("msgpack round trip changed the state".into());
    }

    let msgpack_ns = median_ns(|| msgpack_round_trip(&packed, &ty))?;
    let own_json_ns = median_ns(|| own_json_round_trip(STATE_JSON.as_bytes(), &ty))?;
    let serde_ns = median_ns(|| serde_json_round_trip(&json))?;

    println!("BENCH codec_state_msgpack_bytes {}", packed.len());
    println!("BENCH codec_state_json_bytes {}", STATE_JSON.len());
    println!("BENCH codec_msgpack_round_trip_ns {msgpack_ns:.0}");
    println!("BENCH codec_json_round_trip_ns {own_json_ns:.0}");
    println!("BENCH codec_serde_json_round_trip_ns {serde_ns:.0}");
    println!(
        "BENCH codec_msgpack_vs_serde_json_ratio {:.2}",
        msgpack_ns / serde_ns
    );
    Ok(())
}

/// Decodes msgpack into a typed value and encodes it again (what a plan RPC does to its inputs and outputs).
fn msgpack_round_trip(bytes: &[u8], ty: &Type) -> Result<usize, CodecError> {
    let value: Value = decode_msgpack(black_box(bytes), ty)?;
    Ok(encode_msgpack(&value, ty)?.len())
}

/// The same through the provider's own schema-driven JSON codec (UpgradeResourceState).
fn own_json_round_trip(bytes: &[u8], ty: &Type) -> Result<usize, CodecError> {
    let value: Value = decode_json(black_box(bytes), ty)?;
    Ok(encode_json(&value, ty)?.len())
}

/// The baseline: untyped `serde_json` encode then decode of the same state.
fn serde_json_round_trip(json: &serde_json::Value) -> Result<usize, CodecError> {
    let bytes = serde_json::to_vec(black_box(json)).map_err(|e| CodecError {
        path: String::new(),
        message: e.to_string(),
    })?;
    let back: serde_json::Value = serde_json::from_slice(&bytes).map_err(|e| CodecError {
        path: String::new(),
        message: e.to_string(),
    })?;
    Ok(black_box(back).as_object().map_or(0, serde_json::Map::len))
}

/// Median over [`SAMPLES`] of the mean nanoseconds per call of `op`.
fn median_ns(mut op: impl FnMut() -> Result<usize, CodecError>) -> Result<f64, String> {
    // Warm-up and calibration: how many calls fill one sample.
    let mut per_sample: u64 = 1;
    loop {
        let start = Instant::now();
        for _ in 0..per_sample {
            black_box(op().map_err(describe)?);
        }
        if start.elapsed() >= SAMPLE_TIME / 10 || per_sample >= MAX_ITERATIONS / 10 {
            per_sample = per_sample.saturating_mul(10).min(MAX_ITERATIONS);
            break;
        }
        per_sample = per_sample.saturating_mul(2);
    }
    let mut samples = Vec::with_capacity(SAMPLES);
    for _ in 0..SAMPLES {
        let start = Instant::now();
        for _ in 0..per_sample {
            black_box(op().map_err(describe)?);
        }
        samples.push(start.elapsed().as_nanos() as f64 / per_sample as f64);
    }
    samples.sort_by(f64::total_cmp);
    Ok(samples[SAMPLES / 2])
}

fn describe(e: CodecError) -> String {
    format!("codec error: {e}")
}
