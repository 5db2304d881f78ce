terraform {
  required_version = ">= 1.3"

  required_providers {
    # Validated here with hashicorp/aws 5.100.0.
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.0"
    }
  }
}
