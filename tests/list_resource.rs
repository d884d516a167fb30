//! `terraform query` with a `list "pypi_remote_auth"` block (Terraform
//! 1.14+): finds exactly the PyPI remote repositories whose upstream
//! credentials were configured by hand, and `-generate-config-out` writes
//! import blocks and resource configuration that a plan then accepts
//! without replacing or rewriting anything.

mod remote_auth_common;
mod support;

use remote_auth_common::*;
use serde_json::{json, Value};
use support::{Emulator, Workdir};

const TOKEN_A: &str = "pypi-e2e-list-token-aaaa";
const TOKEN_B: &str = "pypi-e2e-list-token-bbbb";

/// An emulator holding, in [`LOCATION`]: two PyPI remote repositories
/// configured by hand, one without credentials, an npm remote with
/// credentials and a standard Python repository; plus a configured PyPI
/// remote in another location. Returns the two versions in use.
fn landscape() -> (Emulator, String, String) {
    let emu = Emulator::start(&[]);
    for repo in ["pypi-a", "pypi-b", "pypi-bare"] {
        emu.create_pypi_remote_repo(PROJECT, LOCATION, repo);
    }
    emu.create_pypi_remote_repo(PROJECT, "europe-west1", "pypi-elsewhere");
    emu.create_repo(
        PROJECT,
        LOCATION,
        "npm-remote",
        json!({
            "format": "NPM",
            "mode": "REMOTE_REPOSITORY",
            "remoteRepositoryConfig": { "npmRepository": { "publicRepository": "NPMJS" } }
        }),
    );
    emu.create_repo(
        PROJECT,
        LOCATION,
        "python-standard",
        json!({ "format": "PYTHON", "mode": "STANDARD_REPOSITORY" }),
    );
    let a = Target::new(&emu, "pypi-a", "token-a").configure_by_hand(TOKEN_A);
    let b = Target::new(&emu, "pypi-b", "token-b").configure_by_hand(TOKEN_B);
    let npm = Target::new(&emu, "npm-remote", "token-npm");
    npm.create_secret();
    let npm_version = npm.add_version("npm-token");
    npm.grant_agent();
    npm.set_credentials("user", &npm_version);
    (emu, a, b)
}

/// Whether the primary Terraform has `terraform query` (1.14 and later);
/// says so when a test is skipped for want of it.
fn has_query() -> bool {
    let has = support::primary_terraform().at_least(1, 14);
    if !has {
        eprintln!("skipped: terraform query needs Terraform 1.14+");
    }
    has
}

/// A working directory with the provider configuration and `query` as
/// `main.tfquery.hcl`.
fn workdir(emu: &Emulator, query: &str) -> Workdir {
    let wd = Workdir::new(&support::primary_terraform());
    write_main(&wd, &config(emu, ""));
    wd.write("main.tfquery.hcl", query);
    wd
}

/// A list block over [`LOCATION`] with extra `config` lines.
fn list_block(extra: &str) -> String {
    format!(
        "list \"pypi_remote_auth\" \"all\" {{\n  provider = pypi\n\n  config {{\n    location = \"{LOCATION}\"\n{extra}  }}\n}}\n"
    )
}

/// The results of `terraform query -json`: (display name, identity) pairs, sorted.
fn results(wd: &Workdir, extra_args: &[&str]) -> Vec<(String, Value)> {
    let mut args = vec!["query", "-json", "-no-color"];
    args.extend_from_slice(extra_args);
    let out = wd.tf_ok(&args);
    let mut found: Vec<(String, Value)> = out
        .stdout
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|m| m["type"] == "list_resource_found")
        .map(|m| {
            let r = &m["list_resource_found"];
            (
                r["display_name"].as_str().unwrap_or_default().to_string(),
                r["identity"].clone(),
            )
        })
        .collect();
    found.sort_by(|x, y| x.0.cmp(&y.0));
    assert!(
        !out.stdout.contains("\"@level\":\"error\""),
        "query reported an error:\n{}",
        out.stdout
    );
    found
}

fn name(repo: &str) -> String {
    format!("projects/{PROJECT}/locations/{LOCATION}/repositories/{repo}")
}

fn identity(repo: &str) -> Value {
    json!({ "project": PROJECT, "location": LOCATION, "repository": repo })
}

#[test]
fn query_lists_exactly_the_repositories_with_credentials() {
    if !has_query() {
        return;
    }
    let (emu, a, b) = landscape();
    let wd = workdir(&emu, &list_block(""));
    let found = results(&wd, &[]);
    let version = |v: &str| v.rsplit('/').next().unwrap_or_default().to_string();
    assert_eq!(
        found,
        vec![
            (
                format!(
                    "{} (secret token-a version {})",
                    name("pypi-a"),
                    version(&a)
                ),
                identity("pypi-a")
            ),
            (
                format!(
                    "{} (secret token-b version {})",
                    name("pypi-b"),
                    version(&b)
                ),
                identity("pypi-b")
            ),
        ]
    );

    // The documented example, pointed at the emulator's project, finds the same.
    let example = std::fs::read_to_string(
        support::repo_root()
            .join("examples/list-resources/pypi_remote_auth/list-resource.tfquery.hcl"),
    )
    .expect("example readable")
    .replace("my-project", PROJECT);
    let wd = workdir(&emu, &example);
    assert_eq!(results(&wd, &[]), found, "the example query");

    let wd = workdir(
        &emu,
        &list_block("    include_without_credentials = true\n"),
    );
    let names: Vec<String> = results(&wd, &[]).into_iter().map(|r| r.0).collect();
    assert_eq!(
        names,
        vec![
            format!(
                "{} (secret token-a version {})",
                name("pypi-a"),
                version(&a)
            ),
            format!(
                "{} (secret token-b version {})",
                name("pypi-b"),
                version(&b)
            ),
            format!("{} (no upstream credentials)", name("pypi-bare")),
        ]
    );
}

