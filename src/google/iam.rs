//! IAM policies and the read-modify-write loop that changes one member of
//! one role without clobbering anything else.

use std::collections::BTreeMap;
use std::future::Future;

use serde::{Deserialize, Serialize};

use super::http::Replay;
use super::retry::RetryPolicy;
use super::rmw::Written;
use super::{ApiError, GoogleClient, Op};

/// An IAM policy. Unknown fields (auditConfigs, ...) are kept for round trips.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Policy {
    /// 0, 1 or 3; 3 is needed to keep conditional bindings.
    #[serde(default)]
    pub version: i32,
    /// Etag the policy was read with; a stale one is answered 409 ABORTED.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub etag: String,
    /// Role bindings.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub bindings: Vec<Binding>,
    /// Fields this crate does not model.
    #[serde(flatten)]
    pub other: BTreeMap<String, serde_json::Value>,
}

/// One binding of members to a role, optionally conditional.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Binding {
    /// e.g. `roles/secretmanager.secretAccessor`.
    pub role: String,
    /// e.g. `serviceAccount:service-123@gcp-sa-artifactregistry.iam.gserviceaccount.com`.
    #[serde(default)]
    pub members: Vec<String>,
    /// A condition (`expression`, `title`, `description`); a conditional binding is never merged with an unconditional one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub condition: Option<serde_json::Value>,
}

impl Policy {
    /// True when `member` has `role` through an unconditional binding.
    pub fn has_member(&self, role: &str, member: &str) -> bool {
        self.bindings.iter().any(|b| {
            b.role == role && b.condition.is_none() && b.members.iter().any(|m| m == member)
        })
    }
    /// Adds `member` to the unconditional binding of `role`; false when already there.
    pub fn add_member(&mut self, role: &str, member: &str) -> bool {
        if self.has_member(role, member) {
            return false;
        }
        match self
            .bindings
            .iter_mut()
            .find(|b| b.role == role && b.condition.is_none())
        {
            Some(binding) => binding.members.push(member.to_string()),
            None => self.bindings.push(Binding {
                role: role.to_string(),
                members: vec![member.to_string()],
                condition: None,
            }),
        }
        true
    }
    /// Removes `member` from the unconditional binding of `role` (dropping the binding when empty); false when absent.
    pub fn remove_member(&mut self, role: &str, member: &str) -> bool {
        let mut removed = false;
        for binding in self
            .bindings
            .iter_mut()
            .filter(|b| b.role == role && b.condition.is_none())
        {
            let before = binding.members.len();
            binding.members.retain(|m| m != member);
            removed |= binding.members.len() != before;
        }
        if removed {
            self.bindings
                .retain(|b| !(b.role == role && b.condition.is_none() && b.members.is_empty()));
        }
        removed
    }
    /// True when any binding carries a condition (the policy must then be written as version 3).
    pub fn has_conditions(&self) -> bool {
        self.bindings.iter().any(|b| b.condition.is_some())
    }
}

/// `testIamPermissions` request and answer.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Permissions {
    /// Asked for, or held.
    #[serde(default)]
    permissions: Vec<String>,
}

impl Permissions {
    /// The request asking about `permissions`.
    fn asking(permissions: &[&str]) -> Permissions {
        Permissions {
            permissions: permissions.iter().map(|p| p.to_string()).collect(),
        }
    }
}

impl GoogleClient {
    /// `POST v1/{resource}:testIamPermissions` on `root`; returns the
    /// subset of `permissions` the caller holds there.
    pub(crate) async fn test_iam_permissions(
        &self,
        op: &Op,
        root: &str,
        resource: &str,
        permissions: &[&str],
        api_method: &str,
    ) -> Result<Vec<String>, ApiError> {
        let body = Permissions::asking(permissions);
        let held: Permissions = self
            .post_verb(
                op,
                root,
                resource,
                "testIamPermissions",
                &body,
                api_method,
                Replay::Always,
            )
            .await?;
        Ok(held.permissions)
    }
}

/// A pending `getIamPolicy` or `setIamPolicy` call, answering the policy.
pub trait PolicyCall: Future<Output = Result<Policy, ApiError>> {}

impl<F: Future<Output = Result<Policy, ApiError>>> PolicyCall for F {}

/// Read-modify-write of a policy: `read`, apply `modify` (which returns false
/// when nothing needs changing), `write` with the read etag; on 409 ABORTED
/// start over with jittered backoff until `op`'s deadline (see
/// [`super::rmw::read_modify_write`], which also tells whether this call
/// made the change).
pub async fn read_modify_write<RF: PolicyCall, WF: PolicyCall>(
    op: &Op,
    read: impl Fn() -> RF,
    write: impl Fn(Policy) -> WF,
    modify: impl Fn(&mut Policy) -> bool,
) -> Result<Written<Policy>, ApiError> {
    read_modify_write_with(op, &RetryPolicy::default(), read, write, modify).await
}

