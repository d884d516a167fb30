variable "project" {
  description = "Project of the PyPI remote repository."
  type        = string
  default     = "demo-project"
}

variable "location" {
  description = "Location of the repository."
  type        = string
  default     = "us-central1"
}

variable "repository" {
  description = "ID of an existing Artifact Registry PyPI remote repository."
  type        = string
  default     = "pypi-remote"
}

variable "secret_id" {
  description = "Secret Manager secret that will hold the token (created when missing)."
  type        = string
  default     = "pypi-upstream-token"
}

variable "pypi_token" {
  description = "The PyPI API token. Ephemeral: it never reaches plan or state."
  type        = string
  sensitive   = true
  ephemeral   = true
}

variable "pypi_token_version" {
  description = "Bump to rotate: the provider then stores the current pypi_token as a new secret version."
  type        = number
  default     = 1
}

variable "endpoint" {
  description = "Root URL of a gcp-emulator (e.g. http://127.0.0.1:8085/); null for Google's APIs."
  type        = string
  default     = null
}

variable "access_token" {
  description = "OAuth access token; null to use Application Default Credentials. The emulator accepts any token."
  type        = string
  default     = null
  sensitive   = true
}
