//! Secret Manager v1: secrets, versions and secret IAM policies.

use std::collections::BTreeMap;

use base64::Engine;
use reqwest::Method;
use serde::{Deserialize, Serialize};

use super::http::Replay;
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

/// `{"payload": {...}}` of `:addVersion` and `:access`.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct PayloadEnvelope {
    /// The payload.
    #[serde(default)]
    payload: Payload,
}

/// `SecretPayload`: the bytes and their checksum.
#[derive(Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Payload {
    /// Standard base64 of the bytes.
    #[serde(default)]
    data: String,
    /// CRC32C of the bytes: an int64 sent as a decimal string (some
    /// services answer a JSON number, which is accepted too).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    data_crc32c: Option<serde_json::Value>,
}

/// The data is the PyPI token: Debug shows only its length.
impl std::fmt::Debug for Payload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Payload")
            .field(
                "data",
                &format_args!("[redacted, {} base64 characters]", self.data.len()),
            )
            .field("data_crc32c", &self.data_crc32c)
            .finish()
    }
}

/// One page of `versions.list`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct VersionPage {
    /// The versions of this page.
    #[serde(default)]
    versions: Vec<SecretVersion>,
    /// Token of the next page; empty on the last.
    #[serde(default)]
    next_page_token: String,
}

/// A secret's `{"policy": ...}` for `:setIamPolicy`.
#[derive(Serialize)]
pub(crate) struct SetPolicyRequest<'a> {
    /// The policy with the etag it was read with.
    pub(crate) policy: &'a Policy,
}

/// Listing stops after this many pages: a server answering the same token
/// forever must not hang a plan.
const MAX_PAGES: usize = 1000;

/// `projects/{p}` from a project ID or an already prefixed name.
pub(crate) fn project_name(project: &str) -> String {
    format!("projects/{}", super::resourcemanager::project_id(project))
}

/// Parses a `dataCrc32c` answered as a decimal string or a number.
fn parse_crc(value: &serde_json::Value) -> Option<u32> {
    let n = match value {
        serde_json::Value::String(s) => s.trim().parse::<u64>().ok()?,
        serde_json::Value::Number(n) => n.as_u64()?,
        _ => return None,
    };
    u32::try_from(n).ok()
}

impl GoogleClient {
    /// The Secret Manager root.
    fn sm(&self) -> &str {
        &self.inner.config.endpoints.secret_manager
    }
    /// `POST v1/{resource}:{verb}` with a JSON body, answering JSON.
    async fn sm_post<B: Serialize + ?Sized, T: serde::de::DeserializeOwned>(
        &self,
        op: &Op,
        resource: &str,
        verb: &str,
        body: &B,
        api_method: &str,
        replay: Replay,
    ) -> Result<T, ApiError> {
        self.post_verb(op, self.sm(), resource, verb, body, api_method, replay)
            .await
    }

    /// `POST v1/{name}:{verb}` with an empty body, for the version state
    /// changes (`enable`, `disable`, `destroy`), which answer the version.
    async fn transition_version(
        &self,
        op: &Op,
        name: &str,
        verb: &str,
        api_method: &str,
    ) -> Result<SecretVersion, ApiError> {
        self.sm_post(
            op,
            name,
            verb,
            &serde_json::json!({}),
            api_method,
            Replay::Always,
        )
        .await
    }

