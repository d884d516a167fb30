//! Plan-time answers shared by the provider processes of one Terraform run.
//!
//! Why: `terraform apply` plans every change twice, once to show it and
//! once in the apply walk, each time in a new provider process. The plan's
//! remote checks (the repository is a PyPI remote, the project's number,
//! the permission preflight) were paid twice: 12 requests to create one
//! resource where 9 do. The apply walk's plan finds the first plan's
//! answers here instead of asking again.
//!
//! What is kept: only answers that stay true for a run or are advice: a
//! project's number (it never changes), that a repository is a PyPI remote
//! (format and mode never change), and what `testIamPermissions` reported
//! (a warning, never a decision). Never a token, and nothing a change rests
//! on: the apply reads what it changes afresh.
//!
//! Scope: the run is the parent process (Terraform), named by its PID and
//! start time so that a reused PID is another run, and every answer is
//! filed under the provider configuration's fingerprint (two provider
//! blocks with other credentials or endpoints share nothing). Answers older
//! than [`MAX_AGE`] are ignored: the apply walk follows the plan at once
//! unless someone waits at the prompt. `terraform plan -out` and a later
//! `terraform apply PLAN` are two runs and share nothing.
//!
//! Where: a directory only this user may open (0700, owned by the user,
//! checked on every open) under the temporary directory, one append-only
//! file of JSON lines per run, files older than [`SWEEP_AFTER`] removed.
//! Linux only (the parent's start time comes from `/proc`); elsewhere, or
//! when anything about the directory is not as expected, nothing is kept
//! and every plan asks.

