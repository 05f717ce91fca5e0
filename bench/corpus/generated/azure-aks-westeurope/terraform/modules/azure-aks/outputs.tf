output "cluster_name" {
  description = "Name of the cluster."
  value       = azurerm_kubernetes_cluster.this.name
}

output "cluster_id" {
  description = "Resource ID of the cluster."
  value       = azurerm_kubernetes_cluster.this.id
}

output "private_fqdn" {
  description = "Private FQDN of the API server."
  value       = azurerm_kubernetes_cluster.this.private_fqdn
}

output "oidc_issuer_url" {
  description = "OIDC issuer for workload identity federation."
  value       = azurerm_kubernetes_cluster.this.oidc_issuer_url
}

output "kubelet_identity_object_id" {
  description = "Object ID of the kubelet identity (grant it AcrPull on registries)."
  value       = azurerm_kubernetes_cluster.this.kubelet_identity[0].object_id
}

output "log_analytics_workspace_id" {
  description = "Log Analytics workspace that receives container and control plane logs."
  value       = azurerm_log_analytics_workspace.this.id
}
