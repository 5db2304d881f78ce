################################################################################
# General
################################################################################

variable "create" {
  description = "Whether to create anything at all (set to false to disable the module without removing it)."
  type        = bool
  default     = true
  nullable    = false
}

variable "environment" {
  description = "Deployment environment. Selects the chart's values-<environment>.yaml when the chart is read from a local path (see environment_values_file)."
  type        = string
  default     = "dev"
  nullable    = false

  validation {
    condition     = contains(["dev", "staging", "prod"], var.environment)
    error_message = "environment must be one of: dev, staging, prod."
  }
}

variable "labels" {
  description = "Labels added to every Kubernetes object this module creates directly (namespace, secrets)."
  type        = map(string)
  default     = {}
  nullable    = false

  validation {
    condition     = alltrue([for k, v in var.labels : can(regex("^([a-z0-9.-]+/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$", k)) && length(v) <= 63])
    error_message = "labels keys must be valid Kubernetes label keys and values at most 63 characters."
  }
}

################################################################################
# Namespace
################################################################################

variable "namespace" {
  description = "Namespace the platform is installed into."
  type        = string
  default     = "brainmesh"
  nullable    = false

  validation {
    condition     = can(regex("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$", var.namespace))
    error_message = "namespace must be a DNS-1123 label (lowercase alphanumerics and '-', at most 63 characters)."
  }
}

variable "create_namespace" {
  description = "Whether to create the namespace (false: it must already exist)."
  type        = bool
  default     = true
  nullable    = false
}

variable "namespace_labels" {
  description = "Extra labels of the created namespace (e.g. pod-security.kubernetes.io/enforce = restricted)."
  type        = map(string)
  default     = {}
  nullable    = false
}

variable "namespace_annotations" {
  description = "Annotations of the created namespace."
  type        = map(string)
  default     = {}
  nullable    = false
}

################################################################################
# Chart
################################################################################

variable "release_name" {
  description = "Name of the Helm release (also the prefix of the secrets this module creates)."
  type        = string
  default     = "brainmesh"
  nullable    = false

  validation {
    condition     = can(regex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", var.release_name)) && length(var.release_name) <= 53
    error_message = "release_name must be lowercase alphanumerics and '-', at most 53 characters."
  }
}

variable "create_release" {
  description = "Whether to install the chart (false: only the namespace, Secrets and operator, e.g. when Argo CD owns the release; the secret names match values-prod.yaml's for release brainmesh)."
  type        = bool
  default     = true
  nullable    = false
}

variable "chart_path" {
  description = "Local path of the brainmesh chart. Null: the repository's charts/brainmesh (relative to this module). Ignored when chart_repository is set."
  type        = string
  default     = null
}

variable "chart_repository" {
  description = "Chart repository URL (https://...) to install chart_name from instead of a local path. Null: use chart_path."
  type        = string
  default     = null

  validation {
    condition     = var.chart_repository == null || can(regex("^(https?|oci)://", var.chart_repository))
    error_message = "chart_repository must start with https://, http:// or oci:// (oci:// needs helm provider >= 2.x)."
  }
}

variable "chart_name" {
  description = "Chart name in chart_repository."
  type        = string
  default     = "brainmesh"
  nullable    = false
}

variable "chart_version" {
  description = "Chart version to install from chart_repository (null: latest). Ignored for a local chart path."
  type        = string
  default     = null

  validation {
    condition     = var.chart_version == null || can(regex("^v?[0-9]+\\.[0-9]+\\.[0-9]+(-[0-9A-Za-z.-]+)?(\\+[0-9A-Za-z.-]+)?$", var.chart_version))
    error_message = "chart_version must be a semantic version such as 0.1.0."
  }
}

variable "environment_values_file" {
  description = "Whether to pass the chart's values-<environment>.yaml (local chart only) before the module's own values."
  type        = bool
  default     = true
  nullable    = false
}

variable "values_files" {
  description = "Paths of additional values files, applied after the environment values file and the typed values."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for f in var.values_files : fileexists(f)])
    error_message = "every values_files entry must be an existing file."
  }
}

variable "extra_values" {
  description = "Additional values as YAML documents, applied last (after values_files). E.g. to disable hooks in a test cluster."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for v in var.extra_values : can(yamldecode(v))])
    error_message = "every extra_values entry must be a valid YAML document."
  }
}

