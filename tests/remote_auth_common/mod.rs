//! Shared helpers for the `pypi_remote_auth` end-to-end tests: the HCL they
//! write, what they read back from the emulator's own REST API (never
//! through the provider), and the assertions Google's guide implies.
//!
//! Each `tests/remote_auth_*.rs` file includes this module next to the
//! harness (`mod support; mod remote_auth_common;`), so not every helper is
//! used by every test binary.
#![allow(dead_code)]

use base64::Engine as _;
use serde_json::{json, Value};

use crate::support::{Emulator, TfOutput, Workdir};

/// Project the harness's emulator always starts with.
pub const PROJECT: &str = "demo-project";
/// Number of [`PROJECT`], which names its Artifact Registry service agent.
pub const PROJECT_NUMBER: &str = "123456789012";
/// Location every test repository lives in.
pub const LOCATION: &str = "us-central1";
/// Role Google's guide grants the service agent on the secret.
pub const ACCESSOR_ROLE: &str = "roles/secretmanager.secretAccessor";

/// The Artifact Registry service agent's email for a project number.
pub fn agent_email(project_number: &str) -> String {
    format!("service-{project_number}@gcp-sa-artifactregistry.iam.gserviceaccount.com")
}

/// The IAM member of the Artifact Registry service agent for a project number.
pub fn agent_member(project_number: &str) -> String {
    format!("serviceAccount:{}", agent_email(project_number))
}

/// A whole configuration: provider requirements, the provider block pointed
/// at `emu`, and the given resource blocks.
pub fn config(emu: &Emulator, resources: &str) -> String {
    format!(
        "terraform {{\n  required_providers {{\n    pypi = {{ source = \"pypiauth/pypi\" }}\n  }}\n}}\n\n{}\n\n{}\n",
        emu.provider_block(PROJECT),
        resources
    )
}

/// Like [`config`], with the provider calling as the seeded principal whose
/// bearer token is `token` (the harness's own calls stay on its owner token).
pub fn config_as(emu: &Emulator, token: &str, resources: &str) -> String {
    let provider = emu.provider_block(PROJECT).replace(
        &format!("\"{}\"", crate::support::ACCESS_TOKEN),
        &format!("\"{token}\""),
    );
    format!(
        "terraform {{\n  required_providers {{\n    pypi = {{ source = \"pypiauth/pypi\" }}\n  }}\n}}\n\n{provider}\n\n{resources}\n"
    )
}

/// A seed entry for a PyPI remote repository in [`LOCATION`] (no API call,
/// so it works under injected faults too).
pub fn seed_repository(project: &str, repository: &str) -> Value {
    json!({
        "project": project,
        "location": LOCATION,
        "repositoryId": repository,
        "format": "PYTHON",
        "mode": "REMOTE_REPOSITORY",
        "remoteRepositoryConfig": { "pythonRepository": { "publicRepository": "PYPI" } }
    })
}

/// A seed where [`PROJECT`] grants the harness's owner token `roles/owner`
/// and the principal behind `token` exactly `roles`, with `repositories`.
pub fn seed_with_caller(token: &str, roles: &[&str], repositories: &[&str]) -> Value {
    let caller = "user:caller@example.com";
    let mut bindings =
        vec![json!({ "role": "roles/owner", "members": ["user:harness@example.com"] })];
    bindings.extend(
        roles
            .iter()
            .map(|r| json!({ "role": r, "members": [caller] })),
    );
    json!({
        "projects": [{
            "id": PROJECT,
            "number": PROJECT_NUMBER,
            "iamPolicy": { "bindings": bindings }
        }],
        "principals": {
            crate::support::ACCESS_TOKEN: "user:harness@example.com",
            token: caller
        },
        "repositories": repositories
            .iter()
            .map(|r| seed_repository(PROJECT, r))
            .collect::<Vec<_>>()
    })
}

