//! `docs/` is exactly what `gen-docs` produces from the current schema and
//! examples: a schema or example change without `make docs` fails here.

use std::path::PathBuf;

use terraform_provider_pypi::docgen::{self, ProviderInfo};
use terraform_provider_pypi::PypiProvider;

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn generated() -> Vec<docgen::Page> {
    docgen::generate(
        &PypiProvider::new(),
        &ProviderInfo::pypi(),
        &repo_root().join("examples"),
    )
    .expect("docs generate")
}

#[test]
fn docs_directory_is_up_to_date() {
    let pages = generated();
    let problems = docgen::differences(&repo_root().join("docs"), &pages).expect("docs/ readable");
    assert!(
        problems.is_empty(),
        "docs/ is out of date; run `make docs`:\n  {}",
        problems.join("\n  ")
    );
}

#[test]
fn generated_into_an_empty_directory_matches_docs() {
    // Writing and comparing file by file catches what `differences` might miss (e.g. write errors).
    let tmp = tempfile::tempdir().expect("temp dir");
    let pages = generated();
    docgen::write(tmp.path(), &pages).expect("docs written");
    let docs = repo_root().join("docs");
    let ours = docgen::markdown_files(tmp.path()).expect("listing");
    let theirs = docgen::markdown_files(&docs).expect("listing");
    let rel = |root: &std::path::Path, files: &[PathBuf]| -> Vec<PathBuf> {
        files
            .iter()
            .map(|f| f.strip_prefix(root).expect("under root").to_path_buf())
            .collect()
    };
    assert_eq!(
        rel(tmp.path(), &ours),
        rel(&docs, &theirs),
        "docs/ holds other files than the generator writes"
    );
    for file in rel(tmp.path(), &ours) {
        let want = std::fs::read_to_string(tmp.path().join(&file)).expect("generated page");
        let have = std::fs::read_to_string(docs.join(&file)).expect("docs page");
        assert_eq!(
            have,
            want,
            "docs/{} differs from the generator output; run `make docs`",
            file.display()
        );
    }
}

#[test]
fn the_provider_page_has_registry_sections() {
    let pages = generated();
    let index = pages
        .iter()
        .find(|p| p.path.as_path() == std::path::Path::new("index.md"))
        .expect("index.md");
    assert!(
        index.content.starts_with(
            "---\npage_title: \"pypi Provider\"\nsubcategory: \"\"\ndescription: |-\n"
        ),
        "{}",
        index.content
    );
    assert!(
        index.content.contains("## Example Usage\n\n```terraform\n"),
        "{}",
        index.content
    );
    assert!(index.content.contains("## Schema"), "{}", index.content);
    assert!(
        index
            .content
            .contains("- `access_token` (String, Sensitive)"),
        "{}",
        index.content
    );
}

#[test]
fn every_resource_has_a_page_with_examples_schema_and_import() {
    let provider = PypiProvider::new();
    let pages = generated();
    use terraform_provider_pypi::tfplugin::Provider;
    for (type_name, resource) in provider.resources() {
        let file = PathBuf::from("resources")
            .join(format!("{}.md", type_name.trim_start_matches("pypi_")));
        let page = pages
            .iter()
            .find(|p| p.path == file)
            .unwrap_or_else(|| panic!("no page {}", file.display()));
        assert!(page.content.contains(&format!(
            "page_title: \"{type_name} Resource - terraform-provider-pypi\""
        )));
        assert!(
            page.content.contains("## Example Usage"),
            "{type_name}: no example"
        );
        assert!(
            page.content.contains("### Required"),
            "{type_name}: no schema"
        );
        assert!(
            page.content.contains("## Import"),
            "{type_name}: no import section"
        );
        for attr in resource.schema().block.attributes {
            assert!(
                page.content.contains(&format!("- `{}` (", attr.name)),
                "{type_name}: {} undocumented",
                attr.name
            );
            if attr.write_only {
                assert!(
                    page.content
                        .contains("**Note**: This attribute is write-only"),
                    "{type_name}: {} not marked write-only",
                    attr.name
                );
            }
        }
    }
}
