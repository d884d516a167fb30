//! The IAM policy model shared by secrets, repositories and projects:
//! `getIamPolicy` / `setIamPolicy` semantics, etags for optimistic
//! concurrency, member validation and role lookup for permission checks.

use crate::error::ApiError;
use base64::Engine as _;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// The etag Google answers for a resource that never had a policy written.
pub const EMPTY_POLICY_ETAG: &str = "ACAB";

/// Suffix of the Artifact Registry service agent's email.
pub const AR_AGENT_DOMAIN: &str = "@gcp-sa-artifactregistry.iam.gserviceaccount.com";

/// An IAM policy attached to one resource.
#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    /// Policy schema version: 1 normally, 3 when conditions are present.
    pub version: i64,
    /// Role bindings in the order they were written.
    pub bindings: Vec<Binding>,
    /// Audit configs, kept opaque: only stored and echoed.
    pub audit_configs: Vec<Value>,
    /// Current etag; changes on every successful write.
    pub etag: String,
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            version: 1,
            bindings: Vec::new(),
            audit_configs: Vec::new(),
            etag: EMPTY_POLICY_ETAG.to_string(),
        }
    }
}

/// One role binding.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Binding {
    /// Role name, e.g. `roles/secretmanager.secretAccessor`.
    pub role: String,
    /// Members such as `user:alice@example.com`.
    #[serde(default)]
    pub members: Vec<String>,
    /// Optional CEL condition (`expression`, `title`, `description`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub condition: Option<Value>,
}

/// The policy part of a `setIamPolicy` body, before validation.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct PolicyInput {
    /// Requested schema version; absent means 1.
    #[serde(default)]
    version: Option<Value>,
    /// Bindings to store.
    #[serde(default)]
    bindings: Vec<Binding>,
    /// Audit configs to store when the mask names them.
    #[serde(default)]
    audit_configs: Vec<Value>,
    /// The etag read by the caller; compared when present.
    #[serde(default)]
    etag: Option<String>,
}

