# By the repository's full name (the resource ID):
terraform import pypi_remote_auth.example projects/my-project/locations/us-central1/repositories/pypi-remote

# Shorter forms: PROJECT/LOCATION/REPOSITORY, or LOCATION/REPOSITORY in the provider's project.
terraform import pypi_remote_auth.example my-project/us-central1/pypi-remote
terraform import pypi_remote_auth.example us-central1/pypi-remote
