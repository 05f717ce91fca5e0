provider "aws" {
  region = var.region

  default_tags {
    tags = {
      managed-by  = "mcp-cloud"
      stack       = "eks-nginx"
      environment = "dev"
    }
  }
}

module "vpc" {
  source              = "./modules/aws-vpc"
  name                = "mcp-eks"
  availability_zones  = [
    "ap-northeast-2a",
    "ap-northeast-2b",
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
  cluster_name        = "mcp-eks"
  kubernetes_version  = "1.31"
  subnet_ids          = module.vpc.private_subnet_ids
  node_instance_types = [
    "t3.medium",
  ]
  node_min_size       = 2
  node_max_size       = 4
}
