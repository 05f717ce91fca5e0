provider "aws" {
  region = var.region

  default_tags {
    tags = {
      managed-by  = "mcp-cloud"
      stack       = "ledger"
      environment = "prod"
    }
  }
}

module "bucket_acme-ledger-euc1-b0" {
  source             = "./modules/aws-s3-bucket"
  bucket_name        = "acme-ledger-euc1-b0"
  purpose            = "data set 0"
  versioning_enabled = true
  public_read        = false
}

module "bucket_acme-ledger-euc1-b1" {
  source             = "./modules/aws-s3-bucket"
  bucket_name        = "acme-ledger-euc1-b1"
  purpose            = "data set 1"
  versioning_enabled = false
  public_read        = false
}

module "bucket_acme-ledger-euc1-b2" {
  source             = "./modules/aws-s3-bucket"
  bucket_name        = "acme-ledger-euc1-b2"
  purpose            = "data set 2"
  versioning_enabled = true
  public_read        = false
}

module "bucket_acme-ledger-euc1-b3" {
  source             = "./modules/aws-s3-bucket"
  bucket_name        = "acme-ledger-euc1-b3"
  purpose            = "data set 3"
  versioning_enabled = false
  public_read        = false
}

module "bucket_acme-ledger-euc1-b4" {
  source             = "./modules/aws-s3-bucket"
  bucket_name        = "acme-ledger-euc1-b4"
  purpose            = "data set 4"
  versioning_enabled = true
  public_read        = false
}

module "bucket_acme-ledger-euc1-b5" {
  source             = "./modules/aws-s3-bucket"
  bucket_name        = "acme-ledger-euc1-b5"
  purpose            = "data set 5"
  versioning_enabled = false
  public_read        = false
}

module "bucket_acme-ledger-euc1-b6" {
  source             = "./modules/aws-s3-bucket"
  bucket_name        = "acme-ledger-euc1-b6"
  purpose            = "data set 6"
  versioning_enabled = true
  public_read        = false
}

module "bucket_acme-ledger-euc1-b7" {
  source             = "./modules/aws-s3-bucket"
  bucket_name        = "acme-ledger-euc1-b7"
  purpose            = "data set 7"
  versioning_enabled = false
  public_read        = false
}
