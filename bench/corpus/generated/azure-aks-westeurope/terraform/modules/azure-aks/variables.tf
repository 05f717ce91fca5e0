variable "name" {
  description = "Name of the cluster; also names its VNet, NSG and Log Analytics workspace."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,38}[a-z0-9]$", var.name))
    error_message = "name must be 3-40 characters of lowercase letters, digits and hyphens."
  }
}

variable "resource_group_name" {
  description = "Resource group that holds the cluster and its network."
  type        = string
}

variable "location" {
  description = "Azure region, e.g. koreacentral."
  type        = string
}

variable "kubernetes_version" {
  description = "Kubernetes minor version; AKS applies patches automatically."
  type        = string
  default     = "1.31"

  validation {
    condition     = can(regex("^1\\.(2[89]|3[0-9])$", var.kubernetes_version))
    error_message = "kubernetes_version must be a minor version such as 1.31."
  }
}

variable "sku_tier" {
  description = "Control plane tier: Standard carries the uptime SLA."
  type        = string
  default     = "Standard"

  validation {
    condition     = contains(["Free", "Standard", "Premium"], var.sku_tier)
    error_message = "sku_tier must be Free, Standard or Premium."
  }
}

variable "node_vm_size" {
  description = "VM size of the nodes; it needs a cache or temp disk large enough for an ephemeral OS disk."
  type        = string
  default     = "Standard_D4ds_v5"
}

variable "node_min_count" {
  description = "Minimum number of nodes."
  type        = number
  default     = 2

  validation {
    condition     = var.node_min_count >= 1
    error_message = "node_min_count must be at least 1."
  }
}

variable "node_max_count" {
  description = "Maximum number of nodes."
  type        = number
  default     = 4
}

variable "zones" {
  description = "Availability zones of the node pool."
  type        = list(string)
  default     = ["1", "2", "3"]
}

variable "vnet_cidr" {
  description = "Address space of the cluster VNet."
  type        = string
  default     = "10.20.0.0/16"
}

variable "nodes_cidr" {
  description = "Node subnet, inside vnet_cidr."
  type        = string
  default     = "10.20.0.0/22"
}

variable "pod_cidr" {
  description = "Overlay range for pod IPs (not routed in the VNet)."
  type        = string
  default     = "10.244.0.0/16"
}

variable "service_cidr" {
  description = "Range for service IPs; must not overlap the VNet. The DNS service takes its 10th address."
  type        = string
  default     = "172.20.0.0/16"
}

variable "admin_group_object_ids" {
  description = "Entra ID groups that get cluster-admin."
  type        = list(string)
  default     = []
}

variable "log_retention_days" {
  description = "Retention of the Log Analytics workspace in days."
  type        = number
  default     = 90

  validation {
    condition     = var.log_retention_days >= 30 && var.log_retention_days <= 730
    error_message = "log_retention_days must be between 30 and 730."
  }
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}
