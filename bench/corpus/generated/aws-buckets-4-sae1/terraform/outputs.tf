output "bucket_acme-arch-sae1-b0_bucket_arn" {
  description = "ARN of the bucket."
  value       = module.bucket_acme-arch-sae1-b0.bucket_arn
}

output "bucket_acme-arch-sae1-b1_bucket_arn" {
  description = "ARN of the bucket."
  value       = module.bucket_acme-arch-sae1-b1.bucket_arn
}

output "bucket_acme-arch-sae1-b2_bucket_arn" {
  description = "ARN of the bucket."
  value       = module.bucket_acme-arch-sae1-b2.bucket_arn
}

output "bucket_acme-arch-sae1-b3_bucket_arn" {
  description = "ARN of the bucket."
  value       = module.bucket_acme-arch-sae1-b3.bucket_arn
}
