//! The `Repository` JSON model: validating and normalising what callers
//! send (enums as names, unknown fields rejected) and rendering answers.

use crate::enums::{self, normalize};
use crate::error::ApiError;
use crate::ids::{is_lowercase_id, is_lowercase_id_char};
use crate::state::Repository;
use serde_json::{json, Map, Value};

/// Repository fields a caller may send.
const WRITABLE: [&str; 14] = [
    "format",
    "description",
    "labels",
    "kmsKeyName",
    "mode",
    "cleanupPolicies",
    "cleanupPolicyDryRun",
    "vulnerabilityScanningConfig",
    "disallowUnspecifiedMode",
    "platformLogsConfig",
    "mavenConfig",
    "dockerConfig",
    "virtualRepositoryConfig",
    "remoteRepositoryConfig",
];

/// Output-only fields clients echo back (gcloud sends the GET result).
const OUTPUT_ONLY: [&str; 7] = [
    "name",
    "createTime",
    "updateTime",
    "sizeBytes",
    "satisfiesPzs",
    "satisfiesPzi",
    "registryUri",
];

/// Keys of `RemoteRepositoryConfig`.
const REMOTE_KEYS: [&str; 11] = [
    "description",
    "upstreamCredentials",
    "disableUpstreamValidation",
    "aptRepository",
    "commonRepository",
    "dockerRepository",
    "mavenRepository",
    "noCache",
    "npmRepository",
    "pythonRepository",
    "yumRepository",
];

/// The upstream source keys of `RemoteRepositoryConfig`: immutable.
pub const SOURCES: [&str; 7] = [
    "aptRepository",
    "commonRepository",
    "dockerRepository",
    "mavenRepository",
    "npmRepository",
    "pythonRepository",
    "yumRepository",
];

/// Validates an id: lowercase letters, digits, hyphens; starts with a
/// letter; at most 63 characters.
pub fn validate_repository_id(id: &str) -> Result<(), ApiError> {
    if is_lowercase_id(id, 1..=63) {
        Ok(())
    } else {
        Err(ApiError::invalid(format!(
            "Invalid repository ID {id:?}: it must start with a lowercase letter, contain only \
             lowercase letters, digits and hyphens, and be at most 63 characters."
        )))
    }
}

/// The stored fields of a new repository `id` in `location`: the id and
/// location checked, `mode` defaulted to STANDARD_REPOSITORY, cleared
/// credentials pruned and the whole validated.
pub fn new_repository_fields(
    location: &str,
    id: &str,
    fields: Map<String, Value>,
) -> Result<Map<String, Value>, ApiError> {
    validate_repository_id(id)?;
    if location.is_empty() || !location.chars().all(is_lowercase_id_char) {
        return Err(ApiError::invalid(format!("Invalid location {location:?}.")));
    }
    let mut fields = fields;
    if !fields.contains_key("mode") || fields["mode"] == json!("MODE_UNSPECIFIED") {
        fields.insert("mode".into(), json!("STANDARD_REPOSITORY"));
    }
    prune(&mut fields);
    validate_repository(&fields)?;
    Ok(fields)
}

/// A request body normalised: writable fields only, enums as names.
/// `disableUpstreamValidation` is returned separately and removed.
pub struct Normalized {
    /// The writable fields.
    pub fields: Map<String, Value>,
    /// Whether the caller asked to skip the upstream check.
    pub skip_upstream_validation: bool,
}

/// Normalises a `Repository` body.
pub fn normalize_body(body: &Value) -> Result<Normalized, ApiError> {
    let empty = Map::new();
    let object = match body {
        Value::Object(o) => o,
        Value::Null => &empty,
        _ => {
            return Err(ApiError::invalid(
                "Invalid JSON payload received. Expected an object.",
            ))
        }
    };
    let mut fields = Map::new();
    let mut skip = false;
    for (key, value) in object {
        if OUTPUT_ONLY.contains(&key.as_str()) || value.is_null() {
            continue;
        }
        if !WRITABLE.contains(&key.as_str()) {
            return Err(unknown_field(key, "repository"));
        }
        let normalized = match key.as_str() {
            "format" => json!(normalize(value, enums::FORMAT, "repository.format")?),
            "mode" => json!(normalize(value, enums::MODE, "repository.mode")?),
            "remoteRepositoryConfig" => {
                let (config, skip_flag) = normalize_remote(value)?;
                skip = skip_flag;
                config
            }
            "labels" => {
                validate_labels(value)?;
                value.clone()
            }
            _ => value.clone(),
        };
        fields.insert(key.clone(), normalized);
    }
    Ok(Normalized {
        fields,
        skip_upstream_validation: skip,
    })
}

