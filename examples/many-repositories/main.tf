# One PyPI token shared by several remote repositories: each resource points
# its repository at the same secret. Destroying one leaves the others working;
# the secret and its access binding stay while any repository still uses them.

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

variable "repositories" {
  description = "PyPI remote repositories by ID, with their locations."
  type        = map(string)
  default = {
    "pypi-remote-us" = "us-central1"
    "pypi-remote-eu" = "europe-west1"
  }
}

resource "pypi_remote_auth" "shared" {
  for_each = var.repositories

  location   = each.value
  repository = each.key
  secret_id  = "pypi-upstream-token"

  token_wo         = var.pypi_token
  token_wo_version = 1
}

output "secret_versions" {
  value = { for id, auth in pypi_remote_auth.shared : id => auth.secret_version }
}
