//! The emulator's targeted fault rules and held requests, for end-to-end
//! tests of what the provider does when an answer is lost, a connection
//! drops, a step is refused, or a run is killed while a request is in
//! flight. The rule format is in `emulator/README.md` ("Fault rules").

use super::{http, parse_body, Emulator};
use serde_json::Value;
use std::time::{Duration, Instant};

/// How often [`Emulator::wait_held`] looks at the held list.
const HELD_POLL: Duration = Duration::from_millis(20);

impl Emulator {
    /// Installs a fault rule (`POST /_emulator/faults`), e.g.
    /// `json!({"method": "PATCH", "path": "/repositories/", "action": "hold"})`;
    /// returns its id. Panics when the emulator refuses the rule.
    pub fn add_fault(&self, rule: Value) -> String {
        let body = serde_json::to_vec(&rule).expect("fault rule serializes");
        let answer = self.fault_admin("POST", "/_emulator/faults", Some(&body));
        answer["id"]
            .as_str()
            .unwrap_or_else(|| panic!("POST /_emulator/faults answered no id: {answer}"))
            .to_string()
    }

    /// Removes every fault rule and applies any held request
    /// (`DELETE /_emulator/faults`).
    pub fn clear_faults(&self) {
        self.fault_admin("DELETE", "/_emulator/faults", None);
    }

    /// Waits until at least `n` requests are held; panics with the held
    /// list when that has not happened within `timeout` (a bound against a
    /// hung test, not a timing assertion).
    pub fn wait_held(&self, n: usize, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        loop {
            let held = self.fault_admin("GET", "/_emulator/held", None);
            let count = held["held"].as_array().map_or(0, Vec::len);
            if count >= n {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "{count} of {n} requests held after {timeout:?}: {held}"
            );
            std::thread::sleep(HELD_POLL);
        }
    }

    /// Lets every held request go: applied, or answered 503 unapplied when
    /// `discard` (`POST /_emulator/held/release`).
    pub fn release_held(&self, discard: bool) {
        let body = serde_json::to_vec(&serde_json::json!({ "discard": discard }))
            .expect("release body serializes");
        self.fault_admin("POST", "/_emulator/held/release", Some(&body));
    }

    /// `(rule id, requests the rule acted on)` for every installed rule, in
    /// insertion order.
    pub fn fault_hits(&self) -> Vec<(String, u64)> {
        let listed = self.fault_admin("GET", "/_emulator/faults", None);
        listed["faults"]
            .as_array()
            .unwrap_or_else(|| panic!("GET /_emulator/faults: {listed}"))
            .iter()
            .map(|rule| {
                let id = rule["id"].as_str().unwrap_or_default().to_string();
                (id, rule["hits"].as_u64().unwrap_or_default())
            })
            .collect()
    }

    /// Calls an admin endpoint; panics unless it answers 200.
    fn fault_admin(&self, method: &str, path: &str, body: Option<&[u8]>) -> Value {
        let resp = http::request(&self.url, method, path, &[], body);
        let answer = parse_body(&resp.body);
        assert_eq!(resp.status, 200, "{method} {path}: {answer}");
        answer
    }
}
