//! Wall-clock helpers: Google answers RFC 3339 UTC timestamps ending in
//! `Z` with microseconds (`2024-01-30T18:54:07.478393Z`).

use std::time::{SystemTime, UNIX_EPOCH};
use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime};

/// Now, to the microsecond (the precision Google's timestamps carry).
pub fn now() -> OffsetDateTime {
    let now = OffsetDateTime::now_utc();
    now.replace_nanosecond(now.nanosecond() / 1_000 * 1_000)
        .unwrap_or(now)
}

/// The first instant after `earlier` that Google's precision can show.
pub fn just_after(earlier: OffsetDateTime) -> OffsetDateTime {
    earlier + Duration::microseconds(1)
}

/// `t` as RFC 3339 in UTC with exactly six fractional digits.
pub fn format(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.microsecond()
    )
}

/// Parses an RFC 3339 timestamp (any offset, any fractional digits).
pub fn parse(text: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(text, &Rfc3339).ok()
}

/// Now as an RFC 3339 timestamp with microsecond precision, like Google's.
pub fn now_rfc3339() -> String {
    format(now())
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_six_fractional_digits_and_parses_back() {
        let t = parse("2024-01-30T18:54:07.4783Z").expect("parse");
        assert_eq!(format(t), "2024-01-30T18:54:07.478300Z");
        assert_eq!(format(just_after(t)), "2024-01-30T18:54:07.478301Z");
        let offset = parse("2024-01-30T19:54:07+01:00").expect("offset");
        assert_eq!(format(offset), "2024-01-30T18:54:07.000000Z");
        assert!(parse("yesterday").is_none());
        assert!(now_rfc3339().ends_with('Z'));
        assert_eq!(now().nanosecond() % 1_000, 0);
    }
}
