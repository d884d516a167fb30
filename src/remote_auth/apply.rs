//! ApplyResourceChange: create and update run the one convergence routine
//! ([`super::converge`]); delete releases what the resource made. Every
//! path returns the state that exists, even on error, with the bookkeeping
//! in private state, so the next plan shows what is left and the next apply
//! or destroy finishes it.

use crate::tfplugin::provider::ApplyResponse;
use crate::tfplugin::{Attr, Diagnostic, Value};

use super::converge::{self, Progress};
use super::desired::Desired;
use super::ids::{self, RepositoryRef};
use super::model::{self, DeletionPolicy, Model, PreviousVersionPolicy};
use super::private::{same_version_tail, Private};
use super::release::{self, Release};
use super::steps::Env;
use super::validate::{self, Resolved};

/// The typed inputs of one create or update, decoded once by the resource.
pub struct Change<'a> {
    /// The planned state, typed (the returned state is built from it).
    pub planned: &'a Model,
    /// The configuration (the only place a write-only token is seen).
    pub config: &'a Model,
    /// The provider's default project.
    pub provider_project: Option<&'a str>,
}

/// The planned values with every computed value filled from `p` (null
/// where the apply did not get that far).
fn state(planned: &Model, repo: &RepositoryRef, p: &Progress) -> Value {
    // A planned version names the same version in whichever form it was
    // read (Google answers project numbers): keep the planned spelling.
    let version = match (planned.secret_version.known(), &p.version) {
        (Some(a), Some(b)) if same_version_tail(a, b) => Some(a),
        (_, b) => b.as_ref(),
    };
    Model {
        id: Attr::Known(repo.name()),
        project_number: p.number.clone().into(),
        service_agent: p.agent.clone().into(),
        secret_version: version.cloned().into(),
        ..planned.clone()
    }
    .to_value()
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

/// A response carrying one error and no state change.
fn fail(d: Diagnostic) -> ApplyResponse {
    ApplyResponse {
        diagnostics: d.into(),
        ..ApplyResponse::default()
    }
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

/// What the configuration wants, for the convergence routine.
fn desired<'a>(
    c: &'a Change<'a>,
    r: &'a Resolved,
    new_token: bool,
    create_first: bool,
) -> Result<Desired<'a>, Diagnostic> {
    let token = c.config.configured_token().ok_or_else(|| {
        Diagnostic::error(
            "Missing token",
            "Neither `token` nor `token_wo` had a value at apply time.",
        )
    })?;
    Ok(Desired {
        repo: &r.repo,
        secret: &r.secret,
        token,
        username: c.planned.username_or_default(),
        number: c.planned.project_number.known().cloned(),
        create_first,
        new_token,
        replicas: c.planned.replica_locations(),
        labels: c.planned.secret_labels.known().cloned().unwrap_or_default(),
        create_agent: c.planned.create_service_agent_or_default(),
        previous: PreviousVersionPolicy::of(&c.planned.previous_version_policy),
    })
}

/// Create.
pub async fn create(env: &Env<'_>, c: &Change<'_>) -> ApplyResponse {
    let r = match resolved(c.planned, c.provider_project) {
        Ok(r) => r,
        Err(d) => return fail(d),
    };
    let mut private = Private {
        secret: Some(r.secret.name()),
        ..Private::default()
    };
    let mut progress = Progress::default();
    let result = match desired(c, &r, true, true) {
        Ok(want) => converge::converge(env, &want, &mut private, &mut progress).await,
        Err(d) => Err(d),
    };
    // A create that fails is tainted by Terraform and replaced; its private
    // state (no `version`) tells that destroy that it never completed.
    let new_state = state(c.planned, &r.repo, &progress);
    respond(new_state, &r.repo, &private, result)
}

/// True when the token changed between prior state and plan.
pub fn token_changed(prior: &Model, planned: &Model) -> bool {
    prior.token != planned.token || prior.token_wo_version != planned.token_wo_version
}

