//! `repositories.patch` field-mask semantics. Clients name the credential
//! fields at every granularity (gcloud: `remoteRepositoryConfig`; the
//! Google Terraform provider: the two leaves; others: the intermediate
//! objects), in camelCase or snake_case; all must work the same way, and
//! immutable fields (format, mode, upstream source) must be refused.

use super::model::{self, SOURCES};
use crate::error::ApiError;
use serde_json::{json, Map, Value};

/// Top-level fields that may be replaced by a patch.
const MUTABLE_TOP: [&str; 10] = [
    "description",
    "labels",
    "cleanupPolicies",
    "cleanupPolicyDryRun",
    "vulnerabilityScanningConfig",
    "disallowUnspecifiedMode",
    "platformLogsConfig",
    "dockerConfig",
    "mavenConfig",
    "virtualRepositoryConfig",
];

/// Fields that never change after creation.
const IMMUTABLE_TOP: [&str; 3] = ["format", "mode", "kmsKeyName"];

const CREDS: &str = "remoteRepositoryConfig.upstreamCredentials";
const UPC: &str = "remoteRepositoryConfig.upstreamCredentials.usernamePasswordCredentials";

/// Applies `body` to `current` under `mask` (camelCase paths; `None` means
/// every field present in the body). Returns the new fields.
pub fn apply(
    current: &Map<String, Value>,
    body: &Map<String, Value>,
    mask: Option<Vec<String>>,
) -> Result<Map<String, Value>, ApiError> {
    let paths = mask.unwrap_or_else(|| body.keys().cloned().collect());
    let mut next = current.clone();
    let is_remote = current.get("mode").and_then(Value::as_str) == Some("REMOTE_REPOSITORY");
    for path in &paths {
        let top = path.split('.').next().unwrap_or("");
        if top == "remoteRepositoryConfig" && !is_remote {
            return Err(ApiError::invalid(
                "Remote repository config can only be set on a remote repository.",
            ));
        }
        match path.as_str() {
            p if MUTABLE_TOP.contains(&p) => set_or_remove(&mut next, p, body.get(p)),
            p if IMMUTABLE_TOP.contains(&p) => {
                let sent = body.get(p);
                if sent.is_some() && sent != current.get(p) {
                    return Err(ApiError::invalid(format!(
                        "Field {p} is immutable and cannot be changed after the repository is created."
                    )));
                }
            }
            "remoteRepositoryConfig" => replace_remote(&mut next, current, body)?,
            "remoteRepositoryConfig.description" => {
                let value = remote(body).and_then(|r| r.get("description")).cloned();
                let config = remote_mut(&mut next);
                match value {
                    Some(v) => config.insert("description".into(), v),
                    None => config.remove("description"),
                };
            }
            "remoteRepositoryConfig.disableUpstreamValidation" => {}
            CREDS | UPC => {
                let creds = remote(body)
                    .and_then(|r| r.get("upstreamCredentials"))
                    .cloned()
                    .unwrap_or_else(|| json!({}));
                remote_mut(&mut next).insert("upstreamCredentials".into(), creds);
            }
            p if p.starts_with(UPC) => {
                let leaf = p[UPC.len()..].trim_start_matches('.');
                if leaf != "username" && leaf != "passwordSecretVersion" {
                    return Err(invalid_path(p));
                }
                let value = remote(body)
                    .and_then(|r| r.get("upstreamCredentials"))
                    .and_then(|c| c.get("usernamePasswordCredentials"))
                    .and_then(|u| u.get(leaf))
                    .cloned();
                let config = remote_mut(&mut next);
                let creds = object_entry(config, "upstreamCredentials");
                let upc = object_entry(creds, "usernamePasswordCredentials");
                match value {
                    Some(v) => upc.insert(leaf.to_string(), v),
                    None => upc.remove(leaf),
                };
            }
            p if top == "remoteRepositoryConfig"
                && SOURCES.iter().any(|s| p.split('.').nth(1) == Some(*s)) =>
            {
                return Err(ApiError::invalid(
                    "The upstream of a remote repository is immutable and cannot be changed.",
                ));
            }
            p => return Err(invalid_path(p)),
        }
    }
    model::prune(&mut next);
    Ok(next)
}

fn invalid_path(path: &str) -> ApiError {
    ApiError::invalid(format!("Invalid update_mask path: {path}"))
}

fn set_or_remove(fields: &mut Map<String, Value>, key: &str, value: Option<&Value>) {
    match value {
        Some(v) => fields.insert(key.to_string(), v.clone()),
        None => fields.remove(key),
    };
}

fn remote(fields: &Map<String, Value>) -> Option<&Map<String, Value>> {
    fields.get("remoteRepositoryConfig")?.as_object()
}

fn remote_mut(fields: &mut Map<String, Value>) -> &mut Map<String, Value> {
    object_entry(fields, "remoteRepositoryConfig")
}

/// The object at `key`, created (or replaced if not an object) as needed.
fn object_entry<'a>(map: &'a mut Map<String, Value>, key: &str) -> &'a mut Map<String, Value> {
    let entry = map.entry(key.to_string()).or_insert_with(|| json!({}));
    if !entry.is_object() {
        *entry = json!({});
    }
    match entry {
        Value::Object(o) => o,
        _ => unreachable!("entry was just made an object"),
    }
}

