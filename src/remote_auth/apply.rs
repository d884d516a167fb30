//! ApplyResourceChange: create, update (rotation, username, secret moves,
//! drift repair) and delete. Every path returns the state that exists, even
//! on error, with the bookkeeping in private state, so the next apply or
//! destroy finishes or cleans up.

use crate::google::secretmanager::Secret;
use crate::tfplugin::provider::ApplyResponse;
use crate::tfplugin::{Diagnostic, Value};

use super::ids::{self, RepositoryRef, SecretRef};
use super::model::{self, opt_string, set, Model};
use super::private::{Drift, Private};
use super::release::{self, Release};
use super::sharing;
use super::steps::Env;
use super::validate::{self, Resolved};

/// Computed values as far as the apply got.
#[derive(Debug, Default)]
struct Progress {
    /// The repository project's number.
    number: Option<String>,
    /// The service agent's email.
    agent: Option<String>,
    /// The version the repository uses (or will, once patched).
    version: Option<String>,
}

/// Builds the returned state: the planned values with every computed value
/// filled from `p` (null where the apply did not get that far) and write-only
/// values nulled.
fn state(planned: &Value, repo: &RepositoryRef, p: &Progress) -> Value {
    let mut s = planned.clone();
    set(&mut s, "id", Value::String(repo.name()));
    set(&mut s, "project_number", opt_string(p.number.as_deref()));
    set(&mut s, "service_agent", opt_string(p.agent.as_deref()));
    set(&mut s, "secret_version", opt_string(p.version.as_deref()));
    set(&mut s, "token_wo", Value::Null);
    s
}

/// Assembles the response.
fn respond(
    new_state: Value,
    repo: &RepositoryRef,
    private: &Private,
    result: Result<(), Diagnostic>,
) -> ApplyResponse {
    let mut resp = ApplyResponse {
        new_state,
        private: private.encode(),
        new_identity: Some(model::identity(repo)),
        ..ApplyResponse::default()
    };
    if let Err(d) = result {
        resp.diagnostics.push(d);
    }
    resp
}

/// Decodes a model or explains the framework bug.
fn decode(v: &Value) -> Result<Model, Diagnostic> {
    Model::from_value(v).map_err(|e| {
        Diagnostic::error(
            "Unexpected value",
            format!("{e}. This is a bug in the provider."),
        )
    })
}

/// Resolves the repository and secret of a planned (wholly known) value.
fn resolved(m: &Model, provider_project: Option<&str>) -> Result<Resolved, Diagnostic> {
    validate::resolve(m, provider_project).ok_or_else(|| {
        Diagnostic::error(
            "Incomplete configuration at apply",
            "The project, location, repository or secret was still unknown at apply time. Set `project` here or in the provider.",
        )
    })
}

/// Creates the secret with the planned replication and labels unless it
/// `existing`; answers whether this call created it.
async fn ensure_planned_secret(
    env: &Env<'_>,
    plan_m: &Model,
    secret: &SecretRef,
    existing: Option<Secret>,
    me: &str,
) -> Result<bool, Diagnostic> {
    let replicas = plan_m
        .secret_replica_locations
        .known()
        .cloned()
        .unwrap_or_default();
    let labels = plan_m.secret_labels.known().cloned().unwrap_or_default();
    env.ensure_secret(secret, existing, &replicas, &labels, me)
        .await
}

/// Create.
pub async fn create(
    env: &Env<'_>,
    planned: &Value,
    config: &Value,
    provider_project: Option<&str>,
) -> ApplyResponse {
    let (plan_m, config_m) = match (decode(planned), decode(config)) {
        (Ok(p), Ok(c)) => (p, c),
        (Err(d), _) | (_, Err(d)) => {
            return ApplyResponse {
                diagnostics: d.into(),
                ..ApplyResponse::default()
            }
        }
    };
    let r = match resolved(&plan_m, provider_project) {
        Ok(r) => r,
        Err(d) => {
            return ApplyResponse {
                diagnostics: d.into(),
                ..ApplyResponse::default()
            }
        }
    };
    let mut private = Private {
        secret: Some(r.secret.name()),
        ..Private::default()
    };
    let mut progress = Progress::default();
    let result = create_steps(env, &plan_m, &config_m, &r, &mut private, &mut progress).await;
    let new_state = state(planned, &r.repo, &progress);
    respond(new_state, &r.repo, &private, result)
}

