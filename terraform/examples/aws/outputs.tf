locals {
  database_urls = var.create && var.create_rds ? {
    for s in var.services : s => format(
      "postgres://%s:%s@%s/%s?sslmode=require",
      var.rds_username,
      urlencode(coalesce(var.rds_password, "unset")),
      aws_db_instance.this[var.rds_mode == "per_service" ? s : "shared"].endpoint,
      local.database_names[s],
    )
  } : {}

  kafka_brokers = try(
    var.msk_client_broker_encryption == "PLAINTEXT" ? aws_msk_cluster.this[0].bootstrap_brokers : aws_msk_cluster.this[0].bootstrap_brokers_tls,
    null,
  )

  redis_url = try(format(
    "rediss://%s%s:%d",
    var.elasticache_auth_token == null ? "" : ":${urlencode(var.elasticache_auth_token)}@",
    aws_elasticache_replication_group.this[0].primary_endpoint_address,
    aws_elasticache_replication_group.this[0].port,
  ), null)
}

output "rds_endpoints" {
  description = "host:port of each RDS instance (keyed by service, or shared)."
  value       = { for k, db in aws_db_instance.this : k => db.endpoint }
}

output "databases_to_create" {
  description = "rds_mode = shared: databases to create in the shared instance before the first install (CREATE DATABASE <name>); empty per service."
  value       = var.rds_mode == "shared" ? [for s in var.services : local.database_names[s] if local.database_names[s] != "brainmesh"] : []
}

output "database_urls" {
  description = "DATABASE_URL per service: the database_urls input of modules/brainmesh."
  value       = local.database_urls
  sensitive   = true
}

output "kafka_brokers" {
  description = "Bootstrap brokers (TLS unless msk_client_broker_encryption is PLAINTEXT): the kafka_brokers input of modules/brainmesh."
  value       = local.kafka_brokers
}

output "redis_url" {
  description = "REDIS_URL (rediss://) of the primary endpoint: the redis_url input of modules/brainmesh."
  value       = local.redis_url
  sensitive   = true
}

output "security_group_ids" {
  description = "Security groups created for postgres, kafka and redis."
  value       = { for k, sg in aws_security_group.this : k => sg.id }
}
