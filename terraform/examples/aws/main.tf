# The managed dependencies of brainmesh on AWS: RDS for PostgreSQL (an instance per service, or
# one shared instance), MSK (Kafka) and ElastiCache (Redis/Valkey), reachable from the cluster's
# security groups / CIDRs. Its outputs are the inputs of modules/brainmesh (database_urls,
# redis_url, kafka_brokers); nothing here talks to Kubernetes.

provider "aws" {
  region = var.region

  default_tags {
    tags = merge({ "app.kubernetes.io/part-of" = "brainmesh", "managed-by" = "terraform" }, var.tags)
  }
}

locals {
  rds_instances = var.create && var.create_rds ? (
    var.rds_mode == "per_service" ? { for s in var.services : s => replace(s, "-", "_") } : { shared = "brainmesh" }
  ) : {}
  database_names = { for s in var.services : s => replace(s, "-", "_") }
  pg_family      = "postgres${split(".", var.rds_engine_version)[0]}"
}

################################################################################
# Security groups
################################################################################

resource "aws_security_group" "this" {
  for_each = var.create ? toset(compact([
    var.create_rds ? "postgres" : "",
    var.create_msk ? "kafka" : "",
    var.create_elasticache ? "redis" : "",
  ])) : toset([])

  name_prefix = "${var.name}-${each.key}-"
  description = "brainmesh ${each.key}: clients from the cluster"
  vpc_id      = var.vpc_id

  ingress {
    description     = "brainmesh ${each.key} clients"
    from_port       = { postgres = 5432, kafka = 9092, redis = 6379 }[each.key]
    to_port         = { postgres = 5432, kafka = 9098, redis = 6379 }[each.key]
    protocol        = "tcp"
    security_groups = var.allowed_security_group_ids
    cidr_blocks     = var.allowed_cidr_blocks
  }

  lifecycle {
    create_before_destroy = true
  }
}

################################################################################
# RDS for PostgreSQL
################################################################################

resource "aws_db_subnet_group" "this" {
  count = var.create && var.create_rds ? 1 : 0

  name_prefix = "${var.name}-"
  subnet_ids  = var.subnet_ids
}

resource "aws_db_parameter_group" "this" {
  count = var.create && var.create_rds ? 1 : 0

  name_prefix = "${var.name}-${local.pg_family}-"
  family      = local.pg_family

  parameter {
    name  = "rds.force_ssl"
    value = "1"
  }

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_db_instance" "this" {
  for_each = local.rds_instances

  identifier     = "${var.name}-${each.key}"
  engine         = "postgres"
  engine_version = var.rds_engine_version
  instance_class = var.rds_instance_class

  allocated_storage     = var.rds_allocated_storage
  max_allocated_storage = var.rds_max_allocated_storage
  storage_type          = "gp3"
  storage_encrypted     = true

  db_name  = each.value
  username = var.rds_username
  password = var.rds_password
  port     = 5432

  multi_az               = var.rds_multi_az
  db_subnet_group_name   = aws_db_subnet_group.this[0].name
  parameter_group_name   = aws_db_parameter_group.this[0].name
  vpc_security_group_ids = [aws_security_group.this["postgres"].id]
  publicly_accessible    = false

  backup_retention_period   = var.rds_backup_retention_period
  deletion_protection       = var.rds_deletion_protection
  skip_final_snapshot       = var.rds_skip_final_snapshot
  final_snapshot_identifier = var.rds_skip_final_snapshot ? null : "${var.name}-${each.key}-final"
  copy_tags_to_snapshot     = true

  auto_minor_version_upgrade   = true
  performance_insights_enabled = true

  tags = { "brainmesh/service" = each.key }

  lifecycle {
    precondition {
      condition     = var.rds_password != null
      error_message = "rds_password is required when create_rds is true."
    }
  }
}

################################################################################
# MSK
################################################################################

resource "aws_msk_configuration" "this" {
  count = var.create && var.create_msk && length(var.msk_server_properties) > 0 ? 1 : 0

  name           = "${var.name}-kafka"
  kafka_versions = [var.msk_kafka_version]
  server_properties = join("\n", [
    for k in sort(keys(var.msk_server_properties)) : "${k} = ${var.msk_server_properties[k]}"
  ])

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_msk_cluster" "this" {
  count = var.create && var.create_msk ? 1 : 0

  cluster_name           = var.name
  kafka_version          = var.msk_kafka_version
  number_of_broker_nodes = var.msk_number_of_broker_nodes

  broker_node_group_info {
    instance_type   = var.msk_instance_type
    client_subnets  = var.subnet_ids
    security_groups = [aws_security_group.this["kafka"].id]

    storage_info {
      ebs_storage_info {
        volume_size = var.msk_ebs_volume_size
      }
    }
  }

  encryption_info {
    encryption_in_transit {
      client_broker = var.msk_client_broker_encryption
      in_cluster    = true
    }
  }

  client_authentication {
    unauthenticated = true
  }

  dynamic "configuration_info" {
    for_each = aws_msk_configuration.this
    content {
      arn      = configuration_info.value.arn
      revision = configuration_info.value.latest_revision
    }
  }

  lifecycle {
    precondition {
      condition     = var.msk_number_of_broker_nodes % length(var.subnet_ids) == 0
      error_message = "msk_number_of_broker_nodes must be a multiple of the number of subnet_ids."
    }
  }
}

################################################################################
# ElastiCache (Redis OSS / Valkey)
################################################################################

resource "aws_elasticache_subnet_group" "this" {
  count = var.create && var.create_elasticache ? 1 : 0

  name       = "${var.name}-cache"
  subnet_ids = var.subnet_ids
}

resource "aws_elasticache_replication_group" "this" {
  count = var.create && var.create_elasticache ? 1 : 0

  replication_group_id = "${var.name}-cache"
  description          = "brainmesh budgets, rate limits and response cache"
  engine               = var.elasticache_engine
  engine_version       = var.elasticache_engine_version
  node_type            = var.elasticache_node_type
  num_cache_clusters   = var.elasticache_num_cache_clusters
  port                 = 6379

  subnet_group_name  = aws_elasticache_subnet_group.this[0].name
  security_group_ids = [aws_security_group.this["redis"].id]

  automatic_failover_enabled = var.elasticache_num_cache_clusters > 1
  multi_az_enabled           = var.elasticache_num_cache_clusters > 1
  at_rest_encryption_enabled = true
  transit_encryption_enabled = true
  auth_token                 = var.elasticache_auth_token

  snapshot_retention_limit = 1
  apply_immediately        = false
}
