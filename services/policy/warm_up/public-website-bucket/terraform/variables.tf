variable "region" {
  description = "AWS region of the stack."
  type        = string
  default     = "us-east-1"
}
