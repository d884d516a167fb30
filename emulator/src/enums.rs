//! Request enums arrive as strings (gcloud) or as numbers (clients using
//! `$alt=json;enum-encoding=int`); the emulator stores and answers strings.
//! Numbers are the proto enum numbers, not positions in the discovery list.

use crate::error::ApiError;
use serde_json::Value;

/// `Repository.Format` (proto numbers; 4 and 7 are reserved).
pub const FORMAT: &[(&str, i64)] = &[
    ("FORMAT_UNSPECIFIED", 0),
    ("DOCKER", 1),
    ("MAVEN", 2),
    ("NPM", 3),
    ("APT", 5),
    ("YUM", 6),
    ("PYTHON", 8),
    ("KFP", 9),
    ("GO", 10),
    ("GENERIC", 11),
    ("RUBY", 12),
];

/// `Repository.Mode`.
pub const MODE: &[(&str, i64)] = &[
    ("MODE_UNSPECIFIED", 0),
    ("STANDARD_REPOSITORY", 1),
    ("VIRTUAL_REPOSITORY", 2),
    ("REMOTE_REPOSITORY", 3),
];

/// `RemoteRepositoryConfig.PythonRepository.PublicRepository`.
pub const PYTHON_PUBLIC: &[(&str, i64)] = &[("PUBLIC_REPOSITORY_UNSPECIFIED", 0), ("PYPI", 1)];

/// `RemoteRepositoryConfig.DockerRepository.PublicRepository`.
pub const DOCKER_PUBLIC: &[(&str, i64)] =
    &[("PUBLIC_REPOSITORY_UNSPECIFIED", 0), ("DOCKER_HUB", 1)];

/// `RemoteRepositoryConfig.MavenRepository.PublicRepository`.
pub const MAVEN_PUBLIC: &[(&str, i64)] =
    &[("PUBLIC_REPOSITORY_UNSPECIFIED", 0), ("MAVEN_CENTRAL", 1)];

/// `RemoteRepositoryConfig.NpmRepository.PublicRepository`.
pub const NPM_PUBLIC: &[(&str, i64)] = &[("PUBLIC_REPOSITORY_UNSPECIFIED", 0), ("NPMJS", 1)];

/// Turns a string or number enum into its string name, or explains why not.
pub fn normalize(value: &Value, table: &[(&str, i64)], field: &str) -> Result<String, ApiError> {
    let found = match value {
        Value::String(s) => table
            .iter()
            .find(|(name, n)| name == s || s.parse::<i64>().ok() == Some(*n)),
        Value::Number(num) => num
            .as_i64()
            .and_then(|n| table.iter().find(|(_, v)| *v == n)),
        _ => None,
    };
    found.map(|(name, _)| (*name).to_string()).ok_or_else(|| {
        ApiError::invalid(format!(
            "Invalid value at '{field}' ({value}): not a valid enum value."
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn numbers_and_strings_map_to_names() {
        assert_eq!(normalize(&json!(8), FORMAT, "format").expect("8"), "PYTHON");
        assert_eq!(
            normalize(&json!("PYTHON"), FORMAT, "format").expect("s"),
            "PYTHON"
        );
        assert_eq!(
            normalize(&json!(3), MODE, "mode").expect("3"),
            "REMOTE_REPOSITORY"
        );
        assert!(normalize(&json!(7), FORMAT, "format").is_err());
        assert!(normalize(&json!("PYPI2"), PYTHON_PUBLIC, "x").is_err());
    }
}
