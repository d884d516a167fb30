//! Injected faults: the seeded random ones of `--fault-rate` and the
//! targeted rules of `/_emulator/faults` (lose, drop, refuse, hold, delay),
//! with the requests a `hold` rule parks.

pub mod held;
pub mod random;
pub mod rules;
