provider "aws" {
  region = var.region

  default_tags {
    tags = {
      managed-by  = "mcp-cloud"
      stack       = "kr-dev"
      environment = "dev"
    }
  }
}

module "vpc" {
  source              = "./modules/aws-vpc"
  name                = "kr-dev"
  availability_zones  = [
    "ap-northeast-1a",
    "ap-northeast-1c",
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
  cluster_name        = "kr-dev"
  kubernetes_version  = "1.29"
  subnet_ids          = module.vpc.private_subnet_ids
  node_instance_types = [
    "t3.large",
  ]
  node_min_size       = 1
  node_max_size       = 2
}

module "bucket_acme-board-apne1-b0" {
  source             = "./modules/aws-s3-bucket"
  bucket_name        = "acme-board-apne1-b0"
  purpose            = "data set 0"
  versioning_enabled = true
  public_read        = true
}

module "bucket_acme-board-apne1-b1" {
  source             = "./modules/aws-s3-bucket"
  bucket_name        = "acme-board-apne1-b1"
  purpose            = "data set 1"
  versioning_enabled = false
  public_read        = false
}
