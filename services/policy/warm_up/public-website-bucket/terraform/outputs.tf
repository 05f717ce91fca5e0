output "bucket_mcp-public-website_bucket_arn" {
  description = "ARN of the bucket."
  value       = module.bucket_mcp-public-website.bucket_arn
}
