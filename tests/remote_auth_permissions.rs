//! A caller without every permission Google's guide asks for: the plan
//! warns (one `testIamPermissions` per project, secret and repository), a
//! create that fails half-way records what exists so destroy cleans it up,
//! and each error names the operation, the resource and the role to grant.

mod remote_auth_common;
mod support;

use remote_auth_common::*;
use serde_json::json;
use support::{Emulator, TfOutput, Workdir};

const TOKEN: &str = "pypi-e2e-permissions-token-0001";
/// The bearer token of the seeded, limited caller the provider uses.
const CALLER: &str = "limited-token";
/// Full name of the repository the tests configure.
const REPO_NAME: &str = "projects/demo-project/locations/us-central1/repositories/pypi-remote";

/// One resource on `pypi-remote` with `secret_id`, calling as [`CALLER`].
fn hcl(emu: &Emulator, secret_id: &str) -> String {
    config_as(
        emu,
        CALLER,
        &resource("x", "pypi-remote", &token_lines(secret_id, TOKEN)),
    )
}

/// Applies [`hcl`] with `secret_id` in a new work directory, asserting
/// that the apply fails; returns the directory and Terraform's output.
fn failing_apply(emu: &Emulator, secret_id: &str) -> (Workdir, TfOutput) {
    let wd = Workdir::new(&support::primary_terraform());
    write_main(&wd, &hcl(emu, secret_id));
    let out = wd.tf(&["apply", "-auto-approve", "-no-color", "-input=false"]);
    assert_ne!(out.code, 0, "the apply must fail: {}", out.stdout);
    (wd, out)
}

/// Number of `testIamPermissions` requests since `since` on paths ending in `suffix`.
fn tests_on(emu: &Emulator, since: usize, suffix: &str) -> usize {
    requests_matching(emu, since, ":testIamPermissions")
        .iter()
        .filter(|e| {
            e["path"]
                .as_str()
                .is_some_and(|p| p.ends_with(&format!("{suffix}:testIamPermissions")))
        })
        .count()
}

/// Read-only roles: the plan warns, lists what is missing and Google's
/// roles, asks each resource once, and changes nothing.
#[test]
fn plan_warns_about_missing_permissions_once_per_resource() {
    let emu = Emulator::start_with_seed(
        &seed_with_caller(
            CALLER,
            &[
                "roles/artifactregistry.reader",
                "roles/secretmanager.viewer",
            ],
            &["pypi-remote", "pypi-other"],
        ),
        &[],
    );
    let wd = Workdir::new(&support::primary_terraform());
    let blocks = [
        resource("x", "pypi-remote", &token_lines("token-x", TOKEN)),
        resource("y", "pypi-other", &token_lines("token-y", TOKEN)),
    ];
    write_main(&wd, &config_as(&emu, CALLER, &blocks.join("\n")));
    let before = emu.requests().len();
    let out = plan(&wd);
    assert_eq!(
        out.code, 2,
        "a preflight warning must not fail the plan:\n{}\n{}",
        out.stdout, out.stderr
    );
    let text = flat(&out);
    assert!(
        text.contains("Warning: The caller may lack permissions"),
        "{text}"
    );
    for missing in [
        "artifactregistry.repositories.update",
        "secretmanager.secrets.create",
        "secretmanager.versions.add",
        "secretmanager.secrets.setIamPolicy",
    ] {
        assert!(text.contains(missing), "{missing} not listed: {text}");
    }
    assert!(
        !text.contains("artifactregistry.repositories.get on"),
        "a held permission is listed as missing: {text}"
    );
    assert!(
        text.contains("Artifact Registry Admin")
            && text.contains("roles/artifactregistry.admin")
            && text.contains("Secret Manager Admin")
            && text.contains("roles/secretmanager.admin"),
        "the warning names the roles from Google's guide: {text}"
    );
    assert_eq!(
        tests_on(&emu, before, "/projects/demo-project"),
        1,
        "one testIamPermissions on the project for both resources: {:#?}",
        requests_matching(&emu, before, ":testIamPermissions")
    );
    for repo in ["pypi-remote", "pypi-other"] {
        assert_eq!(
            tests_on(&emu, before, &format!("/repositories/{repo}")),
            1,
            "one testIamPermissions on {repo}"
        );
    }
    assert_no_mutation_since(&emu, before, "plan with a read-only caller");
}

