################################################################################
# General
################################################################################

variable "create" {
  description = "Whether to create anything."
  type        = bool
  default     = true
  nullable    = false
}

variable "name" {
  description = "Name prefix of every resource."
  type        = string
  default     = "brainmesh"
  nullable    = false

  validation {
    condition     = can(regex("^[a-z][-a-z0-9]{0,30}[a-z0-9]$", var.name))
    error_message = "name must start with a letter, use lowercase alphanumerics and '-', 2 to 32 characters."
  }
}

variable "region" {
  description = "AWS region."
  type        = string
  default     = "eu-west-1"
  nullable    = false

  validation {
    condition     = can(regex("^[a-z]{2}(-gov)?-[a-z]+-[0-9]$", var.region))
    error_message = "region must be an AWS region such as eu-west-1."
  }
}

variable "tags" {
  description = "Tags of every resource."
  type        = map(string)
  default     = {}
  nullable    = false
}

variable "services" {
  description = "Services that get a database (all six by default)."
  type        = list(string)
  default     = ["gateway", "auth", "ai-routing", "knowledge", "orchestrator", "analytics"]
  nullable    = false

  validation {
    condition     = length(var.services) > 0 && alltrue([for s in var.services : contains(["gateway", "auth", "ai-routing", "knowledge", "orchestrator", "analytics"], s)])
    error_message = "services must be a non-empty subset of gateway, auth, ai-routing, knowledge, orchestrator, analytics."
  }
}

################################################################################
# Network
################################################################################

variable "vpc_id" {
  description = "VPC of the Kubernetes cluster."
  type        = string

  validation {
    condition     = can(regex("^vpc-[0-9a-f]+$", var.vpc_id))
    error_message = "vpc_id must look like vpc-0123456789abcdef0."
  }
}

variable "subnet_ids" {
  description = "Private subnets (at least two, in different availability zones) for the databases, brokers and cache."
  type        = list(string)

  validation {
    condition     = length(var.subnet_ids) >= 2 && alltrue([for s in var.subnet_ids : can(regex("^subnet-[0-9a-f]+$", s))])
    error_message = "subnet_ids must hold at least two subnet-... ids."
  }
}

variable "allowed_security_group_ids" {
  description = "Security groups allowed to connect (e.g. the cluster's node security group)."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for s in var.allowed_security_group_ids : can(regex("^sg-[0-9a-f]+$", s))])
    error_message = "allowed_security_group_ids entries must look like sg-0123456789abcdef0."
  }
}

variable "allowed_cidr_blocks" {
  description = "CIDR blocks allowed to connect (e.g. the pod CIDR)."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for c in var.allowed_cidr_blocks : can(cidrhost(c, 0))])
    error_message = "allowed_cidr_blocks entries must be CIDR blocks."
  }
}

################################################################################
# RDS for PostgreSQL
################################################################################

variable "create_rds" {
  description = "Whether to create RDS for PostgreSQL."
  type        = bool
  default     = true
  nullable    = false
}

variable "rds_mode" {
  description = "per_service: one instance per service (isolation); shared: one instance, and a database per service that you create (see outputs.databases_to_create)."
  type        = string
  default     = "per_service"
  nullable    = false

  validation {
    condition     = contains(["per_service", "shared"], var.rds_mode)
    error_message = "rds_mode must be per_service or shared."
  }
}

variable "rds_engine_version" {
  description = "PostgreSQL version (pgvector is available on 15 and later)."
  type        = string
  default     = "16.4"
  nullable    = false

  validation {
    condition     = can(regex("^(1[5-9]|[2-9][0-9])(\\.[0-9]+)?$", var.rds_engine_version))
    error_message = "rds_engine_version must be PostgreSQL 15 or later, e.g. 16.4."
  }
}

variable "rds_instance_class" {
  description = "Instance class."
  type        = string
  default     = "db.t4g.medium"
  nullable    = false

  validation {
    condition     = can(regex("^db\\.", var.rds_instance_class))
    error_message = "rds_instance_class must start with db."
  }
}

variable "rds_allocated_storage" {
  description = "Allocated storage in GiB."
  type        = number
  default     = 20
  nullable    = false

  validation {
    condition     = var.rds_allocated_storage >= 20 && var.rds_allocated_storage <= 65536
    error_message = "rds_allocated_storage must be between 20 and 65536 GiB."
  }
}

variable "rds_max_allocated_storage" {
  description = "Storage autoscaling limit in GiB (0 disables autoscaling)."
  type        = number
  default     = 100
  nullable    = false

  validation {
    condition     = var.rds_max_allocated_storage == 0 || var.rds_max_allocated_storage >= var.rds_allocated_storage
    error_message = "rds_max_allocated_storage must be 0 or at least rds_allocated_storage."
  }
}

variable "rds_multi_az" {
  description = "Multi-AZ deployment."
  type        = bool
  default     = false
  nullable    = false
}

variable "rds_username" {
  description = "Master user name."
  type        = string
  default     = "brainmesh"
  nullable    = false

  validation {
    condition     = can(regex("^[a-z][a-z0-9_]{0,62}$", var.rds_username)) && !contains(["admin", "postgres", "rdsadmin"], var.rds_username)
    error_message = "rds_username must start with a letter, use a-z, 0-9, _ and not be a reserved name."
  }
}

