//! Decimal text for [`Number`](crate::tfplugin::Number): one canonical
//! spelling per numeric value, so equal numbers compare equal as text and
//! any precision survives a round trip.

/// Longest plain (non-exponent) rendering we produce. Large enough for the
/// exact expansion of every finite `f64` (at most ~1080 characters), small
/// enough that a hostile `1e999999999` cannot make us allocate gigabytes.
const PLAIN_LIMIT: usize = 1100;

/// Exponent digits accepted in input; more would overflow `i64` arithmetic
/// and no real number needs them.
const MAX_EXPONENT_DIGITS: usize = 15;

/// Significant digits that suffice to print any `f64` exactly.
const F64_EXACT_DIGITS: usize = 767;

/// A decimal split into sign, significant digits and a power of ten:
/// `-1.50e2` is `(true, "15", 1)`; zero is `(false, "", 0)`.
struct Decimal<'a> {
    /// True for values below zero (never for zero itself).
    negative: bool,
    /// Significant digits with neither leading nor trailing zeros.
    digits: &'a str,
    /// Power of ten that `digits`, read as an integer, is multiplied by.
    scale: i64,
}

/// Canonical decimal text of a number literal, or `None` when it is not one.
///
/// Accepts an optional sign, digits with an optional fraction (`5.`, `.5`)
/// and an optional exponent. Produces no `+`, no leading or trailing zeros,
/// `0` for any zero, and a plain rendering (`1e3` → `1000`) unless that
/// would exceed `PLAIN_LIMIT`, in which case `d.ddde<exp>` is used.
pub fn canonical_decimal(text: &str) -> Option<String> {
    let mut buf = String::new();
    let dec = parse(text, &mut buf)?;
    Some(render(&dec))
}

/// The exact decimal value of a finite `f64` in canonical form.
pub(crate) fn f64_exact(v: f64) -> Option<String> {
    if !v.is_finite() {
        return None;
    }
    canonical_decimal(&format!("{v:.F64_EXACT_DIGITS$e}"))
}

/// The shortest decimal that reads back as the same `f64`, canonical.
/// Used when Rust code hands us a float: `1.1_f64` means 1.1.
pub(crate) fn f64_shortest(v: f64) -> Option<String> {
    if !v.is_finite() {
        return None;
    }
    canonical_decimal(&format!("{v:e}"))
}

/// The `f64` whose exact value is the canonical decimal `text`, if any.
pub(crate) fn exact_f64(text: &str) -> Option<f64> {
    let v: f64 = text.parse().ok()?;
    (f64_exact(v).as_deref() == Some(text)).then_some(v)
}

/// Splits `text` into a [`Decimal`]; the significant digits are collected in `buf`.
fn parse<'b>(text: &str, buf: &'b mut String) -> Option<Decimal<'b>> {
    let bytes = text.as_bytes();
    let mut i = 0;
    let mut negative = false;
    if let Some(&c) = bytes.first() {
        if c == b'-' || c == b'+' {
            negative = c == b'-';
            i = 1;
        }
    }
    let int_start = i;
    while i < bytes.len() && bytes[i].is_ascii_digit() {
        i += 1;
    }
    let int_part = &text[int_start..i];
    let mut frac_part = "";
    if i < bytes.len() && bytes[i] == b'.' {
        i += 1;
        let frac_start = i;
        while i < bytes.len() && bytes[i].is_ascii_digit() {
            i += 1;
        }
        frac_part = &text[frac_start..i];
    }
    if int_part.is_empty() && frac_part.is_empty() {
        return None;
    }
    let mut exponent: i64 = 0;
    if i < bytes.len() && (bytes[i] == b'e' || bytes[i] == b'E') {
        i += 1;
        let mut exp_negative = false;
        if i < bytes.len() && (bytes[i] == b'-' || bytes[i] == b'+') {
            exp_negative = bytes[i] == b'-';
            i += 1;
        }
        let exp_start = i;
        while i < bytes.len() && bytes[i].is_ascii_digit() {
            i += 1;
        }
        let exp_digits = text[exp_start..i].trim_start_matches('0');
        if i == exp_start || exp_digits.len() > MAX_EXPONENT_DIGITS {
            return None;
        }
        exponent = if exp_digits.is_empty() {
            0
        } else {
            exp_digits.parse().ok()?
        };
        if exp_negative {
            exponent = -exponent;
        }
    }
    if i != bytes.len() {
        return None;
    }
    buf.push_str(int_part);
    buf.push_str(frac_part);
    let frac_len = i64::try_from(frac_part.len()).ok()?;
    let mut scale = exponent.checked_sub(frac_len)?;
    let lead = buf.len() - buf.trim_start_matches('0').len();
    let trimmed = buf[lead..].trim_end_matches('0');
    let trail = buf.len() - lead - trimmed.len();
    if trimmed.is_empty() {
        return Some(Decimal {
            negative: false,
            digits: "",
            scale: 0,
        });
    }
    scale = scale.checked_add(i64::try_from(trail).ok()?)?;
    let end = buf.len() - trail;
    // Exponent of the leading digit must fit too, for the scientific form.
    let n = i64::try_from(end - lead).ok()?;
    scale.checked_add(n)?;
    Some(Decimal {
        negative,
        digits: &buf[lead..end],
        scale,
    })
}

