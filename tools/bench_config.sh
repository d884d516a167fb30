# Sourced by tools/bench.sh and tools/bench_round_trips.sh: the parts of
# their Terraform configurations they share.

# bench_preamble PROJECT: required_providers, the variables both benches
# set (var.endpoint: the emulator; var.pypi_token: write-only), and the
# provider block sending every API to the emulator, default project PROJECT.
bench_preamble() {
    cat <<HCL
terraform {
  required_providers {
    pypi = {
      source = "pypiauth/pypi"
    }
  }
}

variable "endpoint" { type = string }
variable "pypi_token" {
  type      = string
  sensitive = true
  ephemeral = true
}

provider "pypi" {
  project                           = "$1"
  access_token                      = "bench-token"
  secret_manager_custom_endpoint    = var.endpoint
  artifact_registry_custom_endpoint = var.endpoint
  resource_manager_custom_endpoint  = var.endpoint
  service_usage_custom_endpoint     = var.endpoint
  iam_credentials_custom_endpoint   = var.endpoint
}
HCL
}
