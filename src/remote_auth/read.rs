//! ReadResource: refreshes state from the repository, the version in use and
//! the secret's policy (fetched concurrently), records drift in private state
//! for Plan to act on, and fills an imported state from the repository.

use crate::google::artifactregistry::{Repository, UsernamePasswordCredentials};
use crate::tfplugin::provider::ReadResponse;
use crate::tfplugin::{Attr, Diagnostic, Diagnostics, Value};

use super::ids::{self, RepositoryRef};
use super::model::{self, Defaults, Model};
use super::private::{same_version_tail, Drift, Private};
use super::steps::{version_number, Env};
use super::validate;

/// Refreshes `current`.
pub async fn read(
    env: &Env<'_>,
    current: &Value,
    private_bytes: &[u8],
    provider_project: Option<&str>,
) -> ReadResponse {
    let mut resp = ReadResponse {
        new_state: current.clone(),
        private: private_bytes.to_vec(),
        ..ReadResponse::default()
    };
    let m = match Model::from_value(current) {
        Ok(m) => m,
        Err(e) => {
            resp.diagnostics.error(
                "Unexpected state",
                format!("{e}. This is a bug in the provider."),
            );
            return resp;
        }
    };
    let Some(repo) = validate::resolve_repository(&m, provider_project) else {
        resp.diagnostics.error("Incomplete state", "The state lacks the repository's project, location or ID. Remove the resource from state and import it again.");
        return resp;
    };
    resp.new_identity = Some(model::identity(&repo));
    let mut private = Private::decode(private_bytes);
    let mut state = m.clone();
    let refreshed = refresh(env, &m, &repo, &mut private, &mut state).await;
    resp.new_state = state.to_value();
    match refreshed {
        Ok(Some(warnings)) => {
            resp.private = private.encode();
            resp.diagnostics.extend(warnings);
        }
        Ok(None) => {
            resp.new_state = Value::Null;
            resp.new_identity = None;
        }
        Err(d) => resp.diagnostics.push(d),
    }
    resp
}

/// Updates `state` in place; `Ok(None)` means the remote object is gone.
async fn refresh(
    env: &Env<'_>,
    m: &Model,
    repo: &RepositoryRef,
    private: &mut Private,
    state: &mut Model,
) -> Result<Option<Diagnostics>, Diagnostic> {
    let name = repo.name();
    state.id = Attr::Known(name.clone());
    if m.secret_id.is_null() {
        return fill_import(env, repo, state).await;
    }
    let secret = match validate::resolve(m, None) {
        Some(r) => r.secret,
        None => return Ok(Some(Diagnostics::default())),
    };
    let ours = private
        .version
        .clone()
        .or_else(|| m.secret_version.known().cloned());
    // The secret's versions and policy are the same for every resource
    // using it: one request each per run, shared (see `shared`).
    let secret_name = secret.name();
    let (repository, versions, policy) = tokio::join!(
        env.get_repository(&name),
        env.shared_versions(&secret_name),
        env.shared_policy(&secret_name),
    );
    let Some(repository) = repository? else {
        return Ok(None);
    };
    let creds = repository
        .credentials()
        .filter(|c| !c.password_secret_version.is_empty());
    let Some(creds) = creds else {
        // A failed create never set credentials: keep it so destroy cleans
        // up. Credentials removed since (by hand, or by a destroy that was
        // killed after clearing them) are drift, not a vanished resource:
        // the secret, its versions and the grant this resource made still
        // exist, and dropping the resource from state would leak them.
        if private.version.is_some() || ours.is_some() {
            private.drift.clear();
            private.note(Drift::CredentialsCleared);
            state.secret_version = Attr::Null;
            return Ok(Some(drift_warning(&name, private)));
        }
        return Ok(Some(Diagnostics::default()));
    };
    private.drift.clear();
    if private.has_pending_work() {
        private.note(Drift::CleanupPending);
    }
    if let Some(v) = &ours {
        if !same_version_tail(&creds.password_secret_version, v)
            || !super::release::points_at(env, &creds.password_secret_version, &secret).await
        {
            private.note(Drift::CredentialsElsewhere);
            state.secret_version = Attr::Known(creds.password_secret_version.clone());
        }
    }
    if m.username.known().is_some_and(|u| *u != creds.username) {
        private.note(Drift::UsernameChanged);
        state.username = Attr::Known(creds.username.clone());
    }
    match versions {
        Ok(versions) => {
            // The version this resource uses, or (not knowing it) the newest.
            let in_use = match ours.as_deref().and_then(version_number) {
                Some(n) => versions
                    .iter()
                    .find(|v| version_number(&v.name).as_deref() == Some(n.as_str())),
                None => versions
                    .iter()
                    .max_by_key(|v| version_number(&v.name).and_then(|n| n.parse::<u64>().ok())),
            };
            match in_use {
                Some(v) if v.state == "ENABLED" => {}
                Some(_) => private.note(Drift::VersionNotEnabled),
                None => private.note(Drift::SecretMissing),
            }
        }
        Err(e) if e.is_not_found() => private.note(Drift::SecretMissing),
        Err(e) => {
            tracing::debug!(error = %e, "could not list the secret's versions; drift of the version is not checked")
        }
    }
    let member = m
        .service_agent
        .known()
        .map(|a| ids::service_agent_member(a));
    match (policy, member) {
        (Ok(p), Some(member)) if !p.has_member(ids::ACCESSOR_ROLE, &member) => {
            private.note(Drift::BindingMissing)
        }
        (Err(e), _) if e.is_not_found() => private.note(Drift::SecretMissing),
        (Err(e), _) => {
            tracing::debug!(error = %e, "could not read the secret's policy; drift of the binding is not checked")
        }
        _ => {}
    }
    Ok(Some(drift_warning(&name, private)))
}

