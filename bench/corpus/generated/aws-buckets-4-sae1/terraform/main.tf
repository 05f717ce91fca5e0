provider "aws" {
  region = var.region

  default_tags {
    tags = {
      managed-by  = "mcp-cloud"
      stack       = "archive"
      environment = "dev"
    }
  }
}

module "bucket_acme-arch-sae1-b0" {
  source             = "./modules/aws-s3-bucket"
  bucket_name        = "acme-arch-sae1-b0"
  purpose            = "data set 0"
  versioning_enabled = true
  public_read        = false
}

module "bucket_acme-arch-sae1-b1" {
  source             = "./modules/aws-s3-bucket"
  bucket_name        = "acme-arch-sae1-b1"
  purpose            = "data set 1"
  versioning_enabled = false
  public_read        = false
}

module "bucket_acme-arch-sae1-b2" {
  source             = "./modules/aws-s3-bucket"
  bucket_name        = "acme-arch-sae1-b2"
  purpose            = "data set 2"
  versioning_enabled = true
  public_read        = false
}

module "bucket_acme-arch-sae1-b3" {
  source             = "./modules/aws-s3-bucket"
  bucket_name        = "acme-arch-sae1-b3"
  purpose            = "data set 3"
  versioning_enabled = false
  public_read        = false
}
