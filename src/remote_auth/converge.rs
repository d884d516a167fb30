//! The one convergence routine behind create, update, drift repair, secret
//! moves and the run after a crash: it reads what Google reports (the
//! repository's credentials, the secret, its versions and policy), compares
//! that with what the configuration wants, and performs only the missing
//! steps of Google's guide, in their dependency order:
//!
//! 1. the secret exists (created with this repository recorded on it);
//! 2. a version holding the token is ENABLED: reused when one already holds
//!    it (the one in use, one an earlier failed or killed run added, or one
//!    an unanswered `:addVersion` added), added otherwise;
//!    ∥ the service agent holds `roles/secretmanager.secretAccessor`;
//! 3. the version is claimed on the secret's annotations, *before*
//! 4. the repository is pointed at it (`__token__` + the version);
//! 5. superseded versions this provider added get `previous_version_policy`;
//! 6. a secret moved away from is released.
//!
//! Memory is written before the step it protects: the binding marker before
//! the grant, the claim before the repository update, the superseded list
//! before the repository update. Everything else is observed again on the
//! next run, so a run that fails or is killed at any step is finished by the
//! next apply.

use std::collections::BTreeMap;

use crate::google::secretmanager::{Secret, SecretVersion};
use crate::tfplugin::Diagnostic;

use super::choose::{choose_version, Chosen};
use super::desired::Desired;
use super::errors::may_be_propagation;
use super::ids::{self, SecretRef};
use super::model::PreviousVersionPolicy;
use super::private::{same_version_tail, Private};
use super::release::{self, Release};
use super::sharing;
use super::steps::{version_number, Ensured, Env};
use super::sweep;

/// The number Secret Manager gives a secret's first version.
const FIRST_VERSION: &str = "1";

impl Desired<'_> {
    /// What sweeping the secret needs.
    fn sweep(&self) -> sweep::Sweep<'_> {
        sweep::Sweep {
            secret: self.secret,
            previous: self.previous,
        }
    }
}

/// Computed values as far as the run got.
#[derive(Debug, Default, Clone)]
pub struct Progress {
    /// The repository project's number.
    pub number: Option<String>,
    /// The service agent's email.
    pub agent: Option<String>,
    /// The version the repository uses.
    pub version: Option<String>,
    /// True once the repository uses the wanted version and username.
    pub repointed: bool,
}

