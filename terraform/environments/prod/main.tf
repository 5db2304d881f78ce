# brainmesh in production: namespace brainmesh-prod, values-prod.yaml, managed Postgres/Kafka/Redis
# (see examples/aws), no in-cluster trial dependencies, credentials either created here from
# sensitive variables or referenced as existing secrets (e.g. synced by External Secrets).

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

module "brainmesh" {
  source = "../../modules/brainmesh"

  environment      = "prod"
  namespace        = var.namespace
  create_namespace = var.create_namespace
  namespace_labels = {
    "pod-security.kubernetes.io/enforce" = "restricted"
  }
  release_name     = var.release_name
  create_release   = var.create_release
  chart_path       = var.chart_path
  chart_repository = var.chart_repository
  chart_version    = var.chart_version

  image    = var.image
  services = var.services
  ingress  = var.ingress

  kafka_brokers   = var.kafka_brokers
  migrations_mode = "job"
  probes_type     = var.probes_type
  monitoring      = var.monitoring
  trial_dependencies = {
    postgres = false
    kafka    = false
    redis    = false
  }
  install_cnpg_operator = false

  create_secrets        = true
  require_database_urls = true
  existing_secrets      = var.existing_secrets
  database_urls         = var.database_urls
  redis_url             = var.redis_url
  provider_secret_keys  = var.provider_secret_keys
  extra_secret_env      = var.extra_secret_env

  extra_values = var.extra_values

  wait            = true
  timeout         = var.timeout
  atomic          = true
  cleanup_on_fail = true
  max_history     = 20
}
