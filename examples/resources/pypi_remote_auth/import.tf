import {
  to = pypi_remote_auth.example
  id = "projects/my-project/locations/us-central1/repositories/pypi-remote"
}

# Or by resource identity (Terraform 1.12 and later):
# import {
#   to = pypi_remote_auth.example
#   identity = {
#     project    = "my-project"
#     location   = "us-central1"
#     repository = "pypi-remote"
#   }
# }
