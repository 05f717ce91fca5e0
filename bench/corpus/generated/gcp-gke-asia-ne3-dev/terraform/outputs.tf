output "gke_cluster_name" {
  description = "Name of the cluster."
  value       = module.gke.cluster_name
}

output "gke_cluster_id" {
  description = "ID of the cluster (projects/<project>/locations/<region>/clusters/<name>)."
  value       = module.gke.cluster_id
}
