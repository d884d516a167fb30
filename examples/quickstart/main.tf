# Quickstart: one PyPI remote repository authenticated with a PyPI API token.
# `make demo` runs it against the local gcp-emulator; against Google, leave
# `endpoint` and `access_token` unset and use your own project.

terraform {
  required_version = ">= 1.11"
  required_providers {
    pypi = {
      source = "pypiauth/pypi"
    }
  }
}

provider "pypi" {
  project      = var.project
  access_token = var.access_token

  # All null against Google; the emulator serves every API on one root URL.
  secret_manager_custom_endpoint    = var.endpoint
  artifact_registry_custom_endpoint = var.endpoint
  resource_manager_custom_endpoint  = var.endpoint
  service_usage_custom_endpoint     = var.endpoint
  iam_credentials_custom_endpoint   = var.endpoint
}

resource "pypi_remote_auth" "quickstart" {
  location   = var.location
  repository = var.repository
  secret_id  = var.secret_id

  token_wo         = var.pypi_token
  token_wo_version = var.pypi_token_version
}
