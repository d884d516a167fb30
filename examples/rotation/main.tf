# Token rotation with a write-only token. The token never reaches plan or
# state, so Terraform cannot see it change: bump `token_wo_version` together
# with a new token, and the provider stores it as a new secret version,
# repoints the repository, then destroys the version it replaced.
#
#   terraform apply -var pypi_token="$NEW_TOKEN" -var pypi_token_version=2

terraform {
  required_version = ">= 1.11"
  required_providers {
    pypi = {
      source = "pypiauth/pypi"
    }
  }
}

provider "pypi" {
  project = "my-project"
}

variable "pypi_token" {
  type      = string
  sensitive = true
  ephemeral = true
}

variable "pypi_token_version" {
  type    = number
  default = 1
}

resource "pypi_remote_auth" "rotating" {
  location   = "us-central1"
  repository = "pypi-remote"
  secret_id  = "pypi-upstream-token"

  token_wo         = var.pypi_token
  token_wo_version = var.pypi_token_version

  # DISABLE (default) keeps the old version restorable; DESTROY erases it; KEEP leaves it enabled.
  previous_version_policy = "DESTROY"

  timeouts {
    update = "10m"
  }
}