/// The steps of Google's guide, with independent calls run concurrently.
async fn create_steps(
    env: &Env<'_>,
    plan_m: &Model,
    config_m: &Model,
    r: &Resolved,
    private: &mut Private,
    p: &mut Progress,
) -> Result<(), Diagnostic> {
    let token = config_m.configured_token().ok_or_else(missing_token)?;
    let me = r.repo.name();
    let (number, existing) = tokio::join!(
        env.project_number(&r.repo.project),
        env.get_secret(&r.secret)
    );
    let number = number?;
    p.number = Some(number.clone());
    let existing = existing?;
    private.created_secret = ensure_planned_secret(env, plan_m, &r.secret, existing, &me).await?;

    let create_agent = plan_m.create_service_agent.known().copied().unwrap_or(true);
    let version = env.add_version(&r.secret, token).await;
    if let Ok(v) = &version {
        private.record_version(v);
    }
    let version = version?;
    p.agent = Some(ids::service_agent_email(&number));

    ensure_binding(
        env,
        &r.secret,
        &r.repo.project,
        &number,
        create_agent,
        private,
    )
    .await?;
    let username = username_of(plan_m);
    env.set_credentials(&me, &username, &version).await?;
    private.version = Some(version.clone());
    p.version = Some(version);
    Ok(())
}

/// Grants the service agent the accessor binding (generating the agent when
/// it does not exist and `create_agent`) and, when this call added the
/// binding, records that on the secret.
async fn ensure_binding(
    env: &Env<'_>,
    secret: &SecretRef,
    project: &str,
    number: &str,
    create_agent: bool,
    private: &mut Private,
) -> Result<(), Diagnostic> {
    let (agent, added) = env
        .bind_service_agent(secret, project, number, create_agent)
        .await?;
    let member = ids::service_agent_member(&agent);
    if added {
        private.added_binding = true;
        let key = sharing::bound_key(number);
        env.update_annotations(secret, |a| {
            a.insert(key.clone(), member.clone()).as_ref() != Some(&member)
        })
        .await?;
    }
    Ok(())
}

/// The username to set.
fn username_of(m: &Model) -> String {
    m.username
        .known()
        .cloned()
        .unwrap_or_else(|| "__token__".to_string())
}

/// The error for a token missing at apply (validation normally prevents it).
fn missing_token() -> Diagnostic {
    Diagnostic::error(
        "Missing token",
        "Neither `token` nor `token_wo` had a value at apply time.",
    )
}

/// Update: converges the remote objects on the planned state.
pub async fn update(
    env: &Env<'_>,
    prior: &Value,
    planned: &Value,
    config: &Value,
    planned_private: &[u8],
    provider_project: Option<&str>,
) -> ApplyResponse {
    let models = (decode(prior), decode(planned), decode(config));
    let (prior_m, plan_m, config_m) = match models {
        (Ok(a), Ok(b), Ok(c)) => (a, b, c),
        (Err(d), _, _) | (_, Err(d), _) | (_, _, Err(d)) => {
            return ApplyResponse {
                diagnostics: d.into(),
                ..ApplyResponse::default()
            }
        }
    };
    let (old, new) = match (
        resolved(&prior_m, provider_project),
        resolved(&plan_m, provider_project),
    ) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(d), _) | (_, Err(d)) => {
            return ApplyResponse {
                diagnostics: d.into(),
                ..ApplyResponse::default()
            }
        }
    };
    let mut private = Private::decode(planned_private);
    let mut progress = Progress {
        number: prior_m.project_number.known().cloned(),
        agent: prior_m.service_agent.known().cloned(),
        version: private
            .version
            .clone()
            .or_else(|| prior_m.secret_version.known().cloned()),
    };
    let result = update_steps(
        env,
        &prior_m,
        &plan_m,
        &config_m,
        &old,
        &new,
        &mut private,
        &mut progress,
    )
    .await;
    if result.is_ok() {
        private.drift.clear();
    }
    let new_state = state(planned, &new.repo, &progress);
    respond(new_state, &new.repo, &private, result)
}

/// True when the token changed between prior state and plan.
pub fn token_changed(prior: &Model, planned: &Model) -> bool {
    prior.token != planned.token || prior.token_wo_version != planned.token_wo_version
}

