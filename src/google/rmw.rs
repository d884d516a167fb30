//! Two waiting patterns every caller of these APIs needs, written once:
//!
//! - [`read_modify_write`]: an etag-guarded update (IAM policies, secret
//!   annotations). On a conflict it reads again and re-applies the change,
//!   with jittered backoff until the operation's deadline; it reports whether
//!   *this call* made the change, judged against the first read, so that an
//!   attempt whose answer was lost (the write landed, the retry met its own
//!   etag) still counts as ours.
//! - [`retry_while`]: repeats a call while the service answers with an error
//!   that time heals (a service agent IAM does not know yet, a grant the
//!   upstream check cannot see yet), saying in the log why it waits.
//!
//! Both check cancellation before every wait and never sleep past the
//! deadline of the [`Op`].

use std::future::Future;

use super::retry::{self, RetryPolicy};
use super::{ApiError, Op};

/// The outcome of a [`read_modify_write`].
#[derive(Debug, Clone, PartialEq)]
pub struct Written<T> {
    /// The value as last written, or as read when no change was needed.
    pub value: T,
    /// True when the first read needed the change and the change is now in
    /// place through a write of this call.
    pub changed: bool,
}

/// Reads with `read`, applies `modify` (which answers false when nothing
/// needs changing) and writes with `write`; a write refused because the value
/// changed since it was read (`is_conflict`) starts over. `what` names the
/// change in logs and in the deadline error.
pub async fn read_modify_write<T, R, RF, W, WF, M>(
    op: &Op,
    backoff: &RetryPolicy,
    what: &str,
    read: R,
    modify: M,
    write: W,
    is_conflict: fn(&ApiError) -> bool,
) -> Result<Written<T>, ApiError>
where
    R: Fn() -> RF,
    RF: Future<Output = Result<T, ApiError>>,
    W: Fn(T) -> WF,
    WF: Future<Output = Result<T, ApiError>>,
    M: Fn(&mut T) -> bool,
{
    let mut first_needed: Option<bool> = None;
    let mut wrote = false;
    let mut conflicts: u32 = 0;
    loop {
        let mut value = read().await?;
        let needed = modify(&mut value);
        let first = *first_needed.get_or_insert(needed);
        if !needed {
            // Either nothing was ever needed, or an earlier write of ours
            // landed although its answer did not say so.
            return Ok(Written {
                value,
                changed: first && wrote,
            });
        }
        wrote = true;
        let error = match write(value).await {
            Ok(value) => {
                return Ok(Written {
                    value,
                    changed: first,
                })
            }
            Err(e) if is_conflict(&e) => e,
            Err(e) => return Err(e),
        };
        let wait = backoff.delay(conflicts);
        conflicts = conflicts.saturating_add(1);
        if !retry::fits_before_deadline(op, wait) {
            return Err(deadline(what, error));
        }
        tracing::debug!(
            conflicts,
            wait_ms = wait.as_millis() as u64,
            "{what}: changed concurrently; reading it again"
        );
        retry::sleep_unless_cancelled(op, wait).await?;
    }
}

/// Calls `attempt` until it succeeds or fails with an error `heals` does not
/// accept, waiting with jittered backoff in between; `why` says in the log
/// what is being waited for. Past the deadline the last error is returned.
pub async fn retry_while<T, A, AF>(
    op: &Op,
    backoff: &RetryPolicy,
    why: &str,
    attempt: A,
    heals: impl Fn(&ApiError) -> bool,
) -> Result<T, ApiError>
where
    A: Fn() -> AF,
    AF: Future<Output = Result<T, ApiError>>,
{
    let mut tries: u32 = 0;
    loop {
        let error = match attempt().await {
            Ok(v) => return Ok(v),
            Err(e) if heals(&e) => e,
            Err(e) => return Err(e),
        };
        let wait = backoff.delay(tries);
        tries = tries.saturating_add(1);
        if op.cancel.is_cancelled() || !retry::fits_before_deadline(op, wait) {
            return Err(error);
        }
        tracing::info!(
            attempt = tries,
            wait_ms = wait.as_millis() as u64,
            error = %error,
            "waiting: {why}"
        );
        retry::sleep_unless_cancelled(op, wait).await?;
    }
}

