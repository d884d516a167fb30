//! The retry policy: which failures are retried, and how long to wait.
