output "name" {
  description = "Name of the bucket."
  value       = google_storage_bucket.this.name
}

output "url" {
  description = "gs:// URL of the bucket."
  value       = google_storage_bucket.this.url
}

output "kms_key_id" {
  description = "Cloud KMS key of the bucket's default encryption."
  value       = google_kms_crypto_key.this.id
}