/// The deadline error for a change that kept conflicting.
fn deadline(what: &str, last: ApiError) -> ApiError {
    let (method, resource) = match &last {
        ApiError::Status {
            method, resource, ..
        } => (method.clone(), resource.clone()),
        _ => (what.to_string(), String::new()),
    };
    ApiError::DeadlineExceeded {
        method,
        resource,
        last: format!("{what}: {last}"),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;
    use std::time::Duration;

    use tokio_util::sync::CancellationToken;

    use super::*;

    fn fast() -> RetryPolicy {
        RetryPolicy {
            initial: Duration::from_millis(1),
            max: Duration::from_millis(2),
            multiplier: 2.0,
        }
    }

    fn op() -> Op {
        Op::new(Duration::from_secs(30), CancellationToken::new())
    }

    fn conflict() -> ApiError {
        ApiError::from_response("m", "r", 409, br#"{"error":{"status":"ABORTED"}}"#)
    }

    /// A remote value: a list of members, and a script of write outcomes.
    struct Remote {
        members: Mutex<Vec<String>>,
        /// For each write: apply it?, then answer this error (None = success).
        script: Mutex<Vec<(bool, Option<ApiError>)>>,
    }

    impl Remote {
        async fn read(&self) -> Result<Vec<String>, ApiError> {
            Ok(self.members.lock().expect("lock").clone())
        }
        async fn write(&self, v: Vec<String>) -> Result<Vec<String>, ApiError> {
            let (apply, answer) = {
                let mut s = self.script.lock().expect("lock");
                if s.is_empty() {
                    (true, None)
                } else {
                    s.remove(0)
                }
            };
            if apply {
                *self.members.lock().expect("lock") = v.clone();
            }
            answer.map_or(Ok(v), Err)
        }
    }

    async fn add(remote: &Remote) -> Result<Written<Vec<String>>, ApiError> {
        read_modify_write(
            &op(),
            &fast(),
            "add a",
            || remote.read(),
            |v: &mut Vec<String>| {
                if v.iter().any(|m| m == "a") {
                    return false;
                }
                v.push("a".into());
                true
            },
            |v| remote.write(v),
            |e| e.is_aborted(),
        )
        .await
    }

    #[tokio::test]
    async fn a_write_whose_answer_was_lost_still_counts_as_ours() {
        // The write lands, then the answer says ABORTED (our own retry met our etag).
        let remote = Remote {
            members: Mutex::new(vec![]),
            script: Mutex::new(vec![(true, Some(conflict()))]),
        };
        let out = add(&remote).await.expect("ok");
        assert!(out.changed);
        assert_eq!(out.value, vec!["a".to_string()]);
    }

    #[tokio::test]
    async fn a_member_present_before_is_not_ours() {
        let remote = Remote {
            members: Mutex::new(vec!["a".into()]),
            script: Mutex::new(vec![]),
        };
        assert!(!add(&remote).await.expect("ok").changed);
    }

    #[tokio::test]
    async fn a_conflict_without_landing_is_retried_and_then_ours() {
        let remote = Remote {
            members: Mutex::new(vec![]),
            script: Mutex::new(vec![(false, Some(conflict())), (false, Some(conflict()))]),
        };
        let out = add(&remote).await.expect("ok");
        assert!(out.changed);
        assert_eq!(remote.members.lock().expect("lock").len(), 1);
    }

    #[tokio::test]
    async fn other_errors_end_at_once() {
        let remote = Remote {
            members: Mutex::new(vec![]),
            script: Mutex::new(vec![(
                false,
                Some(ApiError::from_response("m", "r", 403, b"")),
            )]),
        };
        assert!(add(&remote).await.is_err());
    }

    #[tokio::test]
    async fn retry_while_waits_out_healing_errors_only() {
        let calls = Mutex::new(0u32);
        let out = retry_while(
            &op(),
            &fast(),
            "test",
            || async {
                let mut n = calls.lock().expect("lock");
                *n += 1;
                if *n < 3 {
                    Err(ApiError::from_response("m", "r", 400, b""))
                } else {
                    Ok(*n)
                }
            },
            |e| e.http_status() == Some(400),
        )
        .await;
        assert_eq!(out.expect("healed"), 3);
        let err = retry_while(
            &op(),
            &fast(),
            "test",
            || async { Err::<(), _>(ApiError::from_response("m", "r", 403, b"")) },
            |e| e.http_status() == Some(400),
        )
        .await
        .expect_err("not healing");
        assert_eq!(err.http_status(), Some(403));
    }
}
