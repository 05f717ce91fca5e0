variable "region" {
  description = "AWS region of the stack."
  type        = string
  default     = "us-west-2"
}
