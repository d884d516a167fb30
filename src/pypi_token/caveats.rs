//! PyPI's first-party caveats: JSON arrays `[tag, fields…]` (tag 0
//! expiration, 1 project names, 2 project IDs, 3 user, 4 trusted
//! publisher), and the objects older tokens carry (`{"version": 1,
//! "permissions": …}`, `{"exp": …, "nbf": …}`, `{"project_ids": […]}`),
//! which PyPI still reads as the arrays they became.

use serde_json::{Map, Value};

/// What one caveat restricts, as far as expiry and scope go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Caveat {
    /// Valid from `not_before` (inclusive) until `expires_at` (exclusive), Unix seconds.
    Expiration {
        /// First second the token is no longer valid.
        expires_at: i64,
        /// First second the token is valid.
        not_before: i64,
    },
    /// Only these projects (normalized names).
    ProjectNames(Vec<String>),
    /// Only the projects with these IDs.
    ProjectIds(Vec<String>),
    /// Only requests authenticated as one user (a user-scoped token).
    User,
    /// Minted by trusted publishing for one publisher.
    TrustedPublisher,
    /// Not JSON, or JSON of a shape PyPI does not write (PyPI would refuse it).
    Unrecognised,
}

/// Reads one first-party caveat predicate. Never fails: what it cannot
/// read is [`Caveat::Unrecognised`].
pub fn interpret(predicate: &[u8]) -> Caveat {
    // serde_json bounds nesting (128 levels), so hostile JSON cannot exhaust the stack.
    match serde_json::from_slice::<Value>(predicate) {
        Ok(Value::Array(items)) => tagged(&items),
        Ok(Value::Object(object)) => legacy(&object),
        _ => Caveat::Unrecognised,
    }
}

/// `[tag, fields…]`. Fields past those a tag needs are ignored, as newer
/// PyPI releases append optional ones.
fn tagged(items: &[Value]) -> Caveat {
    let Some((tag, fields)) = items.split_first() else {
        return Caveat::Unrecognised;
    };
    let caveat = match (tag.as_u64(), fields) {
        (Some(0), [expires_at, not_before, ..]) => expiration(expires_at, not_before),
        (Some(1), [names, ..]) => strings(names).map(Caveat::ProjectNames),
        (Some(2), [ids, ..]) => strings(ids).map(Caveat::ProjectIds),
        (Some(3), [Value::String(_), ..]) => Some(Caveat::User),
        (Some(4), [Value::String(_), ..]) => Some(Caveat::TrustedPublisher),
        _ => None,
    };
    caveat.unwrap_or(Caveat::Unrecognised)
}

/// The object forms PyPI wrote before the tagged arrays.
fn legacy(object: &Map<String, Value>) -> Caveat {
    let caveat = if object.get("version").and_then(Value::as_u64) == Some(1) {
        match object.get("permissions") {
            Some(Value::String(s)) if s == "user" => Some(Caveat::User),
            Some(Value::Object(permissions)) => permissions
                .get("projects")
                .and_then(strings)
                .map(Caveat::ProjectNames),
            _ => None,
        }
    } else if let (Some(exp), Some(nbf)) = (object.get("exp"), object.get("nbf")) {
        expiration(exp, nbf)
    } else if let Some(ids) = object.get("project_ids") {
        strings(ids).map(Caveat::ProjectIds)
    } else {
        None
    };
    caveat.unwrap_or(Caveat::Unrecognised)
}

/// Both bounds must be integers (PyPI's are strict: no floats, no strings).
fn expiration(expires_at: &Value, not_before: &Value) -> Option<Caveat> {
    Some(Caveat::Expiration {
        expires_at: expires_at.as_i64()?,
        not_before: not_before.as_i64()?,
    })
}

/// A JSON array of strings only.
fn strings(value: &Value) -> Option<Vec<String>> {
    value
        .as_array()?
        .iter()
        .map(|item| item.as_str().map(str::to_owned))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(json: &str) -> Caveat {
        interpret(json.as_bytes())
    }

    #[test]
    fn tagged_caveats() {
        assert_eq!(
            read("[0, 1700000000, 1690000000]"),
            Caveat::Expiration {
                expires_at: 1_700_000_000,
                not_before: 1_690_000_000
            }
        );
        assert_eq!(
            read(r#"[1, ["b", "a"]]"#),
            Caveat::ProjectNames(vec!["b".into(), "a".into()])
        );
        assert_eq!(
            read(r#"[2, ["id-1"]]"#),
            Caveat::ProjectIds(vec!["id-1".into()])
        );
        assert_eq!(read(r#"[3, "user-id"]"#), Caveat::User);
        assert_eq!(read(r#"[4, "publisher-id"]"#), Caveat::TrustedPublisher);
        assert_eq!(
            read(r#"[4, "publisher-id", "extra"]"#),
            Caveat::TrustedPublisher
        );
    }

    #[test]
    fn legacy_caveats() {
        assert_eq!(
            read(r#"{"version": 1, "permissions": "user"}"#),
            Caveat::User
        );
        assert_eq!(
            read(r#"{"version": 1, "permissions": {"projects": ["p"]}}"#),
            Caveat::ProjectNames(vec!["p".into()])
        );
        assert_eq!(
            read(r#"{"exp": 20, "nbf": 10}"#),
            Caveat::Expiration {
                expires_at: 20,
                not_before: 10
            }
        );
        assert_eq!(
            read(r#"{"project_ids": ["x"]}"#),
            Caveat::ProjectIds(vec!["x".into()])
        );
    }

    #[test]
    fn shapes_pypi_does_not_write_are_unrecognised() {
        for json in [
            "",
            "not json",
            "[]",
            "[9, 1]",
            "[0, 1.5, 1]",
            r#"[0, "1", 1]"#,
            "[0, 1]",
            r#"[1, "a"]"#,
            "[1, [1]]",
            "[3, 7]",
            "[4]",
            r#"{"version": 2, "permissions": "user"}"#,
            r#"{"version": 1, "permissions": "admin"}"#,
            r#"{"version": 1}"#,
            r#"{"exp": 1}"#,
            "\"user\"",
            "[0, 99999999999999999999, 1]",
        ] {
            assert_eq!(read(json), Caveat::Unrecognised, "{json}");
        }
    }

    #[test]
    fn deep_nesting_is_unrecognised_not_a_crash() {
        let json = "[".repeat(100_000);
        assert_eq!(read(&json), Caveat::Unrecognised);
    }
}
