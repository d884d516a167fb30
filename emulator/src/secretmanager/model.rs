//! The `Secret` JSON model: which fields callers may write, the limits
//! Secret Manager puts on ids, labels and annotations, and the rendered
//! answer.

use crate::error::ApiError;
use crate::state::Secret;
use serde_json::{json, Map, Value};

/// `Secret` fields a caller may write (everything else is output-only or
/// unknown).
pub const WRITABLE: [&str; 10] = [
    "replication",
    "labels",
    "annotations",
    "topics",
    "expireTime",
    "ttl",
    "rotation",
    "versionAliases",
    "versionDestroyTtl",
    "customerManagedEncryption",
];

/// Output-only fields clients may echo back; ignored on input.
const OUTPUT_ONLY: [&str; 4] = ["name", "createTime", "etag", "policyMember"];

/// Fields that cannot change after creation.
pub const IMMUTABLE: [&str; 2] = ["replication", "customerManagedEncryption"];

/// Validates a secret id: 1-255 of letters, digits, `-` and `_`.
fn validate_secret_id(id: &str) -> Result<(), ApiError> {
    let ok = (1..=255).contains(&id.len())
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if ok {
        Ok(())
    } else {
        Err(ApiError::invalid(format!(
            "Invalid secret id {id:?}: a secret ID is a string with a maximum length of 255 \
             characters and can contain uppercase and lowercase letters, numerals, and the \
             hyphen (-) and underscore (_) characters."
        )))
    }
}

/// The stored fields of a new secret `id` from a `Secret` JSON body, every
/// field validated; replication defaults to automatic.
pub fn new_secret_fields(id: &str, body: &Value) -> Result<Map<String, Value>, ApiError> {
    validate_secret_id(id)?;
    let mut fields = writable_fields(body)?;
    let replication = fields
        .remove("replication")
        .unwrap_or_else(|| json!({"automatic": {}}));
    validate_replication(&replication)?;
    fields.insert("replication".to_string(), replication);
    fields.remove("ttl");
    validate_fields(&fields)?;
    Ok(fields)
}

/// Keeps the writable fields of a body; unknown names are rejected the way
/// Google's JSON transcoder does.
pub fn writable_fields(body: &Value) -> Result<Map<String, Value>, ApiError> {
    let object = match body {
        Value::Object(o) => o,
        Value::Null => return Ok(Map::new()),
        _ => {
            return Err(ApiError::invalid(
                "Invalid JSON payload received. Expected an object.",
            ))
        }
    };
    let mut out = Map::new();
    for (key, value) in object {
        if WRITABLE.contains(&key.as_str()) {
            if !value.is_null() {
                out.insert(key.clone(), value.clone());
            }
        } else if !OUTPUT_ONLY.contains(&key.as_str()) {
            return Err(ApiError::invalid(format!(
                "Invalid JSON payload received. Unknown name \"{key}\" at 'secret': Cannot find field."
            )));
        }
    }
    Ok(out)
}

fn validate_replication(replication: &Value) -> Result<(), ApiError> {
    let automatic = replication.get("automatic").filter(|v| !v.is_null());
    let user = replication.get("userManaged").filter(|v| !v.is_null());
    match (automatic, user) {
        (Some(a), None) if a.is_object() => Ok(()),
        (None, Some(u)) => {
            let replicas = u.get("replicas").and_then(Value::as_array);
            let ok = replicas.is_some_and(|r| {
                !r.is_empty()
                    && r.iter().all(|rep| {
                        rep.get("location")
                            .and_then(Value::as_str)
                            .is_some_and(|l| !l.is_empty())
                    })
            });
            if ok {
                Ok(())
            } else {
                Err(ApiError::invalid(
                    "Secret.replication.user_managed.replicas must list at least one replica with a location.",
                ))
            }
        }
        _ => Err(ApiError::invalid(
            "Secret.replication must set exactly one of automatic or user_managed.",
        )),
    }
}

/// Checks labels and annotations against Secret Manager's limits.
pub fn validate_fields(fields: &Map<String, Value>) -> Result<(), ApiError> {
    if let Some(labels) = fields.get("labels") {
        let map = labels
            .as_object()
            .ok_or_else(|| ApiError::invalid("Secret.labels must be a map of strings."))?;
        if map.len() > 64 {
            return Err(ApiError::invalid(
                "No more than 64 labels can be assigned to a secret.",
            ));
        }
        for (k, v) in map {
            let value = v.as_str().unwrap_or("\u{0}");
            if !label_key_ok(k) || !label_value_ok(value) {
                return Err(ApiError::invalid(format!("Invalid label {k:?}.")));
            }
        }
    }
    if let Some(annotations) = fields.get("annotations") {
        validate_annotations(annotations)?;
    }
    Ok(())
}

