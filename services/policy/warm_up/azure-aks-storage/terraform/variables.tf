variable "region" {
  description = "Azure region of the stack."
  type        = string
  default     = "westus2"
}
