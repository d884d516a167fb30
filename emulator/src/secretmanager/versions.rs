//! Secret versions: add, get (with the `latest` alias), list, access and
//! the ENABLED / DISABLED / DESTROYED state machine. Payloads never leave
//! this module except through `:access`.

use super::filter::VersionFilter;
use super::lookup::{authorize, etag_mismatch, find_secret, find_secret_mut, secret_not_found};
use crate::clock::{self, now_rfc3339};
use crate::error::{ApiError, ApiResult};
use crate::request::{page_answer, Ctx};
use crate::state::{Secret, State, Version, VersionState};
use base64::Engine as _;
use serde_json::{json, Value};

/// Largest payload Secret Manager stores.
const MAX_PAYLOAD: usize = 64 * 1024;

/// Decodes `payload.data`: standard base64, URL-safe accepted as protobuf
/// JSON parsers do.
fn decode_data(data: &str) -> Result<Vec<u8>, ApiError> {
    use base64::engine::general_purpose::{STANDARD, URL_SAFE};
    STANDARD
        .decode(data)
        .or_else(|_| URL_SAFE.decode(data))
        .or_else(|_| {
            base64::engine::GeneralPurpose::new(
                &base64::alphabet::STANDARD,
                base64::engine::general_purpose::NO_PAD,
            )
            .decode(data)
        })
        .map_err(|_| {
            ApiError::invalid(
                "Invalid value at 'payload.data' (TYPE_BYTES), Base64 decoding failed.",
            )
        })
}

/// Parses `dataCrc32c` (int64 as a string, or a number).
fn parse_crc(value: &Value) -> Result<Option<u64>, ApiError> {
    let bad = || ApiError::invalid("Invalid value at 'payload.data_crc32c' (TYPE_INT64).");
    match value {
        Value::Null => Ok(None),
        Value::String(s) => s.parse().map(Some).map_err(|_| bad()),
        Value::Number(n) => n.as_u64().map(Some).ok_or_else(bad),
        _ => Err(bad()),
    }
}

fn render(secret: &Secret, version: &Version) -> Value {
    let replication_status = if let Some(user) = secret
        .fields
        .get("replication")
        .and_then(|r| r.get("userManaged"))
    {
        let replicas: Vec<Value> = user
            .get("replicas")
            .and_then(Value::as_array)
            .map(|r| {
                r.iter()
                    .map(|rep| json!({"location": rep.get("location").cloned().unwrap_or(Value::Null)}))
                    .collect()
            })
            .unwrap_or_default();
        json!({"userManaged": {"replicas": replicas}})
    } else {
        json!({"automatic": {}})
    };
    let mut out = json!({
        "name": format!("{}/versions/{}", secret.name(), version.number),
        "createTime": clock::format(version.create_time),
        "state": version.state.as_str(),
        "replicationStatus": replication_status,
        "etag": version.etag,
    });
    if let Some(t) = &version.destroy_time {
        out["destroyTime"] = json!(t);
    }
    if version.client_checksum {
        out["clientSpecifiedPayloadChecksum"] = json!(true);
    }
    out
}

/// Finds a version by number or the alias `latest` (the most recently
/// created version, whatever its state, as documented).
fn find<'a>(secret: &'a Secret, version: &str) -> Result<&'a Version, ApiError> {
    if version == "latest" {
        return secret
            .versions
            .last()
            .ok_or_else(|| secret_not_found(&secret.project_number, &secret.id));
    }
    let number: u64 = version.parse().map_err(|_| {
        ApiError::invalid(format!(
            "Invalid resource field value in the request: version {version:?} is not a number or 'latest'."
        ))
    })?;
    secret
        .versions
        .iter()
        .find(|v| v.number == number)
        .ok_or_else(|| {
            ApiError::not_found(format!(
                "Secret Version [{}/versions/{number}] not found.",
                secret.name()
            ))
        })
}

/// `POST v1/projects/{p}/secrets/{s}:addVersion`.
pub fn add(state: &mut State, ctx: &Ctx, project: &str, secret: &str) -> ApiResult {
    let found = authorize(
        state,
        ctx,
        project,
        Some(secret),
        "secretmanager.versions.add",
    )?;
    let payload = ctx
        .body
        .get("payload")
        .ok_or_else(|| ApiError::invalid("Secret Payload cannot be empty."))?;
    let data = match payload.get("data") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::String(s)) => decode_data(s)?,
        Some(_) => {
            return Err(ApiError::invalid(
                "Invalid value at 'payload.data' (TYPE_BYTES).",
            ))
        }
    };
    if data.is_empty() {
        return Err(ApiError::invalid("Secret Payload cannot be empty."));
    }
    if data.len() > MAX_PAYLOAD {
        return Err(ApiError::invalid(format!(
            "Secret payload size {} exceeds the maximum of 65536 bytes.",
            data.len()
        )));
    }
    let crc = parse_crc(payload.get("dataCrc32c").unwrap_or(&Value::Null))?;
    if let Some(sent) = crc {
        if sent != u64::from(crc32c::crc32c(&data)) {
            return Err(ApiError::invalid(
                "Checksum mismatch: payload.data_crc32c does not match the CRC32C of payload.data.",
            ));
        }
    }
    let etag = state.next_resource_etag();
    let entry = find_secret_mut(state, &found, secret)?;
    let number = entry.push_version(data, crc.is_some(), VersionState::Enabled, etag);
    let version = find(entry, &number.to_string())?;
    Ok(render(entry, version))
}

