provider "google" {
  project        = var.project_id
  region         = var.region
  default_labels = {
    managed-by  = "mcp-cloud"
    stack       = "lake"
    environment = "dev"
  }
}

module "bucket_acme-lake-usc1-b0" {
  source             = "./modules/gcp-gcs-bucket"
  project_id         = var.project_id
  name               = "acme-lake-usc1-b0"
  location           = var.region
  purpose            = "data set 0"
  versioning_enabled = true
  public_read        = false
}

module "bucket_acme-lake-usc1-b1" {
  source             = "./modules/gcp-gcs-bucket"
  project_id         = var.project_id
  name               = "acme-lake-usc1-b1"
  location           = var.region
  purpose            = "data set 1"
  versioning_enabled = false
  public_read        = false
}

module "bucket_acme-lake-usc1-b2" {
  source             = "./modules/gcp-gcs-bucket"
  project_id         = var.project_id
  name               = "acme-lake-usc1-b2"
  location           = var.region
  purpose            = "data set 2"
  versioning_enabled = true
  public_read        = true
}
