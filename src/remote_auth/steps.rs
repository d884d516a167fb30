//! The individual Google calls of the workflow, each safe to repeat, shared
//! by converge, release, read and plan. Errors come back as diagnostics that
//! already name the operation, resource and fix.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

use crate::google::artifactregistry::{Repository, UsernamePasswordCredentials};
use crate::google::retry::RetryPolicy;
use crate::google::rmw;
use crate::google::secretmanager::{Secret, SecretVersion};
use crate::google::{ApiError, GoogleClient, Op};
use crate::tfplugin::Diagnostic;

use super::errors::{api_error, is_missing_agent, may_be_propagation, Step};
use super::ids::{self, SecretRef};
use super::model::Token;
use super::shared::{lock, Caches};
use super::sharing;

/// What every step needs: the client, the deadline/cancellation, the caches.
pub struct Env<'a> {
    /// Google APIs.
    pub client: &'a GoogleClient,
    /// Deadline and cancellation of this RPC.
    pub op: Op,
    /// Provider-lifetime caches.
    pub caches: &'a Caches,
    /// The provider configuration's fingerprint: the scope of what
    /// [`Caches::run`] keeps.
    pub run_scope: &'a str,
}

/// A secret as [`Env::create_secret`] leaves it.
pub struct Ensured {
    /// The secret as it now exists.
    pub secret: Secret,
    /// True when this provider created it for this repository (now, or in
    /// an earlier run whose answer was lost).
    pub ours: bool,
    /// True when this call's create answered: the secret is new, with no
    /// versions and an empty policy.
    pub created_now: bool,
}

impl Ensured {
    /// A secret that already existed, as read: ours when its created-by
    /// marker names repository `me`.
    pub fn found(secret: Secret, me: &str) -> Ensured {
        Ensured {
            ours: sharing::created_by(&secret.annotations, me),
            secret,
            created_now: false,
        }
    }
}

