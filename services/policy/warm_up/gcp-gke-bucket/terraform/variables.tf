variable "project_id" {
  description = "GCP project to deploy into (set TF_VAR_project_id or -var project_id=...)."
  type        = string
}

variable "region" {
  description = "GCP region of the stack."
  type        = string
  default     = "us-east1"
}
