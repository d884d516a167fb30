//! The individual Google calls of the workflow, each idempotent ("ensure"),
//! shared by create, update, repair and delete. Errors come back as
//! diagnostics that already name the operation, resource and fix.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use crate::google::artifactregistry::{Repository, UsernamePasswordCredentials};
use crate::google::retry::{self, RetryPolicy};
use crate::google::secretmanager::Secret;
use crate::google::{ApiError, GoogleClient, Op};
use crate::tfplugin::Diagnostic;

use super::errors::{api_error, Step};
use super::ids::{self, SecretRef};
use super::sharing;

/// Caches that live as long as the provider instance.
#[derive(Debug, Default)]
pub struct Caches {
    /// Project ID → project number.
    pub project_numbers: Mutex<HashMap<String, String>>,
    /// Preflight: tested resource → the permissions the caller holds there,
    /// filled once even when several resources plan at the same time.
    pub preflight: Mutex<HashMap<String, Arc<tokio::sync::OnceCell<Vec<String>>>>>,
    /// Secret name → lock held while this process rewrites its annotations:
    /// many resources of one apply share a secret, and letting them race on
    /// the etag only burns retries.
    pub annotation_locks: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
}

/// What every step needs: the client, the deadline/cancellation, the caches.
pub struct Env<'a> {
    /// Google APIs.
    pub client: &'a GoogleClient,
    /// Deadline and cancellation of this RPC.
    pub op: Op,
    /// Provider-lifetime caches.
    pub caches: &'a Caches,
}

