locals {
  service_names    = ["gateway", "auth", "ai-routing", "knowledge", "orchestrator", "analytics"]
  database_service = ["auth", "ai-routing", "knowledge", "orchestrator", "analytics"]

  # Services switched off in var.services get no secrets.
  enabled_services          = [for s in local.service_names : s if try(var.services[s].enabled, true)]
  enabled_database_services = [for s in local.database_service : s if contains(local.enabled_services, s)]

  common_labels = merge(
    {
      "app.kubernetes.io/part-of"    = "brainmesh"
      "app.kubernetes.io/managed-by" = "terraform"
      "app.kubernetes.io/instance"   = var.release_name
    },
    var.labels,
  )

  namespace = var.create && var.create_namespace ? kubernetes_namespace.this[0].metadata[0].name : var.namespace

  ##############################################################################
  # Secrets. Only which ones exist is needed to plan (never their values), hence
  # nonsensitive() on keys and null checks; try() keeps older Terraform happy when
  # a value carries no sensitive mark.
  ##############################################################################

  database_url_services = try(nonsensitive(keys(var.database_urls)), keys(var.database_urls))
  has_redis_url         = try(nonsensitive(var.redis_url != null), var.redis_url != null)
  has_provider_keys     = try(nonsensitive(var.provider_secret_keys != null), var.provider_secret_keys != null)
  extra_env_services    = try(nonsensitive(keys(var.extra_secret_env)), keys(var.extra_secret_env))

  create_secrets = var.create && var.create_secrets

  created_database_secrets = local.create_secrets ? {
    for s in local.enabled_database_services : s => "${var.release_name}-${s}-db"
    if contains(local.database_url_services, s) && !contains(keys(var.existing_secrets.databases), s)
  } : {}
  create_redis_secret         = local.create_secrets && local.has_redis_url && var.existing_secrets.redis == null
  create_provider_keys_secret = local.create_secrets && local.has_provider_keys && var.existing_secrets.provider_secret_keys == null && contains(local.enabled_services, "ai-routing")
  created_extra_env_secrets = local.create_secrets ? {
    for s in local.enabled_services : s => "${var.release_name}-${s}-env" if contains(local.extra_env_services, s)
  } : {}

  # {name, key} of the secret each consumer reads, created or existing (existing wins).
  database_secrets = merge(
    { for s, name in local.created_database_secrets : s => { name = name, key = "uri" } },
    { for s, ref in var.existing_secrets.databases : s => { name = ref.name, key = ref.key } if contains(local.enabled_services, s) },
  )
  redis_secret = var.existing_secrets.redis != null ? {
    name = var.existing_secrets.redis.name
    key  = var.existing_secrets.redis.key
  } : local.create_redis_secret ? { name = "${var.release_name}-redis", key = "url" } : null
  provider_keys_secret = var.existing_secrets.provider_secret_keys != null ? {
    name = var.existing_secrets.provider_secret_keys.name
    key  = var.existing_secrets.provider_secret_keys.key
  } : local.create_provider_keys_secret ? { name = "${var.release_name}-provider-keys", key = "PROVIDER_SECRET_KEYS" } : null

  services_without_database = [for s in local.enabled_database_services : s if !contains(keys(local.database_secrets), s)]

  ##############################################################################
  # Chart values from the typed variables. Null attributes are left out, so the
  # chart's values.yaml and values-<environment>.yaml stay in force.
  ##############################################################################

  # An external Kafka / Redis given here switches the in-cluster one off unless trial_dependencies
  # says otherwise (the chart refuses brokers together with the in-cluster Kafka).
  kafka_in_cluster = var.trial_dependencies.kafka != null ? var.trial_dependencies.kafka : (var.kafka_brokers != null ? false : null)
  redis_in_cluster = var.trial_dependencies.redis != null ? var.trial_dependencies.redis : (local.redis_secret != null ? false : null)

  global_values = { for k, v in {
    namePrefix = var.name_prefix
    image = { for k, v in {
      registry   = var.image.registry
      repository = var.image.repository
      tag        = var.image.tag
      digest     = var.image.digest
      pullPolicy = var.image.pull_policy
    } : k => v if v != null }
    imagePullSecrets = length(var.image.pull_secrets) == 0 ? null : [for n in var.image.pull_secrets : { name = n }]
    logLevel         = var.log_level
    kafka = { for k, v in {
      brokers   = var.kafka_brokers
      inCluster = local.kafka_in_cluster == null ? null : { enabled = local.kafka_in_cluster }
    } : k => v if v != null }
    redis = merge(
      # url = "" clears an inline url of the environment file (the chart takes one or the other).
      local.redis_secret == null ? {} : { url = "", existingSecret = local.redis_secret.name, existingSecretKey = local.redis_secret.key },
      local.redis_in_cluster == null ? {} : { inCluster = { enabled = local.redis_in_cluster } },
    )
    postgresql     = var.trial_dependencies.postgres == null ? null : { cnpg = { enabled = var.trial_dependencies.postgres } }
    migrations     = var.migrations_mode == null ? null : { mode = var.migrations_mode }
    networkPolicy  = var.network_policies == null ? null : { enabled = var.network_policies }
    serviceMonitor = var.monitoring == null ? null : { enabled = var.monitoring }
  } : k => v if v != null && v != {} }

  service_values = {
    for s in local.service_names : s => { for k, v in {
      enabled      = contains(local.enabled_services, s)
      replicaCount = try(var.services[s].replicas, null)
      image        = try(var.services[s].image_tag, null) == null ? null : { tag = var.services[s].image_tag }
      logLevel     = try(var.services[s].log_level, null)
      resources = try(var.services[s].resources, null) == null ? null : { for k, v in {
        requests = var.services[s].resources.requests
        limits   = var.services[s].resources.limits
      } : k => v if v != null }
      autoscaling = try(var.services[s].autoscaling, null) == null ? null : {
        enabled                        = var.services[s].autoscaling.enabled
        minReplicas                    = var.services[s].autoscaling.min_replicas
        maxReplicas                    = var.services[s].autoscaling.max_replicas
        targetCPUUtilizationPercentage = var.services[s].autoscaling.target_cpu_utilization_percentage
      }
      pdb          = try(var.services[s].pdb_enabled, null) == null ? null : { enabled = var.services[s].pdb_enabled }
      probes       = var.probes_type == null ? null : { type = var.probes_type }
      env          = length(try(var.services[s].env, {})) == 0 ? null : var.services[s].env
      extraEnvFrom = contains(keys(local.created_extra_env_secrets), s) ? [{ secretRef = { name = local.created_extra_env_secrets[s] } }] : null
      # "" clears an inline url / value of the environment file (the chart takes one or the other).
      database = contains(keys(local.database_secrets), s) ? {
        url               = ""
        existingSecret    = local.database_secrets[s].name
        existingSecretKey = local.database_secrets[s].key
      } : null
      providerSecretKeys = s == "ai-routing" && local.provider_keys_secret != null ? {
        value             = ""
        existingSecret    = local.provider_keys_secret.name
        existingSecretKey = local.provider_keys_secret.key
      } : null
      ingress = s != "gateway" || !var.ingress.enabled ? null : { for k, v in {
        enabled                  = true
        className                = var.ingress.class_name
        certManagerClusterIssuer = var.ingress.cert_manager_cluster_issuer
        annotations              = length(var.ingress.annotations) == 0 ? null : var.ingress.annotations
        hosts                    = [{ host = var.ingress.host, paths = [{ path = "/", pathType = "Prefix" }] }]
        tls                      = var.ingress.tls_secret_name == null ? null : [{ secretName = var.ingress.tls_secret_name, hosts = [var.ingress.host] }]
      } : k => v if v != null }
    } : k => v if v != null }
  }

  typed_values = merge(
    length(local.global_values) == 0 ? {} : { global = local.global_values },
    var.monitoring == null ? {} : { prometheusRule = { enabled = var.monitoring } },
    local.service_values,
  )

  ##############################################################################
  # Chart source and values list (later entries win)
  ##############################################################################

  chart_path              = coalesce(var.chart_path, "${path.module}/../../../charts/brainmesh")
  chart                   = var.chart_repository == null ? local.chart_path : var.chart_name
  environment_values_path = "${local.chart_path}/values-${var.environment}.yaml"
  environment_values = (
    var.environment_values_file && var.chart_repository == null && fileexists(local.environment_values_path)
    ? file(local.environment_values_path) : ""
  )

  values = compact(concat(
    [local.environment_values],
    [yamlencode(local.typed_values)],
    [for f in var.values_files : file(f)],
    var.extra_values,
  ))
}

