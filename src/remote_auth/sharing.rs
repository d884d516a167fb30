//! Sharing one secret between several `pypi_remote_auth` resources, recorded
//! on the secret itself (annotations) so that every resource, in any state
//! file, sees the others:
//!
//! - `pypi-auth-user-<hash>` = `<repository name>` or `<repository name>#<n>,<m>`:
//!   one per repository using the secret, with the version numbers it uses or
//!   is about to use (written before the repository is pointed at them, so
//!   nobody else disables a version some repository depends on), each marked
//!   `+` when this user added it (so that what it retires later survives the
//!   loss of its private state, which a killed Terraform can drop), and, while
//!   it adds a version to a secret made by hand, `@<k>`: versions above `k`
//!   may be its own (written before `:addVersion`, so that a run killed
//!   before it could claim the new version lets the next run find it);
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
/// Follows a claimed version number that the user added itself.
const ADDED_MARK: char = '+';
/// Separates the claims from the number above which versions may be the
/// user's own (see the module comment); never part of a resource name.
const ADDING_SEPARATOR: char = '@';

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
    /// Version numbers (as text) the repository uses or is about to use,
    /// each followed by `+` when the user added it (see [`added`]).
    pub versions: Vec<String>,
    /// Set while the user adds a version to a secret made by hand: the
    /// highest version number that existed before, so that versions above
    /// it that hold the user's token and nobody claims are its own.
    pub adding_after: Option<u64>,
}

impl User {
    /// The claimed version numbers, without marks.
    pub fn numbers(&self) -> Vec<String> {
        self.versions
            .iter()
            .map(|v| v.trim_end_matches(ADDED_MARK).to_string())
            .collect()
    }
    /// The claimed version numbers the user added itself.
    pub fn added(&self) -> Vec<String> {
        self.versions
            .iter()
            .filter_map(|v| v.strip_suffix(ADDED_MARK))
            .map(str::to_string)
            .collect()
    }
    /// Parses an annotation value.
    fn parse(value: &str) -> User {
        let (rest, adding_after) = match value.rsplit_once(ADDING_SEPARATOR) {
            Some((rest, n)) => (rest, n.parse().ok()),
            None => (value, None),
        };
        match rest.split_once(CLAIM_SEPARATOR) {
            Some((repo, versions)) => User {
                repository: repo.to_string(),
                versions: versions
                    .split(',')
                    .filter(|v| !v.is_empty())
                    .map(str::to_string)
                    .collect(),
                adding_after,
            },
            None => User {
                repository: rest.to_string(),
                versions: Vec::new(),
                adding_after,
            },
        }
    }
    /// The annotation value.
    fn encode(&self) -> String {
        let mut value = self.repository.clone();
        if !self.versions.is_empty() {
            value.push(CLAIM_SEPARATOR);
            value.push_str(&self.versions.join(","));
        }
        if let Some(n) = self.adding_after {
            value.push(ADDING_SEPARATOR);
            value.push_str(&n.to_string());
        }
        value
    }
}

/// True when this provider created the secret for repository `me`.
pub fn created_by(annotations: &BTreeMap<String, String>, me: &str) -> bool {
    annotations.get(CREATED_BY_KEY).map(String::as_str) == Some(me)
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
        .flat_map(|u| u.numbers())
        .collect()
}

/// `me`'s entry, when it has one.
fn me_as_user(annotations: &BTreeMap<String, String>, me: &str) -> Option<User> {
    annotations
        .get(&user_key(me))
        .map(|v| User::parse(v))
        .filter(|u| u.repository == me)
}

/// The version numbers `me` claims.
pub fn my_claims(annotations: &BTreeMap<String, String>, me: &str) -> Vec<String> {
    me_as_user(annotations, me)
        .map(|u| u.numbers())
        .unwrap_or_default()
}

