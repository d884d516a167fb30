//! Generates the Terraform Registry documentation in `docs/` from a
//! provider's own schema plus the files in `examples/`, so the docs cannot
//! drift from the code (`tests/docs.rs` fails when they do). Works for any
//! [`Provider`]: each resource, data source and list resource gets its page.
//!
//! Layout (what the Registry reads):
//! - `docs/index.md` ← provider schema + `examples/provider/provider.tf`
//! - `docs/resources/<name>.md` ← resource schema + `examples/resources/<type>/resource.tf`,
//!   `import.sh` (and `import.tf`, for `import {}` blocks)
//! - `docs/data-sources/<name>.md` ← data source schema + `examples/data-sources/<type>/data-source.tf`
//! - `docs/list-resources/<name>.md` ← list resource `config` schema +
//!   `examples/list-resources/<type>/list-resource.tfquery.hcl` (tfplugindocs' names)

mod schema_md;

use std::io;
use std::path::{Path, PathBuf};

use crate::tfplugin::Provider;

pub use schema_md::{identity_section, schema_section, type_name};

/// One generated file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    /// Path relative to the docs directory, e.g. `resources/remote_auth.md`.
    pub path: PathBuf,
    /// Full file contents.
    pub content: String,
}

/// Names the generator needs that the schema does not carry.
#[derive(Debug, Clone)]
pub struct ProviderInfo {
    /// Provider type name, the prefix of its resource types (`pypi`).
    pub name: String,
    /// Repository-style name used in page titles (`terraform-provider-pypi`).
    pub repository: String,
}

impl ProviderInfo {
    /// This repository's provider.
    pub fn pypi() -> ProviderInfo {
        ProviderInfo {
            name: "pypi".into(),
            repository: "terraform-provider-pypi".into(),
        }
    }
}

/// Generates every page for `provider`, reading examples from `examples_dir`.
pub fn generate(
    provider: &dyn Provider,
    info: &ProviderInfo,
    examples_dir: &Path,
) -> io::Result<Vec<Page>> {
    let mut pages = vec![index_page(provider, info, examples_dir)?];
    for (type_name, resource) in provider.resources() {
        let dir = examples_dir.join("resources").join(&type_name);
        let schema = resource.schema();
        let mut page = entity_page(
            info,
            &type_name,
            "Resource",
            &schema.block,
            &dir,
            "resource.tf",
        )?;
        page.push_str(&import_section(&dir, resource.identity_schema().as_ref())?);
        pages.push(Page {
            path: PathBuf::from("resources").join(file_name(info, &type_name)),
            content: page,
        });
    }
    for (type_name, data_source) in provider.data_sources() {
        let dir = examples_dir.join("data-sources").join(&type_name);
        let schema = data_source.schema();
        let page = entity_page(
            info,
            &type_name,
            "Data Source",
            &schema.block,
            &dir,
            "data-source.tf",
        )?;
        pages.push(Page {
            path: PathBuf::from("data-sources").join(file_name(info, &type_name)),
            content: page,
        });
    }
    for (type_name, list) in provider.list_resources() {
        let dir = examples_dir.join("list-resources").join(&type_name);
        let schema = list.schema();
        let page = entity_page(
            info,
            &type_name,
            "List Resource",
            &schema.block,
            &dir,
            "list-resource.tfquery.hcl",
        )?;
        pages.push(Page {
            path: PathBuf::from("list-resources").join(file_name(info, &type_name)),
            content: page,
        });
    }
    Ok(pages)
}

/// Writes `pages` under `out_dir` and removes Markdown files there that the
/// generator no longer produces (a renamed resource leaves no stale page).
pub fn write(out_dir: &Path, pages: &[Page]) -> io::Result<()> {
    for stale in markdown_files(out_dir)? {
        if !pages.iter().any(|p| out_dir.join(&p.path) == stale) {
            std::fs::remove_file(&stale)?;
        }
    }
    for page in pages {
        let path = out_dir.join(&page.path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(&path, &page.content)?;
    }
    Ok(())
}

/// The differences between `pages` and what `out_dir` holds: missing,
/// changed and stale files (relative paths). Empty when the docs are current.
pub fn differences(out_dir: &Path, pages: &[Page]) -> io::Result<Vec<String>> {
    let mut problems = Vec::new();
    for page in pages {
        match std::fs::read_to_string(out_dir.join(&page.path)) {
            Ok(existing) if existing == page.content => {}
            Ok(_) => problems.push(format!("{} differs", page.path.display())),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                problems.push(format!("{} is missing", page.path.display()))
            }
            Err(e) => return Err(e),
        }
    }
    for file in markdown_files(out_dir)? {
        if !pages.iter().any(|p| out_dir.join(&p.path) == file) {
            problems.push(format!("{} is not generated any more", file.display()));
        }
    }
    Ok(problems)
}

