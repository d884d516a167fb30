//! The shared HTTP layer: one reqwest client, auth header injection, the
//! `X-Goog-User-Project` header, error decoding and retries.
//!
//! Two transport rules guard the tokens: redirects are never followed
//! (Google APIs do not redirect, and following one would replay a body such
//! as `:addVersion`'s, which holds the PyPI token, to wherever it points),
//! and `http://` roots are refused unless they are this machine's loopback
//! or [`ClientConfig::insecure_endpoints`] allows them.

use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::header::{HeaderMap, HeaderValue, AUTHORIZATION, CONTENT_TYPE, LOCATION, RETRY_AFTER};
use reqwest::{Method, Url};
use serde::de::DeserializeOwned;

use super::endpoints::Endpoints;
use super::error::ApiError;
use super::op::Op;
use super::pacing::Pacers;
use super::retry::{self, AttemptError, RetryPolicy};
use super::token_source::TokenSource;

/// Everything needed to build a [`GoogleClient`].
#[derive(Clone)]
pub struct ClientConfig {
    /// Where each service lives.
    pub endpoints: Endpoints,
    /// Sent as `X-Goog-User-Project` when set (billing_project / user_project_override).
    pub user_project: Option<String>,
    /// Timeout of a single HTTP request (not of the whole operation).
    pub request_timeout: Duration,
    /// Supplies bearer tokens.
    pub tokens: Arc<dyn TokenSource>,
    /// Sent as User-Agent.
    pub user_agent: String,
    /// Allows `http://` roots on hosts other than this machine's loopback
    /// (test set-ups): requests to them carry the access token and the
    /// bodies, PyPI token included, unencrypted.
    pub insecure_endpoints: bool,
}

/// Cheap-to-clone handle on the Google APIs.
#[derive(Clone)]
pub struct GoogleClient {
    /// Shared state behind the handle.
    pub(crate) inner: Arc<ClientInner>,
}

/// What every clone of a [`GoogleClient`] shares.
pub(crate) struct ClientInner {
    /// The one HTTP client (connection pool).
    pub(crate) http: reqwest::Client,
    /// Configuration it was built from, endpoints normalised.
    pub(crate) config: ClientConfig,
    /// Backoff used between retries.
    pub(crate) retry: RetryPolicy,
    /// Quota-adaptive pacing per API host, shared by every clone.
    pub(crate) pacers: Arc<Pacers>,
}

/// One API call, described once and sent as often as the retry policy says.
pub(crate) struct Call<'a> {
    /// HTTP method.
    pub(crate) method: Method,
    /// Full URL, `alt=json` included.
    pub(crate) url: Url,
    /// JSON body, serialised once before the first attempt.
    pub(crate) body: Option<Vec<u8>>,
    /// Short call name for errors and logs, e.g. `secretmanager.secrets.get`.
    pub(crate) api_method: &'a str,
    /// What a retry may do; see [`Replay`].
    pub(crate) replay: Replay,
    /// Resource the call is about, for errors and logs.
    pub(crate) resource: &'a str,
}

/// Whether a failed attempt of a call may simply be sent again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Replay {
    /// Reads, and writes whose repetition is harmless or detected (a PATCH
    /// of the same fields, an etag-guarded `setIamPolicy`, a state change
    /// of a version).
    Always,
    /// A POST that creates something (`:addVersion`, `secrets.create`):
    /// sent again only when the first attempt certainly did not arrive
    /// (connection refused, 429). When it may have been applied the call
    /// ends with [`ApiError::Unconfirmed`] and the caller reconciles from
    /// what the service reports, instead of creating a second object.
    UnlessMaybeApplied,
}

/// Characters kept as they are in a resource name placed in a URL path
/// (`{+name}` reserved expansion keeps `/`, custom verbs need `:`);
/// everything else is percent-encoded so a name can never change the query.
fn is_path_safe(b: u8) -> bool {
    b.is_ascii_alphanumeric()
        || matches!(
            b,
            b'/' | b':' | b'-' | b'_' | b'.' | b'~' | b'@' | b'+' | b','
        )
}