/// The claims of `me` as written, marks included (compare with what
/// [`claim`] would write).
pub fn my_entries(annotations: &BTreeMap<String, String>, me: &str) -> Vec<String> {
    me_as_user(annotations, me)
        .map(|u| u.versions)
        .unwrap_or_default()
}

/// The version numbers `me` claims and added itself.
pub fn my_added(annotations: &BTreeMap<String, String>, me: &str) -> Vec<String> {
    me_as_user(annotations, me)
        .map(|u| u.added())
        .unwrap_or_default()
}

/// A claim of version `n` that the claiming user added itself.
pub fn added(n: &str) -> String {
    format!("{n}{ADDED_MARK}")
}

/// Records `me` as a user claiming exactly `versions` (numbers, those it
/// added marked with [`added`]), and no longer adding one; true when the
/// annotations changed.
pub fn claim(annotations: &mut BTreeMap<String, String>, me: &str, versions: &[String]) -> bool {
    let value = User {
        repository: me.to_string(),
        versions: versions.to_vec(),
        adding_after: None,
    }
    .encode();
    let key = user_key(me);
    if annotations.get(&key) == Some(&value) {
        return false;
    }
    annotations.insert(key, value);
    true
}

/// Records that `me`, keeping its claims, is about to add a version to a
/// secret whose highest version number is `after`; true when the
/// annotations changed.
pub fn mark_adding(annotations: &mut BTreeMap<String, String>, me: &str, after: u64) -> bool {
    let mut user = annotations
        .get(&user_key(me))
        .map(|v| User::parse(v))
        .filter(|u| u.repository == me)
        .unwrap_or(User {
            repository: me.to_string(),
            versions: Vec::new(),
            adding_after: None,
        });
    user.adding_after = Some(after);
    let value = user.encode();
    annotations.insert(user_key(me), value.clone()) != Some(value)
}

/// The version number above which versions may be `me`'s own (see [`User::adding_after`]).
pub fn adding_after(annotations: &BTreeMap<String, String>, me: &str) -> Option<u64> {
    annotations
        .get(&user_key(me))
        .map(|v| User::parse(v))
        .filter(|u| u.repository == me)
        .and_then(|u| u.adding_after)
}

/// What recording `me` with `versions` claimed adds to the annotations'
/// size (for the budget check before any change).
pub fn entry_bytes(me: &str, versions: usize) -> usize {
    // Key, repository name, separator and up to 20 digits, a mark and a
    // comma per version, and the adding marker (separator and up to 20 digits).
    user_key(me).len() + me.len() + 1 + versions * 22 + 21
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
    fn the_adding_marker_keeps_the_claims_and_a_claim_clears_it() {
        let mut ann = BTreeMap::new();
        assert!(claim(&mut ann, REPO_A, &["3".into()]));
        assert!(mark_adding(&mut ann, REPO_A, 7));
        assert!(!mark_adding(&mut ann, REPO_A, 7));
        assert_eq!(adding_after(&ann, REPO_A), Some(7));
        assert_eq!(my_claims(&ann, REPO_A), vec!["3"]);
        assert_eq!(claimed_by_others(&ann, REPO_B), vec!["3"]);
        assert!(is_user(&ann, REPO_A));
        assert!(claim(&mut ann, REPO_A, &[added("8"), "3".into()]));
        assert_eq!(adding_after(&ann, REPO_A), None);
        assert_eq!(my_claims(&ann, REPO_A), vec!["8", "3"]);
        assert_eq!(my_added(&ann, REPO_A), vec!["8"]);
        assert_eq!(my_entries(&ann, REPO_A), vec!["8+", "3"]);
        assert_eq!(claimed_by_others(&ann, REPO_B), vec!["8", "3"]);
        assert!(
            mark_adding(&mut ann, REPO_B, 0),
            "a newcomer is recorded by its marker"
        );
        assert_eq!(other_users(&ann, REPO_A), vec![REPO_B.to_string()]);
        assert_eq!(adding_after(&ann, REPO_B), Some(0));
        assert!(my_claims(&ann, REPO_B).is_empty());
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
