//! Sharing one secret between several `pypi_remote_auth` resources, recorded
//! on the secret itself (annotations) so that every resource, in any state
//! file, sees the others:
//!
//! - `pypi-auth-user-<hash>` = `<repository name>` or `<repository name>#<n>,<m>`:
//!   one per repository using the secret, with the version numbers it uses or
//!   is about to use (written before the repository is pointed at them, so
//!   nobody else disables a version some repository depends on);
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
/// Separates a user's repository name from the versions it claims; never
/// part of a resource name.
const CLAIM_SEPARATOR: char = '#';

/// Secret Manager's limit on annotation keys and values together, in bytes.
pub const ANNOTATION_BUDGET: usize = 16 * 1024;

/// Bytes the annotations take against [`ANNOTATION_BUDGET`].
pub fn annotation_bytes(annotations: &BTreeMap<String, String>) -> usize {
    annotations.iter().map(|(k, v)| k.len() + v.len()).sum()
}

/// True when recording `me` (claiming up to two versions, as during a
/// rotation), a binding marker and a created-by marker keeps the secret's
/// annotations within Secret Manager's budget.
pub fn fits_annotation_budget(annotations: &BTreeMap<String, String>, me: &str) -> bool {
    let mine: usize = annotations
        .iter()
        .filter(|(k, _)| **k == user_key(me))
        .map(|(k, v)| k.len() + v.len())
        .sum();
    annotation_bytes(annotations) - mine
        + entry_bytes(me, 2)
        + bound_key("000000000000").len()
        + CREATED_BY_KEY.len()
        + me.len()
        <= ANNOTATION_BUDGET
}

/// One recorded user of the secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// The repository's full name.
    pub repository: String,
    /// Version numbers (as text) the repository uses or is about to use.
    pub versions: Vec<String>,
}

impl User {
    /// Parses an annotation value.
    fn parse(value: &str) -> User {
        match value.split_once(CLAIM_SEPARATOR) {
            Some((repo, versions)) => User {
                repository: repo.to_string(),
                versions: versions
                    .split(',')
                    .filter(|v| !v.is_empty())
                    .map(str::to_string)
                    .collect(),
            },
            None => User {
                repository: value.to_string(),
                versions: Vec::new(),
            },
        }
    }
    /// The annotation value.
    fn encode(&self) -> String {
        if self.versions.is_empty() {
            self.repository.clone()
        } else {
            format!(
                "{}{CLAIM_SEPARATOR}{}",
                self.repository,
                self.versions.join(",")
            )
        }
    }
}

/// Every recorded user.
pub fn users(annotations: &BTreeMap<String, String>) -> Vec<User> {
    annotations
        .iter()
        .filter(|(k, _)| k.starts_with(USER_PREFIX))
        .map(|(_, v)| User::parse(v))
        .collect()
}

/// Version numbers claimed by users other than `me`.
pub fn claimed_by_others(annotations: &BTreeMap<String, String>, me: &str) -> Vec<String> {
    users(annotations)
        .into_iter()
        .filter(|u| u.repository != me)
        .flat_map(|u| u.versions)
        .collect()
}

/// The versions `me` claims.
pub fn my_claims(annotations: &BTreeMap<String, String>, me: &str) -> Vec<String> {
    annotations
        .get(&user_key(me))
        .map(|v| User::parse(v))
        .filter(|u| u.repository == me)
        .map(|u| u.versions)
        .unwrap_or_default()
}

/// Records `me` as a user claiming exactly `versions`; true when the
/// annotations changed.
pub fn claim(annotations: &mut BTreeMap<String, String>, me: &str, versions: &[String]) -> bool {
    let value = User {
        repository: me.to_string(),
        versions: versions.to_vec(),
    }
    .encode();
    let key = user_key(me);
    if annotations.get(&key) == Some(&value) {
        return false;
    }
    annotations.insert(key, value);
    true
}

/// What recording `me` with `versions` claimed adds to the annotations'
/// size (for the budget check before any change).
pub fn entry_bytes(me: &str, versions: usize) -> usize {
    // Key, repository name, separator and up to 20 digits plus a comma per version.
    user_key(me).len() + me.len() + 1 + versions * 21
}

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
pub fn other_users(annotations: &BTreeMap<String, String>, me: &str) -> Vec<String> {
    users(annotations)
        .into_iter()
        .map(|u| u.repository)
        .filter(|r| r != me)
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

/// True when `me` is recorded as a user.
pub fn is_user(annotations: &BTreeMap<String, String>, me: &str) -> bool {
    annotations
        .get(&user_key(me))
        .is_some_and(|v| User::parse(v).repository == me)
}

/// Adds `me` as a user (keeping its claims); true when the annotations changed.
pub fn add_user(annotations: &mut BTreeMap<String, String>, me: &str) -> bool {
    if annotations
        .get(&user_key(me))
        .is_some_and(|v| User::parse(v).repository == me)
    {
        return false;
    }
    claim(annotations, me, &[])
}

/// Removes `repository` as a user; true when the annotations changed.
pub fn remove_user(annotations: &mut BTreeMap<String, String>, repository: &str) -> bool {
    annotations.remove(&user_key(repository)).is_some()
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
    fn claims_are_recorded_per_user_and_seen_by_others() {
        let mut ann = BTreeMap::new();
        assert!(claim(&mut ann, REPO_A, &["1".into(), "2".into()]));
        assert!(!claim(&mut ann, REPO_A, &["1".into(), "2".into()]));
        assert!(add_user(&mut ann, REPO_B));
        assert!(!add_user(&mut ann, REPO_A), "keeps A's claims");
        assert_eq!(my_claims(&ann, REPO_A), vec!["1", "2"]);
        assert_eq!(claimed_by_others(&ann, REPO_B), vec!["1", "2"]);
        assert!(claimed_by_others(&ann, REPO_A).is_empty());
        assert_eq!(other_users(&ann, REPO_B), vec![REPO_A.to_string()]);
        // Entries written before claims existed read as users without claims.
        ann.insert(user_key(REPO_B), REPO_B.into());
        assert_eq!(users(&ann).len(), 2);
        assert!(annotation_bytes(&ann) < entry_bytes(REPO_A, 2) + entry_bytes(REPO_B, 0));
    }

    #[test]
    fn the_annotation_budget_is_checked_with_room_for_a_rotation() {
        let mut annotations: BTreeMap<String, String> = BTreeMap::new();
        assert!(fits_annotation_budget(&annotations, REPO_A));
        annotations.insert("team-notes".into(), "x".repeat(ANNOTATION_BUDGET - 200));
        assert!(!fits_annotation_budget(&annotations, REPO_A));
        annotations.clear();
        annotations.insert("team-notes".into(), "x".repeat(ANNOTATION_BUDGET / 2));
        assert!(fits_annotation_budget(&annotations, REPO_A));
    }

    #[test]
    fn project_part() {
        assert_eq!(project_of(REPO_A), Some("demo-project"));
        assert_eq!(project_of("garbage"), None);
    }
}
