//! The request log: one entry per API request (never a body, never a
//! token) and the stats view over it.

use serde::Serialize;
use serde_json::{json, Map, Value};
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
    /// The fault rule that acted on this request, if one did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fault: Option<FaultRecord>,
}

/// What a fault rule did to one request, as the log shows it.
#[derive(Debug, Clone, Serialize)]
pub struct FaultRecord {
    /// The rule's id (`POST /_emulator/faults` answered it).
    pub rule: String,
    /// `lose`, `drop`, `refuse`, `hold`, `hold-discarded` or `delay`.
    pub action: &'static str,
    /// The status the method itself answered, when the rule let the
    /// request through and then replaced or withheld the answer (`lose`,
    /// `drop`): so a test can tell whether the lost request was applied.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub handler_status: Option<u16>,
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
