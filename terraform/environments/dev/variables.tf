variable "kubeconfig_path" {
  description = "Path of the kubeconfig. Null: the provider's default (helm/kubernetes 2.x read KUBE_CONFIG_PATH; 1.x read KUBECONFIG or ~/.kube/config)."
  type        = string
  default     = null

  validation {
    condition     = var.kubeconfig_path == null || try(fileexists(pathexpand(var.kubeconfig_path)), false)
    error_message = "kubeconfig_path must be an existing file."
  }
}

variable "kube_context" {
  description = "kubeconfig context to use (null: the current context)."
  type        = string
  default     = null
}

variable "namespace" {
  description = "Namespace of the dev installation."
  type        = string
  default     = "brainmesh-dev"
  nullable    = false

  validation {
    condition     = can(regex("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$", var.namespace))
    error_message = "namespace must be a DNS-1123 label."
  }
}

variable "create_namespace" {
  description = "Whether Terraform creates the namespace."
  type        = bool
  default     = true
  nullable    = false
}

variable "release_name" {
  description = "Helm release name."
  type        = string
  default     = "brainmesh"
  nullable    = false

  validation {
    condition     = can(regex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", var.release_name)) && length(var.release_name) <= 53
    error_message = "release_name must be lowercase alphanumerics and '-', at most 53 characters."
  }
}

variable "chart_path" {
  description = "Local chart path (null: charts/brainmesh of this repository)."
  type        = string
  default     = null
}

variable "image" {
  description = "Images of all services (see the module's image variable)."
  type = object({
    registry     = optional(string)
    repository   = optional(string)
    tag          = optional(string)
    digest       = optional(string)
    pull_policy  = optional(string)
    pull_secrets = optional(list(string), [])
  })
  default  = {}
  nullable = false
}

variable "services" {
  description = "Per-service settings (see the module's services variable)."
  type = map(object({
    enabled   = optional(bool, true)
    replicas  = optional(number)
    image_tag = optional(string)
    log_level = optional(string)
    resources = optional(object({
      requests = optional(map(string))
      limits   = optional(map(string))
    }))
    autoscaling = optional(object({
      enabled                           = optional(bool, true)
      min_replicas                      = optional(number, 2)
      max_replicas                      = optional(number, 10)
      target_cpu_utilization_percentage = optional(number, 70)
    }))
    pdb_enabled = optional(bool)
    env         = optional(map(string), {})
  }))
  default  = {}
  nullable = false
}

variable "migrations_mode" {
  description = "global.migrations.mode: job, initContainer, onStart or none (null: the chart's). On a kwok test cluster, where no container runs and hook Jobs never complete, use none."
  type        = string
  default     = null
}

variable "probes_type" {
  description = "Probes of every service: http (default here: upgrades work with helm provider 1.x too, whose Helm 3.3 libraries cannot patch gRPC probes) or grpc (the chart's default; needs helm provider >= 2 for upgrades)."
  type        = string
  default     = "http"

  validation {
    condition     = var.probes_type == null || contains(["grpc", "http"], coalesce(var.probes_type, "grpc"))
    error_message = "probes_type must be grpc or http."
  }
}

variable "database_urls" {
  description = "DATABASE_URL per database service (auth, ai-routing, knowledge, orchestrator, analytics) of an external Postgres (empty: the chart's CloudNativePG trial databases)."
  type        = map(string)
  default     = {}
  nullable    = false
  sensitive   = true
}

variable "redis_url" {
  description = "REDIS_URL of an external Redis (null: none / the chart's trial Redis)."
  type        = string
  default     = null
  sensitive   = true
}

variable "provider_secret_keys" {
  description = "PROVIDER_SECRET_KEYS of ai-routing (k1:<openssl rand -base64 32>)."
  type        = string
  default     = null
  sensitive   = true
}

variable "install_cnpg_operator" {
  description = "Install the CloudNativePG operator from its chart repository (needs network access)."
  type        = bool
  default     = false
  nullable    = false
}

variable "trial_dependencies" {
  description = "Override the chart's in-cluster trial dependencies (null attributes: values-dev.yaml decides: all on). postgres needs the CloudNativePG CRDs (and operator, for the databases to come up)."
  type = object({
    postgres = optional(bool)
    kafka    = optional(bool)
    redis    = optional(bool)
  })
  default  = {}
  nullable = false
}

variable "extra_values" {
  description = "Extra values as YAML documents, applied last (e.g. test-cluster adjustments)."
  type        = list(string)
  default     = []
  nullable    = false
}

variable "set" {
  description = "Extra `--set` style values."
  type = list(object({
    name  = string
    value = string
    type  = optional(string)
  }))
  default  = []
  nullable = false
}

variable "wait" {
  description = "Wait for the release's workloads to become ready."
  type        = bool
  default     = true
  nullable    = false
}

variable "timeout" {
  description = "Seconds Helm waits for each operation."
  type        = number
  default     = 300
  nullable    = false

  validation {
    condition     = var.timeout >= 30 && var.timeout <= 7200
    error_message = "timeout must be between 30 and 7200 seconds."
  }
}
