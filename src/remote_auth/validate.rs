//! ValidateResourceConfig: checks that need no network and tolerate unknown
//! values. Every diagnostic points at its attribute. The token's value never
//! appears in a message.

use crate::tfplugin::{AttributePath, Diagnostic, Diagnostics, Number};

use super::ids::{self, RepositoryArg, RepositoryRef, SecretRef};
use super::model::Model;
use super::timeouts;

/// Accepted `previous_version_policy` values.
pub const PREVIOUS_VERSION_POLICIES: [&str; 3] = super::model::PreviousVersionPolicy::NAMES;
/// Accepted `deletion_policy` values.
pub const DELETION_POLICIES: [&str; 2] = super::model::DeletionPolicy::NAMES;
/// Validates a configuration. `write_only_allowed` is the client capability.
pub fn validate(m: &Model, write_only_allowed: Option<bool>) -> Diagnostics {
    let mut d = Diagnostics::default();
    check_ids(m, &mut d);
    check_token(m, write_only_allowed, &mut d);
    if m.username.known().is_some_and(|u| u.is_empty()) {
        d.attr_error(
            "username",
            "Empty username",
            "`username` must not be empty; leave it unset for PyPI's `__token__`.",
        );
    }
    check_enum(
        &mut d,
        "previous_version_policy",
        m.previous_version_policy.known(),
        &PREVIOUS_VERSION_POLICIES,
    );
    check_enum(
        &mut d,
        "deletion_policy",
        m.deletion_policy.known(),
        &DELETION_POLICIES,
    );
    for (i, l) in m.replica_locations().iter().enumerate() {
        if let Err(e) = ids::check_location(l) {
            d.push(
                Diagnostic::error("Invalid replica location", e)
                    .at(AttributePath::attr("secret_replica_locations").index(i as i64)),
            );
        }
    }
    if let Some(labels) = m.secret_labels.known() {
        for (k, v) in labels {
            if let Err(e) = check_label(k, v) {
                d.push(
                    Diagnostic::error("Invalid secret label", e)
                        .at(AttributePath::attr("secret_labels").key(k)),
                );
            }
        }
    }
    if let Some(t) = m.timeouts.known() {
        for (name, text) in [
            ("create", &t.create),
            ("update", &t.update),
            ("delete", &t.delete),
        ] {
            if let Some(Err(e)) = text.known().map(|s| timeouts::parse_duration(s)) {
                d.push(
                    Diagnostic::error("Invalid timeout", e)
                        .at(AttributePath::attr("timeouts").then(name)),
                );
            }
        }
    }
    d
}

/// Project, location, repository and secret IDs, and their agreement.
fn check_ids(m: &Model, d: &mut Diagnostics) {
    if let Some(Err(e)) = m.project.known().map(|p| ids::check_project_id(p)) {
        d.attr_error("project", "Invalid project ID", e);
    }
    if let Some(Err(e)) = m.location.known().map(|l| ids::check_location(l)) {
        d.attr_error("location", "Invalid location", e);
    }
    if let Some(Err(e)) = m.secret_project.known().map(|p| ids::check_project_id(p)) {
        d.attr_error("secret_project", "Invalid project ID", e);
    }
    if let Some(Err(e)) = m.secret_id.known().map(|s| ids::check_secret_id(s)) {
        d.attr_error("secret_id", "Invalid secret ID", e);
    }
    match m.repository.known().map(|r| ids::parse_repository_arg(r)) {
        Some(Err(e)) => d.attr_error("repository", "Invalid repository", e),
        Some(Ok(RepositoryArg {
            project: Some(p),
            location: Some(l),
            ..
        })) => {
            if let Some(cp) = m.project.known().filter(|cp| **cp != p) {
                d.attr_error(
                    "repository",
                    "Repository project disagrees with `project`",
                    format!("`repository` names project {p:?} but `project` is {cp:?}. Remove one of them or make them agree."),
                );
            }
            if let Some(cl) = m.location.known().filter(|cl| **cl != l) {
                d.attr_error(
                    "repository",
                    "Repository location disagrees with `location`",
                    format!("`repository` names location {l:?} but `location` is {cl:?}. Make them agree."),
                );
            }
        }
        _ => {}
    }
}

