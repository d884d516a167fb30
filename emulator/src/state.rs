//! The in-memory model of everything the emulated APIs own. One `State`
//! lives behind a mutex in the server; every handler runs with the lock
//! held and never awaits, so each request is atomic (which is what makes
//! etag read-modify-write cycles race-free).

use crate::clock::{self, now_rfc3339};
use crate::iam::Policy;
use crate::propagation::PolicyHistory;
use crate::settings::Settings;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Map, Value};
use std::collections::{BTreeMap, HashMap};
use time::OffsetDateTime;

/// A Google Cloud project.
#[derive(Debug, Clone)]
pub struct Project {
    /// Project id, e.g. `demo-project`.
    pub id: String,
    /// Project number as decimal text (int64 travels as a string).
    pub number: String,
    /// Whether the Artifact Registry service agent has been created.
    pub service_agent: bool,
    /// The project-level IAM policy (grants apply to everything inside),
    /// with its recent writes for propagation.
    pub policy: PolicyHistory,
    /// Optional parent such as `organizations/123`.
    pub parent: Option<String>,
    /// Creation time shown by Resource Manager.
    pub create_time: String,
}

/// Lifecycle state of a secret version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VersionState {
    /// Readable through `:access`.
    Enabled,
    /// Kept but not readable; can be re-enabled.
    Disabled,
    /// Payload erased; terminal.
    Destroyed,
}

impl VersionState {
    /// The enum string of `SecretVersion.state`.
    pub fn as_str(self) -> &'static str {
        match self {
            VersionState::Enabled => "ENABLED",
            VersionState::Disabled => "DISABLED",
            VersionState::Destroyed => "DESTROYED",
        }
    }

    /// Parses a seed's state string.
    pub fn parse(text: &str) -> Option<VersionState> {
        match text {
            "ENABLED" => Some(VersionState::Enabled),
            "DISABLED" => Some(VersionState::Disabled),
            "DESTROYED" => Some(VersionState::Destroyed),
            _ => None,
        }
    }
}

/// One secret version.
#[derive(Clone)]
pub struct Version {
    /// Version number, from 1.
    pub number: u64,
    /// ENABLED / DISABLED / DESTROYED.
    pub state: VersionState,
    /// The secret bytes; emptied on destroy. Never logged.
    pub payload: Vec<u8>,
    /// Whether the caller sent `dataCrc32c` when adding it.
    pub client_checksum: bool,
    /// Creation time, to the microsecond; strictly increasing within a
    /// secret, so `create_time>` filters can tell any two versions apart.
    pub create_time: OffsetDateTime,
    /// Set when destroyed.
    pub destroy_time: Option<String>,
    /// Changes on every state transition.
    pub etag: String,
}

/// The payload is a client's secret (a PyPI token): Debug shows only its size.
impl std::fmt::Debug for Version {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Version")
            .field("number", &self.number)
            .field("state", &self.state)
            .field(
                "payload",
                &format_args!("[redacted, {} bytes]", self.payload.len()),
            )
            .field("client_checksum", &self.client_checksum)
            .field("create_time", &self.create_time)
            .field("destroy_time", &self.destroy_time)
            .field("etag", &self.etag)
            .finish()
    }
}

/// A Secret Manager secret.
#[derive(Debug, Clone)]
pub struct Secret {
    /// Number of the owning project (names answer with the number).
    pub project_number: String,
    /// Secret id.
    pub id: String,
    /// Writable `Secret` fields as JSON (replication, labels, ...).
    pub fields: Map<String, Value>,
    /// Creation timestamp.
    pub create_time: String,
    /// Changes on every update of the secret's metadata.
    pub etag: String,
    /// Versions in creation order; `versions[i].number == i + 1`.
    pub versions: Vec<Version>,
    /// The secret's IAM policy, with its recent writes for propagation.
    pub policy: PolicyHistory,
}

impl Secret {
    /// A secret without versions or policy, from fields that are already
    /// validated (`secretmanager::model::new_secret_fields`).
    pub fn new(project_number: &str, id: &str, fields: Map<String, Value>, etag: String) -> Secret {
        Secret {
            project_number: project_number.to_string(),
            id: id.to_string(),
            fields,
            create_time: now_rfc3339(),
            etag,
            versions: Vec::new(),
            policy: PolicyHistory::default(),
        }
    }

    /// Appends the next version (numbered from 1) and returns its number. A
    /// version born DESTROYED (seeds may say so) keeps no payload. Versions
    /// added within one microsecond get successive microseconds.
    pub fn push_version(
        &mut self,
        payload: Vec<u8>,
        client_checksum: bool,
        state: VersionState,
        etag: String,
    ) -> u64 {
        let number = self.versions.len() as u64 + 1;
        let create_time = match self.versions.last() {
            Some(last) if last.create_time >= clock::now() => clock::just_after(last.create_time),
            _ => clock::now(),
        };
        let destroyed = state == VersionState::Destroyed;
        self.versions.push(Version {
            number,
            state,
            payload: if destroyed { Vec::new() } else { payload },
            client_checksum,
            create_time,
            destroy_time: destroyed.then(|| clock::format(create_time)),
            etag,
        });
        number
    }