/// Every `.md` file under `dir` (recursively), sorted; empty when `dir` is missing.
pub fn markdown_files(dir: &Path) -> io::Result<Vec<PathBuf>> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let entries = match std::fs::read_dir(&d) {
            Ok(entries) => entries,
            Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
            Err(e) => return Err(e),
        };
        for entry in entries {
            let path = entry?.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "md") {
                found.push(path);
            }
        }
    }
    found.sort();
    Ok(found)
}

/// `pypi_remote_auth` → `remote_auth.md`, as the Registry expects.
fn file_name(info: &ProviderInfo, type_name: &str) -> String {
    let prefix = format!("{}_", info.name);
    format!(
        "{}.md",
        type_name.strip_prefix(&prefix).unwrap_or(type_name)
    )
}

/// `docs/index.md`.
fn index_page(
    provider: &dyn Provider,
    info: &ProviderInfo,
    examples_dir: &Path,
) -> io::Result<Page> {
    let schema = provider.schema();
    let title = format!("{} Provider", info.name);
    let mut out = front_matter(&title, &schema.block.description);
    out.push_str(&format!("\n# {title}\n"));
    push_description(&mut out, &schema.block.description);
    if let Some(example) = read_optional(&examples_dir.join("provider").join("provider.tf"))? {
        out.push_str(&format!(
            "\n## Example Usage\n\n{}",
            code_block("terraform", &example)
        ));
    }
    out.push('\n');
    out.push_str(&schema_section(&schema.block));
    Ok(Page {
        path: PathBuf::from("index.md"),
        content: out,
    })
}

/// The common part of a resource or data source page.
fn entity_page(
    info: &ProviderInfo,
    type_name: &str,
    kind: &str,
    block: &crate::tfplugin::Block,
    example_dir: &Path,
    example_file: &str,
) -> io::Result<String> {
    let mut out = front_matter(
        &format!("{type_name} {kind} - {}", info.repository),
        &block.description,
    );
    out.push_str(&format!("\n# {type_name} ({kind})\n"));
    push_description(&mut out, &block.description);
    if let Some(example) = read_optional(&example_dir.join(example_file))? {
        out.push_str(&format!(
            "\n## Example Usage\n\n{}",
            code_block("terraform", &example)
        ));
    }
    out.push('\n');
    out.push_str(&schema_section(block));
    Ok(out)
}

/// `## Import` from `import.sh` (CLI) and `import.tf` (`import {}` blocks), plus the identity schema.
fn import_section(
    dir: &Path,
    identity: Option<&crate::tfplugin::IdentitySchema>,
) -> io::Result<String> {
    let cli = read_optional(&dir.join("import.sh"))?;
    let block = read_optional(&dir.join("import.tf"))?;
    if cli.is_none() && block.is_none() && identity.is_none() {
        return Ok(String::new());
    }
    let mut out = String::from("\n## Import\n");
    if let Some(block) = block {
        out.push_str("\nIn Terraform 1.5 and later, use an `import` block (by ID, or by identity in Terraform 1.12 and later):\n\n");
        out.push_str(&code_block("terraform", &block));
    }
    if let Some(cli) = cli {
        out.push_str("\nThe `terraform import` command is supported too:\n\n");
        out.push_str(&code_block("shell", &cli));
    }
    if let Some(identity) = identity {
        out.push('\n');
        out.push_str(&identity_section(identity));
    }
    Ok(out)
}

/// YAML front matter with the plain-text description, as the Registry reads it.
fn front_matter(title: &str, description: &str) -> String {
    let mut out = format!(
        "---\npage_title: \"{}\"\nsubcategory: \"\"\ndescription: |-\n",
        title.replace('"', "\\\"")
    );
    for line in plain_text(description).lines() {
        if line.is_empty() {
            out.push('\n');
        } else {
            out.push_str(&format!("  {line}\n"));
        }
    }
    out.push_str("---\n");
    out
}

/// Appends the Markdown description as its own paragraph, when there is one.
fn push_description(out: &mut String, description: &str) {
    let d = description.trim();
    if !d.is_empty() {
        out.push_str(&format!("\n{d}\n"));
    }
}

