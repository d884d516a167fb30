//! List resource types of the `pypi` provider (`terraform query`, Terraform
//! 1.14+): each finds existing objects of the managed resource of the same
//! name so that `-generate-config-out` can import them.

pub mod remote_auth;
