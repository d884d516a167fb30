//! Secret Manager v1: secrets, versions and secret IAM policies.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::iam::Policy;
use super::{ApiError, GoogleClient, Op};

/// A secret (`projects/{p}/secrets/{s}`). Unknown fields are kept for round trips.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Secret {
    /// Full name; answered with the project number.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    /// `{"automatic":{}}` or `{"userManaged":{"replicas":[{"location":..}]}}`; fixed at creation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replication: Option<serde_json::Value>,
    /// User labels.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    /// Annotations (this provider records which repositories use the secret here).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
    /// Etag for optimistic concurrency on patch.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub etag: String,
    /// Creation time (RFC 3339).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub create_time: String,
    /// Fields this crate does not model.
    #[serde(flatten)]
    pub other: BTreeMap<String, serde_json::Value>,
}

/// A secret version (`projects/{p}/secrets/{s}/versions/{n}`).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct SecretVersion {
    /// Full name; answered with the project number.
    #[serde(default)]
    pub name: String,
    /// `ENABLED`, `DISABLED` or `DESTROYED`.
    #[serde(default)]
    pub state: String,
    /// Creation time.
    #[serde(default)]
    pub create_time: String,
    /// Etag.
    #[serde(default)]
    pub etag: String,
    /// Fields this crate does not model.
    #[serde(flatten)]
    pub other: BTreeMap<String, serde_json::Value>,
}

impl GoogleClient {
    /// GET a secret.
    pub async fn get_secret(&self, op: &Op, name: &str) -> Result<Secret, ApiError> {
        let _ = (op, name);
        todo!()
    }
    /// POST a new secret `projects/{project}/secrets?secretId={id}`.
    pub async fn create_secret(&self, op: &Op, project: &str, secret_id: &str, secret: &Secret) -> Result<Secret, ApiError> {
        let _ = (op, project, secret_id, secret);
        todo!()
    }
    /// PATCH a secret's fields named in `update_mask` (e.g. `annotations`), with its etag.
    pub async fn patch_secret(&self, op: &Op, secret: &Secret, update_mask: &str) -> Result<Secret, ApiError> {
        let _ = (op, secret, update_mask);
        todo!()
    }
    /// DELETE a secret (and all its versions).
    pub async fn delete_secret(&self, op: &Op, name: &str) -> Result<(), ApiError> {
        let _ = (op, name);
        todo!()
    }
    /// `:addVersion` with the payload and its CRC32C.
    pub async fn add_secret_version(&self, op: &Op, secret: &str, data: &[u8]) -> Result<SecretVersion, ApiError> {
        let _ = (op, secret, data);
        todo!()
    }
    /// GET a version (`latest` accepted).
    pub async fn get_secret_version(&self, op: &Op, name: &str) -> Result<SecretVersion, ApiError> {
        let _ = (op, name);
        todo!()
    }
    /// `:access` a version; returns the payload bytes (CRC32C checked when present).
    pub async fn access_secret_version(&self, op: &Op, name: &str) -> Result<Vec<u8>, ApiError> {
        let _ = (op, name);
        todo!()
    }
    /// List all versions of a secret (all pages).
    pub async fn list_secret_versions(&self, op: &Op, secret: &str) -> Result<Vec<SecretVersion>, ApiError> {
        let _ = (op, secret);
        todo!()
    }
    /// `:enable` a version.
    pub async fn enable_secret_version(&self, op: &Op, name: &str) -> Result<SecretVersion, ApiError> {
        let _ = (op, name);
        todo!()
    }
    /// `:disable` a version.
    pub async fn disable_secret_version(&self, op: &Op, name: &str) -> Result<SecretVersion, ApiError> {
        let _ = (op, name);
        todo!()
    }
    /// `:destroy` a version.
    pub async fn destroy_secret_version(&self, op: &Op, name: &str) -> Result<SecretVersion, ApiError> {
        let _ = (op, name);
        todo!()
    }
    /// `:getIamPolicy?options.requestedPolicyVersion=3` on a secret.
    pub async fn get_secret_iam_policy(&self, op: &Op, secret: &str) -> Result<Policy, ApiError> {
        let _ = (op, secret);
        todo!()
    }
    /// `:setIamPolicy` on a secret (the policy carries the etag it was read with).
    pub async fn set_secret_iam_policy(&self, op: &Op, secret: &str, policy: &Policy) -> Result<Policy, ApiError> {
        let _ = (op, secret, policy);
        todo!()
    }
    /// `:testIamPermissions` on a secret; returns the held subset.
    pub async fn test_secret_permissions(&self, op: &Op, secret: &str, permissions: &[&str]) -> Result<Vec<String>, ApiError> {
        let _ = (op, secret, permissions);
        todo!()
    }
}
