output "namespace" {
  description = "Namespace the platform is installed into."
  value       = local.namespace
}

output "release_name" {
  description = "Name of the Helm release."
  value       = try(helm_release.this[0].name, null)
}

output "release_status" {
  description = "Status of the Helm release (deployed, failed, ...)."
  value       = try(helm_release.this[0].status, null)
}

output "release_revision" {
  description = "Revision of the Helm release."
  value       = try(helm_release.this[0].metadata[0].revision, null)
}

output "chart_version" {
  description = "Version of the installed chart."
  value       = try(helm_release.this[0].metadata[0].version, null)
}

output "app_version" {
  description = "appVersion of the installed chart."
  value       = try(helm_release.this[0].metadata[0].app_version, null)
}

output "database_secrets" {
  description = "Secret {name, key} holding DATABASE_URL of each enabled database service (created here or existing), passed to the chart as <service>.database.existingSecret."
  value       = local.database_secrets
}

output "redis_secret" {
  description = "Secret {name, key} holding REDIS_URL (null: none), passed as global.redis.existingSecret."
  value       = local.redis_secret
}

output "provider_keys_secret" {
  description = "Secret {name, key} holding PROVIDER_SECRET_KEYS (null: none), passed as ai-routing.providerSecretKeys.existingSecret."
  value       = local.provider_keys_secret
}

output "created_secret_names" {
  description = "Names of the Secrets this module created."
  value = concat(
    [for s in kubernetes_secret.database : s.metadata[0].name],
    [for s in kubernetes_secret.redis : s.metadata[0].name],
    [for s in kubernetes_secret.provider_keys : s.metadata[0].name],
    [for s in kubernetes_secret.extra_env : s.metadata[0].name],
  )
}

output "values" {
  description = "Values passed to the chart (YAML documents in order; no secret values are in them)."
  value       = local.values
}

output "cnpg_operator" {
  description = "CloudNativePG operator release (null unless install_cnpg_operator)."
  value = try({
    name      = helm_release.cnpg_operator[0].name
    namespace = helm_release.cnpg_operator[0].namespace
    version   = helm_release.cnpg_operator[0].version
    status    = helm_release.cnpg_operator[0].status
  }, null)
}
