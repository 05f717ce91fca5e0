provider "aws" {
  region = var.region

  default_tags {
    tags = {
      managed-by  = "mcp-cloud"
      stack       = "website"
      environment = "dev"
    }
  }
}

module "bucket_mcp-public-website" {
  source             = "./modules/aws-s3-bucket"
  bucket_name        = "mcp-public-website"
  purpose            = "Static website"
  versioning_enabled = true
  public_read        = true
}
