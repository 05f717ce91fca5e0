provider "google" {
  project        = var.project_id
  region         = var.region
  default_labels = {
    managed-by  = "mcp-cloud"
    stack       = "seoul-dev"
    environment = "dev"
  }
}

module "gke" {
  source             = "./modules/gcp-gke"
  project_id         = var.project_id
  name               = "seoul-dev"
  region             = var.region
  kubernetes_version = "1.31"
  machine_type       = "e2-standard-4"
  node_min_count     = 1
  node_max_count     = 3
}
