# How a PyPI remote repository authenticates to PyPI, whoever configured it.
# Reads metadata and IAM policy only, never the token.
data "pypi_remote_auth" "current" {
  project    = "my-project"
  location   = "us-central1"
  repository = "pypi-remote"
}

output "pypi_upstream_ready" {
  description = "The repository uses an enabled secret version its service agent may read."
  value = (
    data.pypi_remote_auth.current.secret_version_state == "ENABLED" &&
    data.pypi_remote_auth.current.service_agent_has_access
  )
}