/// Update: converges on the planned state. When the repository could not be
/// pointed at the wanted version, the prior state is returned unchanged, so
/// the next plan shows the same change again (never "No changes" while the
/// repository uses the old token); what was done meanwhile (a version
/// added, a grant made) is in private state and is reused by that apply.
pub async fn update(
    env: &Env<'_>,
    c: &Change<'_>,
    prior_value: &Value,
    prior: &Model,
    mut private: Private,
) -> ApplyResponse {
    let (old, new) = match (
        resolved(prior, c.provider_project),
        resolved(c.planned, c.provider_project),
    ) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(d), _) | (_, Err(d)) => return fail(d),
    };
    let mut progress = Progress {
        number: prior.project_number.known().cloned(),
        agent: prior.service_agent.known().cloned(),
        version: prior.secret_version.known().cloned(),
        repointed: false,
    };
    let new_token = token_changed(prior, c.planned) || old.secret != new.secret;
    let result = match desired(c, &new, new_token, false) {
        Ok(want) => converge::converge(env, &want, &mut private, &mut progress).await,
        Err(d) => Err(d),
    };
    if result.is_ok() {
        private.drift.clear();
    }
    let new_state = if progress.repointed {
        state(c.planned, &new.repo, &progress)
    } else {
        prior_value.clone()
    };
    respond(new_state, &new.repo, &private, result)
}

/// What a destroy returns.
pub struct Deleted {
    /// The private state to keep (a failed delete keeps the prior state).
    pub private: Vec<u8>,
    /// The identity to keep, on failure.
    pub identity: Option<Value>,
    /// Errors.
    pub diagnostics: crate::tfplugin::Diagnostics,
}

/// Delete (`DELETE`): clears the repository's credentials when they are
/// this resource's, then releases the secret (and one moved away from).
/// `ABANDON` only forgets.
pub async fn delete(
    env: &Env<'_>,
    prior: &Model,
    private_bytes: &[u8],
    provider_project: Option<&str>,
) -> Deleted {
    let done = Deleted {
        private: Vec::new(),
        identity: None,
        diagnostics: Default::default(),
    };
    if DeletionPolicy::of(&prior.deletion_policy) == DeletionPolicy::Abandon {
        return done;
    }
    let Some(r) = validate::resolve(prior, provider_project) else {
        return done;
    };
    let private = Private::decode(private_bytes);
    match delete_steps(env, prior, &r, &private).await {
        Ok(()) => done,
        Err(d) => Deleted {
            private: private_bytes.to_vec(),
            identity: Some(model::identity(&r.repo)),
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
    let mut bookkeeping = Some(private.clone());
    let mut secret = r.secret.clone();
    while let Some(p) = bookkeeping.take() {
        release::release(
            env,
            Release {
                secret: &secret,
                me: &me,
                project: &r.repo.project,
                member: &member,
                private: &p,
            },
        )
        .await?;
        if let Some(older) = p.moved_from {
            match older.secret.as_deref().and_then(ids::parse_secret_name) {
                Some(s) => {
                    secret = s;
                    bookkeeping = Some(*older);
                }
                None => bookkeeping = None,
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_fills_computed() {
        let planned = Model {
            secret_version: Attr::Unknown,
            service_agent: Attr::Unknown,
            project_number: Attr::Unknown,
            ..Model::default()
        };
        let repo = RepositoryRef {
            project: "demo-project".into(),
            location: "us".into(),
            id: "pypi".into(),
        };
        let p = Progress {
            number: Some("1".into()),
            ..Progress::default()
        };
        let s = state(&planned, &repo, &p);
        assert!(s.is_wholly_known());
        assert_eq!(s.attr("project_number"), &Value::String("1".into()));
        assert_eq!(s.attr("id"), &Value::String(repo.name()));
    }

    #[test]
    fn token_change_detection() {
        let a = Model {
            token: Attr::Known(model::Token::new("pypi-a")),
            ..Model::default()
        };
        let b = Model {
            token: Attr::Known(model::Token::new("pypi-b")),
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
