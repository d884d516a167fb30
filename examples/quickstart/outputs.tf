output "secret_version" {
  description = "The secret version the repository uses."
  value       = pypi_remote_auth.quickstart.secret_version
}

output "service_agent" {
  description = "The Artifact Registry service agent allowed to read the secret."
  value       = pypi_remote_auth.quickstart.service_agent
}