/// Exactly one token argument, write-only support, emptiness, size (what the
/// token itself says is read at plan: [`super::token_facts`]).
fn check_token(m: &Model, write_only_allowed: Option<bool>, d: &mut Diagnostics) {
    let has_token = !m.token.is_null();
    let has_wo = !m.token_wo.is_null();
    match (has_token, has_wo) {
        (true, true) => d.attr_error(
            "token_wo",
            "Conflicting token arguments",
            "Set exactly one of `token` and `token_wo`, not both.",
        ),
        (false, false) => d.attr_error(
            "token",
            "Missing token",
            "Set exactly one of `token` (kept in state) and `token_wo` with `token_wo_version` (write-only, Terraform/OpenTofu 1.11+).",
        ),
        _ => {}
    }
    if has_wo && write_only_allowed != Some(true) {
        d.attr_error(
            "token_wo",
            "Write-only attributes are not supported by this Terraform version",
            "`token_wo` is write-only and needs Terraform 1.11 or later, or OpenTofu 1.11 or later; an older core would store it in state. Upgrade, or use `token` instead (it is marked sensitive but kept in state).",
        );
    }
    if has_wo && m.token_wo_version.is_null() {
        d.attr_error(
            "token_wo_version",
            "Missing token_wo_version",
            "`token_wo_version` is required with `token_wo`: Terraform never stores write-only values, so a change of this number is how a new token is noticed. Start at 1 and increment it to rotate.",
        );
    }
    if !has_wo && !m.token_wo_version.is_null() {
        d.attr_error(
            "token_wo_version",
            "token_wo_version without token_wo",
            "`token_wo_version` only applies together with `token_wo`.",
        );
    }
    if let Some(n) = m.token_wo_version.known() {
        if !is_whole(n) {
            d.attr_error(
                "token_wo_version",
                "Invalid token_wo_version",
                "Use a whole number such as 1, 2, 3.",
            );
        }
    }
    for (name, value) in [("token", m.token.known()), ("token_wo", m.token_wo.known())] {
        match value.map(|t| t.expose()) {
            // No attribute path: Terraform would quote the (literal) token there.
            Some(t) if t.len() > MAX_PAYLOAD_BYTES => d.push(Diagnostic::error(
                format!("Token too long (`{name}`)"),
                format!("`{name}` is {} bytes; Secret Manager stores at most {MAX_PAYLOAD_BYTES} bytes (64 KiB) in a secret version. A PyPI API token is a few hundred bytes: check that `{name}` holds only the token.", t.len()),
            )),
            Some("") => d.attr_error(name, "Empty token", format!("`{name}` must be a PyPI API token, not an empty string.")),
            _ => {}
        }
    }
}

/// Secret Manager's limit on a version's payload.
pub const MAX_PAYLOAD_BYTES: usize = 64 * 1024;

/// True for an integer-valued number.
fn is_whole(n: &Number) -> bool {
    !n.as_str().contains(['.', 'e', 'E'])
}

/// An enum attribute.
fn check_enum(d: &mut Diagnostics, name: &str, value: Option<&String>, allowed: &[&str]) {
    if let Some(v) = value {
        if !allowed.contains(&v.as_str()) {
            d.attr_error(
                name,
                format!("Invalid {name}"),
                format!("{v:?} is not one of {}.", allowed.join(", ")),
            );
        }
    }
}

/// Secret Manager label rules: keys 1-63 lowercase letters, digits, `_`, `-`
/// starting with a letter; values up to 63 of the same.
fn check_label(key: &str, value: &str) -> Result<(), String> {
    let ok_chars = |s: &str| {
        s.chars()
            .all(|c| c.is_lowercase() || c.is_ascii_digit() || c == '_' || c == '-')
    };
    let key_ok = (1..=63).contains(&key.chars().count())
        && key.starts_with(char::is_lowercase)
        && ok_chars(key);
    let value_ok = value.chars().count() <= 63 && ok_chars(value);
    if key_ok && value_ok {
        Ok(())
    } else {
        Err(format!(
            "Label {key:?} = {value:?}: keys need 1-63 lowercase letters, digits, `_` or `-` starting with a letter; values up to 63 of the same."
        ))
    }
}

