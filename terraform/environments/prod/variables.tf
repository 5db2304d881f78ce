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
  description = "kubeconfig context of the production cluster (null: the current context)."
  type        = string
  default     = null
}

variable "namespace" {
  description = "Namespace of the production installation."
  type        = string
  default     = "brainmesh-prod"
  nullable    = false

  validation {
    condition     = can(regex("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$", var.namespace))
    error_message = "namespace must be a DNS-1123 label."
  }
}

variable "create_namespace" {
  description = "Whether Terraform creates the namespace (false when a platform team provisions it)."
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

variable "create_release" {
  description = "Whether Terraform installs the chart. False when Argo CD (deploy/argocd/applications/prod.yaml) owns the release: Terraform then provides the namespace and the Secrets values-prod.yaml references."
  type        = bool
  default     = true
  nullable    = false
}

variable "chart_path" {
  description = "Local chart path (null: charts/brainmesh of this repository). Ignored when chart_repository is set."
  type        = string
  default     = null
}

variable "chart_repository" {
  description = "Chart repository to install a released chart from (null: the local chart)."
  type        = string
  default     = null
}

variable "chart_version" {
  description = "Chart version from chart_repository. Pin it in production."
  type        = string
  default     = null

  validation {
    condition     = var.chart_version == null || can(regex("^v?[0-9]+\\.[0-9]+\\.[0-9]+(-[0-9A-Za-z.-]+)?$", var.chart_version))
    error_message = "chart_version must be a semantic version such as 1.2.3."
  }
}

variable "image" {
  description = "Images of all services. Pin image.tag in production."
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

variable "ingress" {
  description = "Ingress of the public API."
  type = object({
    enabled                     = optional(bool, false)
    class_name                  = optional(string)
    host                        = optional(string)
    tls_secret_name             = optional(string)
    cert_manager_cluster_issuer = optional(string)
    annotations                 = optional(map(string), {})
  })
  default  = {}
  nullable = false
}

variable "kafka_brokers" {
  description = "Bootstrap brokers of the managed Kafka (host:port,...)."
  type        = string
  default     = null

  validation {
    condition     = var.kafka_brokers == null || can(regex("^[A-Za-z0-9.-]+:[0-9]+(,[A-Za-z0-9.-]+:[0-9]+)*$", var.kafka_brokers))
    error_message = "kafka_brokers must be a comma-separated list of host:port."
  }
}

variable "existing_secrets" {
  description = "Secrets managed elsewhere (e.g. External Secrets): databases per service {name, key = uri}, redis {name, key = url}, provider_secret_keys {name, key = PROVIDER_SECRET_KEYS}. What is not listed is created from the variables below."
  type = object({
    databases = optional(map(object({
      name = string
      key  = optional(string, "uri")
    })), {})
    redis = optional(object({
      name = string
      key  = optional(string, "url")
    }))
    provider_secret_keys = optional(object({
      name = string
      key  = optional(string, "PROVIDER_SECRET_KEYS")
    }))
  })
  default  = {}
  nullable = false
}

variable "database_urls" {
  description = "DATABASE_URL per database service (auth, ai-routing, knowledge, orchestrator, analytics) without an existing secret."
  type        = map(string)
  default     = {}
  nullable    = false
  sensitive   = true
}

variable "redis_url" {
  description = "REDIS_URL of the managed Redis (rediss:// with TLS)."
  type        = string
  default     = null
  sensitive   = true
}

variable "provider_secret_keys" {
  description = "PROVIDER_SECRET_KEYS of ai-routing (k1:<openssl rand -base64 32>); keep stable, rotate by prepending a new key."
  type        = string
  default     = null
  sensitive   = true
}

variable "extra_secret_env" {
  description = "Additional secret environment variables per service (Secret <release>-<service>-env in the service's extraEnvFrom)."
  type        = map(map(string))
  default     = {}
  nullable    = false
  sensitive   = true
}

variable "extra_values" {
  description = "Extra values as YAML documents, applied last."
  type        = list(string)
  default     = []
  nullable    = false
}

variable "timeout" {
  description = "Seconds Helm waits for each operation (migrations included)."
  type        = number
  default     = 900
  nullable    = false

  validation {
    condition     = var.timeout >= 60 && var.timeout <= 7200
    error_message = "timeout must be between 60 and 7200 seconds."
  }
}

variable "monitoring" {
  description = "ServiceMonitors and PrometheusRule (need the prometheus-operator CRDs). Null: values-prod.yaml's (on)."
  type        = bool
  default     = null
}

variable "probes_type" {
  description = "Probes of every service: null (the chart's grpc) or http. With helm provider 1.x use http: its Helm 3.3 libraries cannot upgrade Deployments with gRPC probes."
  type        = string
  default     = null

  validation {
    condition     = var.probes_type == null || contains(["grpc", "http"], coalesce(var.probes_type, "grpc"))
    error_message = "probes_type must be grpc or http."
  }
}
