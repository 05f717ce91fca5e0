output "bucket_acme-lake-usc1-b0_url" {
  description = "gs:// URL of the bucket."
  value       = module.bucket_acme-lake-usc1-b0.url
}

output "bucket_acme-lake-usc1-b1_url" {
  description = "gs:// URL of the bucket."
  value       = module.bucket_acme-lake-usc1-b1.url
}

output "bucket_acme-lake-usc1-b2_url" {
  description = "gs:// URL of the bucket."
  value       = module.bucket_acme-lake-usc1-b2.url
}
