//! Every configuration in `examples/` passes `terraform validate` against
//! the provider under test, on every Terraform the harness
//! finds. Resource examples are validated together with
//! `examples/provider/provider.tf`, as the Registry docs show them. Each
//! example keeps its place under `examples/` in the working directory, next
//! to `examples/modules/`, so local module sources (`../modules/...`) resolve.

mod support;

use std::path::{Path, PathBuf};

use support::{repo_root, terraforms, Workdir};

/// Example directories: those holding `.tf` files, relative to `examples/`.
fn example_dirs() -> Vec<PathBuf> {
    let root = repo_root().join("examples");
    let mut found = Vec::new();
    let mut stack = vec![root.clone()];
    while let Some(dir) = stack.pop() {
        let mut has_tf = false;
        for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
            let path = entry.expect("dir entry").path();
            if path.is_dir() {
                if path.file_name().is_some_and(|n| n != ".terraform") {
                    stack.push(path);
                }
            } else if path.extension().is_some_and(|e| e == "tf") {
                has_tf = true;
            }
        }
        if has_tf {
            found.push(
                dir.strip_prefix(&root)
                    .expect("under examples/")
                    .to_path_buf(),
            );
        }
    }
    found.sort();
    found
}

/// Copies the `.tf` files of `from` into the directory `to` of the working directory.
fn copy_tf_files(wd: &Workdir, from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).expect("example dir readable") {
        let path = entry.expect("dir entry").path();
        if path.extension().is_some_and(|e| e == "tf") {
            let name = path
                .file_name()
                .expect("file name")
                .to_string_lossy()
                .into_owned();
            wd.write(
                &to.join(&name).to_string_lossy(),
                &std::fs::read_to_string(&path).expect("example readable"),
            );
        }
    }
}

/// Whether a `.tf` file of `dir` has a `module` block.
fn calls_modules(dir: &Path) -> bool {
    std::fs::read_dir(dir)
        .expect("example dir readable")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "tf"))
        .any(|p| {
            std::fs::read_to_string(&p)
                .unwrap_or_default()
                .lines()
                .any(|l| l.trim_start().starts_with("module \""))
        })
}

#[test]
fn the_expected_examples_exist() {
    let dirs = example_dirs();
    for expected in [
        "provider",
        "resources/pypi_remote_auth",
        "quickstart",
        "rotation",
        "cross-project",
        "many-repositories",
        "modules/pypi-upstream",
        "module-two-projects",
    ] {
        assert!(
            dirs.contains(&PathBuf::from(expected)),
            "examples/{expected} missing: {dirs:?}"
        );
    }
    let resource = repo_root().join("examples/resources/pypi_remote_auth");
    assert!(resource.join("import.sh").is_file(), "import.sh missing");
    assert!(
        repo_root()
            .join("examples/quickstart/emulator-seed.json")
            .is_file(),
        "demo seed missing"
    );
}

#[test]
fn every_example_validates_on_every_terraform() {
    let examples = repo_root().join("examples");
    let modules: Vec<PathBuf> = example_dirs()
        .into_iter()
        .filter(|dir| dir.starts_with("modules"))
        .collect();
    for tf in terraforms() {
        for dir in example_dirs() {
            let wd = Workdir::new(&tf);
            copy_tf_files(&wd, &examples.join(&dir), &dir);
            if dir.starts_with("resources") || dir.starts_with("data-sources") {
                copy_tf_files(&wd, &examples.join("provider"), &dir);
            }
            for module in &modules {
                copy_tf_files(&wd, &examples.join(module), module);
            }
            let subdir = dir.to_string_lossy().into_owned();
            // No `terraform init`: with dev_overrides Terraform loads the
            // provider directly (1.11 even fails init looking for releases);
            // `terraform get` installs the local modules alone.
            if calls_modules(&examples.join(&dir)) {
                let got = wd.tf_in(&subdir, &["get", "-no-color"]);
                assert_eq!(
                    got.code,
                    0,
                    "examples/{}: terraform get on Terraform {}:\n{}\n{}",
                    dir.display(),
                    tf.version,
                    got.stdout,
                    got.stderr
                );
            }
            let out = wd.tf_in(&subdir, &["validate", "-json", "-no-color"]);
            let json: serde_json::Value = serde_json::from_str(&out.stdout).unwrap_or_else(|e| {
                panic!(
                    "examples/{}: validate -json output is not JSON ({e}): {}",
                    dir.display(),
                    out.stdout
                )
            });
            assert!(
                out.code == 0 && json["valid"] == true,
                "examples/{} is invalid on Terraform {}:\n{}\n{}\n--- log tail ---\n{}",
                dir.display(),
                tf.version,
                serde_json::to_string_pretty(&json["diagnostics"]).unwrap_or_default(),
                out.stderr,
                wd.log()
                    .lines()
                    .rev()
                    .take(80)
                    .collect::<Vec<_>>()
                    .into_iter()
                    .rev()
                    .collect::<Vec<_>>()
                    .join("\n"),
            );
        }
    }
}

#[test]
fn the_demo_seed_is_valid_json_with_the_quickstart_repository() {
    let text = std::fs::read_to_string(repo_root().join("examples/quickstart/emulator-seed.json"))
        .expect("seed readable");
    let seed: serde_json::Value = serde_json::from_str(&text).expect("seed is JSON");
    let repo = &seed["repositories"][0];
    assert_eq!(repo["repositoryId"], "pypi-remote");
    assert_eq!(repo["format"], "PYTHON");
    assert_eq!(repo["mode"], "REMOTE_REPOSITORY");
    assert_eq!(seed["projects"][0]["id"], "demo-project");
}
