# The secret lives in a central security project, the repository in an
# application project. The provider grants the repository project's Artifact
# Registry service agent access to the secret across projects.

terraform {
  required_version = ">= 1.11"
  required_providers {
    pypi = {
      source = "pypiauth/pypi"
    }
  }
}

provider "pypi" {
  project = "app-project"
}

variable "pypi_token" {
  type      = string
  sensitive = true
  ephemeral = true
}

resource "pypi_remote_auth" "cross_project" {
  location   = "europe-west1"
  repository = "pypi-remote"

  secret_project = "security-project"
  secret_id      = "pypi-upstream-token"
  secret_labels = {
    team = "platform"
  }
  # User-managed replication in the repository's region; omit for automatic.
  secret_replica_locations = ["europe-west1"]

  token_wo         = var.pypi_token
  token_wo_version = 1
}

output "service_agent" {
  description = "Service agent of app-project, now a secretAccessor on the secret in security-project."
  value       = pypi_remote_auth.cross_project.service_agent
}