use std::collections::HashMap;
use std::fs::{self, File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

/// Answers older than this are asked again.
pub const MAX_AGE: Duration = Duration::from_secs(15 * 60);
/// Run files older than this are removed by the next run that opens the directory.
pub const SWEEP_AFTER: Duration = Duration::from_secs(24 * 3600);
/// A run file larger than this is not read (nor written): a bound on memory.
const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;

/// The kinds of answer kept.
#[derive(Debug, Clone, Copy)]
pub enum Fact {
    /// Project ID → project number.
    ProjectNumber,
    /// Repository name → `"PYTHON REMOTE_REPOSITORY"`, kept only for PyPI remotes.
    PypiRemote,
    /// Tested resource → the permissions held there, as JSON.
    Permissions,
}

/// One line of a run file.
#[derive(Serialize, Deserialize)]
struct Line {
    /// The provider configuration's fingerprint.
    s: String,
    /// `Fact:key`.
    k: String,
    /// The answer.
    v: String,
    /// When it was learnt, milliseconds since the Unix epoch.
    t: u64,
}

/// Where a [`RunCache`] keeps its answers.
#[derive(Debug, Clone)]
enum Location {
    /// Nothing is kept (unit tests, and platforms without `/proc`).
    Off,
    /// The run of this process's parent, under the temporary directory.
    ThisRun,
    /// An explicit directory and run name (tests).
    #[cfg(test)]
    At(PathBuf, String),
}

/// The answers of this run, opened at first use.
#[derive(Debug)]
pub struct RunCache {
    /// Where the answers live.
    location: Location,
    /// The opened run file, or `None` when nothing can be kept.
    store: OnceLock<Option<Store>>,
}

impl Default for RunCache {
    /// A cache that keeps nothing.
    fn default() -> RunCache {
        RunCache::new(Location::Off)
    }
}

/// An opened run file and what it held when opened, plus what this process added.
#[derive(Debug)]
struct Store {
    /// Appended to, one line per answer.
    file: Mutex<File>,
    /// `scope\0Fact:key` → (answer, learnt at ms).
    answers: Mutex<HashMap<String, (String, u64)>>,
}

impl RunCache {
    fn new(location: Location) -> RunCache {
        RunCache {
            location,
            store: OnceLock::new(),
        }
    }

    /// The answers of the Terraform run that started this process.
    pub fn this_run() -> RunCache {
        RunCache::new(Location::ThisRun)
    }

    /// A cache in `dir` for the run named `run` (tests).
    #[cfg(test)]
    fn at(dir: &Path, run: &str) -> RunCache {
        RunCache::new(Location::At(dir.to_path_buf(), run.to_string()))
    }

    /// The answer kept for `fact` about `key`, under the configuration
    /// fingerprint `scope`, if it is younger than [`MAX_AGE`].
    pub fn get(&self, scope: &str, fact: Fact, key: &str) -> Option<String> {
        let store = self.store()?;
        let now = now_ms();
        let answers = lock(&store.answers);
        let (value, at) = answers.get(&entry_key(scope, fact, key))?;
        (now.saturating_sub(*at) <= MAX_AGE.as_millis() as u64).then(|| value.clone())
    }

    /// Keeps `value` as the answer for `fact` about `key` under `scope`.
    /// Failing to write only means a later process asks again.
    pub fn put(&self, scope: &str, fact: Fact, key: &str, value: &str) {
        let Some(store) = self.store() else {
            return;
        };
        let line = Line {
            s: scope.to_string(),
            k: format!("{fact:?}:{key}"),
            v: value.to_string(),
            t: now_ms(),
        };
        let Ok(mut text) = serde_json::to_string(&line) else {
            return;
        };
        text.push('\n');
        {
            let mut file = lock(&store.file);
            let small = file
                .metadata()
                .is_ok_and(|m| m.len() + text.len() as u64 <= MAX_FILE_BYTES);
            // One write of one line with O_APPEND: lines of concurrent
            // processes never interleave.
            if small {
                if let Err(e) = file.write_all(text.as_bytes()) {
                    tracing::debug!(error = %e, "could not keep a plan-time answer for this run");
                }
            }
        }
        lock(&store.answers).insert(entry_key(scope, fact, key), (line.v, line.t));
    }

    fn store(&self) -> Option<&Store> {
        self.store
            .get_or_init(|| {
                let (dir, run) = match &self.location {
                    Location::Off => return None,
                    Location::ThisRun => (default_dir()?, this_run_name()?),
                    #[cfg(test)]
                    Location::At(dir, run) => (dir.clone(), run.clone()),
                };
                match open(&dir, &run) {
                    Ok(store) => Some(store),
                    Err(e) => {
                        tracing::debug!(error = %e, dir = %dir.display(), "plan-time answers are not shared with the other walks of this run");
                        None
                    }
                }
            })
            .as_ref()
    }
}

/// Locks `m`, recovering from a poisoned lock: what it guards (a file
/// handle, a map of answers) is valid after any partial update. Kept here
/// rather than shared with [`super::shared`], which imports this module.
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn entry_key(scope: &str, fact: Fact, key: &str) -> String {
    format!("{scope}\0{fact:?}:{key}")
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// `$TMPDIR/terraform-provider-pypi-UID`.
#[cfg(target_os = "linux")]
fn default_dir() -> Option<PathBuf> {
    Some(std::env::temp_dir().join(format!("terraform-provider-pypi-{}", effective_uid()?)))
}

/// `run-PPID-STARTTIME`: the parent process and its start time (clock
/// ticks since boot, field 22 of `/proc/PID/stat`).
#[cfg(target_os = "linux")]
fn this_run_name() -> Option<String> {
    let parent = std::os::unix::process::parent_id();
    let stat = fs::read_to_string(format!("/proc/{parent}/stat")).ok()?;
    Some(format!("run-{parent}-{}", start_time(&stat)?))
}

/// Field 22 of a `/proc/PID/stat` line. The command name (field 2) is in
/// parentheses and may itself hold spaces and parentheses, so fields are
/// counted from the last `)`.
fn start_time(stat: &str) -> Option<u64> {
    let rest = &stat[stat.rfind(')')? + 1..];
    rest.split_whitespace().nth(19)?.parse().ok()
}

/// This process's effective user ID, from `/proc/self/status`.
#[cfg(target_os = "linux")]
fn effective_uid() -> Option<u32> {
    let status = fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("Uid:"))?;
    line.split_whitespace().nth(2)?.parse().ok()
}

/// Opens (creating if need be) the directory and the run file, sweeps old
/// run files, and reads what the run has kept so far.
#[cfg(target_os = "linux")]
fn open(dir: &Path, run: &str) -> std::io::Result<Store> {
    use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt, PermissionsExt};
    let uid = effective_uid().ok_or_else(|| std::io::Error::other("no effective uid"))?;
    match fs::DirBuilder::new().mode(0o700).create(dir) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(e),
    }
    // Another user's directory, a symlink, or one others may write: not ours to trust.
    let meta = fs::symlink_metadata(dir)?;
    if !meta.is_dir() || meta.uid() != uid || meta.permissions().mode() & 0o077 != 0 {
        return Err(std::io::Error::other(
            "the directory is not a private directory of this user",
        ));
    }
    sweep(dir);
    let path = dir.join(format!("{run}.jsonl"));
    let mut file = OpenOptions::new()
        .read(true)
        .append(true)
        .create(true)
        .mode(0o600)
        .open(&path)?;
    let meta = file.metadata()?;
    if meta.uid() != uid || !meta.is_file() {
        return Err(std::io::Error::other("the run file is not this user's"));
    }
    let mut answers = HashMap::new();
    if meta.len() <= MAX_FILE_BYTES {
        let mut text = String::new();
        // A file with bytes that are not UTF-8 is read as holding nothing.
        if file.read_to_string(&mut text).is_ok() {
            for line in text.lines() {
                // A torn or foreign line is skipped, never trusted.
                if let Ok(l) = serde_json::from_str::<Line>(line) {
                    answers.insert(format!("{}\0{}", l.s, l.k), (l.v, l.t));
                }
            }
        }
    }
    Ok(Store {
        file: Mutex::new(file),
        answers: Mutex::new(answers),
    })
}

/// Removes run files not touched for [`SWEEP_AFTER`].
#[cfg(target_os = "linux")]
fn sweep(dir: &Path) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if !(name.starts_with("run-") && name.ends_with(".jsonl")) {
            continue;
        }
        let old = entry
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|m| m.elapsed().ok())
            .is_some_and(|age| age > SWEEP_AFTER);
        if old {
            let _ = fs::remove_file(entry.path());
        }
    }
}

