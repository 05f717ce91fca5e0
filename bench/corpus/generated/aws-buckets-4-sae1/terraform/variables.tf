variable "region" {
  description = "AWS region of the stack."
  type        = string
  default     = "sa-east-1"
}
