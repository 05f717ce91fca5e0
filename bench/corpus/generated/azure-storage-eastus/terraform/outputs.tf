output "bucket_acmebak-b0_storage_account_id" {
  description = "Resource ID of the account."
  value       = module.bucket_acmebak-b0.storage_account_id
}

output "bucket_acmebak-b0_primary_blob_endpoint" {
  description = "Blob endpoint of the account."
  value       = module.bucket_acmebak-b0.primary_blob_endpoint
}

output "bucket_acmebak-b1_storage_account_id" {
  description = "Resource ID of the account."
  value       = module.bucket_acmebak-b1.storage_account_id
}

output "bucket_acmebak-b1_primary_blob_endpoint" {
  description = "Blob endpoint of the account."
  value       = module.bucket_acmebak-b1.primary_blob_endpoint
}
