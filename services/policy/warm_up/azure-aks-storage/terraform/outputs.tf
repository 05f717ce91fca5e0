output "aks_cluster_name" {
  description = "Name of the cluster."
  value       = module.aks.cluster_name
}

output "aks_oidc_issuer_url" {
  description = "OIDC issuer for workload identity federation."
  value       = module.aks.oidc_issuer_url
}

output "bucket_mcpwarmazuredata_storage_account_id" {
  description = "Resource ID of the account."
  value       = module.bucket_mcpwarmazuredata.storage_account_id
}

output "bucket_mcpwarmazuredata_primary_blob_endpoint" {
  description = "Blob endpoint of the account."
  value       = module.bucket_mcpwarmazuredata.primary_blob_endpoint
}
