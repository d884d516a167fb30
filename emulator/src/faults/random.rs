//! `--fault-rate`: a seeded share of API requests answered with a
//! retryable error (429, 500 or 503) without being applied.

use crate::error::ApiError;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::sync::Mutex;

/// Seeded random fault injection.
#[derive(Debug)]
pub struct RandomFaults {
    /// Share of requests to fault, 0..=1.
    rate: f64,
    /// The seed, kept so reset replays the same sequence.
    seed: u64,
    /// The RNG deciding which requests fault and how.
    rng: Mutex<StdRng>,
}

impl RandomFaults {
    /// Faults `rate` of the requests, picked by an RNG seeded with `seed`.
    pub fn new(rate: f64, seed: u64) -> RandomFaults {
        RandomFaults {
            rate,
            seed,
            rng: Mutex::new(StdRng::seed_from_u64(seed)),
        }
    }

    /// The error to answer instead of handling this request, if any.
    pub fn pick(&self) -> Option<ApiError> {
        if self.rate <= 0.0 {
            return None;
        }
        let mut rng = self.rng.lock().ok()?;
        if rng.random::<f64>() >= self.rate {
            return None;
        }
        Some(match rng.random_range(0..3u8) {
            0 => ApiError::exhausted("Injected fault: the service is temporarily rate limited."),
            1 => ApiError::internal("Injected fault: internal error encountered."),
            _ => ApiError::unavailable("Injected fault: the service is currently unavailable."),
        })
    }

    /// Restarts the sequence from the seed.
    pub fn reset(&self) {
        if let Ok(mut rng) = self.rng.lock() {
            *rng = StdRng::seed_from_u64(self.seed);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn faults_are_deterministic_per_seed() {
        let a = RandomFaults::new(0.5, 7);
        let b = RandomFaults::new(0.5, 7);
        let seq_a: Vec<bool> = (0..50).map(|_| a.pick().is_some()).collect();
        let seq_b: Vec<bool> = (0..50).map(|_| b.pick().is_some()).collect();
        assert_eq!(seq_a, seq_b);
        assert!(seq_a.iter().any(|x| *x) && seq_a.iter().any(|x| !*x));
        assert!(RandomFaults::new(0.0, 1).pick().is_none());
        assert!(RandomFaults::new(1.0, 1).pick().is_some());
    }
}
