output "aks_cluster_name" {
  description = "Name of the cluster."
  value       = module.aks.cluster_name
}

output "aks_oidc_issuer_url" {
  description = "OIDC issuer for workload identity federation."
  value       = module.aks.oidc_issuer_url
}