/// The update steps; see the module doc of `plan.rs` for when each runs.
#[allow(clippy::too_many_arguments)]
async fn update_steps(
    env: &Env<'_>,
    prior: &Model,
    plan_m: &Model,
    config_m: &Model,
    old: &Resolved,
    new: &Resolved,
    private: &mut Private,
    p: &mut Progress,
) -> Result<(), Diagnostic> {
    let me = new.repo.name();
    let number = match &p.number {
        Some(n) => n.clone(),
        None => env.project_number(&new.repo.project).await?,
    };
    p.number = Some(number.clone());
    let create_agent = plan_m.create_service_agent.known().copied().unwrap_or(true);
    let moved = old.secret != new.secret;
    let drift = private.drift.clone();
    let token = config_m.configured_token();

    if moved {
        return move_secret(env, plan_m, config_m, old, new, &number, private, p).await;
    }

    let mut fresh_secret = false;
    let first_apply_after_import = private.secret.is_none();
    if drift.contains(&Drift::SecretMissing) || first_apply_after_import {
        let existing = env.get_secret(&new.secret).await?;
        let created = ensure_planned_secret(env, plan_m, &new.secret, existing, &me).await?;
        if created {
            *private = Private {
                secret: Some(new.secret.name()),
                created_secret: true,
                ..Private::default()
            };
            fresh_secret = true;
        }
        private.secret = Some(new.secret.name());
    }

    let previous = p.version.clone();
    let mut need_version =
        fresh_secret || previous.is_none() || drift.iter().any(|d| d.needs_new_version());
    if !need_version && token_changed(prior, plan_m) {
        need_version = true;
        if let (Some(v), Some(t)) = (&previous, token) {
            if env.version_holds(v, t).await {
                need_version = false;
            }
        }
    }
    p.agent = Some(ids::service_agent_email(&number));
    if need_version {
        let t = token.ok_or_else(missing_token)?;
        let v = env.add_version(&new.secret, t).await?;
        private.record_version(&v);
        p.version = Some(v);
    }
    if fresh_secret || drift.contains(&Drift::BindingMissing) || first_apply_after_import {
        ensure_binding(
            env,
            &new.secret,
            &new.repo.project,
            &number,
            create_agent,
            private,
        )
        .await?;
    }
    let version = p.version.clone().ok_or_else(missing_token)?;
    let username_changed = prior.username != plan_m.username;
    let repoint = need_version
        || username_changed
        || previous.as_deref() != Some(version.as_str())
        || drift.contains(&Drift::CredentialsElsewhere)
        || drift.contains(&Drift::UsernameChanged);
    if repoint {
        env.set_credentials(&me, &username_of(plan_m), &version)
            .await?;
    }
    private.version = Some(version.clone());
    if let Some(old_version) = previous.filter(|o| need_version && *o != version) {
        supersede(env, plan_m, &old_version, private).await?;
    }
    Ok(())
}

/// Applies `previous_version_policy` to a superseded version this resource created.
async fn supersede(
    env: &Env<'_>,
    plan_m: &Model,
    old_version: &str,
    private: &mut Private,
) -> Result<(), Diagnostic> {
    if !private.created_version(old_version) {
        return Ok(());
    }
    match plan_m
        .previous_version_policy
        .known()
        .map(String::as_str)
        .unwrap_or("DISABLE")
    {
        "DESTROY" => {
            env.destroy_version(old_version).await?;
            private.forget_version(old_version);
        }
        "KEEP" => {}
        _ => env.disable_version(old_version).await?,
    }
    Ok(())
}

/// Moves to another secret: the new one is set up completely and the
/// repository repointed before anything of the old one is released.
#[allow(clippy::too_many_arguments)]
async fn move_secret(
    env: &Env<'_>,
    plan_m: &Model,
    config_m: &Model,
    old: &Resolved,
    new: &Resolved,
    number: &str,
    private: &mut Private,
    p: &mut Progress,
) -> Result<(), Diagnostic> {
    let me = new.repo.name();
    let token = config_m.configured_token().ok_or_else(missing_token)?;
    let create_agent = plan_m.create_service_agent.known().copied().unwrap_or(true);
    let existing = env.get_secret(&new.secret).await?;
    let created = ensure_planned_secret(env, plan_m, &new.secret, existing, &me).await?;
    let old_private = std::mem::replace(
        private,
        Private {
            secret: Some(new.secret.name()),
            created_secret: created,
            ..Private::default()
        },
    );
    let version = env.add_version(&new.secret, token).await;
    if let Ok(v) = &version {
        private.record_version(v);
    }
    let version = version?;
    let agent = ids::service_agent_email(number);
    p.agent = Some(agent.clone());
    ensure_binding(
        env,
        &new.secret,
        &new.repo.project,
        number,
        create_agent,
        private,
    )
    .await?;
    env.set_credentials(&me, &username_of(plan_m), &version)
        .await?;
    private.version = Some(version.clone());
    p.version = Some(version);

    let member = ids::service_agent_member(&agent);
    let old_me = old.repo.name();
    release::release(
        env,
        Release {
            secret: &old.secret,
            me: &old_me,
            project: &old.repo.project,
            member: &member,
            private: &old_private,
        },
    )
    .await
}

