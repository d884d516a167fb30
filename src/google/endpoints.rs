//! Where each Google service lives: the endpoint roots, how a configured
//! endpoint becomes one (`http(s)://host[:port]/[prefix/]`, no API version),
//! and which roots would carry tokens unencrypted off this machine.

use std::net::IpAddr;

use reqwest::Url;

/// Service roots, each like `https://secretmanager.googleapis.com/` (no API version).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoints {
    /// Secret Manager root.
    pub secret_manager: String,
    /// Artifact Registry root.
    pub artifact_registry: String,
    /// Resource Manager root (v1 and v3 paths are appended).
    pub resource_manager: String,
    /// Service Usage root (v1beta1 paths are appended).
    pub service_usage: String,
    /// IAM Credentials root (impersonation).
    pub iam_credentials: String,
}

impl Default for Endpoints {
    fn default() -> Endpoints {
        Endpoints {
            secret_manager: "https://secretmanager.googleapis.com/".into(),
            artifact_registry: "https://artifactregistry.googleapis.com/".into(),
            resource_manager: "https://cloudresourcemanager.googleapis.com/".into(),
            service_usage: "https://serviceusage.googleapis.com/".into(),
            iam_credentials: "https://iamcredentials.googleapis.com/".into(),
        }
    }
}

impl Endpoints {
    /// The same endpoints with every root normalised by [`normalize_root`].
    pub fn normalized(&self) -> Result<Endpoints, String> {
        Ok(Endpoints {
            secret_manager: normalize_root(&self.secret_manager)?,
            artifact_registry: normalize_root(&self.artifact_registry)?,
            resource_manager: normalize_root(&self.resource_manager)?,
            service_usage: normalize_root(&self.service_usage)?,
            iam_credentials: normalize_root(&self.iam_credentials)?,
        })
    }

    /// Every root, in field order.
    pub fn roots(&self) -> [&str; 5] {
        [
            &self.secret_manager,
            &self.artifact_registry,
            &self.resource_manager,
            &self.service_usage,
            &self.iam_credentials,
        ]
    }

    /// The first root that [`is_clear_text_to_remote`].
    pub fn first_clear_text_to_remote(&self) -> Option<&str> {
        self.roots()
            .into_iter()
            .find(|root| is_clear_text_to_remote(root))
    }
}

/// True when requests to `root` would travel unencrypted to another machine:
/// an `http://` root whose host is neither a loopback address (`127.0.0.0/8`,
/// `::1`) nor `localhost`. Every request carries the Google access token, and
/// some carry the PyPI token. A root that is not a URL is `false` here:
/// [`normalize_root`] reports it.
pub fn is_clear_text_to_remote(root: &str) -> bool {
    let Ok(url) = Url::parse(root.trim()) else {
        return false;
    };
    if url.scheme() != "http" {
        return false;
    }
    let Some(host) = url.host_str() else {
        return false;
    };
    // IPv6 hosts come bracketed; IPv4 ones already canonical (`127.1` is `127.0.0.1`).
    let bare = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    match bare.parse::<IpAddr>() {
        Ok(ip) => !ip.is_loopback(),
        Err(_) => !bare.eq_ignore_ascii_case("localhost"),
    }
}

