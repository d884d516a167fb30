//! Requests parked by a `hold` rule until `POST /_emulator/held/release`.
//! A parked request waits in a task of its own (see the pipeline), so it is
//! applied on release even when its client has gone away meanwhile.

use serde_json::{json, Value};
use std::sync::Mutex;
use tokio::sync::oneshot;

/// How a parked request is let go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Release {
    /// Apply it and answer as usual.
    Apply,
    /// Answer 503 without applying it.
    Discard,
}

/// One parked request.
#[derive(Debug)]
struct Parked {
    /// `held-N`.
    id: String,
    /// HTTP method.
    method: String,
    /// URL path (never the body).
    path: String,
    /// Wakes the waiting task.
    release: oneshot::Sender<Release>,
}

/// The parked requests, in arrival order.
#[derive(Debug, Default)]
pub struct HeldRequests {
    /// Parked requests and the number ever parked (for ids).
    inner: Mutex<(Vec<Parked>, u64)>,
}

impl HeldRequests {
    /// Parks a request; the receiver resolves when it is released. A
    /// receiver whose sender is dropped unsent means [`Release::Discard`].
    pub fn park(&self, method: &str, path: &str) -> oneshot::Receiver<Release> {
        let (release, wait) = oneshot::channel();
        let mut inner = self.lock();
        inner.1 += 1;
        let id = format!("held-{}", inner.1);
        inner.0.push(Parked {
            id,
            method: method.to_string(),
            path: path.to_string(),
            release,
        });
        wait
    }

    /// `{"held": [{"id", "method", "path"}]}`.
    pub fn to_json(&self) -> Value {
        let held: Vec<Value> = self
            .lock()
            .0
            .iter()
            .map(|p| json!({"id": p.id, "method": p.method, "path": p.path}))
            .collect();
        json!({ "held": held })
    }

    /// Lets every parked request go; answers how many there were.
    pub fn release_all(&self, how: Release) -> usize {
        let parked = std::mem::take(&mut self.lock().0);
        let count = parked.len();
        for p in parked {
            // A request whose task is gone has nothing left to wake.
            let _ = p.release.send(how);
        }
        count
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, (Vec<Parked>, u64)> {
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn parked_requests_are_listed_and_released_in_order() {
        let held = HeldRequests::default();
        let first = held.park("PATCH", "/v1/a");
        let second = held.park("POST", "/v1/b");
        let listed = held.to_json();
        assert_eq!(listed["held"][0]["id"], json!("held-1"));
        assert_eq!(listed["held"][1]["path"], json!("/v1/b"));
        assert_eq!(held.release_all(Release::Apply), 2);
        assert_eq!(first.await, Ok(Release::Apply));
        assert_eq!(second.await, Ok(Release::Apply));
        assert_eq!(held.to_json(), json!({"held": []}));
        let third = held.park("GET", "/v1/c");
        assert_eq!(held.release_all(Release::Discard), 1);
        assert_eq!(third.await, Ok(Release::Discard));
    }
}
