variable "name" {
  description = "Repository name, optionally with a namespace (team/app)."
  type        = string

  validation {
    condition     = length(var.name) >= 2 && length(var.name) <= 256 && can(regex("^([a-z0-9]+([._-][a-z0-9]+)*/)*[a-z0-9]+([._-][a-z0-9]+)*$", var.name))
    error_message = "name must be a valid ECR repository name (lowercase, digits, . _ - and / between parts)."
  }
}

variable "untagged_image_expiry_days" {
  description = "Days after which untagged images expire."
  type        = number
  default     = 14
}

variable "max_image_count" {
  description = "Number of newest images kept; older ones expire."
  type        = number
  default     = 200
}

variable "tags" {
  description = "Tags for every resource (in addition to the provider's default tags)."
  type        = map(string)
  default     = {}
}