/// Converges Google on `want`, keeping `private` up to date as it goes.
pub async fn converge(
    env: &Env<'_>,
    want: &Desired<'_>,
    private: &mut Private,
    p: &mut Progress,
) -> Result<(), Diagnostic> {
    let me = want.repo.name();
    adopt_bookkeeping(private, want.secret);
    let number = match &want.number {
        Some(n) => n.clone(),
        None => env.project_number(&want.repo.project).await?,
    };
    let agent = ids::service_agent_email(&number);
    let member = ids::service_agent_member(&agent);
    p.number = Some(number.clone());
    p.agent = Some(agent);

    // The repository is read while the secret is read or created: neither
    // depends on the other.
    let (repository, obtained) = tokio::join!(
        env.get_repository(&me),
        obtain_secret(env, want, &me, &number)
    );
    let Some(repository) = repository? else {
        return Err(Diagnostic::error(
            "Repository not found",
            format!("The Artifact Registry repository {me} does not exist (any more). Create the PyPI remote repository, or remove this resource."),
        ));
    };
    let current = repository
        .credentials()
        .filter(|c| !c.password_secret_version.is_empty())
        .cloned();
    let in_use = match &current {
        Some(c) if release::points_at(env, &c.password_secret_version, want.secret).await => {
            version_number(&c.password_secret_version)
        }
        _ => None,
    };

    let (made, created_here) = obtained?;
    if created_here && made.ours {
        // A secret made now (or by an earlier run that lost the answer):
        // what the bookkeeping says about an older one no longer applies.
        let moved_from = private.moved_from.take();
        *private = Private {
            secret: Some(want.secret.name()),
            created_secret: true,
            moved_from,
            ..Private::default()
        };
    }
    let fresh = made.created_now;
    let secret = made.secret;
    let versions = if fresh {
        Vec::new()
    } else {
        env.list_versions(want.secret).await?
    };
    if sharing::created_by(&secret.annotations, &me) {
        private.created_secret = true;
    }
    // The versions this resource added, as recorded on the secret: private
    // state alone does not survive every killed run.
    for added in sharing::my_added(&secret.annotations, &me) {
        private.record_version(&want.secret.version_name(&added));
    }
    // A claim as written: marked when this resource added the version.
    let entry = |n: &str, private: &Private| {
        if private.created_version(&want.secret.version_name(n)) {
            sharing::added(n)
        } else {
            n.to_string()
        }
    };
    // Before any change: this repository's record must fit on the secret.
    if !sharing::fits_annotation_budget(&secret.annotations, &me) {
        return Err(annotation_budget(want.secret));
    }

    if !fresh && !sharing::is_user(&secret.annotations, &me) {
        // Recorded before a version is added, so that a sole user sweeping
        // its secret for versions nobody claims never takes ours for one.
        let claims: Vec<String> = in_use.iter().map(|u| entry(u, private)).collect();
        env.update_annotations(want.secret, |a| {
            !sharing::is_user(a, &me) && sharing::claim(a, &me, &claims)
        })
        .await?;
    }
    let gate = env.version_gate(want.secret).await;
    let (version, bound) = tokio::join!(
        choose_version(env, want, &secret, &versions, in_use.as_deref(), private),
        ensure_grant(env, want, &secret, &member, &number, fresh),
    );
    let Chosen {
        name: version,
        own: adopted,
        marked,
    } = version?;
    let grant_added = bound?;
    if adopted {
        private.record_version(&version);
    }
    if grant_added {
        private.added_binding = true;
    }

    let Some(n) = version_number(&version) else {
        return Err(Diagnostic::error(
            "Unexpected secret version name",
            format!("{version:?} has no version number."),
        ));
    };
    let mut claims = vec![entry(&n, private)];
    if let Some(u) = in_use.as_ref().filter(|u| **u != n) {
        claims.push(entry(u, private));
    }
    if marked || sharing::my_entries(&secret.annotations, &me) != claims {
        env.update_annotations(want.secret, |a| sharing::claim(a, &me, &claims))
            .await?;
    }
    drop(gate);

    let superseded = superseded(want, &secret, &versions, fresh, &me, &version, private);
    let strays = sweep::strays(&want.sweep(), &secret, &versions, &me, &version, private);
    for v in &superseded {
        if !private.superseded.iter().any(|s| same_version_tail(s, v)) {
            private.superseded.push(v.clone());
        }
    }
    let pointed = current.as_ref().is_some_and(|c| {
        c.username == want.username
            && same_version_tail(&c.password_secret_version, &version)
            && in_use.as_deref() == Some(n.as_str())
    });
    if !pointed {
        // A grant made now, or one this provider made for a create of this
        // repository that was refused while it propagated (the replacement
        // Terraform runs after that failure), may not be visible yet.
        let replacing = private.version.is_none()
            && sharing::created_by(&secret.annotations, &me)
            && secret
                .annotations
                .contains_key(&sharing::bound_key(&number));
        let grant_is_new = grant_added || replacing || private.awaiting_grant_since.is_some();
        if let Err((d, e)) = env
            .set_credentials(&me, &want.username, &version, grant_is_new)
            .await
        {
            if grant_is_new && may_be_propagation(&e) && private.version.is_none() {
                // Only time was missing: see `release` for why the destroy
                // of this unfinished create keeps the secret and the grant.
                private.awaiting_grant_since = Some(super::private::unix_now());
            }
            return Err(d);
        }
        private.awaiting_grant_since = None;
    }
    private.version = Some(version.clone());
    p.version = Some(version.clone());
    p.repointed = true;

    if claims.len() > 1 {
        // The repository no longer uses the version it used before.
        let claim = [entry(&n, private)];
        env.update_annotations(want.secret, |a| sharing::claim(a, &me, &claim))
            .await?;
    }
    apply_previous_policy(env, want.previous, private).await?;
    if !strays.is_empty() {
        sweep::sweep(env, &want.sweep(), &me, &version, &strays).await?;
    }
    release_moved_from(env, want, &member, private).await
}

/// Bookkeeping is about one secret: moving to another keeps what this
/// resource made in the old one until that is released.
fn adopt_bookkeeping(private: &mut Private, secret: &SecretRef) {
    let name = secret.name();
    match private.secret.as_deref() {
        Some(s) if s == name => {}
        Some(_) => {
            let old = std::mem::take(private);
            *private = Private {
                secret: Some(name),
                moved_from: Some(Box::new(old)),
                ..Private::default()
            };
        }
        None => private.secret = Some(name),
    }
}

/// The secret as it is, or as created now; true when this call sent the
/// create. Where the secret most likely does not exist yet (a resource being
/// created, for a secret this process has not seen) the create is sent
/// first: a secret that exists answers 409 (or 403 to a caller who may not
/// create secrets) and is then read, while the usual case saves the read.
async fn obtain_secret(
    env: &Env<'_>,
    want: &Desired<'_>,
    me: &str,
    number: &str,
) -> Result<(Ensured, bool), Diagnostic> {
    if !want.create_first || env.seen_secret(want.secret) {
        if let Some(s) = env.get_secret(want.secret).await? {
            return Ok((Ensured::found(s, me), false));
        }
    }
    let body = new_secret(want, me, number);
    let made = env.create_secret(want.secret, &body, me).await?;
    Ok((made, true))
}

