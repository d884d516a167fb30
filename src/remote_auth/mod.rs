//! `pypi_remote_auth`: Google's guide "configure authentication to upstream
//! PyPI for an Artifact Registry remote repository" as one managed
//! resource, with a data source and a list resource of the same name.
//!
//! The files read top to bottom: [`schema`] → [`validate`] / [`plan`] →
//! [`apply`] → [`read`] → [`import`]; [`data_source`] and [`list`] reuse
//! the read side. Shared pieces sit beside them: [`instance`] (the
//! configuration handle and caches each type keeps), [`ids`] (names and import
//! IDs), [`model`] (the typed attributes), [`private`] and [`sharing`]
//! (the memory kept in private state and on the secret), [`steps`] (the
//! Google calls of the guide), [`converge`] (the one routine that performs
//! the missing steps, for create, update, repair and moves, on what
//! [`desired`] says the configuration wants; it picks the version with
//! `choose` and retires versions nobody uses with `sweep`), [`release`]
//! (letting go of a secret), [`errors`] (diagnostics that name the fix),
//! [`shared`] (answers the resources of one run share; `shared_reads` are
//! the reads that use them), [`run_cache`] (the plan-time answers the
//! provider processes of one Terraform run share).

pub mod apply;
mod choose;
pub mod converge;
pub mod data_source;
pub mod desired;
pub mod errors;
pub mod ids;
pub mod import;
pub mod instance;
pub mod list;
pub mod model;
pub mod plan;
pub mod preflight;
pub mod private;
pub mod read;
pub mod release;
mod resource;
pub mod run_cache;
pub mod schema;
pub mod shared;
mod shared_reads;
pub mod sharing;
pub mod steps;
mod sweep;
pub mod timeouts;
pub mod token_facts;
pub mod validate;

#[cfg(test)]
mod tests;

pub use data_source::RemoteAuthData;
pub use list::RemoteAuthList;
pub use resource::RemoteAuth;
