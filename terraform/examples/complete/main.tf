# Every input of modules/brainmesh in use: a namespace with labels, one service on an existing
# secret and the others on secrets created here, typed values, extra values files/YAML/--set,
# the CloudNativePG operator for the in-cluster trial Postgres.

provider "kubernetes" {
  config_path    = var.kubeconfig_path
  config_context = var.kube_context
}

provider "helm" {
  kubernetes {
    config_path    = var.kubeconfig_path
    config_context = var.kube_context
  }
}

locals {
  name = "brainmesh-example"
}

module "brainmesh" {
  source = "../../modules/brainmesh"

  create      = true
  environment = "dev"
  labels      = { "example.com/team" = "platform" }

  namespace             = local.name
  create_namespace      = true
  namespace_labels      = { "pod-security.kubernetes.io/enforce" = "baseline" }
  namespace_annotations = { "example.com/owner" = "platform-team" }

  release_name            = "brainmesh"
  chart_path              = null # charts/brainmesh of this repository
  chart_repository        = null
  environment_values_file = true
  values_files            = []
  extra_values = [
    yamlencode({ gateway = { podAnnotations = { "example.com/scrape" = "true" } } }),
  ]
  set = [
    { name = "gateway.config.corsOrigins", value = "https://app.example.com", type = "string" },
  ]
  set_sensitive = []

  wait              = true
  timeout           = 900
  atomic            = false
  cleanup_on_fail   = true
  max_history       = 5
  dependency_update = false

  name_prefix = null # the release name
  image = {
    registry     = "registry.example.com"
    repository   = "brainmesh/brainmesh"
    tag          = "0.1.0"
    pull_policy  = "IfNotPresent"
    pull_secrets = ["registry-credentials"]
  }
  services = {
    gateway = {
      autoscaling = { min_replicas = 2, max_replicas = 6, target_cpu_utilization_percentage = 75 }
      resources   = { requests = { cpu = "200m", memory = "256Mi" }, limits = { memory = "512Mi" } }
      pdb_enabled = true
    }
    "ai-routing" = { replicas = 2, log_level = "debug", env = { UPSTREAM_TIMEOUT_MS = "120000" } }
    analytics    = { enabled = false }
  }
  ingress = {
    enabled                     = true
    class_name                  = "nginx"
    host                        = "brainmesh.example.com"
    tls_secret_name             = "brainmesh-tls"
    cert_manager_cluster_issuer = "letsencrypt"
    annotations                 = { "nginx.ingress.kubernetes.io/proxy-buffering" = "off" }
  }
  log_level        = "info"
  kafka_brokers    = null # the in-cluster trial Kafka below
  migrations_mode  = "job"
  probes_type      = "grpc"
  network_policies = true
  monitoring       = false
  trial_dependencies = {
    postgres = true # CloudNativePG clusters: the operator below provides the CRDs
    kafka    = true
    redis    = true
  }

  create_secrets = true
  # auth on a secret managed elsewhere; the other database services use their CNPG clusters unless
  # database_urls names them.
  existing_secrets = {
    databases = { auth = { name = "auth-db-from-vault", key = "uri" } }
  }
  database_urls = var.database_urls
  redis_url     = var.redis_url
  # echo "k1:$(openssl rand -base64 32)"
  provider_secret_keys  = var.provider_secret_keys
  extra_secret_env      = { "ai-routing" = { HTTPS_PROXY = var.https_proxy } }
  require_database_urls = false

  install_cnpg_operator = true
  cnpg_operator = {
    namespace = "cnpg-system"
    version   = "0.26.0"
    values    = [yamlencode({ monitoring = { podMonitorEnabled = false } })]
  }
}
