//! Replays every fuzz target's seed corpus (`fuzz/seeds/<target>/`) and
//! minimized crashes (`fuzz/regressions/<target>/`) through the same checks
//! the libFuzzer targets run (`fuzz/src/lib.rs`), on stable and in
//! milliseconds: a fixed crash stays fixed without nightly.

use std::fs;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

#[allow(dead_code)]
#[path = "../fuzz/src/lib.rs"]
mod checks;

fn fuzz_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fuzz")
}

/// The files of `dir/<target>/`, or none when the directory does not exist.
fn inputs(dir: &Path, target: &str) -> Vec<PathBuf> {
    let Ok(entries) = fs::read_dir(dir.join(target)) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .map(|e| e.expect("readable directory entry").path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
}

/// Runs `check` on each file, collecting the names of those it panicked on.
fn failures(check: fn(&[u8]), files: &[PathBuf]) -> Vec<String> {
    files
        .iter()
        .filter(|file| {
            let data = fs::read(file).expect("readable input");
            catch_unwind(AssertUnwindSafe(|| check(&data))).is_err()
        })
        .map(|file| file.display().to_string())
        .collect()
}

#[test]
fn every_target_has_seeds() {
    for (target, _) in checks::TARGETS {
        let seeds = inputs(&fuzz_dir().join("seeds"), target);
        assert!(
            !seeds.is_empty(),
            "fuzz/seeds/{target}/ is empty or missing"
        );
    }
}

#[test]
fn seeds_and_regressions_pass_their_checks() {
    let mut failed = Vec::new();
    for (target, check) in checks::TARGETS {
        for dir in ["seeds", "regressions"] {
            failed.extend(failures(*check, &inputs(&fuzz_dir().join(dir), target)));
        }
    }
    assert!(
        failed.is_empty(),
        "fuzz inputs that fail their target's checks: {failed:#?}"
    );
}

#[test]
fn corpus_directories_name_real_targets() {
    let known: Vec<&str> = checks::TARGETS.iter().map(|(name, _)| *name).collect();
    for dir in ["seeds", "regressions"] {
        let Ok(entries) = fs::read_dir(fuzz_dir().join(dir)) else {
            continue;
        };
        for entry in entries {
            let name = entry.expect("readable directory entry").file_name();
            let name = name.to_string_lossy();
            assert!(
                known.contains(&name.as_ref()),
                "fuzz/{dir}/{name} is not a fuzz target"
            );
        }
    }
}

#[test]
fn the_checks_catch_a_broken_property() {
    // The replay is only as good as its panics: a check that could not
    // fail would pass any corpus.
    let check: fn(&[u8]) = |_| panic!("broken");
    let file = std::env::temp_dir().join(format!("fuzz-replay-{}", std::process::id()));
    fs::write(&file, b"x").expect("temp file");
    let failed = failures(check, std::slice::from_ref(&file));
    fs::remove_file(&file).ok();
    assert_eq!(failed, vec![file.display().to_string()]);
}
