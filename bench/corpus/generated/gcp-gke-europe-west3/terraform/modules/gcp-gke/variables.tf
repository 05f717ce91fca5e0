variable "project_id" {
  description = "GCP project that hosts the cluster."
  type        = string
}

variable "name" {
  description = "Name of the cluster; also names its VPC, router, key ring and node service account."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,38}[a-z0-9]$", var.name))
    error_message = "name must be 3-40 characters of lowercase letters, digits and hyphens."
  }
}

variable "region" {
  description = "Region of the regional cluster, e.g. asia-northeast3."
  type        = string
}

variable "kubernetes_version" {
  description = "Kubernetes minor version (GKE picks the newest patch of it in the release channel)."
  type        = string
  default     = "1.31"

  validation {
    condition     = can(regex("^1\\.(2[89]|3[0-9])$", var.kubernetes_version))
    error_message = "kubernetes_version must be a minor version such as 1.31."
  }
}

variable "release_channel" {
  description = "GKE release channel that drives automatic upgrades."
  type        = string
  default     = "REGULAR"

  validation {
    condition     = contains(["RAPID", "REGULAR", "STABLE"], var.release_channel)
    error_message = "release_channel must be RAPID, REGULAR or STABLE."
  }
}

variable "machine_type" {
  description = "Machine type of the nodes."
  type        = string
  default     = "e2-standard-4"
}

variable "node_min_count" {
  description = "Minimum number of nodes across all zones."
  type        = number
  default     = 2

  validation {
    condition     = var.node_min_count >= 1
    error_message = "node_min_count must be at least 1."
  }
}

variable "node_max_count" {
  description = "Maximum number of nodes across all zones (at least 3: the pool starts with one node per zone)."
  type        = number
  default     = 4

  validation {
    condition     = var.node_max_count >= 3
    error_message = "node_max_count must be at least 3, one node per zone of a regional pool."
  }
}

variable "node_disk_size_gb" {
  description = "Boot disk size of each node in GB."
  type        = number
  default     = 100
}

variable "nodes_cidr" {
  description = "Primary range of the node subnet."
  type        = string
  default     = "10.0.0.0/20"
}

variable "pods_cidr" {
  description = "Secondary range for pod IPs."
  type        = string
  default     = "10.4.0.0/14"
}

variable "services_cidr" {
  description = "Secondary range for service IPs."
  type        = string
  default     = "10.8.0.0/20"
}

variable "master_ipv4_cidr_block" {
  description = "/28 range of the control plane's private endpoint."
  type        = string
  default     = "172.16.0.0/28"
}

variable "enable_private_endpoint" {
  description = "Reach the control plane only through its private endpoint."
  type        = bool
  default     = true
}

variable "master_authorized_cidrs" {
  description = "Networks allowed to reach the control plane."
  type = list(object({
    cidr_block   = string
    display_name = string
  }))
  default = []

  validation {
    condition     = alltrue([for c in var.master_authorized_cidrs : c.cidr_block != "0.0.0.0/0"])
    error_message = "master_authorized_cidrs must not contain 0.0.0.0/0."
  }
}

variable "deletion_protection" {
  description = "Refuse to destroy the cluster until this is turned off."
  type        = bool
  default     = true
}

variable "labels" {
  description = "Labels for the cluster and its nodes."
  type        = map(string)
  default     = {}
}