/// The repository and secret a configuration names, once the values needed are known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    /// The repository.
    pub repo: RepositoryRef,
    /// The secret.
    pub secret: SecretRef,
}

/// The repository's project: `project`, else the project of a full
/// `repository` name, else the provider's. `None` while unknown.
pub fn resolve_repository(m: &Model, provider_project: Option<&str>) -> Option<RepositoryRef> {
    let arg = ids::parse_repository_arg(m.repository.known()?).ok()?;
    let project = match &m.project {
        crate::tfplugin::Attr::Known(p) => p.clone(),
        crate::tfplugin::Attr::Unknown => return None,
        crate::tfplugin::Attr::Null => arg
            .project
            .clone()
            .or_else(|| provider_project.map(str::to_string))?,
    };
    let location = m.location.known()?.clone();
    Some(RepositoryRef {
        project,
        location,
        id: arg.id,
    })
}

/// Repository and secret, when both are known.
pub fn resolve(m: &Model, provider_project: Option<&str>) -> Option<Resolved> {
    let repo = resolve_repository(m, provider_project)?;
    let secret_project = match &m.secret_project {
        crate::tfplugin::Attr::Known(p) => p.clone(),
        crate::tfplugin::Attr::Unknown => return None,
        crate::tfplugin::Attr::Null => repo.project.clone(),
    };
    let secret = SecretRef {
        project: secret_project,
        id: m.secret_id.known()?.clone(),
    };
    Some(Resolved { repo, secret })
}

#[cfg(test)]
mod payload_tests {
    use super::*;
    use crate::tfplugin::Attr;

