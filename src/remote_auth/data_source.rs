//! The `pypi_remote_auth` data source: reads how a PyPI remote repository
//! authenticates to its upstream (username, secret version in use, whether
//! the Artifact Registry service agent may read the secret), whoever set it
//! up. It reads metadata and IAM policy only, never the token itself.

use std::time::Duration;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use super::errors::{api_error, Step};
use super::ids::{self, RepositoryRef};
use super::instance::Instance;
use super::model::object_of;
use super::read;
use super::steps::{version_number, Env};
use crate::provider::handle::ProviderHandle;
use crate::tfplugin::schema::StringKind;
use crate::tfplugin::typed::{self, Attr};
use crate::tfplugin::{
    Attribute, AttributePath, Block, CallContext, DataSource, Diagnostic, Diagnostics, Presence,
    Schema, Type, Value,
};

/// How long one read may take.
const READ_TIMEOUT: Duration = Duration::from_secs(5 * 60);

/// All attributes of the data source, named as in the schema: the
/// arguments as configured, and what `read_into` fills.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct DataModel {
    /// The repository's full name.
    pub id: Attr<String>,
    /// Project of the repository; see [`resolve`] for the defaults.
    pub project: Attr<String>,
    /// Location of the repository.
    pub location: Attr<String>,
    /// Repository ID or full name.
    pub repository: Attr<String>,
    /// Username sent to the upstream.
    pub username: Attr<String>,
    /// Project ID of the secret holding the token.
    pub secret_project: Attr<String>,
    /// ID of the secret holding the token.
    pub secret_id: Attr<String>,
    /// Full name of the secret version in use.
    pub secret_version: Attr<String>,
    /// State of the version in use.
    pub secret_version_state: Attr<String>,
    /// Email of the repository project's Artifact Registry service agent.
    pub service_agent: Attr<String>,
    /// Number of the repository's project.
    pub project_number: Attr<String>,
    /// Whether the service agent may read the secret.
    pub service_agent_has_access: Attr<bool>,
}

impl DataModel {
    /// Decodes the configuration (anything but an object reads as all-null).
    fn from_value(v: &Value) -> Result<DataModel, Diagnostic> {
        typed::from_object_or_default(v)
            .map_err(|e| e.into_bug_diagnostic("Unexpected configuration"))
    }
}

/// The `pypi_remote_auth` data source type.
pub struct RemoteAuthData {
    /// The configuration handle and the caches.
    instance: Instance,
}

impl RemoteAuthData {
    /// A data source bound to the provider's configuration handle.
    pub fn new(handle: ProviderHandle) -> RemoteAuthData {
        RemoteAuthData {
            instance: Instance::new(handle),
        }
    }
}

/// The data source schema.
pub fn schema() -> Schema {
    let computed = |name: &str, description: &str| {
        Attribute::new(name, Type::String, Presence::Computed, description)
    };
    Schema {
        version: 0,
        block: Block {
            description: "Reads the upstream authentication of an Artifact Registry PyPI remote repository, however it was configured: the username, the Secret Manager version in use and its state, and whether the repository project's Artifact Registry service agent holds `roles/secretmanager.secretAccessor` on the secret. Reads metadata and IAM policy only, never the token. A repository without upstream credentials reads with the secret attributes null.".into(),
            description_kind: StringKind::Markdown,
            attributes: vec![
                computed("id", "The repository's full name, `projects/PROJECT/locations/LOCATION/repositories/REPOSITORY`."),
                Attribute::new("project", Type::String, Presence::OptionalComputed, "Project ID of the repository. Defaults to the project in a full `repository` name, else the provider's `project`."),
                Attribute::new("location", Type::String, Presence::Required, "Location of the repository, e.g. `us-central1` or `europe`."),
                Attribute::new("repository", Type::String, Presence::Required, "The PyPI remote repository (`mode = REMOTE_REPOSITORY`, `format = PYTHON`): its ID, or its full name `projects/PROJECT/locations/LOCATION/repositories/REPOSITORY`."),
                computed("username", "Username sent to the upstream, e.g. `__token__`; null without credentials."),
                computed("secret_project", "Project ID of the secret holding the token; null without credentials."),
                computed("secret_id", "ID of the secret holding the token; null without credentials."),
                computed("secret_version", "Full name of the secret version in use, `projects/PROJECT/secrets/SECRET/versions/N`, as Artifact Registry reports it; null without credentials."),
                computed("secret_version_state", "State of the version in use: `ENABLED`, `DISABLED` or `DESTROYED`; null without credentials or when the version does not exist."),
                computed("service_agent", "Email of the repository project's Artifact Registry service agent."),
                computed("project_number", "Number of the repository's project."),
                Attribute::new("service_agent_has_access", Type::Bool, Presence::Computed, "True when the service agent holds `roles/secretmanager.secretAccessor` on the secret through an unconditional binding of the secret's own policy, as Google's guide sets it up; false without credentials."),
            ],
            ..Block::default()
        },
    }
}

