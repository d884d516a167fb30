//! `projects.locations.list`: where a project can keep repositories. The
//! emulator answers the regions it knows are common plus every location
//! where the project has a repository, so a client that walks all
//! locations of a project (to find repositories configured by hand) sees
//! each one that holds any.

use crate::auth;
use crate::error::{ApiError, ApiResult};
use crate::request::{page_answer, Ctx};
use crate::state::State;
use serde_json::{json, Value};
use std::collections::BTreeSet;

/// Locations every project is offered, repositories or not.
const COMMON_LOCATIONS: [&str; 7] = [
    "us-central1",
    "us-east1",
    "europe-west1",
    "asia-east1",
    "us",
    "europe",
    "asia",
];

/// `GET v1/projects/{p}/locations`, in `locationId` order.
pub fn list(state: &mut State, ctx: &Ctx, project: &str) -> ApiResult {
    let resource = format!("projects/{project}");
    let permission = "artifactregistry.locations.list";
    let found = auth::authorize(state, ctx.caller, project, &resource, permission, |_| None)?;
    if ctx.param("filter").is_some_and(|f| !f.trim().is_empty()) {
        return Err(ApiError::invalid(
            "The emulator lists locations without a filter.",
        ));
    }
    let mut ids: BTreeSet<&str> = COMMON_LOCATIONS.into_iter().collect();
    ids.extend(
        state
            .repositories
            .values()
            .filter(|r| r.project_id == found.id)
            .map(|r| r.location.as_str()),
    );
    let items: Vec<Value> = ids
        .into_iter()
        .map(|id| {
            json!({
                "name": format!("projects/{}/locations/{id}", found.id),
                "locationId": id,
            })
        })
        .collect();
    page_answer(ctx, "locations", items, false)
}