/// Largest total size, in bytes, of a secret's annotation keys and values
/// together; the total must stay below it.
pub const ANNOTATIONS_BUDGET: usize = 16 * 1024;

/// Annotation keys: 1-63 characters of at most 128 bytes, a letter or digit
/// at both ends, letters, digits, `-`, `_` and `.` between; keys and values
/// together under [`ANNOTATIONS_BUDGET`] (`resources.proto`).
fn validate_annotations(annotations: &Value) -> Result<(), ApiError> {
    let map = annotations
        .as_object()
        .ok_or_else(|| ApiError::invalid("Secret.annotations must be a map of strings."))?;
    let mut total = 0usize;
    for (key, value) in map {
        let value = value
            .as_str()
            .ok_or_else(|| ApiError::invalid("Annotation values must be strings."))?;
        if !annotation_key_ok(key) {
            return Err(ApiError::invalid(format!(
                "Invalid annotation key {key:?}: annotation keys must be 1 to 63 characters \
                 long (at most 128 bytes), begin and end with a letter or digit, and contain \
                 only letters, digits, dashes (-), underscores (_) and dots (.)."
            )));
        }
        total = total.saturating_add(key.len()).saturating_add(value.len());
    }
    if total >= ANNOTATIONS_BUDGET {
        return Err(ApiError::invalid(format!(
            "The total size of annotation keys and values must be less than 16KiB \
             ({ANNOTATIONS_BUDGET} bytes); these annotations take {total} bytes."
        )));
    }
    Ok(())
}

fn annotation_key_ok(key: &str) -> bool {
    let ends_ok = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
    (1..=63).contains(&key.chars().count())
        && key.len() <= 128
        && ends_ok(key.chars().next())
        && ends_ok(key.chars().last())
        && key
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

fn label_key_ok(key: &str) -> bool {
    let mut chars = key.chars();
    chars.next().is_some_and(char::is_lowercase)
        && key.chars().count() <= 63
        && chars.all(|c| c.is_lowercase() || c.is_numeric() || c == '_' || c == '-')
}

fn label_value_ok(value: &str) -> bool {
    value.chars().count() <= 63
        && value
            .chars()
            .all(|c| c.is_lowercase() || c.is_numeric() || c == '_' || c == '-')
}

/// The `Secret` JSON.
pub fn render(secret: &Secret) -> Value {
    let mut out = Map::new();
    out.insert("name".into(), json!(secret.name()));
    for (k, v) in &secret.fields {
        let empty_map = v.as_object().is_some_and(Map::is_empty);
        if !empty_map || k == "replication" {
            out.insert(k.clone(), v.clone());
        }
    }
    out.insert("createTime".into(), json!(secret.create_time));
    out.insert("etag".into(), json!(secret.etag));
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn annotation_keys_follow_the_documented_rule() {
        for good in ["a", "pypi.remote-auth_v1", "k8s.io.name", "Z9"] {
            assert!(annotation_key_ok(good), "{good}");
        }
        let long = "a".repeat(64);
        for bad in ["", "-a", "a-", ".a", "a_", "a b", "a/b", long.as_str()] {
            assert!(!annotation_key_ok(bad), "{bad:?}");
        }
        assert!(annotation_key_ok(&"a".repeat(63)));
        assert!(
            annotation_key_ok("aéb"),
            "letters between may be any alphabet"
        );
        let wide = format!("a{}b", "中".repeat(61));
        assert_eq!(wide.chars().count(), 63);
        assert!(
            !annotation_key_ok(&wide),
            "63 characters but over 128 bytes"
        );
    }

    #[test]
    fn annotation_budget_counts_keys_and_values() {
        let fits = json!({"k": "v".repeat(ANNOTATIONS_BUDGET - 2)});
        assert!(validate_annotations(&fits).is_ok());
        let over = json!({"k": "v".repeat(ANNOTATIONS_BUDGET - 1)});
        let err = validate_annotations(&over).expect_err("at the budget");
        assert_eq!(err.status, "INVALID_ARGUMENT");
        assert!(err.message.contains("16384 bytes"), "{}", err.message);
    }
}