variable "set" {
  description = "Individual values set with `--set` semantics (name = dotted path). type is auto (default) or string."
  type = list(object({
    name  = string
    value = string
    type  = optional(string)
  }))
  default  = []
  nullable = false

  validation {
    condition     = alltrue([for s in var.set : s.type == null || contains(["auto", "string"], coalesce(s.type, "auto"))])
    error_message = "set[*].type must be auto or string."
  }
}

variable "set_sensitive" {
  description = "Like set, but the values are hidden from plans. Prefer the secret variables below for credentials: they never reach Helm values."
  type = list(object({
    name  = string
    value = string
    type  = optional(string)
  }))
  default   = []
  nullable  = false
  sensitive = true
}

################################################################################
# Helm behaviour
################################################################################

variable "wait" {
  description = "Wait until all workloads are ready (and hooks have completed) before marking the release successful."
  type        = bool
  default     = true
  nullable    = false
}

variable "timeout" {
  description = "Seconds to wait for any individual Kubernetes operation (hooks included)."
  type        = number
  default     = 600
  nullable    = false

  validation {
    condition     = var.timeout >= 30 && var.timeout <= 7200 && floor(var.timeout) == var.timeout
    error_message = "timeout must be a whole number of seconds between 30 and 7200."
  }
}

variable "atomic" {
  description = "Roll the release back (or purge it on first install) when it fails."
  type        = bool
  default     = false
  nullable    = false
}

variable "cleanup_on_fail" {
  description = "Delete new resources created by a failed upgrade."
  type        = bool
  default     = false
  nullable    = false
}

variable "max_history" {
  description = "Release revisions kept by Helm (0: unlimited)."
  type        = number
  default     = 10
  nullable    = false

  validation {
    condition     = var.max_history >= 0 && floor(var.max_history) == var.max_history
    error_message = "max_history must be a non-negative whole number."
  }
}

variable "dependency_update" {
  description = "Run `helm dependency update` before installing (writes charts/*.tgz into a local chart directory)."
  type        = bool
  default     = false
  nullable    = false
}

################################################################################
# Typed chart values (rendered to YAML; secret values never go here)
# Unset (null) attributes leave the chart's values.yaml / values-<environment>.yaml in force.
################################################################################

variable "name_prefix" {
  description = "global.namePrefix of the chart: prefix of every resource name (null: the release name)."
  type        = string
  default     = null

  validation {
    condition     = var.name_prefix == null || can(regex("^[a-z0-9]([-a-z0-9]{0,28}[a-z0-9])?$", var.name_prefix))
    error_message = "name_prefix must be lowercase alphanumerics and '-', at most 30 characters."
  }
}

variable "image" {
  description = "Image of every service (global.image): registry, repository, tag (null: the chart's appVersion), digest (wins over tag), pull policy; and image pull secret names."
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

  validation {
    condition     = var.image.pull_policy == null || contains(["Always", "IfNotPresent", "Never"], coalesce(var.image.pull_policy, "IfNotPresent"))
    error_message = "image.pull_policy must be Always, IfNotPresent or Never."
  }

  validation {
    condition     = var.image.digest == null || can(regex("^sha256:[a-f0-9]{64}$", var.image.digest))
    error_message = "image.digest must look like sha256:<64 hex digits>."
  }
}

variable "services" {
  description = "Per-service settings keyed by service (gateway, auth, ai-routing, knowledge, orchestrator, analytics). env holds plain (non-secret) variables of the service's ConfigMap."
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

  validation {
    condition     = alltrue([for k in keys(var.services) : contains(["gateway", "auth", "ai-routing", "knowledge", "orchestrator", "analytics"], k)])
    error_message = "services keys must be among: gateway, auth, ai-routing, knowledge, orchestrator, analytics."
  }

  validation {
    condition     = alltrue([for s in values(var.services) : s.replicas == null || try(s.replicas >= 0 && floor(s.replicas) == s.replicas, false)])
    error_message = "services[*].replicas must be a non-negative whole number."
  }

  validation {
    condition     = alltrue([for s in values(var.services) : s.log_level == null || contains(["fatal", "error", "warn", "info", "debug", "trace", "silent"], coalesce(s.log_level, "info"))])
    error_message = "services[*].log_level must be one of fatal, error, warn, info, debug, trace, silent."
  }

  validation {
    condition = alltrue([for s in values(var.services) : s.autoscaling == null || try(
      s.autoscaling.min_replicas >= 1 && s.autoscaling.max_replicas >= s.autoscaling.min_replicas &&
      s.autoscaling.target_cpu_utilization_percentage >= 0 && s.autoscaling.target_cpu_utilization_percentage <= 100,
    false)])
    error_message = "services[*].autoscaling needs 1 <= min_replicas <= max_replicas and 0 <= target_cpu_utilization_percentage <= 100."
  }

  validation {
    condition     = alltrue(flatten([for s in values(var.services) : [for k in keys(s.env) : can(regex("^[A-Za-z_][A-Za-z0-9_]*$", k))]]))
    error_message = "services[*].env keys must be valid environment variable names."
  }
}

