//! SIGKILL for tests of what survives a killed run: Terraform and the
//! provider processes it started, found through `/proc` as descendants of
//! the process the test spawned (never by name, so parallel tests are safe).

use std::process::{Child, Command};

/// The parent pid of `pid`, from `/proc/<pid>/stat`.
fn parent_of(pid: u32) -> Option<u32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name is in parentheses and may contain spaces.
    let after = stat.rsplit_once(')')?.1;
    after.split_whitespace().nth(1)?.parse().ok()
}

/// Every live process descending from `root`.
fn descendants(root: u32) -> Vec<u32> {
    let pids: Vec<u32> = std::fs::read_dir("/proc")
        .map(|d| {
            d.filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok())
                .collect()
        })
        .unwrap_or_default();
    pids.into_iter()
        .filter(|&pid| {
            let mut cur = pid;
            for _ in 0..64 {
                match parent_of(cur) {
                    Some(p) if p == root => return true,
                    Some(p) if p > 1 => cur = p,
                    _ => return false,
                }
            }
            false
        })
        .collect()
}

/// SIGKILLs `child` and everything it started (the provider among them),
/// the way an OOM killer or a cancelled CI job ends a run, then reaps it.
pub fn kill_tree(child: &mut Child) {
    let mut victims = descendants(child.id());
    victims.push(child.id());
    for pid in victims {
        let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
    }
    let _ = child.wait();
}
