//! What happens around every API request: the request log (never any
//! payload), injected faults, per-caller quotas and the stats view.

use crate::error::ApiError;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::Serialize;
use serde_json::{json, Map, Value};
use std::collections::HashMap;
use std::sync::Mutex;

/// One API request as the log records it.
#[derive(Debug, Clone, Serialize)]
pub struct LogEntry {
    /// HTTP method.
    pub method: String,
    /// Request path as received (resource names, never bodies).
    pub path: String,
    /// Query string with any `access_token` redacted.
    pub query: String,
    /// HTTP status answered.
    pub status: u16,
    /// Principal, or a hash of the token; never the raw token.
    pub caller: String,
    /// Arrival time, milliseconds since the Unix epoch.
    pub start_ms: u64,
    /// Completion time, milliseconds since the Unix epoch.
    pub end_ms: u64,
}

/// The ordered log of API requests.
#[derive(Debug, Default)]
pub struct RequestLog {
    /// Entries in completion order.
    entries: Mutex<Vec<LogEntry>>,
}

impl RequestLog {
    /// Appends one entry.
    pub fn push(&self, entry: LogEntry) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.push(entry);
        }
    }

    /// The log as a JSON array.
    pub fn to_json(&self) -> Value {
        let entries = self.entries.lock().map(|e| e.clone()).unwrap_or_default();
        serde_json::to_value(entries).unwrap_or(Value::Array(Vec::new()))
    }

    /// Counts by method and by status.
    pub fn stats(&self) -> Value {
        let entries = self.entries.lock().map(|e| e.clone()).unwrap_or_default();
        let mut by_method: Map<String, Value> = Map::new();
        let mut by_status: Map<String, Value> = Map::new();
        for entry in &entries {
            bump(&mut by_method, &entry.method);
            bump(&mut by_status, &entry.status.to_string());
        }
        json!({"total": entries.len(), "byMethod": by_method, "byStatus": by_status})
    }

    /// Forgets everything (reset).
    pub fn clear(&self) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.clear();
        }
    }
}

fn bump(map: &mut Map<String, Value>, key: &str) {
    let n = map.get(key).and_then(Value::as_u64).unwrap_or(0);
    map.insert(key.to_string(), json!(n + 1));
}

/// Seeded random fault injection.
#[derive(Debug)]
pub struct Faults {
    /// Share of requests to fault, 0..=1.
    rate: f64,
    /// The seed, kept so reset replays the same sequence.
    seed: u64,
    /// The RNG deciding which requests fault and how.
    rng: Mutex<StdRng>,
}

impl Faults {
    /// Faults `rate` of the requests, picked by an RNG seeded with `seed`.
    pub fn new(rate: f64, seed: u64) -> Faults {
        Faults {
            rate,
            seed,
            rng: Mutex::new(StdRng::seed_from_u64(seed)),
        }
    }

    /// The error to answer instead of handling this request, if any.
    pub fn pick(&self) -> Option<ApiError> {
        if self.rate <= 0.0 {
            return None;
        }
        let mut rng = self.rng.lock().ok()?;
        if rng.random::<f64>() >= self.rate {
            return None;
        }
        Some(match rng.random_range(0..3u8) {
            0 => ApiError::exhausted("Injected fault: the service is temporarily rate limited."),
            1 => ApiError::internal("Injected fault: internal error encountered."),
            _ => ApiError::unavailable("Injected fault: the service is currently unavailable."),
        })
    }

    /// Restarts the sequence from the seed.
    pub fn reset(&self) {
        if let Ok(mut rng) = self.rng.lock() {
            *rng = StdRng::seed_from_u64(self.seed);
        }
    }
}

/// Per-caller requests-per-second limit.
#[derive(Debug, Default)]
pub struct Quota {
    /// Allowed requests per second per caller; `None` is unlimited.
    rps: Option<u32>,
    /// Caller label → (second, requests counted in it).
    windows: Mutex<HashMap<String, (u64, u32)>>,
}

impl Quota {
    /// A quota of `rps` requests per second per caller.
    pub fn new(rps: Option<u32>) -> Quota {
        Quota {
            rps,
            windows: Mutex::new(HashMap::new()),
        }
    }

    /// Counts one request by `caller` in second `now`; errors past the limit.
    pub fn admit(&self, caller: &str, now: u64) -> Result<(), ApiError> {
        let Some(limit) = self.rps else {
            return Ok(());
        };
        let mut windows = self
            .windows
            .lock()
            .map_err(|_| ApiError::internal("quota state poisoned"))?;
        let window = windows.entry(caller.to_string()).or_insert((now, 0));
        if window.0 != now {
            *window = (now, 0);
        }
        window.1 = window.1.saturating_add(1);
        if window.1 > limit {
            return Err(ApiError::exhausted(format!(
                "Quota exceeded for quota metric 'Requests' and limit 'Requests per second per user' \
                 ({limit} per second) of the emulated service."
            )));
        }
        Ok(())
    }

    /// Forgets all windows (reset).
    pub fn reset(&self) {
        if let Ok(mut windows) = self.windows.lock() {
            windows.clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quota_limits_within_one_second_and_resets_next_second() {
        let q = Quota::new(Some(2));
        assert!(q.admit("a", 10).is_ok());
        assert!(q.admit("a", 10).is_ok());
        assert_eq!(
            q.admit("a", 10).expect_err("over").status,
            "RESOURCE_EXHAUSTED"
        );
        assert!(q.admit("b", 10).is_ok());
        assert!(q.admit("a", 11).is_ok());
    }

    #[test]
    fn faults_are_deterministic_per_seed() {
        let a = Faults::new(0.5, 7);
        let b = Faults::new(0.5, 7);
        let seq_a: Vec<bool> = (0..50).map(|_| a.pick().is_some()).collect();
        let seq_b: Vec<bool> = (0..50).map(|_| b.pick().is_some()).collect();
        assert_eq!(seq_a, seq_b);
        assert!(seq_a.iter().any(|x| *x) && seq_a.iter().any(|x| !*x));
        assert!(Faults::new(0.0, 1).pick().is_none());
        assert!(Faults::new(1.0, 1).pick().is_some());
    }
}
