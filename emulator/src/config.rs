//! Startup configuration: the command-line knobs and the `--seed` JSON
//! document (projects, principals, repositories, secrets and IAM policies).
//! `POST /_emulator/reset` rebuilds the state from this same value.

use serde::Deserialize;
use serde_json::{Map, Value};
use std::time::Duration;

/// Everything the emulator needs to build its initial state and behaviour.
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// The initial world: projects, principals, repositories, secrets.
    pub seed: Seed,
    /// Delay added to every API request (not to `/_emulator/*`).
    pub latency: Duration,
    /// Share of API requests (0..=1) answered with a retryable error, unapplied.
    pub fault_rate: f64,
    /// Seed of the RNG that picks faulted requests, so runs are repeatable.
    pub fault_seed: u64,
    /// Requests per second allowed per caller; `None` means unlimited.
    pub quota_rps: Option<u32>,
    /// Milliseconds before a policy write reaches the checks Google's
    /// services make on their own behalf (the upstream check); 0: at once.
    pub iam_propagation_ms: u64,
}

impl Config {
    /// Adds a project given as `--project ID=NUMBER`; it starts with its
    /// Artifact Registry service agent, like a project that has used AR.
    pub fn add_project_arg(&mut self, arg: &str) -> Result<(), String> {
        let (id, number) = arg
            .split_once('=')
            .ok_or_else(|| format!("--project expects ID=NUMBER, got {arg:?}"))?;
        validate_project_id(id)?;
        validate_project_number(number)?;
        self.seed.projects.push(ProjectSeed {
            id: id.to_string(),
            number: NumberText(number.to_string()),
            service_agent: true,
            iam_policy: None,
            parent: None,
        });
        Ok(())
    }

    /// Reads and validates a seed file, merging it into this configuration.
    pub fn load_seed_file(&mut self, path: &str) -> Result<(), String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read seed file {path}: {e}"))?;
        let seed: Seed =
            serde_json::from_str(&text).map_err(|e| format!("invalid seed file {path}: {e}"))?;
        self.merge_seed(seed)
    }

    /// Merges a parsed seed, checking that project ids/numbers are well formed.
    pub fn merge_seed(&mut self, seed: Seed) -> Result<(), String> {
        for project in &seed.projects {
            validate_project_id(&project.id)?;
            validate_project_number(&project.number.0)?;
        }
        self.seed.projects.extend(seed.projects);
        self.seed.principals.extend(seed.principals);
        self.seed.repositories.extend(seed.repositories);
        self.seed.secrets.extend(seed.secrets);
        Ok(())
    }

    /// True when a seed names principals: then permissions are enforced.
    pub fn enforces_permissions(&self) -> bool {
        !self.seed.principals.is_empty()
    }
}

/// Google's project id rule: 6-30 of lowercase letters, digits, hyphens,
/// starting with a letter and not ending with a hyphen.
pub fn validate_project_id(id: &str) -> Result<(), String> {
    if crate::ids::is_lowercase_id(id, 6..=30) {
        Ok(())
    } else {
        Err(format!(
            "invalid project id {id:?}: 6-30 lowercase letters, digits or hyphens, starting with a letter"
        ))
    }
}

fn validate_project_number(number: &str) -> Result<(), String> {
    let ok = !number.is_empty()
        && number.len() <= 18
        && number.chars().all(|c| c.is_ascii_digit())
        && !number.starts_with('0');
    if ok {
        Ok(())
    } else {
        Err(format!(
            "invalid project number {number:?}: expected digits"
        ))
    }
}

