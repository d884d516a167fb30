# Against the local gcp-emulator (tests/module_pypi_upstream.rs starts it with
# demo-project and the PyPI remote repositories pypi-a and pypi-b, and passes
# -var endpoint=...). `terraform test` destroys what the run created.

variable "endpoint" {
  type = string
}

provider "pypi" {
  project                           = "demo-project"
  access_token                      = "test-token"
  secret_manager_custom_endpoint    = var.endpoint
  artifact_registry_custom_endpoint = var.endpoint
  resource_manager_custom_endpoint  = var.endpoint
  service_usage_custom_endpoint     = var.endpoint
  iam_credentials_custom_endpoint   = var.endpoint
}

variables {
  repositories = {
    "pypi-a" = "us-central1"
    "pypi-b" = "us-central1"
  }
  secret_id  = "module-test-token"
  pypi_token = "pypi-module-test-token"
}

run "every_repository_reads_the_one_secret" {
  command = apply

  assert {
    condition     = keys(output.secret_versions) == ["pypi-a", "pypi-b"]
    error_message = "one secret version per repository expected, got ${jsonencode(output.secret_versions)}"
  }

  assert {
    condition = alltrue([
      for version in values(output.secret_versions) :
      can(regex("^projects/[^/]+/secrets/module-test-token/versions/[0-9]+$", version))
    ])
    error_message = "every repository must use a version of module-test-token: ${jsonencode(output.secret_versions)}"
  }

  assert {
    condition     = output.service_agents["pypi-a"] == "service-123456789012@gcp-sa-artifactregistry.iam.gserviceaccount.com"
    error_message = "the service agent of demo-project must be granted access: ${jsonencode(output.service_agents)}"
  }
}
