variable "repositories" {
  description = "PyPI remote repositories to authenticate, by repository ID, with their locations."
  type        = map(string)
}

variable "secret_id" {
  description = "The one Secret Manager secret every repository reads the token from."
  type        = string
  default     = "pypi-upstream-token"
}

variable "secret_project" {
  description = "Project holding the secret; null keeps it in the provider's project."
  type        = string
  default     = null
}

variable "pypi_token" {
  description = "The PyPI API token. Ephemeral: never stored in plan or state."
  type        = string
  sensitive   = true
  ephemeral   = true
}

variable "pypi_token_version" {
  description = "Bump together with a new pypi_token to rotate it."
  type        = number
  default     = 1
}
