//! Go-style duration strings (`60s`, `2m`, `1h30m`, `500ms`), the form the
//! Google provider's `request_timeout` takes.

use std::time::Duration;

/// Parses a sequence of `<number><unit>` parts with units `ns`, `us`, `µs`,
/// `ms`, `s`, `m`, `h`; numbers may have a fraction. The error says what is
/// wrong in words fit for a diagnostic.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let s = text.trim();
    if s.is_empty() {
        return Err("is empty; use a duration such as \"60s\" or \"2m\"".into());
    }
    let mut rest = s;
    let mut total = 0f64;
    while !rest.is_empty() {
        let number_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        if number_len == 0 {
            return Err(format!(
                "{s:?} is not a duration; use a number with a unit, such as \"60s\" or \"2m\""
            ));
        }
        let number: f64 = rest[..number_len]
            .parse()
            .map_err(|_| format!("{s:?} has a malformed number"))?;
        rest = &rest[number_len..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let seconds_per_unit = match &rest[..unit_len] {
            "ns" => 1e-9,
            "us" | "µs" => 1e-6,
            "ms" => 1e-3,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            "" => {
                return Err(format!(
                    "{s:?} lacks a unit; use ns, us, ms, s, m or h (e.g. \"60s\")"
                ))
            }
            other => {
                return Err(format!(
                    "{s:?} has the unknown unit {other:?}; use ns, us, ms, s, m or h"
                ))
            }
        };
        total += number * seconds_per_unit;
        rest = &rest[unit_len..];
    }
    if !total.is_finite() || total > 365.0 * 24.0 * 3600.0 {
        return Err(format!("{s:?} is too long"));
    }
    Ok(Duration::from_secs_f64(total))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_durations() {
        assert_eq!(parse_duration("60s"), Ok(Duration::from_secs(60)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("1h30m"), Ok(Duration::from_secs(5400)));
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("1.5s"), Ok(Duration::from_millis(1500)));
        assert_eq!(parse_duration(" 0s "), Ok(Duration::ZERO));
    }

    #[test]
    fn malformed_durations() {
        for bad in ["", "60", "s", "1x", "1..2s", "-1s", "1s2", "99999999h"] {
            assert!(parse_duration(bad).is_err(), "{bad:?} accepted");
        }
    }
}
