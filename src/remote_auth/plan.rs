//! PlanResourceChange: defaults, computed values, replacement, and the
//! read-only remote checks (repository kind, preflight permissions).
//!
//! `secret_version` is planned unknown whenever the apply may store or point
//! at another version: on create, on a token change (`token`, or a changed
//! `token_wo_version`), on a move to another secret, and when Read recorded
//! drift in private state. Everything else computed keeps its prior value.

use crate::tfplugin::convert::null_write_only;
use crate::tfplugin::diag::AttributePath;
use crate::tfplugin::provider::{PlanRequest, PlanResponse};
use crate::tfplugin::{Attr, Diagnostic, Diagnostics, Value};

use super::apply::token_changed;
use super::ids::RepositoryRef;
use super::model::{self, Defaults, Model};
use super::private::Private;
use super::shared_reads::RepositoryKind;
use super::steps::Env;
use super::{preflight, validate};

/// What plan needs from the configured provider.
pub struct PlanEnv<'a> {
    /// Google access, when remote checks may run (the provider configuration was wholly known).
    pub remote: Option<Env<'a>>,
    /// The provider's `project`.
    pub provider_project: Option<&'a str>,
    /// False when the provider configuration held unknowns (the project may be unknown).
    pub complete: bool,
    /// The time token expiries are judged at (Unix seconds; injected so tests fix it).
    pub now_unix: i64,
}

/// Plans a create or update (destroy is handled by the caller).
pub async fn plan(env: &PlanEnv<'_>, req: &PlanRequest) -> PlanResponse {
    let mut resp = PlanResponse {
        planned_private: req.prior_private.clone(),
        ..PlanResponse::default()
    };
    let (config, prior) = match (
        Model::from_value(&req.config),
        Model::from_value(&req.prior_state),
    ) {
        (Ok(c), Ok(p)) => (c, p),
        (Err(e), _) | (_, Err(e)) => {
            resp.diagnostics.error(
                "Unexpected value",
                format!("{e}. This is a bug in the provider."),
            );
            return resp;
        }
    };
    let mut planned = match Model::from_value(&req.proposed_new_state) {
        Ok(m) => m,
        Err(e) => {
            resp.diagnostics.error(
                "Unexpected value",
                format!("{e}. This is a bug in the provider."),
            );
            return resp;
        }
    };
    apply_defaults(env, &config, &mut planned, &mut resp.diagnostics);
    // The arguments as planned, for the checks below; `planned` goes on to
    // receive the computed values.
    let planned_m = planned.clone();
    let repo = validate::resolve_repository(&planned_m, env.provider_project);
    let creating = req.prior_state.is_null();
    if creating {
        planned.id = repo
            .as_ref()
            .map_or(Attr::Unknown, |r| Attr::Known(r.name()));
        planned.secret_version = Attr::Unknown;
        planned.service_agent = Attr::Unknown;
        planned.project_number = Attr::Unknown;
    } else {
        let token_only = plan_update(
            &prior,
            &planned_m,
            repo.as_ref(),
            &req.prior_private,
            &mut planned,
            &mut resp,
        );
        if token_only {
            keep_version_holding_token(env, &prior, &config, &mut planned).await;
        }
    }
    let new_token = creating || token_changed(&prior, &planned_m);
    super::token_facts::plan_token_facts(
        &config,
        &prior,
        new_token,
        env.now_unix,
        &mut planned,
        &mut resp.diagnostics,
    );
    resp.planned_identity = Some(repo.as_ref().map_or(Value::Unknown, model::identity));
    // Write-only values never reach state (the framework nulls them in what
    // plan returns), so they must not count as a change: comparing them made
    // every no-change plan pay for the remote checks.
    let mut comparable = planned.computed_onto(&req.proposed_new_state);
    null_write_only(&super::schema::cached().block, &mut comparable);
    let changes = creating || comparable != req.prior_state;
    if changes && !resp.diagnostics.has_errors() && req.config.is_wholly_known() {
        if let (Some(remote), Some(resolved)) = (
            &env.remote,
            validate::resolve(&planned_m, env.provider_project),
        ) {
            let number = remote_checks(
                remote,
                &resolved.repo,
                &resolved.secret,
                &mut resp.diagnostics,
            )
            .await;
            if let Some(n) = number.filter(|_| planned.project_number.is_unknown()) {
                planned.service_agent = Attr::Known(super::ids::service_agent_email(&n));
                planned.project_number = Attr::Known(n);
            }
        }
    }
    let planned = planned.computed_onto(&req.proposed_new_state);
    resp.planned_state = planned;
    resp
}

