output "aks_cluster_name" {
  description = "Name of the cluster."
  value       = module.aks.cluster_name
}

output "aks_oidc_issuer_url" {
  description = "OIDC issuer for workload identity federation."
  value       = module.aks.oidc_issuer_url
}

output "bucket_acmeerp-b0_storage_account_id" {
  description = "Resource ID of the account."
  value       = module.bucket_acmeerp-b0.storage_account_id
}

output "bucket_acmeerp-b0_primary_blob_endpoint" {
  description = "Blob endpoint of the account."
  value       = module.bucket_acmeerp-b0.primary_blob_endpoint
}

output "bucket_acmeerp-b1_storage_account_id" {
  description = "Resource ID of the account."
  value       = module.bucket_acmeerp-b1.storage_account_id
}

output "bucket_acmeerp-b1_primary_blob_endpoint" {
  description = "Blob endpoint of the account."
  value       = module.bucket_acmeerp-b1.primary_blob_endpoint
}

output "bucket_acmeerp-b2_storage_account_id" {
  description = "Resource ID of the account."
  value       = module.bucket_acmeerp-b2.storage_account_id
}

output "bucket_acmeerp-b2_primary_blob_endpoint" {
  description = "Blob endpoint of the account."
  value       = module.bucket_acmeerp-b2.primary_blob_endpoint
}
