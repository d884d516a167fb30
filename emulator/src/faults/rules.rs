//! Targeted fault rules (`POST /_emulator/faults`): "lose the answer to the
//! first `:addVersion`", "refuse the second repository PATCH", "hold the
//! next setIamPolicy until released". Each rule names a method and a path
//! pattern, skips its first `after` matches and then acts on `times` of
//! them (0: on all).
//!
//! Every rule that matches a request counts the match, so `after` always
//! counts requests of the rule's own pattern; the first rule, in insertion
//! order, whose window is open acts on the request, and only that one.

use crate::error::ApiError;
use regex::Regex;
use serde::Deserialize;
use serde_json::{json, Value};
use std::sync::Mutex;
use std::time::Duration;

/// What a rule does to a request it acts on.
#[derive(Debug, Clone)]
pub enum Action {
    /// Apply the request, then answer 503 UNAVAILABLE instead.
    Lose,
    /// Apply the request, then close the connection without an answer.
    Drop,
    /// Answer this error without applying the request.
    Refuse(ApiError),
    /// Park the request before applying it, until released.
    Hold,
    /// Wait this long, then handle the request normally.
    Delay(Duration),
}

impl Action {
    /// The action's name in rules, listings and the request log.
    pub fn name(&self) -> &'static str {
        match self {
            Action::Lose => "lose",
            Action::Drop => "drop",
            Action::Refuse(_) => "refuse",
            Action::Hold => "hold",
            Action::Delay(_) => "delay",
        }
    }
}

/// The rule acting on one request.
#[derive(Debug, Clone)]
pub struct Picked {
    /// The rule's id.
    pub rule: String,
    /// What to do.
    pub action: Action,
}

/// A rule as `POST /_emulator/faults` takes it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleSpec {
    /// HTTP method, any case; absent matches every method.
    #[serde(default)]
    method: Option<String>,
    /// A regex searched for in the URL path (no query); absent matches all.
    #[serde(default)]
    path: Option<String>,
    /// `lose`, `drop`, `refuse`, `hold` or `delay`.
    action: String,
    /// Matches to let through before acting.
    #[serde(default)]
    after: u64,
    /// Matches to act on after those; 0 is unlimited.
    #[serde(default = "one")]
    times: u64,
    /// `refuse`: the HTTP status (403 when absent).
    #[serde(default)]
    status: Option<u16>,
    /// `refuse`: the `google.rpc.Code` name (PERMISSION_DENIED when absent).
    #[serde(default)]
    code: Option<String>,
    /// `refuse`: the error message.
    #[serde(default)]
    message: Option<String>,
    /// `delay`: how long to wait, in milliseconds.
    #[serde(default)]
    delay_ms: Option<u64>,
}

fn one() -> u64 {
    1
}

/// One installed rule and its counters.
#[derive(Debug)]
struct Rule {
    /// `fault-N`.
    id: String,
    /// Upper-case method, or `None` for any.
    method: Option<String>,
    /// The path pattern as given, for listings.
    pattern: Option<String>,
    /// The compiled pattern.
    path: Option<Regex>,
    /// What the rule does.
    action: Action,
    /// Matches let through first.
    after: u64,
    /// Matches acted on after those (0: unlimited).
    times: u64,
    /// Requests that matched so far.
    matched: u64,
    /// Requests acted on so far.
    hits: u64,
}

impl Rule {
    /// Parses a rule body; the error says what is wrong with it.
    fn parse(id: String, body: &Value) -> Result<Rule, ApiError> {
        let spec: RuleSpec = serde_json::from_value(body.clone())
            .map_err(|e| ApiError::invalid(format!("Invalid fault rule: {e}")))?;
        let path = spec
            .path
            .as_deref()
            .map(Regex::new)
            .transpose()
            .map_err(|e| ApiError::invalid(format!("Invalid fault rule path pattern: {e}")))?;
        let action = match spec.action.as_str() {
            "lose" => Action::Lose,
            "drop" => Action::Drop,
            "hold" => Action::Hold,
            "refuse" => {
                let status = spec.status.unwrap_or(403);
                let code = spec.code.as_deref().unwrap_or("PERMISSION_DENIED");
                let message = spec.message.as_deref().unwrap_or("Injected refusal");
                Action::Refuse(ApiError::custom(status, code, message).ok_or_else(|| {
                    ApiError::invalid(format!(
                        "Invalid fault rule: refuse needs an HTTP error status (400-599) and a \
                         google.rpc.Code name, got {status} {code:?}."
                    ))
                })?)
            }
            "delay" => {
                Action::Delay(Duration::from_millis(spec.delay_ms.ok_or_else(|| {
                    ApiError::invalid("Invalid fault rule: delay needs delay_ms.")
                })?))
            }
            other => {
                return Err(ApiError::invalid(format!(
                "Invalid fault rule action {other:?}: expected lose, drop, refuse, hold or delay."
            )))
            }
        };
        Ok(Rule {
            id,
            method: spec.method.map(|m| m.to_ascii_uppercase()),
            pattern: spec.path,
            path,
            action,
            after: spec.after,
            times: spec.times,
            matched: 0,
            hits: 0,
        })
    }

    /// Whether the rule's method and path pattern cover this request.
    fn matches(&self, method: &str, path: &str) -> bool {
        self.method
            .as_deref()
            .is_none_or(|m| m.eq_ignore_ascii_case(method))
            && self.path.as_ref().is_none_or(|p| p.is_match(path))
    }

