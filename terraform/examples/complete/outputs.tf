output "namespace" {
  description = "Namespace of the installation."
  value       = module.brainmesh.namespace
}

output "release_status" {
  description = "Helm release status."
  value       = module.brainmesh.release_status
}

output "database_secrets" {
  description = "Secret {name, key} of each database service's DATABASE_URL."
  value       = module.brainmesh.database_secrets
}

output "cnpg_operator" {
  description = "The CloudNativePG operator release."
  value       = module.brainmesh.cnpg_operator
}

output "values" {
  description = "Values passed to the chart."
  value       = module.brainmesh.values
}
