provider "aws" {
  region = var.region

  default_tags {
    tags = {
      managed-by  = "mcp-cloud"
      stack       = "shop-prod"
      environment = "prod"
    }
  }
}

module "vpc" {
  source              = "./modules/aws-vpc"
  name                = "shop-prod"
  availability_zones  = [
    "eu-west-1a",
    "eu-west-1b",
    "eu-west-1c",
  ]
  single_nat_gateway  = false
  public_subnet_tags  = {
    "kubernetes.io/role/elb" = "1"
  }
  private_subnet_tags = {
    "kubernetes.io/role/internal-elb" = "1"
  }
}

module "eks" {
  source              = "./modules/aws-eks"
  cluster_name        = "shop-prod"
  kubernetes_version  = "1.30"
  subnet_ids          = module.vpc.private_subnet_ids
  node_instance_types = [
    "m6i.xlarge",
  ]
  node_min_size       = 3
  node_max_size       = 9
}
