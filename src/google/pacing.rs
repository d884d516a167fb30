//! Client-side pacing that adapts to a service's quota, one pacer per API
//! host and client.
//!
//! Why: a 429 says the caller's quota is spent for now, but not for how
//! long. Backoff alone handles one caller; fifty concurrent calls of one
//! Terraform walk all get refused in the same instant, all sleep with
//! jitter, and the quota goes unused while they sleep (measured: a plan of
//! 1000 resources at `-parallelism=50` took 2.3× the time its quota allows,
//! a third of its requests refused). A pacer that learns the rate the
//! service accepts and spaces requests to it keeps the quota busy and turns
//! most refusals into short waits on this side.
//!
//! How, additive-increase / multiplicative-decrease as in TCP and in the
//! AWS SDKs' "adaptive" retry mode:
//! - Off until the first 429 that comes with traffic (at least
//!   [`ENGAGE_MIN_ANSWERS`] answers in the last second): a run that is never
//!   refused never waits, and a lone refusal says nothing of a rate, so
//!   backoff alone handles it as before.
//! - On a 429 the rate becomes [`BETA`] times the answers the host gave in
//!   the last second (what the quota demonstrably allowed), at most once per
//!   [`CUT_INTERVAL`] so one burst of refusals counts once.
//! - Every answer raises the rate by [`GROWTH_PER_SECOND`] of itself per
//!   second (at least one request per second per second), probing for room.
//! - A host that has not refused for [`QUIET_RESET`] is unpaced again.
//!
//! Requests take the next free slot (`1 / rate` apart) before they are
//! sent; the wait runs inside the call's attempt, so the operation's
//! deadline and StopProvider cut it short like any other part of a call.
//! `governor` and tower's rate limit have a fixed rate, which is why this
//! small controller is written here.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::time::Instant;

/// The rate after a cut, as a share of the answers of the last second.
pub(crate) const BETA: f64 = 0.9;
/// Refusals closer together than this count as one burst.
pub(crate) const CUT_INTERVAL: Duration = Duration::from_secs(1);
/// Growth of the rate per second of answers, as a share of itself.
pub(crate) const GROWTH_PER_SECOND: f64 = 0.05;
/// Without a refusal for this long, pacing stops.
pub(crate) const QUIET_RESET: Duration = Duration::from_secs(60);
/// Answers in the last second needed before a refusal starts pacing.
pub(crate) const ENGAGE_MIN_ANSWERS: usize = 10;
/// The slowest pace: a service that refuses everything is still asked.
const MIN_RATE: f64 = 1.0;
/// How far back answers are counted to measure what the quota allowed.
const MEASURE_WINDOW: Duration = Duration::from_secs(1);
/// Answers remembered at most (a bound on memory, not on the rate).
const MAX_REMEMBERED: usize = 100_000;

/// The pacers of one client (and its clones), by `host:port`.
#[derive(Default)]
pub(crate) struct Pacers {
    /// One pacer per API host; quotas are per service.
    by_host: Mutex<HashMap<String, Arc<Pacer>>>,
}

impl Pacers {
    /// The pacer for the host `url` points at.
    pub(crate) fn for_url(&self, url: &reqwest::Url) -> Arc<Pacer> {
        let key = format!(
            "{}:{}",
            url.host_str().unwrap_or(""),
            url.port_or_known_default().unwrap_or(0)
        );
        // A poisoned map only means another call panicked mid-insert; the map itself is fine.
        let mut map = self.by_host.lock().unwrap_or_else(|e| e.into_inner());
        map.entry(key).or_default().clone()
    }
}

/// Paces the requests to one host.
#[derive(Default)]
pub(crate) struct Pacer {
    /// Behind a mutex held for a few arithmetic steps, never across a wait.
    state: Mutex<State>,
}

/// What a pacer has learnt.
#[derive(Default)]
struct State {
    /// Requests per second allowed; `None` while unpaced.
    rate: Option<f64>,
    /// When the next request may be sent.
    next_slot: Option<Instant>,
    /// When the last cut happened.
    last_cut: Option<Instant>,
    /// Arrival times of recent answers (not 429), oldest first.
    answers: VecDeque<Instant>,
}

