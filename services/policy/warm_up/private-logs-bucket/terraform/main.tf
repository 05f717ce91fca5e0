provider "aws" {
  region = var.region

  default_tags {
    tags = {
      managed-by  = "mcp-cloud"
      stack       = "app-logs"
      environment = "dev"
    }
  }
}

module "bucket_mcp-app-logs-apne2" {
  source             = "./modules/aws-s3-bucket"
  bucket_name        = "mcp-app-logs-apne2"
  purpose            = "Application logs"
  versioning_enabled = true
  public_read        = false
}
