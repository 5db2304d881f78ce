output "namespace" {
  description = "Namespace of the dev installation."
  value       = module.brainmesh.namespace
}

output "release_name" {
  description = "Helm release name."
  value       = module.brainmesh.release_name
}

output "release_status" {
  description = "Helm release status."
  value       = module.brainmesh.release_status
}

output "chart_version" {
  description = "Installed chart version."
  value       = module.brainmesh.chart_version
}

output "database_secrets" {
  description = "Secret {name, key} of each database service's DATABASE_URL."
  value       = module.brainmesh.database_secrets
}

output "created_secret_names" {
  description = "Secrets created by Terraform."
  value       = module.brainmesh.created_secret_names
}