/// [`read_modify_write`] with an explicit backoff (tests use short waits).
/// Returns the policy as written, or as read when `modify` changed nothing.
pub async fn read_modify_write_with<RF: PolicyCall, WF: PolicyCall>(
    op: &Op,
    backoff: &RetryPolicy,
    read: impl Fn() -> RF,
    write: impl Fn(Policy) -> WF,
    modify: impl Fn(&mut Policy) -> bool,
) -> Result<Written<Policy>, ApiError> {
    super::rmw::read_modify_write(
        op,
        backoff,
        "IAM policy",
        read,
        |p: &mut Policy| {
            let changed = modify(p);
            // Version 1 cannot express conditions: writing it back would drop them.
            if changed && p.has_conditions() {
                p.version = 3;
            }
            changed
        },
        write,
        ApiError::is_aborted,
    )
    .await
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};
    use std::time::Duration;

    use tokio_util::sync::CancellationToken;

    use super::*;

    const ROLE: &str = "roles/secretmanager.secretAccessor";
    const AGENT: &str = "serviceAccount:service-1@gcp-sa-artifactregistry.iam.gserviceaccount.com";

    fn conditional(role: &str, member: &str) -> Binding {
        Binding {
            role: role.into(),
            members: vec![member.into()],
            condition: Some(
                serde_json::json!({"expression": "request.time < timestamp(\"2030-01-01T00:00:00Z\")", "title": "t"}),
            ),
        }
    }

    fn sample() -> Policy {
        Policy {
            version: 3,
            etag: "BwYAAAAAAAA=".into(),
            bindings: vec![
                conditional(ROLE, AGENT),
                Binding {
                    role: ROLE.into(),
                    members: vec!["user:a@example.com".into()],
                    condition: None,
                },
                Binding {
                    role: "roles/owner".into(),
                    members: vec![AGENT.into()],
                    condition: None,
                },
            ],
            other: BTreeMap::new(),
        }
    }

    #[test]
    fn add_member_joins_the_unconditional_binding_only() {
        let mut p = sample();
        assert!(
            !p.has_member(ROLE, AGENT),
            "a conditional grant is not a grant"
        );
        assert!(p.add_member(ROLE, AGENT));
        assert!(!p.add_member(ROLE, AGENT), "second add changes nothing");
        assert_eq!(p.bindings[0], conditional(ROLE, AGENT));
        assert_eq!(
            p.bindings[1].members,
            vec!["user:a@example.com".to_string(), AGENT.to_string()]
        );
        assert_eq!(p.bindings.len(), 3);
    }

    #[test]
    fn add_member_creates_a_binding_when_none_is_unconditional() {
        let mut p = Policy {
            bindings: vec![conditional(ROLE, "user:x@example.com")],
            ..Policy::default()
        };
        assert!(p.add_member(ROLE, AGENT));
        assert_eq!(p.bindings.len(), 2);
        assert_eq!(
            p.bindings[1],
            Binding {
                role: ROLE.into(),
                members: vec![AGENT.into()],
                condition: None
            }
        );
    }

    #[test]
    fn remove_member_keeps_other_members_conditions_and_roles() {
        let mut p = sample();
        p.add_member(ROLE, AGENT);
        assert!(p.remove_member(ROLE, AGENT));
        assert!(!p.remove_member(ROLE, AGENT));
        assert_eq!(p.bindings, sample().bindings);
        assert!(p.remove_member(ROLE, "user:a@example.com"));
        assert_eq!(p.bindings.len(), 2, "empty unconditional binding dropped");
        assert_eq!(
            p.bindings[0],
            conditional(ROLE, AGENT),
            "conditional binding untouched"
        );
    }

    #[test]
    fn unknown_policy_fields_round_trip() {
        let json = serde_json::json!({"version":1,"etag":"e","bindings":[{"role":"r","members":["m"]}],"auditConfigs":[{"service":"allServices"}]});
        let p: Policy = serde_json::from_value(json.clone()).expect("decodes");
        assert_eq!(serde_json::to_value(&p).expect("encodes"), json);
    }

    fn aborted() -> ApiError {
        ApiError::Status {
            method: "secretmanager.secrets.setIamPolicy".into(),
            resource: "projects/p/secrets/s".into(),
            http_status: 409,
            status: "ABORTED".into(),
            message: "concurrent policy changes".into(),
        }
    }

    fn fast() -> RetryPolicy {
        RetryPolicy {
            initial: Duration::from_millis(5),
            max: Duration::from_millis(20),
            multiplier: 2.0,
        }
    }

    /// A fake policy store: answers ABORTED `conflicts` times, then accepts.
    struct Store {
        /// The stored policy.
        policy: Mutex<Policy>,
        /// ABORTED answers still to give.
        conflicts: Mutex<u32>,
        /// Reads so far.
        reads: Mutex<u32>,
        /// Every policy a write was attempted with.
        writes: Mutex<Vec<Policy>>,
    }

    impl Store {
        fn new(policy: Policy, conflicts: u32) -> Arc<Store> {
            Arc::new(Store {
                policy: Mutex::new(policy),
                conflicts: Mutex::new(conflicts),
                reads: Mutex::new(0),
                writes: Mutex::new(Vec::new()),
            })
        }
        async fn run(self: &Arc<Store>, op: &Op) -> Result<Policy, ApiError> {
            read_modify_write_with(
                op,
                &fast(),
                || {
                    let store = self.clone();
                    async move {
                        *store.reads.lock().expect("lock") += 1;
                        Ok(store.policy.lock().expect("lock").clone())
                    }
                },
                |p| {
                    let store = self.clone();
                    async move {
                        store.writes.lock().expect("lock").push(p.clone());
                        let mut left = store.conflicts.lock().expect("lock");
                        if *left > 0 {
                            *left -= 1;
                            return Err(aborted());
                        }
                        *store.policy.lock().expect("lock") = p.clone();
                        Ok(p)
                    }
                },
                |p| p.add_member(ROLE, AGENT),
            )
            .await
            .map(|w| w.value)
        }
    }

    fn op(timeout: Duration) -> Op {
        Op::new(timeout, CancellationToken::new())
    }

    #[tokio::test]
    async fn aborted_writes_are_retried_from_a_fresh_read() {
        let store = Store::new(sample(), 2);
        let written = store
            .run(&op(Duration::from_secs(30)))
            .await
            .expect("succeeds");
        assert!(written.has_member(ROLE, AGENT));
        assert_eq!(*store.reads.lock().expect("lock"), 3);
        let writes = store.writes.lock().expect("lock");
        assert_eq!(writes.len(), 3);
        assert!(writes
            .iter()
            .all(|p| p.etag == "BwYAAAAAAAA=" && p.version == 3));
    }

    #[test]
    fn conditional_policies_are_written_as_version_3() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .expect("runtime");
        let mut p = sample();
        p.version = 1;
        let store = Store::new(p, 0);
        rt.block_on(store.run(&op(Duration::from_secs(30))))
            .expect("succeeds");
        assert_eq!(store.writes.lock().expect("lock")[0].version, 3);
        let plain = Policy {
            version: 1,
            etag: "e".into(),
            ..Policy::default()
        };
        let store = Store::new(plain, 0);
        rt.block_on(store.run(&op(Duration::from_secs(30))))
            .expect("succeeds");
        assert_eq!(
            store.writes.lock().expect("lock")[0].version,
            1,
            "version read is written back"
        );
    }

    #[tokio::test]
    async fn nothing_is_written_when_nothing_changes() {
        let mut p = sample();
        p.add_member(ROLE, AGENT);
        let store = Store::new(p, 0);
        store
            .run(&op(Duration::from_secs(30)))
            .await
            .expect("succeeds");
        assert!(store.writes.lock().expect("lock").is_empty());
    }

    #[tokio::test]
    async fn endless_conflicts_stop_at_the_deadline() {
        let store = Store::new(sample(), u32::MAX);
        let err = store
            .run(&op(Duration::from_millis(300)))
            .await
            .expect_err("gives up");
        match err {
            ApiError::DeadlineExceeded { method, last, .. } => {
                assert_eq!(method, "secretmanager.secrets.setIamPolicy");
                assert!(last.contains("ABORTED"), "{last}");
            }
            other => panic!("unexpected {other:?}"),
        }
        assert!(store.writes.lock().expect("lock").len() > 1);
    }

    #[tokio::test]
    async fn other_errors_are_not_retried() {
        let store = Store::new(sample(), 0);
        let err = read_modify_write_with(
            &op(Duration::from_secs(30)),
            &fast(),
            || async { Ok(Policy::default()) },
            |_| {
                let store = store.clone();
                async move {
                    store.writes.lock().expect("lock").push(Policy::default());
                    Err(ApiError::from_response("m", "r", 400, br#"{"error":{"status":"INVALID_ARGUMENT","message":"Service account x does not exist."}}"#))
                }
            },
            |p| p.add_member(ROLE, AGENT),
        )
        .await
        .expect_err("fails");
        assert_eq!(err.status(), Some("INVALID_ARGUMENT"));
        assert_eq!(store.writes.lock().expect("lock").len(), 1);
    }
}
