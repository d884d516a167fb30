//! What every type of this wing (resource, data source, list resource)
//! keeps for the provider instance's lifetime, and the Google access one of
//! their RPCs runs with.

use std::sync::Arc;
use std::time::Duration;

use crate::google::Op;
use crate::provider::handle::{Configured, ProviderHandle};
use crate::tfplugin::{CallContext, Diagnostic};

use super::run_cache::RunCache;
use super::shared::Caches;
use super::steps::Env;

/// The configuration handle and the caches of one provider instance.
pub struct Instance {
    /// Filled by ConfigureProvider; gives the Google client and the provider's project.
    handle: ProviderHandle,
    /// Project numbers and preflight results, kept for the provider instance's lifetime.
    caches: Caches,
}

impl Instance {
    /// An instance bound to the provider's configuration handle, with empty caches.
    pub fn new(handle: ProviderHandle) -> Instance {
        Instance {
            handle,
            caches: Caches {
                run: RunCache::this_run(),
                ..Caches::default()
            },
        }
    }

    /// What ConfigureProvider produced, or the error of a call before it.
    pub fn configured(&self) -> Result<Arc<Configured>, Diagnostic> {
        self.handle.get()
    }

    /// The Google access one RPC runs with, for at most `timeout`.
    pub fn env<'a>(
        &'a self,
        configured: &'a Configured,
        ctx: &CallContext,
        timeout: Duration,
    ) -> Env<'a> {
        Env {
            client: &configured.client,
            op: Op::new(timeout, ctx.cancel.clone()),
            caches: &self.caches,
            run_scope: &configured.fingerprint,
        }
    }
}
