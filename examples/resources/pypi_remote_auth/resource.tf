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