/// Percent-encodes what [`is_path_safe`] does not keep.
fn encode_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for &b in path.as_bytes() {
        if is_path_safe(b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

impl GoogleClient {
    /// Builds the client. Fails only if the TLS stack cannot be set up, an
    /// endpoint is not a URL, or one is plain `http://` to another machine
    /// without `insecure_endpoints` (the provider validates those first).
    pub fn new(config: ClientConfig) -> Result<GoogleClient, ApiError> {
        let mut config = config;
        config.endpoints =
            config
                .endpoints
                .normalized()
                .map_err(|message| ApiError::Transport {
                    method: "client.new".into(),
                    resource: "endpoints".into(),
                    message,
                })?;
        if !config.insecure_endpoints {
            if let Some(root) = config.endpoints.first_clear_text_to_remote() {
                return Err(ApiError::Transport {
                    method: "client.new".into(),
                    resource: "endpoints".into(),
                    message: format!(
                        "{root} is plain http:// to another machine, so the access token and the PyPI \
                         token would travel unencrypted; use https://, or allow it explicitly for a test set-up"
                    ),
                });
            }
        }
        // reqwest takes rustls' process default provider and panics without one.
        super::crypto::install();
        let http = reqwest::Client::builder()
            .user_agent(config.user_agent.clone())
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(config.request_timeout.min(Duration::from_secs(30)))
            .pool_idle_timeout(Duration::from_secs(90))
            .build()
            .map_err(|e| ApiError::Transport {
                method: "client.new".into(),
                resource: String::new(),
                message: error_chain(&e),
            })?;
        Ok(GoogleClient {
            inner: Arc::new(ClientInner {
                http,
                config,
                retry: RetryPolicy::default(),
                pacers: Arc::default(),
            }),
        })
    }
    /// The endpoints in use.
    pub fn endpoints(&self) -> &Endpoints {
        &self.inner.config.endpoints
    }
    /// The same client with another backoff policy (tests use short waits).
    pub fn with_retry_policy(&self, retry: RetryPolicy) -> GoogleClient {
        let config = self.inner.config.clone();
        GoogleClient {
            inner: Arc::new(ClientInner {
                http: self.inner.http.clone(),
                config,
                retry,
                pacers: self.inner.pacers.clone(),
            }),
        }
    }
    /// The same client (sharing its connection pool) with another token
    /// source: impersonation calls IAM Credentials with the source token.
    pub fn with_tokens(&self, tokens: Arc<dyn TokenSource>) -> GoogleClient {
        let mut config = self.inner.config.clone();
        config.tokens = tokens;
        GoogleClient {
            inner: Arc::new(ClientInner {
                http: self.inner.http.clone(),
                config,
                retry: self.inner.retry,
                pacers: self.inner.pacers.clone(),
            }),
        }
    }

    /// The same client (sharing its connection pool) billing calls to
    /// `user_project`, or to the caller's own project with `None`.
    pub fn with_user_project(&self, user_project: Option<String>) -> GoogleClient {
        let mut config = self.inner.config.clone();
        config.user_project = user_project;
        GoogleClient {
            inner: Arc::new(ClientInner {
                http: self.inner.http.clone(),
                config,
                retry: self.inner.retry,
                pacers: self.inner.pacers.clone(),
            }),
        }
    }

    /// `{root}{path}?alt=json&{query}`; `path` is a version plus a resource
    /// name such as `v1/projects/p/secrets/s:addVersion` and is percent-encoded
    /// except for the characters resource names use.
    pub(crate) fn url(
        &self,
        root: &str,
        path: &str,
        query: &[(&str, &str)],
    ) -> Result<Url, ApiError> {
        let text = format!("{root}{}", encode_path(path));
        let mut url = Url::parse(&text).map_err(|e| ApiError::Transport {
            method: "url".into(),
            resource: path.to_string(),
            message: format!("cannot build a URL from endpoint {root:?}: {e}"),
        })?;
        {
            let mut pairs = url.query_pairs_mut();
            pairs.append_pair("alt", "json");
            for (k, v) in query {
                pairs.append_pair(k, v);
            }
        }
        Ok(url)
    }

    /// Sends `call` under the retry policy and decodes the JSON answer.
    pub(crate) async fn execute<T: DeserializeOwned>(
        &self,
        op: &Op,
        call: Call<'_>,
    ) -> Result<T, ApiError> {
        let once = call.replay == Replay::UnlessMaybeApplied;
        let bytes = retry::run(
            op,
            &self.inner.retry,
            call.api_method,
            call.resource,
            || async {
                let outcome = self.attempt(op, &call).await;
                match outcome {
                    Err(failure) if once && failure.maybe_applied => {
                        Err(AttemptError::permanent(ApiError::Unconfirmed {
                            method: call.api_method.to_string(),
                            resource: call.resource.to_string(),
                            cause: failure.error.to_string(),
                        }))
                    }
                    other => other,
                }
            },
        )
        .await
        .map_err(|e| match e {
            // The deadline or StopProvider may have cut an attempt in flight.
            ApiError::DeadlineExceeded { last, .. } if once => ApiError::Unconfirmed {
                method: call.api_method.to_string(),
                resource: call.resource.to_string(),
                cause: format!("deadline exceeded: {last}"),
            },
            ApiError::Cancelled if once => ApiError::Unconfirmed {
                method: call.api_method.to_string(),
                resource: call.resource.to_string(),
                cause: "cancelled".to_string(),
            },
            other => other,
        })?;
        let body: &[u8] = if bytes.iter().all(u8::is_ascii_whitespace) {
            b"{}"
        } else {
            &bytes
        };
        serde_json::from_slice(body).map_err(|e| ApiError::Decode {
            method: call.api_method.to_string(),
            resource: call.resource.to_string(),
            // serde's own text can quote values, and answers carry tokens and payloads.
            message: format!(
                "the answer is not the expected JSON ({:?} at line {}, column {})",
                e.classify(),
                e.line(),
                e.column()
            ),
        })
    }

    /// One HTTP exchange: token, headers, send, classify the answer.
    async fn attempt(&self, op: &Op, call: &Call<'_>) -> Result<Vec<u8>, AttemptError> {
        let config = &self.inner.config;
        let token = config
            .tokens
            .token()
            .await
            .map_err(AttemptError::permanent)?;
        let mut auth = HeaderValue::from_str(&format!("Bearer {token}")).map_err(|_| {
            AttemptError::permanent(ApiError::Auth(
                "the access token contains characters not allowed in a header".into(),
            ))
        })?;
        auth.set_sensitive(true);
        let pacer = self.inner.pacers.for_url(&call.url);
        pacer.ready().await;
        let remaining = op.deadline.saturating_duration_since(Instant::now());
        let mut request = self
            .inner
            .http
            .request(call.method.clone(), call.url.clone())
            .header(AUTHORIZATION, auth)
            .timeout(
                config
                    .request_timeout
                    .min(remaining.max(Duration::from_millis(1))),
            );
        if let Some(project) = &config.user_project {
            request = request.header("x-goog-user-project", project);
        }
        if let Some(body) = &call.body {
            request = request
                .header(CONTENT_TYPE, "application/json")
                .body(body.clone());
        }
        let started = Instant::now();
        let response = match request.send().await {
            Ok(r) => r,
            Err(e) => return Err(self.transport_failure(call, &e)),
        };
        let status = response.status().as_u16();
        if status == 429 {
            pacer.refused();
        } else {
            pacer.answered();
        }
        if response.status().is_redirection() {
            tracing::debug!(
                method = call.api_method,
                resource = call.resource,
                http_method = %call.method,
                status,
                "Google API call answered with a redirect; not followed"
            );
            return Err(AttemptError::permanent(redirect_refused(
                call,
                status,
                response.headers(),
            )));
        }
        let retry_after = retry::parse_retry_after(response.headers().get(RETRY_AFTER));
        let bytes = match read_body(response, MAX_ANSWER_BYTES).await {
            Ok(Some(b)) => b,
            Ok(None) => {
                return Err(AttemptError::permanent(ApiError::Decode {
                    method: call.api_method.to_string(),
                    resource: call.resource.to_string(),
                    message: format!("the answer is larger than {MAX_ANSWER_BYTES} bytes"),
                }))
            }
            Err(e) => return Err(self.transport_failure(call, &e)),
        };
        tracing::debug!(
            method = call.api_method,
            resource = call.resource,
            http_method = %call.method,
            status,
            elapsed_ms = started.elapsed().as_millis() as u64,
            "Google API call"
        );
        if (200..300).contains(&status) {
            return Ok(bytes);
        }
        Err(AttemptError {
            error: ApiError::from_response(call.api_method, call.resource, status, &bytes),
            retryable: retry::is_retryable_status(status),
            retry_after,
            // 429 is a refusal before any work; a 5xx may follow the work.
            maybe_applied: status >= 500,
        })
    }

    /// A request that got no (complete) answer.
    fn transport_failure(&self, call: &Call<'_>, e: &reqwest::Error) -> AttemptError {
        AttemptError {
            error: ApiError::Transport {
                method: call.api_method.to_string(),
                resource: call.resource.to_string(),
                message: error_chain(e),
            },
            retryable: retry::is_retryable_transport(e),
            retry_after: None,
            // Only a failed connect proves the request never left.
            maybe_applied: !e.is_connect(),
        }
    }

    /// GET `path` on `root`.
    pub(crate) async fn get<T: DeserializeOwned>(
        &self,
        op: &Op,
        root: &str,
        path: &str,
        query: &[(&str, &str)],
        api_method: &str,
        resource: &str,
    ) -> Result<T, ApiError> {
        let url = self.url(root, path, query)?;
        self.execute(
            op,
            Call {
                method: Method::GET,
                url,
                body: None,
                api_method,
                replay: Replay::Always,
                resource,
            },
        )
        .await
    }

    /// `method` on `path` with a JSON body, replayed as `replay` says.
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn send_json<B: serde::Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        op: &Op,
        method: Method,
        root: &str,
        path: &str,
        query: &[(&str, &str)],
        body: &B,
        api_method: &str,
        resource: &str,
        replay: Replay,
    ) -> Result<T, ApiError> {
        let url = self.url(root, path, query)?;
        let body = serde_json::to_vec(body).map_err(|e| ApiError::Decode {
            method: api_method.to_string(),
            resource: resource.to_string(),
            message: format!("cannot encode the request ({e})"),
        })?;
        self.execute(
            op,
            Call {
                method,
                url,
                body: Some(body),
                api_method,
                replay,
                resource,
            },
        )
        .await
    }

    /// `POST v1/{resource}:{verb}` on `root` with a JSON body: Google's
    /// custom methods (`:addVersion`, `:setIamPolicy`, ...).
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn post_verb<B: serde::Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        op: &Op,
        root: &str,
        resource: &str,
        verb: &str,
        body: &B,
        api_method: &str,
        replay: Replay,
    ) -> Result<T, ApiError> {
        let path = format!("v1/{resource}:{verb}");
        self.send_json(
            op,
            Method::POST,
            root,
            &path,
            &[],
            body,
            api_method,
            resource,
            replay,
        )
        .await
    }
}

