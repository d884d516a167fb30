# An infrastructure repository using examples/modules/pypi-upstream twice:
# once for the repositories of my-project, once, through an aliased provider,
# for another project. Each project gets one secret its repositories share.

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

provider "pypi" {
  alias   = "data_team"
  project = "data-team-project"
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

module "pypi_upstream" {
  source = "../modules/pypi-upstream"

  repositories = {
    "pypi-remote"    = "us-central1"
    "pypi-remote-eu" = "europe-west1"
  }
  pypi_token         = var.pypi_token
  pypi_token_version = var.pypi_token_version
}

module "pypi_upstream_data_team" {
  source    = "../modules/pypi-upstream"
  providers = { pypi = pypi.data_team }

  repositories       = { "pypi-remote" = "us-central1" }
  pypi_token         = var.pypi_token
  pypi_token_version = var.pypi_token_version
}

output "secret_versions" {
  value = {
    "my-project"        = module.pypi_upstream.secret_versions
    "data-team-project" = module.pypi_upstream_data_team.secret_versions
  }
}