/// The `--seed` JSON document; see `emulator/README.md` for an example.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Seed {
    /// Projects that exist.
    #[serde(default)]
    pub projects: Vec<ProjectSeed>,
    /// Bearer token → IAM member (`user:...`, `serviceAccount:...`).
    /// Non-empty turns on permission checks; unknown tokens get 401.
    #[serde(default)]
    pub principals: std::collections::BTreeMap<String, String>,
    /// Artifact Registry repositories that exist at startup.
    #[serde(default)]
    pub repositories: Vec<RepositorySeed>,
    /// Secrets (with optional versions and policy) that exist at startup.
    #[serde(default)]
    pub secrets: Vec<SecretSeed>,
}

/// A project in the seed.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ProjectSeed {
    /// Project id, e.g. `demo-project`.
    pub id: String,
    /// Project number, as a JSON string or number.
    pub number: NumberText,
    /// Whether the Artifact Registry service agent already exists.
    #[serde(default = "default_true")]
    pub service_agent: bool,
    /// The project's IAM policy (`bindings`, optional `version`).
    #[serde(default)]
    pub iam_policy: Option<Value>,
    /// Optional parent such as `organizations/123`, shown by Resource Manager.
    #[serde(default)]
    pub parent: Option<String>,
}

fn default_true() -> bool {
    true
}

/// A repository in the seed: where it lives plus any `Repository` fields
/// in the API's JSON form (`format`, `mode`, `remoteRepositoryConfig`, ...).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RepositorySeed {
    /// Project id or number.
    pub project: String,
    /// Location, e.g. `us-central1`.
    pub location: String,
    /// Repository id.
    pub repository_id: String,
    /// Optional IAM policy on the repository.
    #[serde(default)]
    pub iam_policy: Option<Value>,
    /// The remaining `Repository` fields, exactly as the API takes them.
    #[serde(flatten)]
    pub fields: Map<String, Value>,
}

/// A secret in the seed.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SecretSeed {
    /// Project id or number.
    pub project: String,
    /// Secret id.
    pub secret_id: String,
    /// Replication as the API takes it; automatic when absent.
    #[serde(default)]
    pub replication: Option<Value>,
    /// Labels on the secret.
    #[serde(default)]
    pub labels: Map<String, Value>,
    /// Annotations on the secret.
    #[serde(default)]
    pub annotations: Map<String, Value>,
    /// Versions in creation order (numbered from 1).
    #[serde(default)]
    pub versions: Vec<VersionSeed>,
    /// Optional IAM policy on the secret.
    #[serde(default)]
    pub iam_policy: Option<Value>,
}

/// A secret version in the seed.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct VersionSeed {
    /// Payload as standard base64, like `SecretPayload.data`.
    pub data: String,
    /// `ENABLED` (default), `DISABLED` or `DESTROYED`.
    #[serde(default)]
    pub state: Option<String>,
}

/// An int64 that seeds may write as a JSON number or string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NumberText(pub String);

impl<'de> Deserialize<'de> for NumberText {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match Value::deserialize(d)? {
            Value::String(s) => Ok(NumberText(s)),
            Value::Number(n) => Ok(NumberText(n.to_string())),
            other => Err(serde::de::Error::custom(format!(
                "expected a project number, got {other}"
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn project_arg_parses_and_validates() {
        let mut c = Config::default();
        c.add_project_arg("demo-project=123456789012")
            .expect("valid");
        assert_eq!(c.seed.projects[0].number.0, "123456789012");
        assert!(c.seed.projects[0].service_agent);
        assert!(c.add_project_arg("demo-project").is_err());
        assert!(c.add_project_arg("Demo=1").is_err());
        assert!(c.add_project_arg("demo-project=12a").is_err());
    }

    #[test]
    fn seed_accepts_numeric_project_numbers_and_rejects_typos() {
        let seed: Seed = serde_json::from_str(
            r#"{"projects":[{"id":"demo-project","number":42,"serviceAgent":false}]}"#,
        )
        .expect("seed");
        assert_eq!(seed.projects[0].number.0, "42");
        assert!(!seed.projects[0].service_agent);
        assert!(serde_json::from_str::<Seed>(r#"{"project":[]}"#).is_err());
    }
}
