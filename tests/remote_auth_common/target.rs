//! [`Target`]: the emulator's objects for one `pypi_remote_auth`, read and
//! changed out of band, and the IAM policy edits they need.

use base64::Engine as _;
use serde_json::{json, Value};

use crate::support::Emulator;

use super::{
    agent_member, api, api_ok, b64, split_version_name, ACCESSOR_ROLE, LOCATION, PROJECT,
    PROJECT_NUMBER,
};

/// Where the emulator's objects for one `pypi_remote_auth` live, and the
/// reads and out-of-band writes the tests make on them.
pub struct Target<'a> {
    /// The emulator holding the objects.
    pub emu: &'a Emulator,
    /// Project of the repository.
    pub project: String,
    /// Number of the repository's project: its service agent needs access.
    pub project_number: String,
    /// Location of the repository ([`LOCATION`] unless set).
    pub location: String,
    /// Repository ID in `location`.
    pub repository: String,
    /// Project holding the secret.
    pub secret_project: String,
    /// Secret ID.
    pub secret_id: String,
}

impl<'a> Target<'a> {
    /// A repository and secret both in [`PROJECT`].
    pub fn new(emu: &'a Emulator, repository: &str, secret_id: &str) -> Target<'a> {
        Target {
            emu,
            project: PROJECT.to_string(),
            project_number: PROJECT_NUMBER.to_string(),
            location: LOCATION.to_string(),
            repository: repository.to_string(),
            secret_project: PROJECT.to_string(),
            secret_id: secret_id.to_string(),
        }
    }

    /// REST path of the repository.
    pub fn repo_path(&self) -> String {
        format!(
            "/v1/projects/{}/locations/{}/repositories/{}",
            self.project, self.location, self.repository
        )
    }

    /// REST path of the secret.
    pub fn secret_path(&self) -> String {
        format!(
            "/v1/projects/{}/secrets/{}",
            self.secret_project, self.secret_id
        )
    }

    /// The repository as Artifact Registry answers it.
    pub fn repository(&self) -> Value {
        api_ok(self.emu, "GET", &self.repo_path(), None)
    }

    /// `(username, passwordSecretVersion)` of the repository, if it has credentials.
    pub fn credentials(&self) -> Option<(String, String)> {
        let repo = self.repository();
        let creds =
            &repo["remoteRepositoryConfig"]["upstreamCredentials"]["usernamePasswordCredentials"];
        let username = creds["username"].as_str().unwrap_or_default();
        let version = creds["passwordSecretVersion"].as_str().unwrap_or_default();
        if username.is_empty() && version.is_empty() {
            None
        } else {
            Some((username.to_string(), version.to_string()))
        }
    }

    /// Status code of a GET on the secret (404 once deleted).
    pub fn secret_status(&self) -> u16 {
        api(self.emu, "GET", &self.secret_path(), None).0
    }

    /// The secret as Secret Manager answers it.
    pub fn secret(&self) -> Value {
        api_ok(self.emu, "GET", &self.secret_path(), None)
    }

    /// The secret's annotation keys this provider writes (`pypi-auth-*`).
    pub fn provider_annotations(&self) -> Vec<String> {
        self.secret()["annotations"]
            .as_object()
            .map(|a| {
                a.keys()
                    .filter(|k| k.starts_with("pypi-auth-"))
                    .cloned()
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The state (`ENABLED`, `DISABLED`, `DESTROYED`) of a version, by full name.
    pub fn version_state(&self, name: &str) -> String {
        let version = api_ok(self.emu, "GET", &format!("/v1/{name}"), None);
        version["state"].as_str().unwrap_or_default().to_string()
    }

    /// The payload of a version, decoded, or the error status when not accessible.
    pub fn payload(&self, name: &str) -> Result<String, u16> {
        let (status, answer) = api(self.emu, "GET", &format!("/v1/{name}:access"), None);
        if status != 200 {
            return Err(status);
        }
        let data = answer["payload"]["data"].as_str().unwrap_or_default();
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(data)
            .unwrap_or_else(|e| panic!("payload of {name} is not base64: {e}"));
        Ok(String::from_utf8(bytes)
            .unwrap_or_else(|e| panic!("payload of {name} is not UTF-8: {e}")))
    }

    /// Every version of the secret, as listed by Secret Manager.
    pub fn versions(&self) -> Vec<Value> {
        let answer = api_ok(
            self.emu,
            "GET",
            &format!("{}/versions", self.secret_path()),
            None,
        );
        answer["versions"].as_array().cloned().unwrap_or_default()
    }

    /// The secret's IAM policy, asking for version 3 so conditions come back.
    pub fn policy(&self) -> Value {
        api_ok(
            self.emu,
            "GET",
            &format!(
                "{}:getIamPolicy?options.requestedPolicyVersion=3",
                self.secret_path()
            ),
            None,
        )
    }

    /// Replaces the secret's IAM policy (read-modify-write done by the caller).
    pub fn set_policy(&self, policy: Value) {
        api_ok(
            self.emu,
            "POST",
            &format!("{}:setIamPolicy", self.secret_path()),
            Some(json!({ "policy": policy })),
        );
    }

    /// Whether the service agent of the repository's project is a member of
    /// an unconditional accessor binding on the secret.
    pub fn agent_has_access(&self) -> bool {
        unconditional_members(&self.policy(), ACCESSOR_ROLE)
            .contains(&agent_member(&self.project_number))
    }

    /// Asserts the whole outcome of Google's guide: the repository's
    /// username and password version, that version ENABLED in the expected
    /// secret and holding `token`, and the agent's binding. Returns the
    /// version name the repository uses.
    pub fn assert_configured(&self, token: &str, username: &str) -> String {
        let Some((actual_user, version)) = self.credentials() else {
            panic!(
                "repository {} has no upstream credentials: {:#}",
                self.repository,
                self.repository()
            );
        };
        assert_eq!(actual_user, username, "repository username");
        let (project, secret, _) = split_version_name(&version);
        assert!(
            project == self.secret_project || project == self.secret_project_number(),
            "repository points at {version}, expected a version of a secret in {}",
            self.secret_project
        );
        assert_eq!(
            secret, self.secret_id,
            "repository points at another secret: {version}"
        );
        assert_eq!(
            self.version_state(&version),
            "ENABLED",
            "state of {version}"
        );
        assert!(
            self.payload(&version).as_deref() == Ok(token),
            "payload of {version} is not the configured token"
        );
        assert!(
            self.agent_has_access(),
            "{} lacks {ACCESSOR_ROLE} on {}: {:#}",
            agent_member(&self.project_number),
            self.secret_path(),
            self.policy()
        );
        version
    }

    /// The number of the secret's project, as the emulator reports it.
    pub fn secret_project_number(&self) -> String {
        let project = api_ok(
            self.emu,
            "GET",
            &format!("/v1/projects/{}", self.secret_project),
            None,
        );
        project["projectNumber"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// Out of band: points the repository at `version` with `username`.
    pub fn set_credentials(&self, username: &str, version: &str) {
        self.patch_credentials(json!({
            "usernamePasswordCredentials": {
                "username": username,
                "passwordSecretVersion": version,
            }
        }));
    }

    /// Out of band: removes the repository's credentials entirely.
    pub fn clear_credentials(&self) {
        self.patch_credentials(json!({}));
    }

    /// Out of band: replaces the repository's `upstreamCredentials`.
    fn patch_credentials(&self, credentials: Value) {
        api_ok(
            self.emu,
            "PATCH",
            &format!(
                "{}?updateMask=remoteRepositoryConfig.upstreamCredentials",
                self.repo_path()
            ),
            Some(json!({ "remoteRepositoryConfig": { "upstreamCredentials": credentials } })),
        );
    }

    /// Out of band: creates the secret (automatic replication).
    pub fn create_secret(&self) {
        api_ok(
            self.emu,
            "POST",
            &format!(
                "/v1/projects/{}/secrets?secretId={}",
                self.secret_project, self.secret_id
            ),
            Some(json!({ "replication": { "automatic": {} } })),
        );
    }

    /// Out of band: adds a version holding `token`; returns its name.
    pub fn add_version(&self, token: &str) -> String {
        let version = api_ok(
            self.emu,
            "POST",
            &format!("{}:addVersion", self.secret_path()),
            Some(json!({ "payload": { "data": b64(token) } })),
        );
        version["name"]
            .as_str()
            .unwrap_or_else(|| panic!("addVersion answered no name: {version:#}"))
            .to_string()
    }

    /// Out of band: grants the agent access to the secret, keeping the rest of the policy.
    pub fn grant_agent(&self) {
        let mut policy = self.policy();
        add_member(
            &mut policy,
            ACCESSOR_ROLE,
            &agent_member(&self.project_number),
        );
        self.set_policy(policy);
    }

    /// Out of band: removes the agent from every unconditional accessor binding.
    pub fn revoke_agent(&self) {
        let mut policy = self.policy();
        let member = agent_member(&self.project_number);
        if let Some(bindings) = policy["bindings"].as_array_mut() {
            for binding in bindings.iter_mut() {
                if binding["role"] == ACCESSOR_ROLE && binding.get("condition").is_none() {
                    if let Some(members) = binding["members"].as_array_mut() {
                        members.retain(|m| m != &Value::String(member.clone()));
                    }
                }
            }
            bindings.retain(|b| b["members"].as_array().is_some_and(|m| !m.is_empty()));
        }
        self.set_policy(policy);
        assert!(
            !self.agent_has_access(),
            "the agent still has access after revoking it"
        );
    }

    /// Does by hand what Google's guide says, with `token`: secret, version,
    /// binding and repository credentials. Returns the version name.
    pub fn configure_by_hand(&self, token: &str) -> String {
        self.create_secret();
        let version = self.add_version(token);
        self.grant_agent();
        self.set_credentials("__token__", &version);
        version
    }
}

/// Members of the bindings of `role` that carry no condition.
pub fn unconditional_members(policy: &Value, role: &str) -> Vec<String> {
    policy["bindings"]
        .as_array()
        .map(|bindings| {
            bindings
                .iter()
                .filter(|b| b["role"] == role && b.get("condition").is_none_or(Value::is_null))
                .flat_map(|b| b["members"].as_array().cloned().unwrap_or_default())
                .filter_map(|m| m.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// Adds `member` to the unconditional binding of `role` in a policy value.
pub fn add_member(policy: &mut Value, role: &str, member: &str) {
    if !policy["bindings"].is_array() {
        policy["bindings"] = json!([]);
    }
    let Some(bindings) = policy["bindings"].as_array_mut() else {
        return;
    };
    if let Some(binding) = bindings
        .iter_mut()
        .find(|b| b["role"] == role && b.get("condition").is_none_or(Value::is_null))
    {
        if let Some(members) = binding["members"].as_array_mut() {
            if !members.iter().any(|m| m == member) {
                members.push(json!(member));
            }
        }
    } else {
        bindings.push(json!({ "role": role, "members": [member] }));
    }
}
