variable "project_id" {
  description = "GCP project that owns the bucket."
  type        = string
}

variable "name" {
  description = "Globally unique bucket name."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9._-]{1,61}[a-z0-9]$", var.name))
    error_message = "name must be 3-63 characters of lowercase letters, digits, dots, underscores and hyphens."
  }
}

variable "location" {
  description = "Region (asia-northeast3) or multi-region (ASIA) of the bucket; the KMS key ring is created there too."
  type        = string
}

variable "purpose" {
  description = "Free-text purpose; becomes the purpose label (reduced to characters labels accept)."
  type        = string
  default     = ""
}

variable "versioning_enabled" {
  description = "Keep every version of every object."
  type        = bool
  default     = true
}

variable "public_read" {
  description = "Grant allUsers read access to every object. The guardrail service blocks this."
  type        = bool
  default     = false
}

variable "noncurrent_version_retention_days" {
  description = "Days a replaced or deleted object version is kept before it is deleted."
  type        = number
  default     = 90
}

variable "access_log_bucket" {
  description = "Bucket that receives usage logs; null turns access logging off."
  type        = string
  default     = null
}

variable "labels" {
  description = "Labels for the bucket and its key."
  type        = map(string)
  default     = {}
}