/// The repository the configuration names: project from `project`, else
/// the full `repository` name, else the provider. `Ok(None)` while unknown.
pub fn resolve(
    c: &DataModel,
    provider_project: Option<&str>,
) -> Result<Option<RepositoryRef>, Diagnostics> {
    let mut d = Diagnostics::default();
    let (Some(repository), Some(location)) = (c.repository.known(), c.location.known()) else {
        return Ok(None);
    };
    let arg = match ids::parse_repository_arg(repository) {
        Ok(arg) => arg,
        Err(e) => {
            d.attr_error("repository", "Invalid repository", e);
            return Err(d);
        }
    };
    if let Err(e) = ids::check_location(location) {
        d.attr_error("location", "Invalid location", e);
    }
    if arg.location.as_ref().is_some_and(|l| l != location) {
        d.attr_error(
            "repository",
            "Conflicting location",
            format!("The full repository name says location {:?} but `location` is {location:?}; they must agree.", arg.location.as_deref().unwrap_or_default()),
        );
    }
    let project = match &c.project {
        Attr::Unknown => return Ok(None),
        Attr::Known(p) => {
            if arg.project.as_ref().is_some_and(|ap| ap != p) {
                d.attr_error("repository", "Conflicting project", format!("The full repository name says project {:?} but `project` is {p:?}; they must agree.", arg.project.as_deref().unwrap_or_default()));
            }
            Some(p.clone())
        }
        Attr::Null => arg
            .project
            .clone()
            .or_else(|| provider_project.map(str::to_string)),
    };
    match &project {
        None => d.attr_error(
            "project",
            "Missing project",
            "Set `project`, use a full `repository` name, or set `project` in the provider block.",
        ),
        Some(p) => {
            if let Err(e) = ids::check_project_id(p) {
                d.attr_error("project", "Invalid project ID", e);
            }
        }
    }
    match project {
        Some(project) if !d.has_errors() => Ok(Some(RepositoryRef {
            project,
            location: location.clone(),
            id: arg.id,
        })),
        _ => Err(d),
    }
}

