//! Per-caller quotas: requests per wall-clock second, past which callers
//! get 429 RESOURCE_EXHAUSTED.

use crate::error::ApiError;
use std::collections::HashMap;
use std::sync::Mutex;

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
}
