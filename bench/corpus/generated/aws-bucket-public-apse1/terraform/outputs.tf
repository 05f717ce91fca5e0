output "bucket_acme-cdn-apse1-b0_bucket_arn" {
  description = "ARN of the bucket."
  value       = module.bucket_acme-cdn-apse1-b0.bucket_arn
}

output "bucket_acme-cdn-apse1-b1_bucket_arn" {
  description = "ARN of the bucket."
  value       = module.bucket_acme-cdn-apse1-b1.bucket_arn
}
