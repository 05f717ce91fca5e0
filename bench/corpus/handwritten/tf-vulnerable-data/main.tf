provider "aws" {
  region = "us-east-1"
}

locals {
  env  = "prod"
  tags = { team = "data", env = local.env }
}

module "warehouse_bucket" {
  source = "./modules/bucket"
  name   = "acme-warehouse-${local.env}"
  tags   = local.tags
}

module "raw_bucket" {
  source     = "./modules/bucket"
  name       = "acme-raw-${local.env}"
  tags       = local.tags
  encryption = false
}
