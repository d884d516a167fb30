//! Answers the resources of one run share. Terraform plans and refreshes
//! resources concurrently in one provider process; twenty repositories
//! using one secret would otherwise each read the same secret's versions
//! and policy, and each look up the same project's number. A [`Shared`]
//! sends one request per key however many ask at once (single flight) and
//! keeps the answer for later askers.
//!
//! Only reads that report on state use these answers (refresh, the data
//! source, plan's checks); the convergence routine reads afresh, since a
//! decision to change something rests on what Google says now. Every
//! change this process makes to a secret forgets what was kept about it.

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::sync::{Arc, Mutex};

use tokio::sync::OnceCell;

use crate::google::iam::Policy;
use crate::google::secretmanager::SecretVersion;

use super::run_cache::RunCache;

/// Caches that live as long as the provider instance.
#[derive(Debug, Default)]
pub struct Caches {
    /// Project ID → project number (one lookup per project per run).
    pub project_numbers: Shared<String>,
    /// Preflight: tested resource → the permissions the caller holds there.
    pub preflight: Shared<Vec<String>>,
    /// Secret name → its versions, for reads that report (see [`super::shared`]).
    pub secret_versions: Shared<Arc<Vec<SecretVersion>>>,
    /// Secret name → its IAM policy, for reads that report.
    pub secret_policies: Shared<Arc<Policy>>,
    /// Secret name → lock held while this process rewrites its annotations:
    /// many resources of one apply share a secret, and letting them race on
    /// the etag only burns retries.
    pub annotation_locks: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
    /// Secret name → lock held from choosing (or adding) a version until it
    /// is claimed: versions of one token are indistinguishable, so an
    /// unanswered `:addVersion` can only be told from a sharer's version
    /// when no sharer of this process adds one unclaimed at the same time.
    pub version_locks: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
    /// Secrets this process has seen exist: a hint only (whether to read a
    /// secret before creating it), never a fact a decision rests on.
    pub seen_secrets: Mutex<HashSet<String>>,
    /// Plan-time answers shared with the other provider processes of this
    /// Terraform run (keeps nothing unless set to [`RunCache::this_run`]).
    pub run: RunCache,
}

/// One answer per key, fetched once.
#[derive(Debug)]
pub struct Shared<V> {
    /// Key → the cell its one fetch fills.
    cells: Mutex<HashMap<String, Arc<OnceCell<V>>>>,
}

impl<V> Default for Shared<V> {
    fn default() -> Self {
        Shared {
            cells: Mutex::new(HashMap::new()),
        }
    }
}

impl<V: Clone> Shared<V> {
    /// The answer for `key`: fetched by the first caller, while concurrent
    /// callers wait for it. A failed fetch is not kept: the next caller
    /// (including one that was waiting) fetches again.
    pub async fn get_or_fetch<E, F, Fut>(&self, key: &str, fetch: F) -> Result<V, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<V, E>>,
    {
        let cell = Arc::clone(lock(&self.cells).entry(key.to_string()).or_default());
        cell.get_or_try_init(fetch).await.cloned()
    }

    /// Forgets what is kept for `key`; a fetch under way still completes
    /// for its own waiters, and later callers fetch again.
    pub fn forget(&self, key: &str) {
        lock(&self.cells).remove(key);
    }

    /// Forgets every kept answer.
    pub fn clear(&self) {
        lock(&self.cells).clear();
    }

    /// The answer kept for `key`, if one was fetched.
    pub fn peek(&self, key: &str) -> Option<V> {
        lock(&self.cells).get(key).and_then(|c| c.get().cloned())
    }
}

/// Locks a cache, recovering from a poisoned lock (a cache is always valid).
pub fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[tokio::test]
    async fn concurrent_askers_share_one_fetch_and_failures_are_not_kept() {
        let shared: Shared<u32> = Shared::default();
        let fetches = AtomicUsize::new(0);
        let fetch = || async {
            fetches.fetch_add(1, Ordering::SeqCst);
            tokio::task::yield_now().await;
            Ok::<_, ()>(7)
        };
        let (a, b, c) = tokio::join!(
            shared.get_or_fetch("k", fetch),
            shared.get_or_fetch("k", fetch),
            shared.get_or_fetch("k", fetch),
        );
        assert_eq!((a, b, c), (Ok(7), Ok(7), Ok(7)));
        assert_eq!(fetches.load(Ordering::SeqCst), 1);
        assert_eq!(shared.peek("k"), Some(7));

        let failed: Result<u32, &str> = shared.get_or_fetch("e", || async { Err("down") }).await;
        assert_eq!(failed, Err("down"));
        assert_eq!(
            shared
                .get_or_fetch("e", || async { Ok::<_, &str>(1) })
                .await,
            Ok(1)
        );

        shared.forget("k");
        assert_eq!(shared.peek("k"), None);
        assert_eq!(shared.get_or_fetch("k", fetch).await, Ok(7));
        assert_eq!(fetches.load(Ordering::SeqCst), 2);
    }
}