    #[test]
    fn a_token_over_the_payload_limit_is_refused_on_its_attribute() {
        let m = Model {
            token: Attr::Known(super::super::model::Token::new(format!(
                "pypi-{}",
                "a".repeat(MAX_PAYLOAD_BYTES)
            ))),
            ..Model::default()
        };
        let mut d = Diagnostics::default();
        check_token(&m, Some(true), &mut d);
        assert!(d.has_errors());
        let shown = format!("{d:?}");
        assert!(
            shown.contains("64 KiB") && shown.contains("token"),
            "{shown}"
        );
        assert!(!shown.contains("aaaaaaaa"), "never echoes the token");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tfplugin::diag::PathStep;
    use crate::tfplugin::{Attr, Severity};

    fn base() -> Model {
        Model {
            location: Attr::Known("us".into()),
            repository: Attr::Known("pypi".into()),
            secret_id: Attr::Known("pypi-token".into()),
            token: Attr::Known("pypi-AgEIcHlwaS5vcmc".into()),
            ..Model::default()
        }
    }

    /// (severity, attribute) pairs of the diagnostics.
    fn findings(d: &Diagnostics) -> Vec<(Severity, String)> {
        d.0.iter()
            .map(|x| {
                (
                    x.severity,
                    x.attribute
                        .as_ref()
                        .map(ToString::to_string)
                        .unwrap_or_default(),
                )
            })
            .collect()
    }

    #[test]
    fn valid_config_passes() {
        assert_eq!(validate(&base(), Some(true)), Diagnostics::default());
    }

    #[test]
    fn unknowns_are_not_errors() {
        let m = Model {
            repository: Attr::Unknown,
            secret_id: Attr::Unknown,
            token: Attr::Unknown,
            ..base()
        };
        assert!(!validate(&m, None).has_errors());
    }

    #[test]
    fn malformed_ids_point_at_their_attribute() {
        let m = Model {
            project: Attr::Known("Bad_Project".into()),
            repository: Attr::Known("Not A Repo".into()),
            secret_id: Attr::Known("bad/secret".into()),
            ..base()
        };
        let f = findings(&validate(&m, Some(true)));
        for attr in ["project", "repository", "secret_id"] {
            assert!(
                f.contains(&(Severity::Error, attr.to_string())),
                "{attr}: {f:?}"
            );
        }
    }

    #[test]
    fn full_repository_name_must_agree() {
        let m = Model {
            project: Attr::Known("other-project".into()),
            repository: Attr::Known("projects/demo-project/locations/us/repositories/pypi".into()),
            ..base()
        };
        assert_eq!(
            findings(&validate(&m, Some(true))),
            vec![(Severity::Error, "repository".to_string())]
        );
        let ok = Model {
            project: Attr::Null,
            ..m
        };
        assert!(!validate(&ok, Some(true)).has_errors());
        let r = resolve(&ok, Some("provider-project")).expect("resolves");
        assert_eq!(
            r.repo.name(),
            "projects/demo-project/locations/us/repositories/pypi"
        );
        assert_eq!(r.secret.name(), "projects/demo-project/secrets/pypi-token");
    }

    #[test]
    fn token_rules() {
        let both = Model {
            token_wo: Attr::Known("pypi-x".into()),
            token_wo_version: Attr::Known(Number::from(1)),
            ..base()
        };
        assert_eq!(
            findings(&validate(&both, Some(true))),
            vec![(Severity::Error, "token_wo".to_string())]
        );
        let neither = Model {
            token: Attr::Null,
            ..base()
        };
        assert_eq!(
            findings(&validate(&neither, Some(true))),
            vec![(Severity::Error, "token".to_string())]
        );
        let empty = Model {
            token: Attr::Known(super::super::model::Token::new("")),
            ..base()
        };
        assert_eq!(
            findings(&validate(&empty, Some(true))),
            vec![(Severity::Error, "token".to_string())]
        );
        let wo_no_version = Model {
            token: Attr::Null,
            token_wo: Attr::Known("pypi-x".into()),
            ..base()
        };
        assert_eq!(
            findings(&validate(&wo_no_version, Some(true))),
            vec![(Severity::Error, "token_wo_version".to_string())]
        );
        let odd = Model {
            token: Attr::Known("ghp_secretvalue".into()),
            ..base()
        };
        // What the value itself says is judged at plan (token_facts.rs).
        assert!(findings(&validate(&odd, Some(true))).is_empty());
    }

    #[test]
    fn write_only_needs_the_capability() {
        let m = Model {
            token: Attr::Null,
            token_wo: Attr::Known("pypi-x".into()),
            token_wo_version: Attr::Known(Number::from(1)),
            ..base()
        };
        assert!(!validate(&m, Some(true)).has_errors());
        for cap in [None, Some(false)] {
            let d = validate(&m, cap);
            assert_eq!(
                findings(&d),
                vec![(Severity::Error, "token_wo".to_string())]
            );
            assert!(d.0[0].detail.contains("1.11") && d.0[0].detail.contains("`token`"));
        }
    }

    #[test]
    fn enums_username_labels_timeouts() {
        let m = Model {
            username: Attr::Known(String::new()),
            previous_version_policy: Attr::Known("disable".into()),
            deletion_policy: Attr::Known("KEEP".into()),
            secret_labels: Attr::Known([("Team".to_string(), "x".to_string())].into()),
            timeouts: Attr::Known(super::super::model::Timeouts {
                create: Attr::Known("soon".into()),
                ..Default::default()
            }),
            ..base()
        };
        let d = validate(&m, Some(true));
        let f = findings(&d);
        for attr in [
            "username",
            "previous_version_policy",
            "deletion_policy",
            "secret_labels[\"Team\"]",
            "timeouts.create",
        ] {
            assert!(
                f.contains(&(Severity::Error, attr.to_string())),
                "{attr}: {f:?}"
            );
        }
        let path =
            d.0.iter()
                .find_map(|x| x.attribute.clone().filter(|p| p.0.len() == 2))
                .expect("nested path");
        assert!(matches!(path.0[0], PathStep::Attribute(_)));
    }
}
