//! Data source types of the `pypi` provider.

pub mod remote_auth;
