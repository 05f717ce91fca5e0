provider "google" {
  project = "acme-legacy"
  region  = "europe-west1"
}

resource "google_container_cluster" "legacy" {
  name                     = "legacy"
  location                 = "europe-west1"
  initial_node_count       = 1
  enable_legacy_abac       = true
  remove_default_node_pool = false
  master_auth {
    client_certificate_config {
      issue_client_certificate = true
    }
  }
}

resource "google_storage_bucket" "uploads" {
  name                        = "acme-legacy-uploads"
  location                    = "EU"
  uniform_bucket_level_access = false
}

resource "google_storage_bucket_iam_member" "public" {
  bucket = google_storage_bucket.uploads.name
  role   = "roles/storage.objectViewer"
  member = "allUsers"
}

resource "google_compute_firewall" "ssh" {
  name    = "allow-ssh"
  network = "default"
  allow {
    protocol = "tcp"
    ports    = ["22", "3389"]
  }
  source_ranges = ["0.0.0.0/0"]
}

resource "google_sql_database_instance" "main" {
  name             = "legacy-sql"
  database_version = "POSTGRES_12"
  region           = "europe-west1"
  settings {
    tier = "db-f1-micro"
    ip_configuration {
      ipv4_enabled = true
      authorized_networks {
        name  = "all"
        value = "0.0.0.0/0"
      }
    }
  }
}
