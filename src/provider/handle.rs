//! The handle every resource type holds from construction, filled by
//! ConfigureProvider: a leaf, so that the types it serves and the provider
//! that registers them both import it and neither imports the other.

use std::sync::{Arc, RwLock};

use crate::google::GoogleClient;
use crate::tfplugin::Diagnostic;

/// What ConfigureProvider produced, shared by every resource of one provider instance.
pub struct Configured {
    /// Client for every Google API call.
    pub client: GoogleClient,
    /// The provider's `project` (after environment fallbacks), if any.
    pub project: Option<String>,
    /// False when the configuration held values unknown at plan time: resources then skip remote checks.
    pub complete: bool,
    /// [`super::config::ProviderConfig::fingerprint`] of the configuration.
    pub fingerprint: String,
}

/// A handle that resources hold from construction; filled by ConfigureProvider.
#[derive(Clone, Default)]
pub struct ProviderHandle(Arc<RwLock<Option<Arc<Configured>>>>);

impl ProviderHandle {
    /// The configured state, or an error diagnostic when ConfigureProvider has not run.
    pub fn get(&self) -> Result<Arc<Configured>, Diagnostic> {
        let guard = self
            .0
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        guard.clone().ok_or_else(|| {
            Diagnostic::error(
                "Provider not configured",
                "The pypi provider was used before Terraform configured it. This is a bug in the provider or in Terraform.",
            )
        })
    }
    /// Stores the configured state.
    pub fn set(&self, configured: Configured) {
        let mut guard = self
            .0
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        *guard = Some(Arc::new(configured));
    }
}
