variable "region" {
  type    = string
  default = "eu-central-1"
}

variable "name" {
  type    = string
  default = "legacy-web"
}

variable "admin_cidr" {
  type    = string
  default = "0.0.0.0/0"
}