fn unknown_field(key: &str, at: &str) -> ApiError {
    ApiError::invalid(format!(
        "Invalid JSON payload received. Unknown name \"{key}\" at '{at}': Cannot find field."
    ))
}

fn validate_labels(value: &Value) -> Result<(), ApiError> {
    let ok = value
        .as_object()
        .is_some_and(|m| m.values().all(Value::is_string));
    if ok {
        Ok(())
    } else {
        Err(ApiError::invalid(
            "repository.labels must be a map of strings.",
        ))
    }
}

fn normalize_remote(value: &Value) -> Result<(Value, bool), ApiError> {
    let object = value
        .as_object()
        .ok_or_else(|| ApiError::invalid("remoteRepositoryConfig must be an object."))?;
    let mut out = Map::new();
    let mut skip = false;
    for (key, v) in object {
        if !REMOTE_KEYS.contains(&key.as_str()) {
            return Err(unknown_field(key, "repository.remote_repository_config"));
        }
        if v.is_null() {
            continue;
        }
        match key.as_str() {
            "disableUpstreamValidation" => {
                skip = v.as_bool().unwrap_or(false) || v.as_str() == Some("true");
            }
            "upstreamCredentials" => {
                out.insert(key.clone(), normalize_credentials(v)?);
            }
            "pythonRepository" | "dockerRepository" | "mavenRepository" | "npmRepository" => {
                let table = match key.as_str() {
                    "pythonRepository" => enums::PYTHON_PUBLIC,
                    "dockerRepository" => enums::DOCKER_PUBLIC,
                    "mavenRepository" => enums::MAVEN_PUBLIC,
                    _ => enums::NPM_PUBLIC,
                };
                let mut source = v.as_object().cloned().ok_or_else(|| {
                    ApiError::invalid(format!("remoteRepositoryConfig.{key} must be an object."))
                })?;
                if let Some(public) = source.get("publicRepository").filter(|p| !p.is_null()) {
                    let name = normalize(
                        public,
                        table,
                        &format!("repository.remote_repository_config.{key}.public_repository"),
                    )?;
                    source.insert("publicRepository".into(), json!(name));
                }
                out.insert(key.clone(), Value::Object(source));
            }
            _ => {
                out.insert(key.clone(), v.clone());
            }
        }
    }
    Ok((Value::Object(out), skip))
}

/// Normalises `upstreamCredentials`; empty credentials become `{}`.
pub fn normalize_credentials(value: &Value) -> Result<Value, ApiError> {
    let object = match value {
        Value::Null => return Ok(json!({})),
        Value::Object(o) => o,
        _ => return Err(ApiError::invalid("upstreamCredentials must be an object.")),
    };
    let mut out = Map::new();
    for (key, v) in object {
        if key != "usernamePasswordCredentials" {
            return Err(unknown_field(
                key,
                "repository.remote_repository_config.upstream_credentials",
            ));
        }
        let upc = match v {
            Value::Null => continue,
            Value::Object(o) => o,
            _ => {
                return Err(ApiError::invalid(
                    "usernamePasswordCredentials must be an object.",
                ))
            }
        };
        let mut creds = Map::new();
        for (field, fv) in upc {
            if field != "username" && field != "passwordSecretVersion" {
                return Err(unknown_field(
                    field,
                    "repository.remote_repository_config.upstream_credentials.username_password_credentials",
                ));
            }
            match fv {
                Value::Null => {}
                Value::String(s) if s.is_empty() => {}
                Value::String(s) => {
                    creds.insert(field.clone(), json!(s));
                }
                _ => return Err(ApiError::invalid(format!("{field} must be a string."))),
            }
        }
        if !creds.is_empty() {
            out.insert(key.clone(), Value::Object(creds));
        }
    }
    Ok(Value::Object(out))
}

