output "gke_cluster_name" {
  description = "Name of the cluster."
  value       = module.gke.cluster_name
}

output "gke_cluster_id" {
  description = "ID of the cluster (projects/<project>/locations/<region>/clusters/<name>)."
  value       = module.gke.cluster_id
}

output "bucket_mcp-warm-gcp-data_url" {
  description = "gs:// URL of the bucket."
  value       = module.bucket_mcp-warm-gcp-data.url
}