variable "ingress" {
  description = "Ingress of the gateway (the public API): class, host, TLS secret, cert-manager ClusterIssuer, annotations."
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

  validation {
    condition     = !var.ingress.enabled || can(regex("^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$", var.ingress.host))
    error_message = "ingress.host must be set to a DNS name when ingress.enabled is true."
  }
}

variable "log_level" {
  description = "global.logLevel: LOG_LEVEL of every service (null: the chart's / environment file's)."
  type        = string
  default     = null

  validation {
    condition     = var.log_level == null || contains(["fatal", "error", "warn", "info", "debug", "trace", "silent"], coalesce(var.log_level, "info"))
    error_message = "log_level must be one of fatal, error, warn, info, debug, trace, silent."
  }
}

variable "kafka_brokers" {
  description = "global.kafka.brokers: bootstrap brokers of an external Kafka (host:port,host:port). Null: the chart's / environment file's."
  type        = string
  default     = null

  validation {
    condition     = var.kafka_brokers == null || can(regex("^[A-Za-z0-9.-]+:[0-9]+(,[A-Za-z0-9.-]+:[0-9]+)*$", var.kafka_brokers))
    error_message = "kafka_brokers must be a comma-separated list of host:port."
  }
}

variable "migrations_mode" {
  description = "global.migrations.mode: job (pre-install/pre-upgrade hook Jobs), initContainer, onStart (MIGRATE_ON_START) or none. Null: the chart's (job). Use none or onStart where Jobs cannot complete (a kwok test cluster)."
  type        = string
  default     = null

  validation {
    condition     = var.migrations_mode == null || contains(["job", "initContainer", "onStart", "none"], coalesce(var.migrations_mode, "job"))
    error_message = "migrations_mode must be job, initContainer, onStart or none."
  }
}

variable "probes_type" {
  description = "<service>.probes.type of every service: grpc (the chart's default) or http. Null: the chart's / environment file's. Helm provider 1.x (Helm 3.3 client libraries) cannot upgrade Deployments with gRPC probes (\"unable to find api field in struct Probe for the json field grpc\"): use http with it."
  type        = string
  default     = null

  validation {
    condition     = var.probes_type == null || contains(["grpc", "http"], coalesce(var.probes_type, "grpc"))
    error_message = "probes_type must be grpc or http."
  }
}

variable "network_policies" {
  description = "global.networkPolicy.enabled: render the chart's NetworkPolicies (null: the chart's / environment file's)."
  type        = bool
  default     = null
}

variable "monitoring" {
  description = "global.serviceMonitor.enabled and prometheusRule.enabled (need the prometheus-operator CRDs). Null: the chart's / environment file's."
  type        = bool
  default     = null
}

variable "trial_dependencies" {
  description = "The chart's in-cluster trial dependencies: postgres = global.postgresql.cnpg.enabled (CloudNativePG clusters: need the CNPG CRDs and operator), kafka = global.kafka.inCluster.enabled, redis = global.redis.inCluster.enabled. Null attributes: the chart's / environment file's choice."
  type = object({
    postgres = optional(bool)
    kafka    = optional(bool)
    redis    = optional(bool)
  })
  default  = {}
  nullable = false
}

################################################################################
# Secrets. Created here from sensitive variables, or existing ones named in
# existing_secrets (which win). Only names and keys reach the chart (existingSecret).
################################################################################

variable "create_secrets" {
  description = "Whether to create Kubernetes Secrets from database_urls, redis_url, provider_secret_keys and extra_secret_env."
  type        = bool
  default     = true
  nullable    = false
}

variable "database_urls" {
  description = "DATABASE_URL per database service (auth, ai-routing, knowledge, orchestrator, analytics): postgres://user:password@host:5432/db?sslmode=require. One Secret each (<release>-<service>-db, key uri: the names values-prod.yaml expects for release brainmesh)."
  type        = map(string)
  default     = {}
  nullable    = false
  sensitive   = true

  validation {
    condition     = alltrue([for k, v in var.database_urls : contains(["auth", "ai-routing", "knowledge", "orchestrator", "analytics"], k) && can(regex("^postgres(ql)?://.+", v))])
    error_message = "database_urls keys must be database services (auth, ai-routing, knowledge, orchestrator, analytics) and values postgres:// or postgresql:// URLs."
  }
}