variable "rds_password" {
  description = "Master password (16 to 128 printable characters, no /, \", @ or space). Ends up in the DATABASE_URL outputs."
  type        = string
  default     = null
  sensitive   = true

  validation {
    condition     = var.rds_password == null || can(regex("^[!#-.0-?A-~]{16,128}$", var.rds_password))
    error_message = "rds_password must be 16 to 128 printable characters without /, \", @ or space."
  }
}

variable "rds_backup_retention_period" {
  description = "Days of automated backups."
  type        = number
  default     = 7
  nullable    = false

  validation {
    condition     = var.rds_backup_retention_period >= 0 && var.rds_backup_retention_period <= 35
    error_message = "rds_backup_retention_period must be between 0 and 35."
  }
}

variable "rds_deletion_protection" {
  description = "Deletion protection of the instances."
  type        = bool
  default     = true
  nullable    = false
}

variable "rds_skip_final_snapshot" {
  description = "Skip the final snapshot when destroying."
  type        = bool
  default     = false
  nullable    = false
}

################################################################################
# MSK
################################################################################

variable "create_msk" {
  description = "Whether to create an MSK (Kafka) cluster."
  type        = bool
  default     = true
  nullable    = false
}

variable "msk_kafka_version" {
  description = "Kafka version of the MSK cluster."
  type        = string
  default     = "3.6.0"
  nullable    = false
}

variable "msk_instance_type" {
  description = "Broker instance type."
  type        = string
  default     = "kafka.m7g.large"
  nullable    = false

  validation {
    condition     = can(regex("^kafka\\.", var.msk_instance_type))
    error_message = "msk_instance_type must start with kafka."
  }
}

variable "msk_number_of_broker_nodes" {
  description = "Number of brokers (a multiple of the number of subnets)."
  type        = number
  default     = 2
  nullable    = false

  validation {
    condition     = var.msk_number_of_broker_nodes >= 1 && floor(var.msk_number_of_broker_nodes) == var.msk_number_of_broker_nodes
    error_message = "msk_number_of_broker_nodes must be a positive whole number."
  }
}

variable "msk_ebs_volume_size" {
  description = "EBS storage per broker in GiB."
  type        = number
  default     = 100
  nullable    = false

  validation {
    condition     = var.msk_ebs_volume_size >= 1 && var.msk_ebs_volume_size <= 16384
    error_message = "msk_ebs_volume_size must be between 1 and 16384 GiB."
  }
}

variable "msk_client_broker_encryption" {
  description = "Encryption between clients and brokers: TLS, TLS_PLAINTEXT or PLAINTEXT."
  type        = string
  default     = "TLS"
  nullable    = false

  validation {
    condition     = contains(["TLS", "TLS_PLAINTEXT", "PLAINTEXT"], var.msk_client_broker_encryption)
    error_message = "msk_client_broker_encryption must be TLS, TLS_PLAINTEXT or PLAINTEXT."
  }
}

variable "msk_server_properties" {
  description = "Broker configuration (server.properties) of an MSK configuration; empty: MSK defaults."
  type        = map(string)
  default = {
    "auto.create.topics.enable"  = "false"
    "default.replication.factor" = "2"
    "min.insync.replicas"        = "1"
  }
  nullable = false
}

################################################################################
# ElastiCache
################################################################################

variable "create_elasticache" {
  description = "Whether to create an ElastiCache replication group (Redis OSS or Valkey)."
  type        = bool
  default     = true
  nullable    = false
}

variable "elasticache_engine" {
  description = "redis or valkey."
  type        = string
  default     = "redis"
  nullable    = false

  validation {
    condition     = contains(["redis", "valkey"], var.elasticache_engine)
    error_message = "elasticache_engine must be redis or valkey."
  }
}

variable "elasticache_engine_version" {
  description = "Engine version."
  type        = string
  default     = "7.1"
  nullable    = false
}

variable "elasticache_node_type" {
  description = "Node type."
  type        = string
  default     = "cache.t4g.small"
  nullable    = false

  validation {
    condition     = can(regex("^cache\\.", var.elasticache_node_type))
    error_message = "elasticache_node_type must start with cache."
  }
}

variable "elasticache_num_cache_clusters" {
  description = "Nodes in the replication group (2 or more enables automatic failover)."
  type        = number
  default     = 2
  nullable    = false

  validation {
    condition     = var.elasticache_num_cache_clusters >= 1 && var.elasticache_num_cache_clusters <= 6
    error_message = "elasticache_num_cache_clusters must be between 1 and 6."
  }
}

variable "elasticache_auth_token" {
  description = "AUTH token (16 to 128 printable characters without @, \" or /). Null: no AUTH (still TLS)."
  type        = string
  default     = null
  sensitive   = true

  validation {
    condition     = var.elasticache_auth_token == null || can(regex("^[!#-.0-?A-~]{16,128}$", var.elasticache_auth_token))
    error_message = "elasticache_auth_token must be 16 to 128 printable characters without @, \" or /."
  }
}
