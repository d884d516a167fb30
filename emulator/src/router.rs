//! Maps a parsed request onto the emulated API method that serves it.
//! Google's custom methods (`:addVersion`) do not fit path-parameter
//! routers, so this matches on the split path instead.

use crate::error::{ApiError, ApiResult};
use crate::request::Ctx;
use crate::state::State;
use crate::{artifactregistry, resourcemanager, secretmanager, serviceusage};

/// Runs the API method the request names.
pub fn dispatch(state: &mut State, ctx: &Ctx) -> ApiResult {
    let parts = ctx.path.parts();
    let custom = ctx.path.custom.as_deref();
    let version = ctx.path.version.as_str();
    let unknown = || {
        let mut shown = format!("/{}/{}", version, ctx.path.segments.join("/"));
        if let Some(c) = custom {
            shown.push(':');
            shown.push_str(c);
        }
        ApiError::unknown_method(ctx.method.as_str(), &shown)
    };
    match (version, parts.as_slice()) {
        ("v1", ["projects", _, "secrets", ..]) => secretmanager::dispatch(state, ctx, &parts[1..]),
        // Secret Manager has a `projects.locations.list` at the same path;
        // on one port for all APIs, Artifact Registry's answers it.
        ("v1", ["projects", _, "locations"])
        | ("v1", ["projects", _, "locations", _, "repositories", ..])
        | ("v1", ["projects", _, "locations", _, "operations", _]) => {
            artifactregistry::dispatch(state, ctx, &parts[1..])
        }
        ("v1" | "v3", ["projects", project]) => resourcemanager::dispatch(state, ctx, project),
        ("v1beta1", ["projects", project, "services", service]) => {
            serviceusage::dispatch(state, ctx, project, service)
        }
        ("v1" | "v1beta1" | "v3", ["operations", ..]) if custom.is_none() => {
            serviceusage::get_operation(state, ctx, &ctx.path.segments.join("/"))
        }
        _ => Err(unknown()),
    }
}