impl Env<'_> {
    /// The project's number, cached per provider instance.
    pub async fn project_number(&self, project: &str) -> Result<String, Diagnostic> {
        if ids::is_project_number(project) {
            return Ok(project.to_string());
        }
        if let Some(n) = lock(&self.caches.project_numbers).get(project) {
            return Ok(n.clone());
        }
        let p = self
            .client
            .get_project(&self.op, project)
            .await
            .map_err(|e| {
                api_error(
                    Step::ProjectLookup,
                    "look up the project number",
                    &format!("projects/{project}"),
                    &e,
                )
            })?;
        lock(&self.caches.project_numbers).insert(project.to_string(), p.project_number.clone());
        Ok(p.project_number)
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
            Ok(s) => Ok(Some(s)),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(api_error(
                Step::Secret,
                "read the secret",
                &secret.name(),
                &e,
            )),
        }
    }

    /// Makes sure the secret exists and records `me` as a user. Answers
    /// whether this call created it. A concurrent create (409) is used as is.
    pub async fn ensure_secret(
        &self,
        secret: &SecretRef,
        existing: Option<Secret>,
        replicas: &[String],
        labels: &BTreeMap<String, String>,
        me: &str,
    ) -> Result<bool, Diagnostic> {
        if existing.is_some() {
            self.update_annotations(secret, |a| sharing::add_user(a, me))
                .await?;
            return Ok(false);
        }
        let replication = if replicas.is_empty() {
            serde_json::json!({"automatic": {}})
        } else {
            let list: Vec<_> = replicas
                .iter()
                .map(|l| serde_json::json!({"location": l}))
                .collect();
            serde_json::json!({"userManaged": {"replicas": list}})
        };
        let mut annotations = BTreeMap::new();
        sharing::add_user(&mut annotations, me);
        annotations.insert(sharing::CREATED_BY_KEY.to_string(), me.to_string());
        tracing::info!(secret = %secret.name(), "creating the secret");
        let body = Secret {
            replication: Some(replication),
            labels: labels.clone(),
            annotations,
            ..Secret::default()
        };
        match self
            .client
            .create_secret(&self.op, &secret.project, &secret.id, &body)
            .await
        {
            Ok(_) => Ok(true),
            Err(e) if e.is_already_exists() => {
                self.update_annotations(secret, |a| sharing::add_user(a, me))
                    .await?;
                Ok(false)
            }
            Err(e) => Err(api_error(
                Step::Secret,
                "create the secret",
                &secret.name(),
                &e,
            )),
        }
    }

    /// Read-modify-write of the secret's annotations; `modify` answers whether
    /// anything changed. A missing secret is success (nothing to record on).
    pub async fn update_annotations<F>(
        &self,
        secret: &SecretRef,
        modify: F,
    ) -> Result<(), Diagnostic>
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
        // etag race: re-read with jittered backoff until the deadline.
        let backoff = RetryPolicy::default();
        let mut conflicts: u32 = 0;
        loop {
            let mut current = match self.client.get_secret(&self.op, &name).await {
                Ok(s) => s,
                Err(e) if e.is_not_found() => return Ok(()),
                Err(e) => {
                    return Err(api_error(
                        Step::Secret,
                        "read the secret's annotations",
                        &name,
                        &e,
                    ))
                }
            };
            if !modify(&mut current.annotations) {
                return Ok(());
            }
            match self
                .client
                .patch_secret(&self.op, &current, "annotations")
                .await
            {
                Ok(_) => return Ok(()),
                Err(e)
                    if e.is_aborted()
                        || e.is_failed_precondition()
                        || e.status() == Some("ALREADY_EXISTS") =>
                {
                    let wait = backoff.delay(conflicts);
                    conflicts = conflicts.saturating_add(1);
                    if !retry::fits_before_deadline(&self.op, wait) {
                        return Err(api_error(
                            Step::Secret,
                            "record this repository on the secret's annotations (concurrent changes kept winning until the timeout)",
                            &name,
                            &e,
                        ));
                    }
                    tracing::debug!(
                        conflicts,
                        "secret annotations changed concurrently; reading them again"
                    );
                    retry::sleep_unless_cancelled(&self.op, wait)
                        .await
                        .map_err(|e| {
                            api_error(
                                Step::Secret,
                                "record this repository on the secret's annotations",
                                &name,
                                &e,
                            )
                        })?;
                }
                Err(e) => {
                    return Err(api_error(
                        Step::Secret,
                        "record this repository on the secret's annotations",
                        &name,
                        &e,
                    ))
                }
            }
        }
    }

    /// Adds a version holding `token`; answers its name in project-ID form.
    pub async fn add_version(&self, secret: &SecretRef, token: &str) -> Result<String, Diagnostic> {
        tracing::info!(secret = %secret.name(), "adding a secret version with the token");
        let v = self
            .client
            .add_secret_version(&self.op, &secret.name(), token.as_bytes())
            .await
            .map_err(|e| {
                api_error(
                    Step::Version,
                    "add a secret version with the token",
                    &secret.name(),
                    &e,
                )
            })?;
        let number = ids::parse_version_name(&v.name)
            .map(|r| r.version)
            .unwrap_or_default();
        if number.is_empty() {
            return Err(Diagnostic::error(
                "Unexpected secret version name",
                format!(
                    "Secret Manager answered the new version of {} with the name {:?}.",
                    secret.name(),
                    v.name
                ),
            ));
        }
        Ok(secret.version_name(&number))
    }

    /// Grants the Artifact Registry service agent of `project_number` the
    /// accessor role on the secret; answers the agent's email and whether
    /// this call added the binding.
    ///
    /// The agent is generated only when IAM answers that it does not exist
    /// (and `create` is set): generating needs `serviceusage.services.use`,
    /// which the roles Google's guide names do not grant, so callers with
    /// exactly those roles work whenever the project already has its agent.
    pub async fn bind_service_agent(
        &self,
        secret: &SecretRef,
        project: &str,
        project_number: &str,
        create: bool,
    ) -> Result<(String, bool), Diagnostic> {
        let agent = ids::service_agent_email(project_number);
        let member = ids::service_agent_member(&agent);
        let first = self.try_add_binding(secret, &member).await;
        let missing = matches!(&first, Err(e) if create && is_missing_agent(e));
        if !missing {
            return first
                .map(|added| (agent, added))
                .map_err(|e| self.binding_error(secret, &e));
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
        // A new agent can take a moment to become visible to IAM.
        let backoff = RetryPolicy::default();
        let mut attempt: u32 = 0;
        loop {
            match self.try_add_binding(secret, &member).await {
                Ok(added) => return Ok((agent, added)),
                Err(e) if is_missing_agent(&e) => {
                    let wait = backoff.delay(attempt);
                    attempt = attempt.saturating_add(1);
                    if !retry::fits_before_deadline(&self.op, wait) {
                        return Err(self.binding_error(secret, &e));
                    }
                    retry::sleep_unless_cancelled(&self.op, wait)
                        .await
                        .map_err(|e| self.binding_error(secret, &e))?;
                }
                Err(e) => return Err(self.binding_error(secret, &e)),
            }
        }
    }

    /// Grants `member` the accessor role on the secret; answers whether it was added.
    pub async fn add_binding(&self, secret: &SecretRef, member: &str) -> Result<bool, Diagnostic> {
        self.try_add_binding(secret, member)
            .await
            .map_err(|e| self.binding_error(secret, &e))
    }

    /// [`Env::add_binding`] with the API error kept, so callers can react to it.
    async fn try_add_binding(&self, secret: &SecretRef, member: &str) -> Result<bool, ApiError> {
        // "Added by this call" is judged against the policy read before the
        // first write: a write whose answer was lost still counts as ours.
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

    /// Removes `member` from the accessor role; a missing secret is success.
    pub async fn remove_binding(&self, secret: &SecretRef, member: &str) -> Result<(), Diagnostic> {
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

    /// Points the repository at `version` with `username`.
    pub async fn set_credentials(
        &self,
        repo: &str,
        username: &str,
        version: &str,
    ) -> Result<(), Diagnostic> {
        tracing::info!(
            repository = repo,
            version,
            "pointing the repository's upstream credentials at the version"
        );
        let creds = UsernamePasswordCredentials {
            username: username.to_string(),
            password_secret_version: version.to_string(),
        };
        self.client
            .set_upstream_credentials(&self.op, repo, Some(&creds))
            .await
            .map(|_| ())
            .map_err(|e| {
                api_error(
                    Step::PatchRepository,
                    "set the repository's upstream credentials",
                    repo,
                    &e,
                )
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

    /// Deletes the secret; already gone is success.
    pub async fn delete_secret(&self, secret: &SecretRef) -> Result<(), Diagnostic> {
        match self
            .client
            .delete_secret(&self.op, &secret.name(), None)
            .await
        {
            Ok(()) => Ok(()),
            Err(e) if e.is_not_found() => Ok(()),
            Err(e) => Err(api_error(
                Step::Secret,
                "delete the secret",
                &secret.name(),
                &e,
            )),
        }
    }

    /// True when the stored payload of `version` equals `token` (import adoption).
    /// Any failure answers false: a new version is then stored, which is always safe.
    pub async fn version_holds(&self, version: &str, token: &str) -> bool {
        match self.client.access_secret_version(&self.op, version).await {
            Ok(bytes) => bytes == token.as_bytes(),
            Err(_) => false,
        }
    }
}

/// Locks a cache, recovering from a poisoned lock (a cache is always valid).
pub fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// IAM's answer when a member names a service account that does not exist
/// (a project whose Artifact Registry service agent was never generated).
fn is_missing_agent(e: &ApiError) -> bool {
    match e {
        ApiError::Status {
            status, message, ..
        } => status == "INVALID_ARGUMENT" && message.contains("does not exist"),
        _ => false,
    }
}
