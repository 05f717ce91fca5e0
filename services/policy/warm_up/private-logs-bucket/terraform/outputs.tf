output "bucket_mcp-app-logs-apne2_bucket_arn" {
  description = "ARN of the bucket."
  value       = module.bucket_mcp-app-logs-apne2.bucket_arn
}