/// The secret to create: replication and labels as planned, this repository
/// recorded as its creator and user, and the binding marker, written before
/// the grant it announces (a new secret's policy is empty, so the grant that
/// follows is certainly this provider's).
fn new_secret(want: &Desired<'_>, me: &str, number: &str) -> Secret {
    let replication = if want.replicas.is_empty() {
        serde_json::json!({"automatic": {}})
    } else {
        let list: Vec<_> = want
            .replicas
            .iter()
            .map(|l| serde_json::json!({"location": l}))
            .collect();
        serde_json::json!({"userManaged": {"replicas": list}})
    };
    let mut annotations = BTreeMap::new();
    // A new secret's first version is number 1: claimed ahead, so that the
    // version added next needs no second write before the repository uses
    // it. Should another user add version 1 first, this resource claims the
    // one it got instead before using it, and an extra claim only keeps a
    // version alive longer.
    sharing::claim(&mut annotations, me, &[sharing::added(FIRST_VERSION)]);
    annotations.insert(sharing::CREATED_BY_KEY.to_string(), me.to_string());
    annotations.insert(
        sharing::bound_key(number),
        ids::service_agent_member(&ids::service_agent_email(number)),
    );
    Secret {
        replication: Some(replication),
        labels: want.labels.clone(),
        annotations,
        ..Secret::default()
    }
}

/// Makes sure the service agent holds the accessor role; answers whether
/// this run added it. On an existing secret the marker saying "this
/// provider bound that project's agent" is written before the grant.
async fn ensure_grant(
    env: &Env<'_>,
    want: &Desired<'_>,
    secret: &Secret,
    member: &str,
    number: &str,
    fresh: bool,
) -> Result<bool, Diagnostic> {
    let key = sharing::bound_key(number);
    if !fresh {
        if env.has_binding(want.secret, member).await? {
            return Ok(false);
        }
        if secret.annotations.get(&key).map(String::as_str) != Some(member) {
            env.update_annotations(want.secret, |a| {
                a.insert(key.clone(), member.to_string()).as_deref() != Some(member)
            })
            .await?;
        }
    }
    env.grant(want.secret, member, &want.repo.project, want.create_agent)
        .await
}

/// The versions to retire once the repository uses `version`: those this
/// resource added that are still ENABLED. Versions another user claims are
/// never retired.
fn superseded(
    want: &Desired<'_>,
    secret: &Secret,
    versions: &[SecretVersion],
    fresh: bool,
    me: &str,
    version: &str,
    private: &Private,
) -> Vec<String> {
    if want.previous == PreviousVersionPolicy::Keep {
        return Vec::new();
    }
    let others = sharing::claimed_by_others(&secret.annotations, me);
    let enabled = |n: &str| {
        fresh
            || versions
                .iter()
                .any(|v| v.state == "ENABLED" && version_number(&v.name).as_deref() == Some(n))
    };
    let mut out: Vec<String> = Vec::new();
    let mut consider = |n: String| {
        let name = want.secret.version_name(&n);
        if !same_version_tail(&name, version)
            && !others.contains(&n)
            && enabled(&n)
            && !out.contains(&name)
        {
            out.push(name);
        }
    };
    for v in &private.created_versions {
        if let Some(n) = version_number(v) {
            consider(n);
        }
    }
    out
}

/// Disables or destroys the recorded superseded versions.
async fn apply_previous_policy(
    env: &Env<'_>,
    policy: PreviousVersionPolicy,
    private: &mut Private,
) -> Result<(), Diagnostic> {
    while let Some(v) = private.superseded.first().cloned() {
        match policy {
            PreviousVersionPolicy::Keep => {}
            PreviousVersionPolicy::Disable => env.disable_version(&v).await?,
            PreviousVersionPolicy::Destroy => {
                env.destroy_version(&v).await?;
                private.forget_version(&v);
            }
        }
        private.superseded.remove(0);
    }
    Ok(())
}

/// Releases the secret(s) this resource moved away from.
async fn release_moved_from(
    env: &Env<'_>,
    want: &Desired<'_>,
    member: &str,
    private: &mut Private,
) -> Result<(), Diagnostic> {
    let me = want.repo.name();
    while let Some(old) = private.moved_from.take() {
        let Some(secret) = old.secret.as_deref().and_then(ids::parse_secret_name) else {
            private.moved_from = old.moved_from.clone();
            continue;
        };
        let result = release::release(
            env,
            Release {
                secret: &secret,
                me: &me,
                project: &want.repo.project,
                member,
                private: &old,
            },
        )
        .await;
        if let Err(d) = result {
            private.moved_from = Some(old);
            return Err(d);
        }
        private.moved_from = old.moved_from.clone();
    }
    Ok(())
}

/// The error for annotations that would exceed Secret Manager's budget.
pub fn annotation_budget(secret: &SecretRef) -> Diagnostic {
    Diagnostic::error(
        "Too many repositories share this secret",
        format!(
            "Recording this repository on {} would take its annotations past Secret Manager's limit of {} bytes (keys and values together). Use another secret (`secret_id`) for some of the repositories.",
            secret.name(),
            sharing::ANNOTATION_BUDGET
        ),
    )
}