/// An existing secret is tested on the secret itself, once.
#[test]
fn plan_tests_an_existing_secret_once() {
    let mut seed = seed_with_caller(
        CALLER,
        &["roles/artifactregistry.admin", "roles/secretmanager.viewer"],
        &["pypi-remote"],
    );
    seed["secrets"] = json!([{ "project": PROJECT, "secretId": "team-token" }]);
    let emu = Emulator::start_with_seed(&seed, &[]);
    let wd = Workdir::new(&support::primary_terraform());
    write_main(&wd, &hcl(&emu, "team-token"));
    let before = emu.requests().len();
    let out = plan(&wd);
    assert_eq!(out.code, 2, "{}\n{}", out.stdout, out.stderr);
    let text = flat(&out);
    assert!(
        text.contains("secretmanager.versions.add on projects/demo-project/secrets/team-token")
            && text.contains("secretmanager.secrets.setIamPolicy"),
        "{text}"
    );
    assert!(
        !text.contains("artifactregistry.repositories.update"),
        "Artifact Registry Admin holds the repository permissions: {text}"
    );
    assert_eq!(tests_on(&emu, before, "/secrets/team-token"), 1);
    assert_eq!(
        tests_on(&emu, before, "/repositories/pypi-remote"),
        0,
        "Artifact Registry Admin on the project answers for the repository: no second question"
    );
    assert_no_mutation_since(&emu, before, "plan with a read-only caller");
}

/// Everything on Secret Manager but no `artifactregistry.repositories.update`:
/// the create stops at the repository, says so, keeps what exists in
/// state, and destroy removes the secret it created.
#[test]
fn failed_create_records_what_exists_and_destroy_cleans_up() {
    let emu = Emulator::start_with_seed(
        &seed_with_caller(
            CALLER,
            &[
                "roles/secretmanager.admin",
                "roles/artifactregistry.reader",
                "roles/serviceusage.serviceUsageConsumer",
            ],
            &["pypi-remote"],
        ),
        &[],
    );
    let (wd, out) = failing_apply(&emu, "pypi-token");
    let text = flat(&out);
    assert!(
        text.contains("Failed to set the repository's upstream credentials")
            && text.contains(REPO_NAME)
            && text.contains("roles/artifactregistry.admin"),
        "the error names the operation, the resource and the fix: {text}"
    );
    assert!(!text.contains(TOKEN), "the token leaked into the output");

    let target = Target::new(&emu, "pypi-remote", "pypi-token");
    assert!(
        in_state(&wd, "pypi_remote_auth.x"),
        "the state records the half-made resource"
    );
    let values = state_values(&wd, "pypi_remote_auth.x");
    assert_eq!(values["project_number"], PROJECT_NUMBER);
    assert_eq!(values["service_agent"], agent_email(PROJECT_NUMBER));
    assert_eq!(
        target.credentials(),
        None,
        "the repository was never pointed anywhere"
    );
    assert_eq!(target.versions().len(), 1, "one version was stored");
    assert!(target.agent_has_access(), "the binding was granted");

    destroy(&wd);
    assert!(!in_state(&wd, "pypi_remote_auth.x"));
    assert_eq!(
        target.secret_status(),
        404,
        "destroy deletes the secret the failed create made (with its version and binding)"
    );
}

