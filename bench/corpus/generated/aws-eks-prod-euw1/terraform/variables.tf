variable "region" {
  description = "AWS region of the stack."
  type        = string
  default     = "eu-west-1"
}