    /// Counts one match; true when the rule acts on it.
    fn count_match(&mut self) -> bool {
        let index = self.matched;
        self.matched = self.matched.saturating_add(1);
        index >= self.after && (self.times == 0 || self.hits < self.times)
    }

    /// The rule as `GET /_emulator/faults` lists it.
    fn to_json(&self) -> Value {
        let mut out = json!({
            "id": self.id,
            "method": self.method,
            "path": self.pattern,
            "action": self.action.name(),
            "after": self.after,
            "times": self.times,
            "matched": self.matched,
            "hits": self.hits,
        });
        match &self.action {
            Action::Refuse(error) => {
                out["status"] = json!(error.http.as_u16());
                out["code"] = json!(error.status);
                out["message"] = json!(error.message);
            }
            Action::Delay(delay) => {
                out["delay_ms"] = json!(u64::try_from(delay.as_millis()).unwrap_or(u64::MAX));
            }
            _ => {}
        }
        out
    }
}

/// The installed rules, in insertion order.
#[derive(Debug, Default)]
pub struct FaultRules {
    /// Rules and the number of rules ever added (for ids).
    inner: Mutex<(Vec<Rule>, u64)>,
}

impl FaultRules {
    /// Adds a rule from its JSON body; answers its id.
    pub fn add(&self, body: &Value) -> Result<String, ApiError> {
        let mut inner = self.lock();
        let id = format!("fault-{}", inner.1 + 1);
        let rule = Rule::parse(id.clone(), body)?;
        inner.1 += 1;
        inner.0.push(rule);
        Ok(id)
    }

    /// The rules with their counters.
    pub fn to_json(&self) -> Value {
        let rules: Vec<Value> = self.lock().0.iter().map(Rule::to_json).collect();
        json!({ "faults": rules })
    }

    /// Removes every rule (ids keep counting, so an old id is never reused).
    pub fn clear(&self) {
        self.lock().0.clear();
    }

    /// Counts the request against every matching rule and returns the
    /// first one that acts on it.
    pub fn pick(&self, method: &str, path: &str) -> Option<Picked> {
        let mut inner = self.lock();
        let mut picked = None;
        for rule in inner.0.iter_mut().filter(|r| r.matches(method, path)) {
            if rule.count_match() && picked.is_none() {
                rule.hits = rule.hits.saturating_add(1);
                picked = Some(Picked {
                    rule: rule.id.clone(),
                    action: rule.action.clone(),
                });
            }
        }
        picked
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, (Vec<Rule>, u64)> {
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn actions(rules: &FaultRules, method: &str, path: &str, n: usize) -> Vec<Option<String>> {
        (0..n)
            .map(|_| rules.pick(method, path).map(|p| p.rule))
            .collect()
    }

    #[test]
    fn after_skips_and_times_limits() {
        let rules = FaultRules::default();
        let id = rules
            .add(&json!({"method": "patch", "path": "/repositories/", "action": "refuse", "after": 1, "times": 2}))
            .expect("rule");
        let path = "/v1/projects/p/locations/l/repositories/r";
        assert_eq!(
            actions(&rules, "PATCH", path, 4),
            vec![None, Some(id.clone()), Some(id), None]
        );
        assert!(rules.pick("GET", path).is_none(), "other methods pass");
        let listed = rules.to_json();
        assert_eq!(listed["faults"][0]["matched"], json!(4));
        assert_eq!(listed["faults"][0]["hits"], json!(2));
        assert_eq!(listed["faults"][0]["status"], json!(403));
        assert_eq!(listed["faults"][0]["code"], json!("PERMISSION_DENIED"));
    }

    #[test]
    fn first_open_rule_acts_and_every_match_counts() {
        let rules = FaultRules::default();
        let lose = rules
            .add(&json!({"path": ":addVersion$", "action": "lose"}))
            .expect("lose");
        let refuse = rules
            .add(&json!({"path": ":addVersion$", "action": "refuse", "after": 1}))
            .expect("refuse");
        let path = "/v1/projects/p/secrets/s:addVersion";
        assert_eq!(
            actions(&rules, "POST", path, 3),
            vec![Some(lose), Some(refuse), None]
        );
    }

    #[test]
    fn zero_times_is_unlimited_and_clear_removes() {
        let rules = FaultRules::default();
        rules
            .add(&json!({"action": "delay", "delay_ms": 5, "times": 0}))
            .expect("rule");
        assert!(actions(&rules, "GET", "/x", 5).iter().all(Option::is_some));
        rules.clear();
        assert!(rules.pick("GET", "/x").is_none());
        let next = rules.add(&json!({"action": "hold"})).expect("rule");
        assert_eq!(next, "fault-2", "ids are never reused");
    }

    #[test]
    fn bad_rules_are_refused_with_a_reason() {
        let rules = FaultRules::default();
        for bad in [
            json!({"action": "explode"}),
            json!({"action": "lose", "path": "("}),
            json!({"action": "delay"}),
            json!({"action": "refuse", "status": 200}),
            json!({"action": "refuse", "code": "NOPE"}),
            json!({"action": "lose", "bogus": 1}),
        ] {
            let err = rules.add(&bad).expect_err("refused");
            assert_eq!(err.status, "INVALID_ARGUMENT", "{bad}");
        }
        assert_eq!(rules.to_json(), json!({"faults": []}));
    }
}