/// Terraform's output with every run of whitespace made one space: the CLI
/// wraps diagnostic text at its column width.
pub fn flat(out: &TfOutput) -> String {
    format!("{}\n{}", out.stdout, out.stderr)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Logged requests from index `since` on whose path contains `fragment`.
pub fn requests_matching(emu: &Emulator, since: usize, fragment: &str) -> Vec<Value> {
    emu.requests()
        .into_iter()
        .skip(since)
        .filter(|e| e["path"].as_str().is_some_and(|p| p.contains(fragment)))
        .collect()
}

/// One `pypi_remote_auth` block named `name` for repository `repository`
/// in [`LOCATION`], with extra attribute lines `body` (already indented or not).
pub fn resource(name: &str, repository: &str, body: &str) -> String {
    format!(
        "resource \"pypi_remote_auth\" \"{name}\" {{\n  location   = \"{LOCATION}\"\n  repository = \"{repository}\"\n{body}\n}}\n"
    )
}

/// The attribute lines naming secret `secret_id` and holding `token`.
pub fn token_lines(secret_id: &str, token: &str) -> String {
    format!("  secret_id = \"{secret_id}\"\n  token     = \"{token}\"")
}

/// A whole configuration with one resource per name in `names`, on
/// repository `pypi-<name>`, all sharing secret `secret_id` with `token`.
pub fn sharers(emu: &Emulator, names: &[&str], secret_id: &str, token: &str) -> String {
    let blocks: Vec<String> = names
        .iter()
        .map(|name| {
            resource(
                name,
                &format!("pypi-{name}"),
                &token_lines(secret_id, token),
            )
        })
        .collect();
    config(emu, &blocks.join("\n"))
}

/// An emulator started with `args` whose [`PROJECT`] has the PyPI remote
/// repository `pypi-remote` in [`LOCATION`].
pub fn emulator_with_repo(args: &[&str]) -> Emulator {
    let emu = Emulator::start(args);
    emu.create_pypi_remote_repo(PROJECT, LOCATION, "pypi-remote");
    emu
}

/// Writes `main.tf` into the work directory, replacing the previous one.
pub fn write_main(wd: &Workdir, contents: &str) {
    wd.write("main.tf", contents);
}

/// Writes a `main.tf` whose one resource is `pypi_remote_auth.x` on
/// `repository`, with attribute lines `body`.
pub fn write_single(wd: &Workdir, emu: &Emulator, repository: &str, body: &str) {
    write_main(wd, &config(emu, &resource("x", repository, body)));
}

/// A new work directory on the primary Terraform in which
/// `pypi_remote_auth.x` on `pypi-remote`, with attribute lines `body`, has
/// been applied (failing the test when the apply fails).
pub fn apply_single(emu: &Emulator, body: &str) -> Workdir {
    let wd = Workdir::new(&crate::support::primary_terraform());
    write_single(&wd, emu, "pypi-remote", body);
    apply(&wd);
    wd
}

/// `terraform apply -auto-approve`, failing the test on error.
pub fn apply(wd: &Workdir) -> TfOutput {
    wd.tf_ok(&["apply", "-auto-approve", "-no-color", "-input=false"])
}

/// `terraform destroy -auto-approve`, failing the test on error.
pub fn destroy(wd: &Workdir) -> TfOutput {
    wd.tf_ok(&["destroy", "-auto-approve", "-no-color", "-input=false"])
}

/// `terraform plan -detailed-exitcode`: 0 no changes, 1 error, 2 changes.
pub fn plan(wd: &Workdir) -> TfOutput {
    wd.tf(&["plan", "-detailed-exitcode", "-no-color", "-input=false"])
}

/// `terraform plan -out=tfplan`, asserting it succeeds, and the saved plan
/// as `terraform show -json tfplan` prints it: (plan output, show output).
pub fn save_plan(wd: &Workdir, when: &str) -> (TfOutput, TfOutput) {
    let out = wd.tf(&["plan", "-out=tfplan", "-no-color", "-input=false"]);
    assert_eq!(
        out.code, 0,
        "{when}: plan -out failed:\n{}\n{}",
        out.stdout, out.stderr
    );
    let shown = wd.tf_ok(&["show", "-json", "tfplan"]);
    (out, shown)
}

/// Asserts that a plan proposes nothing, printing what it proposed otherwise.
pub fn assert_plan_clean(wd: &Workdir, when: &str) {
    let out = plan(wd);
    assert_eq!(
        out.code,
        0,
        "{when}: expected `plan -detailed-exitcode` to report no changes\nstdout:\n{}\nstderr:\n{}\nlog tail:\n{}",
        out.stdout,
        out.stderr,
        tail(&wd.log(), 4000)
    );
}

/// Asserts that a plan proposes changes (exit code 2) and returns its output.
pub fn assert_plan_changes(wd: &Workdir, when: &str) -> TfOutput {
    let out = plan(wd);
    assert_eq!(
        out.code,
        2,
        "{when}: expected `plan -detailed-exitcode` to report changes\nstdout:\n{}\nstderr:\n{}\nlog tail:\n{}",
        out.stdout,
        out.stderr,
        tail(&wd.log(), 4000)
    );
    out
}

/// The last `max` bytes of a text, cut at a character boundary.
pub fn tail(text: &str, max: usize) -> &str {
    let mut start = text.len().saturating_sub(max);
    while !text.is_char_boundary(start) {
        start += 1;
    }
    &text[start..]
}

/// The values of resource `address` in `terraform show -json`'s state.
pub fn state_values(wd: &Workdir, address: &str) -> Value {
    let state = wd.state_json();
    find_resource(&state, address)
        .unwrap_or_else(|| panic!("{address} is not in the state: {state:#}"))
}

/// Whether `address` is in the state at all.
pub fn in_state(wd: &Workdir, address: &str) -> bool {
    find_resource(&wd.state_json(), address).is_some()
}

fn find_resource(state: &Value, address: &str) -> Option<Value> {
    state["values"]["root_module"]["resources"]
        .as_array()?
        .iter()
        .find(|r| r["address"] == address)
        .map(|r| r["values"].clone())
}

/// Statuses an emulator started with `--fault-rate` may answer instead of
/// handling a request (nothing applied), so asking again is safe.
const INJECTED_FAULTS: [u16; 3] = [429, 500, 503];
/// How often the tests' own emulator calls ask again after an injected fault.
const TEST_CALL_ATTEMPTS: usize = 30;

/// Calls the emulator's API as the harness's owner token, asking again while
/// it answers an injected fault (only emulators started with `--fault-rate` do).
pub fn api(emu: &Emulator, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
    let mut answer = emu.api(method, path, body.clone());
    for _ in 1..TEST_CALL_ATTEMPTS {
        if !INJECTED_FAULTS.contains(&answer.0) {
            break;
        }
        answer = emu.api(method, path, body.clone());
    }
    answer
}

/// Calls the emulator and asserts the HTTP status is 2xx.
pub fn api_ok(emu: &Emulator, method: &str, path: &str, body: Option<Value>) -> Value {
    let (status, answer) = api(emu, method, path, body.clone());
    assert!(
        (200..300).contains(&status),
        "{method} {path} answered {status}: {answer:#}"
    );
    answer
}

/// Standard base64 of a text, as Secret Manager payloads travel.
pub fn b64(text: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(text)
}

/// Splits `projects/P/secrets/S/versions/V` into `(P, S, V)`.
pub fn split_version_name(name: &str) -> (String, String, u64) {
    let parts: Vec<&str> = name.split('/').collect();
    assert!(
        parts.len() == 6
            && parts[0] == "projects"
            && parts[2] == "secrets"
            && parts[4] == "versions",
        "not a secret version name: {name:?}"
    );
    let number = parts[5]
        .parse()
        .unwrap_or_else(|_| panic!("version of {name:?} is not a number"));
    (parts[1].to_string(), parts[3].to_string(), number)
}

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

/// Whether a logged request changes something: anything but GET, except
/// the read-only custom methods that travel as POST.
pub fn is_mutating(entry: &Value) -> bool {
    let method = entry["method"].as_str().unwrap_or_default();
    let path = entry["path"].as_str().unwrap_or_default();
    !(method.eq_ignore_ascii_case("GET")
        || path.ends_with(":testIamPermissions")
        || path.ends_with(":getIamPolicy"))
}

/// Asserts no mutating request reached the emulator after the first `since` log entries.
pub fn assert_no_mutation_since(emu: &Emulator, since: usize, when: &str) {
    let log = emu.requests();
    let mutating: Vec<&Value> = log.iter().skip(since).filter(|e| is_mutating(e)).collect();
    assert!(
        mutating.is_empty(),
        "{when}: mutating requests reached the emulator: {mutating:#?}"
    );
}

/// Asserts Terraform printed an error diagnostic that names `attribute`
/// (Terraform quotes the attribute's source line when the diagnostic carries
/// its path; for an attribute absent from the configuration the provider's
/// message has to name it).
pub fn assert_error_on(out: &TfOutput, attribute: &str) {
    assert_error_on_any(out, &[attribute]);
}

/// Like [`assert_error_on`], accepting a diagnostic on any of `attributes`
/// (e.g. a conflict between two attributes may sit on either).
pub fn assert_error_on_any(out: &TfOutput, attributes: &[&str]) {
    let text = format!("{}\n{}", out.stdout, out.stderr);
    assert_ne!(
        out.code, 0,
        "expected an error about {attributes:?}, but terraform succeeded:\n{text}"
    );
    assert!(text.contains("Error"), "no error diagnostic in:\n{text}");
    assert!(
        attributes.iter().any(|a| mentions_word(&text, a)),
        "the error does not mention any of {attributes:?}:\n{text}"
    );
}

/// Whether `word` occurs in `text` as a whole identifier, so that `token`
/// is not found inside `token_wo` or `__token__`.
pub fn mentions_word(text: &str, word: &str) -> bool {
    let is_ident = |c: char| c.is_ascii_alphanumeric() || c == '_';
    text.match_indices(word).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + word.len()..].chars().next();
        !before.is_some_and(is_ident) && !after.is_some_and(is_ident)
    })
}