/// Renders a parsed decimal canonically (see [`canonical_decimal`]).
fn render(d: &Decimal<'_>) -> String {
    if d.digits.is_empty() {
        return "0".to_string();
    }
    let n = d.digits.len();
    let mut out = String::new();
    if d.negative {
        out.push('-');
    }
    // Digits before the decimal point in plain form (may be <= 0).
    let point = i64::try_from(n).unwrap_or(i64::MAX).saturating_add(d.scale);
    let plain_len = if d.scale >= 0 {
        point
    } else if point > 0 {
        i64::try_from(n + 1).unwrap_or(i64::MAX)
    } else {
        2i64.saturating_add(-point)
            .saturating_add(i64::try_from(n).unwrap_or(i64::MAX))
    };
    if plain_len <= PLAIN_LIMIT as i64 {
        if d.scale >= 0 {
            out.push_str(d.digits);
            out.extend(std::iter::repeat_n('0', d.scale as usize));
        } else if point > 0 {
            let (a, b) = d.digits.split_at(point as usize);
            out.push_str(a);
            out.push('.');
            out.push_str(b);
        } else {
            out.push_str("0.");
            out.extend(std::iter::repeat_n('0', (-point) as usize));
            out.push_str(d.digits);
        }
        return out;
    }
    let (first, rest) = d.digits.split_at(1);
    out.push_str(first);
    if !rest.is_empty() {
        out.push('.');
        out.push_str(rest);
    }
    out.push('e');
    out.push_str(&(point - 1).to_string());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonicalizes() {
        let cases = [
            ("0", "0"),
            ("-0", "0"),
            ("+0.000", "0"),
            ("0e99", "0"),
            ("1", "1"),
            ("+12", "12"),
            ("007", "7"),
            ("1.50", "1.5"),
            ("-0.25", "-0.25"),
            ("1e3", "1000"),
            ("1E+3", "1000"),
            ("15e-1", "1.5"),
            ("1500e-3", "1.5"),
            ("0.000001", "0.000001"),
            ("1e-6", "0.000001"),
            (".5", "0.5"),
            ("5.", "5"),
            (
                "123456789012345678901234567890",
                "123456789012345678901234567890",
            ),
            (
                "-123456789012345678901234567890.000",
                "-123456789012345678901234567890",
            ),
            ("1e2000", "1e2000"),
            ("-1.25e-2000", "-1.25e-2000"),
            ("12.5e2000", "1.25e2001"),
        ];
        for (input, want) in cases {
            assert_eq!(
                canonical_decimal(input).as_deref(),
                Some(want),
                "input {input}"
            );
        }
    }

    #[test]
    fn canonical_form_is_a_fixed_point() {
        for input in ["1e2000", "-1.25e-2000", "0.5", "-7", "1e1099", "1e1100"] {
            let once = canonical_decimal(input).expect("valid");
            assert_eq!(canonical_decimal(&once).as_deref(), Some(once.as_str()));
        }
    }

    #[test]
    fn rejects_junk() {
        for input in [
            "",
            "-",
            "+",
            ".",
            "e5",
            "1e",
            "1e+",
            "NaN",
            "nan",
            "Inf",
            "-Infinity",
            "0x10",
            "1_000",
            " 1",
            "1 ",
            "1.2.3",
            "--1",
            "1e5.5",
            "1e9999999999999999",
            "١",
        ] {
            assert_eq!(canonical_decimal(input), None, "input {input:?}");
        }
    }

    #[test]
    fn f64_helpers() {
        assert_eq!(f64_exact(1.5).as_deref(), Some("1.5"));
        assert_eq!(f64_exact(-0.0).as_deref(), Some("0"));
        assert_eq!(
            f64_exact(0.1).as_deref(),
            Some("0.1000000000000000055511151231257827021181583404541015625")
        );
        assert_eq!(f64_exact(f64::NAN), None);
        assert_eq!(f64_shortest(0.1).as_deref(), Some("0.1"));
        assert_eq!(exact_f64("1.5"), Some(1.5));
        assert_eq!(exact_f64("0.1"), None);
        // Every finite f64, even the smallest subnormal, renders plain and reads back.
        let tiny = f64_exact(f64::from_bits(1)).expect("finite");
        assert!(tiny.starts_with("0.000"), "{tiny}");
        assert_eq!(exact_f64(&tiny), Some(f64::from_bits(1)));
        let max = f64_exact(f64::MAX).expect("finite");
        assert_eq!(max.len(), 309);
        assert_eq!(exact_f64(&max), Some(f64::MAX));
    }
}
