//! Google resource names and IDs: what a well-formed project, location,
//! repository, secret and secret version look like, and how the forms users
//! write (short IDs, full names, import IDs) map onto one another.

/// Why an ID was refused; the text is shown to the user as a diagnostic detail.
pub type IdError = String;

/// A project ID: 6-30 characters of lowercase letters, digits and hyphens,
/// starting with a letter and not ending with a hyphen. Legacy domain-scoped
/// IDs (`example.com:my-project`) are accepted because Google still serves them.
pub fn check_project_id(value: &str) -> Result<(), IdError> {
    let id = match value.rsplit_once(':') {
        Some((domain, id))
            if !domain.is_empty()
                && domain.chars().all(|c| {
                    c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '-'
                }) =>
        {
            id
        }
        Some(_) => {
            return Err(format!(
                "{value:?} is not a valid project ID: the domain prefix before ':' is malformed."
            ))
        }
        None => value,
    };
    let ok_len = (6..=30).contains(&id.len());
    let ok_start = id.starts_with(|c: char| c.is_ascii_lowercase());
    let ok_chars = id
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    let ok_end = !id.ends_with('-');
    if ok_len && ok_start && ok_chars && ok_end {
        Ok(())
    } else {
        Err(format!(
            "{value:?} is not a valid project ID: use 6 to 30 lowercase letters, digits and hyphens, starting with a letter and not ending with a hyphen."
        ))
    }
}

/// A location such as `us-central1`, `europe` or `us`.
pub fn check_location(value: &str) -> Result<(), IdError> {
    if is_lower_dns_label(value) {
        Ok(())
    } else {
        Err(format!("{value:?} is not a valid location: use a region or multi-region name such as \"us-central1\" or \"europe\"."))
    }
}

/// A repository ID: up to 63 lowercase letters, digits and hyphens, starting
/// with a letter and ending with a letter or digit.
pub fn check_repository_id(value: &str) -> Result<(), IdError> {
    if is_lower_dns_label(value) {
        Ok(())
    } else {
        Err(format!(
            "{value:?} is not a valid repository ID: use up to 63 lowercase letters, digits and hyphens, starting with a letter and ending with a letter or digit, or the full name projects/PROJECT/locations/LOCATION/repositories/REPOSITORY."
        ))
    }
}

/// A secret ID: 1-255 letters, digits, hyphens and underscores.
pub fn check_secret_id(value: &str) -> Result<(), IdError> {
    let ok = (1..=255).contains(&value.len())
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if ok {
        Ok(())
    } else {
        Err(format!("{value:?} is not a valid secret ID: use 1 to 255 letters, digits, hyphens (-) and underscores (_)."))
    }
}

/// `^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$`: the shape Artifact Registry uses for
/// repository IDs and locations.
fn is_lower_dns_label(value: &str) -> bool {
    let ok_len = (1..=63).contains(&value.len());
    let ok_start = value.starts_with(|c: char| c.is_ascii_lowercase());
    let ok_chars = value
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    let ok_end = !value.ends_with('-');
    ok_len && ok_start && ok_chars && ok_end
}

/// A `repository` argument: either a bare ID or a full resource name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepositoryArg {
    /// Project named by a full resource name; `None` for a bare ID.
    pub project: Option<String>,
    /// Location named by a full resource name; `None` for a bare ID.
    pub location: Option<String>,
    /// The repository ID.
    pub id: String,
}

/// Parses and checks a `repository` argument.
pub fn parse_repository_arg(value: &str) -> Result<RepositoryArg, IdError> {
    if !value.contains('/') {
        check_repository_id(value)?;
        return Ok(RepositoryArg {
            project: None,
            location: None,
            id: value.to_string(),
        });
    }
    let parts: Vec<&str> = value.split('/').collect();
    match parts.as_slice() {
        ["projects", p, "locations", l, "repositories", r] => {
            check_project_id(p)?;
            check_location(l)?;
            check_repository_id(r)?;
            Ok(RepositoryArg { project: Some((*p).to_string()), location: Some((*l).to_string()), id: (*r).to_string() })
        }
        _ => Err(format!(
            "{value:?} is not a repository ID or a full repository name: expected \"REPOSITORY\" or \"projects/PROJECT/locations/LOCATION/repositories/REPOSITORY\"."
        )),
    }
}