/// The error for a 3xx answer: it names where the redirect pointed (host and
/// port only: a Location URL may carry anything in its path or query) and
/// says that nothing was sent there.
fn redirect_refused(call: &Call<'_>, status: u16, headers: &HeaderMap) -> ApiError {
    let target = headers
        .get(LOCATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|location| call.url.join(location).ok())
        .and_then(|url| {
            let host = url.host_str()?.to_string();
            Some(match url.port() {
                Some(port) => format!("{host}:{port}"),
                None => host,
            })
        });
    let pointed = match target {
        Some(host) => format!("a redirect to host {host}"),
        None => "a redirect without a usable Location".to_string(),
    };
    ApiError::Decode {
        method: call.api_method.to_string(),
        resource: call.resource.to_string(),
        message: format!(
            "HTTP {status}, {pointed}. Google APIs do not redirect, so it was not followed and the request \
             was not sent again; check the endpoint settings"
        ),
    }
}

/// Largest answer body read: the calls made here answer a few kilobytes
/// (a version list page of 250 entries stays far below), and a broken or
/// hostile endpoint must not make the provider buffer gigabytes.
const MAX_ANSWER_BYTES: usize = 16 * 1024 * 1024;

/// The whole body of `response`, or `None` as soon as it exceeds `limit`
/// bytes (announced or received).
async fn read_body(
    mut response: reqwest::Response,
    limit: usize,
) -> Result<Option<Vec<u8>>, reqwest::Error> {
    let announced = response
        .content_length()
        .and_then(|n| usize::try_from(n).ok());
    if announced.is_some_and(|n| n > limit) {
        return Ok(None);
    }
    let mut body = Vec::with_capacity(announced.unwrap_or(0));
    while let Some(chunk) = response.chunk().await? {
        if body.len().saturating_add(chunk.len()) > limit {
            return Ok(None);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Some(body))
}

/// An error and its causes on one line: reqwest's own text alone ("error
/// sending request") does not say that the connection was refused.
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resource_names_cannot_change_the_url_structure() {
        assert_eq!(
            encode_path("v1/projects/p/secrets/s:addVersion"),
            "v1/projects/p/secrets/s:addVersion"
        );
        assert_eq!(
            encode_path("v1/projects/p?x=1&y#f %"),
            "v1/projects/p%3Fx%3D1%26y%23f%20%25"
        );
    }
}