################################################################################
# Namespace
################################################################################

resource "kubernetes_namespace" "this" {
  count = var.create && var.create_namespace ? 1 : 0

  metadata {
    name        = var.namespace
    labels      = merge(local.common_labels, var.namespace_labels)
    annotations = var.namespace_annotations
  }
}

################################################################################
# Secrets
################################################################################

resource "kubernetes_secret" "database" {
  for_each = local.created_database_secrets

  metadata {
    name      = each.value
    namespace = local.namespace
    labels    = merge(local.common_labels, { "app.kubernetes.io/component" = each.key })
  }

  type = "Opaque"
  data = {
    uri = var.database_urls[each.key]
  }
}

resource "kubernetes_secret" "redis" {
  count = local.create_redis_secret ? 1 : 0

  metadata {
    name      = "${var.release_name}-redis"
    namespace = local.namespace
    labels    = merge(local.common_labels, { "app.kubernetes.io/component" = "redis" })
  }

  type = "Opaque"
  data = {
    url = var.redis_url
  }
}

resource "kubernetes_secret" "provider_keys" {
  count = local.create_provider_keys_secret ? 1 : 0

  metadata {
    name      = "${var.release_name}-provider-keys"
    namespace = local.namespace
    labels    = merge(local.common_labels, { "app.kubernetes.io/component" = "ai-routing" })
  }

  type = "Opaque"
  data = {
    PROVIDER_SECRET_KEYS = var.provider_secret_keys
  }
}

