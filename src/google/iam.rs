//! IAM policies and the read-modify-write loop that changes one member of
//! one role without clobbering anything else.

use std::collections::BTreeMap;
use std::future::Future;

use serde::{Deserialize, Serialize};

use super::{ApiError, Op};

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
        self.bindings
            .iter()
            .any(|b| b.role == role && b.condition.is_none() && b.members.iter().any(|m| m == member))
    }
    /// Adds `member` to the unconditional binding of `role`; false when already there.
    pub fn add_member(&mut self, role: &str, member: &str) -> bool {
        let _ = (role, member);
        todo!()
    }
    /// Removes `member` from the unconditional binding of `role` (dropping the binding when empty); false when absent.
    pub fn remove_member(&mut self, role: &str, member: &str) -> bool {
        let _ = (role, member);
        todo!()
    }
}

/// Read-modify-write of a policy: `read`, apply `modify` (which returns false
/// when nothing needs changing), `write` with the read etag; on 409 ABORTED
/// start over with jittered backoff until `op`'s deadline.
pub async fn read_modify_write<R, RF, W, WF, M>(op: &Op, read: R, write: W, modify: M) -> Result<Policy, ApiError>
where
    R: Fn() -> RF,
    RF: Future<Output = Result<Policy, ApiError>>,
    W: Fn(Policy) -> WF,
    WF: Future<Output = Result<Policy, ApiError>>,
    M: Fn(&mut Policy) -> bool,
{
    let _ = (op, read, write, modify);
    todo!()
}
