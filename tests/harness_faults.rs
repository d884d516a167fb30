//! The harness's fault helpers drive the emulator's fault rules: a lost
//! answer that was applied, a held request released from the test, and the
//! per-rule counters.

mod support;

use serde_json::json;
use std::time::Duration;

const SECRETS: &str = "/v1/projects/demo-project/secrets";

#[test]
fn fault_helpers_lose_hold_release_and_count() {
    let emulator = support::Emulator::start(&[]);
    let lose = emulator.add_fault(json!({"method": "POST", "path": "/secrets$", "action": "lose"}));
    let body = json!({"replication": {"automatic": {}}});
    let (status, answer) = emulator.api("POST", &format!("{SECRETS}?secretId=s"), Some(body));
    assert_eq!(status, 503, "{answer}");
    let (status, _) = emulator.api("GET", &format!("{SECRETS}/s"), None);
    assert_eq!(status, 200, "the lost create was applied");

    let hold =
        emulator.add_fault(json!({"method": "PATCH", "path": "/secrets/s$", "action": "hold"}));
    std::thread::scope(|scope| {
        let patch = scope.spawn(|| {
            let labels = json!({"labels": {"team": "platform"}});
            emulator.api(
                "PATCH",
                &format!("{SECRETS}/s?updateMask=labels"),
                Some(labels),
            )
        });
        emulator.wait_held(1, Duration::from_secs(60));
        let (_, secret) = emulator.api("GET", &format!("{SECRETS}/s"), None);
        assert!(
            secret.get("labels").is_none(),
            "held, not applied: {secret}"
        );
        emulator.release_held(false);
        let (status, patched) = patch.join().expect("patch thread");
        assert_eq!(status, 200, "{patched}");
        assert_eq!(patched["labels"], json!({"team": "platform"}));
    });
    assert_eq!(emulator.fault_hits(), vec![(lose, 1), (hold, 1)]);
    emulator.clear_faults();
    assert!(emulator.fault_hits().is_empty());
}
