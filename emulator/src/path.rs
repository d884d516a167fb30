//! Parsing of Google REST request lines: the API version, the resource
//! path segments, the `:customMethod` suffix, query parameters and field
//! masks. Google's custom methods (`secrets/foo:addVersion`) do not fit a
//! path-parameter router, so the emulator parses paths itself.

use std::collections::HashMap;

/// A request path split the way Google's HTTP rules see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiPath {
    /// `v1`, `v3` or `v1beta1`: which API surface the caller targets.
    pub version: String,
    /// Percent-decoded resource segments after the version.
    pub segments: Vec<String>,
    /// The custom method after the last `:` of the last segment, if any.
    pub custom: Option<String>,
}

impl ApiPath {
    /// Splits `/v1/projects/p/secrets/s:addVersion`; `None` for paths that
    /// have no version segment.
    pub fn parse(path: &str) -> Option<ApiPath> {
        let mut parts = path.trim_start_matches('/').split('/');
        let version = parts.next().filter(|v| !v.is_empty())?.to_string();
        let mut segments: Vec<String> = parts.map(percent_decode).collect();
        if segments.last().is_some_and(|s| s.is_empty()) {
            segments.pop();
        }
        let mut custom = None;
        if let Some(last) = segments.last_mut() {
            if let Some((resource, method)) = last.split_once(':') {
                custom = Some(method.to_string());
                *last = resource.to_string();
            }
        }
        Some(ApiPath {
            version,
            segments,
            custom,
        })
    }

    /// The segments as string slices, for slice-pattern matching.
    pub fn parts(&self) -> Vec<&str> {
        self.segments.iter().map(String::as_str).collect()
    }
}

/// Decodes `%XX` escapes; malformed escapes are kept literally.
pub fn percent_decode(input: &str) -> String {
    decode(input, false)
}

fn decode(input: &str, plus_is_space: bool) -> String {
    let bytes = input.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(b) => {
                        out.push(b);
                        i += 3;
                        continue;
                    }
                    None => out.push(b'%'),
                }
            }
            b'+' if plus_is_space => out.push(b' '),
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Query parameters, last value wins (clients never repeat the ones we read).
pub fn parse_query(query: Option<&str>) -> HashMap<String, String> {
    let mut map = HashMap::new();
    for pair in query.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        map.insert(decode(key, true), decode(value, true));
    }
    map
}

/// The query string for the request log, with any `access_token` value
/// redacted: Google APIs accept a token there and it must never be logged.
pub fn redact_query(query: Option<&str>) -> String {
    query
        .unwrap_or("")
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| match pair.split_once('=') {
            Some((key, _)) if decode(key, true).eq_ignore_ascii_case("access_token") => {
                format!("{key}=REDACTED")
            }
            _ => pair.to_string(),
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// Splits a field mask into paths converted to camelCase, the form the
/// JSON bodies use (clients send either form).
pub fn field_mask(mask: &str) -> Vec<String> {
    mask.split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|path| {
            path.split('.')
                .map(snake_to_camel)
                .collect::<Vec<_>>()
                .join(".")
        })
        .collect()
}

/// `upstream_credentials` → `upstreamCredentials`; camelCase is unchanged.
pub fn snake_to_camel(segment: &str) -> String {
    let mut out = String::with_capacity(segment.len());
    let mut upper = false;
    for c in segment.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_custom_method_from_last_segment() {
        let p = ApiPath::parse("/v1/projects/p/secrets/s:addVersion").expect("path");
        assert_eq!(p.version, "v1");
        assert_eq!(p.parts(), vec!["projects", "p", "secrets", "s"]);
        assert_eq!(p.custom.as_deref(), Some("addVersion"));
    }

    #[test]
    fn decodes_escaped_colon() {
        let p = ApiPath::parse("/v1/projects/p%3AgetIamPolicy").expect("path");
        assert_eq!(p.parts(), vec!["projects", "p"]);
        assert_eq!(p.custom.as_deref(), Some("getIamPolicy"));
    }

    #[test]
    fn query_handles_dollar_alt_and_plus() {
        let q = parse_query(Some(
            "%24alt=json%3Benum-encoding%3Dint&updateMask=a.b,c&x=a+b",
        ));
        assert_eq!(
            q.get("$alt").map(String::as_str),
            Some("json;enum-encoding=int")
        );
        assert_eq!(q.get("x").map(String::as_str), Some("a b"));
    }

    #[test]
    fn masks_become_camel_case() {
        assert_eq!(
            field_mask("remote_repository_config.upstream_credentials, labels"),
            vec!["remoteRepositoryConfig.upstreamCredentials", "labels"]
        );
    }

    #[test]
    fn access_token_is_redacted() {
        assert_eq!(
            redact_query(Some("alt=json&access_token=ya29.secret")),
            "alt=json&access_token=REDACTED"
        );
    }

    #[test]
    fn malformed_escape_is_literal() {
        assert_eq!(percent_decode("a%zz%4"), "a%zz%4");
        assert_eq!(percent_decode("a%41"), "aA");
    }
}
