terraform {
  # optional() object attributes with defaults need Terraform 1.3.
  required_version = ">= 1.3"

  required_providers {
    # Loose on purpose: tested here with helm 1.3.2 / kubernetes 1.13.4 (the versions the Go module
    # proxy can build) and written in the block syntax that helm 2.x and kubernetes 2.x accept too.
    # helm 3.x changed `set {}` / `kubernetes {}` blocks into attributes and is not supported.
    helm = {
      source  = "hashicorp/helm"
      version = ">= 1.3, < 3.0"
    }
    kubernetes = {
      source  = "hashicorp/kubernetes"
      version = ">= 1.13"
    }
  }
}