    /// `projects/NUMBER/secrets/ID`.
    pub fn name(&self) -> String {
        format!("projects/{}/secrets/{}", self.project_number, self.id)
    }
}

/// An Artifact Registry repository.
#[derive(Debug, Clone)]
pub struct Repository {
    /// Id of the owning project (AR names answer with the id).
    pub project_id: String,
    /// Location, e.g. `us-central1`.
    pub location: String,
    /// Repository id.
    pub id: String,
    /// Stored `Repository` fields in their JSON form, enums as strings.
    pub fields: Map<String, Value>,
    /// Creation timestamp.
    pub create_time: String,
    /// Last update timestamp.
    pub update_time: String,
    /// The repository's IAM policy.
    pub policy: Policy,
}

impl Repository {
    /// A repository without policy, from fields that are already validated
    /// (`artifactregistry::model::new_repository_fields`).
    pub fn new(
        project_id: &str,
        location: &str,
        id: &str,
        fields: Map<String, Value>,
    ) -> Repository {
        let now = now_rfc3339();
        Repository {
            project_id: project_id.to_string(),
            location: location.to_string(),
            id: id.to_string(),
            fields,
            create_time: now.clone(),
            update_time: now,
            policy: Policy::default(),
        }
    }

    /// `projects/P/locations/L/repositories/R`.
    pub fn name(&self) -> String {
        format!(
            "projects/{}/locations/{}/repositories/{}",
            self.project_id, self.location, self.id
        )
    }
}

/// The whole emulated world.
#[derive(Debug)]
pub struct State {
    /// Projects, in seed order.
    pub projects: Vec<Project>,
    /// Secrets keyed by (project number, secret id).
    pub secrets: BTreeMap<(String, String), Secret>,
    /// Repositories keyed by (project id, location, repository id).
    pub repositories: BTreeMap<(String, String, String), Repository>,
    /// Finished long-running operations by full name.
    pub operations: HashMap<String, Value>,
    /// Bearer token → IAM member, from the seed.
    pub principals: BTreeMap<String, String>,
    /// Whether permission checks are on (the seed named principals).
    pub enforce: bool,
    /// How the world behaves: IAM propagation, tokens the upstream rejects.
    pub settings: Settings,
    /// Source of unique etags and ids.
    counter: u64,
    /// Randomness for operation ids.
    rng: StdRng,
}

impl State {
    /// An empty world that behaves as `settings` say.
    pub fn new(principals: BTreeMap<String, String>, settings: Settings) -> State {
        let seed = crate::clock::unix_ms() ^ u64::from(std::process::id());
        State {
            projects: Vec::new(),
            secrets: BTreeMap::new(),
            repositories: BTreeMap::new(),
            operations: HashMap::new(),
            enforce: !principals.is_empty(),
            settings,
            principals,
            counter: 0,
            rng: StdRng::seed_from_u64(seed),
        }
    }

    /// Finds a project by id or number, as Google paths accept both.
    pub fn project(&self, id_or_number: &str) -> Option<&Project> {
        self.projects
            .iter()
            .find(|p| p.id == id_or_number || p.number == id_or_number)
    }

    /// Mutable [`State::project`].
    pub fn project_mut(&mut self, id_or_number: &str) -> Option<&mut Project> {
        self.projects
            .iter_mut()
            .find(|p| p.id == id_or_number || p.number == id_or_number)
    }

    /// Numbers of the projects whose AR service agent exists (a snapshot,
    /// so policy writes can consult it while a resource is borrowed).
    pub fn agent_numbers(&self) -> Vec<String> {
        self.projects
            .iter()
            .filter(|p| p.service_agent)
            .map(|p| p.number.clone())
            .collect()
    }

    /// A fresh value for etags; strictly increasing.
    pub fn next_counter(&mut self) -> u64 {
        self.counter += 1;
        self.counter
    }

    /// A secret/version etag in Secret Manager's quoted-hex form.
    pub fn next_resource_etag(&mut self) -> String {
        let n = self.next_counter();
        format!("\"{:014x}\"", 0x0005_f000_0000_0000u64 + n)
    }

    /// A random UUID-shaped id for operation names.
    pub fn uuid(&mut self) -> String {
        let a: u128 = self.rng.random();
        let hex = format!("{a:032x}");
        format!(
            "{}-{}-4{}-a{}-{}",
            &hex[0..8],
            &hex[8..12],
            &hex[13..16],
            &hex[17..20],
            &hex[20..32]
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_debug_hides_the_payload() {
        let version = Version {
            number: 1,
            state: VersionState::Enabled,
            payload: b"pypi-do-not-print".to_vec(),
            client_checksum: true,
            create_time: clock::now(),
            destroy_time: None,
            etag: String::new(),
        };
        let shown = format!("{version:?}");
        assert!(!shown.contains("do-not-print"), "{shown}");
        assert!(!shown.contains("112, 121"), "bytes as numbers: {shown}");
        assert!(shown.contains("17 bytes"), "{shown}");
    }
}