/// Markdown reduced to plain text for front matter: no backticks, emphasis or link targets.
fn plain_text(markdown: &str) -> String {
    let mut out = String::new();
    let mut rest = markdown.trim();
    while let Some(start) = rest.find('[') {
        let after = &rest[start + 1..];
        match after
            .find("](")
            .and_then(|mid| after[mid..].find(')').map(|end| (mid, mid + end)))
        {
            Some((mid, end)) => {
                out.push_str(&rest[..start]);
                out.push_str(&after[..mid]);
                rest = &after[end + 1..];
            }
            None => {
                out.push_str(&rest[..=start]);
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out.replace("**", "").replace('`', "")
}

/// A fenced code block holding `code` (trailing newlines normalised to one).
fn code_block(lang: &str, code: &str) -> String {
    format!("```{lang}\n{}\n```\n", code.trim_end())
}

/// Reads a file, `None` when it does not exist.
fn read_optional(path: &Path) -> io::Result<Option<String>> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(Some(text)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(io::Error::new(e.kind(), format!("{}: {e}", path.display()))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_drops_markdown_markup() {
        assert_eq!(
            plain_text("Stores a **PyPI** token in [Secret Manager](https://example.invalid/sm) for `pypi_remote_auth`."),
            "Stores a PyPI token in Secret Manager for pypi_remote_auth."
        );
        assert_eq!(plain_text("a [b without link"), "a [b without link");
    }

    #[test]
    fn front_matter_indents_the_description() {
        assert_eq!(
            front_matter("pypi Provider", "Line one.\n\nLine `two`."),
            "---\npage_title: \"pypi Provider\"\nsubcategory: \"\"\ndescription: |-\n  Line one.\n\n  Line two.\n---\n"
        );
    }

    use std::collections::BTreeMap;
    use std::sync::Arc;

    use crate::tfplugin::provider::ConfigureRequest;
    use crate::tfplugin::schema::{Attribute, Block, Presence, Schema};
    use crate::tfplugin::{CallContext, DataSource, Diagnostics, Resource, Type, Value};

    /// A provider with no resources and one data source: the generator must
    /// not assume this repository's resource.
    struct FakeProvider;

    /// The fake data source.
    struct FakeData;

    #[async_trait::async_trait]
    impl DataSource for FakeData {
        fn schema(&self) -> Schema {
            Schema {
                version: 0,
                block: Block {
                    description: "Reads a `thing`.".into(),
                    attributes: vec![Attribute {
                        name: "name".into(),
                        ty: Some(Type::String),
                        presence: Presence::Required,
                        description: "Name.".into(),
                        ..Default::default()
                    }],
                    ..Default::default()
                },
            }
        }
        async fn read(&self, _ctx: &CallContext, config: Value) -> (Value, Diagnostics) {
            (config, Diagnostics::default())
        }
    }

    #[async_trait::async_trait]
    impl Provider for FakeProvider {
        fn schema(&self) -> Schema {
            Schema {
                version: 0,
                block: Block {
                    description: "Fake provider.".into(),
                    ..Default::default()
                },
            }
        }
        async fn configure(&self, _ctx: &CallContext, _req: ConfigureRequest) -> Diagnostics {
            Diagnostics::default()
        }
        fn resources(&self) -> BTreeMap<String, Arc<dyn Resource>> {
            BTreeMap::new()
        }
        fn data_sources(&self) -> BTreeMap<String, Arc<dyn DataSource>> {
            BTreeMap::from([(
                "fake_thing".to_string(),
                Arc::new(FakeData) as Arc<dyn DataSource>,
            )])
        }
    }

    #[test]
    fn data_sources_get_pages_and_stale_pages_are_reported_and_removed() {
        let info = ProviderInfo {
            name: "fake".into(),
            repository: "terraform-provider-fake".into(),
        };
        let examples = tempfile::tempdir().expect("examples dir");
        let example_dir = examples.path().join("data-sources/fake_thing");
        std::fs::create_dir_all(&example_dir).expect("example dir");
        std::fs::write(
            example_dir.join("data-source.tf"),
            "data \"fake_thing\" \"x\" {\n  name = \"a\"\n}\n",
        )
        .expect("example");

        let pages = generate(&FakeProvider, &info, examples.path()).expect("generate");
        let paths: Vec<_> = pages.iter().map(|p| p.path.clone()).collect();
        assert_eq!(
            paths,
            vec![
                PathBuf::from("index.md"),
                PathBuf::from("data-sources/thing.md")
            ]
        );
        let page = &pages[1].content;
        assert!(
            page.starts_with(
                "---\npage_title: \"fake_thing Data Source - terraform-provider-fake\"\n"
            ),
            "{page}"
        );
        assert!(
            page.contains("## Example Usage\n\n```terraform\ndata \"fake_thing\" \"x\" {"),
            "{page}"
        );
        assert!(
            page.contains("### Required\n\n- `name` (String) Name.\n"),
            "{page}"
        );
        assert!(!page.contains("## Import"), "{page}");

        let out = tempfile::tempdir().expect("out dir");
        assert_eq!(
            differences(out.path(), &pages).expect("diff").len(),
            2,
            "both pages missing"
        );
        std::fs::create_dir_all(out.path().join("resources")).expect("dir");
        std::fs::write(out.path().join("resources/old.md"), "stale").expect("stale page");
        write(out.path(), &pages).expect("write");
        assert!(
            !out.path().join("resources/old.md").exists(),
            "stale page removed"
        );
        assert!(differences(out.path(), &pages).expect("diff").is_empty());
        std::fs::write(out.path().join("index.md"), "edited by hand").expect("edit");
        assert_eq!(
            differences(out.path(), &pages).expect("diff"),
            vec!["index.md differs".to_string()]
        );
    }

    #[test]
    fn resource_file_names_drop_the_provider_prefix() {
        let info = ProviderInfo {
            name: "pypi".into(),
            repository: "terraform-provider-pypi".into(),
        };
        assert_eq!(file_name(&info, "pypi_remote_auth"), "remote_auth.md");
        assert_eq!(file_name(&info, "other"), "other.md");
    }
}