/// Without `location`, the query searches every location of the project
/// and finds the repository configured by hand in another region too.
#[test]
fn query_without_location_searches_every_location() {
    if !has_query() {
        return;
    }
    let (emu, _, _) = landscape();
    let mut elsewhere = Target::new(&emu, "pypi-elsewhere", "token-e");
    elsewhere.location = "europe-west1".into();
    elsewhere.configure_by_hand("pypi-e2e-list-token-eeee");
    let wd = workdir(
        &emu,
        "list \"pypi_remote_auth\" \"all\" {\n  provider = pypi\n  config {}\n}\n",
    );
    let identities: Vec<Value> = results(&wd, &[]).into_iter().map(|r| r.1).collect();
    assert_eq!(
        identities,
        // Sorted by display name: europe-west1 comes first.
        vec![
            json!({ "project": PROJECT, "location": "europe-west1", "repository": "pypi-elsewhere" }),
            identity("pypi-a"),
            identity("pypi-b"),
        ]
    );
}

#[test]
fn query_honours_limit_and_reports_bad_config_on_its_attribute() {
    if !has_query() {
        return;
    }
    let (emu, _, _) = landscape();
    let limited = list_block("").replace("  config {", "  limit = 1\n\n  config {");
    let wd = workdir(&emu, &limited);
    assert_eq!(results(&wd, &[]).len(), 1, "limit = 1");

    let bad = "list \"pypi_remote_auth\" \"all\" {\n  provider = pypi\n  config {\n    location = \"US Central\"\n  }\n}\n";
    let wd = workdir(&emu, bad);
    let out = wd.tf(&["query", "-no-color"]);
    assert_ne!(out.code, 0, "an invalid location must fail the query");
    let text = flat(&out);
    assert!(
        text.contains("Invalid location") && text.contains("location"),
        "{text}"
    );
}

#[test]
fn generated_configuration_imports_without_changes() {
    if !has_query() {
        return;
    }
    let (emu, a, b) = landscape();
    let wd = workdir(&emu, &list_block(""));
    wd.tf_ok(&["query", "-no-color", "-generate-config-out=generated.tf"]);
    let generated = wd.read("generated.tf");
    assert_eq!(
        generated.matches("import {").count(),
        2,
        "one import block per result:\n{generated}"
    );
    assert!(
        generated.contains("\"pypi-a\"") && generated.contains("\"pypi-b\""),
        "{generated}"
    );
    assert!(
        generated.contains("secret_id") && generated.contains("token-a"),
        "the resource configuration carries the secret:\n{generated}"
    );
    println!("generated.tf:\n{generated}");
    // The token is the one thing the listing cannot know.
    let with_tokens = add_tokens(&generated);
    wd.write("generated.tf", &with_tokens);
    let out = wd.tf_ok(&["plan", "-out=tfplan", "-no-color", "-input=false"]);
    let shown = wd.tf_ok(&["show", "-json", "tfplan"]);
    let plan: Value = serde_json::from_str(&shown.stdout).expect("plan JSON");
    let changes = plan["resource_changes"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(changes.len(), 2, "{}", out.stdout);
    for change in &changes {
        let actions = &change["change"]["actions"];
        assert!(
            actions == &json!(["no-op"]) || actions == &json!(["update"]),
            "{}: {actions} (import must neither create nor replace):\n{}",
            change["address"],
            out.stdout
        );
        assert!(
            change["change"]["importing"].is_object(),
            "{} is imported:\n{}",
            change["address"],
            out.stdout
        );
    }
    apply(&wd);
    assert_eq!(
        Target::new(&emu, "pypi-a", "token-a").assert_configured(TOKEN_A, "__token__"),
        a
    );
    assert_eq!(
        Target::new(&emu, "pypi-b", "token-b").assert_configured(TOKEN_B, "__token__"),
        b
    );
    assert_eq!(
        Target::new(&emu, "pypi-a", "token-a").versions().len(),
        1,
        "importing stored no new version"
    );
    assert_plan_clean(&wd, "after importing the generated configuration");
}

/// Sets `token` in each generated resource block from its secret.
fn add_tokens(generated: &str) -> String {
    let mut out = String::new();
    let mut current_token = None;
    for line in generated.lines() {
        if line.contains("secret_id") && line.contains("token-a") {
            current_token = Some(TOKEN_A);
        } else if line.contains("secret_id") && line.contains("token-b") {
            current_token = Some(TOKEN_B);
        }
        let trimmed = line.trim_start();
        if trimmed.starts_with("token ") || trimmed.starts_with("token=") {
            continue;
        }
        out.push_str(line);
        out.push('\n');
        if let (Some(token), true) = (current_token, trimmed.starts_with("secret_id")) {
            out.push_str(&format!("  token = \"{token}\"\n"));
            current_token = None;
        }
    }
    out
}
