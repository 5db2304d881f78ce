variable "kubeconfig_path" {
  description = "Path of the kubeconfig (null: the provider's default)."
  type        = string
  default     = null
}

variable "kube_context" {
  description = "kubeconfig context (null: the current one)."
  type        = string
  default     = null
}

variable "database_urls" {
  description = "DATABASE_URL per database service (empty: the chart's trial databases)."
  type        = map(string)
  default     = {}
  sensitive   = true
}

variable "redis_url" {
  description = "REDIS_URL (null: the chart's trial Redis)."
  type        = string
  default     = null
  sensitive   = true
}

variable "provider_secret_keys" {
  description = "PROVIDER_SECRET_KEYS of ai-routing."
  type        = string
  default     = null
  sensitive   = true
}

variable "https_proxy" {
  description = "An example extra secret environment variable of ai-routing (a proxy URL with credentials)."
  type        = string
  default     = "http://user:password@proxy.example.com:3128"
  sensitive   = true
}