resource "kubernetes_secret" "extra_env" {
  for_each = local.created_extra_env_secrets

  metadata {
    name      = each.value
    namespace = local.namespace
    labels    = merge(local.common_labels, { "app.kubernetes.io/component" = each.key })
  }

  type = "Opaque"
  data = var.extra_secret_env[each.key]
}

################################################################################
# Optional operator for the trial dependencies
################################################################################

resource "helm_release" "cnpg_operator" {
  count = var.create && var.install_cnpg_operator ? 1 : 0

  name             = var.cnpg_operator.release_name
  namespace        = var.cnpg_operator.namespace
  create_namespace = var.cnpg_operator.create_namespace
  repository       = var.cnpg_operator.repository
  chart            = var.cnpg_operator.chart
  version          = var.cnpg_operator.version
  values           = var.cnpg_operator.values

  wait        = true
  timeout     = var.timeout
  max_history = var.max_history
}

################################################################################
# The platform
################################################################################

resource "helm_release" "this" {
  count = var.create && var.create_release ? 1 : 0

  name       = var.release_name
  namespace  = local.namespace
  chart      = local.chart
  repository = var.chart_repository
  version    = var.chart_repository == null ? null : var.chart_version

  values = local.values

  dynamic "set" {
    for_each = var.set
    content {
      name  = set.value.name
      value = set.value.value
      type  = set.value.type
    }
  }

  dynamic "set_sensitive" {
    for_each = var.set_sensitive
    content {
      name  = set_sensitive.value.name
      value = set_sensitive.value.value
      type  = set_sensitive.value.type
    }
  }

  wait              = var.wait
  timeout           = var.timeout
  atomic            = var.atomic
  cleanup_on_fail   = var.cleanup_on_fail
  max_history       = var.max_history
  dependency_update = var.dependency_update

  lifecycle {
    precondition {
      condition     = var.chart_repository != null || fileexists("${local.chart_path}/Chart.yaml")
      error_message = "No chart at ${local.chart_path}: set chart_path (a module copied from an absolute path or a registry no longer sits next to charts/) or chart_repository."
    }
    precondition {
      condition     = !(var.kafka_brokers != null && var.trial_dependencies.kafka == true)
      error_message = "kafka_brokers and trial_dependencies.kafka = true exclude each other: choose one Kafka."
    }
    precondition {
      condition     = !var.require_database_urls || length(local.services_without_database) == 0
      error_message = "require_database_urls: no database_urls entry nor existing secret for: ${join(", ", local.services_without_database)}."
    }
  }

  # The operator's CRDs and the secrets the pods read must exist first.
  depends_on = [
    kubernetes_secret.database,
    kubernetes_secret.redis,
    kubernetes_secret.provider_keys,
    kubernetes_secret.extra_env,
    helm_release.cnpg_operator,
  ]
}
