output "gke_cluster_name" {
  description = "Name of the cluster."
  value       = module.gke.cluster_name
}

output "gke_cluster_id" {
  description = "ID of the cluster (projects/<project>/locations/<region>/clusters/<name>)."
  value       = module.gke.cluster_id
}

output "bucket_acme-api-eu-b0_url" {
  description = "gs:// URL of the bucket."
  value       = module.bucket_acme-api-eu-b0.url
}
