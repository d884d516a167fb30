//! The `timeouts` block: Go duration strings (`20m`, `1h30m`, `90s`), as
//! every Google-provider resource takes them.

use std::time::Duration;

/// Used when the block or the entry is absent.
pub const DEFAULT: Duration = Duration::from_secs(20 * 60);

/// Parses a Go duration (`300ms`, `1.5h`, `2h45m`); units ns, us, µs, ms, s, m, h.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let bad = || {
        format!("{text:?} is not a duration: write a number with a unit, such as \"20m\", \"1h30m\" or \"90s\".")
    };
    let s = text.trim();
    if s.is_empty() || s.starts_with('-') {
        return Err(bad());
    }
    if s == "0" {
        return Ok(Duration::ZERO);
    }
    let mut total = 0f64;
    let mut rest = s.strip_prefix('+').unwrap_or(s);
    while !rest.is_empty() {
        let num_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        if num_len == 0 {
            return Err(bad());
        }
        let number: f64 = rest[..num_len].parse().map_err(|_| bad())?;
        rest = &rest[num_len..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let seconds_per_unit = match &rest[..unit_len] {
            "ns" => 1e-9,
            "us" | "µs" | "μs" => 1e-6,
            "ms" => 1e-3,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            _ => return Err(bad()),
        };
        rest = &rest[unit_len..];
        total += number * seconds_per_unit;
    }
    Duration::try_from_secs_f64(total).map_err(|_| bad())
}

/// The timeout for one operation: the configured text, else the default.
/// Invalid text was refused by validation; here it falls back to the default.
pub fn resolve(configured: Option<&str>) -> Duration {
    configured
        .and_then(|t| parse_duration(t).ok())
        .unwrap_or(DEFAULT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_durations() {
        assert_eq!(parse_duration("20m"), Ok(Duration::from_secs(1200)));
        assert_eq!(parse_duration("1h30m"), Ok(Duration::from_secs(5400)));
        assert_eq!(parse_duration("1.5h"), Ok(Duration::from_secs(5400)));
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_duration("0"), Ok(Duration::ZERO));
        for bad in ["", "20", "m", "-5m", "5 minutes", "1d", "1h30"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
        assert_eq!(resolve(None), DEFAULT);
        assert_eq!(resolve(Some("junk")), DEFAULT);
        assert_eq!(resolve(Some("5m")), Duration::from_secs(300));
    }
}
