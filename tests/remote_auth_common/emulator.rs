//! The emulator: what it is seeded or started with, and the tests' own
//! calls to its REST API and request log (never through the provider).

use base64::Engine as _;
use serde_json::{json, Value};

use crate::support::Emulator;

use super::{LOCATION, PROJECT, PROJECT_NUMBER};

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

/// An emulator started with `args` whose [`PROJECT`] has the PyPI remote
/// repository `pypi-remote` in [`LOCATION`].
pub fn emulator_with_repo(args: &[&str]) -> Emulator {
    let emu = Emulator::start(args);
    emu.create_pypi_remote_repo(PROJECT, LOCATION, "pypi-remote");
    emu
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

/// Logged requests from index `since` on whose path contains `fragment`.
pub fn requests_matching(emu: &Emulator, since: usize, fragment: &str) -> Vec<Value> {
    emu.requests()
        .into_iter()
        .skip(since)
        .filter(|e| e["path"].as_str().is_some_and(|p| p.contains(fragment)))
        .collect()
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