variable "redis_url" {
  description = "REDIS_URL (redis:// or rediss://) of the gateway and ai-routing. Secret <release>-redis, key url. Null: none."
  type        = string
  default     = null
  sensitive   = true

  validation {
    condition     = var.redis_url == null || can(regex("^rediss?://.+", var.redis_url))
    error_message = "redis_url must start with redis:// or rediss://."
  }
}

variable "provider_secret_keys" {
  description = "PROVIDER_SECRET_KEYS of ai-routing: the keyring sealing provider credentials, kid:base64key[,kid:base64key] (the first seals). Keep it stable. Secret <release>-provider-keys."
  type        = string
  default     = null
  sensitive   = true

  validation {
    condition     = var.provider_secret_keys == null || can(regex("^[A-Za-z0-9_-]+:[A-Za-z0-9+/=_-]{43,44}(,[A-Za-z0-9_-]+:[A-Za-z0-9+/=_-]{43,44})*$", var.provider_secret_keys))
    error_message = "provider_secret_keys must look like k1:<32 random bytes in base64>[,k0:<...>] (echo \"k1:$(openssl rand -base64 32)\")."
  }
}

variable "extra_secret_env" {
  description = "Additional secret environment variables per service, e.g. { ai-routing = { HTTPS_PROXY = \"http://user:pass@proxy:3128\" } }. Secret <release>-<service>-env, added to the service's extraEnvFrom."
  type        = map(map(string))
  default     = {}
  nullable    = false
  sensitive   = true

  validation {
    condition     = alltrue([for k, v in var.extra_secret_env : contains(["gateway", "auth", "ai-routing", "knowledge", "orchestrator", "analytics"], k) && alltrue([for n in keys(v) : can(regex("^[A-Za-z_][A-Za-z0-9_]*$", n))])])
    error_message = "extra_secret_env keys must be service names, inner keys environment variable names."
  }
}

variable "existing_secrets" {
  description = "Secrets managed elsewhere (External Secrets, Sealed Secrets, Vault...): per database service {name, key = uri}, redis {name, key = url}, provider_secret_keys {name, key = PROVIDER_SECRET_KEYS}. They win over the values above."
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

  validation {
    condition     = alltrue([for k in keys(var.existing_secrets.databases) : contains(["auth", "ai-routing", "knowledge", "orchestrator", "analytics"], k)])
    error_message = "existing_secrets.databases keys must be database services: auth, ai-routing, knowledge, orchestrator, analytics."
  }

  validation {
    condition = alltrue([for s in concat(
      values(var.existing_secrets.databases),
      var.existing_secrets.redis == null ? [] : [var.existing_secrets.redis],
      var.existing_secrets.provider_secret_keys == null ? [] : [var.existing_secrets.provider_secret_keys],
    ) : can(regex("^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$", s.name)) && can(regex("^[-._a-zA-Z0-9]+$", s.key))])
    error_message = "existing_secrets names must be valid Secret names and keys valid Secret keys."
  }
}

variable "require_database_urls" {
  description = "Fail the plan unless every enabled database service has a database_urls entry or an existing secret (production: no trial databases)."
  type        = bool
  default     = false
  nullable    = false
}

################################################################################
# Operators for the trial dependencies
################################################################################

variable "install_cnpg_operator" {
  description = "Whether to install the CloudNativePG operator (needed by trial_dependencies.postgres). Needs access to its chart repository."
  type        = bool
  default     = false
  nullable    = false
}

variable "cnpg_operator" {
  description = "CloudNativePG operator release: namespace, chart repository/name/version, extra values (YAML)."
  type = object({
    namespace        = optional(string, "cnpg-system")
    create_namespace = optional(bool, true)
    release_name     = optional(string, "cnpg")
    repository       = optional(string, "https://cloudnative-pg.github.io/charts")
    chart            = optional(string, "cloudnative-pg")
    version          = optional(string, "0.26.0")
    values           = optional(list(string), [])
  })
  default  = {}
  nullable = false

  validation {
    condition     = can(regex("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$", var.cnpg_operator.namespace))
    error_message = "cnpg_operator.namespace must be a DNS-1123 label."
  }

  validation {
    condition     = alltrue([for v in var.cnpg_operator.values : can(yamldecode(v))])
    error_message = "cnpg_operator.values entries must be valid YAML."
  }
}
