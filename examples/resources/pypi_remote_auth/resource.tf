# The PyPI API token, never stored in plan or state (Terraform 1.11 and later):
# an ephemeral variable feeding the write-only argument `token_wo`.
variable "pypi_token" {
  type      = string
  sensitive = true
  ephemeral = true
}

resource "pypi_remote_auth" "example" {
  project    = "my-project"
  location   = "us-central1"
  repository = "pypi-remote" # an Artifact Registry PyPI remote repository

  secret_id        = "pypi-upstream-token"
  token_wo         = var.pypi_token
  token_wo_version = 1 # bump to store a new token
}

# Fail the plan 30 days before the stored token expires (read offline from
# the token; null for tokens without an expiry).
check "pypi_token_not_expiring" {
  assert {
    condition = (
      pypi_remote_auth.example.token_expires_at == null ||
      timecmp(pypi_remote_auth.example.token_expires_at, timeadd(plantimestamp(), "720h")) > 0
    )
    error_message = "The PyPI token of ${pypi_remote_auth.example.id} expires at ${pypi_remote_auth.example.token_expires_at}: create a new one and bump token_wo_version."
  }
}
