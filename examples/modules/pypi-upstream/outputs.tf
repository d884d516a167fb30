output "secret_versions" {
  description = "The secret version each repository uses, by repository ID (projects/P/secrets/S/versions/N)."
  value       = { for id, auth in pypi_remote_auth.this : id => auth.secret_version }
}

output "service_agents" {
  description = "The Artifact Registry service agent granted access to the secret, by repository ID."
  value       = { for id, auth in pypi_remote_auth.this : id => auth.service_agent }
}
