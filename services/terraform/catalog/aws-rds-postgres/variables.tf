variable "identifier" {
  description = "Name of the DB instance; also names its subnet group, security group and roles."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,38}[a-z0-9]$", var.identifier))
    error_message = "identifier must be 3-40 characters of lowercase letters, digits and hyphens."
  }
}

variable "vpc_id" {
  description = "VPC of the instance's security group."
  type        = string
}

variable "subnet_ids" {
  description = "Private subnets in at least two availability zones."
  type        = list(string)

  validation {
    condition     = length(var.subnet_ids) >= 2
    error_message = "A DB subnet group needs subnets in at least two availability zones."
  }
}

variable "allowed_security_group_ids" {
  description = "Security groups (e.g. the EKS cluster security group) allowed to connect on 5432."
  type        = list(string)
  default     = []
}

variable "engine_version" {
  description = "PostgreSQL version: a major version (16) or a major.minor version (16.4)."
  type        = string
  default     = "16"

  validation {
    condition     = can(regex("^1[3-7](\\.[0-9]+)?$", var.engine_version))
    error_message = "engine_version must be PostgreSQL 13 to 17, e.g. 16 or 16.4."
  }
}

variable "instance_class" {
  description = "DB instance class (Performance Insights needs db.t4g.medium or larger)."
  type        = string
  default     = "db.t4g.medium"
}

variable "allocated_storage_gib" {
  description = "Initial storage in GiB."
  type        = number
  default     = 20
}

variable "max_allocated_storage_gib" {
  description = "Upper bound for storage autoscaling in GiB."
  type        = number
  default     = 100
}

variable "database_name" {
  description = "Name of the database created with the instance."
  type        = string
  default     = "app"
}

variable "master_username" {
  description = "Master user name; its password is generated and kept in Secrets Manager."
  type        = string
  default     = "app_admin"
}

variable "multi_az" {
  description = "Run a synchronous standby in a second availability zone."
  type        = bool
  default     = true
}

variable "backup_retention_days" {
  description = "Days automated backups are kept."
  type        = number
  default     = 14

  validation {
    condition     = var.backup_retention_days >= 7 && var.backup_retention_days <= 35
    error_message = "backup_retention_days must be between 7 and 35."
  }
}

variable "deletion_protection" {
  description = "Refuse to delete the instance until this is turned off."
  type        = bool
  default     = true
}

variable "log_retention_days" {
  description = "Retention of the exported PostgreSQL logs in days."
  type        = number
  default     = 365

  validation {
    condition     = contains([365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a CloudWatch retention of at least one year (365, 400, 545, 731, ...)."
  }
}

variable "tags" {
  description = "Tags for every resource (in addition to the provider's default tags)."
  type        = map(string)
  default     = {}
}