/// Reads everything for `repo` into `state`; warnings come back, errors as `Err`.
async fn read_into(
    env: &Env<'_>,
    repo: &RepositoryRef,
    state: &mut DataModel,
) -> Result<Diagnostics, Diagnostic> {
    let name = repo.name();
    let at_repository = |d: Diagnostic| d.at(AttributePath::attr("repository"));
    let repository = env
        .get_repository(&name)
        .await
        .map_err(at_repository)?
        .ok_or_else(|| {
            at_repository(Diagnostic::error(
                "Repository not found",
                format!("{name} does not exist, or the caller cannot see it."),
            ))
        })?;
    if !read::is_pypi_remote(&repository) {
        return Err(at_repository(Diagnostic::error(
            "Not a PyPI remote repository",
            format!("{name} has mode {:?} and format {:?}; pypi_remote_auth reads REMOTE_REPOSITORY repositories of format PYTHON.", repository.mode, repository.format),
        )));
    }
    let number = env.project_number(&repo.project).await?;
    let agent = ids::service_agent_email(&number);
    // The arguments as configured, the secret attributes null until the
    // credentials are read below.
    *state = DataModel {
        id: Attr::Known(name.clone()),
        project: Attr::Known(repo.project.clone()),
        project_number: Attr::Known(number.clone()),
        service_agent: Attr::Known(agent.clone()),
        service_agent_has_access: Attr::Known(false),
        location: state.location.clone(),
        repository: state.repository.clone(),
        ..DataModel::default()
    };
    let Some(creds) = repository
        .credentials()
        .filter(|c| !c.password_secret_version.is_empty())
    else {
        return Ok(Diagnostics::default());
    };
    let Some(version) = ids::parse_version_name(&creds.password_secret_version) else {
        return Err(at_repository(Diagnostic::error(
            "Unexpected credentials",
            format!("{name} uses the password secret version {:?}, which is not a Secret Manager version name.", creds.password_secret_version),
        )));
    };
    let secret_project = read::secret_project_id(env, &version.secret.project, repo, &number).await;
    state.username = Attr::Known(creds.username.clone());
    state.secret_project = Attr::Known(secret_project);
    state.secret_id = Attr::Known(version.secret.id.clone());
    state.secret_version = Attr::Known(creds.password_secret_version.clone());
    let secret_name = version.secret.name();
    // Shared with every other read of this run that uses the secret.
    let (versions, policy) = tokio::join!(
        env.shared_versions(&secret_name),
        env.shared_policy(&secret_name),
    );
    let version_meta = versions.map(|all| {
        all.iter()
            .find(|v| version_number(&v.name).as_deref() == Some(version.version.as_str()))
            .cloned()
    });
    let mut warnings = Diagnostics::default();
    match version_meta {
        Ok(Some(v)) => state.secret_version_state = Attr::Known(v.state),
        Ok(None) => warnings.push(missing_version(&name, &creds.password_secret_version)),
        Err(e) if e.is_not_found() => {
            warnings.push(missing_version(&name, &creds.password_secret_version))
        }
        Err(e) => {
            return Err(api_error(
                Step::Version,
                "read the secret version",
                &creds.password_secret_version,
                &e,
            ))
        }
    }
    let member = ids::service_agent_member(&agent);
    match policy {
        Ok(p) => {
            state.service_agent_has_access = Attr::Known(p.has_member(ids::ACCESSOR_ROLE, &member));
        }
        Err(e) if e.is_not_found() => {}
        Err(e) => {
            return Err(api_error(
                Step::SecretPolicy,
                "read the secret's IAM policy",
                &secret_name,
                &e,
            ))
        }
    }
    Ok(warnings)
}

#[async_trait]
impl DataSource for RemoteAuthData {
    fn schema(&self) -> Schema {
        schema()
    }

    async fn validate(&self, _ctx: &CallContext, config: Value) -> Diagnostics {
        let c = match DataModel::from_value(&config) {
            Ok(c) => c,
            Err(d) => return d.into(),
        };
        // The provider's project is not known yet: only check what is written here.
        let placeholder = Some("placeholder-project");
        match resolve(&c, placeholder) {
            Ok(_) => Diagnostics::default(),
            Err(d) => d,
        }
    }

    async fn read(&self, ctx: &CallContext, config: Value) -> (Value, Diagnostics) {
        let c = match DataModel::from_value(&config) {
            Ok(c) => c,
            Err(d) => return (config, d.into()),
        };
        let configured = match self.instance.configured() {
            Ok(configured) => configured,
            Err(d) => return (config, d.into()),
        };
        let repo = match resolve(&c, configured.project.as_deref()) {
            Ok(Some(repo)) => repo,
            Ok(None) => {
                let d = Diagnostic::error("Unknown configuration", "The data source was read with values not known yet. This is a bug in Terraform or the provider.");
                return (config, d.into());
            }
            Err(d) => return (config, d),
        };
        let env = self.instance.env(&configured, ctx, READ_TIMEOUT);
        let mut state = c;
        match read_into(&env, &repo, &mut state).await {
            Ok(warnings) => (object_of(&state), warnings),
            Err(d) => (config, d.into()),
        }
    }
}

/// The warning for credentials naming a version that does not exist.
fn missing_version(name: &str, version: &str) -> Diagnostic {
    Diagnostic::warning(
        "Secret version in use does not exist",
        format!("{name} uses {version}, which does not exist (or its secret was deleted): the repository cannot authenticate to its upstream."),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_state_has_exactly_the_schema_attributes() {
        let Value::Object(state) = object_of(&DataModel::default()) else {
            panic!("an object")
        };
        let mut want: Vec<String> = schema()
            .block
            .attributes
            .into_iter()
            .map(|a| a.name)
            .collect();
        want.sort_unstable();
        assert_eq!(state.into_keys().collect::<Vec<_>>(), want);
    }
}