/// The same half-way failure on a secret that already existed: destroy
/// destroys the version and removes the binding and annotations the
/// resource added, and keeps the secret and its other members.
#[test]
fn failed_create_on_an_existing_secret_leaks_nothing() {
    let mut seed = seed_with_caller(
        CALLER,
        &[
            "roles/secretmanager.admin",
            "roles/artifactregistry.reader",
            "roles/serviceusage.serviceUsageConsumer",
        ],
        &["pypi-remote"],
    );
    seed["secrets"] = json!([{
        "project": PROJECT,
        "secretId": "team-token",
        "iamPolicy": { "bindings": [
            { "role": ACCESSOR_ROLE, "members": ["user:alice@example.com"] }
        ]}
    }]);
    let emu = Emulator::start_with_seed(&seed, &[]);
    let (wd, _) = failing_apply(&emu, "team-token");

    let target = Target::new(&emu, "pypi-remote", "team-token");
    let versions = target.versions();
    assert_eq!(versions.len(), 1, "one version was stored: {versions:#?}");
    let version = versions[0]["name"].as_str().unwrap_or_default().to_string();
    assert!(target.agent_has_access(), "the binding was granted");
    assert!(!target.provider_annotations().is_empty());

    destroy(&wd);
    assert_eq!(target.secret_status(), 200, "a foreign secret is kept");
    assert_eq!(
        target.version_state(&version),
        "DESTROYED",
        "the version the failed create stored is destroyed"
    );
    assert!(
        !target.agent_has_access(),
        "the binding the failed create added is removed: {:#}",
        target.policy()
    );
    assert!(
        unconditional_members(&target.policy(), ACCESSOR_ROLE)
            .contains(&"user:alice@example.com".to_string()),
        "other members stay: {:#}",
        target.policy()
    );
    assert_eq!(target.provider_annotations(), Vec::<String>::new());
}

/// Editor can do everything but change IAM policies: the 403 on the
/// secret's policy says the caller needs Secret Manager Admin on that
/// secret or its project.
#[test]
fn forbidden_secret_policy_names_secret_manager_admin() {
    let emu = Emulator::start_with_seed(
        &seed_with_caller(CALLER, &["roles/editor"], &["pypi-remote"]),
        &[],
    );
    let (wd, out) = failing_apply(&emu, "pypi-token");
    let text = flat(&out);
    assert!(
        text.contains("Failed to grant the service agent roles/secretmanager.secretAccessor")
            && text.contains("Secret Manager Admin (`roles/secretmanager.admin`) on the secret projects/demo-project/secrets/pypi-token or on its project"),
        "the error names the operation, the secret and the role: {text}"
    );
    assert!(!text.contains(TOKEN), "the token leaked into the output");
    let target = Target::new(&emu, "pypi-remote", "pypi-token");
    assert_eq!(target.credentials(), None);

    destroy(&wd);
    assert_eq!(
        target.secret_status(),
        404,
        "destroy deletes the secret the failed create made"
    );
}

/// Exactly the roles Google's guide names (Artifact Registry Administrator
/// and Secret Manager Admin) are enough when the project already has its
/// service agent: the provider does not call Service Usage, whose
/// `serviceusage.services.use` neither role grants.
#[test]
fn the_roles_from_googles_guide_are_enough() {
    let emu = Emulator::start_with_seed(
        &seed_with_caller(
            CALLER,
            &["roles/artifactregistry.admin", "roles/secretmanager.admin"],
            &["pypi-remote"],
        ),
        &[],
    );
    let wd = Workdir::new(&support::primary_terraform());
    write_main(&wd, &hcl(&emu, "pypi-token"));
    let since = emu.requests().len();
    apply(&wd);
    Target::new(&emu, "pypi-remote", "pypi-token").assert_configured(TOKEN, "__token__");
    assert!(
        requests_matching(&emu, since, ":generateServiceIdentity").is_empty(),
        "an existing service agent is not generated again"
    );
    assert_plan_clean(&wd, "after a create with the guide's roles");
    destroy(&wd);
}