/// The repository a resource manages, fully resolved.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RepositoryRef {
    /// Project ID of the repository.
    pub project: String,
    /// Location of the repository.
    pub location: String,
    /// Repository ID.
    pub id: String,
}

impl RepositoryRef {
    /// `projects/P/locations/L/repositories/R`: the resource's `id` and the API name.
    pub fn name(&self) -> String {
        format!(
            "projects/{}/locations/{}/repositories/{}",
            self.project, self.location, self.id
        )
    }
}

/// A secret, by project (ID or number) and secret ID.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SecretRef {
    /// Project ID (or number, when read back from Google).
    pub project: String,
    /// Secret ID.
    pub id: String,
}

impl SecretRef {
    /// `projects/P/secrets/S`.
    pub fn name(&self) -> String {
        format!("projects/{}/secrets/{}", self.project, self.id)
    }
    /// `projects/P/secrets/S/versions/N`.
    pub fn version_name(&self, version: &str) -> String {
        format!("{}/versions/{version}", self.name())
    }
}

/// A parsed `projects/P/secrets/S/versions/V`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionRef {
    /// The secret the version belongs to.
    pub secret: SecretRef,
    /// Version number (or alias such as `latest`).
    pub version: String,
}

/// Parses a secret version name; `None` when it is not one.
pub fn parse_version_name(name: &str) -> Option<VersionRef> {
    let parts: Vec<&str> = name.split('/').collect();
    match parts.as_slice() {
        ["projects", p, "secrets", s, "versions", v]
            if !p.is_empty() && !s.is_empty() && !v.is_empty() =>
        {
            Some(VersionRef {
                secret: SecretRef {
                    project: (*p).to_string(),
                    id: (*s).to_string(),
                },
                version: (*v).to_string(),
            })
        }
        _ => None,
    }
}

/// Parses a secret name `projects/P/secrets/S`; `None` when it is not one.
pub fn parse_secret_name(name: &str) -> Option<SecretRef> {
    match name.split('/').collect::<Vec<_>>().as_slice() {
        ["projects", p, "secrets", s] if !p.is_empty() && !s.is_empty() => Some(SecretRef {
            project: (*p).to_string(),
            id: (*s).to_string(),
        }),
        _ => None,
    }
}

/// The forms `terraform import` accepts, for error messages.
pub const IMPORT_FORMATS: &str =
    "projects/PROJECT/locations/LOCATION/repositories/REPOSITORY, PROJECT/LOCATION/REPOSITORY, or LOCATION/REPOSITORY (with the provider's project)";

/// Parses an import ID; `default_project` serves the `L/R` form.
pub fn parse_import_id(id: &str, default_project: Option<&str>) -> Result<RepositoryRef, IdError> {
    let parts: Vec<&str> = id.split('/').collect();
    let (project, location, repo) = match parts.as_slice() {
        ["projects", p, "locations", l, "repositories", r] => ((*p).to_string(), *l, *r),
        [p, l, r] => ((*p).to_string(), *l, *r),
        [l, r] => match default_project {
            Some(p) => (p.to_string(), *l, *r),
            None => {
                return Err(format!(
                    "Import ID {id:?} has no project and the provider has no `project` configured. Use one of: {IMPORT_FORMATS}."
                ))
            }
        },
        _ => return Err(format!("Import ID {id:?} is not in a supported form. Use one of: {IMPORT_FORMATS}.")),
    };
    check_project_id(&project)?;
    check_location(location)?;
    check_repository_id(repo)?;
    Ok(RepositoryRef {
        project,
        location: location.to_string(),
        id: repo.to_string(),
    })
}

