variable "region" {
  description = "AWS region of the stack."
  type        = string
  default     = "eu-central-1"
}
