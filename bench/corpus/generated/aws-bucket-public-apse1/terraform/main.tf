provider "aws" {
  region = var.region

  default_tags {
    tags = {
      managed-by  = "mcp-cloud"
      stack       = "cdn-origin"
      environment = "prod"
    }
  }
}

module "bucket_acme-cdn-apse1-b0" {
  source             = "./modules/aws-s3-bucket"
  bucket_name        = "acme-cdn-apse1-b0"
  purpose            = "data set 0"
  versioning_enabled = true
  public_read        = false
}

module "bucket_acme-cdn-apse1-b1" {
  source             = "./modules/aws-s3-bucket"
  bucket_name        = "acme-cdn-apse1-b1"
  purpose            = "data set 1"
  versioning_enabled = false
  public_read        = true
}
