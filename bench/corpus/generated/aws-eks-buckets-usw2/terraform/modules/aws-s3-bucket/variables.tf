variable "bucket_name" {
  description = "Globally unique bucket name."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.bucket_name))
    error_message = "bucket_name must be 3-63 characters of lowercase letters, digits, dots and hyphens."
  }
}

variable "purpose" {
  description = "Free-text purpose; becomes the Purpose tag (reduced to characters AWS tags accept) and the key description."
  type        = string
  default     = ""
}

variable "versioning_enabled" {
  description = "Keep every version of every object."
  type        = bool
  default     = true
}

variable "public_read" {
  description = "Make every object readable by anyone on the internet. The guardrail service blocks this."
  type        = bool
  default     = false
}

variable "noncurrent_version_retention_days" {
  description = "Days a replaced or deleted object version is kept before it expires."
  type        = number
  default     = 90

  validation {
    condition     = var.noncurrent_version_retention_days >= 1
    error_message = "noncurrent_version_retention_days must be at least 1."
  }
}

variable "access_log_bucket" {
  description = "Bucket that receives server access logs; null turns access logging off."
  type        = string
  default     = null
}

variable "tags" {
  description = "Tags for every resource (in addition to the provider's default tags)."
  type        = map(string)
  default     = {}
}