impl Pacer {
    /// Waits for this request's slot. Returns at once while unpaced.
    pub(crate) async fn ready(&self) {
        if let Some(slot) = self.take_slot(Instant::now()) {
            tokio::time::sleep_until(slot).await;
        }
    }

    /// Reserves the next slot at `now`; `None` means "send now".
    fn take_slot(&self, now: Instant) -> Option<Instant> {
        let mut s = self.lock();
        s.unpace_if_quiet(now);
        let rate = s.rate?;
        let slot = s.next_slot.map_or(now, |next| next.max(now));
        s.next_slot = Some(slot + Duration::from_secs_f64(1.0 / rate));
        (slot > now).then_some(slot)
    }

    /// Records an answer that was not a refusal (any status but 429).
    pub(crate) fn answered(&self) {
        self.answered_at(Instant::now());
    }

    fn answered_at(&self, now: Instant) {
        let mut s = self.lock();
        s.answers.push_back(now);
        s.forget_before(now);
        if let Some(rate) = s.rate {
            // Per answer, so that per second (`rate` answers) the rate grows
            // by GROWTH_PER_SECOND of itself, and by at least 1.
            let per_second = (rate * GROWTH_PER_SECOND).max(1.0);
            s.rate = Some(rate + per_second / rate);
        }
    }

    /// Records a 429.
    pub(crate) fn refused(&self) {
        self.refused_at(Instant::now());
    }

    fn refused_at(&self, now: Instant) {
        let mut s = self.lock();
        s.forget_before(now);
        if s.last_cut
            .is_some_and(|cut| now.saturating_duration_since(cut) < CUT_INTERVAL)
        {
            return;
        }
        if s.rate.is_none() && s.answers.len() < ENGAGE_MIN_ANSWERS {
            return;
        }
        let allowed = s.answers.len() as f64 / MEASURE_WINDOW.as_secs_f64();
        let rate = (allowed * BETA).max(MIN_RATE);
        s.rate = Some(s.rate.map_or(rate, |old| old.min(rate).max(MIN_RATE)));
        s.last_cut = Some(now);
        tracing::debug!(
            rate_per_second = s.rate.unwrap_or(MIN_RATE),
            "Google API quota refused a request; pacing requests to this host"
        );
    }

    /// The current rate, `None` while unpaced (for tests).
    #[cfg(test)]
    pub(crate) fn rate(&self) -> Option<f64> {
        self.lock().rate
    }

