//! Wall-clock helpers: Google answers RFC 3339 UTC timestamps ending in `Z`.

use std::time::{SystemTime, UNIX_EPOCH};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// Now as an RFC 3339 timestamp with microsecond precision, like Google's.
pub fn now_rfc3339() -> String {
    let now = OffsetDateTime::now_utc();
    let micros = now.nanosecond() / 1_000 * 1_000;
    now.replace_nanosecond(micros)
        .unwrap_or(now)
        .format(&Rfc3339)
        .unwrap_or_else(|_| "1970-01-01T00:00:00Z".to_string())
}

/// Milliseconds since the Unix epoch, for the request log.
pub fn unix_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}

/// Whole seconds since the Unix epoch, the window key for quotas.
pub fn unix_seconds() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}
