variable "name" {
  description = "Name of the role."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9+=,.@_-]{1,64}$", var.name))
    error_message = "name must be 1-64 characters of letters, digits and + = , . @ _ -."
  }
}

variable "description" {
  description = "What the role is for."
  type        = string
  default     = ""
}

variable "trusted_services" {
  description = "AWS service principals allowed to assume the role, e.g. lambda.amazonaws.com."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for s in var.trusted_services : endswith(s, ".amazonaws.com")])
    error_message = "trusted_services must be AWS service principals ending in .amazonaws.com."
  }
}

variable "oidc_provider_arn" {
  description = "IAM OIDC provider of an EKS cluster (aws-eks output oidc_provider_arn) for IRSA."
  type        = string
  default     = null
}

variable "oidc_subjects" {
  description = "Service accounts allowed to assume the role, as system:serviceaccount:<namespace>:<name>."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for s in var.oidc_subjects : can(regex("^system:serviceaccount:[a-z0-9-]+:[a-z0-9.-]+$", s))])
    error_message = "oidc_subjects must be exact service accounts (system:serviceaccount:<namespace>:<name>), no wildcards."
  }
}

variable "policy_statements" {
  description = "Allow statements of the inline policy; every action and resource must be named explicitly."
  type = list(object({
    sid       = string
    actions   = list(string)
    resources = list(string)
  }))
  default = []

  validation {
    condition     = alltrue([for s in var.policy_statements : alltrue([for a in s.actions : a != "*" && !endswith(a, ":*")])])
    error_message = "Wildcard actions (\"*\" or \"service:*\") are not allowed: list the actions the role needs."
  }

  validation {
    condition     = alltrue([for s in var.policy_statements : length(s.resources) > 0 && !contains(s.resources, "*")])
    error_message = "Every statement needs resources, and \"*\" is not allowed: name the ARNs the role needs."
  }
}

variable "managed_policy_arns" {
  description = "AWS or customer managed policies to attach; administrator-level policies are refused."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for arn in var.managed_policy_arns : !contains(["AdministratorAccess", "PowerUserAccess", "IAMFullAccess"], element(split("/", arn), length(split("/", arn)) - 1))])
    error_message = "AdministratorAccess, PowerUserAccess and IAMFullAccess cannot be attached through this module."
  }
}

variable "max_session_duration" {
  description = "Maximum session length in seconds (3600 to 43200)."
  type        = number
  default     = 3600

  validation {
    condition     = var.max_session_duration >= 3600 && var.max_session_duration <= 43200
    error_message = "max_session_duration must be between 3600 and 43200 seconds."
  }
}

variable "permissions_boundary_arn" {
  description = "Permissions boundary policy; null for none."
  type        = string
  default     = null
}

variable "tags" {
  description = "Tags for the role (in addition to the provider's default tags)."
  type        = map(string)
  default     = {}
}
