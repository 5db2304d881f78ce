# brainmesh in a development cluster: namespace brainmesh-dev, the chart from this repository with
# values-dev.yaml, secrets created from variables (empty unless given), in-cluster trial
# dependencies as values-dev.yaml chooses. The CloudNativePG operator is off by default (it is
# downloaded from its chart repository; CI has no access to it).

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

  environment      = "dev"
  namespace        = var.namespace
  create_namespace = var.create_namespace
  release_name     = var.release_name
  chart_path       = var.chart_path

  image           = var.image
  services        = var.services
  migrations_mode = var.migrations_mode
  probes_type     = var.probes_type

  create_secrets       = true
  database_urls        = var.database_urls
  redis_url            = var.redis_url
  provider_secret_keys = var.provider_secret_keys

  install_cnpg_operator = var.install_cnpg_operator
  trial_dependencies    = var.trial_dependencies

  extra_values = var.extra_values
  set          = var.set

  wait    = var.wait
  timeout = var.timeout
  # A failed dev install stays inspectable.
  atomic = false
}
