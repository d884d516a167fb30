//! The `provider "pypi"` block: the Google provider's names, so existing
//! configurations and environments carry over unchanged.

use crate::google::Endpoints;
use crate::tfplugin::{Attribute, Block, Presence, Schema, Type};

/// An optional attribute with a Markdown description.
fn optional(name: &str, ty: Type, description: &str) -> Attribute {
    Attribute {
        name: name.to_string(),
        ty: Some(ty),
        presence: Presence::Optional,
        description: description.to_string(),
        ..Attribute::default()
    }
}

/// The same, hidden from Terraform's output.
fn sensitive(name: &str, description: &str) -> Attribute {
    Attribute {
        sensitive: true,
        ..optional(name, Type::String, description)
    }
}

/// A `*_custom_endpoint` attribute.
fn endpoint(name: &str, service: &str, default_root: &str) -> Attribute {
    optional(
        name,
        Type::String,
        &format!(
            "Root URL of the {service} API, e.g. `http://127.0.0.1:8085/` for a local emulator. A trailing API \
             version segment such as `/v1/`, as in Google-provider configurations, is accepted and ignored. \
             `http://` is accepted for this machine only, unless `insecure_endpoints` is true. Defaults to \
             `{default_root}`."
        ),
    )
}

/// Schema of the provider configuration.
pub fn provider_schema() -> Schema {
    // The documented defaults are the ones the client uses.
    let defaults = Endpoints::default();
    let attributes = vec![
        optional(
            "project",
            Type::String,
            "Default Google Cloud project ID for resources that do not set `project`. Falls back to the \
             environment variables `GOOGLE_PROJECT`, `GOOGLE_CLOUD_PROJECT`, `GCLOUD_PROJECT` and \
             `CLOUDSDK_CORE_PROJECT`, in that order.",
        ),
        sensitive(
            "credentials",
            "Contents of, or path to, a Google credentials JSON file: a service account key, `authorized_user`, \
             `external_account` (workload identity federation) or `impersonated_service_account`. Falls back to \
             `GOOGLE_CREDENTIALS`, `GOOGLE_CLOUD_KEYFILE_JSON` and `GCLOUD_KEYFILE_JSON`. When neither this nor \
             `access_token` is set, Application Default Credentials are used (`GOOGLE_APPLICATION_CREDENTIALS`, \
             `gcloud auth application-default login`, or the metadata server). Conflicts with `access_token`.",
        ),
        sensitive(
            "access_token",
            "A temporary OAuth 2.0 access token, used as it is (it is not refreshed). Takes precedence over \
             `credentials` from the environment. Falls back to `GOOGLE_OAUTH_ACCESS_TOKEN`, which in turn \
             yields to `credentials` written in the provider block.",
        ),
        optional(
            "impersonate_service_account",
            Type::String,
            "Email of a service account to act as: every call uses a token minted by the IAM Credentials \
             `generateAccessToken` method with the credentials above, which need \
             `roles/iam.serviceAccountTokenCreator` on that account. Falls back to \
             `GOOGLE_IMPERSONATE_SERVICE_ACCOUNT`.",
        ),
        optional(
            "billing_project",
            Type::String,
            "Project used for quota and billing when `user_project_override` is true (sent as the \
             `X-Goog-User-Project` header). Falls back to `GOOGLE_BILLING_PROJECT`.",
        ),
        optional(
            "user_project_override",
            Type::Bool,
            "When true, API calls are billed to `billing_project` (or, without it, to the provider's `project`) \
             instead of the project of the credentials. Falls back to `USER_PROJECT_OVERRIDE`. Default: false.",
        ),
        optional(
            "request_timeout",
            Type::String,
            "Timeout of a single HTTP request to Google, as a duration such as `60s` or `2m`. Whole operations \
             are bounded by each resource's `timeouts`. Default: `60s`.",
        ),
        endpoint("secret_manager_custom_endpoint", "Secret Manager", &defaults.secret_manager),
        endpoint("artifact_registry_custom_endpoint", "Artifact Registry", &defaults.artifact_registry),
        endpoint("resource_manager_custom_endpoint", "Cloud Resource Manager", &defaults.resource_manager),
        endpoint("service_usage_custom_endpoint", "Service Usage", &defaults.service_usage),
        endpoint("iam_credentials_custom_endpoint", "IAM Service Account Credentials", &defaults.iam_credentials),
        optional(
            "insecure_endpoints",
            Type::Bool,
            "Allows `http://` custom endpoints on hosts other than this machine's loopback (`127.0.0.0/8`, `::1`, \
             `localhost`, which are always allowed). Requests to such an endpoint send the Google access token \
             and the PyPI token in clear text: for test set-ups only. Terraform shows a warning while it is \
             true. Default: false.",
        ),
    ];
    Schema {
        version: 0,
        block: Block {
            attributes,
            description: "The `pypi` provider configures authentication to upstream PyPI for Artifact Registry \
                          remote repositories. It authenticates to Google Cloud exactly like the Google provider: \
                          the same arguments and the same environment variables."
                .to_string(),
            ..Block::default()
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_attribute_is_optional_and_described() {
        let schema = provider_schema();
        assert_eq!(schema.block.attributes.len(), 13);
        for a in &schema.block.attributes {
            assert_eq!(a.presence, Presence::Optional, "{}", a.name);
            assert!(a.description.len() > 40, "{} lacks a description", a.name);
        }
        assert!(schema
            .block
            .attribute("access_token")
            .is_some_and(|a| a.sensitive));
        assert!(schema
            .block
            .attribute("credentials")
            .is_some_and(|a| a.sensitive));
        assert_eq!(
            schema
                .block
                .attribute("user_project_override")
                .and_then(|a| a.ty.clone()),
            Some(Type::Bool)
        );
    }
}
