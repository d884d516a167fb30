//! Sharing one secret between several `pypi_remote_auth` resources, recorded
//! on the secret itself (annotations) so that every resource, in any state
//! file, sees the others:
//!
//! - `pypi-auth-user-<hash>` = repository name: one per repository using the secret;
//! - `pypi-auth-created-by` = repository name: the secret was created by this provider;
//! - `pypi-auth-bound-<project number>` = member: this provider added that
//!   project's service agent to the accessor binding.
//!
//! Destroying one user removes the binding only when no other recorded user
//! lives in the same project (same service agent), and deletes the secret only
//! when this provider created it and no user remains.

use std::collections::BTreeMap;

use sha2::{Digest, Sha256};

/// Prefix of per-repository user keys.
const USER_PREFIX: &str = "pypi-auth-user-";
/// Key marking a secret created by this provider.
pub const CREATED_BY_KEY: &str = "pypi-auth-created-by";
/// Prefix of binding markers.
const BOUND_PREFIX: &str = "pypi-auth-bound-";

/// The annotation key recording `repository_name` as a user. Hashing keeps the
/// key within Google's 63-character limit with alphanumerics at both ends.
pub fn user_key(repository_name: &str) -> String {
    let digest = Sha256::digest(repository_name.as_bytes());
    let hex: String = digest.iter().take(6).map(|b| format!("{b:02x}")).collect();
    format!("{USER_PREFIX}{hex}")
}

/// The annotation key recording that this provider bound `project_number`'s service agent.
pub fn bound_key(project_number: &str) -> String {
    format!("{BOUND_PREFIX}{project_number}")
}

/// Repository names recorded as users, except `me`.
pub fn other_users<'a>(annotations: &'a BTreeMap<String, String>, me: &str) -> Vec<&'a str> {
    annotations
        .iter()
        .filter(|(k, v)| k.starts_with(USER_PREFIX) && v.as_str() != me)
        .map(|(_, v)| v.as_str())
        .collect()
}

/// The project part of a repository name `projects/P/locations/L/repositories/R`.
pub fn project_of(repository_name: &str) -> Option<&str> {
    let mut parts = repository_name.split('/');
    match (parts.next(), parts.next()) {
        (Some("projects"), Some(p)) if !p.is_empty() => Some(p),
        _ => None,
    }
}

/// Adds `me` as a user; true when the annotations changed.
pub fn add_user(annotations: &mut BTreeMap<String, String>, me: &str) -> bool {
    let key = user_key(me);
    if annotations.get(&key).map(String::as_str) == Some(me) {
        return false;
    }
    annotations.insert(key, me.to_string());
    true
}

/// Removes `me` as a user; true when the annotations changed.
pub fn remove_user(annotations: &mut BTreeMap<String, String>, me: &str) -> bool {
    annotations.remove(&user_key(me)).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    const REPO_A: &str = "projects/demo-project/locations/us/repositories/a";
    const REPO_B: &str = "projects/demo-project/locations/us/repositories/b";

    #[test]
    fn user_keys_are_valid_annotation_keys() {
        let key = user_key(REPO_A);
        assert!(key.len() <= 63, "{key}");
        assert!(key.starts_with(|c: char| c.is_ascii_alphanumeric()));
        assert!(key.ends_with(|c: char| c.is_ascii_alphanumeric()));
        assert_ne!(key, user_key(REPO_B));
        assert_eq!(key, user_key(REPO_A));
        let bound = bound_key("123456789012");
        assert!(bound.len() <= 63 && bound.ends_with('2'));
    }

    #[test]
    fn users_are_added_once_and_listed_for_others() {
        let mut ann = BTreeMap::from([("team".to_string(), "x".to_string())]);
        assert!(add_user(&mut ann, REPO_A));
        assert!(!add_user(&mut ann, REPO_A));
        assert!(add_user(&mut ann, REPO_B));
        assert_eq!(other_users(&ann, REPO_A), vec![REPO_B]);
        assert!(remove_user(&mut ann, REPO_B));
        assert!(!remove_user(&mut ann, REPO_B));
        assert!(other_users(&ann, REPO_A).is_empty());
        assert_eq!(ann.get("team").map(String::as_str), Some("x"));
    }

    #[test]
    fn project_part() {
        assert_eq!(project_of(REPO_A), Some("demo-project"));
        assert_eq!(project_of("garbage"), None);
    }
}