/// Fills optional+computed attributes the configuration leaves null. The
/// prior value is not kept: removing an argument returns it to its default.
fn apply_defaults(env: &PlanEnv<'_>, config: &Model, planned: &mut Model, diags: &mut Diagnostics) {
    let project = match &config.project {
        Attr::Known(p) => Attr::Known(p.clone()),
        Attr::Unknown => Attr::Unknown,
        Attr::Null => {
            let from_repo = config
                .repository
                .known()
                .and_then(|r| super::ids::parse_repository_arg(r).ok())
                .and_then(|a| a.project);
            match (from_repo, env.provider_project, &config.repository) {
                (Some(p), _, _) => Attr::Known(p),
                (None, _, Attr::Unknown) => Attr::Unknown,
                (None, Some(p), _) => Attr::Known(p.to_string()),
                (None, None, _) if !env.complete => Attr::Unknown,
                (None, None, _) => {
                    diags.push(
                        Diagnostic::error(
                            "No project",
                            "Set `project` on this resource or on the provider (or its environment variables GOOGLE_PROJECT, GOOGLE_CLOUD_PROJECT, CLOUDSDK_CORE_PROJECT), or give `repository` as a full name.",
                        )
                        .at(AttributePath::attr("project")),
                    );
                    Attr::Null
                }
            }
        }
    };
    if config.secret_project.is_null() {
        planned.secret_project = project.clone();
    }
    planned.project = project;
    if config.username.is_null() {
        planned.username = Attr::Known(Defaults::USERNAME.into());
    }
    if config.previous_version_policy.is_null() {
        planned.previous_version_policy =
            Attr::Known(Defaults::PREVIOUS_VERSION_POLICY.as_str().into());
    }
    if config.deletion_policy.is_null() {
        planned.deletion_policy = Attr::Known(Defaults::DELETION_POLICY.as_str().into());
    }
    if config.create_service_agent.is_null() {
        planned.create_service_agent = Attr::Known(Defaults::CREATE_SERVICE_AGENT);
    }
}

/// After an import (or when the configured token is the one already
/// stored) the version in use already holds the token: apply adds no
/// version, so the plan keeps `secret_version` known. Reads the payload
/// (a read-only call) and never logs it.
async fn keep_version_holding_token(
    env: &PlanEnv<'_>,
    prior: &Model,
    config: &Model,
    planned: &mut Model,
) {
    let (Some(remote), Some(version), Some(token)) = (
        &env.remote,
        prior.secret_version.known(),
        config.configured_token(),
    ) else {
        return;
    };
    if remote.version_holds(version, token).await {
        planned.secret_version = Attr::Known(version.clone());
    }
}

/// Computed values and replacement for an update. Answers true when only
/// the token changed (no move, no drift): the one case where the version in
/// use may already hold the new token.
fn plan_update(
    prior: &Model,
    planned_m: &Model,
    repo: Option<&RepositoryRef>,
    prior_private: &[u8],
    planned: &mut Model,
    resp: &mut PlanResponse,
) -> bool {
    let keep = |v: &Attr<String>| v.known().map_or(Attr::Unknown, |s| Attr::Known(s.clone()));
    let prior_repo = validate::resolve_repository(prior, None);
    match (repo, &prior_repo) {
        (Some(new), Some(old)) => {
            for (name, changed) in [
                ("project", new.project != old.project),
                ("location", new.location != old.location),
                ("repository", new.id != old.id),
            ] {
                if changed {
                    resp.requires_replace.push(AttributePath::attr(name));
                }
            }
        }
        _ => {
            for name in ["project", "location", "repository"] {
                resp.requires_replace.push(AttributePath::attr(name));
            }
        }
    }
    planned.id = repo.map_or(Attr::Unknown, |r| Attr::Known(r.name()));
    planned.project_number = keep(&prior.project_number);
    planned.service_agent = keep(&prior.service_agent);
    let bookkeeping = Private::decode(prior_private);
    let drifted = !bookkeeping.drift.is_empty() || bookkeeping.has_pending_work();
    let moved =
        prior.secret_id != planned_m.secret_id || prior.secret_project != planned_m.secret_project;
    let token = token_changed(prior, planned_m);
    let rotate = token || moved || drifted;
    planned.secret_version = if rotate {
        Attr::Unknown
    } else {
        keep(&prior.secret_version)
    };
    token && !moved && !drifted
}

