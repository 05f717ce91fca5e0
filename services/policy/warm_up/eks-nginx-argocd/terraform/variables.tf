variable "region" {
  description = "AWS region of the stack."
  type        = string
  default     = "ap-northeast-2"
}
