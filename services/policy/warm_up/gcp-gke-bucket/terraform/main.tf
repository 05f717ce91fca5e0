provider "google" {
  project        = var.project_id
  region         = var.region
  default_labels = {
    managed-by  = "mcp-cloud"
    stack       = "warm-gcp"
    environment = "dev"
  }
}

module "gke" {
  source             = "./modules/gcp-gke"
  project_id         = var.project_id
  name               = "warm-gcp"
  region             = var.region
  kubernetes_version = "1.31"
  machine_type       = "e2-standard-4"
  node_min_count     = 2
  node_max_count     = 4
}

module "bucket_mcp-warm-gcp-data" {
  source             = "./modules/gcp-gcs-bucket"
  project_id         = var.project_id
  name               = "mcp-warm-gcp-data"
  location           = var.region
  purpose            = "Application data"
  versioning_enabled = true
  public_read        = false
}