/// Elsewhere nothing is kept: there is no `/proc` to name the run by.
#[cfg(not(target_os = "linux"))]
fn default_dir() -> Option<PathBuf> {
    None
}

#[cfg(not(target_os = "linux"))]
fn this_run_name() -> Option<String> {
    None
}

#[cfg(not(target_os = "linux"))]
fn open(_dir: &Path, _run: &str) -> std::io::Result<Store> {
    Err(std::io::Error::from(std::io::ErrorKind::Unsupported))
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn temp() -> tempfile::TempDir {
        tempfile::tempdir().expect("temp dir")
    }

    #[test]
    fn a_later_process_of_the_run_finds_the_answers_of_an_earlier_one() {
        let dir = temp();
        let cache_dir = dir.path().join("c");
        let plan_walk = RunCache::at(&cache_dir, "run-1-2");
        assert_eq!(plan_walk.get("cfg", Fact::ProjectNumber, "p"), None);
        plan_walk.put("cfg", Fact::ProjectNumber, "p", "123");
        assert_eq!(
            plan_walk.get("cfg", Fact::ProjectNumber, "p").as_deref(),
            Some("123")
        );
        let mode = fs::metadata(&cache_dir).expect("dir").permissions().mode();
        assert_eq!(mode & 0o777, 0o700);

        let apply_walk = RunCache::at(&cache_dir, "run-1-2");
        assert_eq!(
            apply_walk.get("cfg", Fact::ProjectNumber, "p").as_deref(),
            Some("123")
        );
        // Another configuration, another kind, another run: nothing.
        assert_eq!(apply_walk.get("other", Fact::ProjectNumber, "p"), None);
        assert_eq!(apply_walk.get("cfg", Fact::PypiRemote, "p"), None);
        assert_eq!(
            RunCache::at(&cache_dir, "run-1-3").get("cfg", Fact::ProjectNumber, "p"),
            None
        );
    }

    #[test]
    fn old_answers_and_torn_lines_are_not_used() {
        let dir = temp();
        let stale = now_ms() - MAX_AGE.as_millis() as u64 - 1000;
        let old = serde_json::to_string(&Line {
            s: "cfg".into(),
            k: "ProjectNumber:p".into(),
            v: "123".into(),
            t: stale,
        })
        .expect("json");
        fs::DirBuilder::new().create(dir.path().join("c")).ok();
        fs::set_permissions(dir.path().join("c"), fs::Permissions::from_mode(0o700)).expect("mode");
        fs::write(
            dir.path().join("c/run-1-2.jsonl"),
            format!("{old}\n{{\"s\":\"cfg\",\"k\":\"PypiRemote:r\",\"v\":\n"),
        )
        .expect("write");
        let cache = RunCache::at(&dir.path().join("c"), "run-1-2");
        assert_eq!(cache.get("cfg", Fact::ProjectNumber, "p"), None);
        assert_eq!(cache.get("cfg", Fact::PypiRemote, "r"), None);
    }

    #[test]
    fn a_directory_others_may_write_is_not_used() {
        let dir = temp();
        let shared = dir.path().join("c");
        fs::create_dir(&shared).expect("dir");
        fs::set_permissions(&shared, fs::Permissions::from_mode(0o777)).expect("mode");
        let cache = RunCache::at(&shared, "run-1-2");
        cache.put("cfg", Fact::ProjectNumber, "p", "123");
        assert_eq!(cache.get("cfg", Fact::ProjectNumber, "p"), None);
        assert!(!shared.join("run-1-2.jsonl").exists());
    }

    #[test]
    fn a_symlinked_directory_is_not_used() {
        let dir = temp();
        let real = dir.path().join("real");
        fs::create_dir(&real).expect("dir");
        fs::set_permissions(&real, fs::Permissions::from_mode(0o700)).expect("mode");
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&real, &link).expect("symlink");
        let cache = RunCache::at(&link, "run-1-2");
        cache.put("cfg", Fact::ProjectNumber, "p", "123");
        assert_eq!(cache.get("cfg", Fact::ProjectNumber, "p"), None);
    }

    #[test]
    fn the_default_cache_keeps_nothing() {
        let cache = RunCache::default();
        cache.put("cfg", Fact::ProjectNumber, "p", "123");
        assert_eq!(cache.get("cfg", Fact::ProjectNumber, "p"), None);
    }

    #[test]
    fn start_time_is_field_22_counted_after_the_command_name() {
        let stat = "4242 (a (weird) name) S 1 4242 4242 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 987654 1000 50";
        assert_eq!(start_time(stat), Some(987654));
        assert_eq!(start_time("garbage"), None);
        assert_eq!(start_time("1 (x) S"), None);
    }

    #[test]
    fn this_process_has_a_run_name_and_a_private_directory_name() {
        let run = this_run_name().expect("Linux has /proc");
        assert!(run.starts_with(&format!("run-{}-", std::os::unix::process::parent_id())));
        let dir = default_dir().expect("uid");
        assert!(dir.to_string_lossy().contains("terraform-provider-pypi-"));
    }
}
