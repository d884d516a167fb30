//! IAM propagation: Google documents that access changes typically take
//! two minutes to propagate, and can take seven or more. `getIamPolicy`
//! reads its own writes at once, but checks that Google's services make on
//! their own behalf (Artifact Registry's service agent reading the upstream
//! password) may still see the policy as it was. [`PolicyHistory`] keeps a
//! resource's recent policy writes so such a check can ask what it sees
//! now, with no sleeping anywhere.

use crate::iam::Policy;
use std::collections::VecDeque;

/// Earlier writes kept per resource; a delay reaching further back than
/// this sees the oldest one kept.
const KEPT_WRITES: usize = 32;

/// A resource's IAM policy and the recent writes before it.
#[derive(Debug, Clone, PartialEq)]
pub struct PolicyHistory {
    /// The policy as written last.
    current: Policy,
    /// When it was written, ms since the Unix epoch. A resource's first
    /// policy counts as written at 0: it is visible from the start.
    written_ms: u64,
    /// The writes before it, `(written at, policy)`, oldest first.
    earlier: VecDeque<(u64, Policy)>,
}

impl Default for PolicyHistory {
    fn default() -> Self {
        PolicyHistory::new(Policy::default())
    }
}

impl PolicyHistory {
    /// A resource whose policy has always been `policy`.
    pub fn new(policy: Policy) -> PolicyHistory {
        PolicyHistory {
            current: policy,
            written_ms: 0,
            earlier: VecDeque::new(),
        }
    }

    /// The policy as written last: what `getIamPolicy` answers.
    pub fn current(&self) -> &Policy {
        &self.current
    }

    /// Applies a `setIamPolicy` body (see [`Policy::set`]) at `now_ms`;
    /// answers the stored policy's JSON. A refused write records nothing.
    pub fn set(
        &mut self,
        body: &serde_json::Value,
        etag_counter: u64,
        agent_exists: &dyn Fn(&str) -> bool,
        now_ms: u64,
    ) -> Result<serde_json::Value, crate::error::ApiError> {
        let mut next = self.current.clone();
        let answer = next.set(body, etag_counter, agent_exists)?;
        self.record(now_ms, next);
        Ok(answer)
    }

    /// Records a write of `policy` at `now_ms`.
    pub fn record(&mut self, now_ms: u64, policy: Policy) {
        let before = std::mem::replace(&mut self.current, policy);
        let before_ms = std::mem::replace(&mut self.written_ms, now_ms);
        self.earlier.push_back((before_ms, before));
        while self.earlier.len() > KEPT_WRITES {
            self.earlier.pop_front();
        }
    }

    /// The policy a check sees at `now_ms` when writes take `delay_ms` to
    /// propagate: the newest write at least `delay_ms` old, else the oldest
    /// kept.
    pub fn as_seen(&self, now_ms: u64, delay_ms: u64) -> &Policy {
        let visible = |written: u64| written.saturating_add(delay_ms) <= now_ms;
        if visible(self.written_ms) {
            return &self.current;
        }
        self.earlier
            .iter()
            .rev()
            .find(|(written, _)| visible(*written))
            .or(self.earlier.front())
            .map_or(&self.current, |(_, policy)| policy)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(etag: &str) -> Policy {
        Policy {
            etag: etag.to_string(),
            ..Policy::default()
        }
    }

    #[test]
    fn reads_its_writes_while_checks_see_the_propagated_policy() {
        let mut history = PolicyHistory::new(policy("seed"));
        history.record(1_000, policy("grant"));
        history.record(5_000, policy("revoke"));
        assert_eq!(history.current().etag, "revoke");
        assert_eq!(history.as_seen(5_000, 0).etag, "revoke");
        assert_eq!(history.as_seen(5_500, 1_000).etag, "grant");
        assert_eq!(history.as_seen(6_000, 1_000).etag, "revoke");
        assert_eq!(history.as_seen(1_500, 1_000).etag, "seed");
        assert_eq!(
            history.as_seen(10, 1_000_000).etag,
            "seed",
            "the first policy is visible from the start"
        );
    }

    #[test]
    fn keeps_a_bounded_number_of_writes() {
        let mut history = PolicyHistory::default();
        for n in 0..100u64 {
            history.record(n, policy(&n.to_string()));
        }
        assert_eq!(history.earlier.len(), KEPT_WRITES);
        assert_eq!(history.as_seen(100, 1_000).etag, "67", "oldest kept");
        assert_eq!(history.current().etag, "99");
    }
}