/// `GET v1/projects/{p}/secrets/{s}/versions/{v}`.
pub fn get(state: &mut State, ctx: &Ctx, project: &str, secret: &str, version: &str) -> ApiResult {
    let found = authorize(
        state,
        ctx,
        project,
        Some(secret),
        "secretmanager.versions.get",
    )?;
    let entry = find_secret(state, &found, secret)?;
    Ok(render(entry, find(entry, version)?))
}

/// `GET v1/projects/{p}/secrets/{s}/versions`, newest first.
pub fn list(state: &mut State, ctx: &Ctx, project: &str, secret: &str) -> ApiResult {
    let found = authorize(
        state,
        ctx,
        project,
        Some(secret),
        "secretmanager.versions.list",
    )?;
    let entry = find_secret(state, &found, secret)?;
    let filter = VersionFilter::parse(ctx.param("filter").unwrap_or(""))?;
    let items: Vec<Value> = entry
        .versions
        .iter()
        .rev()
        .filter(|v| filter.matches(v))
        .map(|v| render(entry, v))
        .collect();
    page_answer(ctx, "versions", items, true)
}

/// `GET v1/projects/{p}/secrets/{s}/versions/{v}:access`.
pub fn access(
    state: &mut State,
    ctx: &Ctx,
    project: &str,
    secret: &str,
    version: &str,
) -> ApiResult {
    let found = authorize(
        state,
        ctx,
        project,
        Some(secret),
        "secretmanager.versions.access",
    )?;
    let entry = find_secret(state, &found, secret)?;
    let v = find(entry, version)?;
    let name = format!("{}/versions/{}", entry.name(), v.number);
    if v.state != VersionState::Enabled {
        return Err(ApiError::precondition(format!(
            "Secret Version [{name}] is in {} state.",
            v.state.as_str()
        )));
    }
    Ok(json!({
        "name": name,
        "payload": {
            "data": base64::engine::general_purpose::STANDARD.encode(&v.payload),
            "dataCrc32c": crc32c::crc32c(&v.payload).to_string(),
        }
    }))
}

/// `POST ...versions/{v}:enable|disable|destroy` with an optional etag.
pub fn transition(
    state: &mut State,
    ctx: &Ctx,
    project: &str,
    secret: &str,
    version: &str,
    op: &str,
) -> ApiResult {
    let permission = format!("secretmanager.versions.{op}");
    let found = authorize(state, ctx, project, Some(secret), &permission)?;
    let etag = state.next_resource_etag();
    let entry = find_secret_mut(state, &found, secret)?;
    let number = find(entry, version)?.number;
    let ttl = entry
        .fields
        .get("versionDestroyTtl")
        .and_then(Value::as_str)
        .map(str::to_string);
    let name = format!("{}/versions/{number}", entry.name());
    let index = usize::try_from(number - 1).unwrap_or(usize::MAX);
    let v = entry
        .versions
        .get_mut(index)
        .ok_or_else(|| ApiError::internal("version index out of range"))?;
    if let Some(sent) = ctx
        .body
        .get("etag")
        .and_then(Value::as_str)
        .filter(|e| !e.is_empty())
    {
        if sent != v.etag {
            return Err(etag_mismatch("SecretVersion"));
        }
    }
    if v.state == VersionState::Destroyed {
        return Err(ApiError::precondition(format!(
            "Secret Version [{name}] is in DESTROYED state."
        )));
    }
    match op {
        "enable" => v.state = VersionState::Enabled,
        "disable" => v.state = VersionState::Disabled,
        _ if ttl.is_some() => {
            // With a destroy TTL the real service disables now and destroys later.
            v.state = VersionState::Disabled;
        }
        _ => {
            v.state = VersionState::Destroyed;
            v.payload = Vec::new();
            v.destroy_time = Some(now_rfc3339());
        }
    }
    v.etag = etag;
    let snapshot = v.clone();
    let mut out = render(entry, &snapshot);
    if op == "destroy" {
        if let Some(ttl) = ttl {
            out["scheduledDestroyTime"] = json!(scheduled_after(&ttl));
        }
    }
    Ok(out)
}

/// Now plus a `google-duration` such as `86400s`.
fn scheduled_after(ttl: &str) -> String {
    let secs: f64 = ttl.trim_end_matches('s').parse().unwrap_or(0.0);
    let now = time::OffsetDateTime::now_utc();
    let later = now + time::Duration::seconds_f64(secs.clamp(0.0, 1e10));
    later
        .replace_nanosecond(0)
        .unwrap_or(later)
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}