/// Turns a configured endpoint into a service root: `http(s)://host[:port]/[prefix/]`
/// with a trailing slash and without a trailing API version segment, so that
/// both `http://127.0.0.1:8085` and Google-provider style values such as
/// `https://secretmanager.googleapis.com/v1/` work. The error says what is wrong
/// in words fit for a diagnostic.
pub fn normalize_root(endpoint: &str) -> Result<String, String> {
    let trimmed = endpoint.trim();
    let shown = without_user_info(trimmed);
    let url = Url::parse(trimmed).map_err(|e| format!("{shown:?} is not a valid URL ({e})"))?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(format!("{shown:?} must not contain user information"));
    }
    if url.scheme() != "http" && url.scheme() != "https" {
        return Err(format!("{shown:?} must start with https:// or http://"));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(format!("{shown:?} has no host"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(format!("{shown:?} must not have a query or fragment"));
    }
    let mut segments: Vec<&str> = url.path().split('/').filter(|s| !s.is_empty()).collect();
    if segments.last().is_some_and(|s| is_api_version(s)) {
        segments.pop();
    }
    let mut root = format!("{}://{}", url.scheme(), url.host_str().unwrap_or_default());
    if let Some(port) = url.port() {
        root.push_str(&format!(":{port}"));
    }
    root.push('/');
    for segment in segments {
        root.push_str(segment);
        root.push('/');
    }
    Ok(root)
}

/// `endpoint` for an error message, with any `user:password@` masked: a
/// password written into an endpoint must not reach a diagnostic.
fn without_user_info(endpoint: &str) -> String {
    let Some((scheme, rest)) = endpoint.split_once("://") else {
        return endpoint.to_string();
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => format!("{scheme}://[redacted]{}", &rest[at..]),
        None => endpoint.to_string(),
    }
}

/// `v1`, `v3`, `v1beta1`, `v2alpha`: the version segment Google-provider endpoints end with.
fn is_api_version(segment: &str) -> bool {
    let Some(rest) = segment.strip_prefix('v') else {
        return false;
    };
    let digits = rest.chars().take_while(char::is_ascii_digit).count();
    if digits == 0 {
        return false;
    }
    let rest = &rest[digits..];
    let rest = rest
        .strip_prefix("alpha")
        .or_else(|| rest.strip_prefix("beta"))
        .unwrap_or(rest);
    rest.chars().all(|c| c.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roots_are_normalised() {
        let cases = [
            ("http://127.0.0.1:8085", "http://127.0.0.1:8085/"),
            ("http://127.0.0.1:8085/", "http://127.0.0.1:8085/"),
            (
                "https://secretmanager.googleapis.com/v1/",
                "https://secretmanager.googleapis.com/",
            ),
            (
                "https://cloudresourcemanager.googleapis.com/v3",
                "https://cloudresourcemanager.googleapis.com/",
            ),
            (
                "https://serviceusage.googleapis.com/v1beta1/",
                "https://serviceusage.googleapis.com/",
            ),
            (
                "https://proxy.example.com/secretmanager/v1/",
                "https://proxy.example.com/secretmanager/",
            ),
            (
                "https://proxy.example.com/vault/",
                "https://proxy.example.com/vault/",
            ),
        ];
        for (input, want) in cases {
            assert_eq!(normalize_root(input).as_deref(), Ok(want), "{input}");
        }
    }

    #[test]
    fn malformed_roots_are_refused() {
        for bad in [
            "",
            "not a url",
            "ftp://example.com/",
            "http://",
            "https://h/?a=b",
            "https://u:p@h/",
        ] {
            assert!(normalize_root(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn errors_never_show_a_password_in_an_endpoint() {
        for bad in [
            "https://user:hunter2@h/",
            "https://user:hunter2@h/?a=b",
            "ftp://user:hunter2@h/",
            "https://user:hunter2@h:99999/",
        ] {
            let e = normalize_root(bad).expect_err("refused");
            assert!(!e.contains("hunter2"), "{e}");
        }
        assert_eq!(without_user_info("https://h/a@b"), "https://h/a@b");
        assert_eq!(without_user_info("no scheme@x"), "no scheme@x");
    }

    #[test]
    fn only_plain_http_off_this_machine_is_clear_text_to_remote() {
        for local in [
            "http://127.0.0.1:8085/",
            "http://127.5.6.7/",
            "http://[::1]:9000/",
            "http://localhost:8085/",
            "http://LOCALHOST/",
            "https://secretmanager.googleapis.com/",
            "https://10.0.0.5/",
            "not a url",
        ] {
            assert!(!is_clear_text_to_remote(local), "{local}");
        }
        for remote in [
            "http://10.0.0.5:8085/",
            "http://128.0.0.1/",
            "http://[::2]/",
            "http://[::ffff:10.0.0.1]/",
            "http://emulator.internal/",
            "http://localhost.example.com/",
            "http://0.0.0.0:8085/",
        ] {
            assert!(is_clear_text_to_remote(remote), "{remote}");
        }
        let mut endpoints = Endpoints::default();
        assert_eq!(endpoints.first_clear_text_to_remote(), None);
        endpoints.service_usage = "http://10.1.2.3/".into();
        assert_eq!(
            endpoints.first_clear_text_to_remote(),
            Some("http://10.1.2.3/")
        );
    }

    #[test]
    fn version_segments() {
        for v in ["v1", "v3", "v1beta1", "v2alpha", "v1beta"] {
            assert!(is_api_version(v), "{v}");
        }
        for v in ["v", "vault", "version", "1", "v1x"] {
            assert!(!is_api_version(v), "{v}");
        }
    }
}