/// Checks a repository's fields are coherent (format, mode, one upstream).
pub fn validate_repository(fields: &Map<String, Value>) -> Result<(), ApiError> {
    let format = fields
        .get("format")
        .and_then(Value::as_str)
        .unwrap_or("FORMAT_UNSPECIFIED");
    if format == "FORMAT_UNSPECIFIED" {
        return Err(ApiError::invalid("Repository format must be specified."));
    }
    let mode = fields
        .get("mode")
        .and_then(Value::as_str)
        .unwrap_or("STANDARD_REPOSITORY");
    let remote = fields
        .get("remoteRepositoryConfig")
        .and_then(Value::as_object);
    match (mode, remote) {
        ("REMOTE_REPOSITORY", None) => Err(ApiError::invalid(
            "Remote repository config is required for a remote repository.",
        )),
        ("REMOTE_REPOSITORY", Some(config)) => {
            let sources: Vec<&str> = SOURCES
                .iter()
                .copied()
                .filter(|s| config.contains_key(*s))
                .collect();
            let expected = match format {
                "PYTHON" => Some("pythonRepository"),
                "DOCKER" => Some("dockerRepository"),
                "MAVEN" => Some("mavenRepository"),
                "NPM" => Some("npmRepository"),
                "APT" => Some("aptRepository"),
                "YUM" => Some("yumRepository"),
                _ => None,
            };
            match sources.as_slice() {
                [one] if *one == "commonRepository" || Some(*one) == expected => Ok(()),
                [one] => Err(ApiError::invalid(format!(
                    "Remote repository source {one} does not match repository format {format}."
                ))),
                [] => Err(ApiError::invalid(
                    "Remote repository config must specify an upstream source.",
                )),
                _ => Err(ApiError::invalid(
                    "Remote repository config must specify exactly one upstream source.",
                )),
            }
        }
        (_, Some(_)) => Err(ApiError::invalid(
            "Remote repository config can only be set on a remote repository.",
        )),
        _ => Ok(()),
    }
}

/// Drops empty credential objects so cleared credentials read as absent.
pub fn prune(fields: &mut Map<String, Value>) {
    if let Some(config) = fields
        .get_mut("remoteRepositoryConfig")
        .and_then(Value::as_object_mut)
    {
        let empty_upc = config
            .get("upstreamCredentials")
            .and_then(|c| c.get("usernamePasswordCredentials"))
            .and_then(Value::as_object)
            .is_some_and(Map::is_empty);
        if empty_upc {
            if let Some(creds) = config
                .get_mut("upstreamCredentials")
                .and_then(Value::as_object_mut)
            {
                creds.remove("usernamePasswordCredentials");
            }
        }
        let empty_creds = config
            .get("upstreamCredentials")
            .and_then(Value::as_object)
            .is_some_and(Map::is_empty);
        if empty_creds {
            config.remove("upstreamCredentials");
        }
    }
}

/// The credentials of a repository, if any.
pub fn credentials(fields: &Map<String, Value>) -> Option<&Map<String, Value>> {
    fields
        .get("remoteRepositoryConfig")?
        .get("upstreamCredentials")?
        .get("usernamePasswordCredentials")?
        .as_object()
}

/// The `Repository` JSON.
pub fn render(repo: &Repository) -> Value {
    let mut out = Map::new();
    out.insert("name".into(), json!(repo.name()));
    for (k, v) in &repo.fields {
        out.insert(k.clone(), v.clone());
    }
    if !out.contains_key("mode") {
        out.insert("mode".into(), json!("STANDARD_REPOSITORY"));
    }
    let format = repo
        .fields
        .get("format")
        .and_then(Value::as_str)
        .unwrap_or("generic")
        .to_ascii_lowercase();
    out.insert(
        "registryUri".into(),
        json!(format!(
            "{}-{}.pkg.dev/{}/{}",
            repo.location, format, repo.project_id, repo.id
        )),
    );
    out.insert("createTime".into(), json!(repo.create_time));
    out.insert("updateTime".into(), json!(repo.update_time));
    out.insert("satisfiesPzs".into(), json!(false));
    Value::Object(out)
}