    /// The slot the next request would take, `None` before any was reserved (for tests).
    #[cfg(test)]
    pub(crate) fn next_slot(&self) -> Option<Instant> {
        self.lock().next_slot
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // The state is a few numbers that are valid after any partial update.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl State {
    /// Drops answers older than the measuring window.
    fn forget_before(&mut self, now: Instant) {
        while self.answers.len() > MAX_REMEMBERED
            || self
                .answers
                .front()
                .is_some_and(|&t| now.saturating_duration_since(t) > MEASURE_WINDOW)
        {
            self.answers.pop_front();
        }
    }

    fn unpace_if_quiet(&mut self, now: Instant) {
        if self
            .last_cut
            .is_some_and(|cut| now.saturating_duration_since(cut) >= QUIET_RESET)
        {
            self.rate = None;
            self.next_slot = None;
            self.last_cut = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn unpaced_until_the_first_refusal() {
        let pacer = Pacer::default();
        let t0 = Instant::now();
        for i in 0..1000 {
            assert_eq!(pacer.take_slot(t0 + ms(i)), None);
            pacer.answered_at(t0 + ms(i));
        }
        assert_eq!(pacer.rate(), None);
    }

    #[test]
    fn a_refusal_paces_to_a_share_of_the_answers_of_the_last_second() {
        let pacer = Pacer::default();
        let t0 = Instant::now();
        // 100 answers in the first 80 ms, then a refusal: the quota allowed 100.
        for i in 0..100 {
            pacer.answered_at(t0 + Duration::from_micros(800 * i));
        }
        pacer.refused_at(t0 + ms(80));
        let rate = pacer.rate().expect("paced");
        assert!((rate - 100.0 * BETA).abs() < 1e-9, "{rate}");
        // Slots are 1/rate apart: fifty waiting requests spread over ~0.55 s.
        let now = t0 + ms(81);
        let first = pacer.take_slot(now);
        assert_eq!(first, None, "the first request goes at once");
        let mut last = now;
        for _ in 1..50 {
            last = pacer.take_slot(now).expect("waits");
        }
        let spread = last.duration_since(now).as_secs_f64();
        assert!((spread - 49.0 / rate).abs() < 1e-3, "{spread}");
    }

    #[test]
    fn one_burst_of_refusals_cuts_once() {
        let pacer = Pacer::default();
        let t0 = Instant::now();
        for i in 0..100 {
            pacer.answered_at(t0 + ms(i));
        }
        pacer.refused_at(t0 + ms(100));
        let after_first = pacer.rate();
        for i in 0..50 {
            pacer.refused_at(t0 + ms(101 + i));
        }
        assert_eq!(pacer.rate(), after_first);
        // A refusal a window later cuts again, from what was answered since.
        for i in 0..10 {
            pacer.answered_at(t0 + ms(1200 + i));
        }
        pacer.refused_at(t0 + ms(1300));
        let rate = pacer.rate().expect("paced");
        assert!((rate - 10.0 * BETA).abs() < 1e-9, "{rate}");
    }

    /// Paces `pacer` as a burst of 100 answers and a refusal at `t0` do.
    fn engage(pacer: &Pacer, t0: Instant) {
        for i in 0..100 {
            pacer.answered_at(t0 + Duration::from_micros(10 * i));
        }
        pacer.refused_at(t0 + ms(1));
        assert!(pacer.rate().is_some());
    }

    #[test]
    fn a_refusal_with_little_traffic_does_not_pace() {
        let pacer = Pacer::default();
        let t0 = Instant::now();
        pacer.refused_at(t0);
        for i in 0..ENGAGE_MIN_ANSWERS as u64 - 1 {
            pacer.answered_at(t0 + ms(10 * i));
        }
        pacer.refused_at(t0 + ms(100));
        assert_eq!(pacer.rate(), None);
        assert_eq!(pacer.take_slot(t0 + ms(100)), None);
        assert_eq!(pacer.take_slot(t0 + ms(100)), None);
    }

    #[test]
    fn refusing_everything_keeps_a_minimum_pace() {
        let pacer = Pacer::default();
        let t0 = Instant::now();
        engage(&pacer, t0);
        // A quota spent for the minute: nothing answered in the last second.
        pacer.refused_at(t0 + ms(2000));
        assert_eq!(pacer.rate(), Some(MIN_RATE));
        pacer.refused_at(t0 + ms(5000));
        assert_eq!(pacer.rate(), Some(MIN_RATE));
    }

    #[test]
    fn answers_grow_the_rate_by_a_share_per_second() {
        let pacer = Pacer::default();
        let t0 = Instant::now();
        for i in 0..100 {
            pacer.answered_at(t0 + ms(i));
        }
        pacer.refused_at(t0 + ms(100));
        let start = pacer.rate().expect("paced");
        // One second's worth of answers at that rate.
        for i in 0..start as u64 {
            pacer.answered_at(t0 + ms(200 + i));
        }
        let grown = pacer.rate().expect("paced");
        let expected = start * (1.0 + GROWTH_PER_SECOND);
        assert!((grown - expected).abs() < 0.5, "{start} -> {grown}");
    }

    #[test]
    fn a_quiet_minute_unpaces() {
        let pacer = Pacer::default();
        let t0 = Instant::now();
        engage(&pacer, t0);
        let now = t0 + ms(2);
        assert!(pacer.take_slot(now).is_none());
        assert!(pacer.take_slot(now).is_some(), "paced");
        assert_eq!(pacer.take_slot(t0 + ms(1) + QUIET_RESET), None);
        assert_eq!(pacer.rate(), None);
        assert_eq!(pacer.take_slot(t0 + ms(1) + QUIET_RESET), None);
    }

    #[test]
    fn pacers_are_per_host() {
        let pacers = Pacers::default();
        let url = |s: &str| reqwest::Url::parse(s).expect("url");
        let a = pacers.for_url(&url("https://secretmanager.googleapis.com/v1/x"));
        let b = pacers.for_url(&url("https://secretmanager.googleapis.com:443/v1/y"));
        let c = pacers.for_url(&url("https://artifactregistry.googleapis.com/v1/x"));
        assert!(Arc::ptr_eq(&a, &b));
        assert!(!Arc::ptr_eq(&a, &c));
    }
}
