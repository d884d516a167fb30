//! `gen-docs`: regenerates `docs/` (Terraform Registry format) from the
//! provider's schema and `examples/`. `make docs` runs it from the repository
//! root; `--check` only reports whether `docs/` is current.
//!
//! usage: gen-docs [--check] [--examples DIR] [--out DIR]

use std::path::PathBuf;
use std::process::ExitCode;

use terraform_provider_pypi::docgen::{self, ProviderInfo};
use terraform_provider_pypi::PypiProvider;

fn main() -> ExitCode {
    let mut examples = PathBuf::from("examples");
    let mut out = PathBuf::from("docs");
    let mut check = false;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match (arg.as_str(), args.next()) {
            ("--check", next) => {
                check = true;
                if let Some(next) = next {
                    eprintln!("gen-docs: unexpected argument {next}");
                    return ExitCode::from(2);
                }
            }
            ("--examples", Some(dir)) => examples = PathBuf::from(dir),
            ("--out", Some(dir)) => out = PathBuf::from(dir),
            _ => {
                eprintln!("usage: gen-docs [--check] [--examples DIR] [--out DIR]");
                return ExitCode::from(2);
            }
        }
    }
    let pages = match docgen::generate(&PypiProvider::new(), &ProviderInfo::pypi(), &examples) {
        Ok(pages) => pages,
        Err(e) => {
            eprintln!("gen-docs: {e}");
            return ExitCode::FAILURE;
        }
    };
    if check {
        return match docgen::differences(&out, &pages) {
            Ok(problems) if problems.is_empty() => ExitCode::SUCCESS,
            Ok(problems) => {
                eprintln!(
                    "gen-docs: {} is out of date (run `make docs`):\n  {}",
                    out.display(),
                    problems.join("\n  ")
                );
                ExitCode::FAILURE
            }
            Err(e) => {
                eprintln!("gen-docs: {e}");
                ExitCode::FAILURE
            }
        };
    }
    match docgen::write(&out, &pages) {
        Ok(()) => {
            for page in &pages {
                println!("wrote {}", out.join(&page.path).display());
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("gen-docs: {e}");
            ExitCode::FAILURE
        }
    }
}
