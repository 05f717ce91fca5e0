# A module at the vetted aws-eks copy's path whose cluster KMS policy grants every
# action on every resource (see modules/aws-eks/main.tf).
provider "aws" {
  region = "ca-central-1"
}

module "eks" {
  source              = "./modules/aws-eks"
  cluster_name        = "ledger-ops"
  kubernetes_version  = "1.29"
  subnet_ids          = ["subnet-0a1b2c3d4e5f60718", "subnet-0f1e2d3c4b5a69788"]
  node_instance_types = ["t3.large"]
  node_min_size       = 1
  node_max_size       = 2
}
