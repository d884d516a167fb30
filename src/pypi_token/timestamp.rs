//! Unix seconds as text for attributes and diagnostics.

use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// RFC 3339 in UTC to the second (`2030-01-02T03:04:05Z`); `None` outside
/// years 0000–9999, which RFC 3339 cannot write.
pub fn rfc3339(unix: i64) -> Option<String> {
    OffsetDateTime::from_unix_timestamp(unix)
        .ok()?
        .format(&Rfc3339)
        .ok()
}

/// [`rfc3339`], or the raw number for a date RFC 3339 cannot write, for messages.
pub fn describe(unix: i64) -> String {
    rfc3339(unix).unwrap_or_else(|| format!("Unix time {unix}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_seconds() {
        assert_eq!(rfc3339(0).as_deref(), Some("1970-01-01T00:00:00Z"));
        assert_eq!(
            rfc3339(1_893_553_445).as_deref(),
            Some("2030-01-02T03:04:05Z")
        );
    }

    #[test]
    fn dates_rfc3339_cannot_write() {
        assert_eq!(rfc3339(i64::MAX), None);
        assert_eq!(rfc3339(i64::MIN), None);
        assert_eq!(describe(i64::MAX), format!("Unix time {}", i64::MAX));
    }
}
