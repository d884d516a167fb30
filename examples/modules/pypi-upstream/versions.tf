# A reusable module for infrastructure repositories: every PyPI remote
# repository of one project reads the same PyPI token from one Secret Manager
# secret. It configures no provider: the caller passes `pypiauth/pypi`
# (through `providers = { pypi = pypi.ALIAS }` for another project).

terraform {
  # token_wo and ephemeral variables: Terraform or OpenTofu 1.11+.
  required_version = ">= 1.11"
  required_providers {
    pypi = {
      source = "pypiauth/pypi"
    }
  }
}
