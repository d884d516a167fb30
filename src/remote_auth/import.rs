//! ImportResourceState: from an ID (`projects/P/locations/L/repositories/R`,
//! `P/L/R`, `L/R`) or an identity. The state holds only the repository;
//! the following Read fills the rest from the repository's credentials.

use crate::tfplugin::provider::ImportResponse;
use crate::tfplugin::{Diagnostic, Value};

use super::ids::{self, RepositoryRef};
use super::model::{self, Model};

/// Starts an import.
pub fn import(
    id: &str,
    identity: Option<&Value>,
    provider_project: Option<&str>,
) -> ImportResponse {
    let repo = match identity.filter(|i| !i.is_null()) {
        Some(identity) => from_identity(identity),
        None => ids::parse_import_id(id, provider_project)
            .map_err(|e| Diagnostic::error("Invalid import ID", e)),
    };
    match repo {
        Ok(repo) => ImportResponse {
            state: Model::for_repository(&repo).to_value(),
            private: Vec::new(),
            identity: Some(model::identity(&repo)),
            ..ImportResponse::default()
        },
        Err(d) => ImportResponse {
            diagnostics: d.into(),
            ..ImportResponse::default()
        },
    }
}

/// Reads and checks an identity object.
fn from_identity(identity: &Value) -> Result<RepositoryRef, Diagnostic> {
    let get = |name: &str| {
        identity.attr(name).as_str().filter(|s| !s.is_empty()).map(str::to_string).ok_or_else(|| {
            Diagnostic::error("Incomplete identity", format!("The identity needs `project`, `location` and `repository`; `{name}` is missing."))
        })
    };
    let repo = RepositoryRef {
        project: get("project")?,
        location: get("location")?,
        id: get("repository")?,
    };
    ids::check_project_id(&repo.project)
        .and_then(|_| ids::check_location(&repo.location))
        .and_then(|_| ids::check_repository_id(&repo.id))
        .map_err(|e| Diagnostic::error("Invalid identity", e))?;
    Ok(repo)
}

#[cfg(test)]
mod tests {
    use super::super::model::tests::set;
    use super::*;

    #[test]
    fn id_forms_and_identity() {
        for id in [
            "projects/demo-project/locations/us/repositories/pypi",
            "demo-project/us/pypi",
            "us/pypi",
        ] {
            let r = import(id, None, Some("demo-project"));
            assert!(r.diagnostics.0.is_empty(), "{id}: {:?}", r.diagnostics);
            assert_eq!(
                r.state.attr("id"),
                &Value::String("projects/demo-project/locations/us/repositories/pypi".into())
            );
            assert_eq!(r.state.attr("repository"), &Value::String("pypi".into()));
            assert!(r.state.attr("secret_id").is_null());
        }
        let bad = import("pypi", None, Some("demo-project"));
        assert!(
            bad.diagnostics.has_errors()
                && bad.diagnostics.0[0].detail.contains("LOCATION/REPOSITORY")
        );
        let repo = RepositoryRef {
            project: "demo-project".into(),
            location: "us".into(),
            id: "pypi".into(),
        };
        let by_identity = import("", Some(&model::identity(&repo)), None);
        assert_eq!(by_identity.identity, Some(model::identity(&repo)));
        let mut partial = model::identity(&repo);
        set(&mut partial, "location", Value::Null);
        assert!(import("", Some(&partial), None).diagnostics.has_errors());
    }
}
