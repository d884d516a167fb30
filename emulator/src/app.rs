//! [`App`]: everything the request pipeline and the admin endpoints share,
//! and how `POST /_emulator/reset` returns it to the startup configuration.

use crate::config::Config;
use crate::faults::held::{HeldRequests, Release};
use crate::faults::random::RandomFaults;
use crate::faults::rules::FaultRules;
use crate::log::RequestLog;
use crate::quota::Quota;
use crate::seed::build_state;
use crate::state::State;
use std::sync::{Mutex, MutexGuard};

/// Everything the handlers share.
pub struct App {
    /// The startup configuration, kept for `POST /_emulator/reset`.
    pub config: Config,
    /// The emulated world; handlers hold the lock without awaiting.
    state: Mutex<State>,
    /// The API request log.
    pub log: RequestLog,
    /// Random fault injection (`--fault-rate`).
    pub random_faults: RandomFaults,
    /// Targeted fault rules (`/_emulator/faults`).
    pub rules: FaultRules,
    /// Requests parked by `hold` rules.
    pub held: HeldRequests,
    /// Per-caller rate limit.
    pub quota: Quota,
}

impl App {
    /// Builds the shared application from a configuration.
    pub fn new(config: Config) -> Result<App, String> {
        let state = build_state(&config)?;
        Ok(App {
            random_faults: RandomFaults::new(config.fault_rate, config.fault_seed),
            rules: FaultRules::default(),
            held: HeldRequests::default(),
            quota: Quota::new(config.quota_rps),
            config,
            state: Mutex::new(state),
            log: RequestLog::default(),
        })
    }

    /// The emulated world, locked. A handler that panicked cannot have left
    /// it half-written in a way later requests could not read, so a
    /// poisoned lock is taken over rather than failing every later request.
    pub fn state(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Back to the startup configuration: a fresh world, an empty log, new
    /// quota windows, the random fault sequence from its seed, and no fault
    /// rules. Held requests belong to the old world: they are let go
    /// unapplied.
    pub fn reset(&self) -> Result<(), String> {
        let fresh = build_state(&self.config)?;
        self.rules.clear();
        self.held.release_all(Release::Discard);
        *self.state() = fresh;
        self.log.clear();
        self.quota.reset();
        self.random_faults.reset();
        Ok(())
    }
}
