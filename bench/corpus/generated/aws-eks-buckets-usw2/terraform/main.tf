provider "aws" {
  region = var.region

  default_tags {
    tags = {
      managed-by  = "mcp-cloud"
      stack       = "ml-staging"
      environment = "staging"
    }
  }
}

module "vpc" {
  source              = "./modules/aws-vpc"
  name                = "ml-staging"
  availability_zones  = [
    "us-west-2a",
    "us-west-2b",
  ]
  single_nat_gateway  = true
  public_subnet_tags  = {
    "kubernetes.io/role/elb" = "1"
  }
  private_subnet_tags = {
    "kubernetes.io/role/internal-elb" = "1"
  }
}

module "eks" {
  source              = "./modules/aws-eks"
  cluster_name        = "ml-staging"
  kubernetes_version  = "1.31"
  subnet_ids          = module.vpc.private_subnet_ids
  node_instance_types = [
    "t3.medium",
  ]
  node_min_size       = 2
  node_max_size       = 5
}

module "bucket_acme-ml-usw2-b0" {
  source             = "./modules/aws-s3-bucket"
  bucket_name        = "acme-ml-usw2-b0"
  purpose            = "data set 0"
  versioning_enabled = true
  public_read        = false
}

module "bucket_acme-ml-usw2-b1" {
  source             = "./modules/aws-s3-bucket"
  bucket_name        = "acme-ml-usw2-b1"
  purpose            = "data set 1"
  versioning_enabled = false
  public_read        = false
}

module "bucket_acme-ml-usw2-b2" {
  source             = "./modules/aws-s3-bucket"
  bucket_name        = "acme-ml-usw2-b2"
  purpose            = "data set 2"
  versioning_enabled = true
  public_read        = false
}