/// Delete (`DELETE`): clears the repository's credentials when they are this
/// resource's, then releases the secret. `ABANDON` only forgets.
pub async fn delete(
    env: &Env<'_>,
    prior: &Value,
    private_bytes: &[u8],
    provider_project: Option<&str>,
) -> ApplyResponse {
    let prior_m = match decode(prior) {
        Ok(m) => m,
        Err(d) => {
            return ApplyResponse {
                diagnostics: d.into(),
                ..ApplyResponse::default()
            }
        }
    };
    if prior_m.deletion_policy.known().map(String::as_str) == Some("ABANDON") {
        return ApplyResponse::default();
    }
    let Some(r) = validate::resolve(&prior_m, provider_project) else {
        return ApplyResponse::default();
    };
    let private = Private::decode(private_bytes);
    match delete_steps(env, &prior_m, &r, &private).await {
        Ok(()) => ApplyResponse::default(),
        Err(d) => ApplyResponse {
            new_state: prior.clone(),
            private: private_bytes.to_vec(),
            new_identity: Some(model::identity(&r.repo)),
            diagnostics: d.into(),
        },
    }
}

/// The delete steps.
async fn delete_steps(
    env: &Env<'_>,
    prior: &Model,
    r: &Resolved,
    private: &Private,
) -> Result<(), Diagnostic> {
    let me = r.repo.name();
    if let Some(repo) = env.get_repository(&me).await? {
        if let Some(c) = repo.credentials() {
            if release::points_at(env, &c.password_secret_version, &r.secret).await {
                env.clear_credentials(&me).await?;
            }
        }
    }
    let agent = match (prior.service_agent.known(), prior.project_number.known()) {
        (Some(a), _) => a.clone(),
        (None, Some(n)) => ids::service_agent_email(n),
        (None, None) => ids::service_agent_email(&env.project_number(&r.repo.project).await?),
    };
    let member = ids::service_agent_member(&agent);
    release::release(
        env,
        Release {
            secret: &r.secret,
            me: &me,
            project: &r.repo.project,
            member: &member,
            private,
        },
    )
    .await
}

/// A state with the given attributes set (tests).
#[cfg(test)]
fn planned_with(values: &[(&str, Value)]) -> Value {
    let mut v = model::empty_state();
    for (k, x) in values {
        set(&mut v, k, x.clone());
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tfplugin::Attr;

    #[test]
    fn state_fills_computed_and_nulls_write_only() {
        let planned = planned_with(&[
            ("token_wo", Value::String("pypi-secret".into())),
            ("secret_version", Value::Unknown),
            ("service_agent", Value::Unknown),
            ("project_number", Value::Unknown),
        ]);
        let repo = RepositoryRef {
            project: "demo-project".into(),
            location: "us".into(),
            id: "pypi".into(),
        };
        let p = Progress {
            number: Some("1".into()),
            agent: None,
            version: None,
        };
        let s = state(&planned, &repo, &p);
        assert!(s.is_wholly_known());
        assert_eq!(s.attr("token_wo"), &Value::Null);
        assert_eq!(s.attr("project_number"), &Value::String("1".into()));
        assert_eq!(s.attr("id"), &Value::String(repo.name()));
    }

    #[test]
    fn token_change_detection() {
        let a = Model {
            token: Attr::Known("pypi-a".into()),
            ..Model::default()
        };
        let b = Model {
            token: Attr::Known("pypi-b".into()),
            ..Model::default()
        };
        assert!(token_changed(&a, &b));
        assert!(!token_changed(&a, &a.clone()));
        let w1 = Model {
            token_wo_version: Attr::Known(1.into()),
            ..Model::default()
        };
        let w2 = Model {
            token_wo_version: Attr::Known(2.into()),
            ..Model::default()
        };
        assert!(token_changed(&w1, &w2));
    }
}
