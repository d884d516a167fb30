//! What a handler reads about one request ([`Ctx`]) and how list methods
//! answer one page of results ([`page_answer`]).

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::path::ApiPath;
use axum::http::Method;
use serde_json::{json, Value};
use std::collections::HashMap;

/// Everything a handler may read about the request.
pub struct Ctx<'a> {
    /// HTTP method.
    pub method: &'a Method,
    /// The parsed path.
    pub path: &'a ApiPath,
    /// Query parameters, decoded.
    pub query: &'a HashMap<String, String>,
    /// The JSON body (`{}` when empty).
    pub body: &'a Value,
    /// Who is calling.
    pub caller: &'a Caller,
}

impl Ctx<'_> {
    /// A query parameter.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.query.get(name).map(String::as_str)
    }

    /// `options.requestedPolicyVersion` from the query (GET) or body (POST).
    pub fn requested_policy_version(&self) -> Result<Option<i64>, ApiError> {
        let from_body = self
            .body
            .get("options")
            .and_then(|o| o.get("requestedPolicyVersion"))
            .cloned();
        let raw = match (self.param("options.requestedPolicyVersion"), from_body) {
            (Some(text), _) => Some(Value::String(text.to_string())),
            (None, value) => value,
        };
        match raw {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Number(n)) => n
                .as_i64()
                .map(Some)
                .ok_or_else(|| ApiError::invalid("Invalid requestedPolicyVersion.")),
            Some(Value::String(s)) => s
                .parse()
                .map(Some)
                .map_err(|_| ApiError::invalid("Invalid requestedPolicyVersion.")),
            Some(_) => Err(ApiError::invalid("Invalid requestedPolicyVersion.")),
        }
    }
}

/// A list method's answer: one page of `items` (see [`paginate`]) under
/// `field`, and `nextPageToken` while more follow. Secret Manager also
/// sends `totalSize` (`with_total`); Artifact Registry does not. As Google
/// does, an empty page leaves out `field` and `totalSize`.
pub fn page_answer(ctx: &Ctx, field: &str, items: Vec<Value>, with_total: bool) -> ApiResult {
    let total = items.len();
    let (page, next) = paginate(ctx, items)?;
    let mut out = json!({});
    if !page.is_empty() {
        out[field] = Value::Array(page);
        if with_total {
            out["totalSize"] = json!(total);
        }
    }
    if let Some(token) = next {
        out["nextPageToken"] = json!(token);
    }
    Ok(out)
}

/// Splits a list into one page: `pageSize` (0/absent = all) and a numeric
/// `pageToken` offset, like Google's opaque tokens but simpler.
fn paginate(ctx: &Ctx, items: Vec<Value>) -> Result<(Vec<Value>, Option<String>), ApiError> {
    let size = match ctx.param("pageSize") {
        None | Some("") => 0,
        Some(s) => s
            .parse::<usize>()
            .map_err(|_| ApiError::invalid(format!("Invalid page size {s:?}.")))?,
    };
    let start = match ctx.param("pageToken") {
        None | Some("") => 0,
        Some(t) => t
            .parse::<usize>()
            .map_err(|_| ApiError::invalid("The page token is invalid."))?,
    };
    let total = items.len();
    let page: Vec<Value> = items
        .into_iter()
        .skip(start)
        .take(if size == 0 { usize::MAX } else { size })
        .collect();
    let end = start.saturating_add(page.len());
    let next = (end < total && size != 0).then(|| end.to_string());
    Ok((page, next))
}
