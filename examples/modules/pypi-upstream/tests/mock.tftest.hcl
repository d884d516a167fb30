# No Google API at all: the provider's schema with mocked computed values.

mock_provider "pypi" {
  mock_resource "pypi_remote_auth" {
    defaults = {
      secret_version = "projects/mock-project/secrets/pypi-upstream-token/versions/7"
      service_agent  = "service-1@gcp-sa-artifactregistry.iam.gserviceaccount.com"
    }
  }
}

variables {
  repositories = {
    "pypi-us" = "us-central1"
    "pypi-eu" = "europe-west1"
  }
  pypi_token         = "pypi-mock-token"
  pypi_token_version = 3
}

run "one_resource_per_repository_sharing_one_secret" {
  command = plan

  assert {
    condition     = length(pypi_remote_auth.this) == 2
    error_message = "one pypi_remote_auth per repository"
  }

  assert {
    condition     = alltrue([for auth in values(pypi_remote_auth.this) : auth.secret_id == "pypi-upstream-token" && auth.token_wo_version == 3])
    error_message = "every repository uses the default secret and the given token version"
  }

  assert {
    condition     = pypi_remote_auth.this["pypi-eu"].location == "europe-west1"
    error_message = "each repository keeps its location"
  }
}

run "outputs_the_secret_versions" {
  command = apply

  assert {
    condition = output.secret_versions == {
      "pypi-eu" = "projects/mock-project/secrets/pypi-upstream-token/versions/7"
      "pypi-us" = "projects/mock-project/secrets/pypi-upstream-token/versions/7"
    }
    error_message = "secret_versions: ${jsonencode(output.secret_versions)}"
  }
}
