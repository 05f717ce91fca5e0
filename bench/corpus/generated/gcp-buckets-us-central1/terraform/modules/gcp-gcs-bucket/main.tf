# A Cloud Storage bucket that is private by default: uniform bucket-level access,
# public access prevention enforced, CMEK encryption with a dedicated Cloud KMS key,
# versioning and a lifecycle rule for old versions. With public_read = true it
# faithfully grants allUsers read access and leaves the decision to the guardrail
# service, which blocks it.

terraform {
  required_version = ">= 1.6.0"

  required_providers {
    google = {
      source  = "hashicorp/google"
      version = ">= 6.0, < 7.0"
    }
  }
}

data "google_storage_project_service_account" "this" {
  project = var.project_id
}

locals {
  # Label values allow lowercase letters, digits, _ and - (63 characters at most).
  purpose_label = substr(trim(replace(lower(var.purpose), "/[^a-z0-9_-]+/", "-"), "-"), 0, 63)
  labels        = merge(var.labels, local.purpose_label == "" ? {} : { purpose = local.purpose_label })

  # Key ring and key names allow letters, digits, _ and - only (no dots), 63 at most.
  kms_name = "${substr(replace(var.name, ".", "-"), 0, 59)}-gcs"
}

resource "google_kms_key_ring" "this" {
  project  = var.project_id
  name     = local.kms_name
  location = lower(var.location)
}

resource "google_kms_crypto_key" "this" {
  name            = local.kms_name
  key_ring        = google_kms_key_ring.this.id
  rotation_period = "7776000s"
  labels          = local.labels

  # Destroying the key makes every object in the bucket unreadable.
  lifecycle {
    prevent_destroy = true
  }
}

# Cloud Storage encrypts with the key through its per-project service agent.
resource "google_kms_crypto_key_iam_member" "gcs_service_agent" {
  crypto_key_id = google_kms_crypto_key.this.id
  role          = "roles/cloudkms.cryptoKeyEncrypterDecrypter"
  member        = "serviceAccount:${data.google_storage_project_service_account.this.email_address}"
}

resource "google_storage_bucket" "this" {
  project       = var.project_id
  name          = var.name
  location      = var.location
  storage_class = "STANDARD"
  force_destroy = false
  labels        = local.labels

  uniform_bucket_level_access = true
  # Written as a conditional so static scanners can evaluate it.
  public_access_prevention = var.public_read ? "inherited" : "enforced"

  versioning {
    enabled = var.versioning_enabled
  }

  encryption {
    default_kms_key_name = google_kms_crypto_key.this.id
  }

  lifecycle_rule {
    condition {
      days_since_noncurrent_time = var.noncurrent_version_retention_days
      with_state                 = "ARCHIVED"
    }

    action {
      type = "Delete"
    }
  }

  dynamic "logging" {
    for_each = var.access_log_bucket == null ? [] : [var.access_log_bucket]

    content {
      log_bucket        = logging.value
      log_object_prefix = var.name
    }
  }

  depends_on = [google_kms_crypto_key_iam_member.gcs_service_agent]
}

resource "google_storage_bucket_iam_member" "public_read" {
  count = var.public_read ? 1 : 0

  bucket = google_storage_bucket.this.name
  role   = "roles/storage.objectViewer"
  member = "allUsers"
}
