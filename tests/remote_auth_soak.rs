//! Many resources under many faults: 20 repositories over 4 shared secrets,
//! 20% of all requests failing with 429/500/503 and lost answers (applied,
//! then 503 or a dropped connection) mixed into every mutating method.
//! Create, rotation and destroy each converge within two applies, with the
//! invariants of the reliability issue: every repository uses the
//! configured token, no ENABLED version exists that no repository uses,
//! destroy leaves no secret, grant or annotation behind.
//!
//! `make test` runs one seed; `make soak` runs `SOAK_SEEDS` of them.

mod remote_auth_common;
mod support;

use remote_auth_common::*;
use serde_json::{json, Value};
use support::{Emulator, Workdir};

const TOKEN: &str = "pypi-e2e-soak-token-0001";
const TOKEN2: &str = "pypi-e2e-soak-token-0002";
/// Repositories, and the secret each uses (5 per secret).
const REPOS: usize = 20;
const SECRETS: usize = 4;

fn repo(i: usize) -> String {
    format!("pypi-{i:02}")
}

fn secret(i: usize) -> String {
    format!("shared-{}", i % SECRETS)
}

/// The seed: one project, the 20 PyPI remote repositories.
fn seed() -> Value {
    let repos: Vec<Value> = (0..REPOS)
        .map(|i| seed_repository(PROJECT, &repo(i)))
        .collect();
    json!({ "repositories": repos })
}

fn main_tf(emu: &Emulator, token: &str) -> String {
    let blocks: Vec<String> = (0..REPOS)
        .map(|i| {
            resource(
                &format!("r{i:02}"),
                &repo(i),
                &token_lines(&secret(i), token),
            )
        })
        .collect();
    config(emu, &blocks.join("\n"))
}

/// Lost answers sprinkled over every mutating method: each rule lets a few
/// requests through, then loses (or drops) a couple.
fn lost_answers(emu: &Emulator) {
    let rules = [
        ("POST", ":addVersion$", "lose", 2),
        ("POST", ":addVersion$", "drop", 9),
        ("POST", ":setIamPolicy$", "lose", 1),
        ("PATCH", "/secrets/[^/]+$", "lose", 3),
        ("PATCH", "/secrets/[^/]+$", "drop", 11),
        ("PATCH", "/repositories/[^/]+$", "lose", 4),
        ("PATCH", "/repositories/[^/]+$", "drop", 13),
        ("POST", "/secrets$", "lose", 1),
        ("POST", ":disable$", "lose", 2),
        ("DELETE", "/secrets/[^/]+$", "lose", 0),
    ];
    for (method, path, action, after) in rules {
        emu.add_fault(
            json!({"method": method, "path": path, "action": action, "after": after, "times": 2}),
        );
    }
}

/// Applies until it succeeds, at most twice; answers how many it took.
fn converge(wd: &Workdir, args: &[&str]) -> usize {
    for attempt in 1..=2 {
        let out = wd.tf(args);
        if out.code == 0 {
            return attempt;
        }
        eprintln!("attempt {attempt} failed:\n{}", tail(&out.stderr, 40));
    }
    panic!(
        "terraform {} did not converge in two runs (work dir {})",
        args.join(" "),
        wd.path().display()
    );
}

/// Every repository uses `token`, and every ENABLED version is in use.
fn assert_converged(emu: &Emulator, token: &str) {
    let mut in_use: Vec<(String, u64)> = Vec::new();
    for i in 0..REPOS {
        let target = Target::new(emu, &repo(i), &secret(i));
        let v = target.assert_configured(token, "__token__");
        in_use.push((secret(i), split_version_name(&v).2));
    }
    for s in 0..SECRETS {
        let name = format!("shared-{s}");
        let target = Target::new(emu, &repo(s), &name);
        for v in target.versions() {
            let n = split_version_name(v["name"].as_str().unwrap_or_default()).2;
            if v["state"] == "ENABLED" {
                assert!(
                    in_use.iter().any(|(sec, used)| *sec == name && *used == n),
                    "version {n} of {name} is ENABLED but no repository uses it"
                );
            }
        }
    }
}

fn run(fault_seed: u64) {
    let emu = Emulator::start_with_seed(
        &seed(),
        &[
            "--fault-rate",
            "0.2",
            "--fault-seed",
            &fault_seed.to_string(),
        ],
    );
    lost_answers(&emu);
    let wd = Workdir::new(&support::primary_terraform());
    let apply_args = ["apply", "-auto-approve", "-no-color", "-input=false"];
    wd.write("main.tf", &main_tf(&emu, TOKEN));
    let create = converge(&wd, &apply_args);
    assert_converged(&emu, TOKEN);

    wd.write("main.tf", &main_tf(&emu, TOKEN2));
    let rotate = converge(&wd, &apply_args);
    assert_converged(&emu, TOKEN2);

    let destroy = converge(
        &wd,
        &["destroy", "-auto-approve", "-no-color", "-input=false"],
    );
    for s in 0..SECRETS {
        let target = Target::new(&emu, &repo(s), &format!("shared-{s}"));
        assert_eq!(target.secret_status(), 404, "destroy deletes shared-{s}");
    }
    for i in 0..REPOS {
        let target = Target::new(&emu, &repo(i), &secret(i));
        assert_eq!(target.credentials(), None, "destroy clears {}", repo(i));
    }
    let faults = emu
        .requests()
        .iter()
        .filter(|e| !e["fault"].is_null() || [429, 500, 503].iter().any(|s| e["status"] == *s))
        .count();
    eprintln!(
        "seed {fault_seed}: applies create {create}, rotate {rotate}, destroy {destroy}; {faults} faulted requests of {}",
        emu.requests().len()
    );
    assert!(faults > 20, "faults were injected ({faults})");
}

#[test]
fn twenty_resources_on_four_secrets_converge_through_faults_and_lost_answers() {
    let seeds: u64 = std::env::var("SOAK_SEEDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1);
    for seed in 0..seeds {
        run(11 + seed);
    }
}