/// The repository must be a PyPI remote; the project number (known at plan,
/// so `project_number` and `service_agent` are too); then the preflight.
/// The three are asked at once. Answers the number when it was looked up.
///
/// The secret is not read here: whether it exists changes nothing in the
/// plan, and the apply reads it (and checks the annotation budget) before
/// any change. Terraform plans every change twice in `terraform apply` (once
/// to show it, once in the apply walk, each in a new provider process): the
/// second plan finds the first one's answers in the run's cache
/// ([`super::run_cache`]) and asks nothing.
async fn remote_checks(
    env: &Env<'_>,
    repo: &RepositoryRef,
    secret: &super::ids::SecretRef,
    diags: &mut Diagnostics,
) -> Option<String> {
    let repo_name = repo.name();
    let (repository, number, warning) = tokio::join!(
        env.repository_kind(&repo_name),
        env.project_number(&repo.project),
        preflight::check(env, repo, secret),
    );
    match repository {
        Ok(RepositoryKind::Missing) => {
            diags.push(
                Diagnostic::error(
                    "Repository not found",
                    format!("The Artifact Registry repository {} was not found. Create the PyPI remote repository first, or fix `project`, `location` or `repository`.", repo.name()),
                )
                .at(AttributePath::attr("repository")),
            );
            return None;
        }
        Ok(RepositoryKind::Other { mode, format }) => {
            diags.push(
                Diagnostic::error(
                    "Not a PyPI remote repository",
                    format!(
                        "{} has mode {:?} and format {:?}. Upstream PyPI authentication applies only to repositories with mode REMOTE_REPOSITORY and format PYTHON.",
                        repo.name(),
                        mode,
                        format
                    ),
                )
                .at(AttributePath::attr("repository")),
            );
            return None;
        }
        Ok(RepositoryKind::PypiRemote) => {}
        Err(d) => {
            diags.push(d.at(AttributePath::attr("repository")));
            return None;
        }
    }
    if let Some(w) = warning {
        diags.push(w);
    }
    match number {
        Ok(n) => Some(n),
        // The apply looks it up again and fails there with this error if it
        // still cannot: a plan that cannot learn the number is not refused.
        Err(d) => {
            tracing::debug!(error = %d.summary, "the project number is not known at plan");
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::model::tests::set;
    use super::*;
    use crate::tfplugin::provider::PlanRequest;
    use std::collections::BTreeMap;

    fn config() -> Value {
        let mut v = Model::default().to_value();
        for (k, x) in [
            ("location", "us"),
            ("repository", "pypi"),
            ("secret_id", "tok"),
            ("token", "pypi-abc"),
        ] {
            set(&mut v, k, Value::String(x.into()));
        }
        v
    }

    fn env() -> PlanEnv<'static> {
        PlanEnv {
            remote: None,
            provider_project: Some("demo-project"),
            complete: true,
            now_unix: 1_800_000_000,
        }
    }

    fn req(prior: Value, config: Value, private: Vec<u8>) -> PlanRequest {
        PlanRequest {
            prior_state: prior,
            proposed_new_state: config.clone(),
            config,
            prior_private: private,
            prior_identity: None,
        }
    }

    #[tokio::test]
    async fn create_fills_defaults_and_unknown_computed() {
        let resp = plan(&env(), &req(Value::Null, config(), Vec::new())).await;
        assert!(!resp.diagnostics.has_errors(), "{:?}", resp.diagnostics);
        let p = &resp.planned_state;
        assert_eq!(p.attr("project"), &Value::String("demo-project".into()));
        assert_eq!(
            p.attr("secret_project"),
            &Value::String("demo-project".into())
        );
        assert_eq!(p.attr("username"), &Value::String("__token__".into()));
        assert_eq!(
            p.attr("previous_version_policy"),
            &Value::String("DISABLE".into())
        );
        assert_eq!(p.attr("deletion_policy"), &Value::String("DELETE".into()));
        assert_eq!(p.attr("create_service_agent"), &Value::Bool(true));
        assert_eq!(
            p.attr("id"),
            &Value::String("projects/demo-project/locations/us/repositories/pypi".into())
        );
        assert!(p.attr("secret_version").is_unknown());
        assert!(resp.planned_identity.is_some_and(|i| i.is_wholly_known()));
    }

    /// A prior state as the create would have stored it.
    async fn prior() -> Value {
        let mut p = plan(&env(), &req(Value::Null, config(), Vec::new()))
            .await
            .planned_state;
        set(
            &mut p,
            "secret_version",
            Value::String("projects/demo-project/secrets/tok/versions/1".into()),
        );
        set(
            &mut p,
            "service_agent",
            Value::String("service-1@gcp-sa-artifactregistry.iam.gserviceaccount.com".into()),
        );
        set(&mut p, "project_number", Value::String("1".into()));
        p
    }

    /// Terraform's proposed state: config, with prior values for null computed attributes.
    fn proposed(prior: &Value, config: &Value) -> Value {
        let (Value::Object(p), Value::Object(c)) = (prior, config) else {
            panic!("objects")
        };
        let mut out = BTreeMap::new();
        for (k, v) in c {
            let computed = [
                "id",
                "project",
                "secret_project",
                "username",
                "previous_version_policy",
                "deletion_policy",
                "create_service_agent",
                "secret_version",
                "service_agent",
                "project_number",
            ];
            out.insert(
                k.clone(),
                if v.is_null() && computed.contains(&k.as_str()) {
                    p.get(k).cloned().unwrap_or(Value::Null)
                } else {
                    v.clone()
                },
            );
        }
        Value::Object(out)
    }

    #[tokio::test]
    async fn no_change_plans_the_prior_state() {
        let prior = prior().await;
        let request = PlanRequest {
            proposed_new_state: proposed(&prior, &config()),
            ..req(prior.clone(), config(), Vec::new())
        };
        let resp = plan(&env(), &request).await;
        assert_eq!(resp.planned_state, prior);
        assert!(resp.requires_replace.is_empty());
    }

    #[tokio::test]
    async fn token_change_and_drift_make_the_version_unknown() {
        let prior = prior().await;
        let mut cfg = config();
        set(&mut cfg, "token", Value::String("pypi-new".into()));
        let request = PlanRequest {
            proposed_new_state: proposed(&prior, &cfg),
            ..req(prior.clone(), cfg, Vec::new())
        };
        assert!(plan(&env(), &request)
            .await
            .planned_state
            .attr("secret_version")
            .is_unknown());

        let mut private = Private::default();
        private.note(super::super::private::Drift::BindingMissing);
        let request = PlanRequest {
            proposed_new_state: proposed(&prior, &config()),
            ..req(prior.clone(), config(), private.encode())
        };
        let resp = plan(&env(), &request).await;
        assert!(resp.planned_state.attr("secret_version").is_unknown());
        assert_eq!(resp.planned_private, private.encode());
    }

    #[tokio::test]
    async fn full_repository_name_is_not_a_replacement_but_another_repository_is() {
        let prior = prior().await;
        let mut cfg = config();
        set(
            &mut cfg,
            "repository",
            Value::String("projects/demo-project/locations/us/repositories/pypi".into()),
        );
        let request = PlanRequest {
            proposed_new_state: proposed(&prior, &cfg),
            ..req(prior.clone(), cfg, Vec::new())
        };
        assert!(plan(&env(), &request).await.requires_replace.is_empty());
        let mut cfg = config();
        set(&mut cfg, "repository", Value::String("other".into()));
        let request = PlanRequest {
            proposed_new_state: proposed(&prior, &cfg),
            ..req(prior.clone(), cfg, Vec::new())
        };
        assert_eq!(
            plan(&env(), &request).await.requires_replace,
            vec![AttributePath::attr("repository")]
        );
    }

    #[tokio::test]
    async fn removing_username_returns_to_the_default_and_no_project_is_an_error() {
        let mut prior = prior().await;
        set(&mut prior, "username", Value::String("someone".into()));
        let request = PlanRequest {
            proposed_new_state: proposed(&prior, &config()),
            ..req(prior.clone(), config(), Vec::new())
        };
        assert_eq!(
            plan(&env(), &request).await.planned_state.attr("username"),
            &Value::String("__token__".into())
        );
        let none = PlanEnv {
            remote: None,
            provider_project: None,
            complete: true,
            now_unix: 1_800_000_000,
        };
        let resp = plan(&none, &req(Value::Null, config(), Vec::new())).await;
        assert!(resp.diagnostics.has_errors());
        let unknown = PlanEnv {
            remote: None,
            provider_project: None,
            complete: false,
            now_unix: 1_800_000_000,
        };
        let resp = plan(&unknown, &req(Value::Null, config(), Vec::new())).await;
        assert!(!resp.diagnostics.has_errors() && resp.planned_state.attr("project").is_unknown());
    }
}
