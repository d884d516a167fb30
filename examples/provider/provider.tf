terraform {
  required_providers {
    pypi = {
      source  = "pypiauth/pypi"
      version = "~> 0.1"
    }
  }
}

# Credentials come from Application Default Credentials unless set here:
# `gcloud auth application-default login`, a key file in
# GOOGLE_APPLICATION_CREDENTIALS, workload identity federation, or the
# metadata server. The same environment variables as the Google provider work.
provider "pypi" {
  project = "my-project"

  # Optional: act as a service account (needs roles/iam.serviceAccountTokenCreator on it).
  # impersonate_service_account = "terraform@my-project.iam.gserviceaccount.com"
}