/// `updateMask=remoteRepositoryConfig`: replace the whole config, except
/// that the upstream source must stay the same (absent means unchanged).
fn replace_remote(
    next: &mut Map<String, Value>,
    current: &Map<String, Value>,
    body: &Map<String, Value>,
) -> Result<(), ApiError> {
    let empty = Map::new();
    let sent = remote(body).unwrap_or(&empty);
    let old = remote(current).unwrap_or(&empty);
    let mut config = Map::new();
    for source in SOURCES {
        match (sent.get(source), old.get(source)) {
            (Some(new), Some(existing)) if new == existing => {
                config.insert(source.to_string(), existing.clone());
            }
            (Some(_), _) => {
                return Err(ApiError::invalid(
                    "The upstream of a remote repository is immutable and cannot be changed.",
                ))
            }
            (None, Some(existing)) => {
                config.insert(source.to_string(), existing.clone());
            }
            (None, None) => {}
        }
    }
    for (key, value) in sent {
        if !SOURCES.contains(&key.as_str()) {
            config.insert(key.clone(), value.clone());
        }
    }
    next.insert("remoteRepositoryConfig".into(), Value::Object(config));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::path::field_mask;

    fn repo() -> Map<String, Value> {
        json!({
            "format": "PYTHON",
            "mode": "REMOTE_REPOSITORY",
            "remoteRepositoryConfig": {
                "description": "PyPI",
                "pythonRepository": {"publicRepository": "PYPI"},
                "upstreamCredentials": {"usernamePasswordCredentials": {
                    "username": "__token__",
                    "passwordSecretVersion": "projects/1/secrets/s/versions/1"
                }}
            }
        })
        .as_object()
        .cloned()
        .expect("object")
    }

    fn creds_body(username: &str, version: &str) -> Map<String, Value> {
        json!({"remoteRepositoryConfig": {"upstreamCredentials": {"usernamePasswordCredentials": {
            "username": username, "passwordSecretVersion": version}}}})
        .as_object()
        .cloned()
        .expect("object")
    }

    fn creds(fields: &Map<String, Value>) -> Option<Value> {
        model::credentials(fields).map(|c| Value::Object(c.clone()))
    }

    #[test]
    fn every_granularity_sets_credentials() {
        let body = creds_body("__token__", "projects/1/secrets/s/versions/2");
        for mask in [
            "remoteRepositoryConfig.upstreamCredentials.usernamePasswordCredentials.username,remoteRepositoryConfig.upstreamCredentials.usernamePasswordCredentials.passwordSecretVersion",
            "remote_repository_config.upstream_credentials.username_password_credentials.username,remote_repository_config.upstream_credentials.username_password_credentials.password_secret_version",
            "remoteRepositoryConfig.upstreamCredentials",
            "remote_repository_config.upstream_credentials.username_password_credentials",
        ] {
            let out = apply(&repo(), &body, Some(field_mask(mask))).expect(mask);
            assert_eq!(
                creds(&out).and_then(|c| c.get("passwordSecretVersion").cloned()),
                Some(json!("projects/1/secrets/s/versions/2")),
                "{mask}"
            );
            assert_eq!(out["remoteRepositoryConfig"]["description"], json!("PyPI"), "{mask}");
        }
    }

    #[test]
    fn whole_config_mask_keeps_source_and_replaces_credentials() {
        let mut body = creds_body("__token__", "projects/1/secrets/s/versions/3");
        body["remoteRepositoryConfig"]["pythonRepository"] = json!({"publicRepository": "PYPI"});
        let out = apply(&repo(), &body, Some(field_mask("remoteRepositoryConfig"))).expect("ok");
        assert_eq!(
            out["remoteRepositoryConfig"]["pythonRepository"]["publicRepository"],
            json!("PYPI")
        );
        assert!(out["remoteRepositoryConfig"].get("description").is_none());
        assert_eq!(
            creds(&out).and_then(|c| c.get("passwordSecretVersion").cloned()),
            Some(json!("projects/1/secrets/s/versions/3"))
        );
    }

    #[test]
    fn parent_path_with_empty_credentials_clears_them() {
        let body = json!({"remoteRepositoryConfig": {"upstreamCredentials": {}}})
            .as_object()
            .cloned()
            .expect("object");
        let out = apply(
            &repo(),
            &body,
            Some(field_mask("remoteRepositoryConfig.upstreamCredentials")),
        )
        .expect("ok");
        assert!(creds(&out).is_none());
        assert!(out["remoteRepositoryConfig"]
            .get("upstreamCredentials")
            .is_none());
        let out = apply(
            &repo(),
            &Map::new(),
            Some(field_mask(
                "remoteRepositoryConfig.upstreamCredentials.usernamePasswordCredentials",
            )),
        )
        .expect("ok");
        assert!(creds(&out).is_none());
    }

    #[test]
    fn immutable_fields_are_refused() {
        let body = json!({"format": "DOCKER"})
            .as_object()
            .cloned()
            .expect("object");
        assert!(apply(&repo(), &body, Some(field_mask("format"))).is_err());
        let same = json!({"format": "PYTHON"})
            .as_object()
            .cloned()
            .expect("object");
        assert!(apply(&repo(), &same, Some(field_mask("format"))).is_ok());
        let body =
            json!({"remoteRepositoryConfig": {"commonRepository": {"uri": "https://example.com"}}})
                .as_object()
                .cloned()
                .expect("object");
        assert!(apply(&repo(), &body, Some(field_mask("remoteRepositoryConfig"))).is_err());
        assert!(apply(
            &repo(),
            &body,
            Some(field_mask("remoteRepositoryConfig.commonRepository"))
        )
        .is_err());
        assert!(apply(&repo(), &body, Some(field_mask("nonsense"))).is_err());
    }
}
