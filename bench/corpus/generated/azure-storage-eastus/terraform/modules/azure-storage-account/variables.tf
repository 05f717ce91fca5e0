variable "name" {
  description = "Globally unique storage account name."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9]{3,24}$", var.name))
    error_message = "name must be 3-24 lowercase letters and digits."
  }
}

variable "resource_group_name" {
  description = "Resource group of the account."
  type        = string
}

variable "location" {
  description = "Azure region, e.g. koreacentral."
  type        = string
}

variable "container_name" {
  description = "Name of the blob container."
  type        = string
  default     = "data"
}

variable "purpose" {
  description = "Free-text purpose; becomes the purpose tag."
  type        = string
  default     = ""
}

variable "replication_type" {
  description = "Redundancy of the account."
  type        = string
  default     = "GRS"

  validation {
    condition     = contains(["ZRS", "GRS", "RAGRS", "GZRS", "RAGZRS"], var.replication_type)
    error_message = "replication_type must be zone- or geo-redundant: ZRS, GRS, RAGRS, GZRS or RAGZRS."
  }
}

variable "versioning_enabled" {
  description = "Keep every version of every blob."
  type        = bool
  default     = true
}

variable "soft_delete_retention_days" {
  description = "Days deleted blobs and containers can be restored."
  type        = number
  default     = 14

  validation {
    condition     = var.soft_delete_retention_days >= 7 && var.soft_delete_retention_days <= 365
    error_message = "soft_delete_retention_days must be between 7 and 365."
  }
}

variable "public_read" {
  description = "Allow anonymous read access to the blobs. The guardrail service blocks this."
  type        = bool
  default     = false
}

variable "allowed_ip_ranges" {
  description = "Public IP ranges allowed through the account firewall."
  type        = list(string)
  default     = []
}

variable "allowed_subnet_ids" {
  description = "VNet subnets (with the Microsoft.Storage service endpoint) allowed through the firewall."
  type        = list(string)
  default     = []
}

variable "log_analytics_workspace_id" {
  description = "Workspace that receives blob read/write/delete logs; null turns access logging off."
  type        = string
  default     = null
}

variable "tags" {
  description = "Tags for the account."
  type        = map(string)
  default     = {}
}