impl Env<'_> {
    /// Waits for, and holds, the secret's version lock (see [`Caches::version_locks`]).
    pub async fn version_gate(&self, secret: &SecretRef) -> tokio::sync::OwnedMutexGuard<()> {
        let gate = Arc::clone(
            lock(&self.caches.version_locks)
                .entry(secret.name())
                .or_default(),
        );
        gate.lock_owned().await
    }

    /// True when this process has seen the secret exist (see [`Caches::seen_secrets`]).
    pub fn seen_secret(&self, secret: &SecretRef) -> bool {
        lock(&self.caches.seen_secrets).contains(&secret.name())
    }

    /// Notes whether the secret exists, as a read or write just showed.
    fn saw_secret(&self, secret: &SecretRef, exists: bool) {
        let mut seen = lock(&self.caches.seen_secrets);
        if exists {
            seen.insert(secret.name());
        } else {
            seen.remove(&secret.name());
        }
    }

    /// Forgets the shared reads of secrets: called before every change this
    /// process makes to a secret's versions or policy. Changes and shared
    /// reads rarely meet in one process (Terraform refreshes in the plan
    /// walk and changes in the apply walk), so forgetting all is cheap.
    fn changing(&self) {
        self.caches.secret_versions.clear();
        self.caches.secret_policies.clear();
    }

    /// True when two project references (IDs or numbers) are the same project.
    /// Lookup failures answer `true`: callers use this to keep shared bindings, and keeping is the safe side.
    pub async fn same_project(&self, a: &str, b: &str) -> bool {
        if a == b {
            return true;
        }
        match (self.project_number(a).await, self.project_number(b).await) {
            (Ok(x), Ok(y)) => x == y,
            _ => true,
        }
    }

    /// The secret, or `None` when it does not exist.
    pub async fn get_secret(&self, secret: &SecretRef) -> Result<Option<Secret>, Diagnostic> {
        match self.client.get_secret(&self.op, &secret.name()).await {
            Ok(s) => {
                self.saw_secret(secret, true);
                Ok(Some(s))
            }
            Err(e) if e.is_not_found() => {
                self.saw_secret(secret, false);
                Ok(None)
            }
            Err(e) => Err(api_error(
                Step::Secret,
                "read the secret",
                &secret.name(),
                &e,
            )),
        }
    }

    /// Creates the secret from `body` for repository `me`. A create whose
    /// answer was lost is not sent again blindly: the secret is read, and
    /// it is ours when it carries our created-by marker. A secret that
    /// exists already (409, or 403 to a caller who may use the secret but
    /// not create secrets in its project) is used as it is.
    pub async fn create_secret(
        &self,
        secret: &SecretRef,
        body: &Secret,
        me: &str,
    ) -> Result<Ensured, Diagnostic> {
        self.changing();
        let error = |e: &ApiError| api_error(Step::Secret, "create the secret", &secret.name(), e);
        for _ in 0..3 {
            tracing::info!(secret = %secret.name(), "creating the secret");
            match self
                .client
                .create_secret(&self.op, &secret.project, &secret.id, body)
                .await
            {
                Ok(created) => {
                    self.saw_secret(secret, true);
                    return Ok(Ensured {
                        secret: created,
                        ours: true,
                        created_now: true,
                    });
                }
                Err(e)
                    if e.is_already_exists() || e.is_unconfirmed() || e.is_permission_denied() =>
                {
                    tracing::info!(secret = %secret.name(), error = %e, "reading the secret to learn what the create did");
                    if let Some(found) = self.get_secret(secret).await? {
                        return Ok(Ensured::found(found, me));
                    }
                    // Gone again after a 409 (deleted meanwhile), or never
                    // there after a 403: report what the create answered.
                    if !e.is_unconfirmed() {
                        return Err(error(&e));
                    }
                }
                Err(e) => return Err(error(&e)),
            }
        }
        Err(Diagnostic::error(
            "Could not create the secret",
            format!("Creating {} kept failing without an answer.", secret.name()),
        ))
    }

    /// Read-modify-write of the secret's annotations; `modify` answers
    /// whether anything changed. Answers the secret as it is afterwards, or
    /// `None` when it does not exist (nothing to record on).
    pub async fn update_annotations<F>(
        &self,
        secret: &SecretRef,
        modify: F,
    ) -> Result<Option<Secret>, Diagnostic>
    where
        F: Fn(&mut BTreeMap<String, String>) -> bool,
    {
        let name = secret.name();
        let gate = Arc::clone(
            lock(&self.caches.annotation_locks)
                .entry(name.clone())
                .or_default(),
        );
        let _serialized = gate.lock().await;
        // Other processes (another Terraform run, a person) can still win the
        // etag race: rmw reads again with jittered backoff until the deadline.
        let result = rmw::read_modify_write(
            &self.op,
            &RetryPolicy::default(),
            "secret annotations",
            || self.client.get_secret(&self.op, &name),
            |s: &mut Secret| modify(&mut s.annotations),
            |s: Secret| async move { self.client.patch_secret(&self.op, &s, "annotations").await },
            |e| {
                e.is_aborted() || e.is_failed_precondition() || e.status() == Some("ALREADY_EXISTS")
            },
        )
        .await;
        match result {
            Ok(w) => Ok(Some(w.value)),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(api_error(
                Step::Secret,
                "record this repository on the secret's annotations",
                &name,
                &e,
            )),
        }
    }

    /// Every version of the secret.
    pub async fn list_versions(
        &self,
        secret: &SecretRef,
    ) -> Result<Vec<SecretVersion>, Diagnostic> {
        self.client
            .list_secret_versions(&self.op, &secret.name())
            .await
            .map_err(|e| {
                api_error(
                    Step::Version,
                    "list the secret's versions",
                    &secret.name(),
                    &e,
                )
            })
    }

    /// Adds a version holding `token`; answers its name in project-ID form.
    /// `known` are the version numbers that existed before. An answer that
    /// was lost is reconciled instead of repeated: a version that is new
    /// since then and holds the token (compared by reading it back) is the
    /// one this call added. Comparing against the versions seen before,
    /// rather than against creation times, needs no trust in clocks; the
    /// caller holds [`Env::version_gate`], so no version of a sharer in
    /// this process is new and unclaimed at the same time.
    pub async fn add_version(
        &self,
        secret: &SecretRef,
        token: &Token,
        known: &HashSet<String>,
        me: &str,
    ) -> Result<String, Diagnostic> {
        self.changing();
        let error = |e: &ApiError| {
            api_error(
                Step::Version,
                "add a secret version with the token",
                &secret.name(),
                e,
            )
        };
        let mut known = known.clone();
        for _ in 0..3 {
            tracing::info!(secret = %secret.name(), "adding a secret version with the token");
            match self
                .client
                .add_secret_version(&self.op, &secret.name(), token.expose().as_bytes())
                .await
            {
                Ok(v) => return self.version_name_of(secret, &v.name),
                Err(e) if e.is_unconfirmed() => {
                    tracing::info!(secret = %secret.name(), error = %e, "looking for the version the unanswered call may have added");
                    // Versions other users claim are theirs, whatever they hold.
                    if let Some(s) = self.get_secret(secret).await? {
                        known.extend(sharing::claimed_by_others(&s.annotations, me));
                    }
                    let versions = self.list_versions(secret).await?;
                    for v in versions.iter().rev() {
                        let Some(n) = version_number(&v.name) else {
                            continue;
                        };
                        if known.contains(&n) || v.state != "ENABLED" {
                            continue;
                        }
                        let name = secret.version_name(&n);
                        if self.version_holds(&name, token).await {
                            tracing::info!(version = %name, "the unanswered call had added the version: adopting it");
                            return Ok(name);
                        }
                        known.insert(n);
                    }
                }
                Err(e) => return Err(error(&e)),
            }
        }
        Err(Diagnostic::error(
            "Could not add the secret version",
            format!(
                "Adding a version to {} kept failing without an answer.",
                secret.name()
            ),
        ))
    }

    /// The project-ID form of a version name Google answered.
    fn version_name_of(&self, secret: &SecretRef, answered: &str) -> Result<String, Diagnostic> {
        match version_number(answered) {
            Some(n) => Ok(secret.version_name(&n)),
            None => Err(Diagnostic::error(
                "Unexpected secret version name",
                format!(
                    "Secret Manager answered the new version of {} with the name {answered:?}.",
                    secret.name()
                ),
            )),
        }
    }

    /// Grants `member` the accessor role on the secret; answers whether this
    /// call added it. A service agent IAM does not know is generated when
    /// `create_agent` (for the repository `project`) and then waited for.
    ///
    /// The agent is generated only when IAM answers that it does not exist:
    /// generating needs `serviceusage.services.use`, which the roles Google's
    /// guide names do not grant, so callers with exactly those roles work
    /// whenever the project already has its agent.
    pub async fn grant(
        &self,
        secret: &SecretRef,
        member: &str,
        project: &str,
        create_agent: bool,
    ) -> Result<bool, Diagnostic> {
        let first = self.try_add_binding(secret, member).await;
        if !matches!(&first, Err(e) if create_agent && is_missing_agent(e)) {
            return first.map_err(|e| self.binding_error(secret, &e));
        }
        self.client
            .generate_artifact_registry_service_identity(&self.op, project)
            .await
            .map_err(|e| {
                api_error(
                    Step::ServiceAgent,
                    "generate the Artifact Registry service agent",
                    &format!("projects/{project}"),
                    &e,
                )
            })?;
        rmw::retry_while(
            &self.op,
            &RetryPolicy::default(),
            "the new Artifact Registry service agent to become visible to IAM",
            || self.try_add_binding(secret, member),
            is_missing_agent,
        )
        .await
        .map_err(|e| self.binding_error(secret, &e))
    }

    /// Adds the binding; "added by this call" is judged against the policy
    /// read before the first write, so a write whose answer was lost still
    /// counts as ours.
    async fn try_add_binding(&self, secret: &SecretRef, member: &str) -> Result<bool, ApiError> {
        self.changing();
        let written = self
            .client
            .modify_secret_iam_policy(&self.op, &secret.name(), |p| {
                p.add_member(ids::ACCESSOR_ROLE, member)
            })
            .await?;
        Ok(written.changed)
    }

    /// The diagnostic for a failed grant of the accessor role.
    fn binding_error(&self, secret: &SecretRef, e: &ApiError) -> Diagnostic {
        api_error(
            Step::SecretPolicy,
            "grant the service agent roles/secretmanager.secretAccessor",
            &secret.name(),
            e,
        )
    }

    /// True when the secret's policy grants `member` the accessor role.
    pub async fn has_binding(&self, secret: &SecretRef, member: &str) -> Result<bool, Diagnostic> {
        self.client
            .get_secret_iam_policy(&self.op, &secret.name())
            .await
            .map(|p| p.has_member(ids::ACCESSOR_ROLE, member))
            .map_err(|e| self.binding_error(secret, &e))
    }

    /// Removes `member` from the accessor role; a missing secret is success.
    pub async fn remove_binding(&self, secret: &SecretRef, member: &str) -> Result<(), Diagnostic> {
        self.changing();
        let name = secret.name();
        let result = self
            .client
            .modify_secret_iam_policy(&self.op, &name, |p| {
                p.remove_member(ids::ACCESSOR_ROLE, member)
            })
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(e) if e.is_not_found() => Ok(()),
            Err(e) => Err(api_error(
                Step::SecretPolicy,
                "remove the service agent's access to the secret",
                &name,
                &e,
            )),
        }
    }

    /// Reads the repository; `None` when it does not exist.
    pub async fn get_repository(&self, name: &str) -> Result<Option<Repository>, Diagnostic> {
        match self.client.get_repository(&self.op, name).await {
            Ok(r) => Ok(Some(r)),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(api_error(
                Step::GetRepository,
                "read the repository",
                name,
                &e,
            )),
        }
    }

    /// Points the repository at `version` with `username`. With
    /// `grant_is_new` (this apply just granted the service agent), a refusal
    /// of the upstream check is waited out: IAM changes take minutes to
    /// reach Artifact Registry's check, and the refusal then goes away.
    /// The error keeps the API error, so callers can tell that refusal.
    pub async fn set_credentials(
        &self,
        repo: &str,
        username: &str,
        version: &str,
        grant_is_new: bool,
    ) -> Result<(), (Diagnostic, ApiError)> {
        tracing::info!(
            repository = repo,
            version,
            "pointing the repository's upstream credentials at the version"
        );
        let creds = UsernamePasswordCredentials {
            username: username.to_string(),
            password_secret_version: version.to_string(),
        };
        let patch = || async {
            self.client
                .set_upstream_credentials(&self.op, repo, Some(&creds))
                .await
                .map(|_| ())
        };
        let result = if grant_is_new {
            rmw::retry_while(
                &self.op,
                &RetryPolicy::default(),
                "the service agent's new access to the secret to reach Artifact Registry's upstream check (IAM changes take minutes to propagate)",
                patch,
                may_be_propagation,
            )
            .await
        } else {
            patch().await
        };
        result.map_err(|e| {
            let d = api_error(
                Step::PatchRepository,
                "set the repository's upstream credentials",
                repo,
                &e,
            );
            (d, e)
        })
    }

    /// Clears the repository's credentials; a missing repository is success.
    pub async fn clear_credentials(&self, repo: &str) -> Result<(), Diagnostic> {
        match self
            .client
            .set_upstream_credentials(&self.op, repo, None)
            .await
        {
            Ok(_) => Ok(()),
            Err(e) if e.is_not_found() => Ok(()),
            Err(e) => Err(api_error(
                Step::PatchRepository,
                "clear the repository's upstream credentials",
                repo,
                &e,
            )),
        }
    }

    /// Disables a version; already disabled, destroyed or gone is success.
    pub async fn disable_version(&self, name: &str) -> Result<(), Diagnostic> {
        self.changing();
        match self.client.disable_secret_version(&self.op, name).await {
            Ok(_) => Ok(()),
            Err(e) if e.is_not_found() || e.is_failed_precondition() => Ok(()),
            Err(e) => Err(api_error(
                Step::Version,
                "disable the superseded secret version",
                name,
                &e,
            )),
        }
    }

    /// Destroys a version; already destroyed or gone is success.
    pub async fn destroy_version(&self, name: &str) -> Result<(), Diagnostic> {
        self.changing();
        match self.client.destroy_secret_version(&self.op, name).await {
            Ok(_) => Ok(()),
            Err(e) if e.is_not_found() || e.is_failed_precondition() => Ok(()),
            Err(e) => Err(api_error(
                Step::Version,
                "destroy the secret version",
                name,
                &e,
            )),
        }
    }

    /// Deletes the secret if it is still as read with `etag`. Answers false
    /// when it changed meanwhile (a new user may have arrived: decide again).
    pub async fn delete_secret(&self, secret: &SecretRef, etag: &str) -> Result<bool, Diagnostic> {
        self.changing();
        let etag = (!etag.is_empty()).then_some(etag);
        match self
            .client
            .delete_secret(&self.op, &secret.name(), etag)
            .await
        {
            Ok(()) => {
                self.saw_secret(secret, false);
                Ok(true)
            }
            Err(e) if e.is_not_found() => {
                self.saw_secret(secret, false);
                Ok(true)
            }
            Err(e) if e.is_failed_precondition() || e.is_aborted() => Ok(false),
            Err(e) => Err(api_error(
                Step::Secret,
                "delete the secret",
                &secret.name(),
                &e,
            )),
        }
    }

    /// True when the stored payload of `version` equals `token`. Any failure
    /// answers false: a new version is then stored, which is always safe.
    pub async fn version_holds(&self, version: &str, token: &Token) -> bool {
        match self.client.access_secret_version(&self.op, version).await {
            Ok(bytes) => bytes == token.expose().as_bytes(),
            Err(_) => false,
        }
    }
}

/// The version number at the end of a version name.
pub fn version_number(name: &str) -> Option<String> {
    ids::parse_version_name(name)
        .map(|r| r.version)
        .filter(|n| !n.is_empty())
}
