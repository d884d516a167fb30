resource "pypi_remote_auth" "this" {
  for_each = var.repositories

  location       = each.value
  repository     = each.key
  secret_id      = var.secret_id
  secret_project = var.secret_project

  token_wo         = var.pypi_token
  token_wo_version = var.pypi_token_version
}
