//! The `pypi_remote_auth` schema and identity schema (names fixed by issue 4).

use crate::tfplugin::schema::StringKind;
use crate::tfplugin::{
    Attribute, Block, IdentityAttribute, IdentitySchema, NestedBlock, Nesting, Presence, Schema,
    Type,
};

/// Builds one attribute.
fn attr(name: &str, ty: Type, presence: Presence, description: &str) -> Attribute {
    Attribute::new(name, ty, presence, description)
}

/// The resource schema, built once: plan consults it for every resource.
pub fn cached() -> &'static Schema {
    static SCHEMA: std::sync::OnceLock<Schema> = std::sync::OnceLock::new();
    SCHEMA.get_or_init(schema)
}

/// The resource schema, version 0.
pub fn schema() -> Schema {
    let mut project = attr(
        "project",
        Type::String,
        Presence::OptionalComputed,
        "Project ID of the Artifact Registry repository. Defaults to the provider's `project` (or the project in a full `repository` name). Changing it replaces the resource.",
    );
    project.requires_replace = true;
    let mut location = attr(
        "location",
        Type::String,
        Presence::Required,
        "Location of the repository, e.g. `us-central1` or `europe`. Changing it replaces the resource.",
    );
    location.requires_replace = true;
    let mut repository = attr(
        "repository",
        Type::String,
        Presence::Required,
        "The PyPI remote repository (`mode = REMOTE_REPOSITORY`, `format = PYTHON`): its ID, or its full name `projects/PROJECT/locations/LOCATION/repositories/REPOSITORY`. Changing the repository it names replaces the resource.",
    );
    repository.requires_replace = true;
    let mut token = attr(
        "token",
        Type::String,
        Presence::Optional,
        "The PyPI API token (`pypi-...`). Kept in state (marked sensitive); prefer `token_wo` on Terraform or OpenTofu 1.11 and later. Exactly one of `token` and `token_wo` is required.",
    );
    token.sensitive = true;
    let mut token_wo = attr(
        "token_wo",
        Type::String,
        Presence::Optional,
        "The PyPI API token, write-only: it never reaches the plan or the state. Requires Terraform or OpenTofu 1.11 or later and `token_wo_version`; bump `token_wo_version` to store a new token.",
    );
    token_wo.sensitive = true;
    token_wo.write_only = true;

    let timeout_attr = |name: &str, what: &str| {
        attr(
            name,
            Type::String,
            Presence::Optional,
            &format!(
                "How long {what} may take, as a duration such as `20m` or `1h30m`. Default `20m`."
            ),
        )
    };

    Schema {
        version: 0,
        block: Block {
            description: "Configures authentication to upstream PyPI for an Artifact Registry remote repository, as Google's guide describes: stores the PyPI API token as a Secret Manager secret version, grants the repository project's Artifact Registry service agent `roles/secretmanager.secretAccessor` on the secret, and sets the repository's upstream username and password secret version. Out-of-band changes are detected and repaired; token rotation keeps the repository pointing at an enabled version throughout.".into(),
            description_kind: StringKind::Markdown,
            attributes: vec![
                attr("id", Type::String, Presence::Computed, "The repository's full name, `projects/PROJECT/locations/LOCATION/repositories/REPOSITORY`."),
                project,
                location,
                repository,
                attr("secret_id", Type::String, Presence::Required, "ID of the Secret Manager secret that holds the token (1-255 letters, digits, `-` and `_`). Created when it does not exist. Changing it moves the credentials to the new secret in place."),
                attr("secret_project", Type::String, Presence::OptionalComputed, "Project of the secret. Defaults to `project`; the secret may live in another project."),
                attr("secret_replica_locations", Type::List(Box::new(Type::String)), Presence::Optional, "Locations of user-managed replicas for a secret this resource creates; empty or unset means automatic replication. Ignored for an existing secret."),
                attr("secret_labels", Type::Map(Box::new(Type::String)), Presence::Optional, "Labels for a secret this resource creates. Ignored for an existing secret."),
                token,
                token_wo,
                attr("token_wo_version", Type::Number, Presence::Optional, "Version of `token_wo`; required with it. Change it (e.g. increment) to store a new `token_wo`."),
                attr("username", Type::String, Presence::OptionalComputed, "Username sent to the upstream. Default `__token__`, as PyPI API tokens require."),
                attr("previous_version_policy", Type::String, Presence::OptionalComputed, "What becomes of the secret version a rotation superseded, when this resource created it: `DISABLE` (default), `DESTROY` or `KEEP`."),
                attr("deletion_policy", Type::String, Presence::OptionalComputed, "On destroy: `DELETE` (default) clears the repository's credentials and removes what this resource created; `ABANDON` leaves everything in place and only forgets it."),
                attr("create_service_agent", Type::Bool, Presence::OptionalComputed, "Generate the Artifact Registry service agent of the repository's project when it does not exist yet (IAM reports it missing). Generating needs `serviceusage.services.use` (e.g. Service Usage Consumer), which the roles of Google's guide do not grant; a project that already has its agent never needs it. Default `true`."),
                attr("secret_version", Type::String, Presence::Computed, "Full name of the secret version the repository uses, `projects/PROJECT/secrets/SECRET/versions/N`."),
                attr("service_agent", Type::String, Presence::Computed, "Email of the Artifact Registry service agent granted access to the secret. Known at plan when the caller may read the project (`resourcemanager.projects.get`), so other resources can use it before apply."),
                attr("project_number", Type::String, Presence::Computed, "Number of the repository's project. Known at plan when the caller may read the project."),
                attr("token_expires_at", Type::String, Presence::Computed, "When the stored PyPI token expires (RFC 3339, UTC), read offline from the token itself; null when it carries no expiry or is not a PyPI API token. Changes only when a new token is stored. Use it in a `check` block to be warned before the token expires."),
                attr("token_scope", Type::String, Presence::Computed, "What the stored PyPI token may do, read offline from the token: `user` (all projects of its user), `projects:NAME,...`, `trusted-publisher`, or `unknown` (not a PyPI API token, e.g. a private index's, or a scope this provider cannot name). Changes only when a new token is stored."),
            ],
            blocks: vec![NestedBlock {
                name: "timeouts".into(),
                nesting: Nesting::Single,
                block: Block {
                    description: "Operation timeouts.".into(),
                    attributes: vec![
                        timeout_attr("create", "creating"),
                        timeout_attr("update", "updating (including rotation and repairs)"),
                        timeout_attr("delete", "destroying"),
                    ],
                    ..Block::default()
                },
                min_items: 0,
                max_items: 0,
            }],
            deprecated: false,
        },
    }
}

/// The identity schema: the repository, as `import { identity = {...} }` takes it.
pub fn identity_schema() -> IdentitySchema {
    let id = |name: &str, description: &str| IdentityAttribute {
        name: name.into(),
        ty: Type::String,
        required_for_import: true,
        optional_for_import: false,
        description: description.into(),
    };
    IdentitySchema {
        version: 0,
        attributes: vec![
            id("project", "Project ID of the repository."),
            id("location", "Location of the repository."),
            id("repository", "Repository ID."),
        ],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_attribute_is_described_and_token_wo_is_write_only() {
        let s = schema();
        for a in &s.block.attributes {
            assert!(!a.description.is_empty(), "{}", a.name);
        }
        let wo = s.block.attribute("token_wo").expect("token_wo");
        assert!(wo.write_only && wo.presence == Presence::Optional);
        assert!(s.block.attribute("token").is_some_and(|a| a.sensitive));
        let replace: Vec<&str> = s
            .block
            .attributes
            .iter()
            .filter(|a| a.requires_replace)
            .map(|a| a.name.as_str())
            .collect();
        assert_eq!(replace, ["project", "location", "repository"]);
        assert_eq!(identity_schema().attributes.len(), 3);
    }
}
