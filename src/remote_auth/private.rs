//! The resource's private state: what this resource created (so destroy
//! removes exactly that and nothing else) and the drift Read found (so Plan
//! can show it and Apply can repair it). Stored by Terraform as opaque bytes;
//! encoded as versioned JSON.

use serde::{Deserialize, Serialize};

/// Current encoding version; older or unknown versions decode as empty bookkeeping.
const VERSION: u32 = 1;

/// One out-of-band change Read noticed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Drift {
    /// The repository's credentials name another secret version.
    CredentialsElsewhere,
    /// The repository's upstream credentials were removed.
    CredentialsCleared,
    /// The repository's credentials carry another username.
    UsernameChanged,
    /// The service agent lost its accessor binding on the secret.
    BindingMissing,
    /// The version in use is disabled or destroyed: a new one must be stored.
    VersionNotEnabled,
    /// The secret (or the version) no longer exists.
    SecretMissing,
    /// Work an earlier apply could not finish: a superseded version still to
    /// disable or destroy, or the secret moved away from still to release.
    CleanupPending,
}

impl Drift {
    /// A sentence for the warning Read returns.
    pub fn describe(self) -> &'static str {
        match self {
            Drift::CredentialsElsewhere => "the repository's upstream credentials point at another secret version",
            Drift::CredentialsCleared => "the repository's upstream credentials were removed",
            Drift::UsernameChanged => "the repository's upstream username was changed",
            Drift::BindingMissing => "the Artifact Registry service agent no longer has roles/secretmanager.secretAccessor on the secret",
            Drift::VersionNotEnabled => "the secret version in use is disabled or destroyed",
            Drift::SecretMissing => "the secret or its version was deleted",
            Drift::CleanupPending => "an earlier apply stopped before it disabled the superseded secret version or released the previous secret",
        }
    }
}

/// Bookkeeping kept in Terraform's private state.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Private {
    /// Encoding version, so later releases can read older bytes.
    #[serde(default)]
    pub v: u32,
    /// Full name of the secret this bookkeeping is about (`projects/P/secrets/S`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
    /// This resource created the secret (it may delete it when nothing else uses it).
    #[serde(default)]
    pub created_secret: bool,
    /// Versions this resource added and has not destroyed yet; only these are disabled or destroyed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub created_versions: Vec<String>,
    /// This resource added the service agent's accessor binding.
    #[serde(default)]
    pub added_binding: bool,
    /// The version this resource last set on the repository (repairs repoint to it while it is enabled).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Out-of-band changes found by the last Read; cleared by Apply.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub drift: Vec<Drift>,
    /// Versions a rotation superseded whose `previous_version_policy` is
    /// still to be applied (recorded before the repository is repointed).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub superseded: Vec<String>,
    /// When (Unix seconds) a create that had just granted the service agent
    /// was refused by the upstream check because the grant was not visible
    /// yet; cleared once the repository uses the version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub awaiting_grant_since: Option<i64>,
    /// The secret this resource moved away from, with what it made there,
    /// until it has been released.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub moved_from: Option<Box<Private>>,
}

impl Private {
    /// Decodes private bytes; empty, foreign or newer bytes give empty bookkeeping
    /// (the resource then assumes it created nothing, which never deletes too much).
    pub fn decode(bytes: &[u8]) -> Private {
        if bytes.is_empty() {
            return Private::default();
        }
        match serde_json::from_slice::<Private>(bytes) {
            Ok(p) if p.v == VERSION => p,
            _ => Private::default(),
        }
    }
    /// Encodes for Terraform.
    pub fn encode(&self) -> Vec<u8> {
        let mut copy = self.clone();
        copy.v = VERSION;
        serde_json::to_vec(&copy).unwrap_or_default()
    }
    /// Records a version this resource added.
    pub fn record_version(&mut self, name: &str) {
        if !self.created_versions.iter().any(|v| v == name) {
            self.created_versions.push(name.to_string());
        }
    }
    /// True when this resource added `name`.
    pub fn created_version(&self, name: &str) -> bool {
        self.created_versions
            .iter()
            .any(|v| same_version_tail(v, name))
    }
    /// Forgets a version (after destroying it).
    pub fn forget_version(&mut self, name: &str) {
        self.created_versions
            .retain(|v| !same_version_tail(v, name));
    }
    /// True when an earlier apply left work that Read cannot see as drift.
    pub fn has_pending_work(&self) -> bool {
        !self.superseded.is_empty() || self.moved_from.is_some()
    }
    /// Adds a drift finding once.
    pub fn note(&mut self, drift: Drift) {
        if !self.drift.contains(&drift) {
            self.drift.push(drift);
        }
    }
}

/// Seconds since the Unix epoch (0 if the clock is before it).
pub fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// Version names compare by secret ID and version number: Google answers
/// with project numbers where this resource writes project IDs.
pub fn same_version_tail(a: &str, b: &str) -> bool {
    match (
        super::ids::parse_version_name(a),
        super::ids::parse_version_name(b),
    ) {
        (Some(x), Some(y)) => x.secret.id == y.secret.id && x.version == y.version,
        _ => a == b,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let mut p = Private {
            secret: Some("projects/p/secrets/s".into()),
            created_secret: true,
            added_binding: true,
            ..Private::default()
        };
        p.record_version("projects/p/secrets/s/versions/1");
        p.record_version("projects/p/secrets/s/versions/1");
        p.note(Drift::BindingMissing);
        let bytes = p.encode();
        let back = Private::decode(&bytes);
        assert_eq!(back.created_versions.len(), 1);
        assert!(back.created_secret && back.added_binding);
        assert_eq!(back.drift, vec![Drift::BindingMissing]);
        assert!(String::from_utf8_lossy(&bytes).contains("\"binding_missing\""));
    }

    #[test]
    fn garbage_and_other_versions_decode_empty() {
        assert_eq!(Private::decode(b""), Private::default());
        assert_eq!(Private::decode(b"not json"), Private::default());
        assert_eq!(
            Private::decode(br#"{"v":99,"created_secret":true}"#),
            Private::default()
        );
    }

    #[test]
    fn versions_match_across_project_id_and_number() {
        let mut p = Private::default();
        p.record_version("projects/demo-project/secrets/s/versions/2");
        assert!(p.created_version("projects/123456789012/secrets/s/versions/2"));
        assert!(!p.created_version("projects/123456789012/secrets/s/versions/3"));
        p.forget_version("projects/123456789012/secrets/s/versions/2");
        assert!(p.created_versions.is_empty());
    }
}
