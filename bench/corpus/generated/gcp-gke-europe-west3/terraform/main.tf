provider "google" {
  project        = var.project_id
  region         = var.region
  default_labels = {
    managed-by  = "mcp-cloud"
    stack       = "api-eu"
    environment = "prod"
  }
}

module "gke" {
  source             = "./modules/gcp-gke"
  project_id         = var.project_id
  name               = "api-eu"
  region             = var.region
  kubernetes_version = "1.31"
  machine_type       = "e2-standard-4"
  node_min_count     = 3
  node_max_count     = 6
}

module "bucket_acme-api-eu-b0" {
  source             = "./modules/gcp-gcs-bucket"
  project_id         = var.project_id
  name               = "acme-api-eu-b0"
  location           = var.region
  purpose            = "data set 0"
  versioning_enabled = true
  public_read        = false
}
