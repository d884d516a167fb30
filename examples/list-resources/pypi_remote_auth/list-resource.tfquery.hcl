# Finds the PyPI remote repositories in us-central1 whose upstream
# credentials are already set (for example by hand, following Google's
# guide). Run `terraform query` (Terraform 1.14 and later) to list them, or
# `terraform query -generate-config-out=generated.tf` to write import blocks
# and resource configuration; add `token` or `token_wo` to each generated
# resource before planning.
list "pypi_remote_auth" "existing" {
  provider = pypi

  config {
    project  = "my-project" # defaults to the provider's project
    location = "us-central1"
    # include_without_credentials = true # also list repositories not set up yet
  }
}