/// True for a project number (all digits), as Google answers in resource names.
pub fn is_project_number(value: &str) -> bool {
    !value.is_empty() && value.chars().all(|c| c.is_ascii_digit())
}

/// The Artifact Registry service agent of a project.
pub fn service_agent_email(project_number: &str) -> String {
    format!("service-{project_number}@gcp-sa-artifactregistry.iam.gserviceaccount.com")
}

/// The IAM member string of the service agent.
pub fn service_agent_member(email: &str) -> String {
    format!("serviceAccount:{email}")
}

/// The role Google's guide grants the service agent on the secret.
pub const ACCESSOR_ROLE: &str = "roles/secretmanager.secretAccessor";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn project_ids() {
        assert!(check_project_id("demo-project").is_ok());
        assert!(check_project_id("example.com:my-project").is_ok());
        assert!(check_project_id("short").is_err());
        assert!(check_project_id("Demo-project").is_err());
        assert!(check_project_id("1demo-project").is_err());
        assert!(check_project_id("demo-project-").is_err());
        assert!(check_project_id("demo_project").is_err());
        assert!(check_project_id(&"a".repeat(31)).is_err());
    }

    #[test]
    fn repository_and_location_ids() {
        assert!(check_repository_id("pypi-remote").is_ok());
        assert!(check_repository_id("Pypi").is_err());
        assert!(check_repository_id("pypi-").is_err());
        assert!(check_repository_id("").is_err());
        assert!(check_location("us-central1").is_ok());
        assert!(check_location("US").is_err());
    }

    #[test]
    fn secret_ids() {
        assert!(check_secret_id("pypi_token-1").is_ok());
        assert!(check_secret_id(&"a".repeat(255)).is_ok());
        assert!(check_secret_id(&"a".repeat(256)).is_err());
        assert!(check_secret_id("").is_err());
        assert!(check_secret_id("a.b").is_err());
    }

    #[test]
    fn repository_args() {
        assert_eq!(parse_repository_arg("pypi").map(|r| r.project), Ok(None));
        let full = parse_repository_arg("projects/demo-project/locations/us/repositories/pypi");
        assert_eq!(
            full,
            Ok(RepositoryArg {
                project: Some("demo-project".into()),
                location: Some("us".into()),
                id: "pypi".into()
            })
        );
        assert!(parse_repository_arg("projects/demo-project/repositories/pypi").is_err());
        assert!(
            parse_repository_arg("projects/demo-project/locations/us/repositories/Bad").is_err()
        );
    }

    #[test]
    fn import_ids() {
        let want = RepositoryRef {
            project: "demo-project".into(),
            location: "us".into(),
            id: "pypi".into(),
        };
        assert_eq!(
            parse_import_id("projects/demo-project/locations/us/repositories/pypi", None),
            Ok(want.clone())
        );
        assert_eq!(
            parse_import_id("demo-project/us/pypi", None),
            Ok(want.clone())
        );
        assert_eq!(
            parse_import_id("us/pypi", Some("demo-project")),
            Ok(want.clone())
        );
        let no_project = parse_import_id("us/pypi", None).unwrap_err();
        assert!(no_project.contains("LOCATION/REPOSITORY"), "{no_project}");
        let bad = parse_import_id("pypi", Some("demo-project")).unwrap_err();
        assert!(bad.contains("PROJECT/LOCATION/REPOSITORY"), "{bad}");
        assert_eq!(
            want.name(),
            "projects/demo-project/locations/us/repositories/pypi"
        );
    }

    #[test]
    fn version_names() {
        let v = parse_version_name("projects/123/secrets/tok/versions/4").expect("parses");
        assert_eq!(
            v.secret,
            SecretRef {
                project: "123".into(),
                id: "tok".into()
            }
        );
        assert_eq!(v.version, "4");
        assert_eq!(parse_version_name("projects/123/secrets/tok"), None);
        assert!(is_project_number("123"));
        assert!(!is_project_number("demo-project"));
    }
}