    /// GET a secret.
    pub async fn get_secret(&self, op: &Op, name: &str) -> Result<Secret, ApiError> {
        self.get(
            op,
            self.sm(),
            &format!("v1/{name}"),
            &[],
            "secretmanager.secrets.get",
            name,
        )
        .await
    }
    /// POST a new secret `projects/{project}/secrets?secretId={id}`.
    pub async fn create_secret(
        &self,
        op: &Op,
        project: &str,
        secret_id: &str,
        secret: &Secret,
    ) -> Result<Secret, ApiError> {
        let parent = project_name(project);
        let resource = format!("{parent}/secrets/{secret_id}");
        let path = format!("v1/{parent}/secrets");
        let query = [("secretId", secret_id)];
        self.send_json(
            op,
            Method::POST,
            self.sm(),
            &path,
            &query,
            secret,
            "secretmanager.secrets.create",
            &resource,
            Replay::UnlessMaybeApplied,
        )
        .await
    }
    /// PATCH a secret's fields named in `update_mask` (e.g. `annotations`), with its etag.
    pub async fn patch_secret(
        &self,
        op: &Op,
        secret: &Secret,
        update_mask: &str,
    ) -> Result<Secret, ApiError> {
        let name = secret.name.as_str();
        let query = [("updateMask", update_mask)];
        let path = format!("v1/{name}");
        self.send_json(
            op,
            Method::PATCH,
            self.sm(),
            &path,
            &query,
            secret,
            "secretmanager.secrets.patch",
            name,
            Replay::Always,
        )
        .await
    }
    /// DELETE a secret (and all its versions). With `etag`, only when the
    /// secret is still as it was read (else 400 FAILED_PRECONDITION).
    pub async fn delete_secret(
        &self,
        op: &Op,
        name: &str,
        etag: Option<&str>,
    ) -> Result<(), ApiError> {
        let query: Vec<(&str, &str)> = etag.map(|e| ("etag", e)).into_iter().collect();
        let url = self.url(self.sm(), &format!("v1/{name}"), &query)?;
        let call = super::http::Call {
            method: Method::DELETE,
            url,
            body: None,
            api_method: "secretmanager.secrets.delete",
            replay: Replay::Always,
            resource: name,
        };
        let _: serde_json::Value = self.execute(op, call).await?;
        Ok(())
    }
    /// `:addVersion` with the payload and its CRC32C.
    pub async fn add_secret_version(
        &self,
        op: &Op,
        secret: &str,
        data: &[u8],
    ) -> Result<SecretVersion, ApiError> {
        let body = PayloadEnvelope {
            payload: Payload {
                data: base64::engine::general_purpose::STANDARD.encode(data),
                data_crc32c: Some(serde_json::Value::String(crc32c::crc32c(data).to_string())),
            },
        };
        self.sm_post(
            op,
            secret,
            "addVersion",
            &body,
            "secretmanager.secrets.addVersion",
            Replay::UnlessMaybeApplied,
        )
        .await
    }
    /// GET a version (`latest` accepted).
    pub async fn get_secret_version(&self, op: &Op, name: &str) -> Result<SecretVersion, ApiError> {
        self.get(
            op,
            self.sm(),
            &format!("v1/{name}"),
            &[],
            "secretmanager.versions.get",
            name,
        )
        .await
    }
    /// `:access` a version; returns the payload bytes (CRC32C checked when present).
    pub async fn access_secret_version(&self, op: &Op, name: &str) -> Result<Vec<u8>, ApiError> {
        let api_method = "secretmanager.versions.access";
        let answer: PayloadEnvelope = self
            .get(
                op,
                self.sm(),
                &format!("v1/{name}:access"),
                &[],
                api_method,
                name,
            )
            .await?;
        let decode_error = |message: &str| ApiError::Decode {
            method: api_method.to_string(),
            resource: name.to_string(),
            message: message.to_string(),
        };
        let data = base64::engine::general_purpose::STANDARD
            .decode(answer.payload.data.as_bytes())
            .map_err(|_| decode_error("the payload is not valid base64"))?;
        if let Some(sent) = &answer.payload.data_crc32c {
            let sent =
                parse_crc(sent).ok_or_else(|| decode_error("dataCrc32c is not a 32-bit number"))?;
            if sent != crc32c::crc32c(&data) {
                return Err(decode_error(
                    "the payload does not match its CRC32C checksum (corrupted in transit)",
                ));
            }
        }
        Ok(data)
    }
    /// List all versions of a secret (all pages).
    pub async fn list_secret_versions(
        &self,
        op: &Op,
        secret: &str,
    ) -> Result<Vec<SecretVersion>, ApiError> {
        let path = format!("v1/{secret}/versions");
        let mut all = Vec::new();
        let mut token = String::new();
        for _ in 0..MAX_PAGES {
            let mut query = vec![("pageSize", "250")];
            if !token.is_empty() {
                query.push(("pageToken", token.as_str()));
            }
            let page: VersionPage = self
                .get(
                    op,
                    self.sm(),
                    &path,
                    &query,
                    "secretmanager.versions.list",
                    secret,
                )
                .await?;
            all.extend(page.versions);
            if page.next_page_token.is_empty() || page.next_page_token == token {
                return Ok(all);
            }
            token = page.next_page_token;
        }
        Err(ApiError::Decode {
            method: "secretmanager.versions.list".into(),
            resource: secret.into(),
            message: format!("more than {MAX_PAGES} pages of versions"),
        })
    }
    /// `:enable` a version.
    pub async fn enable_secret_version(
        &self,
        op: &Op,
        name: &str,
    ) -> Result<SecretVersion, ApiError> {
        self.transition_version(op, name, "enable", "secretmanager.versions.enable")
            .await
    }
    /// `:disable` a version.
    pub async fn disable_secret_version(
        &self,
        op: &Op,
        name: &str,
    ) -> Result<SecretVersion, ApiError> {
        self.transition_version(op, name, "disable", "secretmanager.versions.disable")
            .await
    }
    /// `:destroy` a version.
    pub async fn destroy_secret_version(
        &self,
        op: &Op,
        name: &str,
    ) -> Result<SecretVersion, ApiError> {
        self.transition_version(op, name, "destroy", "secretmanager.versions.destroy")
            .await
    }
    /// `:getIamPolicy?options.requestedPolicyVersion=3` on a secret.
    pub async fn get_secret_iam_policy(&self, op: &Op, secret: &str) -> Result<Policy, ApiError> {
        let path = format!("v1/{secret}:getIamPolicy");
        let query = [("options.requestedPolicyVersion", "3")];
        self.get(
            op,
            self.sm(),
            &path,
            &query,
            "secretmanager.secrets.getIamPolicy",
            secret,
        )
        .await
    }
    /// `:setIamPolicy` on a secret (the policy carries the etag it was read with).
    pub async fn set_secret_iam_policy(
        &self,
        op: &Op,
        secret: &str,
        policy: &Policy,
    ) -> Result<Policy, ApiError> {
        let body = SetPolicyRequest { policy };
        self.sm_post(
            op,
            secret,
            "setIamPolicy",
            &body,
            "secretmanager.secrets.setIamPolicy",
            Replay::Always,
        )
        .await
    }
    /// Read-modify-write of a secret's policy (see [`super::iam::read_modify_write`]):
    /// `modify` returns false when nothing needs changing; stale etags are retried.
    pub async fn modify_secret_iam_policy(
        &self,
        op: &Op,
        secret: &str,
        modify: impl Fn(&mut Policy) -> bool,
    ) -> Result<super::rmw::Written<Policy>, ApiError> {
        super::iam::read_modify_write(
            op,
            || self.get_secret_iam_policy(op, secret),
            |p| async move { self.set_secret_iam_policy(op, secret, &p).await },
            modify,
        )
        .await
    }
    /// `:testIamPermissions` on a secret; returns the held subset.
    pub async fn test_secret_permissions(
        &self,
        op: &Op,
        secret: &str,
        permissions: &[&str],
    ) -> Result<Vec<String>, ApiError> {
        let api_method = "secretmanager.secrets.testIamPermissions";
        self.test_iam_permissions(op, self.sm(), secret, permissions, api_method)
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payload_debug_hides_the_data() {
        let envelope = PayloadEnvelope {
            payload: Payload {
                data: base64::engine::general_purpose::STANDARD.encode("pypi-secret"),
                data_crc32c: None,
            },
        };
        let shown = format!("{envelope:?}");
        assert!(!shown.contains(&envelope.payload.data), "{shown}");
        assert!(shown.contains("redacted"), "{shown}");
    }

    #[test]
    fn crc_as_string_or_number() {
        assert_eq!(
            parse_crc(&serde_json::json!("2776802622")),
            Some(2_776_802_622)
        );
        assert_eq!(parse_crc(&serde_json::json!(7)), Some(7));
        assert_eq!(parse_crc(&serde_json::json!("4294967296")), None);
        assert_eq!(parse_crc(&serde_json::json!(true)), None);
    }
}