/// Makes the etag for write number `counter`: 8 bytes in base64 like
/// Google's `BwYAAAAAAAA=`-style policy etags.
pub fn make_etag(counter: u64) -> String {
    let mut bytes = [0u8; 8];
    bytes[0] = 0x07;
    bytes[1] = 0x06;
    bytes[2..].copy_from_slice(&counter.to_be_bytes()[2..]);
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

impl Policy {
    /// Builds a policy from seed JSON (`bindings`, optional `version`).
    pub fn from_seed(value: &Value) -> Result<Policy, String> {
        let input: PolicyInput = serde_json::from_value(value.clone())
            .map_err(|e| format!("invalid IAM policy: {e}"))?;
        let version = parse_version(input.version.as_ref()).map_err(|e| e.message)?;
        for binding in &input.bindings {
            validate_binding(binding, &|_| true).map_err(|e| e.message)?;
        }
        Ok(Policy {
            version,
            bindings: input.bindings,
            audit_configs: input.audit_configs,
            etag: EMPTY_POLICY_ETAG.to_string(),
        })
    }

    /// The `Policy` JSON answered by `getIamPolicy`, honouring
    /// `options.requestedPolicyVersion`.
    pub fn render(&self, requested_version: Option<i64>) -> Result<Value, ApiError> {
        let requested = requested_version.unwrap_or(0);
        if !matches!(requested, 0 | 1 | 3) {
            return Err(ApiError::invalid(format!(
                "Invalid requested policy version {requested}; valid versions are 0, 1 and 3."
            )));
        }
        let conditional = self.bindings.iter().any(|b| b.condition.is_some());
        if conditional && requested < 3 {
            return Err(ApiError::invalid(
                "The policy contains conditional role bindings; request policy version 3 \
                 (options.requestedPolicyVersion=3) to read it.",
            ));
        }
        let mut out = json!({"version": self.version, "etag": self.etag});
        if !self.bindings.is_empty() {
            out["bindings"] = serde_json::to_value(&self.bindings).unwrap_or(Value::Null);
        }
        if !self.audit_configs.is_empty() {
            out["auditConfigs"] = Value::Array(self.audit_configs.clone());
        }
        Ok(out)
    }

    /// Applies a `setIamPolicy` request body. `etag_counter` gives the next
    /// etag; `agent_exists(number)` says whether the AR service agent of a
    /// project number exists. Returns the stored policy's JSON.
    pub fn set(
        &mut self,
        body: &Value,
        etag_counter: u64,
        agent_exists: &dyn Fn(&str) -> bool,
    ) -> Result<Value, ApiError> {
        let policy = body
            .get("policy")
            .filter(|p| p.is_object())
            .ok_or_else(|| {
                ApiError::invalid("Request contains an invalid argument: policy is required.")
            })?;
        let input: PolicyInput = serde_json::from_value(policy.clone())
            .map_err(|e| ApiError::invalid(format!("Invalid JSON payload received. {e}")))?;
        let mask = body
            .get("updateMask")
            .and_then(Value::as_str)
            .unwrap_or("bindings,etag");
        let paths = crate::path::field_mask(mask);
        for path in &paths {
            if !matches!(
                path.as_str(),
                "bindings" | "etag" | "auditConfigs" | "version"
            ) {
                return Err(ApiError::invalid(format!(
                    "Invalid update_mask path for a policy: {path}"
                )));
            }
        }
        if let Some(etag) = input.etag.as_deref().filter(|e| !e.is_empty()) {
            if etag != self.etag {
                return Err(ApiError::concurrent_policy_change());
            }
        }
        let version = parse_version(input.version.as_ref())?;
        let mut bindings: Vec<Binding> = Vec::new();
        for mut binding in input.bindings {
            validate_binding(&binding, agent_exists)?;
            dedup(&mut binding.members);
            if binding.members.is_empty() {
                continue;
            }
            bindings.push(binding);
        }
        let conditional = bindings.iter().any(|b| b.condition.is_some());
        if conditional && version < 3 {
            return Err(ApiError::invalid(
                "Conditional role bindings require policy version 3; set policy.version to 3.",
            ));
        }
        if paths.iter().any(|p| p == "bindings") {
            self.bindings = bindings;
            self.version = version;
        }
        if paths.iter().any(|p| p == "auditConfigs") {
            self.audit_configs = input.audit_configs;
        }
        self.etag = make_etag(etag_counter);
        self.render(Some(3))
    }

    /// Roles bound to `member` without a condition (conditions are never
    /// assumed true when checking access).
    pub fn roles_of<'a>(&'a self, member: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.bindings
            .iter()
            .filter(move |b| {
                b.condition.is_none()
                    && b.members
                        .iter()
                        .any(|m| m == member || m == "allUsers" || m == "allAuthenticatedUsers")
            })
            .map(|b| b.role.as_str())
    }
}

fn dedup(members: &mut Vec<String>) {
    let mut seen = std::collections::HashSet::new();
    members.retain(|m| seen.insert(m.clone()));
}

fn parse_version(value: Option<&Value>) -> Result<i64, ApiError> {
    let version = match value {
        None | Some(Value::Null) => 1,
        Some(Value::Number(n)) => n.as_i64().unwrap_or(-1),
        Some(Value::String(s)) => s.parse().unwrap_or(-1),
        Some(_) => -1,
    };
    match version {
        0 | 1 => Ok(1),
        3 => Ok(3),
        other => Err(ApiError::invalid(format!(
            "Invalid policy version {other}; valid versions are 1 and 3."
        ))),
    }
}

fn validate_binding(
    binding: &Binding,
    agent_exists: &dyn Fn(&str) -> bool,
) -> Result<(), ApiError> {
    let role = binding.role.as_str();
    let role_ok = role.strip_prefix("roles/").is_some_and(|r| !r.is_empty())
        || ((role.starts_with("projects/") || role.starts_with("organizations/"))
            && role.contains("/roles/"));
    if !role_ok {
        return Err(ApiError::invalid(format!(
            "Role {role} is not supported for this resource."
        )));
    }
    if let Some(condition) = &binding.condition {
        let has_expression = condition
            .get("expression")
            .and_then(Value::as_str)
            .is_some_and(|e| !e.trim().is_empty());
        if !has_expression {
            return Err(ApiError::invalid(
                "Condition expression is required in a conditional role binding.",
            ));
        }
    }
    for member in &binding.members {
        validate_member(member, agent_exists)?;
    }
    Ok(())
}