/// The warning listing the drift Read found (none when there is none).
fn drift_warning(name: &str, private: &Private) -> Diagnostics {
    let mut warnings = Diagnostics::default();
    if !private.drift.is_empty() {
        let list: Vec<&str> = private.drift.iter().map(|d| d.describe()).collect();
        warnings.push(Diagnostic::warning(
            "Out-of-band changes to the PyPI upstream authentication",
            format!("{name}: {}. The next apply repairs this.", list.join("; ")),
        ));
    }
    warnings
}

/// Fills an imported state (project, location, repository and id only) from
/// the repository's credentials.
async fn fill_import(
    env: &Env<'_>,
    repo: &RepositoryRef,
    state: &mut Model,
) -> Result<Option<Diagnostics>, Diagnostic> {
    let Some(repository) = env.get_repository(&repo.name()).await? else {
        return Ok(None);
    };
    fill_from_repository(env, repo, &repository, state).await
}

/// True for a repository `pypi_remote_auth` can manage: a remote repository of format PYTHON.
pub fn is_pypi_remote(repository: &Repository) -> bool {
    repository.mode == "REMOTE_REPOSITORY" && repository.format == "PYTHON"
}

/// Fills a state as an import's Read does, from a repository already read
/// (the list resource reads many at once). `Ok(None)` when the repository
/// has no upstream credentials.
pub async fn fill_from_repository(
    env: &Env<'_>,
    repo: &RepositoryRef,
    repository: &Repository,
    state: &mut Model,
) -> Result<Option<Diagnostics>, Diagnostic> {
    if !is_pypi_remote(repository) {
        return Err(Diagnostic::error(
            "Not a PyPI remote repository",
            format!("{} has mode {:?} and format {:?}; pypi_remote_auth manages REMOTE_REPOSITORY repositories of format PYTHON.", repo.name(), repository.mode, repository.format),
        ));
    }
    let Some(creds) = repository
        .credentials()
        .filter(|c| !c.password_secret_version.is_empty())
        .cloned()
    else {
        return Ok(None);
    };
    let Some(parsed) = ids::parse_version_name(&creds.password_secret_version) else {
        return Err(Diagnostic::error(
            "Unexpected credentials",
            format!("{} uses the password secret version {:?}, which is not a Secret Manager version name.", repo.name(), creds.password_secret_version),
        ));
    };
    let number = env.project_number(&repo.project).await?;
    let secret_project = secret_project_id(env, &parsed.secret.project, repo, &number).await;
    fill(
        state,
        repo,
        &creds,
        &secret_project,
        &parsed.secret.id,
        &number,
    );
    Ok(Some(Diagnostics::default()))
}

/// The secret's project as an ID: Google may answer with a number.
pub async fn secret_project_id(
    env: &Env<'_>,
    project: &str,
    repo: &RepositoryRef,
    repo_number: &str,
) -> String {
    if !ids::is_project_number(project) {
        return project.to_string();
    }
    if project == repo_number {
        return repo.project.clone();
    }
    match env.client.get_project(&env.op, project).await {
        Ok(p) if !p.project_id.is_empty() => p.project_id,
        _ => project.to_string(),
    }
}

/// Writes the imported values and the defaults.
fn fill(
    state: &mut Model,
    repo: &RepositoryRef,
    creds: &UsernamePasswordCredentials,
    secret_project: &str,
    secret_id: &str,
    number: &str,
) {
    let known = |text: &str| Attr::Known(text.to_string());
    state.project = known(&repo.project);
    state.location = known(&repo.location);
    state.repository = known(&repo.id);
    state.secret_project = known(secret_project);
    state.secret_id = known(secret_id);
    state.secret_version = known(&creds.password_secret_version);
    state.username = known(&creds.username);
    state.previous_version_policy = known(Defaults::PREVIOUS_VERSION_POLICY.as_str());
    state.deletion_policy = known(Defaults::DELETION_POLICY.as_str());
    state.create_service_agent = Attr::Known(Defaults::CREATE_SERVICE_AGENT);
    state.project_number = known(number);
    state.service_agent = Attr::Known(ids::service_agent_email(number));
}
