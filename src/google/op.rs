//! What every API call runs under: a deadline and a cancellation.

use std::time::{Duration, Instant};

use tokio_util::sync::CancellationToken;

/// The deadline and cancellation an API call runs under: a resource's
/// timeout plus Terraform's StopProvider.
#[derive(Debug, Clone)]
pub struct Op {
    /// Retries stop once this passes.
    pub deadline: Instant,
    /// Cancelled by StopProvider.
    pub cancel: CancellationToken,
}

/// Stands in for a deadline too far away to represent: a century.
const FAR_FUTURE: Duration = Duration::from_secs(100 * 365 * 24 * 3600);

impl Op {
    /// An operation that may run for `timeout`.
    pub fn new(timeout: Duration, cancel: CancellationToken) -> Op {
        let now = Instant::now();
        // A timeout too long to represent (a hostile or absurd setting) means "no deadline".
        let deadline = now
            .checked_add(timeout)
            .or_else(|| now.checked_add(FAR_FUTURE))
            .unwrap_or(now);
        Op { deadline, cancel }
    }
}