fn validate_member(member: &str, agent_exists: &dyn Fn(&str) -> bool) -> Result<(), ApiError> {
    if matches!(member, "allUsers" | "allAuthenticatedUsers") {
        return Ok(());
    }
    const KINDS: [&str; 10] = [
        "user",
        "serviceAccount",
        "group",
        "domain",
        "principal",
        "principalSet",
        "deleted",
        "projectOwner",
        "projectEditor",
        "projectViewer",
    ];
    let Some((kind, value)) = member.split_once(':') else {
        return Err(ApiError::invalid(
            "Policy members must be of the form \"<type>:<value>\".",
        ));
    };
    if !KINDS.contains(&kind) || value.is_empty() {
        return Err(ApiError::invalid(
            "Policy members must be of the form \"<type>:<value>\".",
        ));
    }
    if kind == "serviceAccount" {
        if let Some(number) = ar_agent_project_number(value) {
            if !agent_exists(number) {
                return Err(ApiError::invalid(format!(
                    "Service account {value} does not exist."
                )));
            }
        }
    }
    Ok(())
}

/// The project number of an AR service agent email
/// `service-N@gcp-sa-artifactregistry.iam.gserviceaccount.com`.
pub fn ar_agent_project_number(email: &str) -> Option<&str> {
    email
        .strip_suffix(AR_AGENT_DOMAIN)?
        .strip_prefix("service-")
        .filter(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
}

/// The AR service agent email of a project number.
pub fn ar_agent_email(number: &str) -> String {
    format!("service-{number}{AR_AGENT_DOMAIN}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(bindings: Value, etag: Option<&str>) -> Value {
        let mut policy = json!({"bindings": bindings});
        if let Some(e) = etag {
            policy["etag"] = json!(e);
        }
        json!({"policy": policy})
    }

    #[test]
    fn stale_etag_is_aborted_and_write_changes_etag() {
        let mut p = Policy::default();
        let b = json!([{"role": "roles/viewer", "members": ["user:a@x.com"]}]);
        let first = p
            .set(&body(b.clone(), Some(EMPTY_POLICY_ETAG)), 1, &|_| true)
            .expect("set");
        assert_ne!(first["etag"], json!(EMPTY_POLICY_ETAG));
        let err = p
            .set(&body(b, Some(EMPTY_POLICY_ETAG)), 2, &|_| true)
            .expect_err("stale");
        assert_eq!(err.status, "ABORTED");
    }

    #[test]
    fn conditions_need_version_three_and_are_kept() {
        let mut p = Policy::default();
        let b = json!([{"role": "roles/viewer", "members": ["user:a@x.com"],
            "condition": {"expression": "request.time < timestamp('2030-01-01T00:00:00Z')", "title": "t"}}]);
        assert!(p.set(&body(b.clone(), None), 1, &|_| true).is_err());
        let mut req = body(b, None);
        req["policy"]["version"] = json!(3);
        let out = p.set(&req, 2, &|_| true).expect("set");
        assert_eq!(out["version"], json!(3));
        assert_eq!(out["bindings"][0]["condition"]["title"], json!("t"));
        assert!(p.render(Some(1)).is_err());
        assert!(p.roles_of("user:a@x.com").next().is_none());
    }

    #[test]
    fn missing_service_agent_is_invalid_argument() {
        let mut p = Policy::default();
        let b = json!([{"role": "roles/secretmanager.secretAccessor",
            "members": ["serviceAccount:service-42@gcp-sa-artifactregistry.iam.gserviceaccount.com"]}]);
        let err = p
            .set(&body(b, None), 1, &|n| n != "42")
            .expect_err("missing agent");
        assert_eq!(err.status, "INVALID_ARGUMENT");
        assert_eq!(
            err.message,
            "Service account service-42@gcp-sa-artifactregistry.iam.gserviceaccount.com does not exist."
        );
    }

    #[test]
    fn malformed_member_is_rejected() {
        let mut p = Policy::default();
        let b = json!([{"role": "roles/viewer", "members": ["alice@example.com"]}]);
        assert_eq!(
            p.set(&body(b, None), 1, &|_| true).expect_err("bad").status,
            "INVALID_ARGUMENT"
        );
    }

    #[test]
    fn etags_are_eight_bytes_base64() {
        assert_eq!(make_etag(0), "BwYAAAAAAAA=");
        assert_ne!(make_etag(1), make_etag(2));
    }
}
