//! The provider binary: everything lives in the library.

fn main() -> std::process::ExitCode {
    terraform_provider_pypi::registry::main()
}
